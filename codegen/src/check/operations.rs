//! Operations: each path's `post`, `get`, `put`, `patch` and `delete`, their parameters,
//! request bodies (enveloped, or the payload itself) and responses.

use std::collections::HashMap;

use indexmap::IndexMap;

use heck::ToKebabCase;

use super::pagination::{check_pagination, paged_methods};
use super::schemas::Types;
use super::{Result, SCHEMA_REF_PREFIX, body, params};
use crate::error::{Problem, SpecPath};
use crate::model::{HttpMethod, Operation, RustType, Signing};
use crate::naming::{camel_name, snake_name};
use crate::spec::{self, Document, Schema};
use crate::taken::{self, Taken};

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
    // Each operation's place in the spec, in the order of `operations`.
    let mut spec_paths = Vec::new();

    for (http_path, item) in &doc.paths {
        let path = paths_path.key(http_path);
        let unread = [
            ("head", &item.head),
            ("options", &item.options),
            ("trace", &item.trace),
        ];
        for (method, value) in unread {
            if value.is_some() {
                return Err(Problem::new(
                    &path.key(method),
                    format!(
                        "unsupported construct: a `{method}` operation; the client sends \
                         `post`, `get`, `put`, `patch` and `delete`"
                    ),
                ));
            }
        }
        check_template(http_path, &path)?;
        let mut any = false;
        for (method_name, op) in item.operations() {
            let Some(op) = op else { continue };
            any = true;
            let op_path = path.key(method_name);
            let operation = check_operation(
                (http_path, item, &path),
                (method_name, op, &op_path),
                types,
                signing,
                error_body,
                (&mut by_id, &mut by_method),
            )?;
            spec_paths.push(op_path);
            operations.push(operation);
        }
        if !any {
            return Err(Problem::new(
                &path,
                "the path has no operation (`post`, `get`, `put`, `patch` or `delete`)",
            ));
        }
    }
    for (op, op_path) in operations.iter().zip(&spec_paths) {
        let Some(pagination) = &op.pagination else {
            continue;
        };
        for name in [&pagination.stream_method, &pagination.all_method] {
            if let Some(other) = by_method.get(name.as_str()) {
                return Err(Problem::new(
                    &op_path.key("x-pagination"),
                    format!(
                        "the paged operation `{}` gets the method `{name}`, which operation \
                         `{other}` already has",
                        op.operation_id
                    ),
                ));
            }
        }
    }
    Ok(operations)
}

