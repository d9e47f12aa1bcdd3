//! The API change report (`codegen::changes`) against a corpus of spec edits whose SemVer
//! class is known (`tests/api-changes/scenarios.yaml`).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde::Deserialize;
use serde_yaml::Value;

const BASE_SPEC: &str = "tests/specs/ok/paged-and-webhooks.yaml";
const SCENARIOS: &str = "tests/api-changes/scenarios.yaml";
const CLASSES: [&str; 3] = ["patch", "minor", "major"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    /// `patch`, `minor` or `major`.
    expect: String,
    why: String,
    #[serde(default)]
    old: Vec<Edit>,
    #[serde(default)]
    new: Vec<Edit>,
}

/// `set: [keys]` with `value:`, or `remove: [keys]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    set: Option<Vec<String>>,
    remove: Option<Vec<String>>,
    value: Option<Value>,
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scenarios() -> Vec<Scenario> {
    let text = fs::read_to_string(manifest_dir().join(SCENARIOS)).expect("scenarios are readable");
    serde_yaml::from_str(&text).unwrap_or_else(|error| panic!("{SCENARIOS}: {error}"))
}

fn base_spec() -> Value {
    let text = fs::read_to_string(manifest_dir().join(BASE_SPEC)).expect("base spec is readable");
    serde_yaml::from_str(&text).expect("the base spec is YAML")
}

/// Applies `edits` to `spec`; an error names the edit's path and what is missing there.
fn apply(spec: &mut Value, edits: &[Edit]) -> Result<(), String> {
    for edit in edits {
        match (&edit.set, &edit.remove, &edit.value) {
            (Some(path), None, Some(value)) => set(spec, path, value.clone())?,
            (None, Some(path), None) => remove(spec, path)?,
            _ => {
                return Err(format!(
                    "{edit:?} is neither `set` with a `value` nor `remove`"
                ));
            }
        }
    }
    Ok(())
}

/// Inserts or replaces the last key of `path` in the mapping the keys before it lead to.
fn set(spec: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let (key, parent) = path.split_last().ok_or("`set` needs a path")?;
    parent_mapping(spec, parent)?.insert(Value::from(key.as_str()), value);
    Ok(())
}

/// Deletes the last key of `path`, which must exist.
fn remove(spec: &mut Value, path: &[String]) -> Result<(), String> {
    let (key, parent) = path.split_last().ok_or("`remove` needs a path")?;
    parent_mapping(spec, parent)?
        .shift_remove(key.as_str())
        .map(drop)
        .ok_or_else(|| format!("no key {path:?}"))
}

/// The mapping `path` leads to; every key on the way must exist.
fn parent_mapping<'a>(
    spec: &'a mut Value,
    path: &[String],
) -> Result<&'a mut serde_yaml::Mapping, String> {
    let mut node = spec;
    for (depth, key) in path.iter().enumerate() {
        node = node
            .get_mut(key.as_str())
            .ok_or_else(|| format!("no key {:?}", &path[..=depth]))?;
    }
    node.as_mapping_mut()
        .ok_or_else(|| format!("{path:?} is not a mapping"))
}

/// The old and new spec texts of a scenario.
fn specs(base: &Value, scenario: &Scenario) -> (String, String) {
    let edited = |spec: &mut Value, edits: &[Edit], side: &str| {
        apply(spec, edits)
            .unwrap_or_else(|error| panic!("scenario {} ({side} edits): {error}", scenario.name));
    };
    let mut old = base.clone();
    edited(&mut old, &scenario.old, "old");
    let mut new = old.clone();
    edited(&mut new, &scenario.new, "new");
    let text = |spec: &Value| serde_yaml::to_string(spec).expect("a YAML value serializes");
    (text(&old), text(&new))
}

fn load(spec: &str, name: &str) -> codegen::model::Api {
    codegen::load(spec, name).unwrap_or_else(|error| panic!("{error}"))
}

/// The class `codegen::changes` gives a scenario (`none` for no change), and its change lines.
fn report(scenario: &Scenario, old: &str, new: &str) -> (String, Vec<String>) {
    let old = load(old, &format!("{} (old)", scenario.name));
    let new = load(new, &format!("{} (new)", scenario.name));
    let changes = codegen::changes::between(&old, &new);
    let class = codegen::changes::needed(&changes).map_or("none".to_owned(), |c| c.to_string());
    (class, changes.iter().map(ToString::to_string).collect())
}

#[test]
fn a_path_that_does_not_exist_is_an_error() {
    let mut spec = base_spec();
    let path = |keys: &[&str]| keys.iter().map(|key| key.to_string()).collect::<Vec<_>>();
    let typo = path(&["components", "schemas", "Widgte", "description"]);
    assert_eq!(
        set(&mut spec, &typo, Value::from("x")),
        Err(r#"no key ["components", "schemas", "Widgte"]"#.to_owned())
    );
    let missing = path(&["components", "schemas", "Widget", "colour"]);
    assert_eq!(
        remove(&mut spec, &missing),
        Err(r#"no key ["components", "schemas", "Widget", "colour"]"#.to_owned())
    );
    assert_eq!(spec, base_spec(), "a failed edit changes nothing");
}

#[test]
fn every_scenario_changes_the_generated_crate() {
    let base = base_spec();
    let mut names = BTreeSet::new();
    for scenario in scenarios() {
        let name = &scenario.name;
        assert!(names.insert(name.clone()), "two scenarios are named {name}");
        assert!(
            !name.is_empty()
                && name.split('-').all(|word| {
                    !word.is_empty()
                        && word
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                }),
            "scenario name {name:?} is not kebab-case"
        );
        assert!(
            CLASSES.contains(&scenario.expect.as_str()),
            "scenario {name} expects {:?}, not one of {CLASSES:?}",
            scenario.expect
        );
        assert!(
            !scenario.why.is_empty() && !scenario.why.contains('\n'),
            "scenario {name} needs a one-line `why`"
        );

        let (old, new) = specs(&base, &scenario);
        let generate = |spec: &str, side: &str| {
            codegen::generate(spec, &format!("{name} ({side})"))
                .unwrap_or_else(|error| panic!("{error}"))
        };
        assert_ne!(
            generate(&old, "old"),
            generate(&new, "new"),
            "scenario {name}: the old and new specs generate the same crate"
        );
    }
}

#[test]
fn the_report_classes_every_scenario_as_expected() {
    let base = base_spec();
    let mut failures = Vec::new();
    for scenario in scenarios() {
        let (old, new) = specs(&base, &scenario);
        let (class, lines) = report(&scenario, &old, &new);
        if class != scenario.expect {
            failures.push(format!(
                "{}: expected {} ({}), the report says {class}:\n{}",
                scenario.name,
                scenario.expect,
                scenario.why,
                lines
                    .iter()
                    .map(|line| format!("    {line}\n"))
                    .collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
