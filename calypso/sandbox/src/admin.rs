//! Sandbox-only routes under `/sandbox/`, outside the merchant API and unauthenticated (the
//! sandbox listens on loopback): their request types and routes. They simulate deposits, move
//! them on, inject faults, and send webhooks.
//!
//! - `POST /sandbox/deposits` with a [`Deposit`] → 201 and the transaction, in `MEM_POOL_FOUND`
//! - `POST /sandbox/transactions/{id}/advance` → the transaction, one step further
//! - `POST /sandbox/transactions/{id}/settle` → the transaction in its final state
//! - `POST /sandbox/faults` with a [`Fault`] → 204; the next matching requests fail
//! - `POST /sandbox/webhooks` with a [`WebhookRegistration`] → 201 and a [`WebhookSubscription`]
//! - `GET /sandbox/webhooks/deliveries` → every [`WebhookDelivery`] so far, oldest first
//! - `GET /sandbox/events` → every [`Event`](crate::Event), newest first, with its deliveries
//!   and their attempts; `GET /sandbox/events/{id}` → one
//! - `POST /sandbox/events/{id}/resend`, optionally with a [`Resend`] → the event, sent again
//! - `GET /sandbox/requests?operation=…&status=…&since=…&limit=…` → the request log, newest
//!   first ([`LoggedRequest`](crate::LoggedRequest)); `since` is RFC 3339 or Unix milliseconds
//! - `GET /sandbox/clock` → the [`ClockReading`]; `POST /sandbox/clock` with a
//!   [`ClockAdvance`] → moves it ahead and answers the new reading
//! - `POST /sandbox/trigger` with a [`Trigger`] → 201 and what it made ([`Triggered`])
//!
//! Errors answer `{"error": "…"}` with 400, 404 or 409; a request a browser sends for a page
//! of another origin gets 403 ([`crate::same_origin`]).

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use calypso_customer_purse::types::{Transaction, TransactionState};
use calypso_customer_purse::{Decimal, OffsetDateTime, Uuid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::auth::parse_object;
use crate::clock::ClockAdvance;
use crate::events::Resend;
use crate::failure::{Failure, json_response};
use crate::request_log::RequestFilter;
use crate::trigger::Trigger;
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

impl Deposit {
    /// A deposit of `amount` in `currency` to `address` that confirms, from a made-up sender
    /// with a made-up hash; set the other fields to change that.
    pub fn new(address: impl Into<String>, currency: impl Into<String>, amount: Decimal) -> Self {
        Self {
            address: address.into(),
            currency: currency.into(),
            amount,
            outcome: Outcome::default(),
            address_from: None,
            transaction_hash: None,
        }
    }
}

/// [`exact_decimal`] for an optional field.
pub(crate) mod exact_decimal_option {
    use calypso_customer_purse::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::exact_decimal::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Exact(#[serde(with = "super::exact_decimal")] Decimal);
        Ok(Option::<Exact>::deserialize(deserializer)?.map(|Exact(value)| value))
    }
}

/// Reads a decimal from the raw JSON text, number or string, so that no digit is lost to `f64`.
mod exact_decimal {
    use calypso_customer_purse::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::value::RawValue;

    pub(crate) fn serialize<S: Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
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

/// A webhook event type of the `CUSTOMER_PURSE` service, written as the provider writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookEventType {
    /// `CUSTOMER_PURSE_MEM_POOL_FOUND`: a deposit was seen in the mempool (the transaction was
    /// created).
    CustomerPurseMemPoolFound,
    /// `CUSTOMER_PURSE_PENDING_COMPLIANCE`: the deposit is under compliance check.
    CustomerPursePendingCompliance,
    /// `CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE`: the deposit is `CONFIRMED`.
    CustomerPurseFundsReceivedForPurse,
    /// `CUSTOMER_PURSE_COMPLIANCE_DECLINED`: the deposit is `DECLINED`; the address is blocked.
    CustomerPurseComplianceDeclined,
    /// `CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED`: the funds were credited to the
    /// merchant account.
    CustomerPurseTranslationToAccountCompleted,
    /// `CUSTOMER_PURSE_EXPIRED`: an address expired, 30 days after it was handed out without a
    /// deposit or 365 days after its last one, on the sandbox clock
    /// ([`Sandbox::advance_clock`] moves it).
    CustomerPurseExpired,
}

impl WebhookEventType {
    /// The name on the wire, e.g. `CUSTOMER_PURSE_MEM_POOL_FOUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerPurseMemPoolFound => "CUSTOMER_PURSE_MEM_POOL_FOUND",
            Self::CustomerPursePendingCompliance => "CUSTOMER_PURSE_PENDING_COMPLIANCE",
            Self::CustomerPurseFundsReceivedForPurse => "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE",
            Self::CustomerPurseComplianceDeclined => "CUSTOMER_PURSE_COMPLIANCE_DECLINED",
            Self::CustomerPurseTranslationToAccountCompleted => {
                "CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED"
            }
            Self::CustomerPurseExpired => "CUSTOMER_PURSE_EXPIRED",
        }
    }

    /// The event a simulated deposit raises on reaching `transaction`'s state: the creation in
    /// `MEM_POOL_FOUND` and each step of [`Sandbox::advance`].
    pub(crate) fn after_step(transaction: &Transaction) -> Option<Self> {
        match transaction.transaction_state {
            TransactionState::MemPoolFound => Some(Self::CustomerPurseMemPoolFound),
            TransactionState::PendingComplianceCheck => Some(Self::CustomerPursePendingCompliance),
            TransactionState::Confirmed if transaction.translation_to_account_completed => {
                Some(Self::CustomerPurseTranslationToAccountCompleted)
            }
            TransactionState::Confirmed => Some(Self::CustomerPurseFundsReceivedForPurse),
            TransactionState::Declined => Some(Self::CustomerPurseComplianceDeclined),
            _ => None,
        }
    }
}

