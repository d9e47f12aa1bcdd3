//! A JSON Schema (draft 2020-12) applied to a part of the spec's YAML, with the first error
//! it finds located by its spec path.
//!
//! Only the keywords the generator's own schemas use are read (`KEYWORDS`); a schema with any
//! other is refused when it is applied, so that no keyword is silently left unchecked. The
//! schemas are checked in under `codegen/schemas/`, and their tests apply them to good and bad
//! specs.

use serde_json::Value as Schema;
use serde_yaml::Value;

use crate::error::{Problem, SpecPath};

/// The keywords read. Annotations (`title`, `description`, ...) are read as such: they say
/// nothing of the instance.
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "$comment",
    "title",
    "description",
    "type",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "minLength",
    "minimum",
    "maximum",
    "oneOf",
];

/// Applies `schema` (the root of a schema document, whose `$ref`s point into its `$defs`)
/// to `instance`, found at `path` in the spec.
///
/// # Errors
///
/// The first place where `instance` does not match, with what is wrong there.
pub(crate) fn apply(schema: &Schema, instance: &Value, path: &SpecPath) -> Result<(), Problem> {
    Applier { root: schema }.apply(schema, instance, path)
}

struct Applier<'s> {
    root: &'s Schema,
}

impl<'s> Applier<'s> {
    fn apply(&self, schema: &'s Schema, instance: &Value, path: &SpecPath) -> Result<(), Problem> {
        let Some(keywords) = schema.as_object() else {
            return Err(self.broken(path, "a schema that is not an object"));
        };
        if let Some(unknown) = keywords
            .keys()
            .find(|key| !KEYWORDS.contains(&key.as_str()))
        {
            return Err(self.broken(
                path,
                &format!("the keyword `{unknown}`, which it cannot apply"),
            ));
        }
        let instance = untagged(instance);
        if let Some(reference) = keywords.get("$ref") {
            let target = reference
                .as_str()
                .and_then(|reference| reference.strip_prefix("#/$defs/"))
                .and_then(|name| self.root.get("$defs")?.get(name));
            match target {
                Some(target) => self.apply(target, instance, path)?,
                None => return Err(self.broken(path, &format!("the `$ref` {reference}"))),
            }
        }
        if let Some(wanted) = keywords.get("type").and_then(Schema::as_str)
            && !has_type(instance, wanted)
        {
            return Err(Problem::new(
                path,
                format!("must be {}, not {}", a(wanted), kind(instance)),
            ));
        }
        if let Some(Schema::Array(allowed)) = keywords.get("enum")
            && !allowed.iter().any(|value| same(value, instance))
        {
            let names: Vec<String> = allowed.iter().map(shown).collect();
            return Err(Problem::new(
                path,
                match instance {
                    Value::String(text) => format!(
                        "unsupported value `{text}`; supported: {}",
                        names.join(", ")
                    ),
                    _ => format!(
                        "must be one of {}, not {}",
                        names.join(", "),
                        kind(instance)
                    ),
                },
            ));
        }
        if let Some(branches) = keywords.get("oneOf").and_then(Schema::as_array) {
            self.one_of(branches, instance, path)?;
        }
        match instance {
            Value::Mapping(mapping) => self.object(keywords, mapping, path),
            Value::Sequence(items) => self.array(keywords, items, path),
            Value::String(text) => {
                let min = keywords.get("minLength").and_then(Schema::as_u64);
                if min.is_some_and(|min| (text.chars().count() as u64) < min) {
                    return Err(Problem::new(path, "must not be empty"));
                }
                Ok(())
            }
            Value::Number(number) => {
                let (min, max) = (
                    keywords.get("minimum").and_then(Schema::as_i64),
                    keywords.get("maximum").and_then(Schema::as_u64),
                );
                let below = min.is_some_and(|min| number.as_i64().is_some_and(|n| n < min));
                let above = max.is_some_and(|max| number.as_u64().is_some_and(|n| n > max));
                if below || above {
                    let range = match (min, max) {
                        (Some(min), Some(max)) => format!("from {min} to {max}"),
                        (Some(min), None) => format!("at least {min}"),
                        (None, Some(max)) => format!("at most {max}"),
                        (None, None) => String::new(),
                    };
                    return Err(Problem::new(path, format!("must be {range}, not {number}")));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn object(
        &self,
        keywords: &'s serde_json::Map<String, Schema>,
        mapping: &serde_yaml::Mapping,
        path: &SpecPath,
    ) -> Result<(), Problem> {
        let properties = keywords.get("properties").and_then(Schema::as_object);
        for name in keywords
            .get("required")
            .and_then(Schema::as_array)
            .into_iter()
            .flatten()
            .filter_map(Schema::as_str)
        {
            if !mapping.contains_key(name) {
                let what = properties
                    .and_then(|properties| properties.get(name)?.get("description")?.as_str())
                    .map(|description| format!(" ({})", first_sentence(description)))
                    .unwrap_or_default();
                return Err(Problem::new(
                    path,
                    format!("missing property `{name}`{what}"),
                ));
            }
        }
        for (key, value) in mapping {
            let Some(key) = untagged(key).as_str() else {
                return Err(Problem::new(path, "a property's name must be a string"));
            };
            let at = path.key(key);
            match properties.and_then(|properties| properties.get(key)) {
                Some(property) => self.apply(property, value, &at)?,
                None => match keywords.get("additionalProperties") {
                    Some(Schema::Bool(false)) => {
                        let known: Vec<&str> = properties
                            .map(|properties| properties.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        return Err(Problem::new(
                            &at,
                            format!("unknown property `{key}`; known: {}", known.join(", ")),
                        ));
                    }
                    Some(additional @ Schema::Object(_)) => self.apply(additional, value, &at)?,
                    _ => {}
                },
            }
        }
        Ok(())
    }

    fn array(
        &self,
        keywords: &'s serde_json::Map<String, Schema>,
        items: &[Value],
        path: &SpecPath,
    ) -> Result<(), Problem> {
        if let Some(min) = keywords.get("minItems").and_then(Schema::as_u64)
            && (items.len() as u64) < min
        {
            return Err(Problem::new(
                path,
                format!("must have at least {min} item(s), not {}", items.len()),
            ));
        }
        if let Some(item_schema) = keywords.get("items") {
            for (index, item) in items.iter().enumerate() {
                self.apply(item_schema, item, &path.index(index))?;
            }
        }
        Ok(())
    }

    /// Exactly one branch must match. When none does, the error is the one of the branch
    /// made for the instance's kind (a string for a branch of `enum` strings or
    /// `type: string`, a mapping for `type: object`), else a list of what would do.
    fn one_of(
        &self,
        branches: &'s [Schema],
        instance: &Value,
        path: &SpecPath,
    ) -> Result<(), Problem> {
        let results: Vec<Result<(), Problem>> = branches
            .iter()
            .map(|branch| self.apply(branch, instance, path))
            .collect();
        match results.iter().filter(|result| result.is_ok()).count() {
            1 => return Ok(()),
            0 => {}
            _ => return Err(Problem::new(path, "matches more than one of its forms")),
        }
        let for_kind = branches.iter().zip(results).find(|(branch, _)| {
            branch_kind(branch).is_some_and(|wanted| has_type(instance, wanted))
        });
        if let Some((_, Err(problem))) = for_kind {
            return Err(problem);
        }
        let forms: Vec<String> = branches.iter().map(describe).collect();
        Err(Problem::new(
            path,
            format!("must be {}, not {}", forms.join(", or "), kind(instance)),
        ))
    }

    /// A fault of the schema's own, which its tests catch before any spec meets it.
    fn broken(&self, path: &SpecPath, what: &str) -> Problem {
        Problem::new(
            path,
            format!("the generator's schema for this has {what}: a bug of the generator's"),
        )
    }
}

/// The value under a YAML tag (`!tag value`).
fn untagged(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untagged(&tagged.value),
        other => other,
    }
}

/// Whether `value` is of the JSON Schema type `wanted`.
fn has_type(value: &Value, wanted: &str) -> bool {
    match (wanted, untagged(value)) {
        ("object", Value::Mapping(_)) | ("array", Value::Sequence(_)) => true,
        ("string", Value::String(_)) | ("boolean", Value::Bool(_)) | ("null", Value::Null) => true,
        ("integer", Value::Number(number)) => number.is_i64() || number.is_u64(),
        ("number", Value::Number(_)) => true,
        _ => false,
    }
}

/// The type a `oneOf` branch is made for: its `type`, or the type of its `enum`'s values.
fn branch_kind(branch: &Schema) -> Option<&str> {
    if let Some(wanted) = branch.get("type").and_then(Schema::as_str) {
        return Some(wanted);
    }
    let values = branch.get("enum")?.as_array()?;
    values.iter().all(Schema::is_string).then_some("string")
}

/// A branch in words: `one of body, method` or `a mapping with `text``.
fn describe(branch: &Schema) -> String {
    if let Some(values) = branch.get("enum").and_then(Schema::as_array) {
        let names: Vec<String> = values.iter().map(shown).collect();
        return format!("one of {}", names.join(", "));
    }
    let required: Vec<String> = branch
        .get("required")
        .and_then(Schema::as_array)
        .into_iter()
        .flatten()
        .map(|name| format!("`{}`", name.as_str().unwrap_or_default()))
        .collect();
    match branch.get("type").and_then(Schema::as_str) {
        Some("object") if !required.is_empty() => {
            format!("a mapping with {}", required.join(" and "))
        }
        Some(wanted) => a(wanted),
        None => "another form".to_owned(),
    }
}

/// Whether the YAML `value` is the JSON `wanted`, for `enum`.
fn same(wanted: &Schema, value: &Value) -> bool {
    match (wanted, untagged(value)) {
        (Schema::String(wanted), Value::String(value)) => wanted == value,
        (Schema::Bool(wanted), Value::Bool(value)) => wanted == value,
        (Schema::Null, Value::Null) => true,
        (Schema::Number(wanted), Value::Number(value)) => {
            wanted.as_i64().is_some_and(|n| value.as_i64() == Some(n))
                || wanted.as_u64().is_some_and(|n| value.as_u64() == Some(n))
        }
        _ => false,
    }
}

/// An `enum` value as a message shows it: strings bare.
fn shown(value: &Schema) -> String {
    match value {
        Schema::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A JSON Schema type in words, with its article.
fn a(wanted: &str) -> String {
    match wanted {
        "object" => "a mapping".to_owned(),
        "array" => "a list".to_owned(),
        "integer" => "an integer".to_owned(),
        other => format!("a {other}"),
    }
}

/// What a YAML value is, in words.
fn kind(value: &Value) -> &'static str {
    match untagged(value) {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(number) if number.is_f64() => "a fraction",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A description's first sentence, for a message.
fn first_sentence(description: &str) -> &str {
    description
        .split_once(". ")
        .map_or(description, |(first, _)| first)
        .trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(schema: &str, yaml: &str) -> Result<(), String> {
        let schema: Schema = serde_json::from_str(schema).unwrap();
        let instance: Value = serde_yaml::from_str(yaml).unwrap();
        apply(&schema, &instance, &SpecPath::root().key("x"))
            .map_err(|problem| format!("{}: {}", problem.path, problem.message))
    }

    const PARTS: &str = r##"{
        "type": "object",
        "required": ["parts"],
        "additionalProperties": false,
        "properties": {
            "parts": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/part"}},
            "skew": {"description": "The skew. More.", "type": "integer", "minimum": 0, "maximum": 10}
        },
        "$defs": {
            "part": {"oneOf": [
                {"enum": ["body", "method"]},
                {"type": "object", "required": ["text"], "additionalProperties": false,
                 "properties": {"text": {"type": "string", "minLength": 1}}}
            ]}
        }
    }"##;

    #[test]
    fn each_keyword_finds_its_fault_at_its_place() {
        assert_eq!(check(PARTS, "parts: [body, {text: '-'}]\nskew: 3"), Ok(()));
        for (yaml, error) in [
            ("{}", "x: missing property `parts`"),
            ("[]", "x: must be a mapping, not a list"),
            ("parts: []", "x.parts: must have at least 1 item(s), not 0"),
            (
                "parts: [body, bdy]",
                "x.parts[1]: unsupported value `bdy`; supported: body, method",
            ),
            ("parts: [{text: ''}]", "x.parts[0].text: must not be empty"),
            ("parts: [{txt: a}]", "x.parts[0]: missing property `text`"),
            (
                "parts: [3]",
                "x.parts[0]: must be one of body, method, or a mapping with `text`, not an integer",
            ),
            (
                "parts: [body]\nskew: 11",
                "x.skew: must be from 0 to 10, not 11",
            ),
            (
                "parts: [body]\nskew: -1",
                "x.skew: must be from 0 to 10, not -1",
            ),
            (
                "parts: [body]\nskew: 1.5",
                "x.skew: must be an integer, not a fraction",
            ),
            (
                "parts: [body]\nskw: 1",
                "x.skw: unknown property `skw`; known: parts, skew",
            ),
        ] {
            assert_eq!(check(PARTS, yaml), Err(error.to_owned()), "{yaml}");
        }
    }

    #[test]
    fn a_missing_property_is_named_with_its_description() {
        let schema =
            r#"{"required": ["skew"], "properties": {"skew": {"description": "The skew. More."}}}"#;
        assert_eq!(
            check(schema, "{}"),
            Err("x: missing property `skew` (The skew)".to_owned())
        );
    }

    #[test]
    fn a_schema_with_a_keyword_it_cannot_apply_is_refused() {
        let error = check(r#"{"pattern": "^a"}"#, "a").unwrap_err();
        assert!(error.contains("the keyword `pattern`"), "{error}");
        let error = check(r##"{"$ref": "#/$defs/none"}"##, "a").unwrap_err();
        assert!(error.contains("`$ref`"), "{error}");
    }

    #[test]
    fn the_bounds_of_minimum_maximum_and_min_length_are_allowed() {
        assert_eq!(check(PARTS, "parts: [body]\nskew: 0"), Ok(()));
        assert_eq!(check(PARTS, "parts: [body]\nskew: 10"), Ok(()));
        // `minLength: 1`: one character is enough.
        assert_eq!(check(PARTS, "parts: [{text: a}]"), Ok(()));
    }

    #[test]
    fn an_enum_of_numbers_allows_only_its_numbers() {
        let schema = r#"{"enum": [1, 18446744073709551615]}"#;
        assert_eq!(check(schema, "1"), Ok(()));
        assert_eq!(check(schema, "18446744073709551615"), Ok(()));
        for other in ["2", "18446744073709551614", "'1'"] {
            assert!(check(schema, other).is_err(), "{other} is allowed");
        }
    }

    #[test]
    fn an_enum_of_a_boolean_and_null_allows_only_those() {
        let schema = r#"{"enum": [true, null]}"#;
        assert_eq!(check(schema, "true"), Ok(()));
        assert_eq!(check(schema, "null"), Ok(()));
        for other in ["false", "'true'", "0"] {
            assert!(check(schema, other).is_err(), "{other} is allowed");
        }
    }

    #[test]
    fn additional_properties_with_a_schema_applies_it_to_each_unnamed_property() {
        let schema = r#"{"type": "object", "properties": {"a": {"type": "string"}},
            "additionalProperties": {"type": "number"}}"#;
        assert_eq!(check(schema, "{a: x, b: 1.5, c: 2}"), Ok(()));
        assert_eq!(
            check(schema, "{a: x, b: y}"),
            Err("x.b: must be a number, not a string".to_owned())
        );
    }
}
