//! Raw HTTP against the sandbox: routing matches the spec, and malformed, unsigned, oversized or
//! mistyped requests get a clear 400 with the provider's error body, never a crash.

mod common;

use calypso_customer_purse::reqwest;
use calypso_customer_purse_sandbox::{DEMO_ACCOUNT, DEMO_API_KEY, Running, Settings};
use common::{envelope, sign};
use serde_json::{Value, json};

async fn start() -> Running {
    common::start(Settings::default()).await
}

fn now_ms() -> i64 {
    use calypso_customer_purse::Clock;
    calypso_customer_purse::SystemClock.now_unix_millis()
}

struct Answer {
    status: u16,
    content_type: String,
    body: Value,
}

impl Answer {
    fn error_code(&self) -> &str {
        self.body["errorCode"].as_str().unwrap_or("<none>")
    }

    fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }

    /// Asserts a 400 with `code` whose message mentions `words`.
    fn assert_refused(&self, code: &str, words: &str) {
        assert_eq!(
            (self.status, self.error_code()),
            (400, code),
            "{}",
            self.body
        );
        assert!(self.message().contains(words), "{}", self.body);
        assert!(self.body["traceId"].is_string(), "{}", self.body);
        assert_eq!(self.content_type, "application/json");
    }
}

/// POSTs `body` with the given headers (none added).
async fn post(running: &Running, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", running.base_url()))
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        body,
    }
}

/// POSTs `body` signed with the demo key, as a well-behaved client would.
async fn post_signed(running: &Running, path: &str, body: Vec<u8>) -> Answer {
    let sign = sign(&body);
    let headers = [
        ("Key", DEMO_API_KEY),
        ("Sign", sign.as_str()),
        ("Content-Type", "application/json"),
    ];
    post(running, path, &headers, body).await
}

const CREATE: &str = "/api/v1/customer-purse/customer/create";

#[tokio::test]
async fn every_operation_of_the_spec_is_served() {
    let spec_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../spec/customer-purse.yaml"
    );
    let spec = std::fs::read_to_string(spec_path).unwrap();
    let api = codegen::load(&spec, "spec/customer-purse.yaml").unwrap();
    assert_eq!(api.operations.len(), 10);
    let running = start().await;
    for operation in &api.operations {
        assert!(
            operation
                .http_path
                .starts_with(calypso_customer_purse_sandbox::MERCHANT_PATH_PREFIX)
        );
        // An empty payload is valid for some operations and invalid input for the rest;
        // either way the operation exists and checked the request.
        let answer = post_signed(&running, &operation.http_path, envelope(json!({}))).await;
        match answer.status {
            200 => {}
            400 => answer.assert_refused("001", "invalid payload: missing field"),
            other => panic!("{} answered {other}: {}", operation.http_path, answer.body),
        }
    }
    let get = reqwest::Client::new()
        .get(format!(
            "{}{}",
            running.base_url(),
            api.operations[0].http_path
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);
    let get: Value = serde_json::from_slice(&get.bytes().await.unwrap()).unwrap();
    assert_eq!(get["errorCode"], "001");
    assert!(
        get["message"].as_str().unwrap().contains("is a POST"),
        "{get}"
    );

    let unknown = post_signed(
        &running,
        "/api/v1/customer-purse/customer/delete",
        envelope(json!({})),
    )
    .await;
    assert_eq!((unknown.status, unknown.error_code()), (404, "004"));
    assert!(unknown.message().contains("no such route"));
}

