//! Outlines the runtimes' files (`client-runtime/src/`, `cli-runtime/src/`) when codegen is
//! built, into `$OUT_DIR/runtime_outlines.rs`: the checker reads the names the runtime takes
//! from them, and the API change report the runtime's items, without parsing the runtime
//! each time it runs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

// The outline module of the library itself, so that both read code alike.
#[allow(dead_code)]
#[path = "src/outline.rs"]
mod outline;

use outline::Item;

/// The runtimes, as the library's `runtime` module names their folders.
const RUNTIMES: [(&str, &str); 2] = [
    ("client-runtime", "codegen/client-runtime"),
    ("cli-runtime", "codegen/cli-runtime"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut code = String::from(
        "mod outlines {\n\
         use crate::outline::{Item as I, Kind as K, Visibility as V};\n\
         use std::borrow::Cow::Borrowed as B;\n\
         /// The outline of each runtime file, as (runtime folder, path in it, items).\n\
         pub static RUNTIME_OUTLINES: &[(&str, &str, &[I])] = &[\n",
    );
    for (folder, shown) in RUNTIMES {
        let src = manifest_dir.join(folder).join("src");
        println!("cargo:rerun-if-changed={}", src.display());
        for path in rust_files(&src) {
            let relative = path
                .strip_prefix(manifest_dir.join(folder))
                .expect("under the runtime")
                .to_string_lossy()
                .replace('\\', "/");
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            let file = syn::parse_file(&text)
                .unwrap_or_else(|error| panic!("{shown}/{relative} does not parse: {error}"));
            let items = outline::of_file(&file, false);
            let _ = writeln!(code, "    ({shown:?}, {relative:?}, &[");
            for item in &items {
                let _ = writeln!(code, "        {},", literal(item));
            }
            code.push_str("    ]),\n");
        }
    }
    code.push_str("];\n}\nuse outlines::RUNTIME_OUTLINES;\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    fs::write(out.join("runtime_outlines.rs"), code).expect("OUT_DIR is writable");
}

/// The `.rs` files under `dir`, sorted by path.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", folder.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The item as a Rust expression of static data.
fn literal(item: &Item) -> String {
    let text = |value: &str| format!("B({value:?})");
    let derives: Vec<String> = item.derives.iter().map(|name| text(name)).collect();
    let children: Vec<String> = item.children.iter().map(literal).collect();
    format!(
        "I {{ kind: K::{:?}, name: {}, of_trait: {}, visibility: V::{:?}, signature: {}, \
         deprecated: {}, derives: B(&[{}]), doc: {}, attributes: {}, body: {}, \
         spec_path: {}, children: B(&[{}]) }}",
        item.kind,
        text(&item.name),
        text(&item.of_trait),
        item.visibility,
        text(&item.signature),
        item.deprecated,
        derives.join(", "),
        text(&item.doc),
        text(&item.attributes),
        text(&item.body),
        text(&item.spec_path),
        children.join(", "),
    )
}
