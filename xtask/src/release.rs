//! Releases of a generated crate: what its public API changed since the last one, the
//! version that needs, and `cargo xtask release`.
//!
//! The last release is recorded as a copy of its spec in the crate's folder
//! (`released-spec.yaml`, see [`codegen::changes::RELEASED_SPEC_FILE`]): the current
//! generator reads both specs, and the two checked models are compared.

use std::fs;
use std::path::PathBuf;

use codegen::changes::{Unreleased, changelog};
use codegen::model::Api;

use crate::codegen::{Target, display};

/// What a regeneration found about the crate's public API since its last release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiReport {
    /// The crate's package name (`x-rust-crate.name`).
    pub crate_name: String,
    /// The crate folder and its spec, as shown to people.
    pub crate_dir: String,
    pub spec: String,
    /// The changes since the last release, or why they cannot be judged (the released spec
    /// no longer loads).
    pub unreleased: Result<Unreleased, String>,
    /// The changes this regeneration added to the changelog's Unreleased list.
    pub brought: Vec<String>,
    /// The changes it took off that list (a spec edit undone).
    pub dropped: Vec<String>,
}

impl ApiReport {
    /// Whether the spec's version is high enough for the changes; `Err` says why not, or why
    /// it cannot be told.
    pub fn gate(&self) -> Result<(), String> {
        match &self.unreleased {
            Err(why) => Err(format!(
                "{}: cannot judge whether x-rust-crate.version in {} fits the API changes: {why}",
                self.crate_dir, self.spec
            )),
            Ok(unreleased) => match unreleased.version_problem() {
                None => Ok(()),
                Some(problem) => {
                    let mut message =
                        format!("{}: {problem} (raise it in {}):", self.crate_dir, self.spec);
                    for change in &unreleased.changes {
                        message.push_str(&format!("\n  {change}"));
                    }
                    Err(message)
                }
            },
        }
    }

    /// The report a regeneration prints: the changes it brought, then where that leaves the
    /// next release. Nothing when it brought none.
    pub fn lines(&self) -> Vec<String> {
        if self.brought.is_empty() && self.dropped.is_empty() {
            return Vec::new();
        }
        let mut lines = vec![format!(
            "public API changes from this regeneration of {}:",
            self.crate_dir
        )];
        lines.extend(self.brought.iter().map(|line| format!("  {line}")));
        lines.extend(self.dropped.iter().map(|line| format!("  undone: {line}")));
        if let Ok(unreleased) = &self.unreleased {
            lines.push(summary(unreleased));
        }
        lines
    }
}

/// Where the changes since the last release leave the next one.
fn summary(unreleased: &Unreleased) -> String {
    let Some(released) = &unreleased.released else {
        return "no release is recorded yet: `cargo xtask release` records the first".to_owned();
    };
    let count = unreleased.changes.len();
    match unreleased.needed() {
        None => format!("no change to the public API since release {released}"),
        Some(class) => format!(
            "{count} change(s) since release {released}, listed in CHANGELOG.md: the next \
             release is {class}, {} or later (x-rust-crate.version is {})",
            codegen::changes::lowest_allowed(released, class),
            unreleased.version
        ),
    }
}

/// The report for `api`, generated from `target`'s spec, and the changelog to write (none
/// when the changes cannot be judged: the file is then left as it is).
pub fn report(target: &Target, api: &Api) -> (ApiReport, Option<String>) {
    let changelog_path = target.out.join(changelog::FILE);
    let existing = fs::read_to_string(&changelog_path).ok();
    let unreleased = released_api(target).map(|released| Unreleased::new(released.as_ref(), api));
    let (text, brought, dropped) = match &unreleased {
        Ok(unreleased) => {
            let text = changelog::write(existing.as_deref(), &api.package.name, unreleased);
            let before = existing
                .as_deref()
                .map(changelog::unreleased_lines)
                .unwrap_or_default();
            let after = changelog::unreleased_lines(&text);
            let brought = after.iter().filter(|l| !before.contains(l)).cloned();
            let dropped = before.iter().filter(|l| !after.contains(l)).cloned();
            (Some(text), brought.collect(), dropped.collect())
        }
        Err(_) => (None, Vec::new(), Vec::new()),
    };
    let report = ApiReport {
        crate_name: api.package.name.clone(),
        crate_dir: display(&target.out),
        spec: display(&target.spec),
        unreleased,
        brought,
        dropped,
    };
    (report, text)
}

