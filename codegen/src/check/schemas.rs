//! Schemas: resolves each schema to a Rust type, defining structs and open enums as it goes.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;

use super::{Result, SCHEMA_REF_PREFIX, Version, component_name};
use crate::error::{Problem, SpecPath};
use crate::model::{EnumDef, Field, RustType, StructDef, TypeDef, TypeKind, Variant};
use crate::naming::{RESERVED_TYPE_NAMES, camel_name, snake_name};
use crate::spec::{Schema, SchemaType};

/// Collects the named types (structs and enums) while resolving schemas to Rust types.
pub(crate) struct Types<'a> {
    schemas: &'a IndexMap<String, Schema>,
    /// The request envelope's component, if the spec has one.
    pub(crate) envelope: Option<&'a str>,
    /// The spec's OpenAPI version, which decides how null and single values are written.
    pub(crate) version: Version,
    /// Rust name → definition and the spec path it came from.
    defs: BTreeMap<String, (TypeDef, SpecPath)>,
    /// Components that are not a struct or enum (aliases), resolved once.
    aliases: HashMap<String, RustType>,
    /// Aliases being resolved, to report `$ref` loops.
    resolving: Vec<String>,
}

impl<'a> Types<'a> {
    pub(crate) fn new(
        schemas: &'a IndexMap<String, Schema>,
        envelope: Option<&'a str>,
        version: Version,
    ) -> Self {
        Types {
            schemas,
            envelope,
            version,
            defs: BTreeMap::new(),
            aliases: HashMap::new(),
            resolving: Vec::new(),
        }
    }

    pub(crate) fn into_sorted(self) -> Vec<TypeDef> {
        self.defs.into_values().map(|(def, _)| def).collect()
    }

    pub(crate) fn is_struct(&self, name: &str) -> bool {
        matches!(
            self.defs.get(name),
            Some((
                TypeDef {
                    kind: TypeKind::Struct(_),
                    ..
                },
                _
            ))
        )
    }

    /// The fields of the struct `name`, once defined.
    pub(crate) fn struct_def(&self, name: &str) -> Option<&StructDef> {
        match self.defs.get(name) {
            Some((
                TypeDef {
                    kind: TypeKind::Struct(def),
                    ..
                },
                _,
            )) => Some(def),
            _ => None,
        }
    }

    /// Defines a type for every component schema that is an object or an enum.
    pub(crate) fn define_components(&mut self) -> Result<()> {
        let schemas = self.schemas;
        for (name, schema) in schemas {
            if Some(name.as_str()) == self.envelope {
                continue;
            }
            let path = component_path(name);
            composition(schema, &path, self.version)?;
            if defines_type(schema) {
                let rust_name = type_name(name, &path)?;
                self.define(schema, &path, &rust_name)?;
            }
        }
        Ok(())
    }

