//! The API secret, and every signature the servers received, never show: not in the
//! `Debug` or `Display` of the client, its builder, its options, any error (and its
//! `source()` chain), the webhook verifier or its errors, nor in tracing or log output at
//! any level from any target (the client's, reqwest's, hyper's), bodies traced included.

mod support;

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use calypso_customer_purse::reqwest::header::HeaderMap;
use calypso_customer_purse::types::CreateCustomerRequest;
use calypso_customer_purse::{
    BuildError, Client, Error, FixedClock, RequestOptions, RetryPolicy, SecretString, WebhookError,
    WebhookEvent, WebhookVerifier,
};
use support::raw::{Answer, RawServer, response};
use support::{
    API_SECRET, GET_TRANSACTION, Reply, SERVER_NOW_MS, TRANSACTION_JSON, TestServer,
    transaction_request,
};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt;

const WRONG_SECRET: &str = "0000aaaa1111bbbb2222cccc3333dddd";
const HOOK_KEY: &str = "hook-public-key";
const HOOK_SECRET: &str = "hook-secret-5f2c9a7e1d3b4c6a8e0f";

/// Fails if `text` shows a secret or any of `signatures` (as sent, or in uppercase).
fn assert_hidden(what: &str, text: &str, signatures: &[String]) {
    for secret in [API_SECRET, WRONG_SECRET, HOOK_SECRET] {
        assert!(!text.contains(secret), "a secret shows in {what}: {text}");
    }
    for signature in signatures {
        assert_eq!(signature.len(), 128, "a hex HMAC-SHA512: {signature}");
        let upper = signature.to_ascii_uppercase();
        assert!(
            !text.contains(signature.as_str()) && !text.contains(&upper),
            "a signature shows in {what}: {text}"
        );
    }
}

/// `Display` and `Debug` of an error and of every error in its `source()` chain.
fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{error}\n{error:?}\n");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!("{cause}\n{cause:?}\n"));
        source = cause.source();
    }
    text
}

fn sent_signatures(server: &RawServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|request| request.header("sign").expect("a Sign header").to_owned())
        .collect()
}

/// The error a client of `server` (no retries, short timeout) ends with, after checking
/// that its text shows neither a secret nor the signature sent.
async fn raw_failure(answer: Answer) -> Error {
    let server = RawServer::always(answer).await;
    let client = support::client_builder(&server.base_url())
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::NONE)
        .build()
        .expect("a valid client");
    let error = tokio::time::timeout(
        Duration::from_secs(5),
        client.get_transaction(&transaction_request()),
    )
    .await
    .expect("no hang")
    .expect_err("the call fails");
    let signatures = sent_signatures(&server);
    assert_eq!(signatures.len(), 1, "one request was sent");
    assert_hidden("an error", &error_text(&error), &signatures);
    error
}

