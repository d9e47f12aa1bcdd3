//! The tool's `Cargo.toml`: its package, named after the client's, and the runtime's
//! dependencies (`cli-runtime/Cargo.toml` has the same).

use crate::emit::cargo_toml::toml_string;
use crate::model::Api;

pub fn emit(api: &Api, client_path: &str) -> String {
    let package = &api.package;
    let publish = if package.publish {
        ""
    } else {
        "publish = false\n"
    };
    let webhooks = if api.webhooks.is_some() {
        "# `webhooks listen`: a small HTTP/1 server, on the hyper that reqwest already uses.\n\
         http-body-util = \"0.1.3\"\n\
         hyper = { version = \"1.6\", features = [\"server\", \"http1\"] }\n\
         hyper-util = { version = \"0.1.16\", features = [\"tokio\"] }\n"
    } else {
        ""
    };
    format!(
        r#"[package]
name = {cli_name}
version = {version}
description = {description}
license = {license}
repository = {repository}
readme = "README.md"
keywords = ["cli", "api", "signed"]
categories = ["command-line-utilities"]
edition = "2021"
rust-version = "1.85"
{publish}
[[bin]]
name = {bin}
path = "src/main.rs"

[dependencies]
# The generated client, under the name every copied file uses for it.
client = {{ package = {name}, version = {client_version}, path = {client_path} }}
clap = {{ version = "4.6", features = ["derive", "env"] }}
clap_complete = "4.6"
{webhooks}secrecy = {{ version = "0.10", features = ["serde"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["raw_value"] }}
# Parsing RFC 3339 date-time flags; the client already depends on it.
time = {{ version = "0.3.36", features = ["parsing"] }}
tokio = {{ version = "1", features = ["rt", "macros", "net", "sync"] }}
toml = {{ version = "1", default-features = false, features = ["std", "serde", "parse"] }}
tracing-subscriber = {{ version = "0.3.20", default-features = false, features = ["fmt", "std"] }}
"#,
        cli_name = toml_string(&package.cli_name()),
        name = toml_string(&package.name),
        bin = toml_string(&package.name),
        version = toml_string(&package.version.to_string()),
        client_version = toml_string(&format!("={}", package.version)),
        client_path = toml_string(client_path),
        description = toml_string(&format!(
            "The command line for the {}: every operation signed, pages walked, webhooks received.",
            api.title
        )),
        license = toml_string(&package.license),
        repository = toml_string(&package.repository),
    )
}
