//! A mock of the API for your own tests (the `mock` feature): a local HTTP server that
//! checks every request as the real API does and answers from typed stubs.
//!
//! ```text
//! let mock = MockApi::start().await;
//! mock.get_thing().respond_with(&thing);                   // any call
//! mock.get_thing().when(|p| p.id == "x").respond_with_status(503);
//! let client = mock.client();                               // signed with the mock's keys
//! ```
//!
//! # Which stub answers
//!
//! A call is answered by the most specific stub that accepts it: stubs with a [`when`]
//! predicate come before stubs without one, and among equals the one added last wins, so a
//! test can override a stub set up earlier. A stub limited with [`times`] stops answering
//! after that many calls, and the next one takes over. A call no stub accepts is answered
//! `404` with a text body that names the operation and shows the payload, and is listed by
//! [`MockApi::unmatched_calls`].
//!
//! # What it checks
//!
//! Before any stub is asked, a request must pass the real API's checks, in the real API's
//! order: the API key, the signature over the exact body bytes, the envelope (account,
//! timestamp, payload, the payload read as the operation's type), the account, and the
//! timestamp window. A request that fails one is answered as the spec says the API answers
//! it (`x-request-signing.refusals`) and is listed by [`MockApi::refused_calls`]: a test
//! sees whether its client signs correctly.
//!
//! [`when`]: OperationMock::when
//! [`times`]: OperationMock::times

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::client::{Client, ClientBuilder};
use crate::contract::{
    ErrorBody, ENVELOPE, KEY_HEADER, MAX_CLOCK_SKEW, OPERATIONS, REFUSALS, REQUEST_RECIPE,
    SIGNATURE_HEADER, TIMESTAMP_REJECTED,
};
use crate::mock_operations::PAYLOAD_CHECKS;
use crate::params;
use crate::signing::{self, Message, Part, Place, Signer, TimestampFormat};

/// The account the mock serves unless [`MockApi::start_with`] names another.
pub const MOCK_ACCOUNT: &str = "mock-account";
/// The API key the mock accepts unless [`MockApi::start_with`] names another.
pub const MOCK_API_KEY: &str = "mock-key";
/// The API secret the mock signs with unless [`MockApi::start_with`] names another. A test
/// value, not a secret.
pub const MOCK_API_SECRET: &str = "mock-secret";

/// How the API answers the requests it refuses before running them, as the spec says
/// (`x-request-signing.refusals`): an HTTP status and the error body's JSON. `None` where the
/// spec does not say: the mock then answers `401` (key, signature) or `400` with a text body,
/// and a stale timestamp with the error body the spec's `timestampRejected` describes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refusals {
    pub(crate) unknown_key: Option<(u16, &'static str)>,
    pub(crate) bad_signature: Option<(u16, &'static str)>,
    pub(crate) bad_request: Option<(u16, &'static str)>,
    pub(crate) stale_timestamp: Option<(u16, &'static str)>,
}

/// Why the mock refused a request before asking any stub.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The API key header is missing, or names a key the mock does not know, or the
    /// envelope's account is not the key's.
    UnknownKey(String),
    /// The signature header is missing, or is not the signature of the body's bytes.
    BadSignature(String),
    /// The body is not the envelope, or its payload is not the operation's type.
    BadRequest(String),
    /// The envelope's timestamp is outside the allowed window around the mock's clock.
    StaleTimestamp(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, why) = match self {
            Refusal::UnknownKey(why) => ("unknown key", why),
            Refusal::BadSignature(why) => ("bad signature", why),
            Refusal::BadRequest(why) => ("bad request", why),
            Refusal::StaleTimestamp(why) => ("stale timestamp", why),
        };
        write!(f, "{what}: {why}")
    }
}

/// What became of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A stub answered it: the one [`OperationMock`]'s `respond_with*` numbered so.
    Answered(StubId),
    /// It failed one of the real API's checks and was answered as the API refuses.
    Refused(Refusal),
    /// It passed the checks, but no stub accepted it (or it named no operation).
    Unmatched,
}

