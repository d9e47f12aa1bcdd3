//! What the generated client adds to plain calls, tested against the sandbox: retries (and
//! when it must not retry), `Retry-After`, the clock offset learned from a refused
//! timestamp, timeouts, walking pages, and the tracing it emits.
//!
//! Attempts are counted two ways: by the sandbox's faults (a fault is used up by each
//! request it fails) and by the client's tracing span, which records the attempt number.

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use calypso_customer_purse::Clock as _;
use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, ErrorCode, ExternalIdRequest,
    FindTransactionsRequest, SortDirection, Transaction,
};
use calypso_customer_purse::{
    Client, Error, FixedClock, RequestOptions, RetryPolicy, SystemClock, Uuid,
};
use calypso_customer_purse_sandbox::{Fault, Outcome, Running, Settings};
use common::*;
use futures_util::StreamExt;
use tokio::net::TcpListener;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Everything the client's tracing wrote while a test ran (on the test's thread).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Starts capturing every event and span close, down to TRACE.
    fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Captured::default();
        let guard = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .finish()
            .set_default();
        (captured, guard)
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// The closing lines of the `call` spans of `operation`, in order.
    fn calls(&self, operation: &str) -> Vec<String> {
        let needle = format!("operation=\"{operation}\"");
        self.text()
            .lines()
            .filter(|line| line.contains("call{") && line.contains(&needle))
            .filter(|line| line.contains(": close "))
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The span field `name` of a closing span line (`attempt=3` → "3"). The fmt subscriber
/// appends each value recorded, so the last one is the field's final value.
fn field<'l>(line: &'l str, name: &str) -> &'l str {
    let start = line
        .rfind(&format!("{name}="))
        .unwrap_or_else(|| panic!("no {name} in {line}"))
        + name.len()
        + 1;
    let rest = &line[start..];
    let end = rest.find([' ', '}']).unwrap_or(rest.len());
    &rest[..end]
}

/// A policy that retries quickly, so tests do not wait.
fn quick(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::new(max_attempts, Duration::from_millis(1))
}

/// A client of `running` for the demo account, retrying by `policy`.
fn client_with(running: &Running, policy: RetryPolicy) -> Client {
    builder(running).retry_policy(policy).build().unwrap()
}

/// Whether `client` can read the customer `id` (in however many attempts it takes).
async fn reads(client: &Client, id: Uuid) -> bool {
    client
        .get_customer(&CustomerIdRequest::new(id))
        .await
        .is_ok()
}

/// Makes the next `count` requests to `operation` fail with `status`.
fn inject(running: &Running, operation: &str, count: u32, status: u16) {
    running
        .sandbox()
        .inject_fault(fault(operation, count, status))
        .unwrap();
}

fn fault(operation: &str, count: u32, status: u16) -> Fault {
    Fault {
        count,
        status,
        operation: Some(operation.to_owned()),
        ..Fault::default()
    }
}

// -------------------------------------------------------------------------------------------
// Retries

#[tokio::test]
async fn a_read_is_retried_until_the_server_stops_failing() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = client_with(&running, quick(3));
    let id = new_customer(&client, "retried").await;

    for status in [500, 502, 503, 429] {
        inject(&running, "customer/get", 2, status);
        let customer = client.get_customer(&CustomerIdRequest::new(id)).await;
        assert_eq!(customer.unwrap().id, Some(id), "after two {status}s");
    }
    let calls = traces.calls("getCustomer");
    assert_eq!(calls.len(), 4, "{calls:#?}");
    for call in &calls {
        assert_eq!(field(call, "attempt"), "3", "{call}");
        assert_eq!(field(call, "status"), "200", "{call}");
    }
}

