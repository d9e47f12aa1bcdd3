//! The `mod` declarations of a crate's root (`lib.rs` or `main.rs`), from its module files:
//! the emitted ones and the runtime's copies, as [`crate::runtime`]'s table declares them. A
//! folder becomes an inline module (`mod wire { ... }`).

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_types::ident;
use crate::runtime::{FOLDERS, Module};

/// Where a crate's module files are.
#[derive(Debug, Clone, Copy)]
pub enum Layout<'a> {
    /// All in the crate's `src/`: a generated crate, with the runtime's files copied in.
    Copied,
    /// The runtime's files stay in the runtime crate, `runtime_root` away from the crate root's
    /// folder (`../..`): the runtime crate's stand-in, generated beside it. The emitted files
    /// are left alone by rustfmt, since prettyplease formats them.
    StandIn { runtime_root: &'a str },
}

/// One module file of a crate, and whether it is the runtime's.
#[derive(Debug, Clone, Copy)]
pub struct ModuleFile {
    pub module: Module,
    pub runtime: bool,
}

/// The declarations of `files` (paths under `src/`), sorted by path: files first, then each
/// folder's inline module.
pub fn declarations(files: &[ModuleFile], layout: Layout<'_>) -> TokenStream {
    let mut files: Vec<&ModuleFile> = files.iter().collect();
    files.sort_by_key(|file| file.module.path);
    tree(&files, "src", layout)
}

fn tree(files: &[&ModuleFile], folder: &str, layout: Layout<'_>) -> TokenStream {
    let mut items = Vec::new();
    let mut subfolders: Vec<&str> = Vec::new();
    for file in files {
        let Some(rest) = file.module.path.strip_prefix(&format!("{folder}/")) else {
            continue;
        };
        match rest.split_once('/') {
            None => items.push(declaration(file, rest, layout)),
            Some((subfolder, _)) if !subfolders.contains(&subfolder) => subfolders.push(subfolder),
            Some(_) => {}
        }
    }
    for subfolder in subfolders {
        let path = format!("{folder}/{subfolder}");
        let inside: Vec<&ModuleFile> = files
            .iter()
            .copied()
            .filter(|file| file.module.path.starts_with(&format!("{path}/")))
            .collect();
        // In a stand-in, a folder of runtime files is the runtime's folder.
        let path_attr = match layout {
            Layout::StandIn { runtime_root } if inside.iter().all(|file| file.runtime) => {
                let at = format!("{runtime_root}/{path}");
                Some(quote!(#[path = #at]))
            }
            _ => None,
        };
        let doc = FOLDERS
            .iter()
            .find(|(folder, _)| *folder == path)
            .map(|(_, doc)| super::docs::outer(doc));
        let name = ident(subfolder);
        let body = tree(
            &inside,
            &path,
            match path_attr {
                Some(_) => Layout::Copied,
                None => layout,
            },
        );
        items.push(quote! {
            #doc
            #path_attr
            mod #name {
                #body
            }
        });
    }
    quote!(#(#items)*)
}

fn declaration(file: &ModuleFile, file_name: &str, layout: Layout<'_>) -> TokenStream {
    let module = &file.module;
    let name = ident(file_name.trim_end_matches(".rs"));
    let visibility: TokenStream = module
        .visibility
        .parse()
        .unwrap_or_else(|_| TokenStream::new());
    // A public module behind a feature says so in the docs built as docs.rs builds them.
    let feature = module.feature.map(|feature| match module.visibility {
        "pub" => quote! {
            #[cfg(feature = #feature)]
            #[cfg_attr(docsrs, doc(cfg(feature = #feature)))]
        },
        _ => quote!(#[cfg(feature = #feature)]),
    });
    let hidden = module.hidden.then(|| quote!(#[doc(hidden)]));
    let placed = match layout {
        Layout::StandIn { runtime_root } if file.runtime => {
            let at = format!("{runtime_root}/{}", module.path);
            Some(quote!(#[path = #at]))
        }
        Layout::StandIn { .. } => Some(quote!(#[rustfmt::skip])),
        Layout::Copied => None,
    };
    quote! {
        #feature
        #hidden
        #placed
        #visibility mod #name;
    }
}