/// A stub, as numbered when it was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StubId(pub usize);

/// One request the mock received, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Call {
    /// The operation its path names (its operationId), if any.
    pub operation: Option<&'static str>,
    /// The request path.
    pub path: String,
    /// The request headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// How the mock answered it.
    pub outcome: Outcome,
    /// What the call sent as its operation's typed method takes it (the JSON of a stub's
    /// `P`), when the checks read it.
    request: Option<String>,
}

impl Call {
    /// What the call sent, read as `P`, its operation's request as the stubs take it: the
    /// payload (the envelope's, when the spec has one), the params struct, the pair
    /// `(params, payload)`, or `()`. `None` when it does not read so.
    pub fn payload<P: DeserializeOwned>(&self) -> Option<P> {
        if let Some(request) = &self.request {
            return serde_json::from_str(request).ok();
        }
        let Some(names) = ENVELOPE else {
            return serde_json::from_slice(&self.body).ok();
        };
        let envelope: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&self.body).ok()?;
        serde_json::from_value(envelope.get(names.payload)?.clone()).ok()
    }
}

/// The stubs' expectations that the calls did not meet, and the calls no stub answered:
/// what [`MockApi::verify`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockError {
    /// One line per unmet expectation or unanswered call.
    pub problems: Vec<String>,
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the mock's expectations are not met:")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MockError {}

/// A local mock of the API on 127.0.0.1, built on [wiremock](https://docs.rs/wiremock).
/// Start one per test; each has its own stubs and record of calls.
pub struct MockApi {
    server: wiremock::MockServer,
    shared: Arc<Shared>,
}

impl fmt::Debug for MockApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockApi")
            .field("uri", &self.server.uri())
            .field("account", &self.shared.account)
            .field("api_key", &self.shared.api_key)
            .finish_non_exhaustive()
    }
}

impl MockApi {
    /// Starts a mock that accepts [`MOCK_API_KEY`] and [`MOCK_API_SECRET`] for
    /// [`MOCK_ACCOUNT`]: the credentials [`MockApi::client`] uses.
    pub async fn start() -> MockApi {
        let secret = SecretString::from(MOCK_API_SECRET);
        MockApi::start_with(MOCK_ACCOUNT, MOCK_API_KEY, &secret).await
    }

    /// Starts a mock that accepts these credentials: to test how your code configures its
    /// client, say.
    pub async fn start_with(
        account: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: &SecretString,
    ) -> MockApi {
        let shared = Arc::new(Shared {
            account: account.into(),
            api_key: api_key.into(),
            api_secret: api_secret.clone(),
            signer: Signer::new(api_secret),
            clock_skew_ms: AtomicI64::new(0),
            state: Mutex::new(State::default()),
        });
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(Dispatcher(Arc::clone(&shared)))
            .mount(&server)
            .await;
        MockApi { server, shared }
    }

