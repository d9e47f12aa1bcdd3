//! `x-request-signing.refusals`: how the API answers the requests it refuses before running
//! them. Only the generated crate's mock reads it, so it must be an answer the client reads
//! as the API's error: an error status and an error body of the spec's error schema.

use super::schemas::Types;
use super::{Result, error_body_properties};
use crate::error::{Problem, SpecPath};
use crate::model::{Refusal, Refusals, RustType, Signing};
use crate::spec;

pub(super) fn check_refusals(
    refusals: Option<&spec::Refusals>,
    signing: &Signing,
    error_body: Option<&RustType>,
    types: &Types,
) -> Result<Option<Refusals>> {
    let Some(refusals) = refusals else {
        return Ok(None);
    };
    let path = SpecPath::root().key("x-request-signing").key("refusals");
    let properties = error_body_properties(error_body, types);
    if properties.is_empty() {
        return Err(Problem::new(
            &path,
            "refusals need an error body: give the error responses an object schema",
        ));
    }
    let check = |key: &str, refusal: &spec::Refusal| -> Result<Refusal> {
        let path = path.key(key);
        if !(400..=599).contains(&refusal.status) {
            return Err(Problem::new(
                &path.key("status"),
                format!("{} is not an error status (400 to 599)", refusal.status),
            ));
        }
        for (property, value) in &refusal.body {
            if !properties.contains(&property.as_str()) {
                return Err(Problem::new(
                    &path.key("body").key(property),
                    format!(
                        "the error body has no property `{property}` (it has {})",
                        properties.join(", ")
                    ),
                ));
            }
            if !matches!(
                value,
                serde_yaml::Value::String(_)
                    | serde_yaml::Value::Number(_)
                    | serde_yaml::Value::Bool(_)
            ) {
                return Err(Problem::new(
                    &path.key("body").key(property),
                    "unsupported construct: a refusal's body holds strings, numbers and booleans",
                ));
            }
        }
        let body_json = serde_json::to_string(&refusal.body)
            .map_err(|error| Problem::new(&path.key("body"), format!("cannot be JSON: {error}")))?;
        Ok(Refusal {
            status: refusal.status,
            body_json,
        })
    };
    if let Some((property, value)) = &signing.timestamp_rejected {
        let says = refusals.stale_timestamp.body.get(property.as_str());
        if says.and_then(serde_yaml::Value::as_str) != Some(value.as_str()) {
            return Err(Problem::new(
                &path.key("staleTimestamp").key("body"),
                format!(
                    "the answer to a stale timestamp must have `{property}: '{value}'`, as \
                     `timestampRejected` says, so that the client learns the clock from it"
                ),
            ));
        }
    }
    Ok(Some(Refusals {
        unknown_key: check("unknownKey", &refusals.unknown_key)?,
        bad_signature: check("badSignature", &refusals.bad_signature)?,
        bad_request: check("badRequest", &refusals.bad_request)?,
        stale_timestamp: check("staleTimestamp", &refusals.stale_timestamp)?,
    }))
}
