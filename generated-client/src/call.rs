// Copied by `cargo xtask codegen` from codegen/client-runtime/src/call.rs. Do not edit: change that file and regenerate.

//! How one call runs: every attempt stamped, signed and sent; failures retried as the
//! policy allows; the server's clock learned from a refused timestamp; one tracing span
//! over it all.

use std::sync::atomic::Ordering;
use std::time::Instant;

use reqwest::header::{DATE, LOCATION};
use reqwest::StatusCode;
use tracing::Instrument;

use crate::client::Client;
use crate::clock::parse_http_date;
use crate::contract::{ErrorBody, ERROR_BODY_PROPERTIES, OPERATIONS, TIMESTAMP_REJECTED};
use crate::error::{ApiError, Error, RawBody};
use crate::params::{self, Method, Param};
use crate::retry::{is_retryable, jitter, retry_after};

/// One operation of the API, as the contract lists it.
pub(crate) struct Operation {
    /// The spec's operationId, for traces.
    pub(crate) id: &'static str,
    /// Its HTTP method.
    pub(crate) method: Method,
    /// The path its requests are sent to, from the base URL; a template when it has path
    /// parameters (`/orders/{orderId}`).
    pub(crate) path: &'static str,
    /// Its path and query parameters, in the order they are written.
    pub(crate) params: &'static [Param],
    /// Whether it sends a body: the payload (in the envelope, when the spec has one).
    pub(crate) body: bool,
    /// Safe to repeat (`x-idempotent`, or else its method).
    pub(crate) idempotent: bool,
}

/// A failed attempt.
struct Failed {
    error: Error,
    /// Server time minus local time, in milliseconds, when the server refused the
    /// request's timestamp and said what time it was.
    clock_offset: Option<i64>,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Self {
            error,
            clock_offset: None,
        }
    }
}

impl Client {
    /// Runs one operation, `OPERATIONS[operation]`: attempts until one succeeds, one fails
    /// for good, or the retry policy allows no more. `request` is what the operation sends:
    /// its payload, its params struct, the two as a pair `(params, payload)`, or `()`.
    pub(crate) async fn call<P, R>(&self, operation: usize, request: &P) -> Result<R, Error>
    where
        P: serde::Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        let span = tracing::info_span!(
            "call",
            operation = OPERATIONS[operation].id,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .dispatch(operation, request, &span)
            .instrument(span.clone())
            .await;
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        result
    }

    /// Runs the operation whose operationId is `operation_id`, exactly as its typed method
    /// does (stamped, signed, retried, the clock learned), and returns the success body as
    /// the server sent it: every property, the spec's or not, in the server's order, and
    /// numbers as written.
    ///
    /// For tools that show what the API answered, such as the generated command-line
    /// tool, and for reading a property the spec does not describe yet. The typed methods
    /// are the way to call the API otherwise.
    ///
    /// `payload` is what the typed method takes: the operation's payload; for an operation
    /// with path or query parameters, its `<Operation>Params`, or the pair `(params,
    /// payload)` when it sends a body too; `()` for one that sends neither.
    ///
    /// # Errors
    ///
    /// As the typed method's; [`Error::Decode`] when the body is not JSON, and
    /// [`Error::UnknownOperation`], with nothing sent, when the API has no such operation.
    pub async fn call_raw<P: serde::Serialize>(
        &self,
        operation_id: &str,
        payload: &P,
    ) -> Result<Box<serde_json::value::RawValue>, Error> {
        let operation = OPERATIONS
            .iter()
            .position(|operation| operation.id == operation_id)
            .ok_or_else(|| Error::UnknownOperation(operation_id.to_owned()))?;
        self.call(operation, payload).await
    }