    /// The mock's base URL (`http://127.0.0.1:PORT`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A client builder pointed at the mock with its credentials: to change other settings.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.uri())
            .account(self.shared.account.clone())
            .api_key(self.shared.api_key.clone())
            .api_secret(self.shared.api_secret.clone())
    }

    /// A client pointed at the mock with its credentials.
    ///
    /// # Panics
    ///
    /// Never in practice: the builder has every setting it needs.
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(client) => client,
            Err(error) => panic!("the mock's client cannot be built: {error}"),
        }
    }

    /// Moves the mock's clock this many seconds ahead of this machine's (behind, if
    /// negative): requests then look stale to it, as to a server whose clock is off.
    pub fn set_clock_skew(&self, seconds: i64) {
        self.shared
            .clock_skew_ms
            .store(seconds.saturating_mul(1000), Ordering::Relaxed);
    }

    /// Every call received so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.state().calls.clone()
    }

    /// The calls refused by the real API's checks.
    pub fn refused_calls(&self) -> Vec<Call> {
        self.calls_where(|outcome| matches!(outcome, Outcome::Refused(_)))
    }

    /// The calls that passed the checks but that no stub answered.
    pub fn unmatched_calls(&self) -> Vec<Call> {
        self.calls_where(|outcome| *outcome == Outcome::Unmatched)
    }

    /// Checks every expectation set with [`OperationMock::expect`], and that every call that
    /// passed the checks was answered by a stub.
    ///
    /// # Errors
    ///
    /// A [`MockError`] with one line per unmet expectation and per unanswered call.
    pub fn verify(&self) -> Result<(), MockError> {
        let state = self.shared.state();
        let mut problems = Vec::new();
        for (id, stub) in state.stubs.iter().enumerate() {
            if let Some(expected) = stub.expected {
                if stub.answered != expected {
                    problems.push(format!(
                        "stub {id} of `{}`{} was expected to answer {expected} call(s) and \
                         answered {}",
                        OPERATIONS[stub.operation].id,
                        if stub.accepts.is_some() {
                            " (with `when`)"
                        } else {
                            ""
                        },
                        stub.answered
                    ));
                }
            }
        }
        for call in state
            .calls
            .iter()
            .filter(|c| c.outcome == Outcome::Unmatched)
        {
            problems.push(format!(
                "no stub answered a call to `{}`: {}",
                call.operation.unwrap_or(call.path.as_str()),
                String::from_utf8_lossy(&call.body)
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(MockError { problems })
        }
    }

    /// The typed entry point of operation `index` (of the contract's `OPERATIONS`), for the
    /// generated methods of `mock_operations.rs`.
    pub(crate) fn operation<P, R>(&self, index: usize) -> OperationMock<'_, P, R> {
        OperationMock {
            mock: self,
            operation: index,
            predicate: None,
            times: None,
            expected: None,
            delay: None,
            retry_after: None,
            types: PhantomData,
        }
    }

    fn calls_where(&self, wanted: impl Fn(&Outcome) -> bool) -> Vec<Call> {
        let state = self.shared.state();
        state
            .calls
            .iter()
            .filter(|call| wanted(&call.outcome))
            .cloned()
            .collect()
    }
}

/// One operation of the mock: set up how it answers, and read the calls it received. Each
/// setting returns the builder; a `respond_with*` method adds the stub.
#[must_use = "a stub is added only by one of the `respond_with` methods"]
pub struct OperationMock<'m, P, R> {
    mock: &'m MockApi,
    operation: usize,
    predicate: Option<Predicate>,
    times: Option<u64>,
    expected: Option<u64>,
    delay: Option<Duration>,
    retry_after: Option<Duration>,
    types: PhantomData<fn(P) -> R>,
}

impl<'m, P, R> fmt::Debug for OperationMock<'m, P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationMock")
            .field("operation", &OPERATIONS[self.operation].id)
            .field("when", &self.predicate.is_some())
            .field("times", &self.times)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl<'m, P, R> OperationMock<'m, P, R>
