//! A hand-written stand-in for the generated `webhook_events.rs`
//! (`codegen/src/emit/webhook_events.rs`): the events of the stand-in API.

use serde_json::value::RawValue;

use crate::webhooks::read_data;

/// A webhook's event, typed by its event type. A type this version of the crate does
/// not list is kept as [`WebhookEvent::Other`], not refused: the API may add events.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `THING_CREATED`.
    ThingCreated(crate::types::ThingEvent),
    /// An event type this version of the crate does not list.
    Other {
        /// The event type as sent.
        event_type: String,
        /// The event's data as sent, byte for byte (`None` when there was none).
        data: Option<Box<RawValue>>,
    },
    /// An event of a listed type whose data does not fit the type's schema. Its
    /// signature checked out, so it is kept rather than refused.
    Untyped {
        /// The event type as sent.
        event_type: String,
        /// The event's data as sent, byte for byte (`None` when there was none).
        data: Option<Box<RawValue>>,
        /// Why the data could not be read as the event type's schema.
        reason: String,
    },
}

impl WebhookEvent {
    /// The event type as sent.
    pub fn event_type(&self) -> &str {
        match self {
            Self::ThingCreated(_) => "THING_CREATED",
            Self::Other { event_type, .. } | Self::Untyped { event_type, .. } => event_type,
        }
    }

    /// The event of `event_type` with this data, read as that type's schema says; kept
    /// untyped when it does not fit.
    pub(crate) fn read(event_type: String, data: Option<&RawValue>) -> Self {
        let typed = match event_type.as_str() {
            "THING_CREATED" => read_data(data).map(Self::ThingCreated),
            _ => {
                return Self::Other {
                    event_type,
                    data: data.map(RawValue::to_owned),
                }
            }
        };
        typed.unwrap_or_else(|reason| Self::Untyped {
            event_type,
            data: data.map(RawValue::to_owned),
            reason,
        })
    }
}