fn released_spec_path(target: &Target) -> PathBuf {
    target.out.join(codegen::changes::RELEASED_SPEC_FILE)
}

/// The model of the last release's spec: `None` when no release is recorded, `Err` when its
/// spec cannot be read or no longer loads (it was released with an older generator).
fn released_api(target: &Target) -> Result<Option<Api>, String> {
    let path = released_spec_path(target);
    let name = display(&path);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("cannot read {name}: {error}")),
    };
    let loaded = codegen::spec_text(&bytes, &name).and_then(|text| codegen::load(text, &name));
    loaded.map(Some).map_err(|error| {
        format!(
            "the released spec no longer loads with this generator: {error}. Edit {name} so \
             that it loads without changing the API it describes, or review the changes by \
             hand and release"
        )
    })
}

/// Options of `cargo xtask release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub targets: Vec<Target>,
    /// The release date (`YYYY-MM-DD`); today (UTC) when not given.
    pub date: Option<String>,
}

impl Options {
    /// Reads `[--spec FILE] [--out DIR] [--date YYYY-MM-DD]`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut date = None;
        let mut rest = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if arg == "--date" {
                let value = args.next().ok_or("--date needs a value")?;
                let format = time::format_description::well_known::Iso8601::DATE;
                time::Date::parse(value, &format)
                    .map_err(|_| format!("--date `{value}` is not a date such as 2026-12-03"))?;
                date = Some(value.clone());
            } else {
                rest.push(arg.clone());
            }
        }
        let codegen = crate::codegen::Options::parse(&rest)?;
        if codegen.check {
            return Err("`release` has no --check".to_owned());
        }
        Ok(Options {
            // The runtimes' stand-in is regenerated, never released.
            targets: codegen
                .targets
                .into_iter()
                .filter(|target| target.kind == crate::codegen::Kind::Crates)
                .collect(),
            date,
        })
    }
}

/// Releases each target's crate as the version its spec gives: the changelog's Unreleased
/// changes move under that version, and the spec becomes the recorded release. Returns what
/// it did, one line per crate.
pub fn release(target: &Target, date: &str) -> Result<String, String> {
    // The check also reads the released spec and works out the changes since.
    let checked = crate::codegen::sync(target, true)?;
    if !checked.files.is_empty() {
        return Err(format!(
            "{} is not fresh: run `cargo xtask codegen`, review the API changes it reports, \
             then release",
            display(&target.out)
        ));
    }
    let report = checked.api.ok_or_else(|| {
        format!(
            "{} is a stand-in: it is never released",
            display(&target.out)
        )
    })?;
    let name = report.crate_name;
    let unreleased = report
        .unreleased
        .map_err(|why| format!("{}: cannot release: {why}", display(&target.out)))?;
    if let Some(problem) = unreleased.version_problem() {
        return Err(format!(
            "{}: cannot release: {problem}",
            display(&target.out)
        ));
    }
    if unreleased.released.as_ref() == Some(&unreleased.version) {
        // Its version passed the gate, so nothing changed: nothing to release.
        return Ok(format!(
            "{name} {} is released and unchanged: nothing to release",
            unreleased.version
        ));
    }

    let changelog_path = target.out.join(changelog::FILE);
    let existing = fs::read_to_string(&changelog_path).ok();
    let text = changelog::release(existing.as_deref(), &name, &unreleased, date);
    write(&changelog_path, &text)?;
    let header = format!(
        "# Recorded by `cargo xtask release`: the spec of {name} {} as released.\n\
         # `cargo xtask codegen` lists the public API changes since this spec, and its\n\
         # --check fails when x-rust-crate.version is too low for them. Do not edit.\n",
        unreleased.version
    );
    let spec_text = fs::read_to_string(&target.spec)
        .map_err(|error| format!("cannot read {}: {error}", display(&target.spec)))?;
    let spec_body = spec_text.strip_prefix('\u{feff}').unwrap_or(&spec_text);
    write(&released_spec_path(target), &format!("{header}{spec_body}"))?;
    crate::codegen::sync(target, false)?;
    Ok(format!(
        "released {name} {} ({date}): {} and {} written; commit them, tag the release and publish",
        unreleased.version,
        display(&changelog_path),
        display(&released_spec_path(target)),
    ))
}

