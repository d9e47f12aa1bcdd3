//! Whether the Customer Purse API counts pages from 0 or from 1 is not documented: the spec
//! infers 1 (`x-pagination.firstPageInferred`). Against a server that counts from 0, a walk
//! from 1 would skip the first page without a word; `ClientBuilder::first_page(0)` walks it
//! completely.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use calypso_customer_purse::Client;
use calypso_customer_purse::types::FindTransactionsRequest;
use serde_json::Value;
use tokio::net::TcpListener;

/// The pages of a server that numbers them from 0: page `n` holds one transaction whose
/// currency says its page.
const PAGES: i64 = 3;

/// Checks the signature, then answers page `pageNumber` of [`PAGES`], counted from 0.
async fn zero_based(
    State(asked): State<Arc<Mutex<Vec<i64>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let signature = headers.get("sign").and_then(|v| v.to_str().ok());
    if signature != Some(support::sign(support::API_SECRET, &body).as_str()) {
        return (StatusCode::BAD_REQUEST, r#"{"errorCode":"003"}"#.into());
    }
    let envelope: Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(page) = envelope["payload"]["pageNumber"].as_i64() else {
        return (StatusCode::BAD_REQUEST, r#"{"errorCode":"001"}"#.into());
    };
    asked.lock().unwrap().push(page);
    let items = if (0..PAGES).contains(&page) {
        let mut transaction: Value = serde_json::from_str(support::TRANSACTION_JSON).unwrap();
        transaction["currency"] = Value::String(format!("PAGE_{page}"));
        vec![transaction]
    } else {
        Vec::new()
    };
    let page_json = serde_json::json!({
        "result": items, "page": page, "size": 1, "total": PAGES, "totalElements": PAGES
    });
    (StatusCode::OK, page_json.to_string())
}

/// A zero-based server, and the pages it was asked for.
async fn server() -> (SocketAddr, Arc<Mutex<Vec<i64>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .fallback(zero_based)
        .with_state(Arc::clone(&asked));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, asked)
}

async fn walk(client: &Client) -> Vec<String> {
    client
        .find_transactions_all(&FindTransactionsRequest::new())
        .await
        .expect("the walk succeeds")
        .into_iter()
        .map(|transaction| transaction.currency)
        .collect()
}

#[tokio::test]
async fn with_first_page_0_a_zero_based_server_is_walked_completely() {
    let (addr, asked) = server().await;
    let client = support::credentials(&format!("http://{addr}"))
        .first_page(0)
        .build()
        .unwrap();
    assert_eq!(walk(&client).await, ["PAGE_0", "PAGE_1", "PAGE_2"]);
    assert_eq!(*asked.lock().unwrap(), [0, 1, 2]);
}

/// Why the setting exists: from the spec's inferred base, the walk asks for pages 1 to 3 (the
/// third one empty) and never sees page 0, without an error.
#[tokio::test]
async fn the_spec_s_first_page_1_misses_a_zero_based_server_s_first_page() {
    let (addr, asked) = server().await;
    let client = support::credentials(&format!("http://{addr}"))
        .build()
        .unwrap();
    assert_eq!(walk(&client).await, ["PAGE_1", "PAGE_2"]);
    assert_eq!(*asked.lock().unwrap(), [1, 2, 3]);
}

/// A walk that starts at a page of the payload's still counts pages from the first one.
#[tokio::test]
async fn a_walk_from_a_later_page_ends_at_the_last_one() {
    let (addr, asked) = server().await;
    let client = support::credentials(&format!("http://{addr}"))
        .first_page(0)
        .build()
        .unwrap();
    let rest = client
        .find_transactions_all(&FindTransactionsRequest::new().with_page_number(1))
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(*asked.lock().unwrap(), [1, 2]);
}
