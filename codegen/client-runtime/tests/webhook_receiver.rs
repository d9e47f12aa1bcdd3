//! The webhook receiver: each refusal with its own status, first deliveries told from
//! repeats, and the axum extractor (the `axum` feature) on requests as axum hands them over.

mod support;

use std::time::Duration;

use axum_core::body::Body;
use axum_core::extract::{FromRef, FromRequest};
use axum_core::response::IntoResponse;
use client_runtime::reqwest::header::HeaderMap;
use client_runtime::reqwest::StatusCode;
use client_runtime::{
    Deduplicate, Delivery, DeliveryId, InMemoryDeduplicator, SecretString, VerifiedWebhook,
    Webhook, WebhookError, WebhookReceiver, WebhookRefusal, WebhookVerifier,
};
use http_body_util::BodyExt;
use support::hex_hmac;

const KEY: &str = "subscription-public-key";
const SECRET: &str = "subscription-secret-key";
const BODY: &str =
    r#"{"eventType":"THING_CREATED","id":7,"requestId":"r-1","data":{"amount":"1.50"}}"#;

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(KEY, &SecretString::from(SECRET))
}

fn deduplicating() -> WebhookReceiver {
    WebhookReceiver::new(verifier())
        .deduplicate_with(InMemoryDeduplicator::new(100, Duration::from_secs(3600)))
}

fn signed(body: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("Key", KEY.parse().unwrap());
    headers.insert("Sign", hex_hmac(SECRET, body.as_bytes()).parse().unwrap());
    headers
}

/// The refusal, its status, and checks that neither it nor its answer tells the secret.
fn refused<T: std::fmt::Debug>(result: Result<T, WebhookRefusal>) -> (WebhookRefusal, StatusCode) {
    let refusal = result.expect_err("a refusal");
    let status = refusal.status();
    for shown in [
        refusal.to_string(),
        format!("{refusal:?}"),
        refusal.response().into_body(),
    ] {
        assert!(!shown.contains(SECRET), "{shown}");
    }
    assert_eq!(refusal.response().status(), status);
    assert_eq!(refusal.response().body(), refusal.reason());
    (refusal, status)
}

#[test]
fn a_delivery_is_first_then_a_repeat_and_first_again_once_forgotten() {
    let receiver = deduplicating();
    let first = receiver.receive(&signed(BODY), BODY.as_bytes()).unwrap();
    assert!(first.is_first());
    assert_eq!(
        first.get().identity().map(DeliveryId::as_str),
        Some("7:r-1")
    );
    let repeat = receiver.receive(&signed(BODY), BODY.as_bytes()).unwrap();
    assert!(matches!(repeat, Delivery::Repeat(_)));
    assert_eq!(repeat.into_inner().matched_key, KEY);
    // Another delivery of the same event (another subscription's request id) is its own.
    let other = BODY.replace("r-1", "r-2");
    assert!(receiver
        .receive(&signed(&other), other.as_bytes())
        .unwrap()
        .is_first());
    // Its handling failed: forgotten, the API's retry is a first delivery again.
    receiver.forget(&DeliveryId::new("7:r-1")).unwrap();
    assert!(receiver
        .receive(&signed(BODY), BODY.as_bytes())
        .unwrap()
        .is_first());
    assert!(!receiver
        .receive(&signed(BODY), BODY.as_bytes())
        .unwrap()
        .is_first());
}

#[test]
fn without_a_deduplicator_or_an_identity_every_delivery_is_first() {
    let receiver = WebhookReceiver::new(verifier());
    for _ in 0..2 {
        assert!(receiver
            .receive(&signed(BODY), BODY.as_bytes())
            .unwrap()
            .is_first());
    }
    receiver.forget(&DeliveryId::new("7:r-1")).unwrap();
    let anonymous = r#"{"eventType":"THING_CREATED","data":{}}"#;
    let receiver = deduplicating();
    for _ in 0..2 {
        let delivery = receiver
            .receive(&signed(anonymous), anonymous.as_bytes())
            .unwrap();
        assert!(delivery.is_first());
    }
}

