//! The mock (`mock.rs`) against the stand-in API: stubs, the real API's checks, the record of
//! calls, and a real client talking to it.

use std::time::Duration;

use rust_decimal::Decimal;
use secrecy::SecretString;

mod support;

use client_runtime::mock::{MockApi, Outcome, Refusal};
use client_runtime::signing::SignatureError;
use client_runtime::types::{
    CreateThingRequest, ErrorResponse, FindThingsRequest, Thing, ThingIdRequest,
};
use client_runtime::{Error, RetryPolicy};

const THING_ID: &str = "0b5ddc4c-0000-4000-8000-000000000001";

fn thing(amount: i64) -> Thing {
    Thing::new(THING_ID.parse::<uuid::Uuid>().unwrap()).with_amount(Decimal::from(amount))
}

fn get() -> ThingIdRequest {
    ThingIdRequest::new(THING_ID.parse::<uuid::Uuid>().unwrap())
}

/// The signature of `body` under the mock's secret, as a client writes it (lowercase).
/// The body's signature under the mock's secret, computed here rather than by the runtime.
fn sign(body: &[u8]) -> String {
    support::hex_hmac(client_runtime::mock::MOCK_API_SECRET, body)
}

/// The mock's clock, in the envelope's unit.
fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// A client of the mock that retries quickly.
fn client(mock: &MockApi) -> client_runtime::Client {
    mock.client_builder()
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_stubbed_call_is_answered_and_recorded_typed() {
    let mock = MockApi::start().await;
    let stub = mock.get_thing().expect(1).respond_with(&thing(5));
    let answer = mock.client().get_thing(&get()).await.unwrap();
    assert_eq!(answer, thing(5));
    assert_eq!(mock.get_thing().calls(), [get()]);
    let calls = mock.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].outcome, Outcome::Answered(stub));
    assert_eq!(calls[0].operation, Some("getThing"));
    assert!(calls[0].headers.iter().any(|(name, _)| name == "sign"));
    mock.verify().unwrap();
}

#[tokio::test]
async fn the_most_specific_stub_wins_then_the_latest_and_times_hands_over() {
    let mock = MockApi::start().await;
    let client = mock.client();
    let payload =
        |description: &str| CreateThingRequest::new(Decimal::ONE).with_description(description);
    mock.create_thing()
        .when(|p| p.description.as_deref() == Some("special"))
        .respond_with(&thing(1));
    mock.create_thing().respond_with(&thing(2));
    mock.create_thing().times(1).respond_with(&thing(3));

    let special = client.create_thing(&payload("special")).await.unwrap();
    assert_eq!(
        special.amount,
        Some(Decimal::from(1)),
        "the `when` stub first"
    );
    let first = client.create_thing(&payload("plain")).await.unwrap();
    assert_eq!(first.amount, Some(Decimal::from(3)), "the latest stub next");
    let second = client.create_thing(&payload("plain")).await.unwrap();
    assert_eq!(
        second.amount,
        Some(Decimal::from(2)),
        "then the one before it"
    );
}

#[tokio::test]
async fn a_mock_shows_where_it_listens_and_its_credentials_but_not_its_secret() {
    let mock = MockApi::start().await;
    let shown = format!("{mock:?}");
    assert!(
        shown.starts_with(&format!("MockApi {{ uri: {:?}, ", mock.uri())),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "account: {:?}",
            client_runtime::mock::MOCK_ACCOUNT
        )),
        "{shown}"
    );
    assert!(
        !shown.contains(client_runtime::mock::MOCK_API_SECRET),
        "{shown}"
    );
}

#[tokio::test]
async fn a_stub_being_built_shows_its_operation_and_settings() {
    let mock = MockApi::start().await;
    let stub = mock.create_thing().when(|_| true).times(2);
    assert_eq!(
        format!("{stub:?}"),
        "OperationMock { operation: \"createThing\", when: true, times: Some(2), expected: None, .. }"
    );
}

#[tokio::test]
async fn a_read_answered_503_with_retry_after_is_retried() {
    let mock = MockApi::start().await;
    mock.get_thing().respond_with(&thing(7));
    mock.get_thing()
        .times(1)
        .retry_after(Duration::from_secs(0))
        .respond_with_status(503);
    let answer = client(&mock).get_thing(&get()).await.unwrap();
    assert_eq!(answer, thing(7));
    assert_eq!(mock.calls().len(), 2);
}

