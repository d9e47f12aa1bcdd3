//! Tests of the runtime that need a concrete API: the stand-in's contract, operations,
//! types and events. They run here only; the tests inside the runtime's own files hold
//! for every spec, so they are copied into, and run in, every generated crate too.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod support;

use support::hex_hmac;

use client_runtime::types::{CreateThingRequest, FindThingsRequest, ThingIdRequest, ThingState};
use client_runtime::{
    BuildError, Client, ClientBuilder, Error, FixedClock, RetryPolicy, WebhookError, WebhookEvent,
    WebhookVerifier, DEFAULT_BASE_URL,
};

const ACCOUNT: &str = "acc-1";
const API_KEY: &str = "public-key";
const API_SECRET: &str = "the-api-secret";
const NOW: i64 = 1_700_000_000_000;
const THING_ID: &str = "4a3a7e8e-0000-4000-8000-000000000001";

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    /// Header names in lowercase.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A server on 127.0.0.1 that answers the `n`th request (from 0) with `answers[n]`, a
/// status line, extra header lines and a JSON body, and records every request.
struct Server {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    async fn start(answers: Vec<(&'static str, Vec<&'static str>, String)>) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        tokio::spawn(async move {
            for (status, headers, body) in answers {
                let (mut stream, _) = listener.accept().await.unwrap();
                let request = read_request(&mut stream).await;
                log.lock().unwrap().push(request);
                let mut response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for line in headers {
                    response.push_str(line);
                    response.push_str("\r\n");
                }
                response.push_str("\r\n");
                response.push_str(&body);
                stream.write_all(response.as_bytes()).await.unwrap();
                stream.shutdown().await.unwrap();
            }
        });
        Self { addr, received }
    }

    /// A client of this server: its clock fixed at [`NOW`], its retries quick.
    fn builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(format!("http://{}", self.addr))
            .account(ACCOUNT)
            .api_key(API_KEY)
            .api_secret(SecretString::from(API_SECRET))
            .clock(FixedClock { unix_millis: NOW })
            .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
    }

    fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Received {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the client closed before a whole request");
        bytes.extend_from_slice(&buffer[..read]);
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap()
        .to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse().unwrap());
    while bytes.len() < head_end + length {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the client closed before the whole body");
        bytes.extend_from_slice(&buffer[..read]);
    }
    Received {
        path,
        headers,
        body: bytes[head_end..head_end + length].to_vec(),
    }
}

fn ok(body: String) -> (&'static str, Vec<&'static str>, String) {
    ("200 OK", Vec::new(), body)
}

fn thing(amount: &str) -> String {
    format!(
        r#"{{"id":"{THING_ID}","amount":{amount},"state":"SHINY","createdDate":"2023-11-14T22:13:20"}}"#
    )
}

