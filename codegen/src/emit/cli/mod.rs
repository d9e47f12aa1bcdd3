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
use crate::GeneratedFile;
use crate::model::Api;

/// Every file of the tool's crate, sorted by path. `client_path` is the client crate's
/// folder as seen from the tool's, for its path dependency.
pub fn crate_files(
    api: &Api,
    spec_name: &str,
    client_path: &str,
) -> Result<Vec<GeneratedFile>, String> {
    let rust_files = vec![
        ("src/main.rs", main_rs(api)),
        ("src/commands.rs", commands::emit(api)?),
        ("src/contract.rs", contract::emit(api)),
    ];
    super::assemble(
        spec_name,
        &cargo_toml::emit(api, client_path),
        &readme::emit(api),
        rust_files,
        crate::runtime::cli_files(api),
    )
}

fn main_rs(api: &Api) -> TokenStream {
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
    let pages = api.uses.paging.then(|| {
        quote!(
            mod pages;
        )
    });
    let webhooks = api.webhooks.as_ref().map(|_| {
        quote!(
            mod webhooks;
        )
    });
    quote! {
        #doc
        #![forbid(unsafe_code)]

        mod app;
        mod commands;
        mod contract;
        mod failure;
        mod invoke;
        mod output;
        #pages
        mod payload;
        mod profile;
        mod verbose;
        #webhooks

        fn main() -> std::process::ExitCode {
            app::main()
        }
    }
}
