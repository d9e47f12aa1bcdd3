//! Validation: turns the spec model into the checked model, or names the first problem.
//!
//! Every rule here is about the spec's shape, never about one API's names: the same
//! checks serve any spec written in this style.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;

use crate::error::{Problem, SpecPath};
use crate::model::{
    Api, EnumDef, Field, Operation, Package, RustType, Signing, SigningExample, StructDef,
    TimestampUnit, TypeDef, TypeKind, Variant,
};
use crate::naming::{RESERVED_TYPE_NAMES, camel_name, snake_name};
use crate::spec::{self, Document, Schema};

type Result<T> = std::result::Result<T, Problem>;

/// Names a generated client takes for itself; an operation may not become one of them.
const RESERVED_METHODS: &[&str] = &["builder", "account", "base_url"];

const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// Checks the whole document and resolves it into the model the emitters read.
pub fn check(doc: &Document) -> Result<Api> {
    let root = SpecPath::root();
    if !doc.openapi.starts_with("3.0.") {
        return Err(Problem::new(
            &root.key("openapi"),
            format!(
                "unsupported OpenAPI version `{}`: the generator reads OpenAPI 3.0.x",
                doc.openapi
            ),
        ));
    }
    let package = check_package(doc.rust_crate.as_ref())?;
    let default_base_url = check_servers(&doc.servers)?;

    let signing_path = root.key("x-request-signing");
    let signing_spec = doc.request_signing.as_ref().ok_or_else(|| {
        Problem::new(
            &signing_path,
            "missing signing extension `x-request-signing`: the generator reads the key and \
             signature headers, the algorithm and the request envelope from it",
        )
    })?;
    let envelope_name = component_name(
        &signing_spec.envelope.schema,
        &signing_path.key("envelope").key("schema"),
        &doc.components.schemas,
    )?;
    let signing = check_signing(signing_spec, &doc.components.schemas[envelope_name])?;

    let mut types = Types::new(&doc.components.schemas, envelope_name);
    types.define_components()?;
    let mut error_body = None;
    let operations = check_operations(doc, &mut types, &signing, &mut error_body)?;
    types.reject_unrepresentable_cycles()?;

    Ok(Api {
        title: doc.info.title.clone(),
        api_version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        package,
        default_base_url,
        signing,
        operations,
        types: types.into_sorted(),
        error_body: error_body.map(|(ty, _)| ty),
    })
}

fn check_package(rust_crate: Option<&spec::RustCrate>) -> Result<Package> {
    let path = SpecPath::root().key("x-rust-crate");
    let krate = rust_crate.ok_or_else(|| {
        Problem::new(
            &path,
            "missing extension `x-rust-crate`: it gives the generated crate's name, version \
             and publishing metadata",
        )
    })?;
    let valid_name = krate.name.len() <= 64
        && krate.name.starts_with(|c: char| c.is_ascii_alphabetic())
        && krate
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_name {
        return Err(Problem::new(
            &path.key("name"),
            format!(
                "`{}` is not a crate name: use ASCII letters, digits, `-` and `_`, starting \
                 with a letter",
                krate.name
            ),
        ));
    }
    let release = krate.version.split(['-', '+']).next().unwrap_or_default();
    let numbers: Vec<&str> = release.split('.').collect();
    if numbers.len() != 3
        || numbers
            .iter()
            .any(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(Problem::new(
            &path.key("version"),
            format!(
                "`{}` is not a semantic version such as 0.1.0",
                krate.version
            ),
        ));
    }
    if krate.keywords.len() > 5 {
        return Err(Problem::new(
            &path.key("keywords"),
            "crates.io allows at most 5 keywords",
        ));
    }
    Ok(Package {
        name: krate.name.clone(),
        version: krate.version.clone(),
        description: krate.description.clone(),
        license: krate.license.clone(),
        repository: krate.repository.clone(),
        keywords: krate.keywords.clone(),
        categories: krate.categories.clone(),
        publish: krate.publish,
    })
}

