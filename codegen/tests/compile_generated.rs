//! The whole crate generated from a focused spec compiles, not just its snapshotted parts,
//! and so does the command-line tool generated beside it.
//!
//! `cargo check` runs offline on a copy of the workspace's lock file and with the workspace's
//! target folder, so the client's dependencies are the ones already built: seconds when warm,
//! about half a minute from a cold target folder.

use std::fs;

mod support;

use support::manifest_dir;

/// Specs whose generated crate is compiled, its copied runtime tests included: between them
/// every optional part of the client (paged methods, webhooks, the timestamp-rejected check,
/// each wire format) is emitted or copied, and left out. `base.yaml` has no enums, decimals
/// or date-times, so it copies none of the runtime's `wire/` files. The recipe spec here
/// signs otherwise than Calypso: an ISO timestamp in the envelope with the method, URL and
/// key signed (`recipe-headers.yaml`, a timestamp and a nonce in headers, is called below).
const SPECS: &[&str] = &[
    "ok/paged-and-webhooks.yaml",
    "base.yaml",
    "ok/tricky-names.yaml",
    "ok/formats.yaml",
    "ok/openapi-3-1.yaml",
    "ok/payload-flags.yaml",
    "ok/recipe-iso-base64.yaml",
];

/// Specs (from this crate's folder) whose generated crate is also called: a test crate
/// beside the client and the tool (its test, `tests/calls/<name>.rs`) makes signed calls
/// against the generated mock, with the client's mock feature, and runs; so do the client's
/// own unit tests, among them the signing of the spec's example. The two real gateways'
/// fixtures sign otherwise than Calypso and than each other; their examples' signatures are
/// recomputed independently by `.ci/signing-vectors.py`.
const CALLED: &[(&str, &str)] = &[
    ("tests/specs/ok/request-shapes.yaml", "request_shapes.rs"),
    ("tests/specs/ok/recipe-headers.yaml", "recipe_headers.rs"),
    ("../tests/fixtures/binance-pay/spec.yaml", "binance_pay.rs"),
    (
        "../tests/fixtures/coinpayments/spec.yaml",
        "coinpayments.rs",
    ),
];

#[test]
fn generated_crates_make_signed_calls_their_mock_accepts() {
    for (spec, calls) in CALLED {
        let text = fs::read_to_string(manifest_dir().join(spec)).expect("test spec is readable");
        let api = codegen::load(&text, spec).unwrap_or_else(|error| panic!("{error}"));
        let client = codegen::generate_from(&api, spec).unwrap_or_else(|error| panic!("{error}"));
        let cli = codegen::generate_cli(&api, spec, "../client")
            .unwrap_or_else(|error| panic!("{error}"));
        let test = fs::read_to_string(manifest_dir().join("tests/calls").join(calls))
            .expect("the calls' test is readable");
        let name = &api.package.name;
        let manifest = format!(
            "[package]\nname = \"calls\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dev-dependencies]\n{name} = {{ path = \"../client\", features = [\"mock\"] }}\n\
             reqwest = {{ version = \"0.13\", default-features = false }}\n\
             serde_json = \"1\"\n\
             tokio = {{ version = \"1\", features = [\"rt\", \"rt-multi-thread\", \"macros\"] }}\n"
        );
        let calls_crate = [
            codegen::GeneratedFile {
                path: "Cargo.toml".into(),
                contents: manifest,
            },
            codegen::GeneratedFile {
                path: "src/lib.rs".into(),
                contents: "//! Signed calls against the generated mock (in `tests/`).\n".to_owned(),
            },
            codegen::GeneratedFile {
                path: "tests/calls.rs".into(),
                contents: test,
            },
        ];
        let out = std::env::temp_dir().join(format!(
            "codegen-calls-{}-{}",
            std::process::id(),
            spec.replace(['/', '.'], "-").trim_start_matches('-')
        ));
        support::write_workspace(
            &out,
            &[("client", &client), ("cli", &cli), ("calls", &calls_crate)],
        );
        support::cargo(&out, &["check", "--workspace", "--all-targets"]);
        // The tool too, for the calls' tests that run it against the mock.
        let tool = format!("{name}-cli");
        support::cargo(&out, &["build", "-p", &tool]);
        let tool_path = support::target_dir().join("debug").join(name);
        support::cargo_with_env(&out, &["test", "-p", "calls"], ("TOOL", &tool_path));
        support::cargo(&out, &["test", "-p", name, "--lib"]);
        // Its docs, the spec's prose among them, as docs.rs would build them: no warning.
        support::cargo_with_env(
            &out,
            &["doc", "--no-deps", "-p", name, "--features", "mock"],
            ("RUSTDOCFLAGS", "-D warnings"),
        );
        fs::remove_dir_all(&out).expect("temporary folder is removable");
    }
}

#[test]
fn generated_crates_compile() {
    for spec in SPECS {
        let text = fs::read_to_string(manifest_dir().join("tests/specs").join(spec))
            .expect("test spec is readable");
        let api = codegen::load(&text, spec).unwrap_or_else(|error| panic!("{error}"));
        let client = codegen::generate_from(&api, spec).unwrap_or_else(|error| panic!("{error}"));
        let cli = codegen::generate_cli(&api, spec, "../client")
            .unwrap_or_else(|error| panic!("{error}"));
        let out = std::env::temp_dir().join(format!(
            "codegen-compile-{}-{}",
            std::process::id(),
            spec.replace(['/', '.'], "-")
        ));
        support::write_workspace(&out, &[("client", &client), ("cli", &cli)]);
        support::cargo(&out, &["check", "--workspace", "--all-targets"]);
        fs::remove_dir_all(&out).expect("temporary folder is removable");
    }
}