where
    P: DeserializeOwned + 'static,
    R: Serialize,
{
    /// Answers only calls whose payload `predicate` accepts. Such a stub comes before the
    /// operation's stubs without one.
    pub fn when(mut self, predicate: impl Fn(&P) -> bool + Send + Sync + 'static) -> Self {
        self.predicate = Some(Arc::new(move |payload: &RawValue| {
            serde_json::from_str::<P>(payload.get()).is_ok_and(|payload| predicate(&payload))
        }));
        self
    }

    /// Answers only the first `n` calls it accepts; later ones go to the next stub.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Expects the stub to answer exactly `n` calls, as [`MockApi::verify`] checks.
    pub fn expect(mut self, n: u64) -> Self {
        self.expected = Some(n);
        self
    }

    /// Waits this long before answering: to test timeouts.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sends a `Retry-After` header of this many whole seconds with the answer.
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Answers `200` with this response.
    pub fn respond_with(self, response: &R) -> StubId {
        let body = serde_json::to_vec(response).unwrap_or_default();
        self.add(200, Some(body))
    }

    /// Answers with this HTTP status and the API's error body, as the API refuses a call.
    pub fn respond_with_error(self, status: u16, body: &ErrorBody) -> StubId {
        let body = serde_json::to_vec(body).unwrap_or_default();
        self.add(status, Some(body))
    }

    /// Answers with this HTTP status and no body: a `503` from a proxy, say.
    pub fn respond_with_status(self, status: u16) -> StubId {
        self.add(status, None)
    }

    /// The payloads of the calls to this operation that passed the checks, in order.
    pub fn calls(&self) -> Vec<P> {
        let state = self.mock.shared.state();
        state
            .calls
            .iter()
            .filter(|call| call.operation == Some(OPERATIONS[self.operation].id))
            .filter(|call| !matches!(call.outcome, Outcome::Refused(_)))
            .filter_map(Call::payload)
            .collect()
    }

    fn add(self, status: u16, body: Option<Vec<u8>>) -> StubId {
        let mut state = self.mock.shared.state();
        let id = StubId(state.stubs.len());
        state.stubs.push(Stub {
            operation: self.operation,
            accepts: self.predicate,
            remaining: self.times,
            expected: self.expected,
            answered: 0,
            answer: Answer {
                status,
                body,
                delay: self.delay,
                retry_after: self.retry_after,
            },
        });
        id
    }
}

/// A stub's test of a payload, the payload's type erased.
type Predicate = Arc<dyn Fn(&RawValue) -> bool + Send + Sync>;

/// The mock's check that a payload is its operation's type: `reads_as::<P>`.
pub(crate) type PayloadCheck = fn(&str) -> Result<(), String>;

/// Reads `json` as `P`: the mock's check that a payload is the operation's type.
pub(crate) fn reads_as<P: DeserializeOwned>(json: &str) -> Result<(), String> {
    serde_json::from_str::<P>(json)
        .map(drop)
        .map_err(|error| error.to_string())
}

struct Shared {
    account: String,
    api_key: String,
    api_secret: SecretString,
    signer: Signer,
    clock_skew_ms: AtomicI64,
    state: Mutex<State>,
}

impl Shared {
    /// The state, even after a panic elsewhere poisoned the lock: a failed test must still
    /// be able to read what the mock received.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now_ms(&self) -> i64 {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since_epoch.as_millis())
            .unwrap_or(i64::MAX)
            .saturating_add(self.clock_skew_ms.load(Ordering::Relaxed))
    }
}

#[derive(Default)]
struct State {
    stubs: Vec<Stub>,
    calls: Vec<Call>,
}

/// A stub; its [`StubId`] is its place in the list.
struct Stub {
    operation: usize,
    /// Its `when` predicate: a stub with one is more specific than one without.
    accepts: Option<Predicate>,
    remaining: Option<u64>,
    expected: Option<u64>,
    answered: u64,
    answer: Answer,
}

#[derive(Clone)]
struct Answer {
    status: u16,
    body: Option<Vec<u8>>,
    delay: Option<Duration>,
    retry_after: Option<Duration>,
}

/// wiremock's responder for every request: checks it, picks the stub, records the call.
struct Dispatcher(Arc<Shared>);

impl wiremock::Respond for Dispatcher {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let shared = &self.0;
        let path = request.url.path().to_owned();
        // The operation of the request's method whose path template fits best: the most
        // literal segments, so that `/orders/search` wins over `/orders/{id}`.
        let operation = OPERATIONS
            .iter()
            .enumerate()
            .filter(|(_, op)| request.method.as_str() == op.method.as_str())
            .filter_map(|(index, op)| Some((index, params::fits(op.path, &path)?)))
            .max_by_key(|(index, literal)| (*literal, std::cmp::Reverse(*index)))
            .map(|(index, _)| index);
        let mut sent = None;
        let (outcome, response) = match operation {
            None => (
                Outcome::Unmatched,
                text(
                    404,
                    &format!("mock: no operation at {} {path}", request.method),
                ),
            ),
            Some(index) => match check(shared, index, request) {
                Err(refusal) => {
                    let response = refused(shared, &refusal);
                    (Outcome::Refused(refusal), response)
                }
                Ok(payload) => {
                    sent = Some(payload.get().to_owned());
                    answer(shared, index, &payload)
                }
            },
        };
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        shared.state().calls.push(Call {
            operation: operation.map(|index| OPERATIONS[index].id),
            path,
            headers,
            body: request.body.clone(),
            outcome,
            request: sent,
        });
        response
    }
}

