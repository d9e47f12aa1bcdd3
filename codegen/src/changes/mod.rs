//! What a spec edit changes in the generated crate's public API, classified as the Cargo
//! SemVer reference does (<https://doc.rust-lang.org/cargo/reference/semver.html>), and what
//! that asks of the crate's version.
//!
//! Worked out from the code each spec generates: [`surface`] walks the items of the crate the
//! emitters make (public ones by the paths users write, with the spec paths the emitters
//! recorded), and [`between`] compares the two lists item by item. [`changelog`] writes the
//! result into the crate's `CHANGELOG.md`.

pub mod changelog;
mod surface;
mod version;

use std::collections::HashMap;
use std::fmt;

use crate::emit::CrateCode;
use crate::model::Api;
use surface::{Item, Kind};

pub use version::lowest_allowed;

pub use crate::emit::RELEASED_SPEC_FILE;

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

/// What [`between`] says when the two crates differ but no item does: a gap in the walk of
/// the code, which the tests make sure is never reached.
pub const UNEXPLAINED: &str = "the generated code changes, though no item of it does";

/// The changes from `old`'s public API to `new`'s, most breaking first.
pub fn between(old: &Api, new: &Api) -> Vec<ApiChange> {
    // One model makes one crate: when the two are alike, their version aside, nothing changed.
    if same_model(old, new) {
        return Vec::new();
    }
    match (code(old), code(new)) {
        (Ok(old), Ok(new)) => between_code(old, new),
        // The specs checked, so both generate; were one not to, nothing could be compared.
        (Err(error), _) | (_, Err(error)) => vec![ApiChange {
            class: Class::Major,
            what: format!("the crate cannot be generated to compare: {error}"),
            why: None,
            spec_path: "(document root)".to_owned(),
        }],
    }
}

fn same_model(old: &Api, new: &Api) -> bool {
    format!("{:?}", unversioned(old)) == format!("{:?}", unversioned(new))
}

/// The crate `api` generates, its version aside: a release changes it, not the API.
fn code(api: &Api) -> Result<CrateCode, String> {
    crate::emit::crate_code(&unversioned(api), "spec")
}

/// `api` with version 0.0.0.
fn unversioned(api: &Api) -> Api {
    let mut api = api.clone();
    api.package.version = semver::Version::new(0, 0, 0);
    api
}

/// The changes from the items of `old` to those of `new`, most breaking first.
pub fn between_code(old: CrateCode, new: CrateCode) -> Vec<ApiChange> {
    let old_items = surface::of(&old);
    let new_items = surface::of(&new);
    let old_by_key: HashMap<Key<'_>, &Item> = index(&old_items);
    let new_by_key: HashMap<Key<'_>, &Item> = index(&new_items);
    // A struct that comes or goes is one change, not one more per field.
    let with_parent_in = |item: &Item, other: &HashMap<Key<'_>, &Item>| {
        item.parent.as_deref().is_some_and(|parent| {
            !other
                .keys()
                .any(|(path, public, _)| *path == parent && *public == item.public)
        })
    };

    let mut found = Vec::new();
    for item in &old_items {
        match new_by_key.get(&key(item)) {
            None if with_parent_in(item, &new_by_key) => {}
            None => found.push(Found::of(
                item,
                !item.public,
                true,
                ApiChange {
                    class: if item.public {
                        Class::Major
                    } else {
                        Class::Patch
                    },
                    what: format!("{} removed", item.name()),
                    why: None,
                    spec_path: item.spec_path.clone(),
                },
            )),
            Some(new_item) => found.extend(changed(item, new_item)),
        }
    }
    for item in &new_items {
        if !old_by_key.contains_key(&key(item)) && !with_parent_in(item, &old_by_key) {
            found.push(Found::of(item, !item.public, true, added(item)));
        }
    }
    let mut changes = without_consequences(found);
    // A change of tests only (the spec's signed example, say) changes nothing the crate offers.
    if changes.is_empty() && old.without_tests().into_files() != new.without_tests().into_files() {
        changes.push(ApiChange {
            class: Class::Patch,
            what: UNEXPLAINED.to_owned(),
            why: None,
            spec_path: "(document root)".to_owned(),
        });
    }
    changes.sort_by_key(|change| std::cmp::Reverse(change.class));
    changes
}

