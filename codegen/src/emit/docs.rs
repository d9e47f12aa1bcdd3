//! Doc comments from spec prose.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Operation;

/// `#[doc]` attributes for `text`, one per line (printed as `///` lines).
pub fn outer(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #(#[doc = #lines])* }
}

/// `#![doc]` attributes for `text` (printed as `//!` lines).
pub fn inner(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #(#![doc = #lines])* }
}

/// Joins paragraphs, skipping empty ones.
pub fn paragraphs<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Spec prose is Markdown, but rustdoc would run indented or bare-fenced blocks as
/// doctests; so leading indentation is dropped outside fences and bare fences become `text`.
fn doc_lines(text: &str) -> Vec<String> {
    let mut in_fence = false;
    text.trim()
        .lines()
        .map(|line| {
            let trimmed = line.trim();
            if trimmed.starts_with("```") {
                let opening = !in_fence;
                in_fence = !in_fence;
                if opening && trimmed == "```" {
                    return " ```text".to_owned();
                }
                return format!(" {trimmed}");
            }
            if in_fence {
                let line = line.trim_end();
                return if line.is_empty() {
                    String::new()
                } else {
                    format!(" {line}")
                };
            }
            if trimmed.is_empty() {
                String::new()
            } else {
                format!(" {}", autolink(trimmed))
            }
        })
        .collect()
}

/// `line` with each bare URL in `<…>`, which rustdoc makes a link of and its `bare_urls` lint
/// asks for; a URL in a code span, already in `<…>` or a link's `(…)`, or in brackets, is left
/// as it is. A URL ends at whitespace or a bracket, and a final `.`, `,`, `;`, `:`, `!` or `?`
/// is taken to be the sentence's.
fn autolink(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut previous = ' ';
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let bare = !in_code
            && !matches!(previous, '<' | '(' | '[')
            && (rest.starts_with("https://") || rest.starts_with("http://"));
        if bare {
            let end = rest
                .find(|c: char| c.is_whitespace() || "<>()[]`\"".contains(c))
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            previous = '>';
            continue;
        }
        if c == '`' {
            in_code = !in_code;
        }
        out.push(c);
        previous = c;
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The first line of `text`, for short mentions.
pub fn first_line(text: &str) -> &str {
    text.trim().lines().next().unwrap_or_default().trim()
}

/// An operation's summary as one line, for tables of operations.
pub fn summary_line(op: &Operation) -> &str {
    op.summary.as_deref().map(first_line).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_url_becomes_a_link_and_others_stay_as_they_are() {
        let cases = [
            (
                "- https://docs.example/a/b (the signature)",
                "- <https://docs.example/a/b> (the signature)",
            ),
            (
                "See https://docs.example/x, then http://h.example/y.",
                "See <https://docs.example/x>, then <http://h.example/y>.",
            ),
            (
                "Already <https://docs.example/x>.",
                "Already <https://docs.example/x>.",
            ),
            (
                "A [link](https://docs.example/x).",
                "A [link](https://docs.example/x).",
            ),
            (
                "Code `curl https://docs.example/x` here",
                "Code `curl https://docs.example/x` here",
            ),
            (
                "No URL: https:/ and http only",
                "No URL: https:/ and http only",
            ),
            (
                "Ünïcode then https://d.example/ü",
                "Ünïcode then <https://d.example/ü>",
            ),
        ];
        for (given, wanted) in cases {
            assert_eq!(autolink(given), wanted, "{given}");
        }
    }

    #[test]
    fn doc_lines_link_bare_urls_outside_fences_only() {
        let text = "Read https://docs.example/x\n```\ncurl https://api.example/y\n```";
        assert_eq!(
            doc_lines(text),
            [
                " Read <https://docs.example/x>",
                " ```text",
                " curl https://api.example/y",
                " ```",
            ]
        );
    }
}
