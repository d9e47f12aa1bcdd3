//! The merchant API's error answers: an HTTP status and the provider's error body.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use calypso_customer_purse::types::{ErrorCode, ErrorResponse};

/// A refused or failed merchant request, answered with the provider's error body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    /// Seconds for a `Retry-After` header (injected faults only).
    pub(crate) retry_after: Option<u32>,
}

impl Failure {
    fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 001: the request is malformed or breaks a rule of the operation.
    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::bad_request(ErrorCode::InvalidInput, message)
    }

    /// 002: the `Key` header is missing, unknown, or not a key of the body's `account`.
    pub(crate) fn invalid_api_key(message: impl Into<String>) -> Self {
        Self::bad_request(ErrorCode::InvalidApiKey, message)
    }

    /// 003: the `Sign` header is missing or is not the signature of the body.
    pub(crate) fn wrong_sign(message: impl Into<String>) -> Self {
        Self::bad_request(ErrorCode::WrongSign, message)
    }

    /// 011: the body's `timestamp` is outside the allowed window.
    pub(crate) fn invalid_timestamp(message: impl Into<String>) -> Self {
        Self::bad_request(ErrorCode::InvalidTimestamp, message)
    }

    /// 004: the object the request names does not exist for this account.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::bad_request(ErrorCode::NotFound, message)
    }

    /// 000: the server failed; the request had no effect.
    pub(crate) fn internal(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: ErrorCode::InternalError,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The provider's error body, with `trace_id` so a log line and a client error can be
    /// matched.
    pub(crate) fn body(&self, trace_id: &str) -> Vec<u8> {
        let body = ErrorResponse::new()
            .with_error_code(self.code.clone())
            .with_message(self.message.clone())
            .with_trace_id(trace_id);
        serde_json::to_vec(&body).expect("an error body has string keys and plain values")
    }
}

/// `value` as a JSON response. Serializing the generated types cannot fail (string keys, no
/// maps of non-string keys), so a failure here is a bug answered as a plain 500.
pub(crate) fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sandbox could not encode its answer: {error}"),
        )
            .into_response(),
    }
}
