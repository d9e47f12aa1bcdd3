//! The runtime files every generated crate shares: the files of `codegen/client-runtime/src/`
//! (and for the command-line tools, of `codegen/cli-runtime/src/`), embedded here and copied
//! verbatim, each only into the crates whose spec needs it.
//!
//! This table is the one place that decides which files a crate has and how its root declares
//! them: the emitters of `lib.rs` and `main.rs` build their module trees from it. The files are
//! ordinary Rust, built and tested in the runtime crates against a stand-in generated from a
//! small spec; what they need of a spec they read from the generated `contract.rs`.

use crate::GeneratedFile;
use crate::model::Api;
use crate::outline::Item;

// `RUNTIME_OUTLINES`, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/runtime_outlines.rs"));

/// How a crate's root declares a module file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Module {
    /// The file, from the crate's root, with `/` separators (`src/wire/decimal.rs`).
    pub path: &'static str,
    /// `pub`, `pub(crate)` or `""` (private).
    pub visibility: &'static str,
    /// The cargo feature it is compiled with, if only with one.
    pub feature: Option<&'static str>,
    /// Hidden from the docs (`#[doc(hidden)]`).
    pub hidden: bool,
}

impl Module {
    /// A private module.
    pub const fn private(path: &'static str) -> Self {
        Module {
            path,
            visibility: "",
            feature: None,
            hidden: false,
        }
    }

    /// A module of the public API.
    pub const fn public(path: &'static str) -> Self {
        Module {
            visibility: "pub",
            ..Module::private(path)
        }
    }

    /// A module the rest of the crate uses, but not its users.
    pub const fn crate_wide(path: &'static str) -> Self {
        Module {
            visibility: "pub(crate)",
            ..Module::private(path)
        }
    }

    /// Compiled only with `feature`.
    pub const fn with_feature(self, feature: &'static str) -> Self {
        Module {
            feature: Some(feature),
            ..self
        }
    }

    /// Public but left out of the docs.
    pub const fn hidden(self) -> Self {
        Module {
            hidden: true,
            ..self
        }
    }
}

/// Which crates get a runtime file.
#[derive(Clone, Copy)]
pub enum Needed {
    /// Every crate.
    Always,
    /// The crates whose spec uses what the file does.
    When(fn(&Api) -> bool),
    /// Only the runtime crate itself, never a generated one (its benchmark hook).
    RuntimeCrateOnly,
}

/// One runtime file: its module (its path is the same in the runtime crate and in a generated
/// one), its text, which crates need it, and the dependencies of the runtime's manifest that
/// only it uses (a crate without the file goes without them).
pub struct RuntimeFile {
    pub module: Module,
    pub source: &'static str,
    pub needed: Needed,
    pub dependencies: &'static [&'static str],
}

impl RuntimeFile {
    /// Whether `api`'s generated crate has this file.
    pub fn copied_for(&self, api: &Api) -> bool {
        match self.needed {
            Needed::Always => true,
            Needed::When(needed) => needed(api),
            Needed::RuntimeCrateOnly => false,
        }
    }
}

/// `runtime_file!("client-runtime", public "src/x.rs".with_feature("f"), needed, [deps])`: the
/// module (`Module::public("src/x.rs").with_feature("f")`) with the file's text.
macro_rules! runtime_file {
    ($runtime:literal, $kind:ident $path:literal $(. $method:ident ( $($arg:expr),* ))*,
     $needed:expr, [$($dependency:literal),*]) => {
        RuntimeFile {
            module: Module::$kind($path) $(.$method($($arg),*))*,
            source: include_str!(concat!("../", $runtime, "/", $path)),
            needed: $needed,
            dependencies: &[$($dependency),*],
        }
    };
}

/// The folder of the client runtime, from the workspace root.
pub const RUNTIME_DIR: &str = "codegen/client-runtime";

/// The folder of the command-line tools' runtime, from the workspace root.
pub const CLI_RUNTIME_DIR: &str = "codegen/cli-runtime";

/// The runtime's folders, with the doc of the inline module a crate's root declares for each.
pub const FOLDERS: &[(&str, &str)] = &[(
    "src/wire",
    "Wire formats that serde's defaults get wrong: exact decimals, tolerant date-times,\n\
     strings sent as numbers and unknown enum values.",
)];

