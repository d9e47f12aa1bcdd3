//! The client generated from the unrelated bookshop spec (other headers, other envelope
//! names, other types) works end to end: the generator holds nothing specific to one API.
//! The bookshop also has its own shapes of the spec extensions: a paged search counted from
//! page 0 with no page count, reads marked `x-idempotent` beside an order that is not, and
//! webhooks whose event type (`kind`) is optional and whose data is `detail`.

mod support;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use bookshop_client::types::{
    Genre, ListBooksRequest, OrderBookRequest, OrderStatus, SearchBooksRequest,
};
use bookshop_client::{
    Client, Delivery, Error, FixedClock, InMemoryDeduplicator, RetryPolicy, SecretString, Webhook,
    WebhookError, WebhookEvent, WebhookReceiver, WebhookVerifier,
};
use serde_json::Value;
use tokio::net::TcpListener;

const KEY: &str = "shop-key";
const SECRET: &str = "shop-secret";
const MERCHANT: &str = "merchant-7";
const NOW_MS: i64 = 1_700_000_000_999;
/// The bookshop stamps whole seconds (`timestampUnit: seconds`).
const NOW_SECONDS: i64 = 1_700_000_000;
/// How many books the search finds.
const CATALOGUE: usize = 23;
/// The search's page size when the payload gives none.
const DEFAULT_PER_PAGE: usize = 20;

/// What the server saw: the search pages asked for, and the requests per path and key.
#[derive(Debug, Default)]
struct Seen {
    pages: Mutex<Vec<i64>>,
    per_page: Mutex<Vec<Value>>,
    requests: Mutex<HashMap<String, u32>>,
}

impl Seen {
    /// Counts one more request under `key`, and returns the count.
    fn count(&self, key: &str) -> u32 {
        let mut requests = self.requests.lock().unwrap();
        let count = requests.entry(key.to_owned()).or_default();
        *count += 1;
        *count
    }

    fn requests(&self, key: &str) -> u32 {
        self.requests.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    fn pages(&self) -> Vec<i64> {
        self.pages.lock().unwrap().clone()
    }
}

fn busy() -> (StatusCode, String) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"code":503,"reason":"busy"}"#.into(),
    )
}

