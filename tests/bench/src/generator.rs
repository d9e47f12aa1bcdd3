//! The generator's cost: spec text to formatted files, on the real spec and on a synthetic one
//! ten times its size, to show how the cost grows with the spec.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_yaml::{Mapping, Value};

use crate::stats::median;

const SCHEMA_REF: &str = "#/components/schemas/";

/// The median time of `codegen::generate` over `runs` runs, and the number of files it made.
pub fn time_generate(spec: &str, runs: usize) -> Result<(Duration, usize), String> {
    let mut times = Vec::with_capacity(runs);
    let mut files = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let generated = codegen::generate(std::hint::black_box(spec), "bench.yaml")
            .map_err(|error| error.to_string())?;
        times.push(start.elapsed());
        files = generated.len();
    }
    Ok((median(&mut times), files))
}

/// The median time of `codegen::load` (YAML to the checked model) over `runs` runs: the part
/// of generating that comes before emitting and formatting.
pub fn time_load(spec: &str, runs: usize) -> Result<Duration, String> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        codegen::load(std::hint::black_box(spec), "bench.yaml")
            .map_err(|error| error.to_string())?;
        times.push(start.elapsed());
    }
    Ok(median(&mut times))
}

/// The spec with every operation and every schema it owns copied `times - 1` more times under
/// new names: the same style of spec, `times` as large. Schemas that the root extensions name
/// (signing and webhook envelopes, events) or that error answers use stay shared, as they
/// would in a real, larger API.
pub fn scaled_spec(spec: &str, times: usize) -> Result<String, String> {
    let mut document: Value = serde_yaml::from_str(spec).map_err(|error| error.to_string())?;
    let shared = shared_schemas(&document);
    let root = document
        .as_mapping_mut()
        .ok_or("the spec is not a mapping")?;

    let paths = mapping(root, "paths")?.clone();
    let mut all_paths = Mapping::new();
    for copy in 1..=times {
        for (path, item) in &paths {
            let path = path.as_str().ok_or("a path is not a string")?;
            let mut item = item.clone();
            rename(&mut item, copy, &shared);
            all_paths.insert(Value::from(copied_path(path, copy)), item);
        }
    }
    root.insert("paths".into(), Value::Mapping(all_paths));

    let components = root
        .get_mut("components")
        .and_then(Value::as_mapping_mut)
        .ok_or("the spec has no components")?;
    let schemas = mapping(components, "schemas")?.clone();
    let mut all_schemas = Mapping::new();
    for (name, schema) in &schemas {
        all_schemas.insert(name.clone(), schema.clone());
    }
    for copy in 2..=times {
        for (name, schema) in &schemas {
            let name = name.as_str().ok_or("a schema name is not a string")?;
            if shared.contains(name) {
                continue;
            }
            let mut schema = schema.clone();
            rename(&mut schema, copy, &shared);
            all_schemas.insert(Value::from(format!("{name}{copy}")), schema);
        }
    }
    components.insert("schemas".into(), Value::Mapping(all_schemas));
    serde_yaml::to_string(&document).map_err(|error| error.to_string())
}

fn mapping<'a>(parent: &'a Mapping, key: &str) -> Result<&'a Mapping, String> {
    parent
        .get(key)
        .and_then(Value::as_mapping)
        .ok_or_else(|| format!("the spec has no `{key}` mapping"))
}

/// `/api/v1/x/get` → `/api/v1/x/get` for the first copy, `/copy2/api/v1/x/get` for the second.
fn copied_path(path: &str, copy: usize) -> String {
    if copy == 1 {
        path.to_owned()
    } else {
        format!("/copy{copy}{path}")
    }
}

/// Schemas that stay shared between copies: those named anywhere in the root `x-` extensions
/// and those that answers other than 200 use (the API's one error body).
fn shared_schemas(document: &Value) -> BTreeSet<String> {
    let mut shared = BTreeSet::new();
    let Some(root) = document.as_mapping() else {
        return shared;
    };
    for (key, value) in root {
        if key.as_str().is_some_and(|key| key.starts_with("x-")) {
            collect_refs(value, &mut shared);
        }
    }
    if let Some(paths) = root.get("paths").and_then(Value::as_mapping) {
        for operation in paths.values().filter_map(Value::as_mapping) {
            for operation in operation.values().filter_map(Value::as_mapping) {
                let Some(responses) = operation.get("responses").and_then(Value::as_mapping) else {
                    continue;
                };
                for (status, response) in responses {
                    if status.as_str() != Some("200") {
                        collect_refs(response, &mut shared);
                    }
                }
            }
        }
    }
    // A shared schema's own references stay shared too.
    if let Some(schemas) = root
        .get("components")
        .and_then(|components| components.get("schemas"))
        .and_then(Value::as_mapping)
    {
        loop {
            let before = shared.len();
            for name in shared.clone() {
                if let Some(schema) = schemas.get(name.as_str()) {
                    collect_refs(schema, &mut shared);
                }
            }
            if shared.len() == before {
                break;
            }
        }
    }
    shared
}

/// Every schema name that `value` refers to, as a `$ref` or as a string naming a schema.
fn collect_refs(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            if let Some(name) = text.strip_prefix(SCHEMA_REF) {
                names.insert(name.to_owned());
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_refs(item, names)),
        Value::Mapping(entries) => entries.values().for_each(|item| collect_refs(item, names)),
        Value::Tagged(tagged) => collect_refs(&tagged.value, names),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Points `value`'s references at copy `copy` of each unshared schema, and gives its
/// operation ids the copy's number.
fn rename(value: &mut Value, copy: usize, shared: &BTreeSet<String>) {
    if copy == 1 {
        return;
    }
    match value {
        Value::String(text) => {
            if let Some(name) = text.strip_prefix(SCHEMA_REF)
                && !shared.contains(name)
            {
                *text = format!("{SCHEMA_REF}{name}{copy}");
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|item| rename(item, copy, shared)),
        Value::Mapping(entries) => {
            for (key, item) in entries.iter_mut() {
                match (key.as_str(), item) {
                    (Some("operationId"), Value::String(id)) => id.push_str(&copy.to_string()),
                    (_, item) => rename(item, copy, shared),
                }
            }
        }
        Value::Tagged(tagged) => rename(&mut tagged.value, copy, shared),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
