//! The client against a hostile server: one that writes raw bytes and misbehaves at the
//! HTTP level (bad JSON, short or endless bodies, silence, resets, redirects, odd statuses,
//! odd values). Every case ends in a typed error that says what happened, or in the right
//! value; none panics, and none outlasts a generous bound on the configured timeout.

mod support;

use std::time::Duration;

use calypso_customer_purse::types::{
    ComplianceState, FindTransactionsRequest, Transaction, TransactionState,
};
use calypso_customer_purse::{Client, ClientBuilder, Error, RetryPolicy};
use support::raw::{Answer, RawServer, response};
use support::{
    GET_TRANSACTION, TRANSACTION_JSON, expected_transaction, transaction_request, utc_nanos,
};

/// The per-attempt timeout of every client here.
const TIMEOUT_MS: u64 = 300;
const TIMEOUT: Duration = Duration::from_millis(TIMEOUT_MS);
/// A call that is not over after this has hung: 5 × the timeout.
const HANG: Duration = Duration::from_millis(5 * TIMEOUT_MS);

/// A client of `server`: the test credentials, the short timeout, no retries.
fn builder(server: &RawServer) -> ClientBuilder {
    support::client_builder(&server.base_url())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .retry_policy(RetryPolicy::NONE)
}

fn client(server: &RawServer) -> Client {
    builder(server).build().expect("a valid client")
}

/// `get_transaction` on `client`, failing the test if it does not end within [`HANG`].
async fn get(client: &Client) -> Result<Transaction, Error> {
    tokio::time::timeout(HANG, client.get_transaction(&transaction_request()))
        .await
        .expect("the call ends instead of hanging")
}

/// The error a server that always answers `answer` causes; its text names `expected`.
async fn failure(answer: Answer, expected: &[&str]) -> Error {
    let server = RawServer::always(answer).await;
    let error = get(&client(&server)).await.expect_err("the call fails");
    assert_says(&error, expected);
    error
}

/// The transaction read from a 200 with `body`.
async fn value(body: &str) -> Transaction {
    let server = RawServer::always(Answer::json("200 OK", body)).await;
    get(&client(&server)).await.expect("the body is read")
}

/// Fails unless the error's text contains every phrase of `expected`.
fn assert_says(error: &Error, expected: &[&str]) {
    let text = error.to_string();
    for phrase in expected {
        assert!(text.contains(phrase), "{phrase:?} is not in: {text}");
    }
}

fn status(error: &Error) -> Option<u16> {
    error.status().map(|status| status.as_u16())
}

/// An `Error::Decode` of a 200; returns its message.
fn decode(error: &Error) -> String {
    assert!(
        matches!(error, Error::Decode { status, .. } if *status == 200),
        "expected Error::Decode of a 200, got {error:?}"
    );
    assert!(error.request_may_have_reached_server());
    error.to_string()
}

// Bodies that are not the JSON they should be.

#[tokio::test]
async fn malformed_json_is_a_decode_error_that_says_not_json() {
    let error = failure(
        Answer::json(
            "200 OK",
            r#"{"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", amount: }"#,
        ),
        &["HTTP 200 OK", "parsed as JSON"],
    )
    .await;
    decode(&error);
}

