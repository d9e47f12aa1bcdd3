//! The shape every request body and webhook body shares: an envelope schema, `allOf` a
//! part of the body's own that gives the envelope's variable properties their schemas.

use super::Result;
use crate::error::{Problem, SpecPath};
use crate::spec::{RequestBody, Schema};

/// The part of `body` next to `envelope_ref`, and its path, for a body of the form
/// `content: {application/json: {schema: {allOf: [{$ref: <envelope>}, <part>]}}}` (in
/// either order). `missing` is the error when there is no body; `shape` says what the
/// body's schema should look like.
pub(crate) fn envelope_part<'b>(
    body: Option<&'b RequestBody>,
    owner_path: &SpecPath,
    envelope_ref: &str,
    missing: &str,
    shape: &str,
) -> Result<(&'b Schema, SpecPath)> {
    let Some(body) = body else {
        return Err(Problem::new(owner_path, missing));
    };
    let (schema, schema_path) = json_schema(body, owner_path)?;
    let Some(parts) = &schema.all_of else {
        return Err(Problem::new(&schema_path, shape));
    };
    let all_of_path = schema_path.key("allOf");
    let envelope_at = parts
        .iter()
        .position(|part| part.reference.as_deref() == Some(envelope_ref));
    let (Some(envelope_at), 2) = (envelope_at, parts.len()) else {
        return Err(Problem::new(&all_of_path, shape));
    };
    let own_at = 1 - envelope_at;
    Ok((&parts[own_at], all_of_path.index(own_at)))
}

/// The schema of `body`'s `application/json` content, and its path, for the body of the
/// operation or webhook at `owner_path`.
pub(crate) fn json_schema<'b>(
    body: &'b RequestBody,
    owner_path: &SpecPath,
) -> Result<(&'b Schema, SpecPath)> {
    let path = owner_path.key("requestBody");
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
    Ok((schema, schema_path))
}

/// Refuses a property of the body's own part that is not one of `allowed`.
pub(crate) fn only_properties(
    part: &Schema,
    part_path: &SpecPath,
    allowed: &[&str],
    why: &str,
) -> Result<()> {
    match part
        .properties
        .keys()
        .find(|name| !allowed.contains(&name.as_str()))
    {
        Some(name) => Err(Problem::new(
            &part_path.key("properties").key(name),
            format!("unsupported construct: property `{name}` next to the envelope; {why}"),
        )),
        None => Ok(()),
    }
}