/// A change, with the type it concerns and whether it only says the code changed.
struct Found {
    change: ApiChange,
    /// The path of the type the item is, or is a member of (a trait impl's type).
    family: String,
    /// A change of what the item does, or of a crate-private item: a consequence, when a
    /// change of its family says more.
    code_only: bool,
    /// An item added or removed, or its signature changed.
    structural: bool,
}

impl Found {
    fn of(item: &Item, code_only: bool, structural: bool, change: ApiChange) -> Self {
        Found {
            change,
            family: item.parent.clone().unwrap_or_else(|| item.path.clone()),
            code_only,
            structural,
        }
    }
}

/// The changes, but the code-only ones that another change explains: one of the same family
/// (a constructor's body changes with its struct's fields), or an item that comes, goes or
/// changes its signature under the spec path the code comes from (the contract's list of
/// operations changes with an operation).
fn without_consequences(found: Vec<Found>) -> Vec<ApiChange> {
    let related = |a: &str, b: &str, separator: &str| {
        a == b
            || a.starts_with(&format!("{b}{separator}"))
            || b.starts_with(&format!("{a}{separator}"))
    };
    let explained = |entry: &Found| {
        found.iter().any(|other| {
            !other.code_only
                && (related(&other.family, &entry.family, "::")
                    || (other.structural
                        && other
                            .change
                            .spec_path
                            .starts_with(&format!("{}.", entry.change.spec_path))))
        })
    };
    found
        .iter()
        .filter(|entry| !(entry.code_only && explained(entry)))
        .map(|entry| entry.change.clone())
        .collect()
}

/// The public API of the crate `api` generates, one line per item: what it is, its signature
/// and the spec path it comes from. Its version aside, as [`between`] compares it.
pub fn public_api(api: &Api) -> Result<Vec<String>, String> {
    let items = surface::of(&code(api)?);
    Ok(items
        .iter()
        .filter(|item| item.public)
        .map(|item| match item.signature.as_str() {
            "" => format!("{} (spec: {})", item.name(), item.spec_path),
            signature => format!("{}: {signature} (spec: {})", item.name(), item.spec_path),
        })
        .collect())
}

/// The release the changes need: the class of the most breaking one; `None` for no change.
pub fn needed(changes: &[ApiChange]) -> Option<Class> {
    changes.iter().map(|change| change.class).max()
}

/// An item's identity: its path, whether it is public, and its namespace (a field and a
/// method may share a path).
type Key<'a> = (&'a str, bool, u8);

fn key(item: &Item) -> Key<'_> {
    (item.path.as_str(), item.public, item.kind.namespace())
}

fn index(items: &[Item]) -> HashMap<Key<'_>, &Item> {
    items.iter().map(|item| (key(item), item)).collect()
}

fn added(item: &Item) -> ApiChange {
    // Adding a field or variant to a struct or enum that code may build or match
    // exhaustively is major; generated ones are `#[non_exhaustive]`, so outside code cannot.
    let why = match (item.kind, &item.parent) {
        (Kind::Field | Kind::Variant, Some(holder)) if item.public => {
            Some(format!("as `{holder}` is #[non_exhaustive]"))
        }
        _ => None,
    };
    ApiChange {
        class: if item.public {
            Class::Minor
        } else {
            Class::Patch
        },
        what: format!("{} added", item.name()),
        why,
        spec_path: item.spec_path.clone(),
    }
}