#[tokio::test]
async fn json_cut_short_with_a_matching_length_is_a_decode_error_that_says_truncated() {
    let body = &TRANSACTION_JSON[..TRANSACTION_JSON.len() / 2];
    let error = failure(Answer::json("200 OK", body), &["HTTP 200 OK", "truncated"]).await;
    decode(&error);
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_truncated_response_body_error() {
    let body = TRANSACTION_JSON.as_bytes();
    let answer = Answer::Bytes(response(
        "200 OK",
        "application/json",
        &[],
        body.len() + 1000,
        body,
    ));
    let error = failure(answer, &["HTTP 200 OK", "truncated"]).await;
    assert!(
        matches!(error, Error::ResponseBody { .. }),
        "expected Error::ResponseBody, got {error:?}"
    );
    assert_eq!(status(&error), Some(200));
    assert!(error.request_may_have_reached_server());
    assert!(!error.is_timeout());
}

#[tokio::test]
async fn valid_json_labelled_text_plain_is_read() {
    let server = RawServer::always(Answer::full(
        "200 OK",
        "text/plain",
        &[],
        TRANSACTION_JSON.as_bytes(),
    ))
    .await;
    let transaction = get(&client(&server)).await.expect("the body is read");
    assert_eq!(transaction, expected_transaction());
}

#[tokio::test]
async fn valid_json_labelled_text_html_is_read() {
    let server = RawServer::always(Answer::full(
        "200 OK",
        "text/html; charset=utf-8",
        &[],
        TRANSACTION_JSON.as_bytes(),
    ))
    .await;
    let transaction = get(&client(&server)).await.expect("the body is read");
    assert_eq!(transaction, expected_transaction());
}

const ERROR_PAGE: &str = "<!DOCTYPE html><html><head><title>Error</title></head>\
                          <body><h1>Something went wrong</h1></body></html>";

#[tokio::test]
async fn an_html_page_with_200_is_a_decode_error_that_says_not_json() {
    let answer = Answer::full("200 OK", "text/html", &[], ERROR_PAGE.as_bytes());
    let error = failure(answer, &["HTTP 200 OK", "parsed as JSON"]).await;
    let Error::Decode { body, .. } = &error else {
        panic!("expected Error::Decode, got {error:?}");
    };
    assert_eq!(body.text(), ERROR_PAGE);
}

#[tokio::test]
async fn an_html_page_with_502_is_an_unexpected_status_with_its_start() {
    let answer = Answer::full("502 Bad Gateway", "text/html", &[], ERROR_PAGE.as_bytes());
    let error = failure(answer, &["502 Bad Gateway", "Something went wrong"]).await;
    let Error::UnexpectedStatus { status, body, .. } = &error else {
        panic!("expected Error::UnexpectedStatus, got {error:?}");
    };
    assert_eq!(*status, 502);
    assert_eq!(body.text(), ERROR_PAGE);
}

#[tokio::test]
async fn an_empty_200_is_a_decode_error_that_says_empty() {
    let error = failure(Answer::json("200 OK", ""), &["HTTP 200 OK", "empty"]).await;
    decode(&error);
}

#[tokio::test]
async fn an_empty_500_is_an_unexpected_status_that_says_empty() {
    let answer = Answer::json("500 Internal Server Error", "");
    let error = failure(answer, &["500 Internal Server Error", "empty"]).await;
    let Error::UnexpectedStatus { body, .. } = &error else {
        panic!("expected Error::UnexpectedStatus, got {error:?}");
    };
    assert!(body.as_bytes().is_empty());
}

// Bodies far larger than any real one.

const LIMIT: usize = 64 * 1024;
/// A megabyte of spaces, sent again and again.
fn block() -> Vec<u8> {
    vec![b' '; 1024 * 1024]
}

#[tokio::test]
async fn a_200_advertising_100_mb_is_refused_as_too_large_without_reading_it() {
    let head = response("200 OK", "application/json", &[], 100 * 1024 * 1024, b"");
    let server = RawServer::always(Answer::Flood {
        head,
        block: block(),
    })
    .await;
    let client = builder(&server)
        .max_response_bytes(LIMIT)
        .build()
        .expect("a valid client");
    let error = get(&client).await.expect_err("too large");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: LIMIT, .. }),
        "expected Error::ResponseTooLarge, got {error:?}"
    );
    assert_says(&error, &["HTTP 200 OK", "larger than", "65536 bytes"]);
    // Socket buffers take some megabytes before the client closes; far less than 100.
    let flooded = server.flooded_bytes();
    assert!(flooded < 50 * 1024 * 1024, "{flooded} bytes were sent");
}