impl std::fmt::Display for WebhookEventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A webhook subscription to make, like the provider's `subscription/webhook/create`, but
/// sandbox-only and unauthenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRegistration {
    /// The merchant account whose deposits are sent; one of the sandbox's accounts.
    pub account: String,
    /// Where events are POSTed: an `http://` URL. `https://` is accepted but cannot be reached,
    /// since the sandbox is built without TLS.
    pub url: String,
    /// Only these event types are sent; every type when absent. When given, not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<WebhookEventType>>,
}

/// A webhook subscription the sandbox made: every delivery to `url` carries `Key: public_key`
/// and `Sign`, the lowercase hex HMAC-SHA512 of the body bytes keyed with `secret_key`'s UTF-8
/// bytes. `Debug` does not show the secret key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscription {
    /// Identifies the subscription; every envelope sent for it carries it as `requestId`.
    pub request_id: Uuid,
    /// The `Key` header of its deliveries: 32 lowercase hex digits.
    pub public_key: String,
    /// The secret that signs its deliveries: 32 lowercase hex digits.
    pub secret_key: String,
    /// Where its events are POSTed.
    pub url: String,
}

impl WebhookSubscription {
    /// The verifier of this subscription's deliveries, as the merchant's webhook handler holds
    /// it: the public key and the secret key.
    pub fn verifier(&self) -> calypso_customer_purse::WebhookVerifier {
        let secret = calypso_customer_purse::SecretString::from(self.secret_key.clone());
        calypso_customer_purse::WebhookVerifier::new(self.public_key.clone(), &secret)
    }
}

impl std::fmt::Debug for WebhookSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSubscription")
            .field("request_id", &self.request_id)
            .field("public_key", &self.public_key)
            .field("secret_key", &"[REDACTED]")
            .field("url", &self.url)
            .finish()
    }
}

/// Where a webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryOutcome {
    /// Queued, being sent, or waiting to be tried again.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: every attempt of the retry schedule failed.
    Dropped,
}

/// What the last attempt at a delivery got: written as the HTTP status (a JSON number) or the
/// error text (a JSON string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DeliveryStatus {
    /// The receiver answered with this HTTP status.
    Http(u16),
    /// No answer: the connection failed or timed out; why.
    Error(String),
}

/// One webhook event sent, or to be sent, to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// The envelope's `id`; it increases with every event of the sandbox.
    pub event_id: i64,
    /// The envelope's `eventType`.
    pub event_type: WebhookEventType,
    /// The subscription's `requestId`.
    pub request_id: Uuid,
    /// Where it is POSTed.
    pub url: String,
    /// How many times it was POSTed so far.
    pub attempts: u32,
    /// What the last attempt got; `null` before the first one ends.
    pub status: Option<DeliveryStatus>,
    /// Whether it is still being tried, was delivered, or was given up.
    pub outcome: DeliveryOutcome,
}

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/sandbox/deposits", post(deposit))
        .route("/sandbox/transactions/{id}/advance", post(advance))
        .route("/sandbox/transactions/{id}/settle", post(settle))
        .route("/sandbox/faults", post(fault))
        .route("/sandbox/webhooks", post(register_webhook))
        .route("/sandbox/webhooks/deliveries", get(deliveries))
        .route("/sandbox/events", get(events))
        .route("/sandbox/events/{id}", get(event))
        .route("/sandbox/events/{id}/resend", post(resend))
        .route("/sandbox/requests", get(requests))
        .route("/sandbox/clock", get(clock).post(advance_clock))
        .route("/sandbox/trigger", post(trigger))
        .layer(axum::middleware::from_fn(crate::same_origin::only))
}