/// The real API's checks, in its order; the JSON of what the operation sent, as its stubs
/// take it, when all pass.
fn check(
    shared: &Shared,
    operation: usize,
    request: &wiremock::Request,
) -> Result<Box<RawValue>, Refusal> {
    let op = &OPERATIONS[operation];
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    match header(KEY_HEADER) {
        None => return Err(Refusal::UnknownKey("no API key header".to_owned())),
        Some(key) if key != shared.api_key => {
            return Err(Refusal::UnknownKey(format!("unknown API key `{key}`")));
        }
        Some(_) => {}
    }
    let signature = header(SIGNATURE_HEADER)
        .ok_or_else(|| Refusal::BadSignature("no signature header".to_owned()))?;
    // Read before the signature is checked, for the values the recipe signs from it; its
    // faults are told after, in the real API's order.
    let envelope: Result<serde_json::Map<String, serde_json::Value>, _> =
        serde_json::from_slice(&request.body);
    let recipe = &REQUEST_RECIPE;
    // The timestamp as sent (header text, or the envelope's value), when the recipe has one.
    let timestamp = recipe.timestamp.map(|stamp| match stamp.place {
        Place::Header(name) => (
            stamp.format,
            format!("`{name}` header"),
            header(name).map(|text| Sent::Text(text.to_owned())),
        ),
        Place::Envelope(property) => (
            stamp.format,
            format!("`{property}`"),
            envelope
                .as_ref()
                .ok()
                .and_then(|envelope| envelope.get(property))
                .and_then(|value| Sent::of(stamp.format, value)),
        ),
    });
    let nonce = recipe.nonce.map(|place| match place {
        Place::Header(name) => (format!("`{name}` header"), header(name)),
        Place::Envelope(property) => (
            format!("`{property}`"),
            envelope
                .as_ref()
                .ok()
                .and_then(|envelope| envelope.get(property))
                .and_then(serde_json::Value::as_str),
        ),
    });
    let path_with_query = signing::path_with_query(request.url.path(), request.url.query());
    // The URL the client sent to: the mock's own, as the Host header names it.
    let url = match recipe.parts.contains(&Part::Url) {
        true => format!(
            "http://{}{path_with_query}",
            header("host").unwrap_or_default()
        ),
        false => String::new(),
    };
    let timestamp_text = match &timestamp {
        Some((_, _, Some(sent))) => sent.text(),
        _ => String::new(),
    };
    let message = Message {
        body: &request.body,
        method: request.method.as_str(),
        path_with_query: &path_with_query,
        url: &url,
        timestamp: &timestamp_text,
        nonce: nonce
            .as_ref()
            .and_then(|(_, nonce)| *nonce)
            .unwrap_or_default(),
        key: header(KEY_HEADER).unwrap_or_default().as_bytes(),
    };
    // The webhook verifier's check too; its message says whether the signature is malformed
    // or not the body's.
    shared
        .signer
        .check_message(&message, signature)
        .map_err(|error| Refusal::BadSignature(error.to_string()))?;

    let bad = |why: String| Refusal::BadRequest(why);
    if !op.body && !request.body.is_empty() {
        return Err(bad(format!("`{}` sends no body", op.id)));
    }
    let envelope = match (op.body, ENVELOPE) {
        (true, Some(_)) => Some(
            envelope
                .as_ref()
                .map_err(|error| bad(format!("the body is not a JSON object: {error}")))?,
        ),
        _ => None,
    };
    let account = match (envelope, ENVELOPE) {
        (Some(envelope), Some(names)) => Some(
            envelope
                .get(names.account)
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| bad(format!("no string `{}` in the envelope", names.account)))?,
        ),
        _ => None,
    };
    let sent_ms = match &timestamp {
        None => None,
        Some((format, _, Some(sent))) => Some(sent.millis(*format).ok_or_else(|| {
            bad(format!(
                "the timestamp `{timestamp_text}` is not written as the spec says"
            ))
        })?),
        Some((format, what, None)) => {
            let in_header = matches!(stamp_place(), Some(Place::Header(_)));
            return Err(bad(match (in_header, format.number(0)) {
                (true, _) => format!("no {what}"),
                (false, Some(_)) => format!("no integer {what} in the envelope"),
                (false, None) => format!("no string {what} in the envelope"),
            }));
        }
    };
    if let Some((what, None)) = &nonce {
        return Err(bad(format!("no nonce ({what})")));
    }
    let payload: Option<Box<RawValue>> = match (envelope, ENVELOPE) {
        (Some(envelope), Some(names)) => {
            let payload = envelope
                .get(names.payload)
                .ok_or_else(|| bad(format!("no `{}` in the envelope", names.payload)))?;
            Some(
                serde_json::value::to_raw_value(payload)
                    .map_err(|error| bad(format!("the payload cannot be read: {error}")))?,
            )
        }
        _ if op.body => Some(
            serde_json::from_slice(&request.body)
                .map_err(|error| bad(format!("the body is not JSON: {error}")))?,
        ),
        _ => None,
    };
    let values = match op.params.is_empty() {
        true => None,
        false => Some(
            params::read(op.path, op.params, request.url.path(), request.url.query())
                .map_err(|why| bad(format!("the parameters do not read: {why}")))?,
        ),
    };
    let sent = match (values, payload) {
        (None, Some(payload)) => payload,
        (values, payload) => {
            let text = match (values, payload) {
                (Some(values), Some(payload)) => format!("[{values},{}]", payload.get()),
                (Some(values), None) => values.to_string(),
                _ => "null".to_owned(),
            };
            RawValue::from_string(text)
                .map_err(|error| bad(format!("the request cannot be read: {error}")))?
        }
    };
    if let Some(account) = account.filter(|account| *account != shared.account) {
        return Err(Refusal::UnknownKey(format!(
            "the key is not a key of account `{account}`"
        )));
    }
    let skew_ms = i64::try_from(MAX_CLOCK_SKEW.as_millis()).unwrap_or(i64::MAX);
    if let (Some(sent_ms), Some((_, what, _))) = (sent_ms, &timestamp) {
        if sent_ms.abs_diff(shared.now_ms()) > skew_ms.unsigned_abs() {
            return Err(Refusal::StaleTimestamp(format!(
                "{what} {timestamp_text} is more than {} s from the mock's clock",
                MAX_CLOCK_SKEW.as_secs()
            )));
        }
    }
    Ok(sent)
}