#[tokio::test]
async fn a_200_chunked_forever_is_cut_at_max_response_bytes() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                 Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    let mut chunk = format!("{:x}\r\n", 1024 * 1024).into_bytes();
    chunk.extend_from_slice(&block());
    chunk.extend_from_slice(b"\r\n");
    let server = RawServer::always(Answer::Flood { head, block: chunk }).await;
    let client = builder(&server)
        .max_response_bytes(LIMIT)
        .build()
        .expect("a valid client");
    let error = get(&client).await.expect_err("too large");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: LIMIT, .. }),
        "expected Error::ResponseTooLarge, got {error:?}"
    );
    assert_says(
        &error,
        &["HTTP 200 OK", "larger than the limit of 65536 bytes"],
    );
    let flooded = server.flooded_bytes();
    assert!(flooded < 50 * 1024 * 1024, "{flooded} bytes were sent");
}

#[tokio::test]
async fn a_502_with_an_endless_body_keeps_only_its_start() {
    let head = response("502 Bad Gateway", "text/plain", &[], 100 * 1024 * 1024, b"");
    let server = RawServer::always(Answer::Flood {
        head,
        block: block(),
    })
    .await;
    let error = get(&client(&server)).await.expect_err("a 502");
    let Error::UnexpectedStatus { status, body, .. } = &error else {
        panic!("expected Error::UnexpectedStatus, got {error:?}");
    };
    assert_eq!(*status, 502);
    assert!(body.is_truncated());
    assert!(body.as_bytes().len() <= calypso_customer_purse::RawBody::MAX_LEN);
    assert_says(&error, &["502 Bad Gateway"]);
}

// Silence, trickles, resets and closes.

#[tokio::test]
async fn headers_that_never_come_end_in_a_timeout_that_says_timed_out() {
    let started = tokio::time::Instant::now();
    let error = failure(Answer::BytesThenHang(Vec::new()), &["timed out"]).await;
    assert!(error.is_timeout(), "{error:?}");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.request_may_have_reached_server());
    assert!(started.elapsed() >= TIMEOUT);
}

/// The message lists the causes itself, so `source()` must not repeat them: a reporter that
/// walks the chain (anyhow's `{:#}`, eyre) would print each twice.
#[tokio::test]
async fn a_reporter_that_walks_the_source_chain_prints_each_cause_once() {
    let error = failure(Answer::BytesThenHang(Vec::new()), &["timed out"]).await;
    let mut report = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        report.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert_eq!(report.matches("operation timed out").count(), 1, "{report}");
}

#[tokio::test]
async fn a_body_that_trickles_forever_is_ended_by_the_attempt_timeout() {
    let head = response("200 OK", "application/json", &[], 1_000_000, b"{");
    let answer = Answer::Trickle {
        head,
        every: Duration::from_millis(20),
    };
    let error = failure(answer, &["HTTP 200 OK", "timed out"]).await;
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        matches!(error, Error::ResponseBody { .. }),
        "expected Error::ResponseBody, got {error:?}"
    );
    assert_eq!(status(&error), Some(200));
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_a_response_body_error() {
    let body = TRANSACTION_JSON.as_bytes();
    let answer = Answer::BytesThenReset(response(
        "200 OK",
        "application/json",
        &[],
        body.len(),
        &body[..20],
    ));
    let error = failure(answer, &["HTTP 200 OK"]).await;
    assert!(
        matches!(error, Error::ResponseBody { .. }),
        "expected Error::ResponseBody, got {error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("reset") || text.contains("truncated"),
        "neither reset nor truncated in: {text}"
    );
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn a_connection_closed_before_any_response_is_a_transport_error() {
    let error = failure(Answer::Close, &["closed"]).await;
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(status(&error), None);
    // The request was written before the server closed: it may have acted.
    assert!(error.request_may_have_reached_server());
}

#[tokio::test]
async fn a_connection_reset_before_any_response_is_a_transport_error() {
    let error = failure(
        Answer::BytesThenReset(Vec::new()),
        &["the request failed", "reset"],
    )
    .await;
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.request_may_have_reached_server());
}

// Redirects: never followed, since a followed 307/308 would send the signed body, the
// signature and the API key wherever the Location points.