async fn events(State(sandbox): State<Sandbox>) -> Response {
    let mut events = sandbox.events();
    events.reverse();
    json_response(StatusCode::OK, &events)
}

async fn event(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    respond(
        event_id(&id).and_then(|id| sandbox.event(id)),
        StatusCode::OK,
    )
}

async fn resend(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        let id = event_id(&id)?;
        let body = crate::body::read(sandbox.settings(), &headers, body)
            .await
            .map_err(AdminError::Invalid)?;
        // No body, or an empty one, resends to every subscription that asks for the event.
        let resend = if body.iter().all(u8::is_ascii_whitespace) {
            Resend::default()
        } else {
            parse(&body)?
        };
        sandbox.resend(id, resend)
    };
    respond(answer.await, StatusCode::OK)
}

/// The request log's filter as a query string gives it: `since` as RFC 3339 or milliseconds.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestQuery {
    operation: Option<String>,
    status: Option<u16>,
    since: Option<String>,
    limit: Option<usize>,
}

async fn requests(
    State(sandbox): State<Sandbox>,
    query: Result<Query<RequestQuery>, QueryRejection>,
) -> Response {
    let filter = query
        .map_err(|rejection| AdminError::Invalid(rejection.body_text()))
        .and_then(|Query(query)| {
            let since = query.since.as_deref().map(instant_millis).transpose()?;
            Ok(RequestFilter {
                operation: query.operation,
                status: query.status,
                since,
                limit: query.limit,
            })
        });
    respond(
        filter.map(|filter| sandbox.requests(&filter)),
        StatusCode::OK,
    )
}

/// An instant in RFC 3339 or Unix milliseconds, as milliseconds.
fn instant_millis(text: &str) -> Result<i64, AdminError> {
    if let Ok(millis) = text.parse::<i64>() {
        return Ok(millis);
    }
    let at = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(
        |error| {
            AdminError::Invalid(format!(
                "since `{text}` is neither RFC 3339 nor Unix milliseconds: {error}"
            ))
        },
    )?;
    Ok(i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
}

async fn clock(State(sandbox): State<Sandbox>) -> Response {
    json_response(StatusCode::OK, &sandbox.clock())
}

async fn advance_clock(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Body) -> Response {
    let answer = read_json::<ClockAdvance>(&sandbox, &headers, body)
        .await
        .and_then(|advance| sandbox.advance_clock(advance.advance_seconds));
    respond(answer, StatusCode::OK)
}

async fn trigger(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Body) -> Response {
    let answer = read_json::<Trigger>(&sandbox, &headers, body)
        .await
        .and_then(|trigger| sandbox.trigger(trigger));
    respond(answer, StatusCode::CREATED)
}

fn event_id(text: &str) -> Result<i64, AdminError> {
    text.parse()
        .map_err(|_| AdminError::Invalid(format!("`{text}` is not an event id (a number)")))
}

async fn deposit(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Body) -> Response {
    let answer = read_json::<Deposit>(&sandbox, &headers, body)
        .await
        .and_then(|deposit| sandbox.deposit(deposit));
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

async fn fault(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Body) -> Response {
    let answer = read_json::<Fault>(&sandbox, &headers, body)
        .await
        .and_then(|fault| sandbox.inject_fault(fault));
    match answer {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error_response(&error),
    }
}

async fn register_webhook(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = read_json::<WebhookRegistration>(&sandbox, &headers, body)
        .await
        .and_then(|registration| sandbox.register_webhook(registration));
    respond(answer, StatusCode::CREATED)
}

async fn deliveries(State(sandbox): State<Sandbox>) -> Response {
    json_response(StatusCode::OK, &sandbox.webhook_deliveries())
}

/// The body, bounded in size and time like a merchant request's, read as a `T`.
async fn read_json<T: DeserializeOwned>(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, AdminError> {
    let body = crate::body::read(sandbox.settings(), headers, body)
        .await
        .map_err(AdminError::Invalid)?;
    parse(&body)
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    parse_object(body)
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