#[tokio::test]
async fn a_read_gives_up_after_the_policys_last_attempt() {
    let running = start(Settings::default()).await;
    let client = client_with(&running, quick(3));
    let id = new_customer(&client, "unlucky").await;
    inject(&running, "customer/get", 4, 500);

    let refused = client.get_customer(&CustomerIdRequest::new(id)).await;
    assert_refused(refused, 500, ErrorCode::InternalError);
    // Three attempts used three of the four faults: the next call fails once, then succeeds.
    let (traces, _guard) = Captured::start();
    assert!(reads(&client, id).await);
    assert_eq!(field(&traces.calls("getCustomer")[0], "attempt"), "2");
}

#[tokio::test]
async fn no_retries_when_the_policy_is_none() {
    let running = start(Settings::default()).await;
    let client = client_with(&running, RetryPolicy::NONE);
    let id = new_customer(&client, "once").await;
    inject(&running, "customer/get", 1, 503);
    let refused = client.get_customer(&CustomerIdRequest::new(id)).await;
    assert_refused(refused, 503, ErrorCode::InternalError);
    assert!(reads(&client, id).await);
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = client_with(&running, quick(3));
    let refused = client
        .get_customer(&CustomerIdRequest::new(Uuid::new_v4()))
        .await;
    assert_refused(refused, 400, ErrorCode::NotFound);
    assert_eq!(field(&traces.calls("getCustomer")[0], "attempt"), "1");
}

#[tokio::test]
async fn a_state_changing_call_is_not_retried_after_it_may_have_reached_the_server() {
    let running = start(Settings::default()).await;
    let client = client_with(&running, quick(5));
    inject(&running, "customer/create", 2, 503);

    for n in 0..2 {
        let request = CreateCustomerRequest::new().with_external_id(format!("not-retried-{n}"));
        let error = client.create_customer(&request).await.unwrap_err();
        assert!(error.request_may_have_reached_server(), "{error}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    }
    // Each call used exactly one fault: the third goes through.
    let request = CreateCustomerRequest::new().with_external_id("third");
    assert!(client.create_customer(&request).await.is_ok());
}

#[tokio::test]
async fn a_state_changing_call_is_retried_when_the_call_opts_in() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = client_with(&running, quick(3));
    inject(&running, "customer/create", 2, 500);

    let request = CreateCustomerRequest::new().with_external_id("opted-in");
    let created = client
        .with_options(RequestOptions::new().retry_state_changing(true))
        .create_customer(&request)
        .await
        .unwrap();
    assert_eq!(field(&traces.calls("createCustomer")[0], "attempt"), "3");
    // The failed attempts changed nothing: one customer with that external id.
    let found = client
        .get_customer_by_external_id(&ExternalIdRequest::new("opted-in"))
        .await
        .unwrap();
    assert_eq!(found.id, created.id);
}

#[tokio::test]
async fn per_call_options_override_the_clients_policy() {
    let running = start(Settings::default()).await;
    let client = client_with(&running, RetryPolicy::NONE);
    let id = new_customer(&client, "override").await;
    inject(&running, "customer/get", 2, 500);
    let patient = client.with_options(RequestOptions::new().retry_policy(quick(3)));
    assert!(reads(&patient, id).await);
    // The original client is unchanged.
    inject(&running, "customer/get", 1, 500);
    assert!(!reads(&client, id).await);
}

/// A loopback port with nothing listening.
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_state_changing_call() {
    let (traces, _guard) = Captured::start();
    let client = demo_builder(&closed_port().await)
        .retry_policy(quick(4))
        .build()
        .unwrap();
    let error = client
        .create_customer(&CreateCustomerRequest::new())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(!error.request_may_have_reached_server(), "{error}");
    let calls = traces.calls("createCustomer");
    assert_eq!(field(&calls[0], "attempt"), "4", "{calls:#?}");
    assert!(
        traces.text().contains("failure=\"connect\""),
        "{}",
        traces.text()
    );
}

// -------------------------------------------------------------------------------------------
// Retry-After

#[tokio::test]
async fn retry_after_on_a_503_sets_the_wait() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = client_with(&running, quick(2));
    let id = new_customer(&client, "waits").await;
    running
        .sandbox()
        .inject_fault(Fault {
            retry_after_seconds: Some(1),
            ..fault("customer/get", 1, 503)
        })
        .unwrap();
    let started = std::time::Instant::now();
    assert!(reads(&client, id).await);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the client did not wait"
    );
    assert!(traces.text().contains("wait_ms=1000"), "{}", traces.text());
}