/// Where the recipe puts the timestamp, if it has one.
fn stamp_place() -> Option<Place> {
    REQUEST_RECIPE.timestamp.map(|timestamp| timestamp.place)
}

/// A timestamp as a request sent it: header text, or the envelope's number or text.
enum Sent {
    Number(i64),
    Text(String),
}

impl Sent {
    /// The envelope's `value`, if it is what `format` puts there: a number, or text.
    fn of(format: TimestampFormat, value: &serde_json::Value) -> Option<Sent> {
        match format.number(0) {
            Some(_) => value.as_i64().map(Sent::Number),
            None => value.as_str().map(|text| Sent::Text(text.to_owned())),
        }
    }

    /// As the signature signs it.
    fn text(&self) -> String {
        match self {
            Sent::Number(number) => number.to_string(),
            Sent::Text(text) => text.clone(),
        }
    }

    /// The instant, in milliseconds since the Unix epoch; `None` for text `format` does not
    /// write.
    fn millis(&self, format: TimestampFormat) -> Option<i64> {
        match (self, format) {
            (Sent::Number(seconds), TimestampFormat::UnixSeconds) => {
                Some(seconds.saturating_mul(1000))
            }
            (Sent::Number(millis), _) => Some(*millis),
            (Sent::Text(text), format) => format.read(text),
        }
    }
}