#[tokio::test]
async fn authentication_failures_carry_the_providers_codes() {
    let running = start().await;
    let body = envelope(json!({}));
    let good_sign = sign(&body);

    let no_key = [
        ("Sign", good_sign.as_str()),
        ("Content-Type", "application/json"),
    ];
    post(&running, CREATE, &no_key, body.clone())
        .await
        .assert_refused("002", "missing `key` header");

    let no_sign = [("Key", DEMO_API_KEY), ("Content-Type", "application/json")];
    post(&running, CREATE, &no_sign, body.clone())
        .await
        .assert_refused("003", "missing `sign` header");

    let short_sign = [("Key", DEMO_API_KEY), ("Sign", "abc123")];
    post(&running, CREATE, &short_sign, body.clone())
        .await
        .assert_refused("003", "128 hex digits");

    let garbled = [("Key", "k\u{e9}y"), ("Sign", good_sign.as_str())];
    post(&running, CREATE, &garbled, body.clone())
        .await
        .assert_refused("002", "the `key` header is not visible ASCII");

    let text = [
        ("Key", DEMO_API_KEY),
        ("Sign", good_sign.as_str()),
        ("Content-Type", "text/plain"),
    ];
    post(&running, CREATE, &text, body.clone())
        .await
        .assert_refused("001", "Content-Type must be application/json");

    let stale = serde_json::to_vec(&json!({
        "account": DEMO_ACCOUNT,
        "timestamp": now_ms() - 181_000,
        "payload": {},
    }))
    .unwrap();
    post_signed(&running, CREATE, stale)
        .await
        .assert_refused("011", "behind the server clock");
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_what_is_wrong() {
    let running = start().await;
    let cases: [(&[u8], &str); 7] = [
        (b"{\"account\": ", "invalid request body: EOF while parsing"),
        (b" [1, 2, 3]", "invalid request body: expected a JSON object"),
        (b"", "invalid request body: EOF"),
        (
            br#"{"account":"0xc195df92dd9db2a8f28e597981f113d6e7582f8b","payload":{}}"#,
            "missing field `timestamp`",
        ),
        (
            br#"{"account":"0xc195df92dd9db2a8f28e597981f113d6e7582f8b","timestamp":"1","payload":{}}"#,
            "invalid type: string \"1\", expected i64",
        ),
        (br#"{"timestamp":1,"payload":{}}"#, "missing field `account`"),
        (
            br#"{"account":"0xc195df92dd9db2a8f28e597981f113d6e7582f8b","timestamp":1}"#,
            "missing field `payload`",
        ),
    ];
    for (body, words) in cases {
        post_signed(&running, CREATE, body.to_vec())
            .await
            .assert_refused("001", words);
    }

    let customer_get = "/api/v1/customer-purse/customer/get";
    post_signed(&running, customer_get, envelope(json!({"customerId": 5})))
        .await
        .assert_refused("001", "invalid payload: invalid type: integer `5`");
    post_signed(
        &running,
        customer_get,
        envelope(json!({"customerId": "not-a-uuid"})),
    )
    .await
    .assert_refused("001", "invalid payload: UUID parsing failed");
    post_signed(&running, customer_get, envelope(json!("customer")))
        .await
        .assert_refused("001", "invalid payload: expected a JSON object");
    let as_array = envelope(json!(["6f1c2a4e-0000-4000-8000-000000000000"]));
    post_signed(&running, customer_get, as_array)
        .await
        .assert_refused("001", "invalid payload: expected a JSON object");
}

#[tokio::test]
async fn oversized_bodies_get_a_400_and_the_sandbox_stays_up() {
    let running = start().await;
    let limit = Settings::default().max_body_bytes;
    let huge = envelope(json!({ "description": "x".repeat(limit) }));
    post_signed(&running, CREATE, huge)
        .await
        .assert_refused("001", &format!("larger than {limit} bytes"));

    let fine = post_signed(
        &running,
        CREATE,
        envelope(json!({"description": "still here"})),
    )
    .await;
    assert_eq!(fine.status, 200, "{}", fine.body);
    assert_eq!(fine.body["description"], "still here");
    assert_eq!(fine.body["blocked"], false);
}

#[tokio::test]
async fn sandbox_only_routes_refuse_bad_requests_clearly() {
    let running = start().await;
    let admin = |path: &str, body: &str| {
        let url = format!("{}{path}", running.base_url());
        let body = body.to_owned();
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value =
                serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null);
            (status, body["error"].as_str().unwrap_or("").to_owned())
        }
    };
    let (status, error) = admin(
        "/sandbox/deposits",
        r#"{"address":"0xnowhere","currency":"ETH","amount":"1"}"#,
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        error.contains("was not handed out by this sandbox"),
        "{error}"
    );

    let (status, error) = admin("/sandbox/deposits", r#"{"address":"0xnowhere"}"#).await;
    assert_eq!(status, 400);
    assert!(error.contains("missing field `currency`"), "{error}");

    let (status, error) = admin(
        "/sandbox/deposits",
        r#"{"address":"a","currency":"ETH","amount":"1.2.3"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(error.contains("not an exact decimal"), "{error}");
    for amount in ["+1", "1_000", " 1", ""] {
        let body = format!(r#"{{"address":"a","currency":"ETH","amount":"{amount}"}}"#);
        let (status, error) = admin("/sandbox/deposits", &body).await;
        assert_eq!(status, 400, "{amount:?}");
        assert!(error.contains("expected a JSON number"), "{error}");
    }

    let unknown = "/sandbox/transactions/6f1c2a4e-0000-4000-8000-000000000000/advance";
    let (status, error) = admin(unknown, "").await;
    assert_eq!(status, 404);
    assert!(error.contains("not found"), "{error}");

    let (status, error) = admin("/sandbox/transactions/42/settle", "").await;
    assert_eq!(status, 400);
    assert!(error.contains("`42` is not a transaction id"), "{error}");

    let (status, error) = admin("/sandbox/faults", r#"{"status": 200}"#).await;
    assert_eq!(status, 400);
    assert!(error.contains("status must be 400–599"), "{error}");

    let (status, error) = admin("/sandbox/faults", r#"{"count": 0}"#).await;
    assert_eq!(status, 400);
    assert!(error.contains("count must be at least 1"), "{error}");

    // serde reads a struct from an array of its field values; no client means that.
    for (path, array) in [
        ("/sandbox/faults", "[2, 503]"),
        ("/sandbox/deposits", r#"["a", "ETH", "1"]"#),
        (
            "/sandbox/webhooks",
            r#"["0xc195df92dd9db2a8f28e597981f113d6e7582f8b", "http://127.0.0.1:9/h"]"#,
        ),
    ] {
        let (status, error) = admin(path, array).await;
        assert_eq!(status, 400, "{path} {array}");
        assert!(error.contains("expected a JSON object"), "{error}");
    }
}