#[test]
fn each_refusal_has_its_own_status() {
    let receiver = deduplicating().with_body_limit(BODY.len());
    assert_eq!(receiver.body_limit(), BODY.len());

    let long = format!("{BODY} ");
    let (refusal, status) = refused(receiver.receive(&signed(&long), long.as_bytes()));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(matches!(refusal, WebhookRefusal::TooLarge { limit } if limit == BODY.len()));
    // A `Content-Length` past the limit is refused too, whatever the body given.
    let mut announced = signed(BODY);
    announced.insert(
        "Content-Length",
        (BODY.len() + 1).to_string().parse().unwrap(),
    );
    let (_, status) = refused(receiver.receive(&announced, BODY.as_bytes()));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let mut no_signature = signed(BODY);
    no_signature.remove("Sign");
    let (refusal, status) = refused(receiver.receive(&no_signature, BODY.as_bytes()));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(matches!(
        refusal,
        WebhookRefusal::Unverified(WebhookError::MissingHeader(_))
    ));
    assert_eq!(refusal.reason(), "webhook signature headers missing");

    let mut other_key = signed(BODY);
    other_key.insert("Key", "another-subscription".parse().unwrap());
    let (refusal, status) = refused(receiver.receive(&other_key, BODY.as_bytes()));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(refusal.reason(), "webhook key not accepted");

    let changed = BODY.replace("1.50", "9.50");
    let (refusal, status) = refused(receiver.receive(&signed(BODY), changed.as_bytes()));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(matches!(
        refusal,
        WebhookRefusal::Unverified(WebhookError::BadSignature)
    ));
    assert_eq!(refusal.reason(), "webhook signature does not match");

    let not_json = "not json";
    let (refusal, status) = refused(receiver.receive(&signed(not_json), not_json.as_bytes()));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(matches!(
        refusal,
        WebhookRefusal::Unreadable(WebhookError::InvalidBody(_))
    ));
    assert!(std::error::Error::source(&refusal).is_some());
}

#[test]
fn a_body_as_long_as_the_limit_is_taken_and_the_default_limit_is_1_mib() {
    let receiver = WebhookReceiver::new(verifier()).with_body_limit(BODY.len());
    let mut announced = signed(BODY);
    announced.insert("Content-Length", BODY.len().to_string().parse().unwrap());
    assert!(receiver.receive(&announced, BODY.as_bytes()).is_ok());

    // Webhooks far larger than the API sends fit under the default.
    let receiver = WebhookReceiver::new(verifier());
    let padding = "p".repeat(512 * 1024);
    let big = BODY.replace(
        r#""amount":"1.50""#,
        &format!(r#""amount":"1.50","note":"{padding}""#),
    );
    assert!(receiver.receive(&signed(&big), big.as_bytes()).is_ok());
    let mut too_long = signed(BODY);
    too_long.insert(
        "Content-Length",
        (1024 * 1024 + 1).to_string().parse().unwrap(),
    );
    let (refusal, _) = refused(receiver.receive(&too_long, BODY.as_bytes()));
    assert!(matches!(refusal, WebhookRefusal::TooLarge { limit } if limit == 1024 * 1024));
}

#[test]
fn a_receiver_shows_its_public_keys_limit_and_deduplication_never_its_secret() {
    let shown = format!("{:?}", deduplicating().with_body_limit(4096));
    assert!(shown.starts_with("WebhookReceiver { verifier: "), "{shown}");
    assert!(shown.contains(KEY), "{shown}");
    assert!(
        shown.ends_with(", deduplicates: true, body_limit: 4096 }"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET), "{shown}");
}

/// A deduplicator whose database is down.
struct Unreachable;

#[derive(Debug)]
struct Down;

impl std::fmt::Display for Down {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the database is down")
    }
}

impl std::error::Error for Down {}

impl Deduplicate for Unreachable {
    type Error = Down;

    fn first_delivery(&self, _: &DeliveryId) -> Result<bool, Down> {
        Err(Down)
    }

    fn forget(&self, _: &DeliveryId) -> Result<(), Down> {
        Err(Down)
    }
}