#[tokio::test]
async fn a_call_sends_the_stamped_envelope_signed_and_reads_the_answer_exactly() {
    let server = Server::start(vec![ok(thing("1234.567890123456789012"))]).await;
    let id: uuid::Uuid = THING_ID.parse().unwrap();
    let thing = server
        .client()
        .get_thing(&ThingIdRequest::new(id))
        .await
        .unwrap();
    assert_eq!(
        thing.amount.map(|amount| amount.to_string()).as_deref(),
        Some("1234.567890123456789012")
    );
    assert_eq!(thing.state, Some(ThingState::from("SHINY")));
    assert_eq!(
        thing.created_date.map(|at| at.unix_timestamp()),
        Some(1_700_000_000)
    );

    let [request] = &server.received()[..] else {
        panic!("expected one request");
    };
    assert_eq!(request.path, "/api/v1/thing/get");
    let expected =
        format!(r#"{{"account":"{ACCOUNT}","timestamp":{NOW},"payload":{{"id":"{THING_ID}"}}}}"#);
    assert_eq!(String::from_utf8_lossy(&request.body), expected);
    assert_eq!(request.header("key"), Some(API_KEY));
    let signature = hex_hmac(API_SECRET, &request.body);
    assert_eq!(request.header("sign"), Some(signature.as_str()));
    assert_eq!(request.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn a_raw_call_is_signed_like_a_typed_one_and_keeps_the_body_as_sent() {
    let answer =
        r#"{"id":"4a3a7e8e-0000-4000-8000-000000000001", "amount":1234.50,"notInSpec":[1e400]}"#;
    let server = Server::start(vec![ok(answer.to_owned())]).await;
    let id: uuid::Uuid = THING_ID.parse().unwrap();
    let body = server
        .client()
        .call_raw("getThing", &ThingIdRequest::new(id))
        .await
        .unwrap();
    assert_eq!(body.get(), answer);

    let [request] = &server.received()[..] else {
        panic!("expected one request");
    };
    assert_eq!(request.path, "/api/v1/thing/get");
    let signature = hex_hmac(API_SECRET, &request.body);
    assert_eq!(request.header("sign"), Some(signature.as_str()));

    let unknown = server.client().call_raw("getNothing", &()).await;
    assert!(
        matches!(&unknown, Err(Error::UnknownOperation(id)) if id == "getNothing"),
        "{unknown:?}"
    );
    let error = unknown.unwrap_err();
    assert!(!error.request_may_have_reached_server());
    assert_eq!(error.to_string(), "the API has no operation `getNothing`");
    assert_eq!(server.received().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn an_error_body_is_an_api_error_and_other_json_an_unexpected_status() {
    let server = Server::start(vec![
        (
            "400 Bad Request",
            Vec::new(),
            r#"{"errorCode":"004","message":"no"}"#.to_owned(),
        ),
        (
            "400 Bad Request",
            Vec::new(),
            r#"{"detail":"a proxy"}"#.to_owned(),
        ),
    ])
    .await;
    let client = server.client();
    let payload = ThingIdRequest::new(THING_ID.parse::<uuid::Uuid>().unwrap());
    match client.get_thing(&payload).await {
        Err(Error::Api(refused)) => {
            assert_eq!(refused.status.as_u16(), 400);
            assert_eq!(refused.body.error_code.as_deref(), Some("004"));
        }
        other => panic!("expected the API's error, got {other:?}"),
    }
    let other = client.get_thing(&payload).await;
    assert!(
        matches!(other, Err(Error::UnexpectedStatus { ref body, .. }) if body.text().contains("proxy")),
        "{other:?}"
    );
}

#[tokio::test]
async fn a_refused_timestamp_teaches_the_server_clock_and_the_call_is_signed_again() {
    // The server's clock is an hour ahead: its `Date` is NOW + 3600 s.
    let server = Server::start(vec![
        (
            "400 Bad Request",
            vec!["Date: Tue, 14 Nov 2023 23:13:20 GMT"],
            r#"{"errorCode":"011"}"#.to_owned(),
        ),
        ok(thing("1")),
    ])
    .await;
    let client = server.client();
    // A state-changing call: a refused timestamp changed nothing, so it is tried again.
    client
        .create_thing(&CreateThingRequest::new(rust_decimal::Decimal::ONE))
        .await
        .unwrap();
    assert_eq!(client.clock_offset_millis(), Some(3_600_500));
    let received = server.received();
    assert_eq!(received[0].json()["timestamp"], NOW);
    assert_eq!(received[1].json()["timestamp"], NOW + 3_600_500);
    assert_eq!(
        received[1].header("sign"),
        Some(hex_hmac(API_SECRET, &received[1].body).as_str())
    );
}

#[tokio::test]
async fn a_read_is_retried_after_a_5xx_and_a_state_changing_call_is_not() {
    let unavailable = || {
        (
            "503 Service Unavailable",
            Vec::new(),
            r#"{"errorCode":"000"}"#.to_owned(),
        )
    };
    let server = Server::start(vec![unavailable(), ok(thing("2")), unavailable()]).await;
    let client = server.client();
    let payload = ThingIdRequest::new(THING_ID.parse::<uuid::Uuid>().unwrap());
    client.get_thing(&payload).await.unwrap();
    let refused = client
        .create_thing(&CreateThingRequest::new(rust_decimal::Decimal::TWO))
        .await;
    assert!(matches!(refused, Err(Error::Api(_))), "{refused:?}");
    let paths: Vec<String> = server.received().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/thing/get",
            "/api/v1/thing/get",
            "/api/v1/thing/create"
        ]
    );
}

#[tokio::test]
async fn the_page_walk_asks_for_each_page_and_stops_after_the_last() {
    let page = |things: &[&str], total: i32| {
        let things: Vec<String> = things.iter().map(|amount| thing(amount)).collect();
        ok(format!(
            r#"{{"result":[{}],"total":{total}}}"#,
            things.join(",")
        ))
    };
    let server = Server::start(vec![page(&["1", "2"], 2), page(&["3"], 2)]).await;
    let all = server
        .client()
        .find_things_all(&FindThingsRequest::new())
        .await
        .unwrap();
    let amounts: Vec<String> = all
        .iter()
        .filter_map(|thing| thing.amount.map(|amount| amount.to_string()))
        .collect();
    assert_eq!(amounts, ["1", "2", "3"]);
    let pages: Vec<serde_json::Value> = server
        .received()
        .iter()
        .map(|request| request.json()["payload"]["pageNumber"].clone())
        .collect();
    assert_eq!(pages, [1, 2]);
}

#[tokio::test]
async fn the_client_s_first_page_replaces_the_spec_s() {
    let page = |amount: &str, total: i32| {
        ok(format!(
            r#"{{"result":[{}],"total":{total}}}"#,
            thing(amount)
        ))
    };
    let server = Server::start(vec![page("0", 2), page("1", 2)]).await;
    let client = server.builder().first_page(0).build().unwrap();
    let all = client
        .find_things_all(&FindThingsRequest::new())
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let pages: Vec<serde_json::Value> = server
        .received()
        .iter()
        .map(|request| request.json()["payload"]["pageNumber"].clone())
        .collect();
    assert_eq!(pages, [0, 1]);
}

#[test]
fn an_enum_value_this_crate_does_not_know_is_kept_and_written_back_as_received() {
    let state: ThingState = serde_json::from_str(r#""SHINY""#).unwrap();
    assert_eq!(state.as_str(), "SHINY");
    assert_eq!(state.to_string(), "SHINY");
    assert_eq!(serde_json::to_string(&state).unwrap(), r#""SHINY""#);
    let ThingState::Unknown(value) = &state else {
        panic!("not a value of the spec's: {state:?}");
    };
    assert_eq!(value.as_str(), "SHINY");
    assert_eq!(value.to_string(), "SHINY");
}

#[test]
fn the_benchmark_hook_finds_an_operation_s_url_by_its_id() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9/base/")
        .account(ACCOUNT)
        .api_key(API_KEY)
        .api_secret(SecretString::from(API_SECRET))
        .build()
        .unwrap();
    let url = |id| client_runtime::bench::operation_url(&client, id).map(String::from);
    assert_eq!(
        url("createThing").as_deref(),
        Some("http://127.0.0.1:9/base/api/v1/thing/create")
    );
    assert_eq!(
        url("findThings").as_deref(),
        Some("http://127.0.0.1:9/base/api/v1/thing/find")
    );
    assert_eq!(url("noSuchThing"), None);
}

#[test]
fn the_builder_names_what_is_missing_and_defaults_the_base_url() {
    let complete = || {
        Client::builder()
            .account(ACCOUNT)
            .api_key(API_KEY)
            .api_secret(SecretString::from(API_SECRET))
    };
    let client = complete().build().unwrap();
    assert_eq!(client.base_url(), DEFAULT_BASE_URL);
    assert!(matches!(
        Client::builder().api_key(API_KEY).build(),
        Err(BuildError::MissingAccount)
    ));
    assert!(matches!(
        complete().base_url("ftp://example.com").build(),
        Err(BuildError::InvalidBaseUrl { .. })
    ));
    assert!(matches!(
        complete().api_key("bad\nkey").build(),
        Err(BuildError::InvalidApiKey)
    ));
    let shown = format!("{client:?}");
    assert!(!shown.contains(API_SECRET), "{shown}");
}

const PUBLIC_KEY: &str = "subscription-public-key";
const SECRET_KEY: &str = "subscription-secret-key";

fn verify(body: &str) -> Result<client_runtime::Webhook, WebhookError> {
    let signature = hex_hmac(SECRET_KEY, body.as_bytes());
    WebhookVerifier::new(PUBLIC_KEY, &SecretString::from(SECRET_KEY)).verify_parts(
        PUBLIC_KEY,
        &signature,
        body.as_bytes(),
    )
}

#[test]
fn a_listed_event_is_typed_even_without_data() {
    let webhook = verify(r#"{"eventType":"THING_CREATED"}"#).unwrap();
    assert!(
        matches!(webhook.event, WebhookEvent::ThingCreated(_)),
        "{webhook:?}"
    );
    assert_eq!(webhook.event.event_type(), "THING_CREATED");
}

#[test]
fn a_listed_event_reads_its_data_exactly_and_leaves_the_envelope_without_it() {
    let webhook =
        verify(r#"{"eventType":"THING_CREATED","data":{"amount":0.10000000000000000001}}"#)
            .unwrap();
    let WebhookEvent::ThingCreated(data) = webhook.event else {
        panic!("expected THING_CREATED");
    };
    assert_eq!(
        data.amount.map(|amount| amount.to_string()).as_deref(),
        Some("0.10000000000000000001")
    );
    assert_eq!(webhook.envelope.data, None);
}

#[test]
fn an_unlisted_event_is_kept_with_its_exact_data() {
    let webhook =
        verify(r#"{"eventType":"A_FUTURE_EVENT","data":{"amount":0.10000000000000000001}}"#)
            .unwrap();
    let WebhookEvent::Other { event_type, data } = webhook.event else {
        panic!("expected an unlisted event");
    };
    assert_eq!(event_type, "A_FUTURE_EVENT");
    assert_eq!(data.unwrap().get(), r#"{"amount":0.10000000000000000001}"#);
}

#[test]
fn huge_numbers_in_the_data_do_not_stop_the_envelope_being_read() {
    let webhook = verify(r#"{"eventType":"A_FUTURE_EVENT","data":{"amount":1e400}}"#).unwrap();
    assert_eq!(webhook.event.event_type(), "A_FUTURE_EVENT");
}

#[test]
fn a_verified_event_whose_data_does_not_fit_is_kept_untyped_with_the_reason() {
    let body = r#"{"eventType":"THING_CREATED","data":{"amount":"lots","thingId":7}}"#;
    let webhook = verify(body).unwrap();
    assert_eq!(webhook.event.event_type(), "THING_CREATED");
    let WebhookEvent::Untyped {
        event_type,
        data,
        reason,
    } = webhook.event
    else {
        panic!("expected an untyped event");
    };
    assert_eq!(event_type, "THING_CREATED");
    assert_eq!(data.unwrap().get(), r#"{"amount":"lots","thingId":7}"#);
    assert!(reason.contains("lots"), "{reason}");
}

#[test]
fn ids_and_codes_are_read_whether_sent_as_strings_or_numbers() {
    let webhook =
        verify(r#"{"eventType":"THING_CREATED","data":{"currency":840,"amount":1}}"#).unwrap();
    let WebhookEvent::ThingCreated(data) = webhook.event else {
        panic!("expected THING_CREATED");
    };
    assert_eq!(data.currency.as_deref(), Some("840"));
    let webhook = verify(r#"{"eventType":"THING_CREATED","data":{"currency":"USD"}}"#).unwrap();
    let WebhookEvent::ThingCreated(data) = webhook.event else {
        panic!("expected THING_CREATED");
    };
    assert_eq!(data.currency.as_deref(), Some("USD"));
}

#[test]
fn webhook_errors_name_the_headers_as_the_spec_writes_them() {
    assert_eq!(
        WebhookError::WrongKey.to_string(),
        "the webhook's `Key` header is not a public key this verifier accepts"
    );
    assert_eq!(
        WebhookError::MalformedSignature.to_string(),
        "the webhook's `Sign` header is not 128 hex digits"
    );
}
