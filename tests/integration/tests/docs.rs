//! The project's documentation: the README stays short enough for a newcomer, every relative
//! link of the README and of `docs/` leads to a file (and heading) that exists, and every page
//! of `docs/` is compiled as doctests of this crate (`src/lib.rs`).

use std::fs;
use std::path::{Component, Path, PathBuf};

/// The README's size limit: what it says beyond this belongs in `docs/`.
const README_MAX_BYTES: usize = 12 * 1024;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The README, then every page of `docs/`, sorted.
fn pages() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("docs/ is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    let mut pages = vec![root().join("README.md")];
    pages.extend(docs);
    pages
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A page's path from the workspace root, for messages.
fn shown(path: &Path) -> String {
    let path = normalize(path);
    let root = normalize(&root());
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string()
}

/// `path` without its `.` and `..` components (it need not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn the_readme_is_at_most_12_kib() {
    let size = read(&root().join("README.md")).len();
    assert!(
        size <= README_MAX_BYTES,
        "README.md is {size} bytes, over {README_MAX_BYTES}: move what a newcomer does not need \
         first into docs/ and link to it"
    );
}

#[test]
fn relative_links_lead_to_files_and_headings_that_exist() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read(&page);
        let folder = page.parent().expect("a page is in a folder");
        for link in links(&text) {
            if is_absolute(&link.target) {
                continue;
            }
            checked += 1;
            let (file, fragment) = match link.target.split_once('#') {
                Some((file, fragment)) => (file, Some(fragment)),
                None => (link.target.as_str(), None),
            };
            let target = if file.is_empty() {
                page.clone()
            } else {
                normalize(&folder.join(file))
            };
            let at = format!("{}:{}: `{}`", shown(&page), link.line, link.target);
            if !target.exists() {
                broken.push(format!("{at}: there is no {}", shown(&target)));
                continue;
            }
            let Some(fragment) = fragment else { continue };
            if target.extension().is_some_and(|ext| ext == "md") {
                let anchors = anchors(&read(&target));
                if !anchors.iter().any(|anchor| anchor == fragment) {
                    broken.push(format!(
                        "{at}: {} has no heading `#{fragment}` (it has {})",
                        shown(&target),
                        anchors.join(", ")
                    ));
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} relative links found: is the link finder broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_docs_page_is_compiled_as_doctests() {
    let lib = read(&root().join("tests/integration/src/lib.rs"));
    let missing: Vec<String> = pages()
        .iter()
        .skip(1)
        .map(|page| shown(page))
        .filter(|page| !lib.contains(&format!("include_str!(\"../../../{page}\")")))
        .collect();
    assert!(
        missing.is_empty(),
        "tests/integration/src/lib.rs does not include {missing:?}: add \
         `#[doc = include_str!(\"../../../docs/<page>.md\")] pub mod <page> {{}}` for each"
    );
}

#[test]
fn the_link_finder_reads_markdown_as_github_does() {
    let text = "\
# A `title`, here

See [one](a.md), ![an image](img/b.png \"title\") and [a heading](#a-title-here).
Not in `[code](c.md)`; not [absolute](https://example.com/d.md) either.

```sh
echo [not a link](e.md)
```

[label]: f/g.md#part
";
    let found: Vec<(usize, String)> = links(text)
        .into_iter()
        .map(|link| (link.line, link.target))
        .collect();
    assert_eq!(
        found,
        [
            (3, "a.md".to_owned()),
            (3, "img/b.png".to_owned()),
            (3, "#a-title-here".to_owned()),
            (4, "https://example.com/d.md".to_owned()),
            (10, "f/g.md#part".to_owned()),
        ]
    );
    assert_eq!(anchors(text), ["a-title-here"]);
    assert_eq!(
        anchors("## Twice\n\n## Twice\n\n## What's `x-rust-crate`?\n"),
        ["twice", "twice-1", "whats-x-rust-crate"]
    );
}

/// A link of a page: where it is and where it points.
struct Link {
    line: usize,
    target: String,
}

fn is_absolute(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:") || target.starts_with('/')
}

/// The lines of `text` outside fenced code blocks, numbered from 1.
fn prose(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut fence: Option<&str> = None;
    text.lines().enumerate().filter_map(move |(index, line)| {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"]
            .into_iter()
            .find(|marker| trimmed.starts_with(marker));
        match (fence, marker) {
            (None, Some(marker)) => {
                fence = Some(marker);
                None
            }
            (Some(open), Some(marker)) if open == marker => {
                fence = None;
                None
            }
            (Some(_), _) => None,
            (None, None) => Some((index + 1, line)),
        }
    })
}

/// `line` with its code spans (`` `...` ``) blanked out.
fn without_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let after = &rest[start + ticks..];
        let closing = "`".repeat(ticks);
        match after.find(&closing) {
            Some(end) => {
                out.push(' ');
                rest = &after[end + ticks..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The inline links and images (`[text](target)`, `![alt](target "title")`) and the reference
/// definitions (`[label]: target`) of a Markdown text, outside code.
fn links(text: &str) -> Vec<Link> {
    let mut found = Vec::new();
    for (line_number, line) in prose(text) {
        let line = without_code(line);
        let trimmed = line.trim_start();
        if let Some((_, after)) = trimmed
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("]:"))
        {
            if let Some(target) = after.split_whitespace().next() {
                found.push(Link {
                    line: line_number,
                    target: target.trim_matches(['<', '>']).to_owned(),
                });
            }
            continue;
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or("");
            if !target.is_empty() {
                found.push(Link {
                    line: line_number,
                    target: target.trim_matches(['<', '>']).to_owned(),
                });
            }
            rest = &after[end..];
        }
    }
    found
}

/// The anchors GitHub gives a page's headings: lowercase, code marks and punctuation dropped
/// but for `-` and `_`, spaces as `-`; a repeated one gets `-1`, `-2`, ...
fn anchors(text: &str) -> Vec<String> {
    let mut anchors: Vec<String> = Vec::new();
    for (_, line) in prose(text) {
        let hashes = line.len() - line.trim_start_matches('#').len();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let slug: String = line[hashes..]
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let repeats = anchors
            .iter()
            .filter(|anchor| {
                **anchor == slug
                    || anchor
                        .strip_prefix(&format!("{slug}-"))
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .count();
        anchors.push(if repeats == 0 {
            slug
        } else {
            format!("{slug}-{repeats}")
        });
    }
    anchors
}
