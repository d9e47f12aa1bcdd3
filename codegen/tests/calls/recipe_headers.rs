//! Webhooks of `tests/specs/ok/recipe-headers.yaml`, signed like its requests (Binance Pay's
//! way: `timestamp \n nonce \n body \n`, HMAC-SHA512 in upper-case hex), checked by the
//! generated verifier, which reads the timestamp and the nonce from their headers. Run by
//! `compile_generated.rs` in a crate beside the client.

use reqwest::header::{HeaderMap, HeaderValue};
use widget_api::{
    Delivery, SecretString, WebhookError, WebhookEvent, WebhookReceiver, WebhookVerifier,
};

const BODY: &str = r#"{"eventId":"ev-1","eventType":"WIDGET_SHIPPED","data":{"widgetId":"w-1"}}"#;
const TIMESTAMP: &str = "1700000000000";
const NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
/// Computed apart from the generator, with Python's hmac module:
/// hmac.new(b"webhook-secret", b"1700000000000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n" + BODY +
/// b"\n", hashlib.sha512).hexdigest().upper()
const SIGNATURE: &str = "B203BCEB48503A919437F22C06041F9250DFFD758933C52B525A5ECBEED09EE67FD26D030CE30618AC031AF04A129FE4C80419C4A9EE90EB54FC67DE33D5E6E8";

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new("webhook-key", &SecretString::from("webhook-secret"))
}

fn headers(timestamp: &str, nonce: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("key", HeaderValue::from_static("webhook-key"));
    headers.insert("sign", HeaderValue::from_static(SIGNATURE));
    headers.insert("x-timestamp", timestamp.parse().expect("a header value"));
    if let Some(nonce) = nonce {
        headers.insert("x-nonce", nonce.parse().expect("a header value"));
    }
    headers
}

#[test]
fn a_webhook_signed_with_its_timestamp_and_nonce_is_verified() {
    let webhook = verifier()
        .verify(&headers(TIMESTAMP, Some(NONCE)), BODY.as_bytes())
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        matches!(&webhook.event, WebhookEvent::WidgetShipped(widget) if widget.widget_id == "w-1"),
        "{webhook:?}"
    );
    assert_eq!(webhook.identity().map(|id| id.as_str()), Some("ev-1"));
    assert_eq!(webhook.matched_key, "webhook-key");
}

#[test]
fn the_timestamp_and_the_nonce_are_signed() {
    let changed_timestamp =
        verifier().verify(&headers("1700000000001", Some(NONCE)), BODY.as_bytes());
    assert!(
        matches!(changed_timestamp, Err(WebhookError::BadSignature)),
        "{changed_timestamp:?}"
    );
    let other_nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VT";
    let changed_nonce = verifier().verify(&headers(TIMESTAMP, Some(other_nonce)), BODY.as_bytes());
    assert!(
        matches!(changed_nonce, Err(WebhookError::BadSignature)),
        "{changed_nonce:?}"
    );
    let changed_body = BODY.replace("w-1", "w-2");
    let changed_body = verifier().verify(&headers(TIMESTAMP, Some(NONCE)), changed_body.as_bytes());
    assert!(
        matches!(changed_body, Err(WebhookError::BadSignature)),
        "{changed_body:?}"
    );
}

#[test]
fn a_webhook_without_its_nonce_header_is_refused_by_name() {
    let refused = verifier()
        .verify(&headers(TIMESTAMP, None), BODY.as_bytes())
        .expect_err("no nonce");
    assert!(
        matches!(refused, WebhookError::MissingHeader("x-nonce")),
        "{refused:?}"
    );
    assert_eq!(refused.to_string(), "the webhook has no `x-nonce` header");
    // The two header values alone cannot carry the timestamp this recipe signs.
    let parts = verifier().verify_parts("webhook-key", SIGNATURE, BODY.as_bytes());
    assert!(
        matches!(parts, Err(WebhookError::MissingHeader("x-timestamp"))),
        "{parts:?}"
    );
}

#[test]
fn a_malformed_signature_is_described_as_the_recipe_writes_one() {
    let mut malformed = headers(TIMESTAMP, Some(NONCE));
    malformed.insert("sign", HeaderValue::from_static("not-hex"));
    let refused = verifier()
        .verify(&malformed, BODY.as_bytes())
        .expect_err("malformed");
    assert_eq!(
        refused.to_string(),
        "the webhook's `Sign` header is not 128 hex digits"
    );
}

#[test]
fn the_receiver_reads_the_same_headers() {
    let receiver = WebhookReceiver::new(verifier());
    let delivered = receiver
        .receive(&headers(TIMESTAMP, Some(NONCE)), BODY.as_bytes())
        .unwrap_or_else(|refusal| panic!("{refusal}"));
    assert!(matches!(delivered, Delivery::First(_)));
    let refusal = receiver
        .receive(&headers(TIMESTAMP, None), BODY.as_bytes())
        .expect_err("no nonce");
    assert_eq!(refusal.status().as_u16(), 401);
}

/// `webhooks verify` of the generated tool (built beside the client by
/// `compile_generated.rs`, which gives its path in `TOOL`), the body on stdin: its exit code
/// and stderr.
fn verify_with_tool(args: &[&str]) -> (Option<i32>, String) {
    use std::io::Write;
    let tool = std::env::var("TOOL").expect("compile_generated.rs gives the tool's path");
    let mut child = std::process::Command::new(tool)
        .args([
            "webhooks",
            "verify",
            "--body-file",
            "-",
            "--signature",
            SIGNATURE,
        ])
        .args(["--webhook-key", "webhook-key"])
        .args(args)
        .env("WIDGET_API_WEBHOOK_SECRET", "webhook-secret")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the tool runs");
    let mut stdin = child.stdin.take().expect("a pipe");
    stdin.write_all(BODY.as_bytes()).expect("written");
    drop(stdin);
    let output = child.wait_with_output().expect("the tool ends");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_tool_verifies_a_webhook_given_the_headers_its_recipe_signs() {
    let timestamp = format!("x-timestamp: {TIMESTAMP}");
    let nonce = format!("X-Nonce:{NONCE}");
    let (code, stderr) = verify_with_tool(&["--header", &timestamp, "--header", &nonce]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("verified WIDGET_SHIPPED"), "{stderr}");

    let (code, stderr) = verify_with_tool(&["--header", &timestamp]);
    assert_ne!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("the webhook has no `x-nonce` header"),
        "{stderr}"
    );

    let other = format!("x-timestamp: 1{TIMESTAMP}");
    let (code, stderr) = verify_with_tool(&["--header", &other, "--header", &nonce]);
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("does not match"), "{stderr}");

    let (code, stderr) = verify_with_tool(&["--header", "no colon"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("give `name: value`"), "{stderr}");
}
