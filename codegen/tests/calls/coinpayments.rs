//! Signed calls of the CoinPayments fixture (`tests/fixtures/coinpayments/spec.yaml`) against
//! its generated mock: GET, POST, PUT and DELETE with path and query parameters, the payload
//! itself as the body (byte for byte the documented example's), and the client id, ISO
//! timestamp and base64 HMAC-SHA256 in CoinPayments' headers, the signature covering the
//! method and the whole URL. Run by `compile_generated.rs` in a crate beside the client.

use coinpayments_client::mock::{MOCK_API_KEY, MockApi, Outcome, Refusal};
use coinpayments_client::types::{
    CreateClientWebhookParams, CreateWebhookRequest, CreatedWebhook, DeleteClientWebhookParams,
    ListClientWebhooksParams, Notification, UpdateClientWebhookParams, UpdateWebhookRequest,
    Webhook, Webhooks,
};
use coinpayments_client::{RequestOptions, RetryPolicy};

const CLIENT_ID: &str = "5d4a1bf1e3b04d0b8d1d3f2f7c0e9a11";

/// The body of the spec's signed example (`x-request-signing.example.body`).
const EXAMPLE_BODY: &str = r#"{"notificationsUrl":"https://api.my-store.com/webhooks/endpoint","notifications":["invoiceCreated","invoicePaid"]}"#;

