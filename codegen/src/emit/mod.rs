//! Emitters: one per generated file, each turning the checked model into tokens or text.
//! The rest of a crate is the runtime, copied as it is (see [`crate::runtime`]); the crate
//! root declares both ([`module_tree`]). The prose (docs, READMEs, manifests) is in the
//! Markdown [`templates`] beside the runtimes, filled from the model's [`template_view`].

mod cargo_toml;
pub mod cli;
mod contract;
mod docs;
mod lib_rs;
mod mock_operations;
mod module_tree;
mod operations;
mod readme;
pub(crate) mod rust_types;
mod template_view;
mod templates;
mod types;
mod webhook_events;

use proc_macro2::TokenStream;

use crate::GeneratedFile;
use crate::model::Api;
use crate::runtime::{self, Module, RuntimeFile};

pub use module_tree::Layout;
use template_view::CrateView;

/// The file in a generated crate's folder that holds the spec of its last release: what
/// [`crate::changes::Unreleased`] compares the spec with. Written by `cargo xtask release`;
/// the manifest leaves it out of the package.
pub const RELEASED_SPEC_FILE: &str = "released-spec.yaml";

/// Whether the emitters record on each item where in the spec it comes from: for the API
/// change report, which reads the code before it is printed. Printing leaves the marks out,
/// so a crate only generated is emitted without them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpecPaths {
    record: bool,
}

impl SpecPaths {
    /// `#[spec_path = "..."]`, for the item that follows, when recording; else nothing.
    pub(crate) fn mark(self, path: &str) -> TokenStream {
        if !self.record {
            return TokenStream::new();
        }
        let name = rust_types::ident(crate::outline::SPEC_PATH_ATTRIBUTE);
        quote::quote!(#[#name = #path])
    }
}

/// A crate as the emitters made it, before printing: each emitted Rust file's syntax tree,
/// with the spec paths the emitters recorded on its items (`#[spec_path]`), and its other
/// files. What the API change report reads.
pub struct CrateCode {
    /// The emitted Rust files, by path.
    pub rust: Vec<(String, syn::File)>,
    /// The manifest, the README and rustfmt.toml, as written.
    pub text: Vec<GeneratedFile>,
    /// The runtime's files, copied.
    pub copies: Vec<GeneratedFile>,
    /// The do-not-edit line of each emitted Rust file.
    header: String,
}

impl CrateCode {
    /// The crate without the `#[cfg(test)]` items of its emitted files (such as the test of
    /// the spec's signed example): what the crate offers, for the change report.
    pub fn without_tests(mut self) -> Self {
        for (_, file) in &mut self.rust {
            file.items
                .retain(|item| !crate::outline::is_test_only(item));
        }
        self
    }