async fn redirect(code: &str, to_other_host: bool) {
    let other = RawServer::always(Answer::json("200 OK", TRANSACTION_JSON)).await;
    let location = if to_other_host {
        format!("{}/elsewhere", other.base_url())
    } else {
        "/api/v1/customer-purse/transaction/moved".to_owned()
    };
    let header = format!("Location: {location}");
    let answer = Answer::full(code, "text/plain", &[&header], b"moved");
    let server = RawServer::always(answer).await;
    let error = get(&client(&server)).await.expect_err("not followed");
    let Error::Redirect {
        status,
        location: told,
    } = &error
    else {
        panic!("expected Error::Redirect, got {error:?}");
    };
    assert_eq!(status.as_str(), &code[..3]);
    assert_eq!(told.as_deref(), Some(location.as_str()));
    assert_says(&error, &[code, &location, "not followed"]);
    assert!(error.request_may_have_reached_server());
    assert_eq!(server.requests().len(), 1, "asked once, not again");
    assert!(
        other.requests().is_empty(),
        "nothing sent to the other host"
    );
}

#[tokio::test]
async fn a_301_to_the_same_server_is_not_followed() {
    redirect("301 Moved Permanently", false).await;
}

#[tokio::test]
async fn a_302_to_the_same_server_is_not_followed() {
    redirect("302 Found", false).await;
}

#[tokio::test]
async fn a_307_to_the_same_server_is_not_followed() {
    redirect("307 Temporary Redirect", false).await;
}

#[tokio::test]
async fn a_308_to_the_same_server_is_not_followed() {
    redirect("308 Permanent Redirect", false).await;
}

#[tokio::test]
async fn a_301_to_another_host_is_not_followed() {
    redirect("301 Moved Permanently", true).await;
}

#[tokio::test]
async fn a_302_to_another_host_is_not_followed() {
    redirect("302 Found", true).await;
}

#[tokio::test]
async fn a_307_to_another_host_is_not_followed() {
    redirect("307 Temporary Redirect", true).await;
}

#[tokio::test]
async fn a_308_to_another_host_is_not_followed() {
    redirect("308 Permanent Redirect", true).await;
}

#[tokio::test]
async fn a_redirect_without_location_says_so() {
    let answer = Answer::full("307 Temporary Redirect", "text/plain", &[], b"");
    let error = failure(answer, &["307 Temporary Redirect", "no Location"]).await;
    assert!(
        matches!(error, Error::Redirect { location: None, .. }),
        "{error:?}"
    );
}

// Error statuses, with the API's error body and with someone else's.

const API_BODY: &str = r#"{"errorCode":"000","message":"Refused here","traceId":"t-1"}"#;
const NOT_API_BODY: &str = "<html><body>nginx says no</body></html>";

/// The error of a status `code` with the API's error body (and `headers`).
async fn api_status(code: &str, headers: &[&str]) -> Error {
    let answer = Answer::full(code, "application/json", headers, API_BODY.as_bytes());
    let error = failure(answer, &[code, "Refused here"]).await;
    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("expected Error::Api, got {error:?}"));
    assert_eq!(api.status.as_str(), &code[..3]);
    assert_eq!(api.body.message.as_deref(), Some("Refused here"));
    assert_eq!(api.body.trace_id.as_deref(), Some("t-1"));
    error
}

/// The error of a status `code` with an nginx page (and `headers`).
async fn other_status(code: &str, headers: &[&str]) -> Error {
    let answer = Answer::full(code, "text/html", headers, NOT_API_BODY.as_bytes());
    let error = failure(answer, &[code, "nginx says no"]).await;
    let Error::UnexpectedStatus { status, body, .. } = &error else {
        panic!("expected Error::UnexpectedStatus, got {error:?}");
    };
    assert_eq!(status.as_str(), &code[..3]);
    assert_eq!(body.text(), NOT_API_BODY);
    error
}

#[tokio::test]
async fn a_401_with_an_api_body_is_an_api_error() {
    api_status("401 Unauthorized", &[]).await;
}

#[tokio::test]
async fn a_401_with_another_body_is_an_unexpected_status() {
    other_status("401 Unauthorized", &[]).await;
}

