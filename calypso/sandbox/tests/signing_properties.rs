//! Signing invariants, as property tests:
//!
//! - for random payloads sent through the generated client, the bytes the server receives are
//!   exactly the bytes signed, and they parse back to the payload sent;
//! - a signature over any other bytes (one byte flipped, whitespace inserted, members
//!   reordered, the timestamp off by one, a byte appended, the body cut short) is refused by
//!   the sandbox with `003`, while the unchanged body with that signature is accepted;
//! - each attempt of a retried read carries a fresh, strictly increasing timestamp and its
//!   own signature.
//!
//! What the client sends is captured by a small recording proxy between it and the sandbox.
//! Each property runs [`DEFAULT_CASES`] cases; `PROPTEST_CASES=N` runs N.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, ErrorCode, ExternalIdRequest,
    FindTransactionsRequest, SortDirection, StringFilter, TransactionIdRequest,
    UpdateCustomerRequest,
};
use calypso_customer_purse::{Clock, Decimal, Error, RetryPolicy, reqwest};
use calypso_customer_purse_sandbox::{
    DEMO_ACCOUNT, DEMO_API_KEY, Fault, Outcome, Running, Settings,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::Value;
use tokio::runtime::Runtime;

/// Cases per property when `PROPTEST_CASES` is not set: enough to vary every strategy, few
/// enough for a normal `cargo test`.
const DEFAULT_CASES: u32 = 32;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig::with_cases(cases)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `test` on every case of `strategy`; a failure panics with the shrunk case.
fn check<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config());
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}");
    }
}

// ---- the recording proxy ------------------------------------------------------------------

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    key: Option<String>,
    sign: Option<String>,
    body: Bytes,
}

/// A proxy that records every request, byte for byte, and passes it on to the sandbox.
#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Proxy {
    /// Serves on a free loopback port in front of `running`; its base URL.
    async fn start(running: &Running) -> (Self, String) {
        let proxy = Self {
            upstream: running.base_url(),
            http: reqwest::Client::new(),
            received: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .fallback(forward)
            .with_state(proxy.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (proxy, base_url)
    }

    /// Every request since the last call, oldest first.
    fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }
}

async fn forward(
    State(proxy): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| {
        headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    proxy.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        key: text("key"),
        sign: text("sign"),
        body: body.clone(),
    });
    let mut request = proxy
        .http
        .request(method, format!("{}{}", proxy.upstream, uri.path()))
        .body(body);
    for (name, value) in &headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let mut answer_headers = answer.headers().clone();
    answer_headers.remove(header::CONTENT_LENGTH);
    answer_headers.remove(header::TRANSFER_ENCODING);
    let body = answer.bytes().await.unwrap_or_default();
    (status, answer_headers, body).into_response()
}

/// Asserts that `received` carries the demo key and the HMAC-SHA512 of exactly its bytes,
/// recomputed here from the secret; returns the body as JSON.
fn signed_as_received(received: &Received) -> Result<Value, TestCaseError> {
    prop_assert_eq!(received.key.as_deref(), Some(DEMO_API_KEY));
    let expected = common::sign(&received.body);
    prop_assert_eq!(received.sign.as_deref(), Some(expected.as_str()));
    let body: Value = serde_json::from_slice(&received.body)
        .map_err(|error| TestCaseError::fail(format!("the body is not JSON: {error}")))?;
    prop_assert_eq!(&body["account"], DEMO_ACCOUNT);
    prop_assert!(body["timestamp"].is_i64(), "{}", body);
    Ok(body)
}

// ---- strategies ---------------------------------------------------------------------------

/// Text that JSON must escape or that is easy to get wrong: quotes, backslashes, control
/// characters, line and paragraph separators, emoji, any Unicode, and long runs.
fn text() -> impl Strategy<Value = String> {
    let tricky = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('/'),
        Just('\u{0}'),
        Just('\n'),
        Just('\t'),
        Just('\u{1f}'),
        Just('\u{7f}'),
        Just('\u{2028}'),
        Just('\u{feff}'),
        Just('é'),
        Just('😀'),
        Just('\u{10ffff}'),
        any::<char>(),
    ];
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(tricky, 0..48).prop_map(String::from_iter),
        // Long, but three of them escaped at 6 bytes a character stay under the body limit.
        (any::<char>(), 1000..3000usize)
            .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect::<String>()),
    ]
}