/// The answer of the stub that takes the call, or the unmatched answer.
fn answer(
    shared: &Shared,
    operation: usize,
    payload: &RawValue,
) -> (Outcome, wiremock::ResponseTemplate) {
    if let Err(why) = PAYLOAD_CHECKS[operation](payload.get()) {
        let refusal = Refusal::BadRequest(format!(
            "the payload is not `{}`'s: {why}",
            OPERATIONS[operation].id
        ));
        let response = refused(shared, &refusal);
        return (Outcome::Refused(refusal), response);
    }
    let mut state = shared.state();
    // Specific stubs first, then the latest added first (`min_by_key` keeps the first of
    // equals, and the stubs are walked from the latest).
    let chosen = state
        .stubs
        .iter_mut()
        .enumerate()
        .rev()
        .filter(|(_, stub)| stub.operation == operation && stub.remaining != Some(0))
        .filter(|(_, stub)| stub.accepts.as_ref().is_none_or(|accepts| accepts(payload)))
        .min_by_key(|(_, stub)| stub.accepts.is_none());
    let Some((id, stub)) = chosen else {
        let message = format!(
            "mock: no stub answers operation `{}` for this payload: {}",
            OPERATIONS[operation].id,
            payload.get()
        );
        return (Outcome::Unmatched, text(404, &message));
    };
    stub.answered += 1;
    if let Some(remaining) = &mut stub.remaining {
        *remaining -= 1;
    }
    let Answer {
        status,
        body,
        delay,
        retry_after,
    } = stub.answer.clone();
    let mut response = wiremock::ResponseTemplate::new(status);
    if let Some(body) = body {
        response = response.set_body_raw(body, "application/json");
    }
    if let Some(delay) = delay {
        response = response.set_delay(delay);
    }
    if let Some(wait) = retry_after {
        response = response.insert_header("retry-after", wait.as_secs().to_string().as_str());
    }
    (Outcome::Answered(StubId(id)), response)
}

/// The answer the spec gives for a refusal, with the mock's clock in the `Date` header (a
/// client learns the server's clock from it after a stale timestamp).
fn refused(shared: &Shared, refusal: &Refusal) -> wiremock::ResponseTemplate {
    let (given, fallback_status) = match refusal {
        Refusal::UnknownKey(_) => (REFUSALS.unknown_key, 401),
        Refusal::BadSignature(_) => (REFUSALS.bad_signature, 401),
        Refusal::BadRequest(_) => (REFUSALS.bad_request, 400),
        Refusal::StaleTimestamp(_) => (REFUSALS.stale_timestamp, 400),
    };
    let stale_fallback = match (refusal, TIMESTAMP_REJECTED) {
        (Refusal::StaleTimestamp(_), Some((property, value))) => {
            Some(serde_json::json!({ property: value }).to_string())
        }
        _ => None,
    };
    let response = match (given, stale_fallback) {
        (Some((status, body)), _) => {
            wiremock::ResponseTemplate::new(status).set_body_raw(body, "application/json")
        }
        (None, Some(body)) => {
            wiremock::ResponseTemplate::new(fallback_status).set_body_raw(body, "application/json")
        }
        (None, None) => text(fallback_status, &format!("mock: refused: {refusal}")),
    };
    match http_date(shared.now_ms()) {
        Some(date) => response.insert_header("date", date.as_str()),
        None => response,
    }
}

fn text(status: u16, message: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_raw(message, "text/plain; charset=utf-8")
}

/// `millis` since the epoch as an HTTP `Date` (RFC 2822 form).
fn http_date(millis: i64) -> Option<String> {
    let at = time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000)).ok()?;
    at.format(&time::format_description::well_known::Rfc2822)
        .ok()
}