#[tokio::test]
async fn client_builder_and_options_never_show_the_secret() {
    let builder = support::client_builder("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::new(5, Duration::from_millis(1)))
        .trace_bodies(true);
    let shown = format!("{builder:?}");
    assert!(shown.contains("http://127.0.0.1:9"), "{shown}");
    assert_hidden("the builder", &shown, &[]);

    let client = builder.build().expect("a valid client");
    let options = RequestOptions::new()
        .timeout(Duration::from_secs(3))
        .retry_policy(RetryPolicy::NONE)
        .retry_state_changing(true);
    let shown = format!("{options:?}");
    assert!(shown.contains("retry_state_changing"), "{shown}");
    assert_hidden("the options", &shown, &[]);

    let with_options = client.with_options(options);
    for shown in [format!("{client:?}"), format!("{with_options:?}")] {
        assert!(shown.contains(support::ACCOUNT), "{shown}");
        assert_hidden("the client", &shown, &[]);
    }
}

#[tokio::test]
async fn build_errors_never_show_the_secret() {
    let errors: Vec<BuildError> = vec![
        support::credentials("not a url")
            .build()
            .expect_err("bad URL"),
        support::credentials("http://127.0.0.1:9")
            .api_key("bad\nkey")
            .build()
            .expect_err("bad key"),
        Client::builder()
            .api_key(support::API_KEY)
            .api_secret(SecretString::from(API_SECRET))
            .build()
            .expect_err("no account"),
    ];
    for error in &errors {
        assert_hidden("a build error", &error_text(error), &[]);
    }
}

#[tokio::test]
async fn an_api_error_shows_neither_secret_nor_signature() {
    let server = TestServer::start().await;
    let client = server
        .client_builder()
        .api_secret(SecretString::from(WRONG_SECRET))
        .build()
        .expect("a valid client");
    let error = client
        .get_transaction(&transaction_request())
        .await
        .expect_err("refused as wrong sign");
    let api = error.api_error().expect("an API error").clone();
    let signature = server.only_request().header("sign").to_owned();
    assert_hidden(
        "an Error::Api",
        &error_text(&error),
        std::slice::from_ref(&signature),
    );
    assert_hidden("an ApiError", &format!("{api}\n{api:?}"), &[signature]);
}

#[tokio::test]
async fn an_unexpected_status_shows_neither_secret_nor_signature() {
    let error = raw_failure(Answer::full(
        "502 Bad Gateway",
        "text/html",
        &[],
        b"<html>bad gateway</html>",
    ))
    .await;
    assert!(matches!(error, Error::UnexpectedStatus { .. }), "{error:?}");
}

#[tokio::test]
async fn a_decode_error_shows_neither_secret_nor_signature() {
    let error = raw_failure(Answer::json("200 OK", "{not json")).await;
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn a_response_too_large_shows_neither_secret_nor_signature() {
    let head = response("200 OK", "application/json", &[], usize::MAX / 2, b"");
    let error = raw_failure(Answer::Bytes(head)).await;
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn a_response_body_error_shows_neither_secret_nor_signature() {
    let head = response("200 OK", "application/json", &[], 4096, b"{\"id\":");
    let error = raw_failure(Answer::Bytes(head)).await;
    assert!(matches!(error, Error::ResponseBody { .. }), "{error:?}");
}

#[tokio::test]
async fn a_redirect_shows_neither_secret_nor_signature() {
    let answer = Answer::full(
        "307 Temporary Redirect",
        "text/plain",
        &["Location: http://127.0.0.1:9/elsewhere"],
        b"",
    );
    let error = raw_failure(answer).await;
    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
}

#[tokio::test]
async fn a_timeout_shows_neither_secret_nor_signature() {
    let error = raw_failure(Answer::BytesThenHang(Vec::new())).await;
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn a_closed_connection_shows_neither_secret_nor_signature() {
    let error = raw_failure(Answer::Close).await;
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn a_refused_connection_shows_no_secret() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    let client = support::client_builder(&format!("http://{addr}"))
        .retry_policy(RetryPolicy::NONE)
        .build()
        .expect("a valid client");
    let error = client
        .create_customer(&CreateCustomerRequest::new())
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_hidden("a connect error", &error_text(&error), &[]);
}

/// A webhook body and the signature the subscription's secret gives it.
fn signed_hook(body: &str) -> (String, String) {
    (body.to_owned(), support::sign(HOOK_SECRET, body.as_bytes()))
}

#[test]
fn the_webhook_verifier_and_its_errors_never_show_the_secret_or_signature() {
    let verifier = WebhookVerifier::new(HOOK_KEY, &SecretString::from(HOOK_SECRET));
    let shown = format!("{verifier:?}");
    assert!(shown.contains(HOOK_KEY), "{shown}");
    assert_hidden("the verifier", &shown, &[]);

    let valid = r#"{"eventType":"CUSTOMER_PURSE_EXPIRED","data":{"address":"T9yD"}}"#;
    let (body, signature) = signed_hook(valid);
    let webhook = verifier
        .verify_parts(HOOK_KEY, &signature, body.as_bytes())
        .expect("a signed webhook");
    assert_hidden(
        "a webhook",
        &format!("{webhook:?}"),
        std::slice::from_ref(&signature),
    );

    let mut errors: Vec<(WebhookError, String)> = Vec::new();
    let missing = verifier
        .verify(&HeaderMap::new(), body.as_bytes())
        .expect_err("no headers");
    errors.push((missing, signature.clone()));
    let wrong_key = verifier
        .verify_parts("another-key", &signature, body.as_bytes())
        .expect_err("wrong key");
    errors.push((wrong_key, signature.clone()));
    let malformed = verifier
        .verify_parts(HOOK_KEY, &signature[1..], body.as_bytes())
        .expect_err("127 digits");
    errors.push((malformed, signature.clone()));
    let tampered = verifier
        .verify_parts(
            HOOK_KEY,
            &signature,
            valid.replace("T9yD", "T9yE").as_bytes(),
        )
        .expect_err("a changed body");
    errors.push((tampered, signature.clone()));
    for (bad_body, expected) in [(r#"{"data":{}}"#, "InvalidBody"), ("[1,2", "InvalidBody")] {
        let (body, signature) = signed_hook(bad_body);
        let error = verifier
            .verify_parts(HOOK_KEY, &signature, body.as_bytes())
            .expect_err(expected);
        assert!(format!("{error:?}").starts_with(expected), "{error:?}");
        errors.push((error, signature));
    }
    // Data that does not fit its event is kept, untyped, with the reason: never the
    // signature or the secret.
    let (body, signature) =
        signed_hook(r#"{"eventType":"CUSTOMER_PURSE_EXPIRED","data":{"customerId":5}}"#);
    let untyped = verifier
        .verify_parts(HOOK_KEY, &signature, body.as_bytes())
        .expect("a signed webhook is returned");
    assert!(
        matches!(untyped.event, WebhookEvent::Untyped { .. }),
        "{untyped:?}"
    );
    assert_hidden(
        "an untyped webhook",
        &format!("{untyped:?}"),
        std::slice::from_ref(&signature),
    );
    for (error, signature) in &errors {
        assert_hidden(
            "a webhook error",
            &error_text(error),
            std::slice::from_ref(signature),
        );
    }
}

/// Every line of tracing and log output of this test binary, from every target.
static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

#[derive(Clone, Copy)]
struct Capture;

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

/// reqwest logs through `log`, not `tracing`: its records are captured as lines too.
impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!(
            "log {} {}: {}\n",
            record.level(),
            record.target(),
            record.args()
        );
        CAPTURED
            .lock()
            .expect("not poisoned")
            .extend_from_slice(line.as_bytes());
    }

    fn flush(&self) {}
}

/// Installs, once for the whole binary and every thread, a subscriber of every span and
/// event at TRACE from any target, and a logger of every `log` record.
fn capture_everything() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_writer(Capture)
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .finish()
            .try_init()
            .expect("the only global subscriber");
        log::set_logger(&Capture).expect("the only logger");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

fn captured_text() -> String {
    String::from_utf8_lossy(&CAPTURED.lock().expect("not poisoned")).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_and_logs_at_every_level_show_neither_secret_nor_signature() {
    capture_everything();
    let mut signatures = Vec::new();

    // A success, bodies traced.
    let server = TestServer::answering(GET_TRANSACTION, Reply::json(200, TRANSACTION_JSON)).await;
    let client = server
        .client_builder()
        .trace_bodies(true)
        .build()
        .expect("a valid client");
    client
        .get_transaction(&transaction_request())
        .await
        .expect("a transaction");
    // A refused timestamp: the clock is learned (a WARN event) and the call re-signed.
    let far_off = server
        .client_builder()
        .trace_bodies(true)
        .clock(FixedClock {
            unix_millis: SERVER_NOW_MS - 3_600_000,
        })
        .build()
        .expect("a valid client");
    far_off
        .get_transaction(&transaction_request())
        .await
        .expect_err("the test server's clock is fixed, the restamped call is refused too");
    // A wrong secret: refused as a wrong sign.
    server
        .client_builder()
        .trace_bodies(true)
        .api_secret(SecretString::from(WRONG_SECRET))
        .build()
        .expect("a valid client")
        .get_transaction(&transaction_request())
        .await
        .expect_err("wrong sign");
    signatures.extend(
        server
            .requests()
            .iter()
            .map(|request| request.header("sign").to_owned()),
    );

    // Retries (DEBUG events) through a cut-short body and an HTML 503.
    let raw = RawServer::start(|n, _| match n {
        0 => Answer::Bytes(response("200 OK", "application/json", &[], 4096, b"{")),
        1 => Answer::full(
            "503 Service Unavailable",
            "text/html",
            &[],
            b"<html>busy</html>",
        ),
        _ => Answer::json("200 OK", TRANSACTION_JSON),
    })
    .await;
    let retrying = support::client_builder(&raw.base_url())
        .trace_bodies(true)
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
        .build()
        .expect("a valid client");
    retrying
        .get_transaction(&transaction_request())
        .await
        .expect("the third attempt succeeds");
    signatures.extend(sent_signatures(&raw));
    assert_eq!(signatures.len(), 1 + 2 + 1 + 3, "{signatures:#?}");

    let text = captured_text();
    // What was captured: the client's spans and events, bodies, and reqwest's own logs.
    for expected in [
        "operation=\"getTransaction\"",
        "request body",
        "response body",
        "attempt failed; retrying",
        "the server refused the request's timestamp",
        "log DEBUG reqwest",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not captured:\n{text}"
        );
    }
    assert_hidden("the captured tracing output", &text, &signatures);
}
