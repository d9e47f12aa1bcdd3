//! Webhooks, in their standard places: OpenAPI 3.1's `webhooks`, or Redoc's `x-webhooks`
//! in 3.0. Each is a Path Item whose `post` body is the envelope `allOf` the event's part:
//! its event type pinned (`enum: [TYPE]`, or `const` in 3.1) and its data's schema.
//! `x-request-signing.webhooks` names the envelope and those two properties.

use std::collections::HashMap;

use super::schemas::Types;
use super::{Result, Version, body, component_name};
use crate::error::{Problem, SpecPath};
use crate::model::{Field, RustType, WebhookEvent, Webhooks};
use crate::naming::camel_name;
use crate::spec::{Document, PathItem, Schema, SigningWebhooks};

/// The variant that keeps event types the spec does not list.
pub const OTHER_EVENT_VARIANT: &str = "Other";

/// The variant that keeps an event whose data does not fit its type's schema.
pub const UNTYPED_EVENT_VARIANT: &str = "Untyped";

pub(crate) fn check_webhooks(
    doc: &Document,
    version: Version,
    signing: Option<&SigningWebhooks>,
    types: &mut Types,
) -> Result<Option<Webhooks>> {
    let key = version.webhooks_key();
    let items = match version {
        Version::V3_0 => doc.x_webhooks.as_ref(),
        Version::V3_1 => doc.webhooks.as_ref(),
    };
    let signing_path = SpecPath::root().key("x-request-signing").key("webhooks");
    let (items, signing) = match (items, signing) {
        (None, None) => return Ok(None),
        (Some(items), Some(signing)) => (items, signing),
        (Some(_), None) => {
            return Err(Problem::new(
                &SpecPath::root().key(key),
                "the webhooks need `x-request-signing.webhooks`: the envelope they share, and \
                 its event-type and data properties",
            ));
        }
        (None, Some(_)) => {
            return Err(Problem::new(
                &signing_path,
                format!(
                    "`x-request-signing.webhooks` describes webhooks, but the spec has no `{key}`"
                ),
            ));
        }
    };
    let envelope = check_envelope(doc, signing, &signing_path, types)?;
    if items.is_empty() {
        return Err(Problem::new(
            &SpecPath::root().key(key),
            "no webhooks are listed",
        ));
    }
    let mut by_variant: HashMap<String, String> = HashMap::new();
    let mut events = Vec::new();
    for (name, item) in items {
        let item_path = SpecPath::root().key(key).key(name);
        let event = check_event(item, &item_path, signing, version, types)?;
        if let Some(other) = by_variant.insert(event.variant.clone(), event.event_type.clone()) {
            let message = if other == event.event_type {
                format!("a second webhook with the event type `{other}`")
            } else {
                format!(
                    "event types `{other}` and `{}` both become the variant `{}`",
                    event.event_type, event.variant
                )
            };
            return Err(Problem::new(&item_path, message));
        }
        events.push(event);
    }
    Ok(Some(Webhooks { events, ..envelope }))
}

/// The envelope's struct and its event-type and data fields (no events yet).
fn check_envelope(
    doc: &Document,
    signing: &SigningWebhooks,
    path: &SpecPath,
    types: &Types,
) -> Result<Webhooks> {
    let envelope_path = path.key("envelope");
    let component = component_name(&signing.envelope, &envelope_path, &doc.components.schemas)?;
    let envelope = struct_name(types, component, &envelope_path)?;
    let def = types
        .struct_def(&envelope)
        .ok_or_else(|| Problem::new(&envelope_path, "the envelope must be an object schema"))?;
    let find = |wire_name: &str, key: &str, wanted: RustType, what: &str| {
        let field_path = path.key(key);
        let field = def
            .fields
            .iter()
            .find(|field| field.wire_name == wire_name)
            .ok_or_else(|| {
                Problem::new(
                    &field_path,
                    format!("the envelope `{envelope}` has no property `{wire_name}`"),
                )
            })?;
        if field.ty != wanted {
            let enum_hint = match &field.ty {
                RustType::Named(name) if types.struct_def(name).is_none() => {
                    ", not an enum: each webhook's body pins it to its event type"
                }
                _ => "",
            };
            return Err(Problem::new(
                &field_path,
                format!("the envelope property `{wire_name}` must be {what}{enum_hint}"),
            ));
        }
        Ok((field.name.clone(), field.optional))
    };
    let (event_type_field, event_type_optional) = find(
        &signing.event_type_property,
        "eventTypeProperty",
        RustType::String,
        "a string",
    )?;
    let (data_field, data_optional) = find(
        &signing.data_property,
        "dataProperty",
        RustType::Json,
        "any JSON (a schema without a type, or an object without properties), so that its \
         raw value is kept",
    )?;
    let identity_wire_names = identity(signing, path, &envelope, &def.fields)?;
    Ok(Webhooks {
        envelope,
        event_type_field,
        event_type_wire_name: signing.event_type_property.clone(),
        event_type_optional,
        data_field,
        data_wire_name: signing.data_property.clone(),
        data_optional,
        identity_wire_names,
        events: Vec::new(),
    })
}

/// The envelope properties that identify a delivery (`identityProperties`): each one of
/// the envelope's, but the data, and none twice.
fn identity(
    signing: &SigningWebhooks,
    path: &SpecPath,
    envelope: &str,
    fields: &[Field],
) -> Result<Vec<String>> {
    let Some(names) = &signing.identity_properties else {
        return Ok(Vec::new());
    };
    let list_path = path.key("identityProperties");
    if names.is_empty() {
        return Err(Problem::new(
            &list_path,
            "name at least one envelope property, or leave `identityProperties` out for \
             webhooks without an identity",
        ));
    }
    for (at, name) in names.iter().enumerate() {
        let name_path = list_path.index(at);
        if !fields.iter().any(|field| &field.wire_name == name) {
            return Err(Problem::new(
                &name_path,
                format!("the envelope `{envelope}` has no property `{name}`"),
            ));
        }
        if name == &signing.data_property {
            return Err(Problem::new(
                &name_path,
                format!(
                    "`{name}` is the event's data (`dataProperty`), not what identifies a \
                     delivery"
                ),
            ));
        }
        if names[..at].contains(name) {
            return Err(Problem::new(&name_path, format!("`{name}` is named twice")));
        }
    }
    Ok(names.clone())
}