#[tokio::test]
async fn an_error_stub_is_the_api_s_error() {
    let mock = MockApi::start().await;
    let body = ErrorResponse::new()
        .with_error_code("004")
        .with_message("no such thing");
    mock.get_thing().respond_with_error(400, &body);
    match mock.client().get_thing(&get()).await {
        Err(Error::Api(error)) => {
            assert_eq!(error.status.as_u16(), 400);
            assert_eq!(error.body, body);
        }
        other => panic!("expected the API's error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_with_the_wrong_secret_is_refused_as_the_api_refuses() {
    let mock = MockApi::start().await;
    mock.get_thing().respond_with(&thing(1));
    let wrong = mock
        .client_builder()
        .api_secret(SecretString::from("not-the-secret"))
        .build()
        .unwrap();
    match wrong.get_thing(&get()).await {
        Err(Error::Api(error)) => assert_eq!(error.body.error_code.as_deref(), Some("003")),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let refused = mock.refused_calls();
    assert_eq!(refused.len(), 1);
    let Outcome::Refused(refusal @ Refusal::BadSignature(why)) = &refused[0].outcome else {
        panic!("expected a bad signature, got {:?}", refused[0].outcome);
    };
    // What a test's failure message shows: the kind of refusal, then why.
    assert_eq!(refusal.to_string(), format!("bad signature: {why}"));
    assert!(
        mock.get_thing().calls().is_empty(),
        "a refused call is not the operation's"
    );

    let stranger = mock
        .client_builder()
        .api_key("someone-else")
        .build()
        .unwrap();
    let refused = stranger.get_thing(&get()).await.unwrap_err();
    assert!(matches!(refused, Error::Api(ref e) if e.body.error_code.as_deref() == Some("002")));
    let other_account = mock.client_builder().account("other").build().unwrap();
    let refused = other_account.get_thing(&get()).await.unwrap_err();
    assert!(matches!(refused, Error::Api(ref e) if e.body.error_code.as_deref() == Some("002")));
}

#[tokio::test]
async fn the_mock_checks_a_signature_with_the_signer_s_check() {
    let mock = MockApi::start().await;
    mock.get_thing().respond_with(&thing(1));
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/thing/get", mock.uri());
    let body = format!(
        r#"{{"account":"mock-account","timestamp":{},"payload":{{"id":"{THING_ID}"}}}}"#,
        now_ms()
    );
    let good = sign(body.as_bytes());
    let mut one_digit_changed = good.clone();
    let digit = if good.starts_with('0') { "1" } else { "0" };
    one_digit_changed.replace_range(0..1, digit);
    let signatures = [
        good.to_ascii_uppercase(),
        good[1..].to_owned(),
        one_digit_changed,
    ];
    for signature in &signatures {
        http.post(&url)
            .header("key", client_runtime::mock::MOCK_API_KEY)
            .header("sign", signature.as_str())
            .body(body.clone())
            .send()
            .await
            .unwrap();
    }
    let calls = mock.calls();
    assert_eq!(calls.len(), 3);
    assert!(
        matches!(calls[0].outcome, Outcome::Answered(_)),
        "uppercase hex: {:?}",
        calls[0].outcome
    );
    let refused = |why: SignatureError| Outcome::Refused(Refusal::BadSignature(why.to_string()));
    assert_eq!(calls[1].outcome, refused(SignatureError::Malformed));
    assert_eq!(calls[2].outcome, refused(SignatureError::Mismatch));
}

#[tokio::test]
async fn a_mock_clock_that_is_off_teaches_the_client_and_the_call_goes_through() {
    let mock = MockApi::start().await;
    mock.set_clock_skew(3600);
    mock.create_thing().respond_with(&thing(1));
    let client = mock.client();
    client
        .create_thing(&CreateThingRequest::new(Decimal::ONE))
        .await
        .unwrap();
    let offset = client.clock_offset_millis().unwrap();
    assert!((3_599_000..=3_601_000).contains(&offset), "{offset}");
    let calls = mock.calls();
    assert!(matches!(
        calls[0].outcome,
        Outcome::Refused(Refusal::StaleTimestamp(_))
    ));
    assert!(matches!(calls[1].outcome, Outcome::Answered(_)));
}

#[tokio::test]
async fn an_unmatched_call_names_the_operation_and_verify_reports_it() {
    let mock = MockApi::start().await;
    mock.get_thing().expect(2).respond_with(&thing(1));
    let error = mock
        .client()
        .find_things(&FindThingsRequest::new().with_page_number(4))
        .await
        .unwrap_err();
    let Error::UnexpectedStatus { status, body, .. } = error else {
        panic!("expected the mock's 404, got {error:?}");
    };
    assert_eq!(status.as_u16(), 404);
    assert!(body.text().contains("`findThings`") && body.text().contains("\"pageNumber\":4"));
    assert_eq!(mock.unmatched_calls().len(), 1);
    let report = mock.verify().unwrap_err().to_string();
    assert!(
        report.contains("stub 0 of `getThing` was expected to answer 2 call(s) and answered 0"),
        "{report}"
    );
    assert!(
        report.contains("no stub answered a call to `findThings`"),
        "{report}"
    );
}

#[tokio::test]
async fn malformed_requests_are_refused_and_recorded_never_a_panic() {
    let mock = MockApi::start().await;
    mock.get_thing().respond_with(&thing(1));
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/thing/get", mock.uri());
    let now = now_ms();
    let bodies = [
        "not json".to_owned(),
        r#"{"account":"mock-account","payload":{}}"#.to_owned(),
        format!(
            r#"{{"account":"mock-account","timestamp":{now},"payload":{{"id":"not a uuid"}}}}"#
        ),
    ];
    for body in &bodies {
        let response = http
            .post(&url)
            .header("key", client_runtime::mock::MOCK_API_KEY)
            .header("sign", sign(body.as_bytes()))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let text = response.text().await.unwrap();
        assert!(text.contains("\"001\""), "{text}");
    }
    let no_headers = http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(no_headers.status().as_u16(), 400);
    let refused = mock.refused_calls();
    assert_eq!(refused.len(), 4);
    assert!(refused[..3]
        .iter()
        .all(|call| matches!(call.outcome, Outcome::Refused(Refusal::BadRequest(_)))));
    assert!(matches!(
        refused[3].outcome,
        Outcome::Refused(Refusal::UnknownKey(_))
    ));
    let elsewhere = http
        .post(format!("{}/nowhere", mock.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status().as_u16(), 404);
}

#[tokio::test]
async fn a_delayed_answer_meets_the_client_s_timeout() {
    let mock = MockApi::start().await;
    mock.get_thing()
        .delay(Duration::from_millis(300))
        .respond_with(&thing(1));
    let client = mock
        .client_builder()
        .timeout(Duration::from_millis(50))
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    let error = client.get_thing(&get()).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn parameters_and_a_body_are_sent_and_read_back_exactly() {
    use client_runtime::types::{ReplaceThingParams, ThingState};
    let mock = MockApi::start().await;
    mock.replace_thing()
        .when(|(params, _): &(ReplaceThingParams, CreateThingRequest)| params.thing_id == "t 1/2")
        .respond_with(&thing(7));
    let at_least: Decimal = "12345678901234567.10".parse().unwrap();
    let params = ReplaceThingParams::new("t 1/2")
        .with_state(vec![ThingState::New, ThingState::New])
        .with_at_least(at_least);
    let payload = CreateThingRequest::new(Decimal::new(150, 2)).with_description("a & b");
    let answer = mock.client().replace_thing(&params, &payload).await;
    assert_eq!(answer.unwrap(), thing(7));
    assert!(
        mock.refused_calls().is_empty(),
        "{:?}",
        mock.refused_calls()
    );
    // Read back by the mock as sent: the decimal with all its digits and its scale.
    let read = mock.replace_thing().calls();
    assert_eq!(read, [(params.clone(), payload.clone())]);
    assert_eq!(
        read[0].0.at_least.map(|at_least| at_least.to_string()),
        Some("12345678901234567.10".to_owned())
    );
    let call = mock.calls().remove(0);
    assert_eq!(call.operation, Some("replaceThing"));
    assert_eq!(call.path, "/api/v1/things/t%201%2F2");
    // The body is the envelope, with the payload alone in it: no parameter.
    let body: serde_json::Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(
        body["payload"],
        serde_json::json!({"amount": 1.5, "description": "a & b"})
    );
    assert!(body.get("thingId").is_none() && body["payload"].get("thingId").is_none());

    // A path parameter's value that is not this thing's is no stub's.
    let other = ReplaceThingParams::new("t-2");
    let refused = mock.client().replace_thing(&other, &payload).await;
    assert!(
        matches!(&refused, Err(Error::UnexpectedStatus { status, .. }) if status.as_u16() == 404),
        "{refused:?}"
    );
    let unmatched = mock.calls().remove(1);
    assert_eq!(unmatched.path, "/api/v1/things/t-2");
}
