//! The facts the templates include (`templates/facts/`) are written once; where the same fact
//! must also be said outside the templates, in a runtime's manifest comment or in a runtime
//! file's text, these tests keep it saying the same thing.

use std::fs;
use std::path::Path;

fn read(path: &str) -> String {
    fs::read_to_string(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join(path))
        .unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Words separated by single spaces.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The client runtime's manifest explains each TLS feature in a comment above it, in the
/// words of the README's list of features.
#[test]
fn the_manifest_explains_the_tls_features_as_the_readme_does() {
    let fact = read("codegen/client-runtime/templates/facts/tls-features.md");
    let manifest = read("codegen/client-runtime/Cargo.toml");
    let lines: Vec<&str> = manifest.lines().collect();
    let mut features = 0;
    for bullet in fact.lines() {
        let (name, text) = bullet
            .strip_prefix("- `")
            .and_then(|rest| rest.split_once('`'))
            .expect("a bullet: - `feature`...: text");
        // The text after "- `name`: " or "- `name` (default): ".
        let text = text.split_once(": ").expect("a colon after the name").1;
        let at = lines
            .iter()
            .position(|line| line.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("no feature {name} in the manifest"));
        let comment: Vec<&str> = lines[..at]
            .iter()
            .rev()
            .take_while(|line| line.starts_with('#'))
            .map(|line| line.trim_start_matches('#'))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let comment = words(&comment.join(" "));
        assert!(
            comment == words(text),
            "the comment of {name} in client-runtime/Cargo.toml says\n  {comment}\nand \
             facts/tls-features.md\n  {text}"
        );
        features += 1;
    }
    assert_eq!(features, 3);
}

/// The tool's `--help` lists the exit codes (`EXIT_CODES_HELP` of the runtime's
/// `failure.rs`) as its README does.
#[test]
fn the_tool_s_help_gives_the_exit_codes_as_its_readme_does() {
    let fact = read("codegen/cli-runtime/templates/facts/exit-codes.md");
    let failure = read("codegen/cli-runtime/src/failure.rs");
    let from_table: Vec<(String, String)> = fact
        .lines()
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
            (cells[0].trim().to_owned(), cells[1].trim().to_owned())
        })
        .collect();
    let help = failure
        .split_once("EXIT_CODES_HELP: &str = \"\\\nExit codes:\n")
        .and_then(|(_, rest)| rest.split_once("\";"))
        .expect("EXIT_CODES_HELP in failure.rs")
        .0;
    let from_help: Vec<(String, String)> = help
        .lines()
        .map(|line| {
            let (code, meaning) = line.trim().split_once("  ").expect("code  meaning");
            (code.to_owned(), meaning.trim().to_owned())
        })
        .collect();
    assert_eq!(from_table, from_help);
    assert_eq!(from_table.len(), 7);
}