#[tokio::test]
async fn a_retry_after_longer_than_the_policy_allows_ends_the_call_with_it() {
    let running = start(Settings::default()).await;
    let policy = quick(3).with_max_delay(Duration::from_millis(500));
    let client = client_with(&running, policy);
    let id = new_customer(&client, "impatient").await;
    running
        .sandbox()
        .inject_fault(Fault {
            retry_after_seconds: Some(30),
            ..fault("customer/get", 1, 429)
        })
        .unwrap();
    let error = client
        .get_customer(&CustomerIdRequest::new(id))
        .await
        .unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    // One attempt only: the fault is used up.
    assert!(reads(&client, id).await);
}

// -------------------------------------------------------------------------------------------
// Clock skew

#[tokio::test]
async fn a_client_clock_ten_minutes_off_learns_the_servers_clock_and_keeps_it() {
    for off_by in [-600_000, 600_000] {
        let (traces, _guard) = Captured::start();
        let running = start(Settings::default()).await;
        let wrong = SystemClock.now_unix_millis() + off_by;
        let client = builder(&running)
            .clock(FixedClock { unix_millis: wrong })
            .retry_policy(RetryPolicy::NONE)
            .build()
            .unwrap();
        assert_eq!(client.clock_offset_millis(), None);

        // A state-changing call: the refused attempt changed nothing, so it is repeated.
        let created = client
            .create_customer(&CreateCustomerRequest::new().with_external_id("skewed"))
            .await
            .unwrap();
        let learned = client.clock_offset_millis().expect("an offset was learned");
        assert!(
            (learned + off_by).abs() < 2_000,
            "learned {learned} ms for a clock {off_by} ms off"
        );
        assert_eq!(field(&traces.calls("createCustomer")[0], "attempt"), "2");
        assert!(
            traces.text().contains("clock_offset_ms="),
            "{}",
            traces.text()
        );

        // Later calls use the offset at once, clones of the client too.
        let again = client.clone();
        let customer = again
            .get_customer(&CustomerIdRequest::new(created.id.unwrap()))
            .await
            .unwrap();
        assert_eq!(customer.id, created.id);
        assert_eq!(field(&traces.calls("getCustomer")[0], "attempt"), "1");
    }
}

#[tokio::test]
async fn the_offset_is_learned_again_when_the_local_clock_jumps() {
    let running = start(Settings::default()).await;
    let clock = SharedClock::at(SystemClock.now_unix_millis() - 600_000);
    let client = builder(&running).clock(clock.clone()).build().unwrap();
    let id = new_customer(&client, "jumpy").await;
    assert!(client.clock_offset_millis().is_some());
    // With the old offset, the timestamp is now twenty minutes ahead: refused, learned anew,
    // repeated.
    clock.set(SystemClock.now_unix_millis() + 600_000);
    assert!(reads(&client, id).await);
    let offset = client.clock_offset_millis().unwrap();
    assert!((offset + 600_000).abs() < 2_000, "{offset}");
}

// -------------------------------------------------------------------------------------------
// Timeouts

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn the_clients_timeout_ends_an_attempt_and_a_read_is_retried() {
    let (traces, _guard) = Captured::start();
    let client = demo_builder(&silent_server().await)
        .timeout(Duration::from_millis(100))
        .retry_policy(quick(2))
        .build()
        .unwrap();
    let error = client
        .get_customer(&CustomerIdRequest::new(Uuid::new_v4()))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.request_may_have_reached_server());
    assert_eq!(field(&traces.calls("getCustomer")[0], "attempt"), "2");
}

