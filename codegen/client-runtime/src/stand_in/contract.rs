//! A hand-written stand-in for the contract module the generator writes for each spec
//! (`codegen/src/emit/contract.rs`): everything the runtime must know of the API.
//!
//! The runtime compiles and is tested against these values. They describe a small API
//! signed like the Calypso Customer Purse API (the same headers, envelope and error body),
//! so that the benchmarks of the runtime time the same bytes as the generated client's.

use std::time::Duration;

use crate::call::Operation;

/// The header that carries the API key (`Key`).
pub const KEY_HEADER: &str = "key";

/// The header that carries the body's signature (`Sign`).
pub const SIGNATURE_HEADER: &str = "sign";

/// How far a request's timestamp may be from the server's clock: 180 seconds either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(180);

/// The key header as the spec writes it, for messages.
pub(crate) const KEY_HEADER_AS_WRITTEN: &str = "Key";

/// The signature header as the spec writes it, for messages.
pub(crate) const SIGNATURE_HEADER_AS_WRITTEN: &str = "Sign";

/// The envelope property that holds the account.
pub(crate) const ACCOUNT_PROPERTY: &str = "account";

/// The envelope property that holds the timestamp.
pub(crate) const TIMESTAMP_PROPERTY: &str = "timestamp";

/// The envelope property that holds the operation's payload.
pub(crate) const PAYLOAD_PROPERTY: &str = "payload";

/// Milliseconds per unit of the envelope's timestamp: 1 for milliseconds, 1000 for
/// seconds.
pub(crate) const TIMESTAMP_UNIT_MILLIS: i64 = 1;

/// The base URL used when none is given: `https://api.example.com`.
pub const DEFAULT_BASE_URL: &str = "https://api.example.com";

/// The base URL the client falls back to, if the spec names a server.
pub(crate) const BASE_URL: Option<&str> = Some(DEFAULT_BASE_URL);

/// Every operation, in the order of the client's URLs; a method calls `OPERATIONS[i]`.
pub(crate) const OPERATIONS: [Operation; 3] = [
    Operation {
        id: "getThing",
        path: "/api/v1/thing/get",
        idempotent: true,
    },
    Operation {
        id: "createThing",
        path: "/api/v1/thing/create",
        idempotent: false,
    },
    Operation {
        id: "findThings",
        path: "/api/v1/thing/find",
        idempotent: true,
    },
];

/// The body of the API's error responses.
pub(crate) type ErrorBody = crate::types::ErrorResponse;

/// The properties of the error body; JSON with none of them is someone else's. `None`
/// when the error body is not an object schema: then any JSON that parses as it counts.
pub(crate) const ERROR_BODY_PROPERTIES: Option<&[&str]> = Some(&["errorCode", "message"]);

/// The error body property, and its value, that mean "timestamp outside the window".
pub(crate) const TIMESTAMP_REJECTED: Option<(&str, &str)> = Some(("errorCode", "011"));

/// How the API answers the requests it refuses before running them
/// (`x-request-signing.refusals`), for the mock.
#[cfg(feature = "mock")]
pub(crate) const REFUSALS: crate::mock::Refusals = crate::mock::Refusals {
    unknown_key: Some((400, r#"{"errorCode":"002","message":"invalid api key"}"#)),
    bad_signature: Some((400, r#"{"errorCode":"003","message":"wrong sign"}"#)),
    bad_request: Some((400, r#"{"errorCode":"001","message":"bad request"}"#)),
    stale_timestamp: Some((400, r#"{"errorCode":"011","message":"invalid timestamp"}"#)),
};

/// The body every webhook shares.
pub(crate) type WebhookEnvelope = crate::types::WebhookEnvelope;

/// The envelope property that holds the event's data.
pub(crate) const WEBHOOK_DATA_PROPERTY: &str = "data";

/// The event type a webhook names, if it names one.
pub(crate) fn webhook_event_type(envelope: &WebhookEnvelope) -> Option<&str> {
    Some(&envelope.event_type)
}