    /// Splits `request` into the URL and the body the operation sends, then runs the attempts.
    /// An operation without parameters (every one of an API like Calypso's) is sent to the
    /// URL parsed when the client was built, its payload serialized straight into the body.
    async fn dispatch<P, R>(
        &self,
        operation: usize,
        request: &P,
        span: &tracing::Span,
    ) -> Result<R, Error>
    where
        P: serde::Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        let op = &OPERATIONS[operation];
        if op.params.is_empty() {
            // Parsed once, when the client was built, in the order of `OPERATIONS`.
            let url = &self.inner.urls[operation];
            let body = op.body.then_some(request);
            return self.attempts(operation, url, body, span).await;
        }
        let encode = |why: String| Error::Encode(serde::ser::Error::custom(why));
        let text = serde_json::to_string(request).map_err(Error::Encode)?;
        let (values, body) = split_request(&text, op.body).map_err(Error::Encode)?;
        let url = params::url(&self.inner.base_url, op.path, op.params, &values).map_err(encode)?;
        let url = reqwest::Url::parse(&url).map_err(|error| encode(error.to_string()))?;
        match body {
            Some(body) => self.attempts(operation, &url, Some(body), span).await,
            None => self.attempts::<(), R>(operation, &url, None, span).await,
        }
    }

    async fn attempts<P, R>(
        &self,
        operation: usize,
        url: &reqwest::Url,
        payload: Option<&P>,
        span: &tracing::Span,
    ) -> Result<R, Error>
    where
        P: serde::Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        let policy = self.options.retry_policy.unwrap_or(self.inner.retry_policy);
        let op = &OPERATIONS[operation];
        let repeatable = op.idempotent || self.options.retry_state_changing;
        let mut attempt: u32 = 0;
        let mut retries: u32 = 0;
        let mut clock_learned = false;
        // The last error after which the request may have reached the server. A later
        // error that says "never sent" must not hide it: the call may have acted.
        let mut may_have_acted: Option<Error> = None;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let failed = match self.attempt(op.method, url, payload).await {
                Ok((status, value)) => {
                    span.record("status", status.as_u16());
                    return Ok(value);
                }
                Err(failed) => failed,
            };
            let error = failed.error;
            let status = error.status().map(|status| status.as_u16());
            if let Some(status) = status {
                span.record("status", status);
            }
            let learn = self.inner.learn_clock_offset && !clock_learned;
            if let (Some(offset), true) = (failed.clock_offset, learn) {
                // A refused timestamp changed nothing, so any operation may try again.
                clock_learned = true;
                self.inner.clock_offset.store(offset, Ordering::Relaxed);
                self.inner.clock_offset_known.store(true, Ordering::Relaxed);
                tracing::warn!(
                    clock_offset_ms = offset,
                    "the server refused the request's timestamp; stamping requests with the server's clock from now on"
                );
                continue;
            }
            let wait = if retries + 1 < policy.max_attempts() && is_retryable(&error, repeatable) {
                match error.retry_after() {
                    Some(asked) if asked > policy.max_delay() => None,
                    Some(asked) => Some(asked),
                    None => Some(policy.backoff(retries + 1, jitter())),
                }
            } else {
                None
            };
            let reached = error.request_may_have_reached_server();
            let Some(wait) = wait else {
                return Err(match may_have_acted {
                    Some(earlier) if !reached => earlier,
                    _ => error,
                });
            };
            tracing::debug!(
                attempt,
                status,
                failure = failure_kind(&error),
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "attempt failed; retrying"
            );
            if reached {
                may_have_acted = Some(error);
            }
            retries += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: a fresh timestamp, a signature over exactly the bytes sent, and
    /// the response read.
    async fn attempt<P, R>(
        &self,
        method: Method,
        url: &reqwest::Url,
        payload: Option<&P>,
    ) -> Result<(StatusCode, R), Failed>
    where
        P: serde::Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        let request = self.signed_request(method, url, payload)?;
        let response = self
            .inner
            .http
            .execute(request)
            .await
            .map_err(Error::Transport)?;
        self.read_response(response).await
    }

    /// Reads a response: the success type, or the error that explains it.
    async fn read_response<R: serde::de::DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<(StatusCode, R), Failed> {
        let status = response.status();
        if is_redirect(status) {
            let location = response
                .headers()
                .get(LOCATION)
                .map(|location| String::from_utf8_lossy(location.as_bytes()).into_owned());
            return Err(Error::Redirect { status, location }.into());
        }
        if status.is_success() {
            let limit = self.inner.max_response_bytes;
            let advertised = response.content_length().unwrap_or(0);
            let fits = usize::try_from(advertised).is_ok_and(|length| length <= limit);
            if !fits {
                return Err(Error::ResponseTooLarge { status, limit }.into());
            }
            let (body, complete) = read_at_most(response, limit).await?;
            self.trace_response_body(&body);
            if !complete {
                return Err(Error::ResponseTooLarge { status, limit }.into());
            }
            return match serde_json::from_slice(&body) {
                Ok(value) => Ok((status, value)),
                Err(source) => Err(Error::Decode {
                    status,
                    body: RawBody::new(body, false),
                    source,
                }
                .into()),
            };
        }
        let now = self.inner.clock.now_unix_millis();
        let retry_after = retry_after(status, response.headers(), now);
        let server_clock = response
            .headers()
            .get(DATE)
            .and_then(|date| date.to_str().ok())
            .and_then(parse_http_date);
        let (body, complete) = read_at_most(response, RawBody::MAX_LEN).await?;
        self.trace_response_body(&body);
        let object = serde_json::from_slice::<JsonObject>(&body).ok();
        if complete && is_api_error_body(object.as_ref()) {
            if let Ok(error_body) = serde_json::from_slice::<ErrorBody>(&body) {
                // An HTTP date has whole seconds: the server's clock is on average
                // half a second past it.
                let clock_offset = server_clock
                    .filter(|_| is_timestamp_rejected(object.as_ref()))
                    .map(|server| server.saturating_add(500).saturating_sub(now));
                return Err(Failed {
                    error: Error::Api(ApiError {
                        status,
                        body: error_body,
                        retry_after,
                    }),
                    clock_offset,
                });
            }
        }
        Err(Error::UnexpectedStatus {
            status,
            body: RawBody::new(body, !complete),
            retry_after,
        }
        .into())
    }

    fn trace_response_body(&self, body: &[u8]) {
        if self.inner.trace_bodies {
            tracing::trace!(body = %String::from_utf8_lossy(body), "response body");
        }
    }
}

