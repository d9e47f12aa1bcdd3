//! The runtime files every generated crate shares: the files of `client-runtime/src/`
//! (and for the command-line tools, of `cli-runtime/src/`), embedded here and copied
//! verbatim, each only into the crates whose spec needs it.
//!
//! They are ordinary Rust, built and tested in `client-runtime` against a stand-in of the
//! generated modules; what they need of a spec they read from the generated `contract.rs`.

use crate::GeneratedFile;
use crate::model::Api;

/// One runtime file: where it goes in a generated crate (the same path as in
/// `client-runtime`), its text, and whether a crate needs it.
pub struct RuntimeFile {
    pub path: &'static str,
    pub source: &'static str,
    pub needed: fn(&Api) -> bool,
}

macro_rules! runtime_file {
    ($path:literal, $needed:expr) => {
        RuntimeFile {
            path: $path,
            source: include_str!(concat!("../client-runtime/", $path)),
            needed: $needed,
        }
    };
}

/// Every runtime file, sorted by path. `client-runtime/src/lib.rs` and `stand_in/` are not
/// among them: a generated crate has its own `lib.rs` and the real generated modules.
pub const FILES: &[RuntimeFile] = &[
    runtime_file!("src/call.rs", |_| true),
    runtime_file!("src/client.rs", |_| true),
    runtime_file!("src/clock.rs", |_| true),
    runtime_file!("src/error.rs", |_| true),
    runtime_file!("src/mock.rs", |_| true),
    runtime_file!("src/paging.rs", |api| api.uses.paging),
    runtime_file!("src/retry.rs", |_| true),
    runtime_file!("src/signing.rs", |_| true),
    runtime_file!("src/webhooks.rs", |api| api.webhooks.is_some()),
    runtime_file!("src/wire/date_time.rs", |api| api.uses.date_times),
    runtime_file!("src/wire/decimal.rs", |api| api.uses.decimals),
    runtime_file!("src/wire/field.rs", |api| api.uses.decimals
        || api.uses.date_times
        || api.uses.strings_or_numbers),
    runtime_file!("src/wire/string_or_number.rs", |api| api
        .uses
        .strings_or_numbers),
    runtime_file!("src/wire/unknown_value.rs", |api| api.uses.enums),
];

/// One file of the command-line tools' runtime, from `cli-runtime/src/`.
macro_rules! cli_runtime_file {
    ($path:literal, $needed:expr) => {
        RuntimeFile {
            path: $path,
            source: include_str!(concat!("../cli-runtime/", $path)),
            needed: $needed,
        }
    };
}

/// Every file of the command-line tools' runtime, sorted by path. `cli-runtime/src/main.rs`
/// and `stand_in/` are not among them: a generated tool has its own.
pub const CLI_FILES: &[RuntimeFile] = &[
    cli_runtime_file!("src/app.rs", |_| true),
    cli_runtime_file!("src/failure.rs", |_| true),
    cli_runtime_file!("src/invoke.rs", |_| true),
    cli_runtime_file!("src/output.rs", |_| true),
    cli_runtime_file!("src/pages.rs", |api| api.uses.paging),
    cli_runtime_file!("src/payload.rs", |_| true),
    cli_runtime_file!("src/profile.rs", |_| true),
    cli_runtime_file!("src/verbose.rs", |_| true),
    cli_runtime_file!("src/webhooks.rs", |api| api.webhooks.is_some()),
];

/// The first line of a copied file: where it comes from, and where to change it.
pub fn header(path: &str) -> String {
    header_from("codegen/client-runtime", path)
}

fn header_from(runtime: &str, path: &str) -> String {
    format!(
        "// Copied by `cargo xtask codegen` from {runtime}/{path}. Do not edit: change that \
         file and regenerate."
    )
}

/// The runtime files `api`'s crate needs, each as its source behind the header.
pub fn files(api: &Api) -> Vec<GeneratedFile> {
    copies(FILES, "codegen/client-runtime", api)
}

/// The runtime files `api`'s command-line tool needs, each as its source behind the header.
pub fn cli_files(api: &Api) -> Vec<GeneratedFile> {
    copies(CLI_FILES, "codegen/cli-runtime", api)
}

fn copies(files: &[RuntimeFile], runtime: &str, api: &Api) -> Vec<GeneratedFile> {
    files
        .iter()
        .filter(|file| (file.needed)(api))
        .map(|file| GeneratedFile {
            path: file.path.to_owned(),
            contents: format!("{}\n\n{}", header_from(runtime, file.path), file.source),
        })
        .collect()
}
