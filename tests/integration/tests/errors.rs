//! How the client reports what can go wrong (API refusals, odd statuses, odd bodies,
//! transport failures), how tolerantly it reads what the API may grow into, and that its
//! output never shows the secret.

mod support;

use calypso_customer_purse::types::{ComplianceState, ErrorCode, Transaction, TransactionState};
use calypso_customer_purse::{ApiError, Client, ClientBuilder, Error, FixedClock, SecretString};
use serde_json::json;
use support::{
    API_SECRET, GET_TRANSACTION, Reply, SERVER_NOW_MS, TRANSACTION_JSON, TestServer,
    expected_transaction, transaction_request, utc_nanos,
};

const WRONG_SECRET: &str = "0000aaaa1111bbbb2222cccc3333dddd";

/// Fails if `text` shows either secret.
fn assert_no_secret(text: &str) {
    for secret in [API_SECRET, WRONG_SECRET] {
        assert!(!text.contains(secret), "a secret shows in: {text}");
    }
}

/// The error a `get_transaction` call ends with; its text never shows a secret.
async fn failure(client: &Client) -> Error {
    let error = client
        .get_transaction(&transaction_request())
        .await
        .expect_err("the call fails");
    assert_no_secret(&format!("{error} {error:?}"));
    error
}

/// The error when the server answers `reply` to an accepted request.
async fn failure_on(reply: Reply) -> Error {
    let server = TestServer::answering(GET_TRANSACTION, reply).await;
    failure(&server.client()).await
}

/// The transaction read from an HTTP 200 with `body`.
async fn transaction_from(body: String) -> Transaction {
    let server = TestServer::answering(GET_TRANSACTION, Reply::json(200, body)).await;
    let client = server.client();
    client
        .get_transaction(&transaction_request())
        .await
        .expect("the body is read")
}

