//! The generated crate's `CHANGELOG.md` ([Keep a Changelog](https://keepachangelog.com)):
//! the Unreleased section is rewritten from the API changes on every regeneration; released
//! sections are kept as they are.

use super::{Class, Unreleased};

/// The file's name in the crate.
pub const FILE: &str = "CHANGELOG.md";

const UNRELEASED_HEADING: &str = "## [Unreleased]";

/// The changelog with its Unreleased section written from `unreleased`, and everything from
/// the first released section of `existing` kept byte for byte.
pub fn write(existing: Option<&str>, crate_name: &str, unreleased: &Unreleased) -> String {
    let summary = match (&unreleased.released, unreleased.needed()) {
        (None, _) => {
            "No release is recorded yet: `cargo xtask release` records the first.\n".to_owned()
        }
        (Some(released), None) => format!("No change to the public API since {released}.\n"),
        (Some(released), Some(class)) => format!(
            "Since {released}: the next release is {class}, {} or later.\n\n{}",
            super::lowest_allowed(released, class),
            grouped(unreleased)
        ),
    };
    format!(
        "{}{UNRELEASED_HEADING}\n\n{summary}{}",
        preamble(crate_name),
        released_sections(existing)
    )
}

/// The changelog once `unreleased` is released as its spec's version on `date`: its changes
/// move under a heading of their own, and Unreleased is left with none.
pub fn release(
    existing: Option<&str>,
    crate_name: &str,
    unreleased: &Unreleased,
    date: &str,
) -> String {
    let version = &unreleased.version;
    let body = match (&unreleased.released, unreleased.needed()) {
        (None, _) => "The first release.\n".to_owned(),
        (Some(released), None) => format!("No change to the public API since {released}.\n"),
        (Some(_), Some(_)) => grouped(unreleased),
    };
    format!(
        "{}{UNRELEASED_HEADING}\n\nNo change to the public API since {version}.\n\n\
         ## [{version}] - {date}\n\n{body}{}",
        preamble(crate_name),
        released_sections(existing)
    )
}

/// The changes the Unreleased section of `text` lists, each as `class: description`: what a
/// regeneration compares to tell which changes it brought.
pub fn unreleased_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_unreleased = false;
    let mut class = None;
    for line in text.lines() {
        if line.starts_with("## ") {
            in_unreleased = line == UNRELEASED_HEADING;
        } else if let Some(heading) = line.strip_prefix("### ") {
            class = [Class::Major, Class::Minor, Class::Patch]
                .into_iter()
                .find(|class| heading == heading_of(*class));
        } else if let (true, Some(class), Some(item)) =
            (in_unreleased, class, line.strip_prefix("- "))
        {
            lines.push(format!("{class}: {item}"));
        }
    }
    lines
}

fn preamble(crate_name: &str) -> String {
    format!(
        "# Changelog\n\n\
         Every release of `{crate_name}` and what it changed in the public API. The format is \
         [Keep a Changelog](https://keepachangelog.com/en/1.1.0/); versions follow \
         [Semantic Versioning](https://semver.org/spec/v2.0.0.html) as Cargo reads it.\n\n\
         `cargo xtask codegen` writes the Unreleased section from the spec's changes since \
         the last release; `cargo xtask release` gives them a version and a date. Released \
         sections are kept as they are, so notes may be added to them by hand.\n\n"
    )
}

fn heading_of(class: Class) -> &'static str {
    match class {
        Class::Major => "Major: breaking changes",
        Class::Minor => "Minor: additions",
        Class::Patch => "Patch: docs and wire behaviour",
    }
}

/// The changes under one heading per class, most breaking first.
fn grouped(unreleased: &Unreleased) -> String {
    let mut text = String::new();
    for class in [Class::Major, Class::Minor, Class::Patch] {
        let mut changes = unreleased
            .changes
            .iter()
            .filter(|change| change.class == class)
            .peekable();
        if changes.peek().is_none() {
            continue;
        }
        text.push_str(&format!("### {}\n\n", heading_of(class)));
        for change in changes {
            text.push_str(&format!("- {}\n", change.description()));
        }
        text.push('\n');
    }
    text.truncate(text.trim_end().len());
    text.push('\n');
    text
}

/// Everything from the first released section on (`## [0.1.0] - …`), with a blank line
/// before it; empty when there is none.
fn released_sections(existing: Option<&str>) -> String {
    let Some(text) = existing else {
        return String::new();
    };
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("## [") && line.trim_end() != UNRELEASED_HEADING {
            return format!("\n{}", &text[offset..]);
        }
        offset += line.len();
    }
    String::new()
}
