//! The spec model: the subset of OpenAPI 3.0 the generator reads, as serde types.
//!
//! Fields the generator does not support are still captured (as raw YAML) so that
//! validation can name them instead of silently ignoring them.

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_yaml::Value;

/// An OpenAPI document.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub openapi: String,
    pub info: Info,
    #[serde(default)]
    pub servers: Vec<Server>,
    pub paths: IndexMap<String, PathItem>,
    #[serde(default)]
    pub components: Components,
    #[serde(rename = "x-request-signing")]
    pub request_signing: Option<RequestSigning>,
    #[serde(rename = "x-rust-crate")]
    pub rust_crate: Option<RustCrate>,
    #[serde(rename = "x-webhooks")]
    pub webhooks: Option<Webhooks>,
}

#[derive(Debug, Deserialize)]
pub struct Info {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Server {
    pub url: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    #[serde(default)]
    pub schemas: IndexMap<String, Schema>,
}

/// One path. Only `post` is supported; the other methods are kept to be reported.
#[derive(Debug, Deserialize)]
pub struct PathItem {
    pub post: Option<Operation>,
    pub get: Option<Value>,
    pub put: Option<Value>,
    pub patch: Option<Value>,
    pub delete: Option<Value>,
    pub head: Option<Value>,
    pub options: Option<Value>,
    pub trace: Option<Value>,
    pub parameters: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
    pub parameters: Option<Value>,
    pub request_body: Option<RequestBody>,
    #[serde(default)]
    pub responses: IndexMap<StatusKey, Response>,
    /// `x-idempotent: true`: repeating the operation has the effect of doing it once, so the
    /// client may retry it.
    #[serde(rename = "x-idempotent", default)]
    pub idempotent: bool,
    #[serde(rename = "x-pagination")]
    pub pagination: Option<Pagination>,
}

/// `x-pagination`: how a paged operation's request asks for a page and its response ends.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pagination {
    /// The payload property that holds the page number.
    pub page_number_property: String,
    /// The number of the first page (0 or 1, usually).
    pub first_page: i64,
    /// The response property that holds the page's items (an array).
    pub items_property: String,
    /// The response property that holds the number of pages, if there is one.
    pub total_pages_property: Option<String>,
}

/// `x-webhooks`: the events the API POSTs to the merchant, signed like requests.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Webhooks {
    /// `$ref` to the schema of every webhook's body.
    pub envelope: String,
    /// The envelope property (a string) that names the event.
    pub event_type_property: String,
    /// The envelope property (a schema without type) that holds the event's data.
    pub data_property: String,
    /// Event type → its data schema, in spec order.
    pub events: IndexMap<String, WebhookEvent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEvent {
    /// `$ref` to the schema of the event's data.
    pub data: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RequestBody {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    #[serde(default)]
    pub content: IndexMap<String, MediaType>,
}

#[derive(Debug, Deserialize)]
pub struct Response {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    #[serde(default)]
    pub content: IndexMap<String, MediaType>,
}

#[derive(Debug, Deserialize)]
pub struct MediaType {
    pub schema: Option<Schema>,
}

/// A response key: a status code (`'200'`, or unquoted `200`), a range (`4XX`) or `default`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusKey(pub String);

impl<'de> Deserialize<'de> for StatusKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // YAML reads an unquoted `200` as a number; OpenAPI means the same status.
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(StatusKey(text)),
            Value::Number(number) => Ok(StatusKey(number.to_string())),
            _ => Err(serde::de::Error::custom(
                "a response key must be a status code, a range like 4XX, or `default`",
            )),
        }
    }
}

/// A JSON schema, as OpenAPI 3.0 writes it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    #[serde(rename = "type")]
    pub schema_type: Option<String>,
    pub format: Option<String>,
    pub description: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub properties: IndexMap<String, Schema>,
    #[serde(default)]
    pub required: Vec<String>,
    pub items: Option<Box<Schema>>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<Value>>,
    #[serde(default)]
    pub nullable: bool,
    pub additional_properties: Option<Value>,
    pub all_of: Option<Vec<Schema>>,
    pub one_of: Option<Value>,
    pub any_of: Option<Value>,
    pub not: Option<Value>,
    pub discriminator: Option<Value>,
    #[serde(rename = "x-enum-varnames")]
    pub enum_varnames: Option<Vec<String>>,
    #[serde(rename = "x-enum-descriptions")]
    pub enum_descriptions: Option<Vec<String>>,
}

/// `x-request-signing`: how every request is stamped and signed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestSigning {
    pub key_header: String,
    pub signature_header: String,
    pub algorithm: String,
    pub signature_encoding: String,
    pub signed_content: String,
    pub max_clock_skew_seconds: u32,
    pub envelope: SigningEnvelope,
    /// How the API says a request's timestamp is outside the window.
    pub timestamp_rejected: Option<TimestampRejected>,
    /// A published example (secret, body, signature) that becomes a test of the signer.
    pub example: Option<SigningExample>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningEnvelope {
    pub schema: String,
    pub account_property: String,
    pub timestamp_property: String,
    pub timestamp_unit: String,
    pub payload_property: String,
}

/// An error body whose `error_property` is `error_value` means "timestamp outside the window".
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimestampRejected {
    pub error_property: String,
    pub error_value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningExample {
    pub secret: String,
    pub body: String,
    pub signature: String,
}

/// `x-rust-crate`: the generated crate's package metadata.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RustCrate {
    pub name: String,
    pub version: String,
    pub description: String,
    pub license: String,
    pub repository: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default = "yes")]
    pub publish: bool,
}

fn yes() -> bool {
    true
}