fn header<'c>(headers: &'c [(String, String)], name: &str) -> &'c str {
    headers
        .iter()
        .find(|(known, _)| known == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

#[tokio::test]
async fn a_webhook_is_created_with_the_documented_body_and_headers() {
    let mock = MockApi::start().await;
    mock.create_client_webhook()
        .when(
            |(params, _): &(CreateClientWebhookParams, CreateWebhookRequest)| {
                params.client_id == CLIENT_ID
            },
        )
        .respond_with(&CreatedWebhook::new("wh-1"));
    let request = CreateWebhookRequest::new(
        "https://api.my-store.com/webhooks/endpoint",
        vec![Notification::InvoiceCreated, Notification::InvoicePaid],
    );
    let created = mock
        .client()
        .create_client_webhook(&CreateClientWebhookParams::new(CLIENT_ID), &request)
        .await
        .expect("answered");
    assert_eq!(created.id, "wh-1");
    assert!(
        mock.refused_calls().is_empty(),
        "{:?}",
        mock.refused_calls()
    );
    let call = mock.calls().remove(0);
    assert_eq!(
        call.path,
        format!("/api/v1/merchant/clients/{CLIENT_ID}/webhooks")
    );
    assert_eq!(String::from_utf8_lossy(&call.body), EXAMPLE_BODY);
    assert_eq!(header(&call.headers, "x-coinpayments-client"), MOCK_API_KEY);
    let timestamp = header(&call.headers, "x-coinpayments-timestamp");
    let layout = "0000-00-00T00:00:00";
    assert!(
        timestamp.len() == layout.len()
            && timestamp
                .bytes()
                .zip(layout.bytes())
                .all(|(got, wanted)| match wanted {
                    b'0' => got.is_ascii_digit(),
                    mark => got == mark,
                }),
        "UTC ISO 8601 to the second, without a zone: {timestamp}"
    );
    let signature = header(&call.headers, "x-coinpayments-signature");
    assert!(
        signature.len() == 44 && signature.ends_with('='),
        "base64 of 32 bytes: {signature}"
    );
}

#[tokio::test]
async fn a_list_is_a_get_with_its_query_and_no_body() {
    let mock = MockApi::start().await;
    let listed = Webhooks::new().with_items(vec![
        Webhook::new()
            .with_id("wh-1")
            .with_notifications(vec![Notification::InvoicePaid]),
    ]);
    mock.list_client_webhooks().respond_with(&listed);
    let params = ListClientWebhooksParams::new(CLIENT_ID).with_type(Notification::InvoicePaid);
    let got = mock
        .client()
        .list_client_webhooks(&params)
        .await
        .expect("answered");
    assert_eq!(got, listed);
    let all = ListClientWebhooksParams::new(CLIENT_ID);
    mock.client()
        .list_client_webhooks(&all)
        .await
        .expect("answered");
    assert!(
        mock.refused_calls().is_empty(),
        "{:?}",
        mock.refused_calls()
    );
    let calls = mock.calls();
    assert!(calls[0].body.is_empty(), "a GET sends no body");
    assert_eq!(mock.list_client_webhooks().calls(), vec![params, all]);
}

#[tokio::test]
async fn the_signature_covers_the_method_and_the_whole_url() {
    let mock = MockApi::start().await;
    mock.list_client_webhooks().respond_with(&Webhooks::new());
    mock.delete_client_webhook()
        .respond_with(&serde_json::json!({}));
    let params = ListClientWebhooksParams::new(CLIENT_ID).with_type(Notification::InvoicePaid);
    mock.client()
        .list_client_webhooks(&params)
        .await
        .expect("answered");
    let sent = mock.calls().remove(0);
    let http = reqwest::Client::new();
    let again = |method: reqwest::Method, path_and_query: String| {
        let mut request = http.request(method, format!("{}{path_and_query}", mock.uri()));
        for (name, value) in &sent.headers {
            if name != "host" {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        request.send()
    };
    let path = format!("/api/v1/merchant/clients/{CLIENT_ID}/webhooks");
    let same = again(reqwest::Method::GET, format!("{path}?type=invoicePaid")).await;
    assert_eq!(
        same.expect("sent").status(),
        200,
        "the same request again passes"
    );
    for (method, changed) in [
        (reqwest::Method::GET, format!("{path}?type=invoiceCreated")),
        (
            reqwest::Method::GET,
            "/api/v1/merchant/clients/another-client/webhooks?type=invoicePaid".to_owned(),
        ),
        (
            reqwest::Method::DELETE,
            format!("{path}/wh-1?type=invoicePaid"),
        ),
    ] {
        let refused = again(method, changed.clone()).await.expect("sent");
        assert_eq!(refused.status(), 401, "{changed}");
    }
    let outcomes: Vec<bool> = mock
        .calls()
        .iter()
        .map(|call| matches!(call.outcome, Outcome::Refused(Refusal::BadSignature(_))))
        .collect();
    assert_eq!(outcomes, [false, false, true, true, true]);
}

#[tokio::test]
async fn put_and_delete_are_retried_and_a_post_is_not() {
    let mock = MockApi::start().await;
    mock.update_client_webhook()
        .respond_with(&serde_json::json!({}));
    mock.update_client_webhook()
        .times(1)
        .respond_with_status(503);
    mock.delete_client_webhook()
        .respond_with(&serde_json::json!({}));
    mock.delete_client_webhook()
        .times(1)
        .respond_with_status(503);
    mock.create_client_webhook()
        .respond_with(&CreatedWebhook::new("wh-2"));
    mock.create_client_webhook()
        .times(1)
        .respond_with_status(503);
    let client = mock.client().with_options(
        RequestOptions::new()
            .retry_policy(RetryPolicy::new(3, std::time::Duration::from_millis(1))),
    );
    let update = UpdateWebhookRequest::new(vec![Notification::InvoiceCompleted]);
    let updated = client
        .update_client_webhook(&UpdateClientWebhookParams::new(CLIENT_ID, "wh-1"), &update)
        .await;
    assert!(updated.is_ok(), "a PUT is retried: {updated:?}");
    let deleted = client
        .delete_client_webhook(&DeleteClientWebhookParams::new(CLIENT_ID, "wh-1"))
        .await;
    assert!(deleted.is_ok(), "a DELETE is retried: {deleted:?}");
    let request = CreateWebhookRequest::new("https://example.invalid/hook", vec![]);
    let created = client
        .create_client_webhook(&CreateClientWebhookParams::new(CLIENT_ID), &request)
        .await;
    assert!(created.is_err(), "a POST is not retried after a 503");
    assert!(
        mock.refused_calls().is_empty(),
        "{:?}",
        mock.refused_calls()
    );
    let sent: Vec<_> = mock
        .calls()
        .into_iter()
        .filter_map(|call| call.operation)
        .collect();
    let expected = [
        "updateClientWebhook",
        "updateClientWebhook",
        "deleteClientWebhook",
        "deleteClientWebhook",
        "createClientWebhook",
    ];
    assert_eq!(sent, expected);
}

/// The mock, served by a runtime of its own, so that a test can block on the generated tool
/// (built beside the client by `compile_generated.rs`, which gives its path in `TOOL`).
struct Served {
    mock: MockApi,
    _runtime: tokio::runtime::Runtime,
}

impl Served {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let mock = runtime.block_on(MockApi::start());
        Self {
            mock,
            _runtime: runtime,
        }
    }

    /// Runs the tool with the mock's credentials; its exit code, stdout and stderr.
    fn tool(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let tool = std::env::var("TOOL").expect("compile_generated.rs gives the tool's path");
        let output = std::process::Command::new(tool)
            .args(args)
            .env("COINPAYMENTS_CLIENT_BASE_URL", self.mock.uri())
            .env("COINPAYMENTS_CLIENT_API_KEY", MOCK_API_KEY)
            .env(
                "COINPAYMENTS_CLIENT_API_SECRET",
                coinpayments_client::mock::MOCK_API_SECRET,
            )
            .output()
            .expect("the tool runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

#[test]
fn the_tool_s_parameter_flags_fill_the_path_and_the_query() {
    let served = Served::start();
    let listed = Webhooks::new().with_items(vec![Webhook::new().with_id("wh-1")]);
    served.mock.list_client_webhooks().respond_with(&listed);
    let (code, stdout, stderr) = served.tool(&[
        "list-client-webhooks",
        "--client-id",
        "client 1/a",
        "--type",
        "invoicePaid",
    ]);
    // No account: the API has no request envelope, so the tool asks for none.
    assert_eq!(code, Some(0), "{stderr}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(printed["items"][0]["id"], "wh-1");
    assert!(
        served.mock.refused_calls().is_empty(),
        "{:?}",
        served.mock.refused_calls()
    );
    assert_eq!(
        served.mock.list_client_webhooks().calls(),
        vec![ListClientWebhooksParams::new("client 1/a").with_type(Notification::InvoicePaid)]
    );
    let call = served.mock.calls().remove(0);
    assert_eq!(
        call.path,
        "/api/v1/merchant/clients/client%201%2Fa/webhooks"
    );
}

#[test]
fn the_tool_s_parameter_flags_go_with_a_body_and_are_checked() {
    let served = Served::start();
    served
        .mock
        .update_client_webhook()
        .respond_with(&serde_json::json!({}));
    let (code, _, stderr) = served.tool(&[
        "update-client-webhook",
        "--client-id",
        CLIENT_ID,
        "--webhook-id",
        "wh-1",
        "--notifications-url",
        "https://shop.example/hooks",
        "--notifications",
        "invoicePaid",
        "--notifications",
        "invoiceCreated",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let (params, request) = served.mock.update_client_webhook().calls().remove(0);
    assert_eq!(params, UpdateClientWebhookParams::new(CLIENT_ID, "wh-1"));
    assert_eq!(
        request,
        UpdateWebhookRequest::new(vec![
            Notification::InvoicePaid,
            Notification::InvoiceCreated
        ])
        .with_notifications_url("https://shop.example/hooks")
    );
    let call = served.mock.calls().remove(0);
    assert_eq!(
        call.path,
        format!("/api/v1/merchant/clients/{CLIENT_ID}/webhooks/wh-1")
    );

    // A required path parameter left out is a usage error that names its flag, and
    // nothing is sent.
    let (code, _, stderr) = served.tool(&["update-client-webhook", "--client-id", CLIENT_ID]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--webhook-id"), "{stderr}");
    assert_eq!(served.mock.calls().len(), 1, "no other call was sent");
}

#[test]
fn the_tool_s_verbose_request_line_is_the_operation_s() {
    let served = Served::start();
    served
        .mock
        .list_client_webhooks()
        .respond_with(&Webhooks::new());
    let (code, _, stderr) = served.tool(&["-v", "list-client-webhooks", "--client-id", CLIENT_ID]);
    assert_eq!(code, Some(0), "{stderr}");
    let base = served.mock.uri();
    let line = format!("> GET {base}/api/v1/merchant/clients/{{clientId}}/webhooks\n");
    assert!(stderr.contains(&line), "{stderr}");
    assert!(
        !stderr.contains("content-type"),
        "a GET sends no body: {stderr}"
    );
    assert!(
        !stderr.contains("(account"),
        "the API has no account: {stderr}"
    );
    assert!(
        stderr.contains("> X-CoinPayments-Signature: [redacted]\n"),
        "{stderr}"
    );
}

/// An invoice notification, as the fixture describes one (its body is inferred).
const NOTIFICATION: &str = r#"{"id":"n-1","type":"invoicePaid","timestamp":"2025-03-01T02:30:00Z","invoice":{"id":"inv-1","state":"paid"}}"#;
/// The URL the notification is delivered to, as registered (`notificationsUrl`).
const NOTIFICATIONS_URL: &str = "https://shop.example/coinpayments/webhooks";
const NOTIFIED_AT: &str = "2025-03-01T02:30:00";
/// Computed apart from the generator, with Python's hmac module, as requests are signed:
/// base64(hmac.new(b"cp-test-client-secret", ("\ufeff" + "POST" + NOTIFICATIONS_URL +
/// CLIENT_ID + NOTIFIED_AT + NOTIFICATION).encode(), hashlib.sha256).digest())
const NOTIFICATION_SIGNATURE: &str = "c61FHnr8E/GiyQzTrbDYyVsUC980qJJtrXIAspBiazQ=";

fn notification_headers(timestamp: &str) -> coinpayments_client::reqwest::header::HeaderMap {
    let mut headers = coinpayments_client::reqwest::header::HeaderMap::new();
    headers.insert("x-coinpayments-client", CLIENT_ID.parse().expect("a value"));
    headers.insert(
        "x-coinpayments-signature",
        NOTIFICATION_SIGNATURE.parse().expect("a value"),
    );
    headers.insert("x-coinpayments-timestamp", timestamp.parse().expect("a value"));
    headers
}

fn notification_verifier() -> coinpayments_client::WebhookVerifier {
    coinpayments_client::WebhookVerifier::new(
        CLIENT_ID,
        &coinpayments_client::SecretString::from("cp-test-client-secret"),
    )
}

#[test]
fn a_notification_signed_with_the_url_it_was_delivered_to_is_verified() {
    let webhook = notification_verifier()
        .with_url(NOTIFICATIONS_URL)
        .verify(&notification_headers(NOTIFIED_AT), NOTIFICATION.as_bytes())
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(
        matches!(
            &webhook.event,
            coinpayments_client::WebhookEvent::InvoicePaid(invoice)
                if invoice.id == "inv-1" && invoice.state.as_deref() == Some("paid")
        ),
        "{webhook:?}"
    );
    assert_eq!(webhook.identity().map(|id| id.as_str()), Some("n-1"));
    assert_eq!(webhook.matched_key, CLIENT_ID);
}

#[test]
fn the_url_and_the_timestamp_are_signed() {
    use coinpayments_client::WebhookError;
    let body = NOTIFICATION.as_bytes();
    let untold = notification_verifier().verify(&notification_headers(NOTIFIED_AT), body);
    assert!(matches!(untold, Err(WebhookError::BadSignature)), "{untold:?}");
    let elsewhere = notification_verifier()
        .with_url("https://shop.example/coinpayments/webhooks/")
        .verify(&notification_headers(NOTIFIED_AT), body);
    assert!(matches!(elsewhere, Err(WebhookError::BadSignature)), "{elsewhere:?}");
    let later = notification_verifier()
        .with_url(NOTIFICATIONS_URL)
        .verify(&notification_headers("2025-03-01T02:30:01"), body);
    assert!(matches!(later, Err(WebhookError::BadSignature)), "{later:?}");
    let mut headers = notification_headers(NOTIFIED_AT);
    headers.remove("x-coinpayments-timestamp");
    let undated = notification_verifier()
        .with_url(NOTIFICATIONS_URL)
        .verify(&headers, body);
    assert!(
        matches!(undated, Err(WebhookError::MissingHeader(name)) if name.eq_ignore_ascii_case("x-coinpayments-timestamp")),
        "{undated:?}"
    );
}

/// `webhooks verify` of the generated tool, the notification on stdin: its exit code and
/// stderr.
fn verify_notification_with_tool(args: &[&str]) -> (Option<i32>, String) {
    use std::io::Write;
    let tool = std::env::var("TOOL").expect("compile_generated.rs gives the tool's path");
    let mut child = std::process::Command::new(tool)
        .args(["webhooks", "verify", "--body-file", "-"])
        .args(["--signature", NOTIFICATION_SIGNATURE, "--webhook-key", CLIENT_ID])
        .args(args)
        .env("COINPAYMENTS_CLIENT_WEBHOOK_SECRET", "cp-test-client-secret")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the tool runs");
    let mut stdin = child.stdin.take().expect("a pipe");
    stdin.write_all(NOTIFICATION.as_bytes()).expect("written");
    drop(stdin);
    let output = child.wait_with_output().expect("the tool ends");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_tool_verifies_a_notification_given_the_url_it_was_delivered_to() {
    let timestamp = format!("X-CoinPayments-Timestamp: {NOTIFIED_AT}");
    let (code, stderr) = verify_notification_with_tool(&[
        "--webhook-url",
        NOTIFICATIONS_URL,
        "--header",
        &timestamp,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("verified invoicePaid"), "{stderr}");

    let (code, stderr) = verify_notification_with_tool(&["--header", &timestamp]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--webhook-url"), "{stderr}");

    let (code, stderr) = verify_notification_with_tool(&[
        "--webhook-url",
        "https://shop.example/elsewhere",
        "--header",
        &timestamp,
    ]);
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("does not match"), "{stderr}");
}