fn string_filter() -> impl Strategy<Value = StringFilter> {
    (
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(proptest::collection::vec(text(), 0..4)),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(equals, contains, in_, specified)| {
            let mut filter = StringFilter::new();
            filter.equals = equals;
            filter.contains = contains;
            filter.in_ = in_;
            filter.specified = specified;
            filter
        })
}

/// A call through the client, with random fields.
#[derive(Debug, Clone)]
enum Call {
    Create(CreateCustomerRequest),
    /// The fields of an update of the one customer every case may update.
    Update(Option<String>, Option<String>),
    Find(Box<FindTransactionsRequest>),
    ByExternalId(String),
}

fn call() -> impl Strategy<Value = Call> {
    let optional = || proptest::option::of(text());
    prop_oneof![
        (optional(), optional(), optional()).prop_map(|(description, external_id, email)| {
            let mut request = CreateCustomerRequest::new();
            request.description = description;
            request.external_id = external_id;
            request.email = email;
            Call::Create(request)
        }),
        (optional(), optional()).prop_map(|(description, email)| Call::Update(description, email)),
        (
            proptest::option::of(string_filter()),
            proptest::option::of(1..1000i32),
            proptest::option::of(1..=100i32),
            proptest::option::of(prop_oneof![
                Just(SortDirection::Asc),
                Just(SortDirection::Desc)
            ]),
        )
            .prop_map(|(filter, page, size, sort)| {
                let mut request = FindTransactionsRequest::new();
                request.currency_filter = filter;
                request.page_number = page;
                request.page_size = size;
                request.sort = sort;
                Call::Find(Box::new(request))
            }),
        text().prop_map(Call::ByExternalId),
    ]
}

/// A positive exact decimal with up to 18 digits after the point.
fn decimal() -> impl Strategy<Value = Decimal> {
    (1..=999_999_999_999_999_999i64, 0..=18u32)
        .prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
}

// ---- property 1: the bytes received are the bytes signed -----------------------------------

#[test]
fn the_bytes_received_are_exactly_the_bytes_signed_and_parse_back_to_the_payload() {
    let runtime = runtime();
    let (running, proxy, client, updatable, address) = runtime.block_on(async {
        let running = common::start(Settings::default()).await;
        let (proxy, base_url) = Proxy::start(&running).await;
        let client = common::demo_builder(&base_url).build().unwrap();
        let updatable = common::new_customer(&client, "updatable").await;
        let address = common::address_of(&client, updatable, "ETH").await;
        proxy.take();
        (running, proxy, client, updatable, address)
    });
    let case = AtomicI64::new(0);

    check((call(), decimal()), |(call, amount)| {
        runtime.block_on(async {
            // External ids are unique per account: a case number keeps each case's its own.
            let n = case.fetch_add(1, Ordering::Relaxed);
            let call = match call {
                Call::Create(mut request) => {
                    request.external_id = request.external_id.map(|id| format!("{n}:{id}"));
                    Call::Create(request)
                }
                other => other,
            };
            let payload: Value = match &call {
                Call::Create(request) => {
                    let created = client.create_customer(request).await.map_err(fail)?;
                    prop_assert_eq!(&created.description, &request.description);
                    prop_assert_eq!(&created.external_id, &request.external_id);
                    prop_assert_eq!(&created.email, &request.email);
                    serde_json::to_value(request).unwrap()
                }
                Call::Update(description, email) => {
                    let mut request = UpdateCustomerRequest::new(updatable);
                    request.description = description.clone();
                    request.email = email.clone();
                    let updated = client.update_customer(&request).await.map_err(fail)?;
                    if description.is_some() {
                        prop_assert_eq!(&updated.description, description);
                    }
                    serde_json::to_value(&request).unwrap()
                }
                Call::Find(request) => {
                    client.find_transactions(request).await.map_err(fail)?;
                    serde_json::to_value(request).unwrap()
                }
                Call::ByExternalId(external_id) => {
                    let request = ExternalIdRequest::new(external_id.clone());
                    // No such customer: refused with 004, after every signature check passed.
                    match client.get_customer_by_external_id(&request).await {
                        Err(error) if not_found(&error) => {}
                        other => {
                            return Err(TestCaseError::fail(format!("expected 004: {other:?}")));
                        }
                    }
                    serde_json::to_value(&request).unwrap()
                }
            };
            let received = proxy.take();
            prop_assert_eq!(received.len(), 1, "one attempt: {:?}", received);
            let body = signed_as_received(&received[0])?;
            prop_assert_eq!(&body["payload"], &payload);
            // And the typed payload is the one sent (serde's JSON → the generated type).
            if let Call::Create(request) = &call {
                let parsed: CreateCustomerRequest =
                    serde_json::from_value(body["payload"].clone()).unwrap();
                prop_assert_eq!(&parsed, request);
            }

            // Decimals travel in answers only (no request carries one): exact, every digit.
            let deposited = common::deposit(&running, &address, "ETH", amount, Outcome::Confirmed);
            let read = client
                .get_transaction(&TransactionIdRequest::new(deposited.id))
                .await
                .map_err(fail)?;
            prop_assert_eq!(read.amount, amount);
            prop_assert_eq!(read.amount.to_string(), amount.to_string());
            signed_as_received(&proxy.take()[0])?;
            Ok(())
        })
    });
}