#[tokio::test]
async fn a_403_with_an_api_body_is_an_api_error() {
    api_status("403 Forbidden", &[]).await;
}

#[tokio::test]
async fn a_403_with_another_body_is_an_unexpected_status() {
    other_status("403 Forbidden", &[]).await;
}

#[tokio::test]
async fn a_404_with_an_api_body_is_an_api_error() {
    api_status("404 Not Found", &[]).await;
}

#[tokio::test]
async fn a_404_with_another_body_is_an_unexpected_status() {
    other_status("404 Not Found", &[]).await;
}

#[tokio::test]
async fn a_429_with_an_api_body_and_retry_after_keeps_the_wait() {
    let error = api_status("429 Too Many Requests", &["Retry-After: 7"]).await;
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn a_429_with_an_api_body_and_no_retry_after_has_no_wait() {
    let error = api_status("429 Too Many Requests", &[]).await;
    assert_eq!(error.retry_after(), None);
}

#[tokio::test]
async fn a_429_with_another_body_and_retry_after_keeps_the_wait() {
    let error = other_status("429 Too Many Requests", &["Retry-After: 7"]).await;
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn a_429_with_another_body_and_no_retry_after_has_no_wait() {
    let error = other_status("429 Too Many Requests", &[]).await;
    assert_eq!(error.retry_after(), None);
}

#[tokio::test]
async fn a_429_with_an_unreadable_retry_after_has_no_wait() {
    let error = other_status("429 Too Many Requests", &["Retry-After: soon-ish"]).await;
    assert_eq!(error.retry_after(), None);
}

#[tokio::test]
async fn a_502_with_an_api_body_is_an_api_error() {
    api_status("502 Bad Gateway", &[]).await;
}

#[tokio::test]
async fn a_502_with_another_body_is_an_unexpected_status() {
    other_status("502 Bad Gateway", &[]).await;
}

#[tokio::test]
async fn a_503_with_an_api_body_is_an_api_error() {
    let error = api_status("503 Service Unavailable", &["Retry-After: 2"]).await;
    assert_eq!(error.retry_after(), Some(Duration::from_secs(2)));
}

#[tokio::test]
async fn a_503_with_another_body_is_an_unexpected_status() {
    let error = other_status("503 Service Unavailable", &[]).await;
    assert_eq!(error.retry_after(), None);
}

// Retries through hostile answers.

#[tokio::test]
async fn a_read_is_retried_after_a_truncated_body_and_a_reset_then_succeeds() {
    let body = TRANSACTION_JSON.as_bytes();
    let server = RawServer::start(move |n, _| match n {
        0 => Answer::Bytes(response(
            "200 OK",
            "application/json",
            &[],
            4096,
            &body[..10],
        )),
        1 => Answer::BytesThenReset(Vec::new()),
        _ => Answer::json("200 OK", TRANSACTION_JSON),
    })
    .await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(10)))
        .build()
        .expect("a valid client");
    let transaction = get(&client).await.expect("the third attempt succeeds");
    assert_eq!(transaction, expected_transaction());
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let signatures: Vec<&str> = requests
        .iter()
        .map(|request| request.header("sign").expect("signed"))
        .collect();
    for (request, signature) in requests.iter().zip(&signatures) {
        assert_eq!(request.path, GET_TRANSACTION);
        assert_eq!(
            *signature,
            support::sign(support::API_SECRET, &request.body),
            "each attempt is signed over its own bytes"
        );
    }
}

