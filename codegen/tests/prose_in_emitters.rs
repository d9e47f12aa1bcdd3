//! Prose belongs in the Markdown templates beside the runtimes, not in the emitters' string
//! literals: the emitters keep at most a few lines of it (short doc phrases, error messages).

use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

/// The most lines the string literals of `codegen/src/emit/` may span, in all.
const MAX_LINES: usize = 60;

/// Every `.rs` file under `folder`, sorted.
fn rust_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("the folder is listed") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The line breaks inside the string literals of `tokens` (raw strings too), at any depth:
/// each is a line of text that continues a literal. Escaped `\n`s are not counted: they are
/// not line breaks in the source.
fn literal_lines(tokens: TokenStream) -> usize {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => literal_lines(group.stream()),
            TokenTree::Literal(literal) => literal.to_string().matches('\n').count(),
            TokenTree::Ident(_) | TokenTree::Punct(_) => 0,
        })
        .sum()
}

#[test]
fn the_emitters_hold_little_prose() {
    let emit = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/emit");
    let mut total = 0;
    let mut report = String::new();
    for path in rust_files(&emit) {
        let source = fs::read_to_string(&path).expect("the source is readable");
        let tokens = TokenStream::from_str(&source)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let lines = literal_lines(tokens);
        total += lines;
        if lines > 0 {
            let name = path.strip_prefix(&emit).unwrap_or(&path).display();
            report += &format!("{lines:5} {name}\n");
        }
    }
    assert!(
        total <= MAX_LINES,
        "the string literals of codegen/src/emit/ span {total} lines, more than {MAX_LINES}; \
         move the prose into the runtimes' templates/:\n{report}"
    );
}
