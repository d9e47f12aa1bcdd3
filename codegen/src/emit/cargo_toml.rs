//! `Cargo.toml` of the generated crates: the package section from a template
//! (`templates/Cargo.toml` of the runtime), and the runtime's own manifest's `[features]` and
//! `[dependencies]`, copied as written there, comments included. The runtime is built and
//! tested with exactly the dependencies its copies get.

use minijinja::context;

use super::template_view::CrateView;
use super::templates;
use crate::model::Api;
use crate::runtime;

/// The client runtime's manifest.
const RUNTIME_MANIFEST: &str = include_str!("../../client-runtime/Cargo.toml");

/// The client crate's manifest.
pub fn emit(api: &Api, view: &CrateView) -> String {
    let left_out = runtime::unused_dependencies(runtime::FILES, api);
    manifest(
        "client/Cargo.toml",
        view,
        RUNTIME_MANIFEST,
        &runtime_sections(RUNTIME_MANIFEST, &left_out, &[]),
        context! { docs_features => docs_features(api) },
    )
}

/// The features the crate's docs are built with on docs.rs: those of its runtime files,
/// sorted, so that every public item and trait implementation is documented.
fn docs_features(api: &Api) -> Vec<&'static str> {
    let mut features: Vec<&'static str> = runtime::FILES
        .iter()
        .filter(|file| file.copied_for(api))
        .filter_map(|file| file.module.feature)
        .collect();
    features.sort_unstable();
    features.dedup();
    features
}

/// Template `template` with the package's slots, the runtime's edition and minimum Rust,
/// `sections` from its manifest, and the slots of `extra`.
pub(crate) fn manifest(
    template: &str,
    view: &CrateView,
    runtime_manifest: &str,
    sections: &str,
    extra: minijinja::Value,
) -> String {
    let context = context! {
        edition => package_value(runtime_manifest, "edition"),
        rust_version => package_value(runtime_manifest, "rust-version"),
        runtime_sections => sections,
        ..minijinja::value::merge_maps([extra, view.context(false)])
    };
    templates::render(template, context) + "\n"
}

/// The value of `key` in the `[package]` of a runtime's manifest, as written there: the
/// generated crates build with the edition and minimum Rust the runtime is built with.
fn package_value<'a>(manifest: &'a str, key: &str) -> &'a str {
    manifest
        .lines()
        .take_while(|line| !line.starts_with('[') || line.trim() == "[package]")
        .find_map(|line| {
            let (name, value) = line.split_once('=')?;
            (name.trim() == key).then(|| value.trim())
        })
        .unwrap_or_else(|| panic!("internal error: the runtime's manifest has no {key}"))
}

/// The `[features]` and `[dependencies]` of a runtime's `manifest`, with the comments inside
/// them, less the dependencies named in `left_out` and the features that turn them on (and the
/// comments above them), and with the entries named in `replaced` written as given.
pub(crate) fn runtime_sections(
    manifest: &str,
    left_out: &[&str],
    replaced: &[(&str, &str)],
) -> String {
    let mut sections = Vec::new();
    for header in ["[features]", "[dependencies]"] {
        let Some(entries) = section(manifest, header) else {
            continue;
        };
        let mut lines = vec![header];
        let mut comments = Vec::new();
        for line in entries {
            if line.starts_with('#') {
                comments.push(line);
                continue;
            }
            let key = line.split('=').next().unwrap_or_default().trim();
            // A feature that turns on a dependency left out goes with it.
            let needs_left_out = header == "[features]"
                && left_out
                    .iter()
                    .any(|dependency| line.contains(&format!("\"dep:{dependency}\"")));
            if left_out.contains(&key) || needs_left_out {
                comments.clear();
                continue;
            }
            lines.append(&mut comments);
            lines.push(
                replaced
                    .iter()
                    .find(|(name, _)| *name == key)
                    .map_or(line, |(_, written)| written),
            );
        }
        sections.push(lines.join("\n"));
    }
    sections.join("\n\n")
}

/// The lines of section `header` of `manifest`, without the comments and blank lines at its
/// end: they introduce the next section.
fn section<'a>(manifest: &'a str, header: &str) -> Option<Vec<&'a str>> {
    let mut lines = manifest.lines().skip_while(|line| line.trim() != header);
    lines.next()?;
    let mut entries: Vec<&str> = lines.take_while(|line| !line.starts_with('[')).collect();
    while entries
        .last()
        .is_some_and(|line| line.trim().is_empty() || line.starts_with('#'))
    {
        entries.pop();
    }
    Some(entries)
}
