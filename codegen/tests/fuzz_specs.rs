//! Property tests: the generator never panics on a broken spec, and every error it gives
//! has a line and column.
//!
//! Inputs are mutations of the real spec (a node deleted or given another type, a line
//! repeated, the text cut short, random bytes inserted) and random small YAML trees built
//! from OpenAPI's words. `PROPTEST_CASES` sets the number of cases of each test (default 48,
//! a few seconds in all); the `fuzz/` crate runs the same check under cargo-fuzz.

use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;
use serde_yaml::{Mapping, Value};

const DEFAULT_CASES: u32 = 48;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig {
        cases,
        // Shrinking a failure of the whole pipeline can take long; the first one is shown.
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    }
}

static SPEC: LazyLock<String> = LazyLock::new(|| {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/customer-purse.yaml"))
        .expect("the spec is readable")
});

static SPEC_TREE: LazyLock<Value> =
    LazyLock::new(|| serde_yaml::from_str(&SPEC).expect("the spec is YAML"));

static SPEC_API: LazyLock<codegen::model::Api> =
    LazyLock::new(|| codegen::load(&SPEC, "spec.yaml").expect("the spec loads"));

/// The generator's answer to `bytes`: files (the client's and the tool's), or an error with a
/// position. Panics fail the case.
fn generate_checked(bytes: &[u8]) -> Result<(), TestCaseError> {
    // The client and, from the same model, the command-line tool.
    let result = codegen::spec_text(bytes, "fuzzed.yaml")
        .and_then(|text| codegen::load(text, "fuzzed.yaml"))
        .and_then(|api| {
            codegen::generate_from(&api, "fuzzed.yaml")?;
            codegen::generate_cli(&api, "fuzzed.yaml", "../client")?;
            Ok(api)
        });
    if let Ok(api) = &result {
        // Whatever the mutation changed, the API change report explains it item by item.
        let changes = codegen::changes::between(&SPEC_API, api);
        prop_assert!(
            !changes
                .iter()
                .any(|change| change.what == codegen::changes::UNEXPLAINED),
            "{:#?}",
            changes
        );
    }
    if let Err(error) = result {
        let shown = error.to_string();
        let Some(location) = error.location else {
            return Err(TestCaseError::fail(format!("no line:column in `{shown}`")));
        };
        prop_assert!(location.line >= 1 && location.column >= 1, "{}", shown);
        let prefix = format!("fuzzed.yaml:{}:{}: ", location.line, location.column);
        prop_assert!(shown.starts_with(&prefix), "{}", shown);
        prop_assert!(shown.len() > prefix.len(), "an empty message: {}", shown);
    }
    Ok(())
}

/// Every path to a node of `tree`, as the keys and indexes that lead to it.
fn node_paths(tree: &Value) -> Vec<Vec<Value>> {
    let mut paths = Vec::new();
    let mut stack = vec![(Vec::new(), tree)];
    while let Some((path, node)) = stack.pop() {
        match node {
            Value::Mapping(map) => {
                for (key, child) in map {
                    let mut child_path = path.clone();
                    child_path.push(key.clone());
                    stack.push((child_path, child));
                }
            }
            Value::Sequence(items) => {
                for (index, child) in items.iter().enumerate() {
                    let mut child_path = path.clone();
                    child_path.push(Value::from(index as u64));
                    stack.push((child_path, child));
                }
            }
            _ => {}
        }
        paths.push(path);
    }
    paths
}

static SPEC_PATHS: LazyLock<Vec<Vec<Value>>> = LazyLock::new(|| node_paths(&SPEC_TREE));

/// The node at `path`, and its parent.
fn parent_of<'t>(tree: &'t mut Value, path: &[Value]) -> Option<(&'t mut Value, Value)> {
    let (last, parents) = path.split_last()?;
    let mut node = tree;
    for step in parents {
        node = match (node, step) {
            (Value::Mapping(map), key) => map.get_mut(key)?,
            (Value::Sequence(items), Value::Number(index)) => {
                items.get_mut(usize::try_from(index.as_u64()?).ok()?)?
            }
            _ => return None,
        };
    }
    Some((node, last.clone()))
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    Replace(Value),
}

