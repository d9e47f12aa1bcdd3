//! The client generated from the unrelated bookshop spec (other headers, other envelope
//! names, other types) works end to end: the generator holds nothing specific to one API.

mod support;

use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use bookshop_client::types::{Genre, ListBooksRequest, OrderBookRequest, OrderStatus};
use bookshop_client::{Client, Error, FixedClock, SecretString};
use serde_json::Value;
use tokio::net::TcpListener;

const KEY: &str = "shop-key";
const SECRET: &str = "shop-secret";
const MERCHANT: &str = "merchant-7";
const NOW_MS: i64 = 1_700_000_000_999;
/// The bookshop stamps whole seconds (`timestampUnit: seconds`).
const NOW_SECONDS: i64 = 1_700_000_000;

/// Checks the bookshop's signing rules, then answers by path.
async fn bookshop(uri: Uri, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
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

async fn start() -> Client {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .expect("bind");
    let address = listener.local_addr().expect("bound address");
    tokio::spawn(async move { axum::serve(listener, Router::new().fallback(bookshop)).await });
    Client::builder()
        .base_url(format!("http://{address}"))
        .account(MERCHANT)
        .api_key(KEY)
        .api_secret(SecretString::from(SECRET))
        .clock(FixedClock {
            unix_millis: NOW_MS,
        })
        .build()
        .expect("a complete builder")
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
    let client = start().await;
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
}