    /// The Rust type of `schema`; inline objects and enums become types named `inline_name`.
    pub(crate) fn resolve(
        &mut self,
        schema: &Schema,
        path: &SpecPath,
        inline_name: &str,
    ) -> Result<RustType> {
        match composition(schema, path, self.version)? {
            Composition::Plain => {}
            Composition::StringOrNumber => return Ok(RustType::StringOrNumber),
            Composition::OrNull(member, member_path) => {
                return self.resolve(member, &member_path, inline_name);
            }
        }
        if let Some(reference) = &schema.reference {
            return self.resolve_ref(reference, &path.key("$ref"));
        }
        if defines_type(schema) {
            if inline_name.is_empty() {
                return Err(Problem::new(
                    path,
                    "unsupported construct: an inline object here; use a $ref to a named schema",
                ));
            }
            self.define(schema, path, inline_name)?;
            return Ok(RustType::Named(inline_name.to_owned()));
        }
        let types = type_info(schema, path, self.version)?;
        if types.string_or_number {
            return Ok(RustType::StringOrNumber);
        }
        match types.base {
            Some("string") => Ok(match schema.format.as_deref() {
                Some("uuid") => RustType::Uuid,
                Some("date-time") => RustType::DateTime,
                // Other string formats (email, uri, date, ...) only annotate: a String holds them.
                _ => RustType::String,
            }),
            Some("integer") => match schema.format.as_deref() {
                Some("int32") => Ok(RustType::I32),
                Some("int64") | None => Ok(RustType::I64),
                Some(other) => Err(Problem::new(
                    &path.key("format"),
                    format!(
                        "unknown integer format `{other}`; supported: int32, int64 (or none, \
                         which means int64)"
                    ),
                )),
            },
            // Money must stay exact, so every number is a decimal, whatever its format.
            Some("number") => Ok(RustType::Decimal),
            Some("boolean") => Ok(RustType::Bool),
            Some("array") => {
                let Some(items) = &schema.items else {
                    return Err(Problem::new(path, "an array schema needs `items`"));
                };
                let item_name = if inline_name.is_empty() {
                    String::new()
                } else {
                    format!("{inline_name}Item")
                };
                let item = self.resolve(items, &path.key("items"), &item_name)?;
                if matches!(
                    item,
                    RustType::Decimal | RustType::DateTime | RustType::StringOrNumber
                ) {
                    return Err(Problem::new(
                        &path.key("items"),
                        "unsupported construct: an array of numbers, date-times, or strings \
                         or numbers",
                    ));
                }
                Ok(RustType::List(Box::new(item)))
            }
            Some("object") | None => Ok(RustType::Json),
            Some(other) => Err(Problem::new(
                &path.key("type"),
                format!(
                    "unknown type `{other}`; supported: object, array, string, integer, number, \
                     boolean"
                ),
            )),
        }
    }

    fn resolve_ref(&mut self, reference: &str, path: &SpecPath) -> Result<RustType> {
        let name = component_name(reference, path, self.schemas)?;
        if Some(name) == self.envelope {
            return Err(Problem::new(
                path,
                "the signing envelope schema can only be used by request bodies",
            ));
        }
        let schema = &self.schemas[name];
        if defines_type(schema) {
            return Ok(RustType::Named(type_name(name, &component_path(name))?));
        }
        if let Some(resolved) = self.aliases.get(name) {
            return Ok(resolved.clone());
        }
        if let Some(start) = self.resolving.iter().position(|n| n == name) {
            let mut chain = self.resolving[start..].to_vec();
            chain.push(name.to_owned());
            return Err(Problem::new(
                path,
                format!(
                    "$ref cycle {} cannot be represented: no schema on the loop defines a type",
                    chain.join(" → ")
                ),
            ));
        }
        self.resolving.push(name.to_owned());
        let inline_name = type_name(name, &component_path(name))?;
        let resolved = self.resolve(schema, &component_path(name), &inline_name);
        self.resolving.pop();
        let resolved = resolved?;
        self.aliases.insert(name.to_owned(), resolved.clone());
        Ok(resolved)
    }

    fn define(&mut self, schema: &Schema, path: &SpecPath, name: &str) -> Result<()> {
        if RESERVED_TYPE_NAMES.contains(&name) {
            return Err(Problem::new(
                path,
                format!(
                    "the schema becomes the Rust type `{name}`, a name the generated code uses"
                ),
            ));
        }
        if let Some((_, first)) = self.defs.get(name) {
            return Err(Problem::new(
                path,
                format!("this schema and the one at {first} both become the Rust type `{name}`"),
            ));
        }
        // Reserve the name first, so that a type nested inside cannot take it.
        let placeholder = TypeDef {
            name: name.to_owned(),
            doc: None,
            kind: TypeKind::Enum(EnumDef {
                variants: Vec::new(),
            }),
            spec_path: path.to_string(),
        };
        self.defs
            .insert(name.to_owned(), (placeholder, path.clone()));
        let kind = if schema.enum_values.is_some() || schema.const_value.is_some() {
            TypeKind::Enum(check_enum(schema, path, self.version)?)
        } else {
            TypeKind::Struct(self.check_struct(schema, path, name)?)
        };
        let doc = schema.description.clone().or_else(|| schema.title.clone());
        self.defs.insert(
            name.to_owned(),
            (
                TypeDef {
                    name: name.to_owned(),
                    doc,
                    kind,
                    spec_path: path.to_string(),
                },
                path.clone(),
            ),
        );
        Ok(())
    }