/// Book number `n` of the search's catalogue, as JSON.
fn catalogue_book(n: usize) -> String {
    format!(r#"{{"isbn":"978-{n:02}","title":"Book {n}","price":{n}.05}}"#)
}

/// Checks the bookshop's signing rules, then answers by path.
async fn bookshop(
    State(seen): State<Arc<Seen>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    if header("x-api-key") != KEY || header("x-signature") != support::sign(SECRET, &body) {
        return (
            StatusCode::BAD_REQUEST,
            r#"{"code":1,"reason":"bad signature"}"#.into(),
        );
    }
    let envelope: Value = serde_json::from_slice(&body).unwrap_or_default();
    if envelope["merchant"] != MERCHANT
        || envelope["sentAt"] != NOW_SECONDS
        || !envelope["data"].is_object()
    {
        return (
            StatusCode::BAD_REQUEST,
            format!(r#"{{"code":2,"reason":"bad envelope {envelope}"}}"#),
        );
    }
    let data = &envelope["data"];
    match uri.path() {
        "/v2/books/list" if data["genre"] == "non-fiction" => (
            StatusCode::OK,
            r#"[{"isbn":"978-0","title":"Money","price":12.50,"genre":"non-fiction","type":"paperback"},
                {"isbn":"978-1","title":"Verse","price":7,"genre":"spoken-word","tags":["new"]}]"#
                .into(),
        ),
        // Busy twice, then answers: a passing failure.
        "/v2/books/list" if data["genre"] == "poetry" => {
            if seen.count("list poetry") <= 2 {
                busy()
            } else {
                (
                    StatusCode::OK,
                    r#"[{"isbn":"978-2","title":"Odes","price":9.90,"genre":"poetry"}]"#.into(),
                )
            }
        }
        "/v2/books/list" => {
            seen.count("list");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"code":503,"reason":"closed"}"#.into(),
            )
        }
        "/v2/books/search" => {
            let Some(page) = data["page"].as_i64() else {
                return (
                    StatusCode::BAD_REQUEST,
                    r#"{"code":3,"reason":"page is required"}"#.into(),
                );
            };
            seen.pages.lock().unwrap().push(page);
            seen.per_page.lock().unwrap().push(data["perPage"].clone());
            let per_page = data["perPage"]
                .as_u64()
                .map_or(DEFAULT_PER_PAGE, |n| n as usize);
            let from = usize::try_from(page).unwrap_or(usize::MAX).saturating_mul(per_page);
            let books: Vec<String> = (from..CATALOGUE.min(from.saturating_add(per_page)))
                .map(catalogue_book)
                .collect();
            (StatusCode::OK, format!(r#"{{"books":[{}]}}"#, books.join(",")))
        }
        "/v2/orders/create" if data["isbn"] == "978-busy" => {
            seen.count("order busy");
            busy()
        }
        "/v2/orders/create" => (
            StatusCode::OK,
            format!(
                r#"{{"id":41,"isbn":{},"quantity":{},"total":25.00,"placedAt":"2023-11-14T22:13:20Z","status":"PLACED"}}"#,
                data["isbn"], data["quantity"]
            ),
        ),
        _ => (StatusCode::SERVICE_UNAVAILABLE, r#"{"code":503,"reason":"closed"}"#.into()),
    }
}

/// A server, and a client of it that retries quickly (the default 3 attempts, 1 ms apart).
async fn start_recording() -> (Client, Arc<Seen>) {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("bind");
    let address = listener.local_addr().expect("bound address");
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .fallback(bookshop)
        .with_state(Arc::clone(&seen));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::builder()
        .base_url(format!("http://{address}"))
        .account(MERCHANT)
        .api_key(KEY)
        .api_secret(SecretString::from(SECRET))
        .clock(FixedClock {
            unix_millis: NOW_MS,
        })
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
        .build()
        .expect("a complete builder");
    (client, seen)
}

async fn start() -> Client {
    start_recording().await.0
}

#[tokio::test]
async fn lists_books_with_keyword_fields_exact_prices_and_open_enums() {
    let client = start().await;
    let books = client
        .list_books(&ListBooksRequest::new().with_genre(Genre::NonFiction))
        .await
        .expect("the server accepts the signed request");
    assert_eq!(books.len(), 2);
    assert_eq!(books[0].price.to_string(), "12.50");
    assert_eq!(books[0].type_.as_deref(), Some("paperback"));
    assert_eq!(books[0].genre, Some(Genre::NonFiction));
    let unknown = books[1].genre.as_ref().expect("a genre");
    assert_eq!(unknown.as_str(), "spoken-word");
    assert!(matches!(unknown, Genre::Unknown(_)));
    assert_eq!(books[1].tags.as_deref(), Some(&["new".to_owned()][..]));
}

#[tokio::test]
async fn orders_a_book() {
    let client = start().await;
    let order = client
        .order_book(&OrderBookRequest::new("978-0", 2))
        .await
        .expect("the server accepts the signed request");
    assert_eq!(
        (order.id, order.isbn.as_str(), order.quantity),
        (41, "978-0", 2)
    );
    assert_eq!(order.total.to_string(), "25.00");
    assert_eq!(order.placed_at.unix_timestamp(), NOW_SECONDS);
    assert_eq!(order.status, OrderStatus::Placed);
}

#[tokio::test]
async fn its_own_error_schema_comes_back_typed() {
    let (client, seen) = start_recording().await;
    let error = client
        .list_books(&ListBooksRequest::new())
        .await
        .expect_err("the server is closed for this query");
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE.as_u16());
    assert_eq!(api.body.code, Some(503));
    assert_eq!(api.body.reason.as_deref(), Some("closed"));
    // `listBooks` is safe to repeat: every attempt the policy allows was made.
    assert_eq!(seen.requests("list"), 3);
}

// Paging from page 0, with no page count: the walk ends at the first empty page.

#[tokio::test]
async fn search_books_all_walks_from_page_0_to_the_first_empty_page() {
    let (client, seen) = start_recording().await;
    let books = client
        .search_books_all(&SearchBooksRequest::new(0).with_per_page(5))
        .await
        .expect("every page is answered");
    let isbns: Vec<&str> = books.iter().map(|book| book.isbn.as_str()).collect();
    let expected: Vec<String> = (0..CATALOGUE).map(|n| format!("978-{n:02}")).collect();
    assert_eq!(isbns, expected);
    assert_eq!(books[22].title, "Book 22");
    assert_eq!(books[22].price.to_string(), "22.05");
    // Pages 0..=4 hold 5, 5, 5, 5 and 3 books; page 5 is empty and ends the walk.
    assert_eq!(seen.pages(), vec![0, 1, 2, 3, 4, 5]);
    // The rest of the payload goes with every page.
    assert!(
        seen.per_page.lock().unwrap().iter().all(|n| *n == 5),
        "{seen:?}"
    );
}

#[tokio::test]
async fn the_walk_starts_at_the_payloads_page() {
    let (client, seen) = start_recording().await;
    // `_all` collects `search_books_stream`: the stream from page 2 holds books 10..23.
    let books = client
        .search_books_all(&SearchBooksRequest::new(2).with_per_page(5))
        .await
        .expect("every page is answered");
    assert_eq!(books.len(), 13);
    assert_eq!(books[0].isbn, "978-10");
    assert_eq!(books[12].isbn, "978-22");
    assert_eq!(seen.pages(), vec![2, 3, 4, 5]);
}

#[tokio::test]
async fn the_stream_asks_for_the_next_page_only_when_its_items_are_wanted() {
    use futures_util::StreamExt;

    let (client, seen) = start_recording().await;
    let request = SearchBooksRequest::new(0).with_per_page(5);
    let mut stream = std::pin::pin!(client.search_books_stream(&request));
    for _ in 0..3 {
        stream.next().await.expect("an item").expect("a book");
    }
    assert_eq!(seen.pages(), vec![0]);
    for _ in 0..2 {
        stream.next().await.expect("an item").expect("a book");
    }
    assert_eq!(
        seen.pages(),
        vec![0],
        "page 0's five books need no second page"
    );
    stream.next().await.expect("an item").expect("a book");
    assert_eq!(seen.pages(), vec![0, 1]);
}

#[tokio::test]
async fn a_walk_past_the_last_page_asks_once_and_finds_nothing() {
    let (client, seen) = start_recording().await;
    let books = client
        .search_books_all(&SearchBooksRequest::new(7).with_per_page(5))
        .await
        .expect("the page is answered");
    assert!(books.is_empty());
    assert_eq!(seen.pages(), vec![7]);
}

#[tokio::test]
async fn with_no_page_size_the_servers_default_pages_the_walk() {
    let (client, seen) = start_recording().await;
    let books = client
        .search_books_all(&SearchBooksRequest::new(0))
        .await
        .expect("every page is answered");
    assert_eq!(books.len(), CATALOGUE);
    assert_eq!(seen.pages(), vec![0, 1, 2]);
    // Left out of the JSON, not sent as null.
    assert!(
        seen.per_page.lock().unwrap().iter().all(Value::is_null),
        "{seen:?}"
    );
}

// Retries: reads marked `x-idempotent` are repeated after a 503; an order is not.

#[tokio::test]
async fn an_idempotent_read_is_retried_through_passing_failures() {
    let policy = RetryPolicy::new(3, Duration::from_millis(1));
    assert_eq!(policy.max_attempts(), RetryPolicy::DEFAULT.max_attempts());
    let (client, seen) = start_recording().await;
    let books = client
        .list_books(&ListBooksRequest::new().with_genre(Genre::Poetry))
        .await
        .expect("the third attempt is answered");
    assert_eq!(books.len(), 1);
    assert_eq!(books[0].title, "Odes");
    assert_eq!(books[0].price.to_string(), "9.90");
    assert_eq!(seen.requests("list poetry"), 3, "two 503s, then 200");
}

#[tokio::test]
async fn an_order_is_not_retried_after_it_reached_the_server() {
    let (client, seen) = start_recording().await;
    let error = client
        .order_book(&OrderBookRequest::new("978-busy", 1))
        .await
        .expect_err("the server is busy");
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.body.reason.as_deref(), Some("busy"));
    assert_eq!(
        seen.requests("order busy"),
        1,
        "a state-changing call is not repeated"
    );
}