/// One webhook: a `post` whose body is the envelope with the event's type and data.
fn check_event(
    item: &PathItem,
    path: &SpecPath,
    signing: &SigningWebhooks,
    version: Version,
    types: &mut Types,
) -> Result<WebhookEvent> {
    let others = [
        ("get", item.get.is_some()),
        ("put", item.put.is_some()),
        ("patch", item.patch.is_some()),
        ("delete", item.delete.is_some()),
        ("head", item.head.is_some()),
        ("options", item.options.is_some()),
        ("trace", item.trace.is_some()),
        ("parameters", item.parameters.is_some()),
    ];
    if let Some((other, _)) = others.iter().find(|(_, present)| *present) {
        return Err(Problem::new(
            &path.key(*other),
            format!("unsupported construct: `{other}` in a webhook; the API POSTs each webhook"),
        ));
    }
    let Some(post) = &item.post else {
        return Err(Problem::new(
            path,
            "the webhook has no `post`: the API POSTs each webhook, and its request body says \
             what it sends",
        ));
    };
    let post_path = path.key("post");
    let (event_type_property, data_property) = (
        signing.event_type_property.as_str(),
        signing.data_property.as_str(),
    );
    let pin = match version {
        Version::V3_0 => "enum: [EVENT_TYPE]",
        Version::V3_1 => "const: EVENT_TYPE",
    };
    let shape = format!(
        "a webhook's body schema must be the envelope with its event: `allOf: [{{$ref: '{}'}}, \
         {{type: object, properties: {{{event_type_property}: {{type: string, {pin}}}, \
         {data_property}: {{$ref: ...}}}}}}]`",
        signing.envelope
    );
    let (part, part_path) = body::envelope_part(
        post.request_body.as_ref(),
        &post_path,
        &signing.envelope,
        "missing request body: a webhook's body says what the API sends",
        &shape,
    )?;
    body::only_properties(
        part,
        &part_path,
        &[event_type_property, data_property],
        &format!(
            "a webhook's own part gives only its `{event_type_property}` and its \
             `{data_property}`"
        ),
    )?;
    let properties_path = part_path.key("properties");
    let (Some(pinned), Some(data)) = (
        part.properties.get(event_type_property),
        part.properties.get(data_property),
    ) else {
        return Err(Problem::new(&part_path, shape));
    };
    let event_type = pinned_value(pinned, &properties_path.key(event_type_property), version)?;
    let data_path = properties_path.key(data_property);
    let data = match types.resolve(data, &data_path, "")? {
        RustType::Named(name) if types.is_struct(&name) => name,
        _ => {
            return Err(Problem::new(
                &data_path,
                "an event's data must be a $ref to an object schema",
            ));
        }
    };
    let variant = camel_name(&event_type).ok_or_else(|| {
        Problem::new(
            path,
            format!("event type `{event_type}` does not make a Rust variant name"),
        )
    })?;
    if [OTHER_EVENT_VARIANT, UNTYPED_EVENT_VARIANT].contains(&variant.as_str()) {
        return Err(Problem::new(
            path,
            format!(
                "event type `{event_type}` becomes `{variant}`, a variant the event enum keeps \
                 for events it cannot type"
            ),
        ));
    }
    // The variant's doc: the description, else the summary (the doc names the type itself).
    let description = [post.description.as_deref(), post.summary.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|text| !text.is_empty())
        .map(str::to_owned);
    Ok(WebhookEvent {
        event_type,
        variant,
        data,
        description,
        spec_path: path.to_string(),
    })
}

/// The event type a webhook's body pins its event-type property to: a string `enum` of one
/// value, or (3.1) a `const`.
fn pinned_value(schema: &Schema, path: &SpecPath, version: Version) -> Result<String> {
    let pin = match version {
        Version::V3_0 => "`enum: [EVENT_TYPE]`",
        Version::V3_1 => "`const: EVENT_TYPE`",
    };
    if schema.const_value.is_some() && version == Version::V3_0 {
        return Err(Problem::new(
            &path.key("const"),
            "`const` is OpenAPI 3.1; a 3.0 spec pins the event type with `enum: [EVENT_TYPE]`",
        ));
    }
    let value = match (&schema.const_value, schema.enum_values.as_deref()) {
        (Some(value), None) => value,
        (None, Some([value])) => value,
        _ => {
            return Err(Problem::new(
                path,
                format!("the webhook must pin its event type to one value: {pin}"),
            ));
        }
    };
    match value {
        serde_yaml::Value::String(event_type) if !event_type.is_empty() => Ok(event_type.clone()),
        _ => Err(Problem::new(path, "an event type is a non-empty string")),
    }
}

/// The Rust name of the struct a component became.
fn struct_name(types: &Types, component: &str, path: &SpecPath) -> Result<String> {
    if Some(component) == types.envelope {
        return Err(Problem::new(
            path,
            format!(
                "`{component}` is the request-signing envelope, which is not generated as a \
                 type; give webhooks a schema of their own"
            ),
        ));
    }
    camel_name(component)
        .filter(|name| types.struct_def(name).is_some())
        .ok_or_else(|| Problem::new(path, format!("`{component}` must be an object schema")))
}
