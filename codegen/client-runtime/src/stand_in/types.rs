//! A hand-written stand-in for the generated `types.rs` (`codegen/src/emit/types.rs`): a
//! few types in the generated style, using every wire format, for the stand-in contract,
//! operations and events.

use rust_decimal::Decimal;
use time::OffsetDateTime;
use uuid::Uuid;

/// The body of the API's error responses.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ErrorResponse {
    /// The error's code.
    #[serde(rename = "errorCode", default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A thing's state: an open enum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThingState {
    /// `NEW`.
    New,
    /// A value this version of the crate does not know; it is kept as received.
    Unknown(crate::UnknownValue),
}

impl ThingState {
    /// The value as it is written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "NEW",
            Self::Unknown(value) => value.as_str(),
        }
    }
}

impl From<&str> for ThingState {
    fn from(value: &str) -> Self {
        match value {
            "NEW" => Self::New,
            other => Self::Unknown(crate::UnknownValue::new(other)),
        }
    }
}

impl serde::Serialize for ThingState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ThingState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = <String as serde::Deserialize>::deserialize(deserializer)?;
        Ok(Self::from(value.as_str()))
    }
}

/// A thing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Thing {
    /// Its id.
    pub id: Uuid,
    /// An amount of money, exact.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::decimal"
    )]
    pub amount: Option<Decimal>,
    /// When it was made.
    #[serde(
        rename = "createdDate",
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::date_time"
    )]
    pub created_date: Option<OffsetDateTime>,
    /// Its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ThingState>,
}

/// Asks for one thing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ThingIdRequest {
    /// The thing's id.
    pub id: Uuid,
}

impl ThingIdRequest {
    /// Creates a `ThingIdRequest` from its required fields.
    pub fn new(id: impl Into<Uuid>) -> Self {
        Self { id: id.into() }
    }
}

/// Makes a thing.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct CreateThingRequest {
    /// An amount of money, exact.
    #[serde(with = "crate::wire::decimal")]
    pub amount: Decimal,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CreateThingRequest {
    /// Creates a `CreateThingRequest` from its required fields; optional fields start as
    /// `None`.
    pub fn new(amount: impl Into<Decimal>) -> Self {
        Self {
            amount: amount.into(),
            description: None,
        }
    }

    /// Sets `description`.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Asks for one page of things.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct FindThingsRequest {
    /// The page, from 1.
    #[serde(
        rename = "pageNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub page_number: Option<i32>,
}

impl FindThingsRequest {
    /// Creates a `FindThingsRequest`; optional fields start as `None`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `page_number`.
    #[must_use]
    pub fn with_page_number(mut self, page_number: impl Into<i32>) -> Self {
        self.page_number = Some(page_number.into());
        self
    }
}

/// One page of things.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ThingPage {
    /// The things of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<Thing>>,
    /// The number of pages.
    pub total: i32,
}

/// The body every webhook shares.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct WebhookEnvelope {
    /// The event type.
    #[serde(rename = "eventType")]
    pub event_type: String,
    /// The event's data, typed in the webhook's event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// The data of a thing's webhook.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ThingEvent {
    /// The thing's id.
    #[serde(rename = "thingId", default, skip_serializing_if = "Option::is_none")]
    pub thing_id: Option<Uuid>,
    /// An amount of money, exact.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::decimal"
    )]
    pub amount: Option<Decimal>,
    /// A currency code, which the API may send as a number.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::string_or_number"
    )]
    pub currency: Option<String>,
}
