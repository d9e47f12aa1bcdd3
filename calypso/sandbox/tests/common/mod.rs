//! Set-up shared by the sandbox tests: sandboxes on free ports, clients for them, clocks the
//! tests control, signed raw HTTP for what the client does not show, the check of an API error,
//! and Node scripts driving a headless browser ([`browser`]). Each test file uses part of it.
#![allow(dead_code)]

pub mod browser;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use calypso_customer_purse::types::{
    CreateCustomerRequest, ErrorCode, PurseAddressRequest, Transaction,
};
use calypso_customer_purse::{
    ApiError, Client, ClientBuilder, Clock, Decimal, Error, SecretString, Uuid, reqwest,
};
use calypso_customer_purse_sandbox::{
    Credentials, DEMO_ACCOUNT, DEMO_API_KEY, DEMO_API_SECRET, Deposit, Outcome, Running, Sandbox,
    Settings,
};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha512;

/// A fixed instant (2023-11-14T22:13:20Z) for tests that set the clocks themselves.
pub const T0: i64 = 1_700_000_000_000;

/// A second merchant account with its own key pair, next to the demo account.
pub const OTHER_ACCOUNT: &str = "0x00000000000000000000000000000000000000b2";
pub const OTHER_API_KEY: &str = "0b2e0b2e0b2e0b2e0b2e0b2e0b2e0b2e";
pub const OTHER_API_SECRET: &str = "5ec2e75ec2e75ec2e75ec2e75ec2e75e";

/// Settings that accept the demo key pair and the other account's.
pub fn two_accounts() -> Settings {
    Settings {
        credentials: vec![
            Credentials::demo(),
            Credentials::new(
                OTHER_ACCOUNT,
                OTHER_API_KEY,
                SecretString::from(OTHER_API_SECRET),
            ),
        ],
        ..Settings::default()
    }
}

/// A sandbox with `settings`, serving on a free loopback port so that tests run in parallel.
pub async fn start(settings: Settings) -> Running {
    Sandbox::new(settings)
        .expect("valid settings")
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .expect("the sandbox starts")
}

/// A builder for a client of `running` with the demo key pair; tests override what they test.
pub fn builder(running: &Running) -> ClientBuilder {
    demo_builder(&running.base_url())
}

/// A builder for a client of any server at `base_url`, with the demo key pair.
pub fn demo_builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .account(DEMO_ACCOUNT)
        .api_key(DEMO_API_KEY)
        .api_secret(SecretString::from(DEMO_API_SECRET))
}

/// A client of `running` for the demo account, on the system clock.
pub fn demo_client(running: &Running) -> Client {
    builder(running).build().unwrap()
}

/// A client of `running` for the other account of [`two_accounts`].
pub fn other_client(running: &Running) -> Client {
    builder(running)
        .account(OTHER_ACCOUNT)
        .api_key(OTHER_API_KEY)
        .api_secret(SecretString::from(OTHER_API_SECRET))
        .build()
        .unwrap()
}

/// A clock the test moves by hand. Clones share the time, so the sandbox and the client can
/// use one and every request stays inside the ±3-minute window wherever the test sets it.
#[derive(Debug, Clone)]
pub struct SharedClock(Arc<AtomicI64>);

impl SharedClock {
    pub fn at(unix_millis: i64) -> Self {
        Self(Arc::new(AtomicI64::new(unix_millis)))
    }

    pub fn set(&self, unix_millis: i64) {
        self.0.store(unix_millis, Ordering::SeqCst);
    }
}

impl Clock for SharedClock {
    fn now_unix_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// An exact decimal from its text.
pub fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

/// A new customer of `client`'s account; its id.
pub async fn new_customer(client: &Client, external_id: &str) -> Uuid {
    let request = CreateCustomerRequest::new().with_external_id(external_id);
    client.create_customer(&request).await.unwrap().id.unwrap()
}

/// The customer's deposit address for `currency`.
pub async fn address_of(client: &Client, customer: Uuid, currency: &str) -> String {
    let request = PurseAddressRequest::new(customer, currency);
    client.get_purse_address(&request).await.unwrap().address
}

/// A simulated deposit, in-process, with made-up sender and hash.
pub fn deposit(
    running: &Running,
    address: &str,
    currency: &str,
    amount: Decimal,
    outcome: Outcome,
) -> Transaction {
    running
        .sandbox()
        .deposit(Deposit {
            address: address.to_owned(),
            currency: currency.to_owned(),
            amount,
            outcome,
            address_from: None,
            transaction_hash: None,
        })
        .unwrap_or_else(|error| panic!("deposit of {amount} {currency} refused: {error}"))
}

/// Asserts that `result` is the API's error with `status` and `code`, a message and a trace
/// id (what a merchant needs to act and to ask support), and returns it.
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, Error>,
    status: u16,
    code: ErrorCode,
) -> ApiError {
    let error = result.expect_err("the request should have been refused");
    let Some(api) = error.api_error() else {
        panic!("expected the API's error body, got {error:?}");
    };
    assert_eq!(api.status.as_u16(), status, "{api}");
    assert_eq!(api.body.error_code, Some(code), "{api}");
    assert!(
        api.body.message.as_deref().is_some_and(|m| !m.is_empty()),
        "no message: {api}"
    );
    assert!(
        api.body.trace_id.as_deref().is_some_and(|t| !t.is_empty()),
        "no traceId: {api}"
    );
    api.clone()
}

/// The answer to a raw HTTP request: status, headers and body text.
pub struct RawAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl RawAnswer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

/// POSTs `body` as JSON to `path` of `running`, with `headers`.
pub async fn post_json(
    running: &Running,
    path: &str,
    headers: &[(&str, &str)],
    body: String,
) -> RawAnswer {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", running.base_url()))
        .header("Content-Type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the sandbox answers");
    RawAnswer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

/// The demo secret's signature of `body`: lowercase hex HMAC-SHA512, written here
/// independently of the client's signer.
pub fn sign(body: &[u8]) -> String {
    sign_with(DEMO_API_SECRET, body)
}

/// `secret`'s signature of `body` (keyed with its UTF-8 bytes): lowercase hex HMAC-SHA512, as
/// the API signs requests and webhooks.
pub fn sign_with(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The demo account's envelope around `payload`, stamped with the current time.
pub fn envelope(payload: Value) -> Vec<u8> {
    let timestamp = calypso_customer_purse::SystemClock.now_unix_millis();
    let body = json!({"account": DEMO_ACCOUNT, "timestamp": timestamp, "payload": payload});
    serde_json::to_vec(&body).unwrap()
}

/// POSTs `payload` to a merchant operation the way the client does (demo key, envelope with
/// the current time, HMAC-SHA512 of the exact bytes), for checks on headers the client hides.
pub async fn signed_post(running: &Running, operation: &str, payload: Value) -> RawAnswer {
    let body = String::from_utf8(envelope(payload)).unwrap();
    signed_post_body(running, operation, body).await
}

/// POSTs `body` as it is to a merchant operation, signed with the demo key.
pub async fn signed_post_body(running: &Running, operation: &str, body: String) -> RawAnswer {
    let sign = sign(body.as_bytes());
    let path = format!(
        "{}{operation}",
        calypso_customer_purse_sandbox::MERCHANT_PATH_PREFIX
    );
    post_json(
        running,
        &path,
        &[("Key", DEMO_API_KEY), ("Sign", &sign)],
        body,
    )
    .await
}
