//! The spec model: the subset of OpenAPI 3.0 and 3.1 the generator reads, as serde types.
//!
//! Both versions' forms are read (3.0's `nullable` and `x-webhooks`, 3.1's type lists,
//! `const` and `webhooks`); the checker refuses a form that does not belong to the spec's
//! version. Fields the generator does not support are still captured (as raw YAML) so that
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
    /// `x-request-signing`, as YAML: the checker applies its JSON Schema, then reads it as a
    /// [`RequestSigning`].
    #[serde(rename = "x-request-signing")]
    pub request_signing: Option<Value>,
    #[serde(rename = "x-rust-crate")]
    pub rust_crate: Option<RustCrate>,
    /// The security requirements of every operation: alternatives, each a set of schemes
    /// required together.
    pub security: Option<Vec<SecurityRequirement>>,
    /// OpenAPI 3.1's webhooks: name → a Path Item whose `post` is the webhook.
    pub webhooks: Option<IndexMap<String, PathItem>>,
    /// The same, in OpenAPI 3.0, as Redoc's `x-webhooks` extension.
    #[serde(rename = "x-webhooks")]
    pub x_webhooks: Option<IndexMap<String, PathItem>>,
}

/// Security scheme name → the scopes it needs (none, for API keys).
pub type SecurityRequirement = IndexMap<String, Vec<String>>;

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
    #[serde(default)]
    pub security_schemes: IndexMap<String, SecurityScheme>,
}

/// A security scheme; the generator reads API keys sent in headers.
#[derive(Debug, Deserialize)]
pub struct SecurityScheme {
    #[serde(rename = "type")]
    pub scheme_type: String,
    #[serde(rename = "in")]
    pub location: Option<String>,
    pub name: Option<String>,
}

/// One path, or one webhook. `head`, `options` and `trace` are kept to be reported.
#[derive(Debug, Deserialize)]
pub struct PathItem {
    pub post: Option<Operation>,
    pub get: Option<Operation>,
    pub put: Option<Operation>,
    pub patch: Option<Operation>,
    pub delete: Option<Operation>,
    pub head: Option<Value>,
    pub options: Option<Value>,
    pub trace: Option<Value>,
    /// The parameters of every operation of the path.
    pub parameters: Option<Vec<Parameter>>,
}

impl PathItem {
    /// The operations the generator reads, by their method's name, in a fixed order.
    pub fn operations(&self) -> [(&'static str, Option<&Operation>); 5] {
        [
            ("post", self.post.as_ref()),
            ("get", self.get.as_ref()),
            ("put", self.put.as_ref()),
            ("patch", self.patch.as_ref()),
            ("delete", self.delete.as_ref()),
        ]
    }
}

/// A parameter. Fields the generator refuses are captured to be named.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "in")]
    pub location: Option<String>,
    #[serde(default)]
    pub required: bool,
    pub description: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
    pub schema: Option<Schema>,
    pub style: Option<String>,
    pub explode: Option<bool>,
    pub allow_reserved: Option<bool>,
    pub allow_empty_value: Option<bool>,
    pub content: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub deprecated: bool,
    pub parameters: Option<Vec<Parameter>>,
    pub request_body: Option<RequestBody>,
    #[serde(default)]
    pub responses: IndexMap<StatusKey, Response>,
    /// The operation's own security requirements, in place of the document's.
    pub security: Option<Vec<SecurityRequirement>>,
    /// `x-idempotent`: `true` when repeating the operation has the effect of doing it once,
    /// so the client may retry it. Left out, the method says.
    #[serde(rename = "x-idempotent")]
    pub idempotent: Option<bool>,
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
    /// `true` when the first page's number is inferred, not documented by the API.
    #[serde(default)]
    pub first_page_inferred: bool,
    /// The response property that holds the page's items (an array).
    pub items_property: String,
    /// The response property that holds the number of pages, if there is one.
    pub total_pages_property: Option<String>,
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

/// A JSON schema, as OpenAPI 3.0 or 3.1 writes it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    #[serde(rename = "type")]
    pub schema_type: Option<SchemaType>,
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
    /// OpenAPI 3.1: the one value allowed.
    #[serde(rename = "const")]
    pub const_value: Option<Value>,
    /// OpenAPI 3.0; 3.1 writes `type: [T, "null"]`.
    pub nullable: Option<bool>,
    pub additional_properties: Option<Value>,
    pub all_of: Option<Vec<Schema>>,
    pub one_of: Option<Vec<Schema>>,
    pub any_of: Option<Vec<Schema>>,
    pub not: Option<Value>,
    pub discriminator: Option<Value>,
    #[serde(rename = "x-enum-varnames")]
    pub enum_varnames: Option<Vec<String>>,
    #[serde(rename = "x-enum-descriptions")]
    pub enum_descriptions: Option<Vec<String>>,
}

