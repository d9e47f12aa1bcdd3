//! The generated crate's `CHANGELOG.md` ([Keep a Changelog](https://keepachangelog.com)):
//! the Unreleased section is rewritten from the API changes on every regeneration; released
//! sections are kept as they are.

use super::{Class, Unreleased};

/// The file's name in the crate.
pub const FILE: &str = "CHANGELOG.md";

const UNRELEASED_HEADING: &str = "## [Unreleased]";

/// The part of the Unreleased section written by hand, kept on every regeneration and
/// released with the changes: for what no spec edit shows (a change of the generator, say).
const NOTES_HEADING: &str = "### Notes";

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
        "{}{UNRELEASED_HEADING}\n\n{summary}{}{}",
        preamble(crate_name),
        notes(existing),
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
         ## [{version}] - {date}\n\n{body}{}{}",
        preamble(crate_name),
        notes(existing),
        released_sections(existing)
    )
}

/// The hand-written `### Notes` of the Unreleased section of `existing`, from its heading to
/// the next heading, with a blank line before it; empty when there are none.
fn notes(existing: Option<&str>) -> String {
    let Some(text) = existing else {
        return String::new();
    };
    let mut in_unreleased = false;
    let mut notes: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let heading = line.trim_end();
        if line.starts_with("## ") {
            in_unreleased = heading == UNRELEASED_HEADING;
            if notes.is_some() {
                break;
            }
        } else if in_unreleased && heading == NOTES_HEADING {
            notes = Some(String::new());
        } else if line.starts_with("### ") && notes.is_some() {
            break;
        }
        if let Some(notes) = notes.as_mut() {
            notes.push_str(line);
        }
    }
    match notes {
        Some(notes) => format!("\n{}\n", notes.trim_end()),
        None => String::new(),
    }
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
         the last release; `cargo xtask release` gives them a version and a date. What no spec \
         edit shows (a change of the generator) goes by hand under `### Notes` in Unreleased, \
         which is kept and released with the rest; released sections are kept as they \
         are.\n\n"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::ApiChange;

    fn unreleased(released: Option<&str>, version: &str, changes: Vec<ApiChange>) -> Unreleased {
        let parse = |text: &str| semver::Version::parse(text).expect("a version");
        Unreleased {
            released: released.map(parse),
            version: parse(version),
            changes,
        }
    }

    fn change(class: Class, what: &str) -> ApiChange {
        ApiChange {
            class,
            what: what.to_owned(),
            why: None,
            spec_path: "components.schemas.Widget".to_owned(),
        }
    }

    #[test]
    fn unreleased_changes_are_grouped_by_class_and_released_sections_kept() {
        let first = release(
            None,
            "widgets",
            &unreleased(None, "0.1.0", vec![]),
            "2026-01-02",
        );
        let with_notes = format!("{first}\nA note added by hand.\n");
        let changes = vec![
            change(Class::Major, "field `types::Widget::name` removed"),
            change(Class::Patch, "docs of struct `types::Widget` changed"),
        ];
        let text = write(
            Some(&with_notes),
            "widgets",
            &unreleased(Some("0.1.0"), "0.2.0", changes),
        );
        let expected_unreleased = "## [Unreleased]\n\n\
            Since 0.1.0: the next release is major, 0.2.0 or later.\n\n\
            ### Major: breaking changes\n\n\
            - field `types::Widget::name` removed (spec: components.schemas.Widget)\n\n\
            ### Patch: docs and wire behaviour\n\n\
            - docs of struct `types::Widget` changed (spec: components.schemas.Widget)\n\n\
            ## [0.1.0] - 2026-01-02\n\nThe first release.\n\nA note added by hand.\n";
        assert!(text.ends_with(expected_unreleased), "{text}");
        assert_eq!(
            unreleased_lines(&text),
            [
                "major: field `types::Widget::name` removed (spec: components.schemas.Widget)",
                "patch: docs of struct `types::Widget` changed (spec: components.schemas.Widget)",
            ]
        );
    }

    #[test]
    fn hand_written_notes_are_kept_and_released() {
        let changes = vec![change(Class::Minor, "method `Client::list` added")];
        let pending = unreleased(Some("0.1.0"), "0.1.1", changes);
        let first = release(
            None,
            "widgets",
            &unreleased(None, "0.1.0", vec![]),
            "2026-01-02",
        );
        let generated = write(Some(&first), "widgets", &pending);
        let notes = "### Notes\n\n- The crate gains a `mock` feature.\n";
        let edited = generated.replace("\n## [0.1.0]", &format!("\n{notes}\n## [0.1.0]"));
        // A regeneration keeps them, even with other changes since.
        assert_eq!(write(Some(&edited), "widgets", &pending), edited);
        let released = release(Some(&edited), "widgets", &pending, "2026-02-03");
        let section = format!(
            "## [0.1.1] - 2026-02-03\n\n### Minor: additions\n\n\
             - method `Client::list` added (spec: components.schemas.Widget)\n\n{notes}\n\
             ## [0.1.0]"
        );
        assert!(released.contains(&section), "{released}");
        // Released, they leave Unreleased.
        let after = write(
            Some(&released),
            "widgets",
            &unreleased(Some("0.1.1"), "0.1.1", vec![]),
        );
        let unreleased_part = &after[..after.find("## [0.1.1]").expect("the release")];
        assert!(!unreleased_part.contains("mock"), "{after}");
    }

    #[test]
    fn a_release_moves_the_changes_under_its_version() {
        let changes = vec![change(Class::Minor, "method `Client::list` added")];
        let before = unreleased(Some("0.1.0"), "0.1.1", changes);
        let first = unreleased(None, "0.1.0", vec![]);
        let existing = release(None, "widgets", &first, "2026-01-02");
        let released = release(Some(&existing), "widgets", &before, "2026-02-03");
        let tail = "## [Unreleased]\n\nNo change to the public API since 0.1.1.\n\n\
            ## [0.1.1] - 2026-02-03\n\n### Minor: additions\n\n\
            - method `Client::list` added (spec: components.schemas.Widget)\n\n\
            ## [0.1.0] - 2026-01-02\n\nThe first release.\n";
        assert!(released.ends_with(tail), "{released}");
        assert!(unreleased_lines(&released).is_empty());
        // Writing again with nothing unreleased changes nothing.
        let unchanged = unreleased(Some("0.1.1"), "0.1.1", vec![]);
        assert_eq!(write(Some(&released), "widgets", &unchanged), released);
    }
}