fn check_servers(servers: &[spec::Server]) -> Result<Option<String>> {
    let Some(first) = servers.first() else {
        return Ok(None);
    };
    if !(first.url.starts_with("https://") || first.url.starts_with("http://")) {
        return Err(Problem::new(
            &SpecPath::root().key("servers").index(0).key("url"),
            format!(
                "`{}` is not an absolute http(s) URL; the first server is the client's \
                 default base URL",
                first.url
            ),
        ));
    }
    Ok(Some(first.url.trim_end_matches('/').to_owned()))
}

fn check_signing(signing: &spec::RequestSigning, envelope: &Schema) -> Result<Signing> {
    let path = SpecPath::root().key("x-request-signing");
    for (field, header) in [
        ("keyHeader", &signing.key_header),
        ("signatureHeader", &signing.signature_header),
    ] {
        if !is_header_name(header) {
            return Err(Problem::new(
                &path.key(field),
                format!("`{header}` is not a valid HTTP header name"),
            ));
        }
    }
    expect_one_of(&path.key("algorithm"), &signing.algorithm, &["HMAC-SHA512"])?;
    expect_one_of(
        &path.key("signatureEncoding"),
        &signing.signature_encoding,
        &["lowercase-hex"],
    )?;
    expect_one_of(
        &path.key("signedContent"),
        &signing.signed_content,
        &["request-body"],
    )?;
    let envelope_path = path.key("envelope");
    let unit_path = envelope_path.key("timestampUnit");
    expect_one_of(
        &unit_path,
        &signing.envelope.timestamp_unit,
        &["milliseconds", "seconds"],
    )?;
    let timestamp_unit = if signing.envelope.timestamp_unit == "seconds" {
        TimestampUnit::Seconds
    } else {
        TimestampUnit::Milliseconds
    };

    let e = &signing.envelope;
    for (field, property, wanted) in [
        ("accountProperty", &e.account_property, Some("string")),
        ("timestampProperty", &e.timestamp_property, Some("integer")),
        ("payloadProperty", &e.payload_property, None),
    ] {
        let Some(schema) = envelope.properties.get(property.as_str()) else {
            return Err(Problem::new(
                &envelope_path.key(field),
                format!(
                    "the envelope schema `{}` has no property `{property}`",
                    e.schema
                ),
            ));
        };
        if let Some(wanted) = wanted
            && schema.schema_type.as_deref() != Some(wanted)
        {
            return Err(Problem::new(
                &envelope_path.key(field),
                format!("the envelope property `{property}` must be of type {wanted}"),
            ));
        }
    }

    let example = match &signing.example {
        None => None,
        Some(example) => {
            let hex = &example.signature;
            if hex.len() != 128 || !hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
                return Err(Problem::new(
                    &path.key("example").key("signature"),
                    "an HMAC-SHA512 signature is 128 lowercase hex digits",
                ));
            }
            Some(SigningExample {
                secret: example.secret.clone(),
                body: example.body.clone(),
                signature: example.signature.clone(),
            })
        }
    };

    Ok(Signing {
        key_header: signing.key_header.clone(),
        signature_header: signing.signature_header.clone(),
        max_clock_skew_seconds: signing.max_clock_skew_seconds,
        account_field: e.account_property.clone(),
        timestamp_field: e.timestamp_property.clone(),
        timestamp_unit,
        payload_field: e.payload_property.clone(),
        example,
    })
}

fn expect_one_of(path: &SpecPath, value: &str, supported: &[&str]) -> Result<()> {
    if supported.contains(&value) {
        return Ok(());
    }
    Err(Problem::new(
        path,
        format!(
            "unsupported value `{value}`; supported: {}",
            supported.join(", ")
        ),
    ))
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// The component name of a `#/components/schemas/NAME` reference that exists.
fn component_name<'a>(
    reference: &str,
    path: &SpecPath,
    schemas: &'a IndexMap<String, Schema>,
) -> Result<&'a str> {
    let Some(name) = reference.strip_prefix(SCHEMA_REF_PREFIX) else {
        return Err(Problem::new(
            path,
            format!(
                "unsupported $ref `{reference}`: only local references to \
                 `{SCHEMA_REF_PREFIX}...` are supported"
            ),
        ));
    };
    match schemas.get_key_value(name) {
        Some((name, _)) => Ok(name),
        None => Err(Problem::new(
            path,
            format!(
                "unknown $ref `{reference}`: there is no schema `{name}` in components.schemas"
            ),
        )),
    }
}