#[test]
fn a_failing_deduplicator_is_a_500_and_the_delivery_can_come_again() {
    let receiver = WebhookReceiver::new(verifier()).deduplicate_with(Unreachable);
    let (refusal, status) = refused(receiver.receive(&signed(BODY), BODY.as_bytes()));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(matches!(refusal, WebhookRefusal::Undeduplicated(_)));
    assert!(
        refusal.to_string().contains("the database is down"),
        "{refusal}"
    );
    assert_eq!(refusal.reason(), "webhook could not be recorded");
    let (_, status) = refused(receiver.forget(&DeliveryId::new("7:r-1")));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn an_http_request_is_received_as_its_headers_and_body() {
    let receiver = deduplicating();
    let mut request = http::Request::new(BODY.as_bytes().to_vec());
    *request.headers_mut() = signed(BODY);
    assert!(receiver.receive_request(&request).unwrap().is_first());
    assert!(!receiver.receive_request(&request).unwrap().is_first());
    request.headers_mut().remove("Key");
    let (_, status) = refused(receiver.receive_request(&request));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn a_delivery_kept_unread_is_deduplicated_and_not_refused_for_its_body() {
    let receiver = deduplicating();
    let first = receiver
        .receive_verified(&signed(BODY), BODY.as_bytes())
        .unwrap();
    let Delivery::First(verified) = first else {
        panic!("expected a first delivery");
    };
    assert_eq!(verified.body(), BODY.as_bytes());
    let repeat = receiver
        .receive_verified(&signed(BODY), BODY.as_bytes())
        .unwrap();
    assert!(!repeat.is_first());
    // Parsed later, it is the same delivery, and the receiver knows it.
    let parsed = verified.parse().unwrap();
    assert!(!receiver
        .receive(&signed(BODY), BODY.as_bytes())
        .unwrap()
        .is_first());
    assert_eq!(parsed.identity().map(DeliveryId::as_str), Some("7:r-1"));
    // Signed bytes that are not a webhook are kept: `parse` refuses them later.
    let not_json = "not json";
    let kept = receiver
        .receive_verified(&signed(not_json), not_json.as_bytes())
        .unwrap();
    assert!(kept.get().parse().is_err());
}

/// An app's state with a receiver in it, as a merchant's has.
#[derive(Clone)]
struct AppState {
    webhooks: WebhookReceiver,
}

impl FromRef<AppState> for WebhookReceiver {
    fn from_ref(state: &AppState) -> Self {
        state.webhooks.clone()
    }
}

fn request(headers: HeaderMap, body: Body) -> axum_core::extract::Request {
    let mut request = http::Request::post("/webhooks").body(body).unwrap();
    *request.headers_mut() = headers;
    request
}

async fn answer(refusal: WebhookRefusal) -> (StatusCode, String) {
    let response = refusal.into_response();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_axum_extractor_hands_over_checked_deliveries_and_answers_refusals() {
    let state = AppState {
        webhooks: deduplicating().with_body_limit(BODY.len()),
    };
    let first = Delivery::<Webhook>::from_request(request(signed(BODY), Body::from(BODY)), &state)
        .await
        .unwrap();
    assert!(first.is_first());
    assert_eq!(first.get().matched_key, KEY);
    let repeat =
        Delivery::<VerifiedWebhook>::from_request(request(signed(BODY), Body::from(BODY)), &state)
            .await
            .unwrap();
    assert!(!repeat.is_first());
    assert_eq!(repeat.get().body(), BODY.as_bytes());

    let changed = BODY.replace("1.50", "9.50");
    let refusal =
        Delivery::<Webhook>::from_request(request(signed(BODY), Body::from(changed)), &state)
            .await
            .unwrap_err();
    let (status, text) = answer(refusal).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(text, "webhook signature does not match");

    let not_json = "not json";
    let refusal =
        Delivery::<Webhook>::from_request(request(signed(not_json), Body::from(not_json)), &state)
            .await
            .unwrap_err();
    assert_eq!(answer(refusal).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_axum_extractor_stops_reading_a_body_past_the_limit() {
    let receiver = WebhookReceiver::new(verifier()).with_body_limit(BODY.len());
    // Streamed in chunks with no `Content-Length`: the limit stops the reading itself.
    let chunks = (0..1000).map(|_| Ok::<_, std::io::Error>(BODY.as_bytes().to_vec()));
    let endless = Body::from_stream(futures_util::stream::iter(chunks));
    let refusal = Delivery::<Webhook>::from_request(request(signed(BODY), endless), &receiver)
        .await
        .unwrap_err();
    assert!(matches!(refusal, WebhookRefusal::TooLarge { .. }));
    let (status, text) = answer(refusal).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(text, "webhook body too large");
    // A body exactly at the limit passes.
    let at_limit =
        Delivery::<Webhook>::from_request(request(signed(BODY), Body::from(BODY)), &receiver)
            .await
            .unwrap();
    assert!(at_limit.is_first());
}