#[tokio::test]
async fn a_per_call_timeout_overrides_the_clients_and_a_timed_out_create_is_not_retried() {
    let (traces, _guard) = Captured::start();
    let client = demo_builder(&silent_server().await)
        .timeout(Duration::from_secs(60))
        .retry_policy(quick(3))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client
        .with_options(RequestOptions::new().timeout(Duration::from_millis(100)))
        .create_customer(&CreateCustomerRequest::new())
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the 60 s timeout applied"
    );
    assert_eq!(field(&traces.calls("createCustomer")[0], "attempt"), "1");
}

// -------------------------------------------------------------------------------------------
// Pagination

/// 250 deposits over three customers; their ids.
async fn many_deposits(running: &Running, client: &Client) -> HashSet<Uuid> {
    let mut ids = HashSet::new();
    for customer in 0..3 {
        let id = new_customer(client, &format!("payer-{customer}")).await;
        let address = address_of(client, id, "USDT_TRC20").await;
        let count = if customer == 0 { 90 } else { 80 };
        for n in 0..count {
            let amount = dec(&format!("{}.{n:02}", customer + 1));
            let transaction = deposit(running, &address, "USDT_TRC20", amount, Outcome::Confirmed);
            ids.insert(transaction.id);
        }
    }
    assert_eq!(ids.len(), 250);
    ids
}

fn ids(transactions: &[Transaction]) -> HashSet<Uuid> {
    transactions.iter().map(|t| t.id).collect()
}

#[tokio::test]
async fn all_pages_collect_every_transaction_once() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let expected = many_deposits(&running, &client).await;

    for size in [1, 20, 100] {
        let request = FindTransactionsRequest::new()
            .with_page_size(size)
            .with_sort(SortDirection::Asc)
            .with_properties("amount");
        let all = client.find_transactions_all(&request).await.unwrap();
        assert_eq!(all.len(), 250, "page size {size}");
        assert_eq!(ids(&all), expected, "page size {size}");
        let amounts: Vec<_> = all.iter().map(|t| t.amount).collect();
        assert!(amounts.is_sorted(), "the sort holds across pages");
    }
    // One call per page: 250 + 13 + 3, and never one past the last page.
    assert_eq!(traces.calls("findTransactions").len(), 250 + 13 + 3);
}

#[tokio::test]
async fn the_stream_asks_for_a_page_only_when_its_items_are_wanted() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    many_deposits(&running, &client).await;

    let request = FindTransactionsRequest::new().with_page_size(20);
    let mut stream = std::pin::pin!(client.find_transactions_stream(&request));
    assert_eq!(
        traces.calls("findTransactions").len(),
        0,
        "nothing asked before polling"
    );
    for _ in 0..20 {
        stream.next().await.unwrap().unwrap();
    }
    assert_eq!(traces.calls("findTransactions").len(), 1);
    stream.next().await.unwrap().unwrap();
    assert_eq!(traces.calls("findTransactions").len(), 2);
}

#[tokio::test]
async fn the_walk_starts_at_the_payloads_page_and_filters_apply_to_every_page() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    many_deposits(&running, &client).await;
    let first = client
        .find_transactions(&FindTransactionsRequest::new().with_page_size(20))
        .await
        .unwrap();
    assert_eq!(
        first.page, 1,
        "the sandbox counts pages from 1, as the spec documents"
    );

    let from_page_3 = FindTransactionsRequest::new()
        .with_page_size(20)
        .with_page_number(3);
    let rest = client.find_transactions_all(&from_page_3).await.unwrap();
    assert_eq!(rest.len(), 250 - 40);

    let payer = client
        .get_customer_by_external_id(&ExternalIdRequest::new("payer-1"))
        .await
        .unwrap();
    let theirs = FindTransactionsRequest::new()
        .with_customer_id(payer.id.unwrap())
        .with_page_size(7);
    assert_eq!(
        client.find_transactions_all(&theirs).await.unwrap().len(),
        80
    );
}

