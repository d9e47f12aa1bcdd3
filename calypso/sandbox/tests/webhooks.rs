//! Webhooks for simulated deposits, end to end: a subscription registered over HTTP, a real
//! receiver on loopback that keeps the raw bytes, and a signature checked independently.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use calypso_customer_purse::types::{
    ComplianceState, CustomerIdRequest, PurseAddressRequest, PurseDepositEvent, Transaction,
    TransactionState, WebhookEnvelope, WebhookLevel,
};
use calypso_customer_purse::{Client, OffsetDateTime, Uuid, reqwest};
use calypso_customer_purse_sandbox::{
    AdminError, DEMO_ACCOUNT, DeliveryOutcome, DeliveryStatus, Event as SandboxEvent, Outcome,
    RetrySchedule, Running, Sandbox, Scenario, Settings, Trigger, Triggered, WebhookDelivery,
    WebhookEventType, WebhookRegistration, WebhookSubscription,
};
use common::{SharedClock, T0, dec, new_customer, post_json, sign_with};
use serde::Deserialize;
use serde_json::{Value, json};

use WebhookEventType::{
    CustomerPurseComplianceDeclined as Declined, CustomerPurseFundsReceivedForPurse as Funds,
    CustomerPurseMemPoolFound as MemPool, CustomerPursePendingCompliance as Pending,
    CustomerPurseTranslationToAccountCompleted as Credited,
};

/// How long a test waits for webhooks before it fails.
const WAIT: Duration = Duration::from_secs(10);

