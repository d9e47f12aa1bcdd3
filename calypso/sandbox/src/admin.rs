//! Sandbox-only routes under `/sandbox/`, outside the merchant API and unauthenticated (the
//! sandbox listens on loopback). They simulate deposits, move them on, inject faults, send
//! webhooks, and show and drive the console (events, the request log, the clock, triggers).
//!
//! - `POST /sandbox/deposits` with a [`Deposit`] → 201 and the transaction, in `MEM_POOL_FOUND`
//! - `POST /sandbox/transactions/{id}/advance` → the transaction, one step further
//! - `POST /sandbox/transactions/{id}/settle` → the transaction in its final state
//! - `POST /sandbox/faults` with a [`Fault`] → 204; the next matching requests fail
//! - `POST /sandbox/webhooks` with a [`WebhookRegistration`] → 201 and a [`WebhookSubscription`](crate::WebhookSubscription)
//! - `GET /sandbox/webhooks/deliveries` → every [`WebhookDelivery`](crate::WebhookDelivery) so far, oldest first
//! - `GET /sandbox/events` → every [`Event`](crate::Event), newest first, with its deliveries
//!   and their attempts; `GET /sandbox/events/{id}` → one
//! - `POST /sandbox/events/{id}/resend`, optionally with a [`Resend`] → the event, sent again
//! - `GET /sandbox/requests?operation=…&status=…&since=…&limit=…` → the request log, newest
//!   first ([`LoggedRequest`](crate::LoggedRequest)); `since` is RFC 3339 or Unix milliseconds
//! - `GET /sandbox/clock` → the [`ClockReading`](crate::ClockReading); `POST /sandbox/clock` with a
//!   [`ClockAdvance`] → moves it ahead and answers the new reading
//! - `POST /sandbox/trigger` with a [`Trigger`] → 201 and what it made ([`Triggered`](crate::Triggered))
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
use calypso_customer_purse::{OffsetDateTime, Uuid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::admin_error::AdminError;
use crate::auth::parse_object;
use crate::clock::ClockAdvance;
use crate::deposit::Deposit;
use crate::events::{Resend, WebhookRegistration};
use crate::failure::json_response;
use crate::fault::Fault;
use crate::request_log::RequestFilter;
use crate::trigger::Trigger;

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
    Ok(crate::clock::unix_millis(at))
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
