//! The generated manifests take their `[features]` and `[dependencies]` from the runtimes'
//! own manifests, as written there, less what only the runtime files a crate lacks use.

use std::fs;
use std::path::Path;

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn load(path: &Path) -> codegen::model::Api {
    let text = fs::read_to_string(path).expect("the spec is readable");
    codegen::load(&text, "spec.yaml").unwrap_or_else(|error| panic!("{error}"))
}

/// The real spec, which uses every runtime file.
fn customer_purse() -> codegen::model::Api {
    load(&workspace_root().join("spec/customer-purse.yaml"))
}

/// A spec without paged operations or webhooks.
fn base() -> codegen::model::Api {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/base.yaml"))
}

fn manifest(files: &[codegen::GeneratedFile]) -> String {
    files
        .iter()
        .find(|file| file.path == "Cargo.toml")
        .expect("a manifest")
        .contents
        .clone()
}

fn client_manifest(api: &codegen::model::Api) -> String {
    manifest(&codegen::generate_from(api, "spec.yaml").unwrap_or_else(|error| panic!("{error}")))
}

fn tool_manifest(api: &codegen::model::Api) -> String {
    manifest(
        &codegen::generate_cli(api, "spec.yaml", "../client")
            .unwrap_or_else(|error| panic!("{error}")),
    )
}

fn runtime_manifest(runtime: &str) -> String {
    fs::read_to_string(workspace_root().join(runtime).join("Cargo.toml"))
        .expect("the runtime's manifest is readable")
}

/// The lines of a TOML section, comments included, up to the comments and blank lines that
/// introduce the next section.
fn section<'a>(text: &'a str, section: &str) -> Vec<&'a str> {
    let header = format!("[{section}]");
    let mut lines: Vec<&str> = text
        .lines()
        .skip_while(|line| line.trim() != header)
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .collect();
    while lines
        .last()
        .is_some_and(|line| line.trim().is_empty() || line.starts_with('#'))
    {
        lines.pop();
    }
    lines
}

/// The names of the dependencies of a manifest.
fn dependencies(text: &str) -> Vec<&str> {
    section(text, "dependencies")
        .into_iter()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split('=').next())
        .map(str::trim)
        .collect()
}

/// A crate that has every runtime file has the runtime's sections exactly, comments and all:
/// the runtime is built and tested with what its copies get.
#[test]
fn a_crate_with_every_runtime_file_has_the_runtime_s_features_and_dependencies() {
    let generated = client_manifest(&customer_purse());
    let runtime = runtime_manifest("codegen/client-runtime");
    for name in ["features", "dependencies"] {
        assert!(!section(&generated, name).is_empty(), "no [{name}]");
        assert_eq!(
            section(&runtime, name),
            section(&generated, name),
            "[{name}]"
        );
    }
}

/// `futures-util` goes with `src/paging.rs`, and its comment with it; `http` and the `axum`
/// feature's dependencies with the webhook receiver, and the feature with them.
#[test]
fn a_crate_without_paging_or_webhooks_has_no_futures_util_http_or_axum() {
    let api = base();
    assert!(!api.uses.paging && api.webhooks.is_none());
    let generated = client_manifest(&api);
    let webhooks_only = ["axum-core", "http", "http-body-util"];
    for name in ["futures-util"].iter().chain(&webhooks_only) {
        assert!(!dependencies(&generated).contains(name), "{generated}");
    }
    assert!(!generated.contains("Streams of pages"), "{generated}");
    assert!(!generated.contains("extractor"), "{generated}");
    let features = section(&generated, "features");
    assert!(
        !features.iter().any(|line| line.starts_with("axum")),
        "{generated}"
    );
    let runtime = runtime_manifest("codegen/client-runtime");
    let mut kept = dependencies(&runtime);
    kept.retain(|name| *name != "futures-util" && !webhooks_only.contains(name));
    assert_eq!(dependencies(&generated), kept);
    // A crate with webhooks has them, and the feature.
    let generated = client_manifest(&customer_purse());
    for name in webhooks_only {
        assert!(dependencies(&generated).contains(&name), "{generated}");
    }
    assert!(
        section(&generated, "features")
            .contains(&"axum = [\"dep:axum-core\", \"dep:http-body-util\"]"),
        "{generated}"
    );
}

/// The tool has every dependency of its runtime, written as there, but for the client: the
/// generated one, pinned to its version, in place of the runtime's stand-in client.
#[test]
fn the_tool_has_every_runtime_dependency() {
    let api = customer_purse();
    let generated = tool_manifest(&api);
    let runtime = runtime_manifest("codegen/cli-runtime");
    assert_eq!(dependencies(&generated), dependencies(&runtime));
    let client = format!(
        "client = {{ package = \"{}\", version = \"={}\", path = \"../client\" }}",
        api.package.name, api.package.version
    );
    for (generated, runtime) in section(&generated, "dependencies")
        .into_iter()
        .zip(section(&runtime, "dependencies"))
    {
        if runtime.starts_with("client =") {
            assert_eq!(generated, client);
        } else {
            assert_eq!(generated, runtime);
        }
    }
}

/// hyper and the rest of `webhooks listen`'s server go with the tool's `src/webhooks.rs`.
#[test]
fn a_tool_without_webhooks_has_no_hyper() {
    let generated = tool_manifest(&base());
    for name in ["http-body-util", "hyper", "hyper-util"] {
        assert!(!dependencies(&generated).contains(&name), "{generated}");
    }
    assert!(!generated.contains("webhooks listen"), "{generated}");
    assert!(dependencies(&generated).contains(&"clap"), "{generated}");
}

/// A dependency that a runtime file takes along must be one of its runtime's: a misspelt one
/// would never be left out.
#[test]
fn the_dependencies_of_runtime_files_are_in_the_runtime_s_manifest() {
    for (runtime, files) in [
        ("codegen/client-runtime", codegen::runtime::FILES),
        ("codegen/cli-runtime", codegen::runtime::CLI_FILES),
    ] {
        let manifest = runtime_manifest(runtime);
        for file in files {
            for dependency in file.dependencies {
                assert!(
                    dependencies(&manifest).contains(dependency),
                    "{dependency} of {} is not a dependency of {runtime}",
                    file.module.path
                );
            }
        }
    }
}

/// docs.rs builds a client's docs with the features of its runtime files (the mock's at
/// least, the axum extractor's with webhooks), which its `[features]` declare, and with the
/// `docsrs` cfg that turns on the crate root's `doc(cfg)` marks.
#[test]
fn docs_rs_builds_the_docs_with_the_features_of_the_runtime_files() {
    for (api, features) in [
        (customer_purse(), "features = [\"axum\", \"mock\"]"),
        (base(), "features = [\"mock\"]"),
    ] {
        let generated = client_manifest(&api);
        assert_eq!(
            section(&generated, "package.metadata.docs.rs"),
            [features, "rustdoc-args = [\"--cfg\", \"docsrs\"]"],
            "{generated}"
        );
        let declared: Vec<&str> = section(&generated, "features")
            .into_iter()
            .filter_map(|line| line.split_once(" = "))
            .map(|(name, _)| name)
            .collect();
        assert!(declared.contains(&"mock"), "{generated}");
        assert_eq!(
            declared.contains(&"axum"),
            api.webhooks.is_some(),
            "{generated}"
        );
    }
}