/// One operation: its names, parameters, body, responses and paging.
fn check_operation<'d>(
    (http_path, item, path): (&str, &'d spec::PathItem, &SpecPath),
    (method_name, op, op_path): (&str, &'d spec::Operation, &SpecPath),
    types: &mut Types,
    signing: &Signing,
    error_body: &mut Option<(RustType, SpecPath)>,
    (by_id, by_method): (
        &mut HashMap<&'d str, SpecPath>,
        &mut HashMap<String, &'d str>,
    ),
) -> Result<Operation> {
    let id_path = op_path.key("operationId");
    let Some(operation_id) = op.operation_id.as_deref() else {
        return Err(Problem::new(
            op_path,
            "missing operationId: the client method is named after it",
        ));
    };
    if let Some(first) = by_id.insert(operation_id, id_path.clone()) {
        return Err(Problem::new(
            &id_path,
            format!("duplicate operationId `{operation_id}` (first used at {first})"),
        ));
    }
    let base = snake_name(operation_id).ok_or_else(|| {
        Problem::new(
            &id_path,
            format!("operationId `{operation_id}` does not make a Rust method name"),
        )
    })?;
    let (method, renamed) = rust_name(&base, op.pagination.is_some()).map_err(|message| {
        Problem::new(&id_path, format!("operationId `{operation_id}` {message}"))
    })?;
    if let Some(other) = by_method.insert(method.clone(), operation_id) {
        return Err(Problem::new(
            &id_path,
            format!(
                "operationIds `{other}` and `{operation_id}` both become the Rust method \
                 `{method}`"
            ),
        ));
    }
    let http_method = match method_name {
        "get" => HttpMethod::Get,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        "delete" => HttpMethod::Delete,
        _ => HttpMethod::Post,
    };
    let params = params::check_params(
        (item.parameters.as_deref(), path),
        (op.parameters.as_deref(), op_path),
        http_path,
        &format!("{}Params", camel_name(&method).unwrap_or_default()),
        &format!("{} {http_path}", http_method.as_str()),
        operation_id,
        types,
    )?;
    let payload = match (&op.request_body, http_method, &signing.envelope) {
        (Some(_), HttpMethod::Get | HttpMethod::Delete, _) => {
            return Err(Problem::new(
                &op_path.key("requestBody"),
                format!(
                    "unsupported construct: a request body in a `{method_name}`; send what it \
                     needs as path or query parameters, or make it a `post`"
                ),
            ));
        }
        (None, HttpMethod::Get | HttpMethod::Delete, Some(_)) => {
            return Err(Problem::new(
                op_path,
                format!(
                    "a `{method_name}` sends no body, but every request of this API carries \
                     the signed envelope (`x-request-signing.envelope`): make it a `post`, or \
                     leave the envelope out and sign by a `recipe` with headers"
                ),
            ));
        }
        (_, _, Some(envelope)) => Some(check_request_body(
            op,
            op_path,
            types,
            &envelope.payload_field,
        )?),
        (Some(body), _, None) => Some(check_bare_body(body, op_path, types)?),
        (None, _, None) => None,
    };
    let response = check_responses(op, op_path, types, &method, error_body)?;
    let pagination = match (&op.pagination, &payload, &params) {
        (None, _, _) => None,
        (Some(spec), Some(payload), None) => Some(check_pagination(
            spec,
            &op_path.key("x-pagination"),
            types,
            payload,
            &response,
            &method,
        )?),
        (Some(_), _, _) => {
            return Err(Problem::new(
                &op_path.key("x-pagination"),
                "unsupported construct: paging an operation with parameters or without a \
                 body; the page number is a property of the request body",
            ));
        }
    };
    Ok(Operation {
        command: command(&method),
        method,
        renamed,
        operation_id: operation_id.to_owned(),
        http_path: http_path.to_owned(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        deprecated: op.deprecated,
        http_method,
        params,
        payload,
        response,
        idempotent: op.idempotent.unwrap_or(http_method.is_idempotent()),
        pagination,
        spec_path: op_path.to_string(),
    })
}

/// The path's `{name}`s each a whole segment, and each closed.
fn check_template(http_path: &str, path: &SpecPath) -> Result<()> {
    for segment in http_path.split('/') {
        let opens = segment.matches('{').count();
        let closes = segment.matches('}').count();
        let whole = segment.starts_with('{') && segment.ends_with('}');
        if opens + closes == 0 || (opens == 1 && closes == 1 && whole && segment.len() > 2) {
            continue;
        }
        return Err(Problem::new(
            path,
            format!(
                "unsupported construct: the path segment `{segment}`; a path parameter is a \
                 whole segment, `/{{name}}/`"
            ),
        ));
    }
    Ok(())
}

/// The suffix an operation gets when a name it would make is taken.
const RENAME_SUFFIX: &str = "_operation";

/// The operation's Rust name (from which its client methods, mock entry point and subcommand
/// are named): `base`, the snake case of its operationId, unless one of those names is taken
/// by the runtime or the tool; then `base` with [`RENAME_SUFFIX`], and why. An error when that
/// one is taken too.
fn rust_name(base: &str, paged: bool) -> std::result::Result<(String, Option<String>), String> {
    let Some((name, taken)) = clash(base, paged) else {
        return Ok((base.to_owned(), None));
    };
    let renamed = format!("{base}{RENAME_SUFFIX}");
    let why = format!("{name} is {}", taken.by);
    let place = |taken: &Taken| {
        taken
            .file
            .as_deref()
            .map_or_else(String::new, |file| format!(" ({file})"))
    };
    match clash(&renamed, paged) {
        None => Ok((renamed, Some(why))),
        Some((other, again)) => Err(format!(
            "becomes `{base}`, but {why}{}; and its rename `{renamed}` makes {other}, which \
             is {}{} too",
            place(taken),
            again.by,
            place(again)
        )),
    }
}

/// The first name the operation named `method` would make that is taken, with what takes it:
/// the client's method (and a paged one's `_stream` and `_all`), the mock's entry point, the
/// tool's subcommand.
fn clash(method: &str, paged: bool) -> Option<(String, &'static Taken)> {
    let [client, mock] = taken::OPERATION_HOLDERS;
    let mut made = vec![(client, method.to_owned()), (mock, method.to_owned())];
    if paged {
        made.extend(paged_methods(method).map(|name| (client, name)));
    }
    let clashes_in_code = made.into_iter().find_map(|(owner, name)| {
        taken::taken(owner, &name).map(|taken| (format!("`{owner}::{name}`"), taken))
    });
    clashes_in_code.or_else(|| {
        let command = command(method);
        taken::taken(taken::TOOL, &command)
            .map(|taken| (format!("the subcommand `{command}`"), taken))
    })
}

/// The tool's subcommand of the operation named `method`: `get-widget`.
fn command(method: &str) -> String {
    method.trim_end_matches('_').to_kebab_case()
}

/// Finds the payload type of a request body of the form
/// `allOf: [{$ref: <envelope>}, {properties: {<payload>: {$ref: <payload type>}}}]`.
fn check_request_body(
    op: &spec::Operation,
    op_path: &SpecPath,
    types: &mut Types,
    payload_field: &str,
) -> Result<String> {
    let envelope_ref = format!("{SCHEMA_REF_PREFIX}{}", types.envelope.unwrap_or_default());
    let shape = format!(
        "the request body schema must be `allOf: [{{$ref: '{envelope_ref}'}}, {{type: object, \
         properties: {{{payload_field}: {{$ref: ...}}}}}}]`"
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
        &[payload_field],
        &format!("request data belongs in `{payload_field}`"),
    )?;
    let Some(payload) = part.properties.get(payload_field) else {
        return Err(Problem::new(&part_path, shape));
    };
    let payload_path = part_path.key("properties").key(payload_field);
    payload_type(payload, &payload_path, types)
}

/// The payload type of a body that is the payload itself, without an envelope:
/// `content: {application/json: {schema: {$ref: <payload type>}}}`.
fn check_bare_body(
    body: &spec::RequestBody,
    op_path: &SpecPath,
    types: &mut Types,
) -> Result<String> {
    let (schema, schema_path) = body::json_schema(body, op_path)?;
    if schema.all_of.is_some() {
        return Err(Problem::new(
            &schema_path.key("allOf"),
            "unsupported construct: `allOf` in a request body without an envelope \
             (`x-request-signing` has no `envelope`); the body is the payload: a $ref to an \
             object schema",
        ));
    }
    payload_type(schema, &schema_path, types)
}

/// The payload's struct, for a $ref to an object schema.
fn payload_type(payload: &Schema, payload_path: &SpecPath, types: &mut Types) -> Result<String> {
    match types.resolve(payload, payload_path, "")? {
        RustType::Named(name) if types.is_struct(&name) => Ok(name),
        _ => Err(Problem::new(
            payload_path,
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