fn mutate(path: &[Value], mutation: &Mutation) -> String {
    let mut tree = SPEC_TREE.clone();
    match parent_of(&mut tree, path) {
        None => {
            if let Mutation::Replace(value) = mutation {
                tree = value.clone();
            }
        }
        Some((parent, last)) => match (parent, mutation) {
            (Value::Mapping(map), Mutation::Delete) => {
                map.remove(&last);
            }
            (Value::Mapping(map), Mutation::Replace(value)) => {
                map.insert(last, value.clone());
            }
            (Value::Sequence(items), mutation) => {
                let index = last.as_u64().and_then(|i| usize::try_from(i).ok());
                if let Some(index) = index.filter(|&i| i < items.len()) {
                    match mutation {
                        Mutation::Delete => {
                            items.remove(index);
                        }
                        Mutation::Replace(value) => items[index] = value.clone(),
                    }
                }
            }
            _ => {}
        },
    }
    serde_yaml::to_string(&tree).expect("a tree serializes")
}

/// Words the generator looks for, so that random trees reach past the first checks.
const WORDS: &[&str] = &[
    "openapi",
    "3.0.3",
    "info",
    "title",
    "version",
    "paths",
    "/a",
    "post",
    "operationId",
    "requestBody",
    "content",
    "application/json",
    "schema",
    "responses",
    "200",
    "default",
    "components",
    "schemas",
    "A",
    "type",
    "object",
    "string",
    "integer",
    "array",
    "items",
    "properties",
    "required",
    "enum",
    "$ref",
    "#/components/schemas/A",
    "allOf",
    "format",
    "uuid",
    "date-time",
    "nullable",
    "additionalProperties",
    "x-rust-crate",
    "name",
    "x-request-signing",
    "envelope",
    "x-pagination",
    "x-idempotent",
    "x-webhooks",
    "events",
    "x-enum-varnames",
    "<<",
    "",
    "self",
    "Self",
    "Result",
    "é",
    "😀",
    "2fa",
    "~1",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Sequence),
            prop::collection::vec((prop::sample::select(WORDS), inner), 0..6).prop_map(|entries| {
                let mut map = Mapping::new();
                for (key, value) in entries {
                    map.insert(Value::from(key), value);
                }
                Value::Mapping(map)
            }),
        ]
    })
}

fn node_path() -> impl Strategy<Value = Vec<Value>> {
    prop::sample::select(SPEC_PATHS.clone())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_node_deleted_or_given_another_type(
        path in node_path(),
        mutation in prop_oneof![
            Just(Mutation::Delete),
            scalar().prop_map(Mutation::Replace),
            tree().prop_map(Mutation::Replace),
        ],
    ) {
        generate_checked(mutate(&path, &mutation).as_bytes())?;
    }

    #[test]
    fn a_line_repeated(line in any::<prop::sample::Index>(), times in 1..3usize) {
        let lines: Vec<&str> = SPEC.lines().collect();
        let at = line.index(lines.len());
        let mut text = lines[..=at].join("\n");
        for _ in 0..times {
            text.push('\n');
            text.push_str(lines[at]);
        }
        text.push('\n');
        text.push_str(&lines[at + 1..].join("\n"));
        generate_checked(text.as_bytes())?;
    }

    #[test]
    fn the_text_cut_short(end in any::<prop::sample::Index>()) {
        let bytes = SPEC.as_bytes();
        generate_checked(&bytes[..end.index(bytes.len() + 1)])?;
    }

    #[test]
    fn random_bytes_inserted(
        at in any::<prop::sample::Index>(),
        inserted in prop::collection::vec(any::<u8>(), 1..8),
    ) {
        let mut bytes = SPEC.as_bytes().to_vec();
        let at = at.index(bytes.len() + 1);
        bytes.splice(at..at, inserted);
        generate_checked(&bytes)?;
    }

    #[test]
    fn a_random_small_yaml_tree(tree in tree()) {
        let text = serde_yaml::to_string(&tree).expect("a tree serializes");
        generate_checked(text.as_bytes())?;
    }
}