/// The API error a client built with `configure` gets from a server that scripted nothing.
async fn refusal(configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> (Error, TestServer) {
    let server = TestServer::start().await;
    let client = configure(server.client_builder())
        .build()
        .expect("a valid client");
    (failure(&client).await, server)
}

/// The `Error::Api` inside `error`, through the client's own accessor.
fn api_error(error: &Error) -> &ApiError {
    assert!(
        matches!(error, Error::Api(_)),
        "expected Error::Api, got {error:?}"
    );
    error.api_error().expect("an API error")
}

#[tokio::test]
async fn a_400_error_body_is_an_api_error_with_code_message_and_extra_properties() {
    let body = json!({
        "errorCode": "001",
        "message": "payload.customerId must not be null",
        "traceId": "6f1c2b3a",
        "path": "/api/v1/customer-purse/transaction/get",
        "details": [{"field": "customerId"}],
    });
    let error = failure_on(Reply::json(400, body.to_string())).await;
    let api = api_error(&error);
    assert_eq!(api.status, 400);
    assert_eq!(api.body.error_code, Some(ErrorCode::InvalidInput));
    assert_eq!(
        api.body.message.as_deref(),
        Some("payload.customerId must not be null")
    );
    assert_eq!(api.body.trace_id.as_deref(), Some("6f1c2b3a"));
    let extra = json!({
        "path": "/api/v1/customer-purse/transaction/get",
        "details": [{"field": "customerId"}],
    });
    assert_eq!(
        serde_json::Value::Object(api.body.other_properties.clone()),
        extra
    );
    assert_eq!(error.status().map(|status| status.as_u16()), Some(400));
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn a_500_error_body_is_an_api_error() {
    let body = r#"{"errorCode":"000","message":"Internal server error"}"#;
    let error = failure_on(Reply::json(500, body)).await;
    let api = api_error(&error);
    assert_eq!(api.status, 500);
    assert_eq!(api.body.error_code, Some(ErrorCode::InternalError));
    assert_eq!(api.body.message.as_deref(), Some("Internal server error"));
    assert!(api.body.other_properties.is_empty());
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn an_unknown_error_code_is_kept_as_received() {
    let body = r#"{"errorCode":"042","message":"Something new"}"#;
    let error = failure_on(Reply::json(400, body)).await;
    let code = api_error(&error).body.error_code.clone();
    let Some(ErrorCode::Unknown(value)) = code else {
        panic!("expected an unknown code, got {code:?}");
    };
    assert_eq!(value.as_str(), "042");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_server_as_wrong_sign() {
    let (error, server) =
        refusal(|builder| builder.api_secret(SecretString::from(WRONG_SECRET))).await;
    let api = api_error(&error);
    assert_eq!(api.status, 400);
    assert_eq!(api.body.error_code, Some(ErrorCode::WrongSign));
    assert_eq!(api.body.message.as_deref(), Some("Wrong sign"));
    assert_eq!(server.only_request().status, 400);
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_as_invalid_api_key() {
    let (error, _server) = refusal(|builder| builder.api_key("not-our-key")).await;
    let api = api_error(&error);
    assert_eq!(api.status, 400);
    assert_eq!(api.body.error_code, Some(ErrorCode::InvalidApiKey));
}

#[tokio::test]
async fn a_client_clock_ten_minutes_off_is_refused_then_restamped_once_by_the_servers_date() {
    // The scripted server refuses every timestamp, so the call fails after the one extra
    // attempt; that attempt is stamped with the server's clock (the `Date` header that
    // hyper adds, from the system clock), not the client's fixed one.
    for offset in [-600_000, 600_000] {
        let clock = FixedClock {
            unix_millis: SERVER_NOW_MS + offset,
        };
        let server = TestServer::start().await;
        let client = server
            .client_builder()
            .clock(clock)
            .build()
            .expect("a valid client");
        assert_eq!(client.clock_offset_millis(), None);
        let error = failure(&client).await;
        let api = api_error(&error);
        assert_eq!(api.status, 400);
        assert_eq!(api.body.error_code, Some(ErrorCode::InvalidTimestamp));
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{requests:#?}");
        assert_eq!(requests[0].json()["timestamp"], SERVER_NOW_MS + offset);
        let system_now = support::system_now_ms();
        let restamped = requests[1].json()["timestamp"]
            .as_i64()
            .expect("an integer");
        assert!(
            (restamped - system_now).abs() < 5_000,
            "re-stamped {restamped}, system clock {system_now}"
        );
        let learned = client.clock_offset_millis().expect("an offset was learned");
        assert_eq!(learned, restamped - (SERVER_NOW_MS + offset));
    }
}

/// The status and the body text of an `Error::UnexpectedStatus`, body not truncated.
fn unexpected_status(error: &Error) -> (u16, String) {
    let Error::UnexpectedStatus { status, body, .. } = error else {
        panic!("expected Error::UnexpectedStatus, got {error:?}");
    };
    assert!(!body.is_truncated());
    (status.as_u16(), body.text().into_owned())
}

#[tokio::test]
async fn a_502_html_page_is_an_unexpected_status_with_the_body_kept() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let error = failure_on(Reply::html(502, page)).await;
    assert_eq!(unexpected_status(&error), (502, page.to_owned()));
    assert!(error.to_string().contains("502 Bad Gateway"), "{error}");
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn a_json_body_without_error_code_or_message_is_an_unexpected_status() {
    let body = r#"{"error":"Bad Gateway"}"#;
    let error = failure_on(Reply::json(502, body)).await;
    assert_eq!(unexpected_status(&error), (502, body.to_owned()));
}

#[tokio::test]
async fn an_undecodable_200_is_a_decode_error_with_status_and_raw_body() {
    let body = r#"{"id":"not-a-uuid"}"#;
    let error = failure_on(Reply::json(200, body)).await;
    let Error::Decode {
        status, body: raw, ..
    } = &error
    else {
        panic!("expected Error::Decode, got {error:?}");
    };
    assert_eq!(*status, 200);
    assert_eq!(raw.as_bytes(), body.as_bytes());
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn a_200_larger_than_max_response_bytes_is_response_too_large() {
    let server = TestServer::answering(GET_TRANSACTION, Reply::json(200, TRANSACTION_JSON)).await;
    let at_the_limit = server
        .client_builder()
        .max_response_bytes(TRANSACTION_JSON.len());
    let transaction = at_the_limit
        .build()
        .expect("a valid client")
        .get_transaction(&transaction_request())
        .await
        .expect("a body exactly at the limit is read");
    assert_eq!(transaction, expected_transaction());

    let limit = TRANSACTION_JSON.len() - 1;
    let client = server
        .client_builder()
        .max_response_bytes(limit)
        .build()
        .expect("a valid client");
    let error = failure(&client).await;
    let Error::ResponseTooLarge {
        status,
        limit: reported,
    } = error
    else {
        panic!("expected Error::ResponseTooLarge, got {error:?}");
    };
    assert_eq!(status, 200);
    assert_eq!(reported, limit);
}

#[tokio::test]
async fn unknown_response_fields_are_ignored() {
    let body = TRANSACTION_JSON.replacen(
        '{',
        r#"{"customerBlocked":"false","fee":{"amount":0.1,"currency":"ETH"},"tags":[1,2],"#,
        1,
    );
    assert_eq!(transaction_from(body).await, expected_transaction());
}

#[tokio::test]
async fn an_unknown_enum_value_is_kept_and_written_back() {
    let body = TRANSACTION_JSON
        .replace(r#""CONFIRMED""#, r#""REFUNDED""#)
        .replace(r#""CHECKED""#, r#""ESCALATED""#);
    let transaction = transaction_from(body).await;
    let TransactionState::Unknown(state) = &transaction.transaction_state else {
        panic!(
            "expected an unknown state, got {:?}",
            transaction.transaction_state
        );
    };
    assert_eq!(state.as_str(), "REFUNDED");
    let ComplianceState::Unknown(compliance) = &transaction.compliance_state else {
        panic!(
            "expected an unknown state, got {:?}",
            transaction.compliance_state
        );
    };
    assert_eq!(compliance.as_str(), "ESCALATED");
    let written = serde_json::to_string(&transaction).expect("serializable");
    assert!(
        written.contains(r#""transactionState":"REFUNDED""#),
        "{written}"
    );
    assert!(
        written.contains(r#""complianceState":"ESCALATED""#),
        "{written}"
    );
}

#[tokio::test]
async fn an_exact_decimal_survives_reading_and_writing() {
    let body = TRANSACTION_JSON.replace("0.012345000", "1234567.123456789012345678");
    let transaction = transaction_from(body).await;
    assert_eq!(transaction.amount.to_string(), "1234567.123456789012345678");
    let written = serde_json::to_string(&transaction).expect("serializable");
    assert!(
        written.contains(r#""amount":1234567.123456789012345678,"#),
        "{written}"
    );
}

#[tokio::test]
async fn a_date_time_without_offset_is_read_as_utc() {
    let body = TRANSACTION_JSON.replace("2025-10-30T14:08:39.960680Z", "2025-10-30T14:08:39.96068");
    let transaction = transaction_from(body).await;
    let created = transaction.created_date;
    assert!(created.offset().is_utc());
    assert_eq!(created, utc_nanos(1_761_833_319_960_680_000));
    let written = serde_json::to_string(&transaction).expect("serializable");
    assert!(
        written.contains(r#""createdDate":"2025-10-30T14:08:39.96068Z""#),
        "{written}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_that_never_reached_the_server() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    let client = support::client_builder(&format!("http://{addr}"))
        .build()
        .expect("a valid client");
    let error = failure(&client).await;
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(!error.request_may_have_reached_server());
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn the_secret_never_shows_in_client_or_builder_output() {
    let builder = support::client_builder("http://127.0.0.1:9");
    assert_no_secret(&format!("{builder:?}"));
    let client = builder.build().expect("a valid client");
    let shown = format!("{client:?}");
    assert_no_secret(&shown);
    assert!(shown.contains("http://127.0.0.1:9"), "{shown}");
}