    fn check_struct(&mut self, schema: &Schema, path: &SpecPath, name: &str) -> Result<StructDef> {
        let keeps_other_properties = match &schema.additional_properties {
            None | Some(serde_yaml::Value::Bool(false)) => false,
            Some(serde_yaml::Value::Bool(true)) => true,
            Some(_) => {
                return Err(Problem::new(
                    &path.key("additionalProperties"),
                    "unsupported construct: `additionalProperties` with a schema; use `true` \
                     to keep unnamed properties",
                ));
            }
        };
        for (index, required) in schema.required.iter().enumerate() {
            if !schema.properties.contains_key(required) {
                return Err(Problem::new(
                    &path.key("required").index(index),
                    format!("`{required}` is required but is not a property"),
                ));
            }
        }
        let mut fields: Vec<Field> = Vec::new();
        for (wire_name, property) in &schema.properties {
            let property_path = path.key("properties").key(wire_name);
            let Some(field_name) = snake_name(wire_name) else {
                return Err(Problem::new(
                    &property_path,
                    format!("property `{wire_name}` does not make a Rust field name"),
                ));
            };
            if let Some(other) = fields.iter().find(|f| f.name == field_name) {
                return Err(Problem::new(
                    &property_path,
                    format!(
                        "properties `{}` and `{wire_name}` both become the Rust field `{field_name}`",
                        other.wire_name
                    ),
                ));
            }
            if keeps_other_properties && field_name == OTHER_PROPERTIES_FIELD {
                return Err(Problem::new(
                    &property_path,
                    format!(
                        "property `{wire_name}` takes the field name that keeps the unnamed \
                         properties (`additionalProperties: true`)"
                    ),
                ));
            }
            let inline_name = format!("{name}{}", camel_name(wire_name).unwrap_or_default());
            let ty = self.resolve(property, &property_path, &inline_name)?;
            if keeps_other_properties && ty == RustType::Decimal {
                return Err(Problem::new(
                    &property_path,
                    "unsupported construct: a number property in a schema with \
                     `additionalProperties: true`",
                ));
            }
            let doc = property.description.clone().or_else(|| {
                let reference = property.reference.as_deref()?;
                let target = reference.strip_prefix(SCHEMA_REF_PREFIX)?;
                self.schemas.get(target)?.description.clone()
            });
            let nullable = is_nullable(property, &property_path, self.version)?;
            fields.push(Field {
                name: field_name,
                wire_name: wire_name.clone(),
                doc,
                ty,
                optional: nullable || !schema.required.contains(wire_name),
                spec_path: property_path.to_string(),
            });
        }
        Ok(StructDef {
            fields,
            keeps_other_properties,
        })
    }

    /// Defines the struct `name` of `fields`, made by the checker rather than read from a
    /// schema (an operation's parameters), from `path`.
    pub(crate) fn define_struct(
        &mut self,
        name: &str,
        doc: String,
        fields: Vec<Field>,
        path: &SpecPath,
    ) -> Result<()> {
        if RESERVED_TYPE_NAMES.contains(&name) {
            return Err(Problem::new(
                path,
                format!(
                    "the parameters become the Rust type `{name}`, a name the generated code uses"
                ),
            ));
        }
        if let Some((_, first)) = self.defs.get(name) {
            return Err(Problem::new(
                path,
                format!(
                    "these parameters and the schema at {first} both become the Rust type `{name}`"
                ),
            ));
        }
        let def = TypeDef {
            name: name.to_owned(),
            doc: Some(doc),
            kind: TypeKind::Struct(StructDef {
                fields,
                keeps_other_properties: false,
            }),
            spec_path: path.to_string(),
        };
        self.defs.insert(name.to_owned(), (def, path.clone()));
        Ok(())
    }

