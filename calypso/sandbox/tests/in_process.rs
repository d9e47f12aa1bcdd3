//! What a user's test starts with: `Sandbox::default().start_local()` and `Running::client()`.
//! The client must follow the sandbox's settings (key pair, clock, page numbering), or its
//! first call would be refused or a page walk would skip a page.

mod common;

use std::sync::Arc;

use calypso_customer_purse::types::{
    CustomerIdRequest, ErrorCode, ExternalIdRequest, FindTransactionsRequest,
};
use calypso_customer_purse::{BuildError, FixedClock, RetryPolicy, SecretString};
use calypso_customer_purse_sandbox::{
    Credentials, DEMO_ACCOUNT, Outcome, Paging, Sandbox, Settings,
};
use common::*;

#[tokio::test]
async fn start_local_serves_the_demo_account_on_its_own_loopback_port() {
    let running = Sandbox::default().start_local().await.unwrap();
    let elsewhere = Sandbox::default().start_local().await.unwrap();
    assert!(
        running.address().ip().is_loopback(),
        "{}",
        running.address()
    );
    assert_ne!(running.address().port(), 0);
    assert_ne!(running.address(), elsewhere.address());

    let client = running.client().unwrap();
    assert_eq!(client.account(), DEMO_ACCOUNT);
    assert_eq!(client.base_url(), running.base_url());
    let id = new_customer(&client, "in-process").await;
    let read = client
        .get_customer(&CustomerIdRequest::new(id))
        .await
        .unwrap();
    assert_eq!(read.id, Some(id));
    assert_eq!(read.external_id.as_deref(), Some("in-process"));

    // Each sandbox keeps its own state.
    let other = elsewhere.client().unwrap();
    assert_refused(
        other.get_customer(&CustomerIdRequest::new(id)).await,
        400,
        ErrorCode::NotFound,
    );

    let no_retries = running
        .client_builder()
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    running.stop().await.unwrap();
    let error = no_retries
        .get_customer(&CustomerIdRequest::new(id))
        .await
        .expect_err("a stopped sandbox does not answer");
    assert!(error.api_error().is_none(), "{error:?}");
    assert!(!error.request_may_have_reached_server(), "{error:?}");
}

#[tokio::test]
async fn the_client_stamps_requests_with_the_sandbox_clock() {
    // Hours away from the system clock, far outside the ±3-minute window.
    let settings = Settings {
        clock: Arc::new(FixedClock { unix_millis: T0 }),
        ..Settings::default()
    };
    let running = Sandbox::new(settings).unwrap().start_local().await.unwrap();

    let client = running
        .client_builder()
        .learn_clock_offset(false)
        .build()
        .unwrap();
    new_customer(&client, "on-the-sandbox-clock").await;

    let on_system_clock = builder(&running).learn_clock_offset(false).build().unwrap();
    assert_refused(
        on_system_clock
            .get_customer_by_external_id(&ExternalIdRequest::new("on-the-sandbox-clock"))
            .await,
        400,
        ErrorCode::InvalidTimestamp,
    );
}

#[tokio::test]
async fn a_page_walk_starts_at_the_sandbox_first_page() {
    let settings = Settings {
        paging: Paging {
            first_page: 0,
            default_size: 2,
            max_size: 2,
        },
        ..Settings::default()
    };
    let running = Sandbox::new(settings).unwrap().start_local().await.unwrap();
    let client = running.client().unwrap();
    let customer = new_customer(&client, "pages").await;
    let address = address_of(&client, customer, "BTC").await;
    for n in 1..=5 {
        deposit(
            &running,
            &address,
            "BTC",
            dec(&format!("0.{n}")),
            Outcome::Confirmed,
        );
    }

    let request = FindTransactionsRequest::new();
    assert_eq!(
        client.find_transactions_all(&request).await.unwrap().len(),
        5
    );
    // A client counting from the spec's page 1 misses page 0's two transactions.
    let from_page_1 = builder(&running).build().unwrap();
    assert_eq!(
        from_page_1
            .find_transactions_all(&request)
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn the_client_uses_the_first_key_pair_and_needs_one() {
    let settings = Settings {
        credentials: vec![
            Credentials::new(
                OTHER_ACCOUNT,
                OTHER_API_KEY,
                SecretString::from(OTHER_API_SECRET),
            ),
            Credentials::demo(),
        ],
        ..Settings::default()
    };
    let running = Sandbox::new(settings).unwrap().start_local().await.unwrap();
    let client = running.client().unwrap();
    assert_eq!(client.account(), OTHER_ACCOUNT);
    new_customer(&client, "of-the-other-account").await;

    let no_keys = Settings {
        credentials: Vec::new(),
        ..Settings::default()
    };
    let running = Sandbox::new(no_keys).unwrap().start_local().await.unwrap();
    assert!(
        matches!(running.client(), Err(BuildError::MissingAccount)),
        "{:?}",
        running.client().map(|_| ())
    );
}

/// The user's test in the README is `readme_example.rs`, which runs with these tests, so the
/// README cannot show code that no longer compiles or passes.
#[test]
fn the_readme_shows_the_example_tests_as_they_are() {
    let readme = include_str!("../README.md");
    let example = include_str!("readme_example.rs");
    assert!(
        readme.contains(&format!("```rust\n{example}```\n")),
        "calypso/sandbox/README.md must show calypso/sandbox/tests/readme_example.rs verbatim"
    );
}
