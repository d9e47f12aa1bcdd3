//! What a spec edit changes in the generated crate's public API, classified as the Cargo
//! SemVer reference does (<https://doc.rust-lang.org/cargo/reference/semver.html>), and what
//! that asks of the crate's version.
//!
//! Worked out from two checked models, not from the generated text: [`surface`] lists the
//! public items each model generates, and [`between`] compares the two lists item by item.
//! [`changelog`] writes the result into the crate's `CHANGELOG.md`.

pub mod changelog;
mod surface;
mod version;

use std::collections::HashMap;
use std::fmt;

use crate::model::Api;
use surface::{Item, Kind};

pub use version::lowest_allowed;

/// The file in a generated crate's folder that holds the spec of its last release: what
/// [`Unreleased`] compares the spec with. Written by `cargo xtask release`; not packaged.
pub const RELEASED_SPEC_FILE: &str = "released-spec.yaml";

/// How much a change breaks, in the Cargo SemVer reference's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Nothing that compiles against the crate can tell: docs, what goes on the wire.
    Patch,
    /// Something new; code that compiled still compiles.
    Minor,
    /// Code that compiled against the crate may no longer compile.
    Major,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Patch => "patch",
            Class::Minor => "minor",
            Class::Major => "major",
        })
    }
}

/// One change to the public API, with the spec path behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiChange {
    pub class: Class,
    /// What changed, in Rust terms: ``field `types::Widget::name` removed``.
    pub what: String,
    /// Why the class is what it is, when the change alone does not say.
    pub why: Option<String>,
    /// Where in the spec (the new one; the old one for a removal).
    pub spec_path: String,
}

impl ApiChange {
    /// The change without its class: what a changelog lists under the class's heading.
    pub fn description(&self) -> String {
        match &self.why {
            Some(why) => format!("{}, {why} (spec: {})", self.what, self.spec_path),
            None => format!("{} (spec: {})", self.what, self.spec_path),
        }
    }
}

impl fmt::Display for ApiChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.description())
    }
}

/// The changes from `old`'s public API to `new`'s, most breaking first.
pub fn between(old: &Api, new: &Api) -> Vec<ApiChange> {
    let old_items = surface::of(old);
    let new_items = surface::of(new);
    let old_by_path: HashMap<&str, &Item> = index(&old_items);
    let new_by_path: HashMap<&str, &Item> = index(&new_items);
    // A struct that comes or goes is one change, not one more per field.
    let with_parent_in = |item: &Item, other: &HashMap<&str, &Item>| {
        item.parent
            .as_deref()
            .is_some_and(|parent| !other.contains_key(parent))
    };

    let mut changes = Vec::new();
    for item in &old_items {
        match new_by_path.get(item.path.as_str()) {
            None if with_parent_in(item, &new_by_path) => {}
            None => changes.push(ApiChange {
                class: Class::Major,
                what: format!("{} removed", item.name()),
                why: None,
                spec_path: item.spec_path.clone(),
            }),
            Some(new_item) => changes.extend(changed(item, new_item)),
        }
    }
    for item in &new_items {
        if !old_by_path.contains_key(item.path.as_str()) && !with_parent_in(item, &old_by_path) {
            changes.push(added(item));
        }
    }
    if changes.is_empty() && generates_differently(old, new) {
        changes.push(ApiChange {
            class: Class::Patch,
            what: "the generated code changes, though no public item does".to_owned(),
            why: None,
            spec_path: "(document root)".to_owned(),
        });
    }
    changes.sort_by_key(|change| std::cmp::Reverse(change.class));
    changes
}

/// The release the changes need: the class of the most breaking one; `None` for no change.
pub fn needed(changes: &[ApiChange]) -> Option<Class> {
    changes.iter().map(|change| change.class).max()
}

fn index(items: &[Item]) -> HashMap<&str, &Item> {
    items
        .iter()
        .map(|item| (item.path.as_str(), item))
        .collect()
}

fn added(item: &Item) -> ApiChange {
    // Adding a field or variant to a struct or enum that code may build or match
    // exhaustively is major; generated ones are `#[non_exhaustive]`, so outside code cannot.
    let why = match (item.kind, &item.parent) {
        (Kind::Field | Kind::Variant, Some(holder)) => {
            Some(format!("as `{holder}` is #[non_exhaustive]"))
        }
        _ => None,
    };
    ApiChange {
        class: Class::Minor,
        what: format!("{} added", item.name()),
        why,
        spec_path: item.spec_path.clone(),
    }
}

/// What changed in an item both APIs have: its signature (major), its deprecation (minor,
/// as the Cargo reference classes a new deprecation), its wire meaning or docs (patch).
fn changed(old: &Item, new: &Item) -> Vec<ApiChange> {
    let change = |class, what: String| ApiChange {
        class,
        what,
        why: None,
        spec_path: new.spec_path.clone(),
    };
    let name = new.name();
    if old.signature != new.signature || old.kind != new.kind {
        return vec![change(
            Class::Major,
            format!(
                "{name} changed from `{}` to `{}`",
                old.signature, new.signature
            ),
        )];
    }
    let mut changes = Vec::new();
    match (old.deprecated, new.deprecated) {
        (false, true) => changes.push(change(Class::Minor, format!("{name} deprecated"))),
        (true, false) => changes.push(change(Class::Patch, format!("{name} no longer deprecated"))),
        _ => {}
    }
    if old.wire != new.wire {
        changes.push(change(
            Class::Patch,
            format!(
                "{name} changes on the wire: {} becomes {}",
                old.wire, new.wire
            ),
        ));
    }
    if old.doc != new.doc {
        changes.push(change(Class::Patch, format!("docs of {name} changed")));
    }
    changes
}

/// Whether the two models generate different files, their versions aside: the safety net
/// for a difference that no item of the surface shows (an enum's values reordered).
fn generates_differently(old: &Api, new: &Api) -> bool {
    let files = |api: &Api| {
        let mut api = api.clone();
        api.package.version = semver::Version::new(0, 0, 0);
        crate::generate_from(&api, "spec").ok()
    };
    files(old) != files(new)
}

/// The public API changes since the last release, and what they ask of the crate's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreleased {
    /// The last release's version; `None` when no release is recorded.
    pub released: Option<semver::Version>,
    /// The version the spec gives (`x-rust-crate.version`).
    pub version: semver::Version,
    pub changes: Vec<ApiChange>,
}

impl Unreleased {
    /// Compares `current` with the model of the last release's spec (`None`: no release yet).
    pub fn new(released: Option<&Api>, current: &Api) -> Self {
        Unreleased {
            released: released.map(|api| api.package.version.clone()),
            version: current.package.version.clone(),
            changes: released.map_or_else(Vec::new, |api| between(api, current)),
        }
    }

    /// The class of release the changes need; `None` when there is none.
    pub fn needed(&self) -> Option<Class> {
        needed(&self.changes)
    }

    /// Why the spec's version cannot be released after these changes, if it cannot.
    pub fn version_problem(&self) -> Option<String> {
        let released = self.released.as_ref()?;
        let needed = self.needed();
        if version::allows(released, &self.version, needed) {
            return None;
        }
        Some(match needed {
            None => format!(
                "x-rust-crate.version {} is lower than the released {released}",
                self.version
            ),
            Some(class) => format!(
                "x-rust-crate.version {} is too low: the changes since release {released} are \
                 {class}, so the next release must be {} or later",
                self.version,
                lowest_allowed(released, class)
            ),
        })
    }
}
