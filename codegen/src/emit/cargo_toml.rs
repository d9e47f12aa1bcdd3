//! `Cargo.toml` of the generated crate: package metadata from `x-rust-crate`, and the
//! smallest feature sets of its dependencies.

use crate::model::Api;

pub fn emit(api: &Api) -> String {
    let package = &api.package;
    let list = |items: &[String]| {
        items
            .iter()
            .map(|item| toml_string(item))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let paging = if api.uses.paging {
        "# Streams of pages, without the rest of `futures`.\n\
         futures-util = { version = \"0.3.31\", default-features = false }\n"
    } else {
        ""
    };
    let publish = if package.publish {
        ""
    } else {
        "publish = false\n"
    };
    format!(
        r#"[package]
name = {name}
version = {version}
description = {description}
license = {license}
repository = {repository}
readme = "README.md"
keywords = [{keywords}]
categories = [{categories}]
edition = "2021"
rust-version = "1.85"
# The spec of the last release, kept for `cargo xtask codegen`'s version check.
exclude = [{released_spec}]
{publish}
[features]
default = ["rustls"]
# TLS through rustls with reqwest's own crypto provider, aws-lc-rs, and the platform's
# certificate verifier.
rustls = ["reqwest/rustls"]
# TLS through rustls with the ring provider instead, with `default-features = false`: a clean
# build about a third shorter, without aws-lc's C library. This client brings its own TLS
# setup, but every other reqwest client in the program then needs a crypto provider installed
# first (see the README).
rustls-ring = ["reqwest/rustls-no-provider", "dep:rustls", "dep:rustls-platform-verifier"]
# TLS through the platform's library (OpenSSL on Linux).
native-tls = ["reqwest/native-tls"]
# A local mock of the API for your tests (`mock::MockApi`), on wiremock: for
# `[dev-dependencies]`.
mock = ["dep:wiremock"]

[dependencies]
{paging}# zeroize: the keyed HMAC state (as secret as the key) is wiped when the client is dropped.
hmac = {{ version = "0.13", features = ["zeroize"] }}
reqwest = {{ version = "0.13", default-features = false }}
rust_decimal = {{ version = "1.36", default-features = false, features = ["std"] }}
rustls = {{ version = "0.23.27", default-features = false, features = ["ring", "std", "tls12"], optional = true }}
rustls-platform-verifier = {{ version = "0.7", optional = true }}
secrecy = "0.10"
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["raw_value"] }}
sha2 = {{ version = "0.11", default-features = false, features = ["zeroize"] }}
time = {{ version = "0.3.36", features = ["formatting", "parsing"] }}
# time: only the timer, for waits between retries; reqwest already runs on tokio.
tokio = {{ version = "1", default-features = false, features = ["time"] }}
tracing = {{ version = "0.1.40", default-features = false, features = ["std"] }}
uuid = {{ version = "1", features = ["serde"] }}
wiremock = {{ version = "0.6.5", optional = true }}

[dev-dependencies]
# The crate itself with its mock, so that its tests and doctests (the README's too) use it.
{name_key} = {{ path = ".", features = ["mock"] }}
"#,
        name = toml_string(&package.name),
        name_key = package.name,
        version = toml_string(&package.version.to_string()),
        description = toml_string(&package.description),
        license = toml_string(&package.license),
        repository = toml_string(&package.repository),
        keywords = list(&package.keywords),
        categories = list(&package.categories),
        paging = paging,
        released_spec = toml_string(crate::changes::RELEASED_SPEC_FILE),
    )
}

/// A TOML basic string.
pub(crate) fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