/// One request the receiver got, as it came.
#[derive(Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// An HTTP server on loopback that records every request and answers 200, or 500 while told to
/// fail.
struct Receiver {
    base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to every request.
    fail_always: Arc<AtomicBool>,
    /// Answer 500 to this many requests first.
    fail_first: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let fail_always = Arc::new(AtomicBool::new(false));
        let fail_first = Arc::new(AtomicUsize::new(0));
        let app = axum::Router::new().fallback({
            let (received, fail_always, fail_first) =
                (received.clone(), fail_always.clone(), fail_first.clone());
            move |uri: Uri, headers: HeaderMap, body: Bytes| async move {
                received.lock().unwrap().push(Received {
                    path: uri.path().to_owned(),
                    headers,
                    body,
                });
                let failing = fail_always.load(Ordering::SeqCst)
                    || fail_first
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                if failing {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url,
            received,
            fail_always,
            fail_first,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// What reached `path`, in order of arrival.
    fn at(&self, path: &str) -> Vec<Received> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` got `count` requests; fails after [`WAIT`].
    async fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.at(path);
            if got.len() >= count {
                return got;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out after {WAIT:?} waiting for {count} webhooks at {path}; got {}: {:?}",
                got.len(),
                got.iter().map(event_type).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Waits until no delivery of `sandbox` is pending and returns them; fails after [`WAIT`].
async fn settled_deliveries(sandbox: &Sandbox) -> Vec<WebhookDelivery> {
    sandbox
        .wait_for_deliveries(0, WAIT)
        .await
        .unwrap_or_else(|timeout| panic!("{timeout}"))
}

/// A received webhook read three ways: the generated envelope type, the exact data, the JSON.
struct Event {
    envelope: WebhookEnvelope,
    data: PurseDepositEvent,
    json: Value,
}

fn read(received: &Received) -> Event {
    #[derive(Deserialize)]
    struct DataOnly {
        data: PurseDepositEvent,
    }
    let text = std::str::from_utf8(&received.body).unwrap();
    Event {
        envelope: serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}")),
        data: serde_json::from_str::<DataOnly>(text).unwrap().data,
        json: serde_json::from_str(text).unwrap(),
    }
}

fn event_type(received: &Received) -> String {
    read(received).envelope.event_type
}

fn event_types(received: &[Received]) -> Vec<String> {
    received.iter().map(event_type).collect()
}

fn names(types: &[WebhookEventType]) -> Vec<String> {
    types.iter().map(|t| t.as_str().to_owned()).collect()
}

fn header<'h>(received: &'h Received, name: &str) -> &'h str {
    received.headers[name].to_str().unwrap()
}

/// Asserts that `received` carries `Key` = the public key and a `Sign` that is the HMAC of its
/// exact bytes under the subscription's secret.
#[track_caller]
fn assert_signed(received: &Received, subscription: &WebhookSubscription) {
    assert_eq!(header(received, "key"), subscription.public_key);
    assert_eq!(
        header(received, "sign"),
        sign_with(&subscription.secret_key, &received.body),
        "the signature does not verify"
    );
    assert_eq!(header(received, "content-type"), "application/json");
}

fn is_lower_hex_32(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `YYYY-MM-DDTHH:MM:SS.ffffff`, nothing more: no zone, six fractional digits.
fn is_zoneless_micros(text: &str) -> bool {
    let shape = "dddd-dd-ddTdd:dd:dd.dddddd";
    text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'd' => c.is_ascii_digit(),
            _ => c == s,
        })
}

/// `GET /sandbox/webhooks/deliveries`: the body of its 200 answer.
async fn deliveries_over_http(running: &Running) -> String {
    let answer = reqwest::get(format!(
        "{}/sandbox/webhooks/deliveries",
        running.base_url()
    ))
    .await
    .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    answer.text().await.unwrap()
}

async fn register(running: &Running, registration: Value) -> WebhookSubscription {
    let answer = post_json(running, "/sandbox/webhooks", &[], registration.to_string()).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap()
}

/// A deposit of 7 USDT_TRC20 to `address`, made by plain synchronous code on a thread with no
/// tokio runtime.
fn deposit_from_a_plain_thread(sandbox: &Sandbox, address: String) {
    let sandbox = sandbox.clone();
    std::thread::spawn(move || {
        assert!(tokio::runtime::Handle::try_current().is_err());
        sandbox
            .deposit(calypso_customer_purse_sandbox::Deposit::new(
                address,
                "USDT_TRC20",
                dec("7"),
            ))
            .unwrap()
    })
    .join()
    .unwrap();
}

/// Subscribes `url` to every event of the demo account.
fn subscribe_in_process(sandbox: &Sandbox, url: String) -> WebhookSubscription {
    sandbox
        .register_webhook(WebhookRegistration {
            account: DEMO_ACCOUNT.to_owned(),
            url,
            event_types: None,
        })
        .unwrap()
}

fn subscribe(
    running: &Running,
    account: &str,
    url: String,
    event_types: Option<Vec<WebhookEventType>>,
) -> WebhookSubscription {
    running
        .sandbox()
        .register_webhook(WebhookRegistration {
            account: account.to_owned(),
            url,
            event_types,
        })
        .unwrap()
}

/// A customer of `client` and its purse for `currency`: (customer id, purse id, address).
async fn customer_with_purse(client: &Client, currency: &str) -> (Uuid, Uuid, String) {
    let customer = new_customer(client, &format!("hooks-{}", Uuid::new_v4().simple())).await;
    let purse = client
        .get_purse_address(&PurseAddressRequest::new(customer, currency))
        .await
        .unwrap();
    (customer, purse.id.unwrap(), purse.address)
}

fn deposit(running: &Running, address: &str, amount: &str, outcome: Outcome) -> Transaction {
    common::deposit(running, address, "USDT_TRC20", dec(amount), outcome)
}

#[tokio::test]
async fn a_settled_deposit_sends_four_signed_events_in_order() {
    let clock = SharedClock::at(T0);
    let running = common::start(Settings {
        clock: Arc::new(clock.clone()),
        ..Settings::default()
    })
    .await;
    let client = common::builder(&running)
        .clock(clock.clone())
        .build()
        .unwrap();
    let receiver = Receiver::start().await;

    let subscription = register(
        &running,
        json!({"account": DEMO_ACCOUNT, "url": receiver.url("/hooks")}),
    )
    .await;
    assert!(
        is_lower_hex_32(&subscription.public_key),
        "{subscription:?}"
    );
    assert!(
        is_lower_hex_32(&subscription.secret_key),
        "{subscription:?}"
    );
    assert_ne!(subscription.public_key, subscription.secret_key);
    assert_eq!(subscription.url, receiver.url("/hooks"));

    let (customer, purse_id, address) = customer_with_purse(&client, "USDT_TRC20").await;
    // More digits than an f64 holds: the amount must arrive exactly.
    let amount = "1234.567890123456789012";
    let deposited = post_json(
        &running,
        "/sandbox/deposits",
        &[],
        json!({"address": address, "currency": "USDT_TRC20", "amount": amount}).to_string(),
    )
    .await;
    assert_eq!(deposited.status, 201, "{}", deposited.body);
    let transaction: Transaction = serde_json::from_str(&deposited.body).unwrap();

    // The settle steps happen 1.234 s later on the sandbox clock.
    clock.set(T0 + 1_234);
    let settled = post_json(
        &running,
        &format!("/sandbox/transactions/{}/settle", transaction.id),
        &[],
        String::new(),
    )
    .await;
    assert_eq!(settled.status, 200, "{}", settled.body);

    let received = receiver.wait_for("/hooks", 4).await;
    assert_eq!(
        event_types(&received),
        names(&[MemPool, Pending, Funds, Credited])
    );
    let expected_states = [
        (
            TransactionState::MemPoolFound,
            ComplianceState::Unchecked,
            false,
        ),
        (
            TransactionState::PendingComplianceCheck,
            ComplianceState::InProgress,
            false,
        ),
        (TransactionState::Confirmed, ComplianceState::Checked, false),
        (TransactionState::Confirmed, ComplianceState::Checked, true),
    ];
    let mut last_id = 0;
    for (index, (raw, (state, compliance, credited))) in
        received.iter().zip(expected_states).enumerate()
    {
        assert_signed(raw, &subscription);
        let event = read(raw);
        let envelope = &event.envelope;
        assert_eq!(envelope.request_id, Some(subscription.request_id));
        let id = envelope.id.unwrap();
        assert!(
            id > last_id,
            "event ids must increase: {id} after {last_id}"
        );
        last_id = id;
        assert_eq!(envelope.level, Some(WebhookLevel::Info));
        assert_eq!(envelope.service.as_deref(), Some("CUSTOMER_PURSE"));

        let created = event.json["createdDate"].as_str().unwrap();
        assert!(is_zoneless_micros(created), "createdDate `{created}`");
        let (expected_text, expected_millis) = if index == 0 {
            ("2023-11-14T22:13:20.000000", T0)
        } else {
            ("2023-11-14T22:13:21.234000", T0 + 1_234)
        };
        assert_eq!(created, expected_text);
        assert_eq!(
            envelope.created_date,
            Some(
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(expected_millis) * 1_000_000)
                    .unwrap()
            )
        );

        let data = &event.data;
        assert_eq!(data.transaction_id, Some(transaction.id.to_string()));
        assert_eq!(data.amount, Some(dec(amount)));
        assert!(
            std::str::from_utf8(&raw.body)
                .unwrap()
                .contains(&format!(r#""amount":{amount}"#)),
            "the amount is written as an exact JSON number"
        );
        assert_eq!(data.currency.as_deref(), Some("USDT_TRC20"));
        assert_eq!(data.customer_id, Some(customer));
        assert_eq!(data.customer_blocked, Some(false));
        assert_eq!(data.purse_id, Some(purse_id));
        assert_eq!(data.address.as_deref(), Some(address.as_str()));
        assert_eq!(data.transaction_hash, transaction.transaction_hash);
        assert_eq!(data.transaction_state, Some(state));
        assert_eq!(data.compliance_state, Some(compliance));
        assert_eq!(data.translation_to_account_completed, Some(credited));
    }

    // The deliveries listing over HTTP says the same.
    let start = Instant::now();
    let deliveries = loop {
        let deliveries: Vec<WebhookDelivery> =
            serde_json::from_str(&deliveries_over_http(&running).await).unwrap();
        if deliveries
            .iter()
            .all(|d| d.outcome != DeliveryOutcome::Pending)
        {
            break deliveries;
        }
        assert!(
            start.elapsed() < WAIT,
            "deliveries still pending: {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(deliveries.len(), 4, "{deliveries:#?}");
    for (delivery, raw) in deliveries.iter().zip(&received) {
        let envelope = read(raw).envelope;
        assert_eq!(Some(delivery.event_id), envelope.id);
        assert_eq!(delivery.event_type.as_str(), envelope.event_type);
        assert_eq!(delivery.request_id, subscription.request_id);
        assert_eq!(delivery.url, receiver.url("/hooks"));
        assert_eq!(delivery.attempts, 1);
        assert_eq!(delivery.status, Some(DeliveryStatus::Http(200)));
        assert_eq!(delivery.outcome, DeliveryOutcome::Delivered);
    }
}

#[tokio::test]
async fn a_declined_deposit_sends_compliance_declined() {
    let running = common::start(Settings::default()).await;
    let client = common::demo_client(&running);
    let receiver = Receiver::start().await;
    let subscription = subscribe(&running, DEMO_ACCOUNT, receiver.url("/hooks"), None);
    let (_, _, address) = customer_with_purse(&client, "USDT_TRC20").await;
    let transaction = deposit(&running, &address, "50", Outcome::Declined);

    let path = |step: &str| format!("/sandbox/transactions/{}/{step}", transaction.id);
    for _ in 0..2 {
        let answer = post_json(&running, &path("advance"), &[], String::new()).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    // Final: a further step is refused and raises nothing.
    let refused = post_json(&running, &path("advance"), &[], String::new()).await;
    assert_eq!(refused.status, 409, "{}", refused.body);

    let received = receiver.wait_for("/hooks", 3).await;
    assert_eq!(event_types(&received), names(&[MemPool, Pending, Declined]));
    let last = read(&received[2]);
    assert_signed(&received[2], &subscription);
    assert_eq!(
        last.data.transaction_state,
        Some(TransactionState::Declined)
    );
    assert_eq!(last.data.compliance_state, Some(ComplianceState::Decline));
    assert_eq!(last.data.translation_to_account_completed, Some(false));
    assert_eq!(settled_deliveries(running.sandbox()).await.len(), 3);
    assert_eq!(receiver.at("/hooks").len(), 3);
}

#[tokio::test]
async fn each_subscription_gets_its_accounts_events_of_the_types_it_asked_for() {
    let running = common::start(common::two_accounts()).await;
    let client = common::demo_client(&running);
    let other = common::other_client(&running);
    let receiver = Receiver::start().await;
    let all = subscribe(&running, DEMO_ACCOUNT, receiver.url("/all"), None);
    let filtered = subscribe(
        &running,
        DEMO_ACCOUNT,
        receiver.url("/filtered"),
        Some(vec![Funds, Declined]),
    );
    let other_account = subscribe(
        &running,
        common::OTHER_ACCOUNT,
        receiver.url("/other"),
        None,
    );

    let (_, _, address) = customer_with_purse(&client, "USDT_TRC20").await;
    let confirmed = deposit(&running, &address, "10", Outcome::Confirmed);
    running.sandbox().settle(confirmed.id).unwrap();
    let (_, _, address_2) = customer_with_purse(&client, "USDT_TRC20").await;
    let declined = deposit(&running, &address_2, "20", Outcome::Declined);
    running.sandbox().settle(declined.id).unwrap();

    let deliveries = settled_deliveries(running.sandbox()).await;
    assert!(
        deliveries.iter().all(|d| d.url != receiver.url("/other")),
        "another account's subscription was sent the demo account's events: {deliveries:#?}"
    );
    let to_all = receiver.at("/all");
    assert_eq!(
        event_types(&to_all),
        names(&[
            MemPool, Pending, Funds, Credited, MemPool, Pending, Declined
        ])
    );
    let to_filtered = receiver.at("/filtered");
    assert_eq!(event_types(&to_filtered), names(&[Funds, Declined]));
    assert!(receiver.at("/other").is_empty());
    for raw in &to_all {
        assert_signed(raw, &all);
    }
    for raw in &to_filtered {
        assert_signed(raw, &filtered);
        assert_eq!(read(raw).envelope.request_id, Some(filtered.request_id));
    }
    // One sender, in order: ids follow the order the receiver got them in, across URLs; an
    // event sent to two subscriptions carries its one id to both.
    let ids: Vec<i64> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|raw| read(raw).envelope.id.unwrap())
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] <= pair[1]), "{ids:?}");

    // The other account's deposit goes to its subscription only.
    let (_, _, other_address) = customer_with_purse(&other, "USDT_TRC20").await;
    let theirs = deposit(&running, &other_address, "30", Outcome::Confirmed);
    let received = receiver.wait_for("/other", 1).await;
    assert_signed(&received[0], &other_account);
    assert_eq!(
        read(&received[0]).data.transaction_id,
        Some(theirs.id.to_string())
    );
    settled_deliveries(running.sandbox()).await;
    assert_eq!(receiver.at("/all").len(), 7);
    assert_eq!(receiver.at("/filtered").len(), 2);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_then_dropped_and_the_listing_shows_it() {
    let running = common::start(Settings {
        // Exercises the delivery log line too (captured by the test harness).
        log_requests: true,
        ..Settings::default()
    })
    .await;
    let client = common::demo_client(&running);
    let failing = Receiver::start().await;
    failing.fail_always.store(true, Ordering::SeqCst);
    let flaky = Receiver::start().await;
    flaky.fail_first.store(1, Ordering::SeqCst);
    // A port nobody listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hooks", listener.local_addr().unwrap())
    };
    let to_failing = subscribe(&running, DEMO_ACCOUNT, failing.url("/hooks"), None);
    subscribe(&running, DEMO_ACCOUNT, flaky.url("/hooks"), None);
    subscribe(&running, DEMO_ACCOUNT, closed.clone(), None);

    let (_, _, address) = customer_with_purse(&client, "USDT_TRC20").await;
    deposit(&running, &address, "1", Outcome::Confirmed);

    let deliveries = settled_deliveries(running.sandbox()).await;
    assert_eq!(deliveries.len(), 3, "{deliveries:#?}");
    let [to_500, to_flaky, to_closed] = &deliveries[..] else {
        unreachable!()
    };
    assert_eq!(to_500.url, failing.url("/hooks"));
    assert_eq!(to_500.attempts, 3);
    assert_eq!(to_500.status, Some(DeliveryStatus::Http(500)));
    assert_eq!(to_500.outcome, DeliveryOutcome::Dropped);
    assert_eq!(to_flaky.attempts, 2);
    assert_eq!(to_flaky.status, Some(DeliveryStatus::Http(200)));
    assert_eq!(to_flaky.outcome, DeliveryOutcome::Delivered);
    assert_eq!(to_closed.url, closed);
    assert_eq!(to_closed.attempts, 3);
    assert!(
        matches!(&to_closed.status, Some(DeliveryStatus::Error(text)) if !text.is_empty()),
        "{to_closed:?}"
    );
    assert_eq!(to_closed.outcome, DeliveryOutcome::Dropped);

    // Each retry is the same signed bytes.
    let attempts = failing.at("/hooks");
    assert_eq!(attempts.len(), 3);
    for raw in &attempts {
        assert_eq!(raw.body, attempts[0].body);
        assert_signed(raw, &to_failing);
    }
    assert_eq!(flaky.at("/hooks").len(), 2);

    // Over HTTP: the status is the HTTP status as a number, or the error text as a string.
    let listing: Value = serde_json::from_str(&deliveries_over_http(&running).await).unwrap();
    assert_eq!(listing[0]["status"], 500, "{listing}");
    assert_eq!(listing[0]["attempts"], 3, "{listing}");
    assert_eq!(listing[0]["outcome"], "DROPPED", "{listing}");
    assert_eq!(listing[0]["eventType"], "CUSTOMER_PURSE_MEM_POOL_FOUND");
    assert_eq!(listing[1]["status"], 200, "{listing}");
    assert!(listing[2]["status"].is_string(), "{listing}");
}

#[tokio::test]
async fn a_blocked_customers_events_say_so() {
    let running = common::start(Settings::default()).await;
    let client = common::demo_client(&running);
    let receiver = Receiver::start().await;
    subscribe(&running, DEMO_ACCOUNT, receiver.url("/hooks"), None);
    let (customer, _, address) = customer_with_purse(&client, "USDT_TRC20").await;

    client
        .block_customer(&CustomerIdRequest::new(customer))
        .await
        .unwrap();
    let transaction = deposit(&running, &address, "5", Outcome::Confirmed);
    running.sandbox().advance(transaction.id).unwrap();
    client
        .unblock_customer(&CustomerIdRequest::new(customer))
        .await
        .unwrap();
    running.sandbox().advance(transaction.id).unwrap();

    let received = receiver.wait_for("/hooks", 3).await;
    let blocked: Vec<_> = received
        .iter()
        .map(|raw| read(raw).data.customer_blocked)
        .collect();
    // The flag is the customer's at the time of each event.
    assert_eq!(blocked, [Some(true), Some(true), Some(false)]);
    assert!(
        std::str::from_utf8(&received[0].body)
            .unwrap()
            .contains(r#""customerBlocked":true"#)
    );
}

#[tokio::test]
async fn a_deposit_from_synchronous_code_is_delivered_by_the_serving_sandbox() {
    let running = common::start(Settings::default()).await;
    let client = common::demo_client(&running);
    let receiver = Receiver::start().await;
    subscribe(&running, DEMO_ACCOUNT, receiver.url("/hooks"), None);
    let (_, _, address) = customer_with_purse(&client, "USDT_TRC20").await;

    // Plain synchronous code on a thread with no tokio runtime: the sandbox's delivery task,
    // started when it began serving, sends what it raises.
    deposit_from_a_plain_thread(running.sandbox(), address);
    let received = receiver.wait_for("/hooks", 1).await;
    assert_eq!(event_types(&received), names(&[MemPool]));
    assert_eq!(read(&received[0]).envelope.id, Some(1));
    let deliveries = settled_deliveries(running.sandbox()).await;
    assert_eq!(deliveries[0].outcome, DeliveryOutcome::Delivered);
}

#[tokio::test]
async fn events_raised_while_no_delivery_task_runs_are_sent_once_one_starts() {
    let sandbox = Sandbox::default();
    let receiver = Receiver::start().await;
    subscribe_in_process(&sandbox, receiver.url("/hooks"));
    // Served on a runtime of its own, which then ends, and with it the delivery task.
    let served = sandbox.clone();
    let address = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let running = served.start_local().await.unwrap();
            let (_, _, address) =
                customer_with_purse(&common::demo_client(&running), "USDT_TRC20").await;
            running.stop().await.unwrap();
            address
        })
    })
    .join()
    .unwrap();
    deposit_from_a_plain_thread(&sandbox, address);
    let pending = sandbox.webhook_deliveries();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].outcome, DeliveryOutcome::Pending);
    assert_eq!(pending[0].attempts, 0);

    let running = sandbox.clone().start_local().await.unwrap();
    let received = receiver.wait_for("/hooks", 1).await;
    assert_eq!(event_types(&received), names(&[MemPool]));
    settled_deliveries(running.sandbox()).await;
}

#[tokio::test]
async fn registration_refuses_unknown_accounts_bad_urls_and_bad_filters() {
    let running = common::start(Settings::default()).await;
    let post = |body: Value| post_json(&running, "/sandbox/webhooks", &[], body.to_string());

    let unknown = post(json!({"account": "0xnobody", "url": "http://127.0.0.1:9/h"})).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(
        unknown.json()["error"]
            .as_str()
            .unwrap()
            .contains("0xnobody")
    );

    for (body, words) in [
        (
            json!({"account": DEMO_ACCOUNT, "url": "ftp://127.0.0.1/h"}),
            "http://",
        ),
        (
            json!({"account": DEMO_ACCOUNT, "url": "not a url"}),
            "not a URL",
        ),
        (json!({"account": DEMO_ACCOUNT}), "url"),
        (
            json!({"account": DEMO_ACCOUNT, "url": "http://127.0.0.1:9/h", "eventTypes": []}),
            "at least one",
        ),
        (
            json!({"account": DEMO_ACCOUNT, "url": "http://127.0.0.1:9/h", "eventTypes": ["CUSTOMER_PURSE_MEMPOOL_FOUND"]}),
            "CUSTOMER_PURSE_MEMPOOL_FOUND",
        ),
        (
            json!({"account": DEMO_ACCOUNT, "url": "http://127.0.0.1:9/h", "secret": "x"}),
            "secret",
        ),
    ] {
        let answer = post(body.clone()).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let error = answer.json()["error"].as_str().unwrap().to_owned();
        assert!(error.contains(words), "{body}: {error}");
    }

    // In-process, the same rules.
    let in_process = running.sandbox().register_webhook(WebhookRegistration {
        account: "0xnobody".into(),
        url: "http://127.0.0.1:9/h".into(),
        event_types: None,
    });
    assert!(
        matches!(in_process, Err(AdminError::NotFound(_))),
        "{in_process:?}"
    );

    // Several subscriptions per account, each with its own ids and keys.
    let body = json!({"account": DEMO_ACCOUNT, "url": "https://127.0.0.1:9/h", "eventTypes": ["CUSTOMER_PURSE_EXPIRED"]});
    let first = register(&running, body.clone()).await;
    let second = register(&running, body).await;
    assert_ne!(first.request_id, second.request_id);
    assert_ne!(first.public_key, second.public_key);
    assert_ne!(first.secret_key, second.secret_key);
    assert!(!format!("{first:?}").contains(&first.secret_key));

    // The two routes take one method each.
    let http = reqwest::Client::new();
    let get = http
        .get(format!("{}/sandbox/webhooks", running.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    let post_deliveries = http
        .post(format!(
            "{}/sandbox/webhooks/deliveries",
            running.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(post_deliveries.status().as_u16(), 405);
    let message =
        serde_json::from_str::<Value>(&post_deliveries.text().await.unwrap()).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(message.contains("Allow"), "{message}");
}

/// The whole loop a merchant writes: a subscription, a deposit, each delivered webhook checked
/// and read by the generated client's verifier, and the transaction re-read to confirm, as
/// the provider recommends after a terminal event.
#[tokio::test]
async fn the_clients_verifier_reads_every_delivered_webhook_as_a_typed_event() {
    use calypso_customer_purse::types::TransactionIdRequest;
    use calypso_customer_purse::{SecretString, WebhookError, WebhookEvent, WebhookVerifier};

    let running = common::start(Settings::default()).await;
    let client = common::demo_client(&running);
    let receiver = Receiver::start().await;
    let subscription = register(
        &running,
        json!({"account": DEMO_ACCOUNT, "url": receiver.url("/loop")}),
    )
    .await;
    let secret = SecretString::from(subscription.secret_key.clone());
    let verifier = WebhookVerifier::new(&subscription.public_key, &secret);

    let (customer, purse_id, address) = customer_with_purse(&client, "USDT_TRC20").await;
    // Twenty-one significant digits: more than an f64 keeps.
    let amount = "98765.4321098765432101";
    let transaction = deposit(&running, &address, amount, Outcome::Confirmed);
    running.sandbox().settle(transaction.id).unwrap();
    let received = receiver.wait_for("/loop", 4).await;

    let mut event_types = Vec::new();
    for webhook in &received {
        let verified = verifier
            .verify(&webhook.headers, &webhook.body)
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(verified.envelope.request_id, Some(subscription.request_id));
        assert_eq!(verified.envelope.level, Some(WebhookLevel::Info));
        assert!(verified.envelope.created_date.is_some());
        let data = match &verified.event {
            WebhookEvent::CustomerPurseMemPoolFound(data)
            | WebhookEvent::CustomerPursePendingCompliance(data)
            | WebhookEvent::CustomerPurseFundsReceivedForPurse(data)
            | WebhookEvent::CustomerPurseTranslationToAccountCompleted(data) => data,
            other => panic!("unexpected event {other:?}"),
        };
        assert_eq!(data.amount, Some(dec(amount)), "the amount arrives exactly");
        assert_eq!(data.transaction_id, Some(transaction.id.to_string()));
        assert_eq!(data.customer_id, Some(customer));
        assert_eq!(data.purse_id, Some(purse_id));
        assert_eq!(data.address.as_deref(), Some(address.as_str()));
        event_types.push(verified.event.event_type().to_owned());
    }
    assert_eq!(event_types, names(&[MemPool, Pending, Funds, Credited]));
    let confirmed = client
        .get_transaction(&TransactionIdRequest::new(transaction.id))
        .await
        .unwrap();
    assert!(confirmed.translation_to_account_completed);

    // Changed on the way, another subscription's key, the wrong secret: refused.
    let first = &received[0];
    let text = std::str::from_utf8(&first.body).unwrap();
    let tampered = text.replace(amount, "98765.4321098765432102");
    assert_ne!(tampered, text);
    assert!(matches!(
        verifier.verify(&first.headers, tampered.as_bytes()),
        Err(WebhookError::BadSignature)
    ));
    let someone_else = WebhookVerifier::new("0123456789abcdef0123456789abcdef", &secret);
    assert!(matches!(
        someone_else.verify(&first.headers, &first.body),
        Err(WebhookError::WrongKey)
    ));
    let wrong_secret = WebhookVerifier::new(
        &subscription.public_key,
        &SecretString::from("0".repeat(32)),
    );
    assert!(matches!(
        wrong_secret.verify(&first.headers, &first.body),
        Err(WebhookError::BadSignature)
    ));
    assert!(!format!("{verifier:?}").contains(&subscription.secret_key));
}

#[tokio::test]
async fn moving_the_clock_31_days_sends_customer_purse_expired() {
    let running = common::start(Settings::default()).await;
    let client = common::demo_client(&running);
    let receiver = Receiver::start().await;
    let subscription = subscribe(
        &running,
        DEMO_ACCOUNT,
        receiver.url("/hooks"),
        Some(vec![WebhookEventType::CustomerPurseExpired]),
    );
    let (customer, purse_id, address) = customer_with_purse(&client, "USDT_TRC20").await;

    let answer = post_json(
        &running,
        "/sandbox/clock",
        &[],
        json!({"advanceSeconds": 31 * 24 * 60 * 60}).to_string(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let received = receiver.wait_for("/hooks", 1).await;
    assert_signed(&received[0], &subscription);
    let json: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(json["eventType"], "CUSTOMER_PURSE_EXPIRED");
    let created = json["createdDate"].as_str().unwrap();
    assert!(is_zoneless_micros(created), "{created}");
    let data = &json["data"];
    assert_eq!(data["address"], json!(address));
    assert_eq!(data["customerId"], json!(customer));
    assert_eq!(data["purseId"], json!(purse_id));
    assert_eq!(data["customerBlocked"], json!(false));
    let deliveries = settled_deliveries(running.sandbox()).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].outcome, DeliveryOutcome::Delivered);
}

#[tokio::test]
async fn events_list_every_attempt_and_a_resend_signs_the_same_body_again() {
    let running = common::start(common::two_accounts()).await;
    let receiver = Receiver::start().await;
    let subscription = subscribe(&running, DEMO_ACCOUNT, receiver.url("/hooks"), None);
    let other = subscribe(
        &running,
        common::OTHER_ACCOUNT,
        receiver.url("/other"),
        None,
    );
    let triggered = running
        .sandbox()
        .trigger(Trigger::new(Scenario::ConfirmedDeposit))
        .unwrap();
    assert_eq!(triggered.events.len(), 4);
    settled_deliveries(running.sandbox()).await;
    let first = receiver.wait_for("/hooks", 4).await[0].clone();

    let listed = get_json(&running, "/sandbox/events").await;
    let events: Vec<SandboxEvent> = serde_json::from_value(listed).unwrap();
    assert_eq!(
        events.iter().map(|event| event.id).collect::<Vec<_>>(),
        [4, 3, 2, 1],
        "newest first"
    );
    let one: SandboxEvent =
        serde_json::from_value(get_json(&running, "/sandbox/events/1").await).unwrap();
    assert_eq!(one.event_type, MemPool);
    assert_eq!(one.account, DEMO_ACCOUNT);
    let data: PurseDepositEvent = one.data().unwrap();
    assert_eq!(
        data.transaction_id,
        Some(triggered.transaction.as_ref().unwrap().id.to_string())
    );
    let delivery = &one.deliveries[0];
    assert_eq!(delivery.subscription, subscription.request_id);
    assert_eq!(delivery.attempts.len(), 1);
    assert_eq!(delivery.attempts[0].status, DeliveryStatus::Http(200));
    assert!(delivery.attempts[0].delivered());
    assert!(delivery.attempts[0].at.ends_with('Z'), "{delivery:?}");
    assert_eq!(delivery.next_attempt_at, None);

    // Resent over HTTP (empty body: to every subscription that asks for it).
    let answer = post_json(&running, "/sandbox/events/1/resend", &[], String::new()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let again = receiver.wait_for("/hooks", 5).await[4].clone();
    assert_eq!(again.body, first.body, "the same bytes");
    assert_eq!(again.headers["Sign"], first.headers["Sign"]);
    assert_signed(&again, &subscription);
    let resent = running
        .sandbox()
        .wait_for(WAIT, |events| {
            let delivery = &events[0].deliveries[0];
            (delivery.attempts.len() == 2 && delivery.outcome == DeliveryOutcome::Delivered)
                .then(|| delivery.clone())
        })
        .await
        .unwrap();
    assert_eq!(resent.attempts.len(), 2);
    assert!(receiver.at("/other").is_empty());

    // To one named subscription; refused for another account's, an unknown one or event.
    let to_one = json!({"subscription": subscription.request_id}).to_string();
    let answer = post_json(&running, "/sandbox/events/2/resend", &[], to_one).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    for (path, body, status) in [
        (
            "/sandbox/events/2/resend",
            json!({"subscription": other.request_id}),
            400,
        ),
        (
            "/sandbox/events/2/resend",
            json!({"subscription": Uuid::nil()}),
            404,
        ),
        ("/sandbox/events/99/resend", json!({}), 404),
        ("/sandbox/events/x/resend", json!({}), 400),
        (
            "/sandbox/events/2/resend",
            json!({"subscription": "nope"}),
            400,
        ),
        ("/sandbox/events/2/resend", json!({"to": "all"}), 400),
    ] {
        let answer = post_json(&running, path, &[], body.to_string()).await;
        assert_eq!(answer.status, status, "{path} {body}: {}", answer.body);
        assert!(answer.json()["error"].is_string(), "{}", answer.body);
    }
    let (status, _) = get_status(&running, "/sandbox/events/0").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_when_the_moved_clock_reaches_its_schedule() {
    let hour = Duration::from_secs(3600);
    let running = common::start(Settings {
        webhook_retries: RetrySchedule {
            delays: vec![hour, hour],
            jitter: 0.0,
        },
        ..Settings::default()
    })
    .await;
    let client = common::demo_client(&running);
    let receiver = Receiver::start().await;
    receiver.fail_first.store(1, Ordering::SeqCst);
    subscribe(
        &running,
        DEMO_ACCOUNT,
        receiver.url("/hooks"),
        Some(vec![MemPool]),
    );
    let (_, _, address) = customer_with_purse(&client, "USDT_TRC20").await;
    deposit(&running, &address, "3", Outcome::Confirmed);

    let waiting = running
        .sandbox()
        .wait_for(WAIT, |events| {
            let delivery = events.first()?.deliveries.first()?;
            (delivery.attempts.len() == 1).then(|| delivery.clone())
        })
        .await
        .unwrap();
    assert_eq!(waiting.outcome, DeliveryOutcome::Pending);
    assert_eq!(waiting.attempts[0].status, DeliveryStatus::Http(500));
    let due = waiting.next_attempt_at.expect("a retry is scheduled");
    let now = running.sandbox().clock().now;
    assert!(due > now, "{due} after {now}");
    // Nothing happens on its own within a real moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.at("/hooks").len(), 1);

    running.sandbox().advance_clock(3600).unwrap();
    let deliveries = settled_deliveries(running.sandbox()).await;
    assert_eq!(deliveries[0].attempts, 2);
    assert_eq!(deliveries[0].outcome, DeliveryOutcome::Delivered);
    assert_eq!(receiver.at("/hooks").len(), 2);
}

#[tokio::test]
async fn triggers_run_a_whole_case_in_one_call_and_refuse_bad_input() {
    let running = common::start(common::two_accounts()).await;
    let client = common::demo_client(&running);
    let trigger = |body: Value| post_json(&running, "/sandbox/trigger", &[], body.to_string());

    let answer = trigger(json!({"scenario": "confirmed_deposit", "amount": "12.345"})).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let confirmed: Triggered = serde_json::from_str(&answer.body).unwrap();
    let transaction = confirmed.transaction.as_ref().unwrap();
    assert_eq!(transaction.transaction_state, TransactionState::Confirmed);
    assert!(transaction.translation_to_account_completed);
    assert_eq!(transaction.amount.to_string(), "12.345");
    assert_eq!(
        confirmed
            .events
            .iter()
            .map(|e| e.event_type)
            .collect::<Vec<_>>(),
        [MemPool, Pending, Funds, Credited]
    );
    // What it made is the API's: the client reads the same customer and transaction.
    let customer_id = confirmed.customer.id.unwrap();
    let read = client
        .get_customer(&CustomerIdRequest::new(customer_id))
        .await
        .unwrap();
    assert_eq!(read, confirmed.customer);

    let answer = trigger(json!({"scenario": "declined_deposit", "customerId": customer_id, "currency": "USDT_TRC20"})).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let declined: Triggered = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(declined.customer.id, Some(customer_id));
    assert_eq!(
        declined.transaction.unwrap().transaction_state,
        TransactionState::Declined
    );
    assert_eq!(declined.events.len(), 3);

    let expired = running
        .sandbox()
        .trigger(Trigger {
            account: Some(common::OTHER_ACCOUNT.into()),
            ..Trigger::new(Scenario::ExpiredAddress)
        })
        .unwrap();
    assert_eq!(expired.account, common::OTHER_ACCOUNT);
    assert!(expired.transaction.is_none());
    assert_eq!(expired.events.len(), 1);
    assert_eq!(
        expired.events[0].event_type,
        WebhookEventType::CustomerPurseExpired
    );

    let customers_before = running.sandbox().requests(&Default::default()).len();
    for (body, status) in [
        (json!({"scenario": "refund"}), 400),
        (json!({}), 400),
        (
            json!({"scenario": "confirmed_deposit", "amount": "-1"}),
            400,
        ),
        (
            json!({"scenario": "confirmed_deposit", "amount": "lots"}),
            400,
        ),
        (
            json!({"scenario": "confirmed_deposit", "currency": "DOGE"}),
            400,
        ),
        (
            json!({"scenario": "confirmed_deposit", "customerId": Uuid::nil()}),
            404,
        ),
        (
            json!({"scenario": "confirmed_deposit", "account": "0xnobody"}),
            404,
        ),
        (
            json!({"scenario": "confirmed_deposit", "colour": "red"}),
            400,
        ),
    ] {
        let answer = trigger(body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        assert!(answer.json()["error"].is_string(), "{}", answer.body);
    }
    // Refused triggers made nothing: the same three events as before.
    assert_eq!(running.sandbox().events().len(), 8);
    assert_eq!(
        running.sandbox().requests(&Default::default()).len(),
        customers_before
    );
}

async fn get_status(running: &Running, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("{}{path}", running.base_url()))
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn get_json(running: &Running, path: &str) -> Value {
    let (status, body) = get_status(running, path).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}