// Webhooks, signed here independently of the client's signer.

const HOOK_KEY: &str = "hook-key";
const HOOK_SECRET: &str = "hook-secret";

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(HOOK_KEY, &SecretString::from(HOOK_SECRET))
}

/// The headers the bookshop sends with `body`, as a server receives them (lowercase).
fn hook_headers(key: &str, body: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-api-key", HeaderValue::from_str(key).unwrap());
    let signature = support::sign(HOOK_SECRET, body.as_bytes());
    headers.insert("x-signature", HeaderValue::from_str(&signature).unwrap());
    headers
}

#[test]
fn a_shipped_order_webhook_comes_back_typed() {
    let body = r#"{"notificationId":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","kind":"ORDER_SHIPPED","sentAt":1700000000,"detail":{"orderId":41,"shippedAt":"2023-11-14T22:13:20Z","carrier":"post"}}"#;
    let webhook = verifier()
        .verify(&hook_headers(HOOK_KEY, body), body.as_bytes())
        .expect("a signed webhook");
    assert_eq!(webhook.event.event_type(), "ORDER_SHIPPED");
    let WebhookEvent::OrderShipped(shipped) = &webhook.event else {
        panic!("expected ORDER_SHIPPED, got {webhook:?}");
    };
    assert_eq!(shipped.order_id, 41);
    assert_eq!(shipped.shipped_at.unix_timestamp(), NOW_SECONDS);
    assert_eq!(shipped.carrier.as_deref(), Some("post"));
    assert_eq!(webhook.envelope.kind.as_deref(), Some("ORDER_SHIPPED"));
    assert_eq!(webhook.envelope.sent_at, Some(NOW_SECONDS));
    assert_eq!(
        webhook.envelope.notification_id.map(|id| id.to_string()),
        Some("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b".to_owned())
    );
    // The data is in the event, read from the raw text, not kept twice.
    assert!(webhook.envelope.detail.is_none());
}