/// Every file of the client runtime, sorted by path.
pub const FILES: &[RuntimeFile] = &[
    runtime_file!(
        "client-runtime",
        public "src/bench.rs".hidden(),
        Needed::RuntimeCrateOnly,
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/call.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/client.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/clock.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/error.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        public "src/mock.rs".with_feature("mock"),
        Needed::Always,
        ["wiremock"]
    ),
    runtime_file!(
        "client-runtime",
        private "src/paging.rs",
        Needed::When(|api| api.uses.paging),
        ["futures-util"]
    ),
    runtime_file!(
        "client-runtime",
        crate_wide "src/params.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/request.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/retry.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        public "src/signing.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/webhook_axum.rs".with_feature("axum"),
        Needed::When(|api| api.webhooks.is_some()),
        ["axum-core", "http-body-util"]
    ),
    runtime_file!(
        "client-runtime",
        public "src/webhook_receiver.rs",
        Needed::When(|api| api.webhooks.is_some()),
        ["http"]
    ),
    runtime_file!(
        "client-runtime",
        public "src/webhooks.rs",
        Needed::When(|api| api.webhooks.is_some()),
        []
    ),
    runtime_file!(
        "client-runtime",
        crate_wide "src/wire/date_time.rs",
        Needed::When(|api| api.uses.date_times),
        []
    ),
    runtime_file!(
        "client-runtime",
        crate_wide "src/wire/decimal.rs",
        Needed::When(|api| api.uses.decimals),
        []
    ),
    runtime_file!(
        "client-runtime",
        private "src/wire/field.rs",
        Needed::When(|api| api.uses.decimals
            || api.uses.date_times
            || api.uses.strings_or_numbers),
        []
    ),
    runtime_file!(
        "client-runtime",
        crate_wide "src/wire/string_or_number.rs",
        Needed::When(|api| api.uses.strings_or_numbers),
        []
    ),
    runtime_file!(
        "client-runtime",
        crate_wide "src/wire/unknown_value.rs",
        Needed::When(|api| api.uses.enums),
        []
    ),
];

/// Every file of the command-line tools' runtime, sorted by path.
pub const CLI_FILES: &[RuntimeFile] = &[
    runtime_file!(
        "cli-runtime",
        private "src/app.rs", Needed::Always, []),
    runtime_file!(
        "cli-runtime",
        private "src/failure.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "cli-runtime",
        private "src/invoke.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "cli-runtime",
        private "src/output.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "cli-runtime",
        private "src/pages.rs",
        Needed::When(|api| api.uses.paging),
        []
    ),
    runtime_file!(
        "cli-runtime",
        private "src/payload.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "cli-runtime",
        private "src/profile.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "cli-runtime",
        private "src/verbose.rs",
        Needed::Always,
        []
    ),
    runtime_file!(
        "cli-runtime",
        private "src/webhooks.rs",
        Needed::When(|api| api.webhooks.is_some()),
        ["http-body-util", "hyper", "hyper-util"]
    ),
];

/// The first line of a copied client runtime file: where it comes from, and where to change it.
pub fn header(path: &str) -> String {
    header_from(RUNTIME_DIR, path)
}

/// The first line of a copied file of the command-line tools' runtime.
pub fn cli_header(path: &str) -> String {
    header_from(CLI_RUNTIME_DIR, path)
}

fn header_from(runtime: &str, path: &str) -> String {
    format!(
        "// Copied by `cargo xtask codegen` from {runtime}/{path}. Do not edit: change that \
         file and regenerate."
    )
}

/// The runtime files `api`'s crate needs, each as its source behind the header.
pub fn files(api: &Api) -> Vec<GeneratedFile> {
    copies(FILES, header, api)
}

/// The runtime files `api`'s command-line tool needs, each as its source behind the header.
pub fn cli_files(api: &Api) -> Vec<GeneratedFile> {
    copies(CLI_FILES, cli_header, api)
}

fn copies(files: &[RuntimeFile], header: fn(&str) -> String, api: &Api) -> Vec<GeneratedFile> {
    files
        .iter()
        .filter(|file| file.copied_for(api))
        .map(|file| GeneratedFile {
            path: file.module.path.to_owned(),
            contents: format!("{}\n\n{}", header(file.module.path), file.source),
        })
        .collect()
}

/// The dependencies of the runtime's manifest that `api`'s crate goes without: those only
/// its missing files use.
pub fn unused_dependencies(files: &[RuntimeFile], api: &Api) -> Vec<&'static str> {
    files
        .iter()
        .filter(|file| !file.copied_for(api))
        .flat_map(|file| file.dependencies.iter().copied())
        .collect()
}

/// The outline of the runtime file at `path` (`src/client.rs`) of the runtime in `folder`
/// ([`RUNTIME_DIR`] or [`CLI_RUNTIME_DIR`]), as build.rs made it: items without docs or bodies.
pub fn outline(folder: &str, path: &str) -> &'static [Item] {
    RUNTIME_OUTLINES
        .iter()
        .find(|(runtime, file, _)| *runtime == folder && *file == path)
        .map_or(&[], |(_, _, items)| items)
}