fn fail(error: Error) -> TestCaseError {
    TestCaseError::fail(format!("the call failed: {error}"))
}

fn not_found(error: &Error) -> bool {
    error
        .api_error()
        .is_some_and(|api| api.body.error_code == Some(ErrorCode::NotFound))
}

// ---- property 2: a signature over other bytes is refused -----------------------------------

/// A change to a signed body.
#[derive(Debug, Clone)]
enum Change {
    FlipByte(Index, u8),
    InsertWhitespace(Index, char),
    ReorderMembers(usize),
    TimestampPlus(i64),
    AppendByte(u8),
    Truncate(Index),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<Index>(), 1..=255u8).prop_map(|(at, mask)| Change::FlipByte(at, mask)),
        (
            any::<Index>(),
            prop_oneof![Just(' '), Just('\t'), Just('\n'), Just('\r')]
        )
            .prop_map(|(at, space)| Change::InsertWhitespace(at, space)),
        (1..6usize).prop_map(Change::ReorderMembers),
        prop_oneof![Just(-1i64), Just(1i64)].prop_map(Change::TimestampPlus),
        any::<u8>().prop_map(Change::AppendByte),
        any::<Index>().prop_map(Change::Truncate),
    ]
}

/// The envelope's three members in one of the six orders (0 is the usual one).
fn body_in_order(timestamp: i64, payload: &str, order: usize) -> Vec<u8> {
    let members = [
        format!(r#""account":"{DEMO_ACCOUNT}""#),
        format!(r#""timestamp":{timestamp}"#),
        format!(r#""payload":{payload}"#),
    ];
    const ORDERS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let [a, b, c] = ORDERS[order % 6];
    format!("{{{},{},{}}}", members[a], members[b], members[c]).into_bytes()
}

fn apply(change: &Change, timestamp: i64, payload: &str) -> Vec<u8> {
    let mut body = body_in_order(timestamp, payload, 0);
    match change {
        Change::FlipByte(at, mask) => {
            let at = at.index(body.len());
            body[at] ^= mask;
        }
        Change::InsertWhitespace(at, space) => {
            let at = at.index(body.len() + 1);
            body.insert(at, *space as u8);
        }
        Change::ReorderMembers(order) => body = body_in_order(timestamp, payload, *order),
        Change::TimestampPlus(delta) => body = body_in_order(timestamp + delta, payload, 0),
        Change::AppendByte(byte) => body.push(*byte),
        Change::Truncate(at) => body.truncate(at.index(body.len())),
    }
    body
}

async fn post_signed(running: &Running, body: Vec<u8>, sign: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!(
            "{}{}customer/create",
            running.base_url(),
            calypso_customer_purse_sandbox::MERCHANT_PATH_PREFIX
        ))
        .header("Content-Type", "application/json")
        .header("Key", DEMO_API_KEY)
        .header("Sign", sign)
        .body(body)
        .send()
        .await
        .expect("the sandbox answers");
    let status = response.status().as_u16();
    let body = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null);
    (status, body)
}

#[test]
fn a_signature_over_any_other_bytes_is_refused_and_over_the_same_bytes_accepted() {
    let runtime = runtime();
    let running = runtime.block_on(common::start(Settings::default()));

    check((text(), change()), |(description, change)| {
        runtime.block_on(async {
            let payload = serde_json::json!({ "description": description }).to_string();
            let timestamp = calypso_customer_purse::SystemClock.now_unix_millis();
            let original = body_in_order(timestamp, &payload, 0);
            let sign = common::sign(&original);
            let changed = apply(&change, timestamp, &payload);
            prop_assume!(changed != original);

            let (status, answer) = post_signed(&running, changed, &sign).await;
            prop_assert_eq!(status, 400, "{}", answer);
            prop_assert_eq!(&answer["errorCode"], "003", "{}", answer);

            let (status, answer) = post_signed(&running, original, &sign).await;
            prop_assert_eq!(status, 200, "{}", answer);
            prop_assert_eq!(&answer["description"], &Value::String(description));
            Ok(())
        })
    });
}

// ---- property 3: every attempt is stamped and signed anew ----------------------------------

/// A clock that moves on by `step` milliseconds every time it is read.
#[derive(Debug)]
struct Ticking {
    now: AtomicI64,
    step: i64,
}

impl Clock for Ticking {
    fn now_unix_millis(&self) -> i64 {
        self.now.fetch_add(self.step, Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, Copy)]
enum Read {
    Customer,
    Purses,
    Find,
}

impl Read {
    fn operation(self) -> &'static str {
        match self {
            Read::Customer => "customer/get",
            Read::Purses => "purse/get-all",
            Read::Find => "transaction/find",
        }
    }
}

#[test]
fn every_attempt_of_a_retried_read_has_a_later_timestamp_and_its_own_signature() {
    let runtime = runtime();
    // The sandbox's clock stands still at T0; the client's starts there and moves on.
    let (running, proxy, base_url, customer) = runtime.block_on(async {
        let running = common::start(Settings {
            clock: Arc::new(common::SharedClock::at(common::T0)),
            ..Settings::default()
        })
        .await;
        let (proxy, base_url) = Proxy::start(&running).await;
        let client = common::demo_builder(&base_url)
            .clock(common::SharedClock::at(common::T0))
            .build()
            .unwrap();
        let customer = common::new_customer(&client, "read-again").await;
        common::address_of(&client, customer, "BTC").await;
        proxy.take();
        (running, proxy, base_url, customer)
    });
    let read = prop_oneof![Just(Read::Customer), Just(Read::Purses), Just(Read::Find)];
    let status = prop_oneof![Just(500u16), Just(502), Just(503), Just(504), Just(429)];

    check(
        (read, status, 2..=5u32, 1..=1000i64),
        |(read, status, attempts, step)| {
            runtime.block_on(async {
                let client = common::demo_builder(&base_url)
                    .clock(Ticking {
                        now: AtomicI64::new(common::T0),
                        step,
                    })
                    .retry_policy(RetryPolicy::new(attempts, Duration::from_millis(1)))
                    .build()
                    .unwrap();
                running
                    .sandbox()
                    .inject_fault(Fault {
                        count: attempts - 1,
                        status,
                        operation: Some(read.operation().to_owned()),
                        retry_after_seconds: None,
                    })
                    .unwrap();
                let answered = match read {
                    Read::Customer => client
                        .get_customer(&CustomerIdRequest::new(customer))
                        .await
                        .map(drop),
                    Read::Purses => client
                        .get_purses(&CustomerIdRequest::new(customer))
                        .await
                        .map(drop),
                    Read::Find => client
                        .find_transactions(&FindTransactionsRequest::new())
                        .await
                        .map(drop),
                };
                answered.map_err(fail)?;

                let received = proxy.take();
                prop_assert_eq!(received.len(), attempts as usize);
                let mut timestamps = Vec::new();
                let mut signatures = Vec::new();
                let mut payloads = Vec::new();
                for attempt in &received {
                    prop_assert!(attempt.path.ends_with(read.operation()), "{}", attempt.path);
                    let body = signed_as_received(attempt)?;
                    timestamps.push(body["timestamp"].as_i64().unwrap());
                    signatures.push(attempt.sign.clone());
                    payloads.push(body["payload"].clone());
                }
                prop_assert!(
                    timestamps.windows(2).all(|pair| pair[0] < pair[1]),
                    "timestamps not strictly increasing: {:?}",
                    timestamps
                );
                let distinct: std::collections::HashSet<_> = signatures.iter().collect();
                prop_assert_eq!(distinct.len(), signatures.len(), "a signature was reused");
                prop_assert!(payloads.windows(2).all(|pair| pair[0] == pair[1]));
                Ok(())
            })
        },
    );
}
