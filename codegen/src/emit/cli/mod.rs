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

use super::docs;
use super::module_tree::{self, Layout};
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
    let (main, modules) = rust_modules(api, Layout::Copied)?;
    let code = super::assemble(
        spec_name,
        Some(&cargo_toml::emit(api, client_path)),
        Some(&readme::emit(api)),
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
    let (main, modules) = rust_modules(api, Layout::StandIn { runtime_root })?;
    let code = super::assemble(spec_name, None, None, main, modules, Vec::new())?;
    Ok(code.into_files())
}

#[allow(clippy::type_complexity)]
fn rust_modules(
    api: &Api,
    layout: Layout<'_>,
) -> Result<
    (
        (&'static str, TokenStream),
        Vec<(&'static str, TokenStream)>,
    ),
    String,
> {
    let emitted = vec![
        (Module::private("src/commands.rs"), commands::emit(api)?),
        (Module::private("src/contract.rs"), contract::emit(api)),
    ];
    let declared = super::module_files(
        api,
        layout,
        runtime::CLI_FILES,
        emitted.iter().map(|(module, _)| *module),
    )?;
    let main = main_rs(api, module_tree::declarations(&declared, layout));
    let modules = emitted
        .into_iter()
        .map(|(module, tokens)| (module.path, tokens))
        .collect();
    Ok((("src/main.rs", main), modules))
}

fn main_rs(api: &Api, declarations: TokenStream) -> TokenStream {
    let doc = docs::inner(&format!(
        "`{bin}`: every operation of the {title} from a shell, signed.{webhooks} Run \
         `{bin} --help`.",
        bin = api.package.name,
        title = api.title,
        webhooks = if api.webhooks.is_some() {
            " `webhooks listen` receives its webhooks locally."
        } else {
            ""
        },
    ));
    quote! {
        #doc
        #![forbid(unsafe_code)]

        #declarations

        fn main() -> std::process::ExitCode {
            app::main()
        }
    }
}
