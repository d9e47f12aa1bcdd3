//! The tool's `Cargo.toml`: its package, named after the client's, from the template
//! `cli-runtime/templates/Cargo.toml`, and the tools' runtime's dependencies, copied from its
//! manifest with the generated client in place of the runtime's stand-in client.

use crate::emit::cargo_toml::{manifest, runtime_sections};
use crate::emit::template_view::CrateView;
use crate::emit::templates::toml_string;
use crate::model::Api;
use crate::runtime;

/// The tools' runtime's manifest.
const RUNTIME_MANIFEST: &str = include_str!("../../../cli-runtime/Cargo.toml");

pub fn emit(api: &Api, view: &CrateView, client_path: &str) -> String {
    let client = format!(
        "client = {{ package = {}, version = {}, path = {} }}",
        toml_string(&view.name),
        toml_string(&format!("={}", view.version)),
        toml_string(client_path),
    );
    let left_out = runtime::unused_dependencies(runtime::CLI_FILES, api);
    manifest(
        "cli/Cargo.toml",
        view,
        RUNTIME_MANIFEST,
        &runtime_sections(RUNTIME_MANIFEST, &left_out, &[("client", &client)]),
        minijinja::context! {},
    )
}
