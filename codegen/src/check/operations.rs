//! Operations: each path's one `post`, its request envelope and payload, its responses.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::pagination::check_pagination;
use super::schemas::Types;
use super::{Result, SCHEMA_REF_PREFIX, body};
use crate::error::{Problem, SpecPath};
use crate::model::{Operation, RustType, Signing};
use crate::naming::{camel_name, snake_name};
use crate::spec::{self, Document, Schema};

/// Names a generated client takes for itself; an operation may not become one of them.
const RESERVED_METHODS: &[&str] = &[
    "builder",
    "account",
    "base_url",
    "with_options",
    "clock_offset_millis",
    "first_page",
    "call",
    "attempts",
    "attempt",
    "signed_request",
    "read_response",
    "trace_response_body",
    // Methods of the traits the client implements, which users and the generated code call:
    // an inherent method of the same name would be picked instead.
    "clone",
    "clone_from",
    "fmt",
    "to_owned",
    "into",
    "try_into",
    "borrow",
    "borrow_mut",
    "type_id",
];

/// The suffixes of a paged operation's extra methods: every item as a stream, and collected.
pub const PAGED_METHOD_SUFFIXES: [&str; 2] = ["_stream", "_all"];

pub(crate) fn check_operations(
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
                    "operationId `{operation_id}` becomes `{method}`, a name the client already \
                     uses (for its own methods or those of the traits it implements)"
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
        let pagination = match &op.pagination {
            None => None,
            Some(spec) => Some(check_pagination(
                spec,
                &op_path.key("x-pagination"),
                types,
                &payload,
                &response,
            )?),
        };
        operations.push(Operation {
            method,
            operation_id: operation_id.to_owned(),
            http_path: http_path.clone(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            payload,
            response,
            idempotent: op.idempotent,
            pagination,
            spec_path: op_path.to_string(),
        });
    }
    for op in operations.iter().filter(|op| op.pagination.is_some()) {
        for suffix in PAGED_METHOD_SUFFIXES {
            let name = format!("{}{suffix}", op.method);
            let taken_by = match by_method.get(&name) {
                Some(other) => Some(format!("operation `{other}`")),
                None => RESERVED_METHODS
                    .contains(&name.as_str())
                    .then(|| "the client itself".to_owned()),
            };
            if let Some(taken_by) = taken_by {
                return Err(Problem::new(
                    &paths_path
                        .key(&op.http_path)
                        .key("post")
                        .key("x-pagination"),
                    format!(
                        "the paged operation `{}` gets the method `{name}`, which {taken_by} \
                         already has",
                        op.operation_id
                    ),
                ));
            }
        }
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
    let envelope_ref = format!("{SCHEMA_REF_PREFIX}{}", types.envelope);
    let shape = format!(
        "the request body schema must be `allOf: [{{$ref: '{envelope_ref}'}}, {{type: object, \
         properties: {{{}: {{$ref: ...}}}}}}]`",
        signing.payload_field
    );
    let (part, part_path) = body::envelope_part(
        op.request_body.as_ref(),
        op_path,
        &envelope_ref,
        "missing request body: every operation sends the signed envelope",
        &shape,
    )?;
    body::only_properties(
        part,
        &part_path,
        &[signing.payload_field.as_str()],
        &format!("request data belongs in `{}`", signing.payload_field),
    )?;
    let Some(payload) = part.properties.get(&signing.payload_field) else {
        return Err(Problem::new(&part_path, shape));
    };
    let payload_path = part_path.key("properties").key(&signing.payload_field);
    match types.resolve(payload, &payload_path, "")? {
        RustType::Named(name) if types.is_struct(&name) => Ok(name),
        _ => Err(Problem::new(
            &payload_path,
            "the payload must be a $ref to an object schema with properties (an object \
             without properties is free-form JSON, not a payload type)",
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