#[tokio::test]
async fn no_transactions_is_an_empty_walk_and_an_error_ends_the_stream() {
    let running = start(Settings::default()).await;
    let client = client_with(&running, RetryPolicy::NONE);
    let request = FindTransactionsRequest::new().with_page_size(5);
    assert!(
        client
            .find_transactions_all(&request)
            .await
            .unwrap()
            .is_empty()
    );

    many_deposits(&running, &client).await;
    let mut stream = std::pin::pin!(client.find_transactions_stream(&request));
    for _ in 0..5 {
        stream.next().await.unwrap().unwrap();
    }
    inject(&running, "transaction/find", 1, 500);
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(
        stream.next().await.is_none(),
        "the stream ends after an error"
    );

    inject(&running, "transaction/find", 1, 500);
    assert!(client.find_transactions_all(&request).await.is_err());
}

// -------------------------------------------------------------------------------------------
// Tracing

#[tokio::test]
async fn a_call_is_traced_without_its_secret_signature_or_body() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let request = CreateCustomerRequest::new().with_external_id("private-name-4711");
    client.create_customer(&request).await.unwrap();
    // A refused call too, whose error body the server sends.
    let _ = client
        .get_customer(&CustomerIdRequest::new(Uuid::new_v4()))
        .await;

    let text = traces.text();
    let created = &traces.calls("createCustomer")[0];
    assert_eq!(field(created, "attempt"), "1");
    assert_eq!(field(created, "status"), "200");
    assert!(
        field(created, "duration_ms").parse::<u64>().is_ok(),
        "{created}"
    );
    assert_eq!(field(&traces.calls("getCustomer")[0], "status"), "400");
    assert!(
        !text.contains(calypso_customer_purse_sandbox::DEMO_API_SECRET),
        "{text}"
    );
    assert!(!text.contains("private-name-4711"), "{text}");
    let looks_like_a_signature = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .any(|word| word.len() >= 64);
    assert!(!looks_like_a_signature, "{text}");
}

#[tokio::test]
async fn bodies_are_traced_only_when_asked() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let client = builder(&running).trace_bodies(true).build().unwrap();
    let request = CreateCustomerRequest::new().with_external_id("shown-4712");
    client.create_customer(&request).await.unwrap();
    let text = traces.text();
    let request_line = text
        .lines()
        .find(|line| line.contains("request body"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(request_line.contains("TRACE"), "{request_line}");
    assert!(request_line.contains("shown-4712"), "{request_line}");
    assert!(
        text.lines().any(|line| line.contains("response body")),
        "{text}"
    );
    assert!(
        !text.contains(calypso_customer_purse_sandbox::DEMO_API_SECRET),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_clock_ten_minutes_ahead_is_learned_from_its_date_header() {
    let server_clock = SharedClock::at(SystemClock.now_unix_millis() + 600_000);
    let running = start(Settings {
        clock: Arc::new(server_clock),
        ..Settings::default()
    })
    .await;
    let client = client_with(&running, RetryPolicy::NONE);
    new_customer(&client, "behind").await;
    let learned = client.clock_offset_millis().expect("an offset was learned");
    assert!((learned - 600_000).abs() < 2_000, "learned {learned} ms");
}

#[tokio::test]
async fn a_client_told_not_to_learn_keeps_its_clock_and_gets_011() {
    let (traces, _guard) = Captured::start();
    let running = start(Settings::default()).await;
    let wrong = SystemClock.now_unix_millis() + 600_000;
    let client = builder(&running)
        .clock(FixedClock { unix_millis: wrong })
        .learn_clock_offset(false)
        .build()
        .unwrap();
    let refused = client.create_customer(&CreateCustomerRequest::new()).await;
    assert_refused(refused, 400, ErrorCode::InvalidTimestamp);
    assert_eq!(client.clock_offset_millis(), None);
    assert_eq!(field(&traces.calls("createCustomer")[0], "attempt"), "1");
}