/// A request's JSON text, written once, read once: the params struct's properties and, for
/// an operation with a body, the payload (`(params, payload)`), each as its exact text.
fn split_request(
    text: &str,
    body: bool,
) -> serde_json::Result<(params::Values<'_>, Option<&serde_json::value::RawValue>)> {
    if body {
        let (values, body) = serde_json::from_str(text)?;
        Ok((values, Some(body)))
    } else {
        Ok((serde_json::from_str(text)?, None))
    }
}

/// A name for what went wrong, for logs: never a body, which may hold personal data.
fn failure_kind(error: &Error) -> &'static str {
    match error {
        Error::Transport(error) if error.is_timeout() => "timeout",
        Error::Transport(error) if error.is_connect() => "connect",
        Error::Transport(_) => "transport",
        Error::ResponseBody { .. } => "response body",
        Error::Redirect { .. } => "redirect",
        Error::Api(_) => "api error",
        Error::UnexpectedStatus { .. } => "unexpected status",
        _ => "other",
    }
}

/// An error body read as a JSON object, to look at its properties.
type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Whether JSON is the API's error body: an object with at least one of its properties,
/// when the spec's error body is an object schema; else any JSON that parses as it.
fn is_api_error_body(object: Option<&JsonObject>) -> bool {
    match ERROR_BODY_PROPERTIES {
        Some(properties) => {
            object.is_some_and(|object| properties.iter().any(|name| object.contains_key(*name)))
        }
        None => true,
    }
}

/// Whether an error body says the request's timestamp was outside the window. Never,
/// when the spec does not say how the API refuses a timestamp: the client then never
/// learns the server's clock.
fn is_timestamp_rejected(object: Option<&JsonObject>) -> bool {
    let Some((property, value)) = TIMESTAMP_REJECTED else {
        return false;
    };
    object.is_some_and(|object| {
        object.get(property).and_then(serde_json::Value::as_str) == Some(value)
    })
}

/// The redirects a server may answer a POST with; the client follows none (see
/// [`Error::Redirect`]).
fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Reads up to `limit` bytes of the body, never more: `false` when there was more.
async fn read_at_most(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), Error> {
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|source| Error::ResponseBody { status, source })?
    {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}