#[tokio::test]
async fn a_read_is_retried_after_an_html_503_then_succeeds() {
    let server = RawServer::start(|n, _| match n {
        0 => Answer::full(
            "503 Service Unavailable",
            "text/html",
            &["Retry-After: 0"],
            ERROR_PAGE.as_bytes(),
        ),
        _ => Answer::json("200 OK", TRANSACTION_JSON),
    })
    .await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::new(2, Duration::from_millis(10)))
        .build()
        .expect("a valid client");
    let transaction = get(&client).await.expect("the second attempt succeeds");
    assert_eq!(transaction, expected_transaction());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_truncated_body() {
    use calypso_customer_purse::types::CreateCustomerRequest;

    let server = RawServer::always(Answer::Bytes(response(
        "200 OK",
        "application/json",
        &[],
        4096,
        b"{\"id\":",
    )))
    .await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(10)))
        .build()
        .expect("a valid client");
    let error = tokio::time::timeout(HANG, client.create_customer(&CreateCustomerRequest::new()))
        .await
        .expect("no hang")
        .expect_err("truncated");
    assert!(
        matches!(error, Error::ResponseBody { .. }),
        "expected Error::ResponseBody, got {error:?}"
    );
    assert!(error.request_may_have_reached_server());
    assert_eq!(
        server.requests().len(),
        1,
        "a create that may have acted is not repeated"
    );
}

// A 200 whose values are odd.

