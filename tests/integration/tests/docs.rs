//! The project's documentation: the README stays short enough for a newcomer, every relative
//! link of the README and of `docs/` leads to a file (and heading) that exists, and every page
//! of `docs/` is compiled as doctests of this crate (`src/lib.rs`).

use std::fs;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};

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

/// The line, from 1, of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The links and images (`[text](target)`, `![alt](target "title")`) and the reference
/// definitions (`[label]: target`) of a Markdown text; code is no link.
fn links(text: &str) -> Vec<Link> {
    let parser = Parser::new(text);
    let mut found: Vec<Link> = parser
        .reference_definitions()
        .iter()
        .map(|(_, definition)| Link {
            line: line_of(text, definition.span.start),
            target: definition.dest.to_string(),
        })
        .collect();
    // A reference link's target is its definition, found above.
    for (event, range) in Parser::new(text).into_offset_iter() {
        if let Event::Start(
            Tag::Link {
                link_type,
                dest_url,
                ..
            }
            | Tag::Image {
                link_type,
                dest_url,
                ..
            },
        ) = event
            && matches!(link_type, LinkType::Inline | LinkType::Autolink)
        {
            found.push(Link {
                line: line_of(text, range.start),
                target: dest_url.to_string(),
            });
        }
    }
    found.sort_by_key(|link| link.line);
    found
}

/// The text of each heading of `text`, code marks dropped.
fn headings(text: &str) -> Vec<String> {
    let mut headings = Vec::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            Event::Text(part) | Event::Code(part) => {
                if let Some(heading) = &mut heading {
                    heading.push_str(&part);
                }
            }
            _ => {}
        }
    }
    headings
}

/// The anchors GitHub gives a page's headings: lowercase, code marks and punctuation dropped
/// but for `-` and `_`, spaces as `-`; a repeated one gets `-1`, `-2`, ...
fn anchors(text: &str) -> Vec<String> {
    let mut anchors: Vec<String> = Vec::new();
    for heading in headings(text) {
        let slug: String = heading
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