    /// A struct that holds itself by value (not through an array) would have infinite size.
    pub(crate) fn reject_unrepresentable_cycles(&self) -> Result<()> {
        for (start, (_, path)) in &self.defs {
            let Some(steps) = self.by_value_path(start, start, &mut Vec::new()) else {
                continue;
            };
            let chain: Vec<String> = steps
                .iter()
                .map(|(ty, field)| format!("{ty}.{field}"))
                .chain([start.clone()])
                .collect();
            return Err(Problem::new(
                path,
                format!(
                    "recursive schema {} cannot be represented: a schema may contain itself \
                     only through an array",
                    chain.join(" → ")
                ),
            ));
        }
        Ok(())
    }

    /// The (type, field) steps that lead by value from `from` to `target`, if any do.
    fn by_value_path(
        &self,
        from: &str,
        target: &str,
        visited: &mut Vec<String>,
    ) -> Option<Vec<(String, String)>> {
        let Some((
            TypeDef {
                kind: TypeKind::Struct(def),
                ..
            },
            _,
        )) = self.defs.get(from)
        else {
            return None;
        };
        for field in &def.fields {
            let RustType::Named(next) = &field.ty else {
                continue;
            };
            let step = (from.to_owned(), field.wire_name.clone());
            if next == target {
                return Some(vec![step]);
            }
            if visited.contains(next) {
                continue;
            }
            visited.push(next.clone());
            if let Some(mut rest) = self.by_value_path(next, target, visited) {
                rest.insert(0, step);
                return Some(rest);
            }
        }
        None
    }
}

/// The field that holds properties a schema with `additionalProperties: true` does not name.
pub const OTHER_PROPERTIES_FIELD: &str = "other_properties";

fn component_path(name: &str) -> SpecPath {
    SpecPath::root().key("components").key("schemas").key(name)
}

fn type_name(spec_name: &str, path: &SpecPath) -> Result<String> {
    camel_name(spec_name).ok_or_else(|| {
        Problem::new(
            path,
            format!("schema name `{spec_name}` does not make a Rust type name"),
        )
    })
}

/// Objects with properties and enums become named Rust types; other schemas are inlined.
fn defines_type(schema: &Schema) -> bool {
    schema.reference.is_none()
        && (schema.enum_values.is_some()
            || schema.const_value.is_some()
            || !schema.properties.is_empty()
            || matches!(
                schema.additional_properties,
                Some(serde_yaml::Value::Bool(true))
            ))
}

/// What a schema's `type` (with 3.0's `nullable`) says.
struct TypeInfo<'s> {
    /// The one type besides `null`, if there is one.
    base: Option<&'s str>,
    /// `null` is allowed.
    nullable: bool,
    /// A string or a number (`type: [string, number]` or `[string, integer]`).
    string_or_number: bool,
}

/// Reads `type` and `nullable`, refusing the form the spec's version does not write.
fn type_info<'s>(schema: &'s Schema, path: &SpecPath, version: Version) -> Result<TypeInfo<'s>> {
    let nullable = match (schema.nullable, version) {
        (Some(_), Version::V3_1) => {
            return Err(Problem::new(
                &path.key("nullable"),
                "`nullable` is OpenAPI 3.0; a 3.1 spec allows null with `type: [T, \"null\"]`",
            ));
        }
        (nullable, _) => nullable.unwrap_or(false),
    };
    let list = match &schema.schema_type {
        None => {
            return Ok(TypeInfo {
                base: None,
                nullable,
                string_or_number: false,
            });
        }
        Some(SchemaType::One(one)) => {
            return Ok(TypeInfo {
                base: Some(one),
                nullable,
                string_or_number: false,
            });
        }
        Some(SchemaType::Many(_)) if version == Version::V3_0 => {
            return Err(Problem::new(
                &path.key("type"),
                "a list of types is OpenAPI 3.1; a 3.0 spec writes one type, with \
                 `nullable: true` to allow null",
            ));
        }
        Some(SchemaType::Many(list)) => list,
    };
    let others: Vec<&str> = list
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "null")
        .collect();
    let nullable = others.len() < list.len();
    match others[..] {
        [one] => Ok(TypeInfo {
            base: Some(one),
            nullable,
            string_or_number: false,
        }),
        ["string", "number" | "integer"] | ["number" | "integer", "string"] => Ok(TypeInfo {
            base: None,
            nullable,
            string_or_number: true,
        }),
        _ => Err(Problem::new(
            &path.key("type"),
            format!(
                "unsupported construct: `type: [{}]`; the generator reads one type, that type \
                 and `null`, or a string or a number",
                list.join(", ")
            ),
        )),
    }
}