    /// Every file, sorted by path: the Rust files formatted, without their spec paths.
    pub fn into_files(self) -> Vec<GeneratedFile> {
        let header = self.header;
        let mut files = self.text;
        files.extend(self.rust.into_iter().map(|(path, mut file)| {
            crate::outline::strip_spec_paths(&mut file);
            GeneratedFile {
                path,
                contents: format!(
                    "// {header}\n\n{}",
                    separate_items(&prettyplease::unparse(&file))
                ),
            }
        }));
        files.extend(self.copies);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// Every file of the client crate, sorted by path.
pub fn crate_files(api: &Api, spec_name: &str) -> Result<Vec<GeneratedFile>, String> {
    client_code(api, spec_name, SpecPaths { record: false }).map(CrateCode::into_files)
}

/// The client crate before printing, with the spec path of each emitted item recorded.
pub fn crate_code(api: &Api, spec_name: &str) -> Result<CrateCode, String> {
    client_code(api, spec_name, SpecPaths { record: true })
}

fn client_code(api: &Api, spec_name: &str, paths: SpecPaths) -> Result<CrateCode, String> {
    let view = CrateView::of(api);
    let (lib, modules) = client_modules(api, &view, Layout::Copied, paths)?;
    assemble(
        spec_name,
        Some(&cargo_toml::emit(api, &view)),
        Some(&readme::emit(&view)),
        lib,
        modules,
        runtime::files(api),
    )
}

/// The generated part of the client runtime's crate, generated from the stand-in spec: the
/// crate root (declaring the runtime's files where they are, `runtime_root` away from it),
/// the emitted modules and the README its doctests read. Every runtime file is compiled
/// there, so the spec must use all of them.
pub fn stand_in_files(
    api: &Api,
    spec_name: &str,
    runtime_root: &str,
) -> Result<Vec<GeneratedFile>, String> {
    let view = CrateView::of(api);
    let layout = Layout::StandIn { runtime_root };
    let (lib, modules) = client_modules(api, &view, layout, SpecPaths { record: false })?;
    let code = assemble(
        spec_name,
        None,
        // Read by the doctests of the crate root.
        Some(&readme::emit(&view)),
        lib,
        modules,
        Vec::new(),
    )?;
    Ok(code.into_files())
}

/// The client crate's `lib.rs` and emitted modules.
fn client_modules(
    api: &Api,
    view: &CrateView,
    layout: Layout<'_>,
    paths: SpecPaths,
) -> Result<RustModules, String> {
    let emitted = emitted(api, paths);
    rust_modules(
        api,
        layout,
        runtime::FILES,
        emitted,
        "src/lib.rs",
        |declarations| lib_rs::emit(api, view, declarations),
    )
}

/// The client crate's emitted modules, with their declarations.
fn emitted(api: &Api, paths: SpecPaths) -> Vec<(Module, TokenStream)> {
    let mut modules = vec![
        (
            Module::private("src/contract.rs"),
            contract::emit(api, paths),
        ),
        (
            Module::private("src/mock_operations.rs").with_feature("mock"),
            mock_operations::emit(api, paths),
        ),
        (
            Module::private("src/operations.rs"),
            operations::emit(api, paths),
        ),
        (Module::public("src/types.rs"), types::emit(api, paths)),
    ];
    if let Some(webhooks) = &api.webhooks {
        modules.push((
            Module::private("src/webhook_events.rs"),
            webhook_events::emit(webhooks, api.webhooks_sign_url(), paths),
        ));
    }
    modules
}

/// A crate root's path and code, and each emitted module's.
type RustModules = (
    (&'static str, TokenStream),
    Vec<(&'static str, TokenStream)>,
);

/// The crate root at `root`, which `make_root` writes around its module declarations, and the
/// `emitted` modules, declared beside the runtime's `files` as `layout` places them.
pub(super) fn rust_modules(
    api: &Api,
    layout: Layout<'_>,
    files: &[RuntimeFile],
    emitted: Vec<(Module, TokenStream)>,
    root: &'static str,
    make_root: impl FnOnce(TokenStream) -> TokenStream,
) -> Result<RustModules, String> {
    let declared = module_files(
        api,
        layout,
        files,
        emitted.iter().map(|(module, _)| *module),
    )?;
    let root_code = make_root(module_tree::declarations(&declared, layout));
    let modules = emitted
        .into_iter()
        .map(|(module, tokens)| (module.path, tokens))
        .collect();
    Ok(((root, root_code), modules))
}

/// The module files a crate root declares: the emitted ones, and the runtime's that the crate
/// has (in a stand-in, every one of them: the spec must need each).
fn module_files(
    api: &Api,
    layout: Layout<'_>,
    files: &[RuntimeFile],
    emitted: impl Iterator<Item = Module>,
) -> Result<Vec<module_tree::ModuleFile>, String> {
    let mut declared: Vec<module_tree::ModuleFile> = emitted
        .map(|module| module_tree::ModuleFile {
            module,
            runtime: false,
        })
        .collect();
    for file in files {
        let wanted = match (layout, file.needed) {
            (Layout::Copied, _) => file.copied_for(api),
            (Layout::StandIn { .. }, runtime::Needed::RuntimeCrateOnly) => true,
            (Layout::StandIn { .. }, _) if file.copied_for(api) => true,
            (Layout::StandIn { .. }, _) => {
                return Err(format!(
                    "the stand-in spec does not use {}: the runtime crate compiles every file, \
                     so its stand-in must need each (add to the spec what the file is for)",
                    file.module.path
                ));
            }
        };
        if wanted {
            declared.push(module_tree::ModuleFile {
                module: file.module,
                runtime: true,
            });
        }
    }
    Ok(declared)
}

/// A crate's code: its manifest and README (when it has them), its `rustfmt.toml`, each
/// emitted Rust file parsed, and the runtime's copies; every generated file behind the
/// do-not-edit header.
pub(crate) fn assemble(
    spec_name: &str,
    cargo_toml: Option<&str>,
    readme: Option<&str>,
    root: (&str, TokenStream),
    modules: Vec<(&str, TokenStream)>,
    copies: Vec<GeneratedFile>,
) -> Result<CrateCode, String> {
    let header = format!(
        "Generated by `cargo xtask codegen` from {spec_name}. Do not edit: change the spec and \
         regenerate."
    );
    let mut text = Vec::new();
    if let Some(readme) = readme {
        text.push(GeneratedFile {
            path: "README.md".to_owned(),
            contents: format!("<!-- {header} -->\n\n{readme}"),
        });
    }
    // A stand-in has no manifest of its own (the runtime crate's is used), and no rustfmt.toml:
    // rustfmt formats the runtime's files through it, and skips the emitted ones.
    if let Some(cargo_toml) = cargo_toml {
        text.push(GeneratedFile {
            path: "Cargo.toml".to_owned(),
            contents: format!("# {header}\n\n{cargo_toml}"),
        });
        text.push(GeneratedFile {
            path: "rustfmt.toml".to_owned(),
            // The generator formats its files with prettyplease, which rustfmt would undo.
            contents: format!("# {header}\n\ndisable_all_formatting = true\n"),
        });
    }
    let mut rust = Vec::new();
    for (path, tokens) in std::iter::once(root).chain(modules) {
        let file = syn::parse2::<syn::File>(tokens).map_err(|error| {
            format!("internal error: the code generated for {path} does not parse: {error}")
        })?;
        rust.push((path.to_owned(), file));
    }
    Ok(CrateCode {
        rust,
        text,
        copies,
        header,
    })
}

/// `use` or `mod` when the line declares an import or a module (of any visibility).
fn declaration(line: &str) -> Option<&'static str> {
    let line = line.trim_start();
    let line = ["pub(crate) ", "pub "]
        .iter()
        .find_map(|visibility| line.strip_prefix(visibility))
        .unwrap_or(line);
    ["use ", "mod "]
        .into_iter()
        .find(|kind| line.starts_with(kind) && line.ends_with(';'))
}

/// prettyplease puts items on consecutive lines; a blank line between items (at any depth:
/// methods in impls too) and after the module docs and attributes makes the files and
/// their diffs easier to read. Runs of `use` lines, and of `mod` lines, stay together;
/// statements in function bodies are left alone, since they never start like an item.
fn separate_items(code: &str) -> String {
    const ITEM_STARTS: &[&str] = &[
        "///",
        "#[",
        "pub ",
        "pub(crate) ",
        "fn ",
        "async fn ",
        "impl",
        "struct ",
        "enum ",
        "const ",
        "static ",
        "mod ",
        "trait ",
        "type ",
        "use ",
    ];
    let indent = |line: &str| line.len() - line.trim_start().len();
    let starts_item = |line: &str| {
        ITEM_STARTS
            .iter()
            .any(|start| line.trim_start().starts_with(start))
    };
    let one_line_item = |line: &str| {
        let line = line.trim_start();
        starts_item(line)
            && !line.starts_with("///")
            && !line.starts_with("#[")
            && line.ends_with(';')
    };

    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut previous = "";
    for line in code.lines() {
        let same_depth = indent(previous) == indent(line);
        let closed = previous.trim_start();
        let item_ended = closed == "}"
            || (closed.starts_with(['}', ']', ')']) && closed.ends_with(';'))
            || one_line_item(previous);
        let same_run =
            declaration(previous).is_some() && declaration(previous) == declaration(line);
        let after_module_docs = (previous.starts_with("//!") && !line.starts_with("//!"))
            || (previous.starts_with("#![") && !line.starts_with("#!["));
        if starts_item(line) && ((same_depth && item_ended && !same_run) || after_module_docs) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}