fn check_operations(
    doc: &Document,
    types: &mut Types,
    signing: &Signing,
    error_body: &mut Option<(RustType, SpecPath)>,
) -> Result<Vec<Operation>> {
    let paths_path = SpecPath::root().key("paths");
    if doc.paths.is_empty() {
        return Err(Problem::new(&paths_path, "the spec has no operations"));
    }
    let mut by_id: HashMap<&str, SpecPath> = HashMap::new();
    let mut by_method: HashMap<String, &str> = HashMap::new();
    let mut operations = Vec::new();

    for (http_path, item) in &doc.paths {
        let path = paths_path.key(http_path);
        let other_methods = [
            ("get", &item.get),
            ("put", &item.put),
            ("patch", &item.patch),
            ("delete", &item.delete),
            ("head", &item.head),
            ("options", &item.options),
            ("trace", &item.trace),
        ];
        for (method, value) in other_methods {
            if value.is_some() {
                return Err(Problem::new(
                    &path.key(method),
                    format!(
                        "unsupported construct: a `{method}` operation; every operation must \
                         be a signed JSON `post`"
                    ),
                ));
            }
        }
        if item.parameters.is_some() {
            return Err(unsupported_parameters(&path.key("parameters")));
        }
        let Some(op) = &item.post else {
            return Err(Problem::new(&path, "the path has no `post` operation"));
        };
        let op_path = path.key("post");

        let id_path = op_path.key("operationId");
        let Some(operation_id) = op.operation_id.as_deref() else {
            return Err(Problem::new(
                &op_path,
                "missing operationId: the client method is named after it",
            ));
        };
        if let Some(first) = by_id.insert(operation_id, id_path.clone()) {
            return Err(Problem::new(
                &id_path,
                format!("duplicate operationId `{operation_id}` (first used at {first})"),
            ));
        }
        let method = snake_name(operation_id).ok_or_else(|| {
            Problem::new(
                &id_path,
                format!("operationId `{operation_id}` does not make a Rust method name"),
            )
        })?;
        if RESERVED_METHODS.contains(&method.as_str()) {
            return Err(Problem::new(
                &id_path,
                format!(
                    "operationId `{operation_id}` becomes `{method}`, a name the client already uses"
                ),
            ));
        }
        if let Some(other) = by_method.insert(method.clone(), operation_id) {
            return Err(Problem::new(
                &id_path,
                format!(
                    "operationIds `{other}` and `{operation_id}` both become the Rust method \
                     `{method}`"
                ),
            ));
        }
        if op.parameters.is_some() {
            return Err(unsupported_parameters(&op_path.key("parameters")));
        }

        let payload = check_request_body(op, &op_path, types, signing)?;
        let response = check_responses(op, &op_path, types, &method, error_body)?;
        operations.push(Operation {
            method,
            operation_id: operation_id.to_owned(),
            http_path: http_path.clone(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            payload,
            response,
        });
    }
    Ok(operations)
}

fn unsupported_parameters(path: &SpecPath) -> Problem {
    Problem::new(
        path,
        "unsupported construct: parameters; everything a request carries must be in its \
         signed JSON body",
    )
}

/// Finds the payload type of a request body of the form
/// `allOf: [{$ref: <envelope>}, {properties: {<payload>: {$ref: <payload type>}}}]`.
fn check_request_body(
    op: &spec::Operation,
    op_path: &SpecPath,
    types: &mut Types,
    signing: &Signing,
) -> Result<String> {
    let path = op_path.key("requestBody");
    let Some(body) = &op.request_body else {
        return Err(Problem::new(
            op_path,
            "missing request body: every operation sends the signed envelope",
        ));
    };
    if body.reference.is_some() {
        return Err(Problem::new(
            &path.key("$ref"),
            "unsupported construct: a $ref request body; write the body inline",
        ));
    }
    let content_path = path.key("content");
    let Some(media) = body.content.get("application/json") else {
        return Err(Problem::new(
            &content_path,
            "the request body has no `application/json` content",
        ));
    };
    let schema_path = content_path.key("application/json").key("schema");
    let Some(schema) = &media.schema else {
        return Err(Problem::new(&schema_path, "the request body has no schema"));
    };
    let envelope_ref = format!("{SCHEMA_REF_PREFIX}{}", types.envelope);
    let shape_hint = format!(
        "the request body schema must be `allOf: [{{$ref: '{envelope_ref}'}}, {{type: object, \
         properties: {{{}: {{$ref: ...}}}}}}]`",
        signing.payload_field
    );
    let Some(parts) = &schema.all_of else {
        return Err(Problem::new(&schema_path, shape_hint));
    };
    let all_of_path = schema_path.key("allOf");
    let envelope_at = parts
        .iter()
        .position(|part| part.reference.as_deref() == Some(envelope_ref.as_str()));
    let (Some(envelope_at), 2) = (envelope_at, parts.len()) else {
        return Err(Problem::new(&all_of_path, shape_hint));
    };
    let payload_at = 1 - envelope_at;
    let payload_part = &parts[payload_at];
    let part_path = all_of_path.index(payload_at);
    for name in payload_part.properties.keys() {
        if *name != signing.payload_field {
            return Err(Problem::new(
                &part_path.key("properties").key(name),
                format!(
                    "unsupported construct: property `{name}` next to the envelope; \
                     request data belongs in `{}`",
                    signing.payload_field
                ),
            ));
        }
    }
    let Some(payload) = payload_part.properties.get(&signing.payload_field) else {
        return Err(Problem::new(&part_path, shape_hint));
    };
    let payload_path = part_path.key("properties").key(&signing.payload_field);
    match types.resolve(payload, &payload_path, "")? {
        RustType::Named(name) if types.is_struct(&name) => Ok(name),
        _ => Err(Problem::new(
            &payload_path,
            "the payload must be a $ref to an object schema",
        )),
    }
}

fn check_responses(
    op: &spec::Operation,
    op_path: &SpecPath,
    types: &mut Types,
    method: &str,
    error_body: &mut Option<(RustType, SpecPath)>,
) -> Result<RustType> {
    let path = op_path.key("responses");
    let mut success = None;
    for (status, response) in &op.responses {
        let status = status.0.as_str();
        let response_path = path.key(status);
        if response.reference.is_some() {
            return Err(Problem::new(
                &response_path.key("$ref"),
                "unsupported construct: a $ref response; write the response inline",
            ));
        }
        let is_error = status == "default" || status.starts_with('4') || status.starts_with('5');
        if status != "200" && !is_error {
            return Err(Problem::new(
                &response_path,
                format!(
                    "unsupported construct: a `{status}` response; the client reads `200` \
                     and error responses (4XX, 5XX, default)"
                ),
            ));
        }
        let Some((schema, schema_path)) = json_schema(&response.content, &response_path) else {
            if status == "200" {
                return Err(Problem::new(
                    &response_path,
                    "the 200 response has no JSON schema (content `application/json` or `*/*`)",
                ));
            }
            continue;
        };
        if status == "200" {
            let inline_name = format!("{}Response", camel_name(method).unwrap_or_default());
            let ty = types.resolve(schema, &schema_path, &inline_name)?;
            if matches!(ty, RustType::Decimal | RustType::DateTime) {
                return Err(Problem::new(
                    &schema_path,
                    "unsupported construct: a bare number or date-time response; \
                     wrap it in an object",
                ));
            }
            success = Some(ty);
        } else {
            let ty = types.resolve(schema, &schema_path, "ErrorBody")?;
            match error_body {
                None => *error_body = Some((ty, schema_path)),
                Some((first, first_path)) if *first != ty => {
                    return Err(Problem::new(
                        &schema_path,
                        format!(
                            "unsupported construct: a second error body schema; every error \
                             response must use the one at {first_path}"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    success.ok_or_else(|| Problem::new(&path, "missing 200 response"))
}

/// The schema under JSON content (`application/json` or the provider's `*/*`).
fn json_schema<'a>(
    content: &'a IndexMap<String, spec::MediaType>,
    path: &SpecPath,
) -> Option<(&'a Schema, SpecPath)> {
    ["application/json", "*/*"].into_iter().find_map(|media| {
        let schema = content.get(media)?.schema.as_ref()?;
        Some((schema, path.key("content").key(media).key("schema")))
    })
}

/// Collects the named types (structs and enums) while resolving schemas to Rust types.
struct Types<'a> {
    schemas: &'a IndexMap<String, Schema>,
    envelope: &'a str,
    /// Rust name → definition and the spec path it came from.
    defs: BTreeMap<String, (TypeDef, SpecPath)>,
    /// Components that are not a struct or enum (aliases), resolved once.
    aliases: HashMap<String, RustType>,
    /// Aliases being resolved, to report `$ref` loops.
    resolving: Vec<String>,
}

impl<'a> Types<'a> {
    fn new(schemas: &'a IndexMap<String, Schema>, envelope: &'a str) -> Self {
        Types {
            schemas,
            envelope,
            defs: BTreeMap::new(),
            aliases: HashMap::new(),
            resolving: Vec::new(),
        }
    }

    fn into_sorted(self) -> Vec<TypeDef> {
        self.defs.into_values().map(|(def, _)| def).collect()
    }

    fn is_struct(&self, name: &str) -> bool {
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

    /// Defines a type for every component schema that is an object or an enum.
    fn define_components(&mut self) -> Result<()> {
        let schemas = self.schemas;
        for (name, schema) in schemas {
            if name == self.envelope {
                continue;
            }
            let path = component_path(name);
            reject_unsupported(schema, &path)?;
            if defines_type(schema) {
                let rust_name = type_name(name, &path)?;
                self.define(schema, &path, &rust_name)?;
            }
        }
        Ok(())
    }

    /// The Rust type of `schema`; inline objects and enums become types named `inline_name`.
    fn resolve(&mut self, schema: &Schema, path: &SpecPath, inline_name: &str) -> Result<RustType> {
        reject_unsupported(schema, path)?;
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
        match schema.schema_type.as_deref() {
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
                if matches!(item, RustType::Decimal | RustType::DateTime) {
                    return Err(Problem::new(
                        &path.key("items"),
                        "unsupported construct: an array of numbers or date-times",
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
        if name == self.envelope {
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
        };
        self.defs
            .insert(name.to_owned(), (placeholder, path.clone()));
        let kind = if schema.enum_values.is_some() {
            TypeKind::Enum(check_enum(schema, path)?)
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
            fields.push(Field {
                name: field_name,
                wire_name: wire_name.clone(),
                doc,
                ty,
                optional: property.nullable || !schema.required.contains(wire_name),
            });
        }
        Ok(StructDef {
            fields,
            keeps_other_properties,
        })
    }

    /// A struct that holds itself by value (not through an array) would have infinite size.
    fn reject_unrepresentable_cycles(&self) -> Result<()> {
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
            || !schema.properties.is_empty()
            || matches!(
                schema.additional_properties,
                Some(serde_yaml::Value::Bool(true))
            ))
}

fn reject_unsupported(schema: &Schema, path: &SpecPath) -> Result<()> {
    let constructs = [
        ("allOf", schema.all_of.is_some()),
        ("oneOf", schema.one_of.is_some()),
        ("anyOf", schema.any_of.is_some()),
        ("not", schema.not.is_some()),
        ("discriminator", schema.discriminator.is_some()),
    ];
    for (keyword, present) in constructs {
        if present {
            let why = if keyword == "allOf" {
                " (allOf is read only in request bodies, to combine the envelope with a payload)"
            } else {
                ""
            };
            return Err(Problem::new(
                &path.key(keyword),
                format!("unsupported construct: `{keyword}`{why}"),
            ));
        }
    }
    Ok(())
}

fn check_enum(schema: &Schema, path: &SpecPath) -> Result<EnumDef> {
    let values_path = path.key("enum");
    let values = schema.enum_values.as_deref().unwrap_or_default();
    if schema.schema_type.as_deref() != Some("string") {
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
        let value_path = values_path.index(index);
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
        });
    }
    Ok(EnumDef { variants })
}

/// The variant every generated enum has for values the spec does not list.
pub const UNKNOWN_VARIANT: &str = "Unknown";