/// Whether a property may be null: 3.0's `nullable`, a 3.1 type list with `null`, or
/// (3.1) `anyOf`/`oneOf` a schema and `{type: "null"}`.
fn is_nullable(schema: &Schema, path: &SpecPath, version: Version) -> Result<bool> {
    if let Composition::OrNull(..) = composition(schema, path, version)? {
        return Ok(true);
    }
    Ok(type_info(schema, path, version)?.nullable)
}

/// How a schema combines others.
enum Composition<'s> {
    /// It does not.
    Plain,
    /// `anyOf`/`oneOf` a string schema and a number (or integer) schema.
    StringOrNumber,
    /// `anyOf`/`oneOf` a schema (here, with its path) and `{type: "null"}` (3.1).
    OrNull(&'s Schema, SpecPath),
}

fn composition<'s>(
    schema: &'s Schema,
    path: &SpecPath,
    version: Version,
) -> Result<Composition<'s>> {
    let unsupported = [
        ("allOf", schema.all_of.is_some()),
        ("not", schema.not.is_some()),
        ("discriminator", schema.discriminator.is_some()),
    ];
    for (keyword, present) in unsupported {
        if present {
            let why = if keyword == "allOf" {
                " (allOf is read only in request and webhook bodies, to combine the envelope \
                 with a payload)"
            } else {
                ""
            };
            return Err(Problem::new(
                &path.key(keyword),
                format!("unsupported construct: `{keyword}`{why}"),
            ));
        }
    }
    if schema.const_value.is_some() && version == Version::V3_0 {
        return Err(Problem::new(
            &path.key("const"),
            "`const` is OpenAPI 3.1; a 3.0 spec writes `enum: [value]`",
        ));
    }
    if schema.const_value.is_some() && schema.enum_values.is_some() {
        return Err(Problem::new(
            &path.key("const"),
            "a schema gives either `const` or `enum`, not both",
        ));
    }
    if schema.enum_values.is_none() && schema.const_value.is_none() {
        for (extension, present) in [
            ("x-enum-varnames", schema.enum_varnames.is_some()),
            ("x-enum-descriptions", schema.enum_descriptions.is_some()),
        ] {
            if present {
                return Err(Problem::new(
                    &path.key(extension),
                    format!("`{extension}` describes enum values, but this schema has no `enum`"),
                ));
            }
        }
    }
    let (keyword, members) = match (&schema.one_of, &schema.any_of) {
        (None, None) => return Ok(Composition::Plain),
        (Some(members), None) => ("oneOf", members),
        (None, Some(members)) => ("anyOf", members),
        (Some(_), Some(_)) => {
            return Err(Problem::new(
                &path.key("anyOf"),
                "unsupported construct: both `oneOf` and `anyOf`",
            ));
        }
    };
    let bare = |member: &Schema| {
        member.reference.is_none()
            && member.properties.is_empty()
            && member.enum_values.is_none()
            && member.const_value.is_none()
            && member.items.is_none()
            && member.all_of.is_none()
            && member.one_of.is_none()
            && member.any_of.is_none()
    };
    let only = |member: &Schema, names: &[&str]| {
        bare(member)
            && matches!(&member.schema_type, Some(SchemaType::One(t)) if names.contains(&t.as_str()))
    };
    if let [first, second] = &members[..] {
        if (only(first, &["string"]) && only(second, &["number", "integer"]))
            || (only(first, &["number", "integer"]) && only(second, &["string"]))
        {
            return Ok(Composition::StringOrNumber);
        }
        if version == Version::V3_1 {
            let member = |index: usize| path.key(keyword).index(index);
            if only(second, &["null"]) && !only(first, &["null"]) {
                return Ok(Composition::OrNull(first, member(0)));
            }
            if only(first, &["null"]) && !only(second, &["null"]) {
                return Ok(Composition::OrNull(second, member(1)));
            }
        }
    }
    let read = match version {
        Version::V3_0 => {
            "a string schema and a number schema (a schema or `null` is OpenAPI 3.1's way; a \
             3.0 spec writes `nullable: true`)"
        }
        Version::V3_1 => "a string schema and a number schema, or a schema and `{type: \"null\"}`",
    };
    Err(Problem::new(
        &path.key(keyword),
        format!("unsupported construct: `{keyword}`; the generator reads it only as {read}"),
    ))
}