#[test]
fn a_cancelled_order_webhook_keeps_its_refund_exact() {
    // 21 significant digits: more than an f64 holds, within a Decimal's 28.
    let body = r#"{"kind":"ORDER_CANCELLED","detail":{"orderId":41,"refund":0.10000000000000000001,"reason":"changed mind"}}"#;
    let webhook = verifier()
        .verify(&hook_headers(HOOK_KEY, body), body.as_bytes())
        .expect("a signed webhook");
    let WebhookEvent::OrderCancelled(cancelled) = &webhook.event else {
        panic!("expected ORDER_CANCELLED, got {webhook:?}");
    };
    assert_eq!(cancelled.order_id, Some(41));
    assert_eq!(
        cancelled.refund.map(|refund| refund.to_string()).as_deref(),
        Some("0.10000000000000000001")
    );
    assert_eq!(cancelled.reason.as_deref(), Some("changed mind"));
    assert_eq!(webhook.envelope.sent_at, None);
}

#[test]
fn an_unknown_kind_is_kept_with_its_data_byte_for_byte() {
    let detail = r#"{ "orderId" : 41,"refund":0.10000000000000000001 ,"note":"caf\u00e9" }"#;
    let body = format!(r#"{{"kind":"ORDER_RETURNED","detail":{detail}}}"#);
    let webhook = verifier()
        .verify(&hook_headers(HOOK_KEY, &body), body.as_bytes())
        .expect("an unknown kind is not refused");
    let WebhookEvent::Other { event_type, data } = &webhook.event else {
        panic!("expected an unlisted event, got {webhook:?}");
    };
    assert_eq!(event_type, "ORDER_RETURNED");
    assert_eq!(data.as_deref().map(|raw| raw.get()), Some(detail));
    assert_eq!(webhook.event.event_type(), "ORDER_RETURNED");
}

#[test]
fn a_webhook_without_a_kind_is_refused() {
    for body in [
        r#"{"sentAt":1700000000,"detail":{"orderId":41}}"#,
        r#"{"kind":null,"detail":{"orderId":41}}"#,
    ] {
        let result = verifier().verify(&hook_headers(HOOK_KEY, body), body.as_bytes());
        assert!(
            matches!(result, Err(WebhookError::MissingEventType)),
            "{body}: {result:?}"
        );
    }
}

/// A signed webhook is never lost: data that does not fit its kind's schema is kept, with
/// the reason, for the application to decide.
#[test]
fn data_that_does_not_fit_its_kind_is_kept_untyped() {
    let body = r#"{"kind":"ORDER_SHIPPED","detail":{"orderId":41}}"#;
    let webhook = verifier()
        .verify(&hook_headers(HOOK_KEY, body), body.as_bytes())
        .expect("a signed webhook is returned");
    let WebhookEvent::Untyped {
        event_type,
        data,
        reason,
    } = webhook.event
    else {
        panic!("expected an untyped event, got {:?}", webhook.event);
    };
    assert_eq!(event_type, "ORDER_SHIPPED");
    assert_eq!(
        data.map(|data| data.get().to_owned()).as_deref(),
        Some(r#"{"orderId":41}"#)
    );
    assert!(!reason.is_empty());
}

#[test]
fn a_changed_body_another_key_or_a_missing_header_is_refused() {
    let body = r#"{"kind":"ORDER_CANCELLED","detail":{"refund":1.00}}"#;
    let headers = hook_headers(HOOK_KEY, body);
    assert!(verifier().verify(&headers, body.as_bytes()).is_ok());

    let changed = body.replace("1.00", "9.00");
    let result = verifier().verify(&headers, changed.as_bytes());
    assert!(
        matches!(result, Err(WebhookError::BadSignature)),
        "{result:?}"
    );

    let result = verifier().verify(&hook_headers("other-key", body), body.as_bytes());
    assert!(matches!(result, Err(WebhookError::WrongKey)), "{result:?}");

    let mut unsigned = headers.clone();
    unsigned.remove("x-signature");
    let result = verifier().verify(&unsigned, body.as_bytes());
    assert!(
        matches!(result, Err(WebhookError::MissingHeader(name)) if name.eq_ignore_ascii_case("x-signature")),
        "{result:?}"
    );

    let mut keyless = headers;
    keyless.remove("x-api-key");
    let result = verifier().verify(&keyless, body.as_bytes());
    assert!(
        matches!(result, Err(WebhookError::MissingHeader(name)) if name.eq_ignore_ascii_case("x-api-key")),
        "{result:?}"
    );
}

/// The bookshop's webhooks through the `axum` extractor, served on loopback: a delivery's
/// identity is its `notificationId` (the bookshop spec's `identityProperties`), so the same
/// notification again is a repeat, and a refusal is answered before the handler.
#[tokio::test]
async fn the_axum_extractor_receives_the_bookshop_s_notifications_once() {
    let handled: Arc<Mutex<Vec<(bool, String)>>> = Arc::default();
    let receiver = WebhookReceiver::new(verifier())
        .deduplicate_with(InMemoryDeduplicator::new(100, Duration::from_secs(60)))
        .with_body_limit(1024);
    let record = Arc::clone(&handled);
    let app = Router::new()
        .route(
            "/hooks",
            axum::routing::post(move |delivery: Delivery<Webhook>| async move {
                let first = delivery.is_first();
                let kind = delivery.into_inner().event.event_type().to_owned();
                record.lock().unwrap().push((first, kind));
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(receiver);
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let http = bookshop_client::reqwest::Client::new();
    let post = |body: String, headers: HeaderMap| {
        let request = http.post(&url).headers(headers).body(body);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let shipped = r#"{"notificationId":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","kind":"ORDER_SHIPPED","detail":{"orderId":41,"shippedAt":"2023-11-14T22:13:20Z"}}"#;
    for _ in 0..2 {
        let answer = post(shipped.to_owned(), hook_headers(HOOK_KEY, shipped)).await;
        assert_eq!(answer.0, 204, "{answer:?}");
    }
    let other = shipped.replace("6f1c", "7f1c");
    assert_eq!(
        post(other.clone(), hook_headers(HOOK_KEY, &other)).await.0,
        204
    );

    let changed = shipped.replace("41", "42");
    let answer = post(changed, hook_headers(HOOK_KEY, shipped)).await;
    assert_eq!(answer, (401, "webhook signature does not match".to_owned()));
    let answer = post(shipped.to_owned(), HeaderMap::new()).await;
    assert_eq!(
        answer,
        (401, "webhook signature headers missing".to_owned())
    );
    let long = format!("{shipped:<2000}");
    let answer = post(long.clone(), hook_headers(HOOK_KEY, &long)).await;
    assert_eq!(answer, (413, "webhook body too large".to_owned()));
    let answer = post("[]".to_owned(), hook_headers(HOOK_KEY, "[]")).await;
    assert_eq!(answer, (400, "webhook body is not a webhook".to_owned()));

    let shipped = "ORDER_SHIPPED".to_owned();
    assert_eq!(
        *handled.lock().unwrap(),
        [
            (true, shipped.clone()),
            (false, shipped.clone()),
            (true, shipped)
        ]
    );
}
