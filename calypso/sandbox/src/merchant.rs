//! The ten merchant operations: routing, the request checks, and the answers.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::parse_object;
use crate::failure::{Failure, json_response};
use crate::find::Paging;
use crate::ledger::Ledger;
use crate::{MERCHANT_PATH_PREFIX, Sandbox};

/// Every operation: its path after [`MERCHANT_PATH_PREFIX`] and what it does to the ledger.
pub(crate) fn routes() -> Router<Sandbox> {
    let operations: [(&str, MethodRouter<Sandbox>); 10] = [
        (
            "transaction/get",
            operation(|ledger, account, payload, _| ledger.transaction(account, payload)),
        ),
        (
            "transaction/find",
            operation(|ledger, account, payload, paging| {
                ledger.find_transactions(account, payload, paging)
            }),
        ),
        (
            "purse/get-all",
            operation(|ledger, account, payload, _| ledger.purses(account, payload)),
        ),
        (
            "customer/update",
            operation(|ledger, account, payload, _| ledger.update_customer(account, payload)),
        ),
        (
            "customer/unblock",
            operation(|ledger, account, payload, _| ledger.set_blocked(account, payload, false)),
        ),
        (
            "customer/get",
            operation(|ledger, account, payload, _| ledger.get_customer(account, payload)),
        ),
        (
            "customer/external/get",
            operation(|ledger, account, payload, _| {
                ledger.get_customer_by_external_id(account, payload)
            }),
        ),
        (
            "customer/create",
            operation(|ledger, account, payload, _| ledger.create_customer(account, payload)),
        ),
        (
            "customer/block",
            operation(|ledger, account, payload, _| ledger.set_blocked(account, payload, true)),
        ),
        (
            "address/get",
            operation(|ledger, account, payload, _| ledger.purse_address(account, payload)),
        ),
    ];
    operations
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(&format!("{MERCHANT_PATH_PREFIX}{path}"), route)
        })
}

/// The route of one operation whose payload is a `P` and whose answer is an `R`.
fn operation<P, R, F>(run: F) -> MethodRouter<Sandbox>
where
    P: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    F: Fn(&mut Ledger, &str, P, Paging) -> Result<R, Failure> + Clone + Send + Sync + 'static,
{
    post(
        move |State(sandbox): State<Sandbox>, uri: Uri, headers: HeaderMap, body: Body| async move {
            let trace_id = sandbox.next_trace_id();
            let answer = handle(&sandbox, &uri, &headers, body, run).await;
            let response = match answer {
                Ok(value) => json_response(StatusCode::OK, &value),
                Err(failure) => {
                    sandbox.log(
                        &Method::POST,
                        &uri,
                        failure.status,
                        Some(&failure),
                        &trace_id,
                    );
                    return failure.into_response(&trace_id);
                }
            };
            sandbox.log(&Method::POST, &uri, response.status(), None, &trace_id);
            response
        },
    )
}

async fn handle<P, R>(
    sandbox: &Sandbox,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    run: impl Fn(&mut Ledger, &str, P, Paging) -> Result<R, Failure>,
) -> Result<R, Failure>
where
    P: DeserializeOwned,
{
    let settings = sandbox.settings();
    let bytes = crate::body::read(settings, headers, body)
        .await
        .map_err(Failure::invalid_input)?;
    let authorized =
        sandbox
            .shared
            .keyring
            .authorize(headers, &bytes, settings.clock.now_unix_millis())?;
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
    run(&mut ledger, &authorized.account, payload, settings.paging)
}

/// The answer to a path or method no route serves.
pub(crate) async fn no_such_route(
    State(sandbox): State<Sandbox>,
    method: Method,
    uri: Uri,
) -> Response {
    let trace_id = sandbox.next_trace_id();
    let failure = Failure {
        status: StatusCode::NOT_FOUND,
        ..Failure::not_found(format!(
            "no such route: {method} {}; merchant operations are POST {MERCHANT_PATH_PREFIX}…",
            uri.path()
        ))
    };
    sandbox.log(&method, &uri, failure.status, Some(&failure), &trace_id);
    failure.into_response(&trace_id)
}

/// The answer to a method other than POST on an operation's path, or another method than its
/// own on a sandbox-only path (axum adds the `Allow` header).
pub(crate) async fn not_post(State(sandbox): State<Sandbox>, method: Method, uri: Uri) -> Response {
    let trace_id = sandbox.next_trace_id();
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
    sandbox.log(&method, &uri, failure.status, Some(&failure), &trace_id);
    failure.into_response(&trace_id)
}

impl Sandbox {
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
