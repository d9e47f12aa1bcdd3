//! The ten merchant operations: routing, the request checks, and the answers.

use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use calypso_customer_purse::signing::KEY_HEADER;
use calypso_customer_purse::{Clock, OffsetDateTime};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::parse_object;
use crate::clock::{at_millis, rfc3339};
use crate::failure::Failure;
use crate::find::Paging;
use crate::ledger::Ledger;
use crate::request_log::LoggedRequest;
use crate::{MERCHANT_PATH_PREFIX, Sandbox};

/// Every operation: its path after [`MERCHANT_PATH_PREFIX`] and what it does to the ledger.
pub(crate) fn routes() -> Router<Sandbox> {
    let operations: [(&str, MethodRouter<Sandbox>); 10] = [
        (
            "transaction/get",
            operation(|ledger, call, payload| ledger.transaction(call.account, payload)),
        ),
        (
            "transaction/find",
            operation(|ledger, call, payload| {
                ledger.find_transactions(call.account, payload, call.paging)
            }),
        ),
        (
            "purse/get-all",
            operation(|ledger, call, payload| ledger.purses(call.account, payload)),
        ),
        (
            "customer/update",
            operation(|ledger, call, payload| ledger.update_customer(call.account, payload)),
        ),
        (
            "customer/unblock",
            operation(|ledger, call, payload| ledger.set_blocked(call.account, payload, false)),
        ),
        (
            "customer/get",
            operation(|ledger, call, payload| ledger.get_customer(call.account, payload)),
        ),
        (
            "customer/external/get",
            operation(|ledger, call, payload| {
                ledger.get_customer_by_external_id(call.account, payload)
            }),
        ),
        (
            "customer/create",
            operation(|ledger, call, payload| ledger.create_customer(call.account, payload)),
        ),
        (
            "customer/block",
            operation(|ledger, call, payload| ledger.set_blocked(call.account, payload, true)),
        ),
        (
            "address/get",
            operation(|ledger, call, payload| {
                ledger.purse_address(call.account, payload, call.now)
            }),
        ),
    ];
    operations
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(&format!("{MERCHANT_PATH_PREFIX}{path}"), route)
        })
}

/// What an operation is run with besides its payload.
pub(crate) struct Call<'a> {
    /// The account the request acts for.
    pub(crate) account: &'a str,
    pub(crate) paging: Paging,
    /// The sandbox clock when the request was checked.
    pub(crate) now: OffsetDateTime,
}

