//! Sandbox-only routes under `/sandbox/`, outside the merchant API and unauthenticated (the
//! sandbox listens on loopback): their request types and routes. They simulate deposits, move
//! them on, and inject faults.
//!
//! - `POST /sandbox/deposits` with a [`Deposit`] → 201 and the transaction, in `MEM_POOL_FOUND`
//! - `POST /sandbox/transactions/{id}/advance` → the transaction, one step further
//! - `POST /sandbox/transactions/{id}/settle` → the transaction in its final state
//! - `POST /sandbox/faults` with a [`Fault`] → 204; the next matching requests fail
//!
//! Errors answer `{"error": "…"}` with 400, 404 or 409.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use calypso_customer_purse::{Decimal, Uuid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::failure::{Failure, json_response};
use crate::{MERCHANT_PATH_PREFIX, Sandbox};

/// How a simulated deposit ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// The compliance check passes; the funds are credited to the merchant account.
    #[default]
    Confirmed,
    /// The compliance check fails; the address is blocked for further deposits.
    Declined,
}

/// A simulated deposit: funds arriving at an address the sandbox handed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deposit {
    /// The deposit address, as returned by `address/get`.
    pub address: String,
    /// The currency code; it must use the address's chain family.
    pub currency: String,
    /// The amount, a positive exact decimal (a JSON number or string; written as a string).
    #[serde(with = "exact_decimal")]
    pub amount: Decimal,
    /// How the deposit ends; `CONFIRMED` when absent.
    #[serde(default)]
    pub outcome: Outcome,
    /// The sender's address; made up when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_from: Option<String>,
    /// The on-chain hash; made up when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_hash: Option<String>,
}

/// Reads a decimal from the raw JSON text, number or string, so that no digit is lost to `f64`.
mod exact_decimal {
    use calypso_customer_purse::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::value::RawValue;

    pub(super) fn serialize<S: Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Decimal, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let text = text
            .strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
            .unwrap_or(text);
        let invalid = |reason: String| {
            serde::de::Error::custom(format!("amount `{text}` is not an exact decimal: {reason}"))
        };
        // A string must hold a JSON number too: no `_`, no `+`, no spaces.
        if text.parse::<serde_json::Number>().is_err() {
            return Err(invalid("expected a JSON number".into()));
        }
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(text)
        } else {
            Decimal::from_str_exact(text)
        };
        parsed.map_err(|error| invalid(error.to_string()))
    }
}

/// Why a sandbox-only (admin) request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminError {
    /// Nothing with this address or id exists.
    NotFound(String),
    /// The request is not valid.
    Invalid(String),
    /// The request conflicts with the current state.
    Conflict(String),
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound(message) | Self::Invalid(message) | Self::Conflict(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for AdminError {}

/// An injected fault: the next `count` merchant requests that pass authentication (and match
/// `operation`, when given) fail with `status` and error code 000 without touching any state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// How many requests fail; 1 when absent.
    #[serde(default = "one")]
    pub count: u32,
    /// The HTTP status of the failures, 400–599; 500 when absent.
    #[serde(default = "internal_server_error")]
    pub status: u16,
    /// Only this operation's requests fail, named by its path after the merchant prefix (e.g.
    /// `customer/get`); all operations when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A `Retry-After` header, in seconds, on the failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

fn one() -> u32 {
    1
}

fn internal_server_error() -> u16 {
    500
}

impl Default for Fault {
    /// One 500 on any operation.
    fn default() -> Self {
        Self {
            count: one(),
            status: internal_server_error(),
            operation: None,
            retry_after_seconds: None,
        }
    }
}

impl Fault {
    pub(crate) fn validate(&self) -> Result<(), AdminError> {
        if self.count == 0 {
            return Err(AdminError::Invalid("count must be at least 1".into()));
        }
        if !(400..=599).contains(&self.status) {
            return Err(AdminError::Invalid(format!(
                "status must be 400–599, not {}",
                self.status
            )));
        }
        Ok(())
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        self.operation.as_deref().is_none_or(|operation| {
            path.strip_prefix(MERCHANT_PATH_PREFIX) == Some(operation.trim_start_matches('/'))
        })
    }

    pub(crate) fn failure(&self) -> Failure {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Failure {
            retry_after: self.retry_after_seconds,
            ..Failure::internal(status, "internal error injected by the sandbox")
        }
    }
}

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/deposits", post(deposit))
        .route("/sandbox/transactions/{id}/advance", post(advance))
        .route("/sandbox/transactions/{id}/settle", post(settle))
        .route("/sandbox/faults", post(fault))
}

async fn deposit(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let answer = parse::<Deposit>(&body).and_then(|deposit| sandbox.deposit(deposit));
    respond(answer, StatusCode::CREATED)
}

async fn advance(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    respond(
        transaction_id(&id).and_then(|id| sandbox.advance(id)),
        StatusCode::OK,
    )
}

async fn settle(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    respond(
        transaction_id(&id).and_then(|id| sandbox.settle(id)),
        StatusCode::OK,
    )
}

async fn fault(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    match parse::<Fault>(&body).and_then(|fault| sandbox.inject_fault(fault)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error_response(&error),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    serde_json::from_slice(body)
        .map_err(|error| AdminError::Invalid(format!("invalid request body: {error}")))
}

fn transaction_id(text: &str) -> Result<Uuid, AdminError> {
    Uuid::parse_str(text)
        .map_err(|_| AdminError::Invalid(format!("`{text}` is not a transaction id (a UUID)")))
}

fn respond(answer: Result<impl Serialize, AdminError>, status: StatusCode) -> Response {
    match answer {
        Ok(value) => json_response(status, &value),
        Err(error) => error_response(&error),
    }
}

fn error_response(error: &AdminError) -> Response {
    let status = match error {
        AdminError::NotFound(_) => StatusCode::NOT_FOUND,
        AdminError::Invalid(_) => StatusCode::BAD_REQUEST,
        AdminError::Conflict(_) => StatusCode::CONFLICT,
    };
    json_response(status, &serde_json::json!({ "error": error.to_string() }))
}
