//! `x-webhooks`: the envelope every webhook shares and the data schema of each event type.

use std::collections::HashMap;

use super::schemas::Types;
use super::{Result, component_name};
use crate::error::{Problem, SpecPath};
use crate::model::{RustType, WebhookEvent, Webhooks};
use crate::naming::camel_name;
use crate::spec::{self, Document};

/// The variant that keeps event types the spec does not list.
pub const OTHER_EVENT_VARIANT: &str = "Other";

pub(crate) fn check_webhooks(doc: &Document, types: &Types) -> Result<Option<Webhooks>> {
    let Some(webhooks) = &doc.webhooks else {
        return Ok(None);
    };
    let path = SpecPath::root().key("x-webhooks");
    let schemas = &doc.components.schemas;
    let envelope_path = path.key("envelope");
    let envelope_component = component_name(&webhooks.envelope, &envelope_path, schemas)?;
    let envelope = struct_name(types, envelope_component, &envelope_path)?;
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
                    ", not an enum: the event types are listed under `x-webhooks.events`"
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
        &webhooks.event_type_property,
        "eventTypeProperty",
        RustType::String,
        "a string",
    )?;
    let (data_field, data_optional) = find(
        &webhooks.data_property,
        "dataProperty",
        RustType::Json,
        "any JSON (a schema without a type, or an object without properties), so that its \
         raw value is kept",
    )?;

    let events_path = path.key("events");
    if webhooks.events.is_empty() {
        return Err(Problem::new(&events_path, "no events are listed"));
    }
    let mut by_variant: HashMap<String, &str> = HashMap::new();
    let mut events = Vec::new();
    for (event_type, event) in &webhooks.events {
        let event_path = events_path.key(event_type);
        let variant = camel_name(event_type).ok_or_else(|| {
            Problem::new(
                &event_path,
                format!("event type `{event_type}` does not make a Rust variant name"),
            )
        })?;
        if variant == OTHER_EVENT_VARIANT {
            return Err(Problem::new(
                &event_path,
                format!(
                    "event type `{event_type}` becomes `{OTHER_EVENT_VARIANT}`, the variant \
                     that keeps unlisted event types"
                ),
            ));
        }
        if let Some(other) = by_variant.insert(variant.clone(), event_type) {
            return Err(Problem::new(
                &event_path,
                format!(
                    "event types `{other}` and `{event_type}` both become the variant `{variant}`"
                ),
            ));
        }
        events.push(check_event(
            event,
            &event_path,
            types,
            schemas,
            event_type,
            variant,
        )?);
    }
    Ok(Some(Webhooks {
        envelope,
        event_type_field,
        event_type_wire_name: webhooks.event_type_property.clone(),
        event_type_optional,
        data_field,
        data_wire_name: webhooks.data_property.clone(),
        data_optional,
        events,
    }))
}

fn check_event(
    event: &spec::WebhookEvent,
    path: &SpecPath,
    types: &Types,
    schemas: &indexmap::IndexMap<String, spec::Schema>,
    event_type: &str,
    variant: String,
) -> Result<WebhookEvent> {
    let data_path = path.key("data");
    let component = component_name(&event.data, &data_path, schemas)?;
    let data = struct_name(types, component, &data_path)?;
    Ok(WebhookEvent {
        event_type: event_type.to_owned(),
        variant,
        data,
        description: event.description.clone(),
    })
}

/// The Rust name of the struct a component became.
fn struct_name(types: &Types, component: &str, path: &SpecPath) -> Result<String> {
    if component == types.envelope {
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