/// What changed in an item both crates have: a public item's signature (major), its
/// deprecation (minor, as the Cargo reference classes a new deprecation), its docs, its wire
/// attributes or its code (patch); any change of a crate-private item (patch).
fn changed(old: &Item, new: &Item) -> Vec<Found> {
    // Only a changed signature is structural: it can explain a change of the code elsewhere.
    let found = |class, code_only: bool, structural: bool, what: String| {
        Found::of(
            new,
            code_only,
            structural,
            ApiChange {
                class,
                what,
                why: None,
                spec_path: new.spec_path.clone(),
            },
        )
    };
    let change = |class, code_only: bool, what: String| found(class, code_only, false, what);
    let name = new.name();
    if old.signature != new.signature || old.kind != new.kind {
        let class = if new.public {
            Class::Major
        } else {
            Class::Patch
        };
        let what = format!(
            "{name} changed from `{}` to `{}`",
            old.signature, new.signature
        );
        return vec![found(class, !new.public, true, what)];
    }
    let mut changes = Vec::new();
    match (old.deprecated, new.deprecated) {
        (false, true) => changes.push(change(Class::Minor, false, format!("{name} deprecated"))),
        (true, false) => changes.push(change(
            Class::Patch,
            false,
            format!("{name} no longer deprecated"),
        )),
        _ => {}
    }
    if old.wire != new.wire {
        let what = format!(
            "{name} changes on the wire: `{}` becomes `{}`",
            old.wire, new.wire
        );
        changes.push(change(Class::Patch, !new.public, what));
    }
    if old.doc != new.doc {
        let what = format!("docs of {name} changed");
        changes.push(change(Class::Patch, !new.public, what));
    }
    if old.code != new.code {
        // A constant's value says what changed, when it is short enough to read.
        let short = |value: &str| value.len() <= 400;
        let what = match new.kind {
            Kind::Constant | Kind::Static if short(&old.code) && short(&new.code) => {
                format!("{name} changes from `{}` to `{}`", old.code, new.code)
            }
            _ => format!("{name} changes in what it does"),
        };
        changes.push(change(Class::Patch, true, what));
    }
    changes
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> semver::Version {
        semver::Version::parse(text).expect("a version")
    }

    fn change(class: Class) -> ApiChange {
        ApiChange {
            class,
            what: "field `types::Widget::name` removed".to_owned(),
            why: None,
            spec_path: "components.schemas.Widget.properties.name".to_owned(),
        }
    }

    fn unreleased(released: Option<&str>, version: &str, classes: &[Class]) -> Unreleased {
        Unreleased {
            released: released.map(v),
            version: v(version),
            changes: classes.iter().copied().map(change).collect(),
        }
    }

    #[test]
    fn a_change_shows_its_class_first() {
        assert_eq!(
            change(Class::Major).to_string(),
            "major: field `types::Widget::name` removed \
             (spec: components.schemas.Widget.properties.name)"
        );
        let why = ApiChange {
            why: Some("as `types::Widget` is #[non_exhaustive]".to_owned()),
            class: Class::Minor,
            ..change(Class::Minor)
        };
        assert_eq!(
            why.to_string(),
            "minor: field `types::Widget::name` removed, as `types::Widget` is \
             #[non_exhaustive] (spec: components.schemas.Widget.properties.name)"
        );
    }

    #[test]
    fn the_release_needed_is_the_most_breaking_change() {
        assert_eq!(needed(&[]), None);
        let changes = [Class::Patch, Class::Major, Class::Minor].map(change);
        assert_eq!(needed(&changes), Some(Class::Major));
        let unreleased = unreleased(Some("1.2.3"), "1.3.0", &[Class::Patch, Class::Minor]);
        assert_eq!(unreleased.needed(), Some(Class::Minor));
    }

    #[test]
    fn a_version_too_low_for_the_changes_is_a_problem() {
        // A breaking change after 0.1.3 needs 0.2.0: 0.1.4 is refused, saying so.
        let problem = unreleased(Some("0.1.3"), "0.1.4", &[Class::Patch, Class::Major])
            .version_problem()
            .expect("0.1.4 is too low");
        assert_eq!(
            problem,
            "x-rust-crate.version 0.1.4 is too low: the changes since release 0.1.3 are major, \
             so the next release must be 0.2.0 or later"
        );
        assert_eq!(
            unreleased(Some("0.1.3"), "0.2.0", &[Class::Major]).version_problem(),
            None
        );
        // A minor change after 1.2.3 needs 1.3.0.
        assert!(
            unreleased(Some("1.2.3"), "1.2.4", &[Class::Minor])
                .version_problem()
                .is_some()
        );
        assert_eq!(
            unreleased(Some("1.2.3"), "1.3.0", &[Class::Minor]).version_problem(),
            None
        );
    }

    #[test]
    fn without_changes_only_a_version_below_the_release_is_a_problem() {
        assert_eq!(
            unreleased(Some("1.2.3"), "1.2.2", &[])
                .version_problem()
                .as_deref(),
            Some("x-rust-crate.version 1.2.2 is lower than the released 1.2.3")
        );
        assert_eq!(
            unreleased(Some("1.2.3"), "1.2.3", &[]).version_problem(),
            None
        );
        // With no release recorded, any version will do.
        assert_eq!(
            unreleased(None, "0.0.1", &[Class::Major]).version_problem(),
            None
        );
    }
}
