//! The command-line tool generated beside each client: a crate whose `commands.rs`
//! (a subcommand per operation) and `contract.rs` (its names) come from the spec, and
//! whose other files are copied from `cli-runtime/src/`.

mod cargo_toml;
mod commands;
mod contract;
mod flags;
mod readme;

use proc_macro2::TokenStream;
use quote::quote;

use super::module_tree::Layout;
use super::template_view::CrateView;
use super::{docs, templates};
use crate::GeneratedFile;
use crate::model::Api;
use crate::runtime::{self, Module};

/// Every file of the tool's crate, sorted by path. `client_path` is the client crate's
/// folder as seen from the tool's, for its path dependency.
pub fn crate_files(
    api: &Api,
    spec_name: &str,
    client_path: &str,
) -> Result<Vec<GeneratedFile>, String> {
    let view = CrateView::of(api);
    let (main, modules) = rust_modules(api, &view, Layout::Copied)?;
    let code = super::assemble(
        spec_name,
        Some(&cargo_toml::emit(api, &view, client_path)),
        Some(&readme::emit(&view)),
        main,
        modules,
        runtime::cli_files(api),
    )?;
    Ok(code.into_files())
}

/// The generated part of the tools' runtime crate, from the stand-in spec: `main.rs`
/// (declaring the runtime's files where they are, `runtime_root` away from it) and the
/// emitted modules.
pub fn stand_in_files(
    api: &Api,
    spec_name: &str,
    runtime_root: &str,
) -> Result<Vec<GeneratedFile>, String> {
    let view = CrateView::of(api);
    let (main, modules) = rust_modules(api, &view, Layout::StandIn { runtime_root })?;
    let code = super::assemble(spec_name, None, None, main, modules, Vec::new())?;
    Ok(code.into_files())
}

/// The tool's `main.rs` and emitted modules.
fn rust_modules(
    api: &Api,
    view: &CrateView,
    layout: Layout<'_>,
) -> Result<super::RustModules, String> {
    let emitted = vec![
        (Module::private("src/commands.rs"), commands::emit(api)?),
        (Module::private("src/contract.rs"), contract::emit(api)),
    ];
    super::rust_modules(
        api,
        layout,
        runtime::CLI_FILES,
        emitted,
        "src/main.rs",
        |declarations| main_rs(view, declarations),
    )
}

fn main_rs(view: &CrateView, declarations: TokenStream) -> TokenStream {
    let doc = docs::inner(&templates::render("cli/docs/main.md", view.context(false)));
    quote! {
        #doc
        #![forbid(unsafe_code)]

        #declarations

        fn main() -> std::process::ExitCode {
            app::main()
        }
    }
}
