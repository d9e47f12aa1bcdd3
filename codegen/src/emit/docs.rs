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
            let line = if in_fence { line.trim_end() } else { trimmed };
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect()
}

/// The first line of `text`, for short mentions.
pub fn first_line(text: &str) -> &str {
    text.trim().lines().next().unwrap_or_default().trim()
}

/// An operation's summary as one line, for tables of operations.
pub fn summary_line(op: &Operation) -> &str {
    op.summary.as_deref().map(first_line).unwrap_or_default()
}