/// The route of one operation whose payload is a `P` and whose answer is an `R`.
fn operation<P, R, F>(run: F) -> MethodRouter<Sandbox>
where
    P: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(&mut Ledger, Call<'_>, P) -> Result<R, Failure> + Clone + Send + Sync + 'static,
{
    post(
        move |State(sandbox): State<Sandbox>, uri: Uri, headers: HeaderMap, body: Body| async move {
            let arrived = Arrived::now(&sandbox);
            let mut body_read = Bytes::new();
            let answer = handle(&sandbox, &uri, &headers, body, &mut body_read, run).await;
            let answer = answer.and_then(|value| {
                serde_json::to_vec(&value).map_err(|error| {
                    Failure::internal(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("sandbox could not encode its answer: {error}"),
                    )
                })
            });
            // Routed here, the path is an operation's.
            let operation = uri.path().strip_prefix(MERCHANT_PATH_PREFIX);
            let request = (&Method::POST, &uri, &headers, &body_read[..]);
            sandbox.answer(&arrived, request, operation, answer)
        },
    )
}

async fn handle<P, R>(
    sandbox: &Sandbox,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    body_read: &mut Bytes,
    run: impl Fn(&mut Ledger, Call<'_>, P) -> Result<R, Failure>,
) -> Result<R, Failure>
where
    P: DeserializeOwned,
{
    let settings = sandbox.settings();
    *body_read = crate::body::read(settings, headers, body)
        .await
        .map_err(Failure::invalid_input)?;
    let bytes = &*body_read;
    let now_millis = sandbox.shared.clock.now_unix_millis();
    let now = at_millis(now_millis);
    let authorized = sandbox
        .shared
        .keyring
        .authorize(headers, bytes, now_millis)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if !content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
    {
        return Err(Failure::invalid_input(format!(
            "Content-Type must be application/json, not `{content_type}`"
        )));
    }
    sandbox.take_fault(uri.path())?;
    let payload: P = parse_object(authorized.payload.get().as_bytes())
        .map_err(|error| Failure::invalid_input(format!("invalid payload: {error}")))?;
    let mut ledger = sandbox.ledger()?;
    let call = Call {
        account: &authorized.account,
        paging: settings.paging,
        now,
    };
    let answer = run(&mut ledger, call, payload);
    sandbox.save_changes(&mut ledger).map_err(|error| {
        Failure::internal(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the sandbox could not save its state file: {error}"),
        )
    })?;
    answer
}

/// When a request arrived, on both clocks, and its trace id.
pub(crate) struct Arrived {
    trace_id: String,
    at_unix_millis: i64,
    started: Instant,
}

impl Arrived {
    fn now(sandbox: &Sandbox) -> Self {
        Self {
            trace_id: sandbox.next_trace_id(),
            at_unix_millis: sandbox.shared.clock.now_unix_millis(),
            started: Instant::now(),
        }
    }
}

/// The answer to a path or method no route serves.
pub(crate) async fn no_such_route(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let arrived = Arrived::now(&sandbox);
    let failure = Failure {
        status: StatusCode::NOT_FOUND,
        ..Failure::not_found(format!(
            "no such route: {method} {}; merchant operations are POST {MERCHANT_PATH_PREFIX}…",
            uri.path()
        ))
    };
    sandbox.answer(&arrived, (&method, &uri, &headers, &[]), None, Err(failure))
}

/// The answer to a method other than POST on an operation's path, or another method than its
/// own on a sandbox-only path (axum adds the `Allow` header).
pub(crate) async fn not_post(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let arrived = Arrived::now(&sandbox);
    let path = uri.path();
    let message = if path.starts_with(MERCHANT_PATH_PREFIX) {
        format!("{method} is not allowed: every operation, {path} included, is a POST")
    } else {
        format!("{method} is not allowed on {path}; the Allow header lists the methods it takes")
    };
    let failure = Failure {
        status: StatusCode::METHOD_NOT_ALLOWED,
        ..Failure::invalid_input(message)
    };
    sandbox.answer(&arrived, (&method, &uri, &headers, &[]), None, Err(failure))
}

impl Sandbox {
    /// The answer to a request: its body (an operation's JSON) or its failure, logged on
    /// stderr when the settings ask for it and kept in the request log.
    fn answer(
        &self,
        arrived: &Arrived,
        (method, uri, headers, request_body): (&Method, &Uri, &HeaderMap, &[u8]),
        operation: Option<&str>,
        answer: Result<Vec<u8>, Failure>,
    ) -> Response {
        let (status, failure, response) = match answer {
            Ok(body) => (StatusCode::OK, None, body),
            Err(failure) => {
                let body = failure.body(&arrived.trace_id);
                (failure.status, Some(failure), body)
            }
        };
        self.log(method, uri, status, failure.as_ref(), &arrived.trace_id);
        let log = &self.shared.request_log;
        if log.is_on() {
            let path = uri.path();
            log.push(LoggedRequest {
                id: 0,
                at: rfc3339(at_millis(arrived.at_unix_millis)),
                at_unix_millis: arrived.at_unix_millis,
                trace_id: arrived.trace_id.clone(),
                method: method.to_string(),
                path: path.to_owned(),
                operation: operation.map(str::to_owned),
                key: headers
                    .get(KEY_HEADER)
                    .map(|key| String::from_utf8_lossy(key.as_bytes()).into_owned()),
                status: status.as_u16(),
                error_code: failure.as_ref().map(|failure| failure.code.to_string()),
                refusal: failure.as_ref().map(|failure| failure.message.clone()),
                duration_micros: u64::try_from(arrived.started.elapsed().as_micros())
                    .unwrap_or(u64::MAX),
                request_body: String::from_utf8_lossy(request_body).into_owned(),
                response_body: String::from_utf8_lossy(&response).into_owned(),
            });
        }
        let mut answer = (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            response,
        )
            .into_response();
        if let Some(seconds) = failure.and_then(|failure| failure.retry_after) {
            answer
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        answer
    }

    /// Takes one use of the first injected fault that matches `path`, as a failure.
    fn take_fault(&self, path: &str) -> Result<(), Failure> {
        let mut faults = self
            .shared
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(index) = faults.iter().position(|fault| fault.matches(path)) else {
            return Ok(());
        };
        let fault = &mut faults[index];
        fault.count -= 1;
        let failure = fault.failure();
        if fault.count == 0 {
            faults.remove(index);
        }
        Err(failure)
    }

    /// One line per request on stderr, when the settings ask for it. Never the body or headers:
    /// they carry the key and the signature.
    pub(crate) fn log(
        &self,
        method: &Method,
        uri: &Uri,
        status: StatusCode,
        failure: Option<&Failure>,
        trace_id: &str,
    ) {
        if !self.settings().log_requests {
            return;
        }
        match failure {
            Some(failure) => eprintln!(
                "{trace_id} {method} {} -> {} errorCode {}: {}",
                uri.path(),
                status.as_u16(),
                failure.code,
                failure.message
            ),
            None => eprintln!("{trace_id} {method} {} -> {}", uri.path(), status.as_u16()),
        }
    }
}