/// Today's date in UTC, as a changelog writes it.
pub fn today() -> String {
    time::OffsetDateTime::now_utc().date().to_string()
}

fn write(path: &std::path::Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|error| format!("cannot write {}: {error}", display(path)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::{sync, workspace_root};

    /// A copy of the bookshop spec and a crate folder in a fresh temporary folder.
    fn scratch(name: &str) -> (PathBuf, Target) {
        let dir = std::env::temp_dir().join(format!("xtask-release-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("writable");
        let spec = dir.join("spec.yaml");
        let text = fs::read_to_string(workspace_root().join("tests/fixtures/bookshop/spec.yaml"))
            .expect("the bookshop spec is readable");
        // The tests count versions from 0.0.1, whatever the fixture's is today.
        let at = text
            .find("  name: bookshop-client\n  version: ")
            .expect("the crate's name");
        let version_line = &text[at..].lines().nth(1).expect("its version line");
        let text = text.replacen(version_line, "  version: 0.0.1", 1);
        fs::write(&spec, text).expect("writable");
        let target = Target {
            spec,
            out: dir.join("crate"),
            cli: None,
            kind: crate::codegen::Kind::Crates,
        };
        (dir, target)
    }

    fn edit_spec(target: &Target, from: &str, to: &str) {
        let text = fs::read_to_string(&target.spec).expect("readable");
        assert!(text.contains(from), "the spec has {from:?}");
        fs::write(&target.spec, text.replacen(from, to, 1)).expect("writable");
    }

    const TAGS: &str = "        tags:
          type: array
          description: Free-form tags.
          items:
            type: string
            description: One tag.
";

    /// The line before `tags` in the spec.
    const PAPERBACK: &str = "          example: paperback\n";

    #[test]
    fn a_breaking_edit_needs_a_version_bump_and_a_release_records_it() {
        let (dir, target) = scratch("bump");
        let first = sync(&target, false).expect("generates");
        assert_eq!(
            first.api.as_ref().expect("a released crate").gate(),
            Ok(()),
            "nothing released yet: any version"
        );
        let done = release(&target, "2026-01-02").expect("the first release");
        assert!(done.contains("bookshop-client 0.0.1"), "{done}");
        assert!(released_spec_path(&target).exists());

        edit_spec(&target, TAGS, "");
        let edited = sync(&target, false).expect("generates");
        let removed = [
            "major: field `types::Book::tags` removed \
             (spec: components.schemas.Book.properties.tags)",
            "major: method `types::Book::with_tags` removed \
             (spec: components.schemas.Book.properties.tags)",
        ];
        assert_eq!(
            edited.api.as_ref().expect("a released crate").brought,
            removed
        );
        let gate = edited
            .api
            .as_ref()
            .expect("a released crate")
            .gate()
            .expect_err("0.0.1 again is too low");
        assert!(
            gate.contains("must be 0.0.2 or later") && gate.contains(removed[0]),
            "{gate}"
        );
        assert!(
            release(&target, "2026-01-03").is_err(),
            "no release at a too-low version"
        );
        let checked = sync(&target, true).expect("generates");
        assert!(
            checked.files.is_empty()
                && checked
                    .api
                    .as_ref()
                    .expect("a released crate")
                    .gate()
                    .is_err()
        );

        edit_spec(&target, "version: 0.0.1", "version: 0.0.2");
        let bumped = sync(&target, false).expect("generates");
        assert_eq!(
            bumped.api.as_ref().expect("a released crate").gate(),
            Ok(())
        );
        assert!(
            bumped
                .api
                .as_ref()
                .expect("a released crate")
                .brought
                .is_empty(),
            "the change was reported already"
        );
        release(&target, "2026-01-03").expect("released");
        let changelog = fs::read_to_string(target.out.join(changelog::FILE)).expect("written");
        let section = format!(
            "## [0.0.2] - 2026-01-03\n\n### Major: breaking changes\n\n- {}\n- {}\n\n\
             ## [0.0.1] - 2026-01-02\n\nThe first release.\n",
            removed[0].trim_start_matches("major: "),
            removed[1].trim_start_matches("major: ")
        );
        assert!(changelog.ends_with(&section), "{changelog}");
        assert!(changelog::unreleased_lines(&changelog).is_empty());
        let after = sync(&target, true).expect("generates");
        assert!(
            after.files.is_empty() && after.api.as_ref().expect("a released crate").gate().is_ok()
        );

        // Undoing the edit after the release is a change of its own: adding the field back.
        edit_spec(&target, PAPERBACK, &format!("{PAPERBACK}{TAGS}"));
        let undone = sync(&target, false).expect("generates");
        assert!(
            undone.api.as_ref().expect("a released crate").brought[0]
                .starts_with("minor: field `types::Book::tags` added"),
            "{:?}",
            undone.api.as_ref().expect("a released crate").brought
        );
        fs::remove_dir_all(&dir).expect("removable");
    }

    #[test]
    fn an_edit_undone_before_a_release_leaves_nothing_unreleased() {
        let (dir, target) = scratch("undo");
        sync(&target, false).expect("generates");
        release(&target, "2026-01-02").expect("the first release");
        let released = fs::read_to_string(target.out.join(changelog::FILE)).expect("written");
        edit_spec(&target, TAGS, "");
        sync(&target, false).expect("generates");
        edit_spec(&target, PAPERBACK, &format!("{PAPERBACK}{TAGS}"));
        let undone = sync(&target, false).expect("generates");
        let dropped = &undone.api.as_ref().expect("a released crate").dropped;
        assert_eq!(dropped.len(), 2, "the field and its setter: {dropped:?}");
        let changelog = fs::read_to_string(target.out.join(changelog::FILE)).expect("written");
        assert_eq!(changelog, released);
        fs::remove_dir_all(&dir).expect("removable");
    }

    #[test]
    fn a_released_spec_that_no_longer_loads_cannot_be_judged() {
        let (dir, target) = scratch("stale");
        sync(&target, false).expect("generates");
        let changelog = fs::read_to_string(target.out.join(changelog::FILE)).expect("written");
        // What an older generator may have accepted and this one does not.
        fs::write(released_spec_path(&target), "openapi: 2.0.0\n").expect("writable");
        let synced = sync(&target, true).expect("the spec itself generates");
        let gate = synced
            .api
            .as_ref()
            .expect("a released crate")
            .gate()
            .expect_err("cannot judge");
        assert!(
            gate.contains("cannot judge")
                && gate.contains("no longer loads")
                && gate.contains("released-spec.yaml:"),
            "{gate}"
        );
        assert!(synced.files.is_empty(), "the changelog is left as it is");
        let refused = release(&target, "2026-01-02").expect_err("no release either");
        assert!(refused.contains("no longer loads"), "{refused}");
        let after = fs::read_to_string(target.out.join(changelog::FILE)).expect("kept");
        assert_eq!(after, changelog);
        fs::remove_dir_all(&dir).expect("removable");
    }

    #[test]
    fn release_options_take_a_date() {
        let args = ["--date", "2026-12-03", "--out", "x"].map(String::from);
        let options = Options::parse(&args).expect("valid");
        assert_eq!(options.date.as_deref(), Some("2026-12-03"));
        assert_eq!(options.targets.len(), 1);
        for bad in [&["--date", "03/12/2026"][..], &["--date"], &["--check"]] {
            let args: Vec<String> = bad.iter().map(|arg| arg.to_string()).collect();
            assert!(Options::parse(&args).is_err(), "{bad:?}");
        }
        assert_eq!(today().len(), "2026-12-03".len());
    }
}