#[tokio::test]
async fn a_missing_required_field_is_a_decode_error_naming_it() {
    let body = TRANSACTION_JSON.replace(r#""currency":"USDT_BSC","#, "");
    let error = failure(Answer::json("200 OK", &body), &["missing field `currency`"]).await;
    decode(&error);
}

#[tokio::test]
async fn a_wrong_type_is_a_decode_error_naming_it() {
    let body = TRANSACTION_JSON.replace(
        r#""translationToAccountCompleted":true"#,
        r#""translationToAccountCompleted":"yes""#,
    );
    let error = failure(
        Answer::json("200 OK", &body),
        &["invalid type", "expected a boolean"],
    )
    .await;
    decode(&error);
}

#[tokio::test]
async fn a_null_required_field_is_a_decode_error() {
    let body = TRANSACTION_JSON.replace(r#""amount":0.012345000"#, r#""amount":null"#);
    let error = failure(Answer::json("200 OK", &body), &["null"]).await;
    decode(&error);
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let body = TRANSACTION_JSON.replacen(
        '{',
        r#"{"surprise":{"deeply":[{"nested":[1,2,{"x":null}]}]},"another":1e400,"#,
        1,
    );
    assert_eq!(value(&body).await, expected_transaction());
}

#[tokio::test]
async fn unknown_enum_values_are_kept() {
    let body = TRANSACTION_JSON
        .replace(r#""CONFIRMED""#, r#""ON_HOLD""#)
        .replace(r#""CHECKED""#, r#""checked""#);
    let transaction = value(&body).await;
    assert!(
        matches!(&transaction.transaction_state, TransactionState::Unknown(v) if v.as_str() == "ON_HOLD"),
        "{:?}",
        transaction.transaction_state
    );
    assert!(
        matches!(&transaction.compliance_state, ComplianceState::Unknown(v) if v.as_str() == "checked"),
        "{:?}",
        transaction.compliance_state
    );
}

#[tokio::test]
async fn an_amount_of_40_digits_is_a_decode_error_not_a_rounded_value() {
    let digits = "1234567890123456789012345678901234567890";
    let body = TRANSACTION_JSON.replace("0.012345000", digits);
    let error = failure(
        Answer::json("200 OK", &body),
        &[digits, "not an exact decimal"],
    )
    .await;
    decode(&error);
}

#[tokio::test]
async fn an_amount_of_1e400_is_a_decode_error() {
    let body = TRANSACTION_JSON.replace("0.012345000", "1e400");
    let error = failure(
        Answer::json("200 OK", &body),
        &["1e400", "not an exact decimal"],
    )
    .await;
    decode(&error);
}

#[tokio::test]
async fn an_amount_with_28_decimals_is_read_exactly() {
    let body = TRANSACTION_JSON.replace("0.012345000", "0.0000000000000000000000000001");
    let transaction = value(&body).await;
    assert_eq!(
        transaction.amount.to_string(),
        "0.0000000000000000000000000001"
    );
}

#[tokio::test]
async fn an_amount_in_a_string_or_with_an_exponent_is_read_exactly() {
    let body = TRANSACTION_JSON.replace("0.012345000", r#""12.5""#);
    assert_eq!(value(&body).await.amount.to_string(), "12.5");
    let body = TRANSACTION_JSON.replace("0.012345000", "1.2345E-2");
    assert_eq!(value(&body).await.amount.to_string(), "0.012345");
}

/// The error of a `find_transactions` whose page says `total_elements`.
async fn page_failure(total_elements: &str, expected: &[&str]) -> Error {
    let body =
        format!(r#"{{"result":[],"page":1,"size":20,"total":0,"totalElements":{total_elements}}}"#);
    let server = RawServer::always(Answer::json("200 OK", &body)).await;
    let client = client(&server);
    let request = FindTransactionsRequest::new();
    let call = client.find_transactions(&request);
    let error = tokio::time::timeout(HANG, call)
        .await
        .expect("no hang")
        .expect_err("out of range");
    assert_says(&error, expected);
    decode(&error);
    error
}

#[tokio::test]
async fn an_integer_beyond_i64_is_a_decode_error() {
    page_failure("9223372036854775808", &["HTTP 200 OK", "i64"]).await;
}

#[tokio::test]
async fn an_integer_of_40_digits_is_a_decode_error() {
    page_failure("1234567890123456789012345678901234567890", &["HTTP 200 OK"]).await;
}

#[tokio::test]
async fn an_integer_of_1e400_is_a_decode_error() {
    page_failure("1e400", &["HTTP 200 OK", "out of range"]).await;
}

#[tokio::test]
async fn the_largest_i64_is_read() {
    let body = r#"{"result":[],"page":1,"size":20,"total":0,"totalElements":9223372036854775807}"#;
    let server = RawServer::always(Answer::json("200 OK", body)).await;
    let client = client(&server);
    let request = FindTransactionsRequest::new();
    let call = client.find_transactions(&request);
    let page = tokio::time::timeout(HANG, call)
        .await
        .expect("no hang")
        .expect("in range");
    assert_eq!(page.total_elements, i64::MAX);
}

/// The `createdDate` read from `text`.
async fn created(text: &str) -> calypso_customer_purse::OffsetDateTime {
    let body = TRANSACTION_JSON.replace("2025-10-30T14:08:39.960680Z", text);
    value(&body).await.created_date
}

/// 2025-10-30T14:08:39Z plus `nanos`.
fn at(nanos: i128) -> calypso_customer_purse::OffsetDateTime {
    utc_nanos(1_761_833_319_000_000_000 + nanos)
}

#[tokio::test]
async fn a_date_with_an_offset_is_the_same_instant() {
    let date = created("2025-10-30T19:38:39.960680+05:30").await;
    assert_eq!(date, at(960_680_000));
    let date = created("2025-10-30T09:08:39.960680-05:00").await;
    assert_eq!(date, at(960_680_000));
}

#[tokio::test]
async fn a_date_with_lowercase_t_and_z_is_read() {
    assert_eq!(
        created("2025-10-30t14:08:39.960680z").await,
        at(960_680_000)
    );
}

#[tokio::test]
async fn a_date_with_nine_fraction_digits_is_read_to_the_nanosecond() {
    assert_eq!(
        created("2025-10-30T14:08:39.123456789Z").await,
        at(123_456_789)
    );
}

#[tokio::test]
async fn a_date_without_fraction_is_read() {
    assert_eq!(created("2025-10-30T14:08:39Z").await, at(0));
}

#[tokio::test]
async fn a_date_with_a_minus_zero_offset_is_read_as_utc() {
    assert_eq!(created("2025-10-30T14:08:39-00:00").await, at(0));
}

#[tokio::test]
async fn a_date_without_offset_is_read_as_utc() {
    assert_eq!(created("2025-10-30T14:08:39.5").await, at(500_000_000));
}

#[tokio::test]
async fn a_date_that_is_not_one_is_a_decode_error_naming_it() {
    let body = TRANSACTION_JSON.replace("2025-10-30T14:08:39.960680Z", "30/10/2025 14:08");
    let error = failure(Answer::json("200 OK", &body), &["30/10/2025 14:08"]).await;
    decode(&error);
}