impl Schema {
    /// The one type the schema names besides `null`, if it names exactly one.
    pub fn single_type(&self) -> Option<&str> {
        match self.schema_type.as_ref()? {
            SchemaType::One(one) => Some(one),
            SchemaType::Many(many) => {
                let mut others = many.iter().filter(|t| *t != "null");
                let first = others.next()?;
                others.next().is_none().then_some(first.as_str())
            }
        }
    }
}

/// `type`: one type, or (OpenAPI 3.1) a list of them, such as `[string, "null"]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SchemaType {
    One(String),
    Many(Vec<String>),
}

/// `x-request-signing`: how every request is stamped and signed.
///
/// Read from the raw YAML once `codegen/schemas/x-request-signing.schema.json` has been
/// applied to it (see `check::signing`): its shape is the schema's. Its two forms, the legacy
/// one (`algorithm`, `signatureEncoding`, `signedContent`, and the envelope's timestamp) and
/// a `recipe`, are told apart by the checker.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestSigning {
    /// The security scheme (an API key in a header) that carries the API key.
    pub key_security_scheme: String,
    /// The security scheme (an API key in a header) that carries the signature.
    pub signature_security_scheme: String,
    /// Legacy form: the HMAC of the body alone.
    pub algorithm: Option<String>,
    /// Legacy form: how the signature is written.
    pub signature_encoding: Option<String>,
    /// Legacy form: `request-body`.
    pub signed_content: Option<String>,
    /// How requests are signed, in place of the legacy form.
    pub recipe: Option<Recipe>,
    pub max_clock_skew_seconds: u32,
    /// The body every request extends; without one, each body is its payload.
    pub envelope: Option<SigningEnvelope>,
    /// How the API says a request's timestamp is outside the window.
    pub timestamp_rejected: Option<TimestampRejected>,
    /// A published example (secret, body, signature) that becomes a test of the signer.
    pub example: Option<SigningExample>,
    /// How the API answers the requests it refuses before running them: what the generated
    /// crate's mock answers.
    pub refusals: Option<Refusals>,
    /// How the webhooks (`x-webhooks`, or 3.1's `webhooks`) read, and how they are signed.
    pub webhooks: Option<SigningWebhooks>,
}

/// A signing recipe: the signed parts and how they are joined, the HMAC, its encoding, and
/// where the timestamp and the nonce go.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recipe {
    pub algorithm: String,
    pub encoding: String,
    pub parts: Vec<RecipePart>,
    #[serde(default)]
    pub separator: String,
    #[serde(default)]
    pub terminated: bool,
    pub timestamp: Option<RecipeTimestamp>,
    pub nonce: Option<Placement>,
}

/// A signed part: a name (`body`, `timestamp`, ...) or fixed text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RecipePart {
    Named(String),
    Text { text: String },
}

/// A recipe's timestamp: its format, and where it goes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecipeTimestamp {
    pub format: String,
    pub header: Option<String>,
    pub envelope_property: Option<String>,
}

/// Where a value the recipe makes goes: a header, or a property of the envelope.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Placement {
    pub header: Option<String>,
    pub envelope_property: Option<String>,
}

/// The body every webhook shares, and the two properties that make it an event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningWebhooks {
    /// `$ref` to the envelope schema every webhook body extends.
    pub envelope: String,
    /// The envelope property (a string) that names the event; each webhook's body pins it
    /// to its event type (`enum: [TYPE]`, or `const` in 3.1).
    pub event_type_property: String,
    /// The envelope property (a schema without type) that holds the event's data; each
    /// webhook's body gives its schema.
    pub data_property: String,
    /// The envelope properties whose values, together, identify a delivery: the same in
    /// every retry or resend of one event, different for any other. Absent: webhooks have
    /// no identity.
    #[serde(default)]
    pub identity_properties: Option<Vec<String>>,
    /// How webhooks are signed, when not as requests are.
    pub recipe: Option<Recipe>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningEnvelope {
    pub schema: String,
    pub account_property: String,
    /// Legacy form: the envelope property of the timestamp.
    pub timestamp_property: Option<String>,
    /// Legacy form: `milliseconds` or `seconds`.
    pub timestamp_unit: Option<String>,
    pub payload_property: String,
}

/// An error body whose `error_property` is `error_value` means "timestamp outside the window".
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimestampRejected {
    pub error_property: String,
    pub error_value: String,
}

/// `x-request-signing.refusals`: the answer to each check a request can fail.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Refusals {
    /// No API key, an unknown one, or one of another account.
    pub unknown_key: Refusal,
    /// No signature, or not the signature of the body.
    pub bad_signature: Refusal,
    /// A body that is not the envelope, or a payload that is not the operation's.
    pub bad_request: Refusal,
    /// A timestamp outside the window.
    pub stale_timestamp: Refusal,
}

/// An HTTP status and the error body sent with it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Refusal {
    pub status: u16,
    pub body: IndexMap<String, serde_yaml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SigningExample {
    pub secret: String,
    pub body: String,
    pub signature: String,
    /// The other parts the recipe signs, as sent.
    pub method: Option<String>,
    pub path_with_query: Option<String>,
    pub url: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub key: Option<String>,
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
