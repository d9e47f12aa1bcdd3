//! A stand-in for the Calypso API on 127.0.0.1: it checks every request the way the real
//! API does (key, signature, content type, envelope, timestamp window), independently of
//! the client's own code, then answers what the test scripted and records what it received.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support code"
)]

pub mod raw;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use calypso_customer_purse::types::{
    ComplianceState, Transaction, TransactionIdRequest, TransactionState,
};
use calypso_customer_purse::{
    Client, ClientBuilder, Decimal, FixedClock, OffsetDateTime, SecretString, Uuid,
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha512;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The published example key pair (section 1 of the API notes).
pub const API_KEY: &str = "c529e14832b34b74972365cf7bf02430";
pub const API_SECRET: &str = "b823a6b9ea72408583cef9ec8d67fa52";
pub const ACCOUNT: &str = "0xc195df92dd9db2a8f28e597981f113d6e7582f8b";
/// The fixed "now" of a test server: 2025-10-30T14:08:39.960Z.
pub const SERVER_NOW_MS: i64 = 1_761_833_319_960;
/// The fixed clock of a test client: 1.5 seconds behind the server, inside the window.
pub const CLIENT_NOW_MS: i64 = SERVER_NOW_MS - 1_500;
/// How far a timestamp may be from the server's clock: 3 minutes either way.
pub const MAX_SKEW_MS: u64 = 3 * 60 * 1000;

pub const GET_TRANSACTION: &str = "/api/v1/customer-purse/transaction/get";
pub const TRANSACTION_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
/// A complete `PGTransactionDTO` as the API sends it.
pub const TRANSACTION_JSON: &str = r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","amount":0.012345000,"addressFrom":"0x4bbeeb066ed09b7aed07bf39eee0460dfa261520","currency":"USDT_BSC","transactionHash":"0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060","transactionState":"CONFIRMED","complianceState":"CHECKED","translationToAccountCompleted":true,"createdDate":"2025-10-30T14:08:39.960680Z"}"#;

/// [`TRANSACTION_JSON`], decoded.
pub fn expected_transaction() -> Transaction {
    Transaction::new(
        uuid(TRANSACTION_ID),
        decimal("0.012345000"),
        "0x4bbeeb066ed09b7aed07bf39eee0460dfa261520",
        "USDT_BSC",
        TransactionState::Confirmed,
        ComplianceState::Checked,
        true,
        utc_nanos(1_761_833_319_960_680_000),
    )
    .with_transaction_hash("0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060")
}

pub fn transaction_request() -> TransactionIdRequest {
    TransactionIdRequest::new(uuid(TRANSACTION_ID))
}

pub fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("a valid uuid literal")
}

pub fn decimal(text: &str) -> Decimal {
    Decimal::from_str_exact(text).expect("a valid decimal literal")
}

pub fn utc_nanos(nanos: i128) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(nanos).expect("a valid instant")
}

/// Lowercase hex HMAC-SHA512 of `body`, keyed with the secret's UTF-8 bytes.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A client builder with the test account, key and secret, aimed at `base_url`.
pub fn credentials(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .account(ACCOUNT)
        .api_key(API_KEY)
        .api_secret(SecretString::from(API_SECRET))
}

/// [`credentials`] with the client's clock fixed at [`CLIENT_NOW_MS`].
pub fn client_builder(base_url: &str) -> ClientBuilder {
    credentials(base_url).clock(FixedClock {
        unix_millis: CLIENT_NOW_MS,
    })
}

/// What the server answers: a status and the raw body bytes.
#[derive(Clone, Debug)]
pub struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status, "application/json", body)
    }

    pub fn html(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status, "text/html", body)
    }

    fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        let status = StatusCode::from_u16(status).expect("a valid status");
        Self {
            status,
            content_type,
            body: body.into(),
        }
    }

    /// The API's refusal: HTTP 400 with its error body.
    fn refusal(code: &str, message: &str) -> Self {
        Self::json(
            400,
            json!({"errorCode": code, "message": message}).to_string(),
        )
    }
}

/// One request as the server received it, and the status it answered.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub status: StatusCode,
}