fn check_enum(schema: &Schema, path: &SpecPath, version: Version) -> Result<EnumDef> {
    // A 3.1 `const` is an enum of one value.
    let (values_path, values) = match (&schema.enum_values, &schema.const_value) {
        (Some(values), _) => (path.key("enum"), values.as_slice()),
        (None, Some(value)) => (path.key("const"), std::slice::from_ref(value)),
        (None, None) => (path.key("enum"), &[][..]),
    };
    let value_path = |index: usize| match &schema.enum_values {
        Some(_) => values_path.index(index),
        None => values_path.clone(),
    };
    if type_info(schema, path, version)?.base != Some("string") {
        return Err(Problem::new(
            path,
            "unsupported construct: an enum that is not `type: string`",
        ));
    }
    if values.is_empty() {
        return Err(Problem::new(
            &values_path,
            "an enum needs at least one value",
        ));
    }
    for (extension, list) in [
        ("x-enum-varnames", &schema.enum_varnames),
        ("x-enum-descriptions", &schema.enum_descriptions),
    ] {
        if let Some(list) = list
            && list.len() != values.len()
        {
            return Err(Problem::new(
                &path.key(extension),
                format!(
                    "`{extension}` has {} entries but the enum has {} values",
                    list.len(),
                    values.len()
                ),
            ));
        }
    }
    let mut variants: Vec<Variant> = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let value_path = value_path(index);
        let serde_yaml::Value::String(wire_value) = value else {
            return Err(Problem::new(
                &value_path,
                "unsupported construct: an enum value that is not a string",
            ));
        };
        let given_name = schema.enum_varnames.as_ref().map(|names| &names[index]);
        let name = camel_name(given_name.unwrap_or(wire_value)).ok_or_else(|| {
            Problem::new(
                &value_path,
                format!(
                    "enum value `{wire_value}` does not make a Rust variant name; name it with \
                     `x-enum-varnames`"
                ),
            )
        })?;
        if name == UNKNOWN_VARIANT {
            return Err(Problem::new(
                &value_path,
                format!(
                    "enum value `{wire_value}` becomes `{UNKNOWN_VARIANT}`, the variant that \
                     holds unrecognised values; rename it with `x-enum-varnames`"
                ),
            ));
        }
        if let Some(first) = values[..index].iter().position(|v| v == value) {
            return Err(Problem::new(
                &value_path,
                format!("enum value `{wire_value}` is listed twice (first at enum[{first}])"),
            ));
        }
        if let Some(other) = variants.iter().find(|v| v.name == name) {
            return Err(Problem::new(
                &value_path,
                format!(
                    "enum values `{}` and `{wire_value}` both become the Rust variant `{name}`",
                    other.wire_value
                ),
            ));
        }
        variants.push(Variant {
            name,
            wire_value: wire_value.clone(),
            doc: schema.enum_descriptions.as_ref().map(|d| d[index].clone()),
            spec_path: value_path.to_string(),
        });
    }
    Ok(EnumDef { variants })
}

/// The variant every generated enum has for values the spec does not list.
pub const UNKNOWN_VARIANT: &str = "Unknown";