impl Recorded {
    pub fn header(&self, name: &str) -> &str {
        single_header(&self.headers, name).unwrap_or_else(|| panic!("one `{name}` header"))
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn payload(&self) -> Value {
        self.json()["payload"].clone()
    }

    /// A POST whose body is the envelope, stamped with `timestamp`, signed as sent.
    pub fn assert_signed_envelope(&self, timestamp: i64) {
        assert_eq!(self.method, Method::POST);
        assert_eq!(self.header("content-type"), "application/json");
        assert_eq!(self.header("key"), API_KEY);
        assert_eq!(self.header("sign"), sign(API_SECRET, &self.body));
        let envelope = self.json();
        let mut members: Vec<&str> = envelope
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        members.sort_unstable();
        assert_eq!(members, ["account", "payload", "timestamp"]);
        assert_eq!(envelope["account"], ACCOUNT);
        assert_eq!(envelope["timestamp"], timestamp);
    }
}

/// Where the server's clock stands.
#[derive(Clone, Copy, Debug)]
pub enum ServerClock {
    Fixed(i64),
    System,
}

impl ServerClock {
    fn now_ms(self) -> i64 {
        match self {
            Self::Fixed(ms) => ms,
            Self::System => system_now_ms(),
        }
    }
}

/// A client clock that moves on `step` milliseconds each time it is read.
#[derive(Debug)]
pub struct Ticking {
    now: std::sync::atomic::AtomicI64,
    step: i64,
}

impl Ticking {
    pub fn from(start: i64, step: i64) -> Self {
        Self {
            now: std::sync::atomic::AtomicI64::new(start),
            step,
        }
    }
}

impl calypso_customer_purse::Clock for Ticking {
    fn now_unix_millis(&self) -> i64 {
        self.now
            .fetch_add(self.step, std::sync::atomic::Ordering::SeqCst)
    }
}

pub fn system_now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_millis()).expect("fits i64")
}

struct Shared {
    clock: ServerClock,
    replies: Mutex<HashMap<String, Reply>>,
    received: Mutex<Vec<Recorded>>,
}

/// A server for one test; it stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// A server whose clock stands at [`SERVER_NOW_MS`].
    pub async fn start() -> Self {
        Self::start_with_clock(ServerClock::Fixed(SERVER_NOW_MS)).await
    }

    pub async fn start_with_clock(clock: ServerClock) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            clock,
            replies: Mutex::default(),
            received: Mutex::default(),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the test server runs");
        });
        Self { addr, shared, task }
    }

    /// A server (clock at [`SERVER_NOW_MS`]) that answers `reply` on `path`.
    pub async fn answering(path: &str, reply: Reply) -> Self {
        let server = Self::start().await;
        server.reply(path, reply);
        server
    }

    /// Answers `reply` to every accepted request on `path`.
    pub fn reply(&self, path: &str, reply: Reply) {
        let mut replies = self.shared.replies.lock().expect("not poisoned");
        replies.insert(path.to_owned(), reply);
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A builder for a client of this server, with the test credentials and clock.
    pub fn client_builder(&self) -> ClientBuilder {
        client_builder(&self.base_url())
    }

    pub fn client(&self) -> Client {
        self.client_builder().build().expect("a valid client")
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.received.lock().expect("not poisoned").clone()
    }

    /// The one request received; fails if there were none or several.
    pub fn only_request(&self) -> Recorded {
        let mut requests = self.requests();
        assert_eq!(requests.len(), 1, "requests received: {requests:#?}");
        requests.remove(0)
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let reply = match check(&method, &headers, &body, shared.clock.now_ms()) {
        Ok(()) => {
            let replies = shared.replies.lock().expect("not poisoned");
            let scripted = replies.get(&path).cloned();
            scripted.unwrap_or_else(|| Reply::json(404, "{}"))
        }
        Err(refusal) => refusal,
    };
    shared
        .received
        .lock()
        .expect("not poisoned")
        .push(Recorded {
            method,
            path,
            headers,
            body,
            status: reply.status,
        });
    (
        reply.status,
        [(header::CONTENT_TYPE, reply.content_type)],
        reply.body,
    )
        .into_response()
}

/// What the real API checks, in its order; `Err` is its refusal.
fn check(method: &Method, headers: &HeaderMap, body: &[u8], now_ms: i64) -> Result<(), Reply> {
    if method != Method::POST {
        return Err(Reply::json(405, "{}"));
    }
    if single_header(headers, "key") != Some(API_KEY) {
        return Err(Reply::refusal("002", "Invalid api key"));
    }
    if single_header(headers, "sign") != Some(sign(API_SECRET, body).as_str()) {
        return Err(Reply::refusal("003", "Wrong sign"));
    }
    let is_json = single_header(headers, "content-type").is_some_and(|value| {
        let essence = value.split(';').next().unwrap_or_default();
        essence.trim().eq_ignore_ascii_case("application/json")
    });
    if !is_json {
        return Err(Reply::refusal(
            "001",
            "Content-Type must be application/json",
        ));
    }
    let Ok(Value::Object(envelope)) = serde_json::from_slice::<Value>(body) else {
        return Err(Reply::refusal("001", "The body must be a JSON object"));
    };
    if envelope.get("account").and_then(Value::as_str) != Some(ACCOUNT) {
        return Err(Reply::refusal("001", "Invalid account"));
    }
    let timestamp = envelope.get("timestamp").and_then(Value::as_i64);
    let in_window = timestamp.is_some_and(|ms| ms.abs_diff(now_ms) <= MAX_SKEW_MS);
    if !in_window {
        return Err(Reply::refusal("011", "Invalid timestamp parameter"));
    }
    if !envelope.get("payload").is_some_and(Value::is_object) {
        return Err(Reply::refusal("001", "The payload must be an object"));
    }
    Ok(())
}

/// The header's value when it is sent exactly once, as text.
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    }
}
