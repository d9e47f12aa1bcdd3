//! The merchant's code against the sandbox (`calypso-customer-purse-sandbox`): a local server
//! that checks requests like the real API and keeps state, so the code runs end to end, with
//! simulated deposits.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use calypso_customer_purse::types::{
    ErrorCode, ExternalIdRequest, PurseAddressRequest, TransactionIdRequest, TransactionState,
};
use calypso_customer_purse::{
    Client, Decimal, Error, InMemoryDeduplicator, SecretString, Uuid, WebhookError,
    WebhookReceiver, WebhookVerifier,
};
use calypso_customer_purse_sandbox::{
    DEMO_ACCOUNT, DeliveryOutcome, DeliveryStatus, Deposit, Resend, Running, Sandbox,
    WebhookDelivery, WebhookRegistration,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use user_project::{
    ConfirmedDeposit, Handled, Ledger, WebhookRefused, WebhookState, deposits_of, handle_webhook,
    onboard, webhook_endpoint,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CURRENCY: &str = "USDT_TRC20";

/// How long a test waits for webhooks before it fails.
const WAIT: Duration = Duration::from_secs(10);

/// A customer onboarded by the merchant's code, and its id.
async fn customer(client: &Client, external_id: &str) -> Result<Uuid, Box<dyn std::error::Error>> {
    let customer = onboard(client, external_id).await?;
    Ok(customer.id.ok_or("the sandbox returns the customer's id")?)
}

/// Sandbox only: `amount` arrives at the customer's deposit address; the transaction's id.
async fn deposit(
    running: &Running,
    client: &Client,
    customer_id: Uuid,
    amount: &str,
) -> Result<Uuid, Box<dyn std::error::Error>> {
    let purse = client
        .get_purse_address(&PurseAddressRequest::new(customer_id, CURRENCY))
        .await?;
    let transaction =
        running
            .sandbox()
            .deposit(Deposit::new(purse.address, CURRENCY, amount.parse()?))?;
    Ok(transaction.id)
}

#[tokio::test]
async fn an_unknown_customer_is_created_and_then_found() -> TestResult {
    let running = Sandbox::default().start_local().await?;
    let client = running.client()?;

    // What `onboard` relies on: the API's "not found" for an external id it does not know.
    match client
        .get_customer_by_external_id(&ExternalIdRequest::new("shop-42"))
        .await
    {
        Err(Error::Api(refused)) => {
            assert_eq!(refused.body.error_code, Some(ErrorCode::NotFound));
        }
        other => panic!("expected the API's not-found refusal, got {other:?}"),
    }

    let created = onboard(&client, "shop-42").await?;
    let id = created
        .id
        .ok_or("the sandbox returns the new customer's id")?;
    assert_eq!(created.external_id.as_deref(), Some("shop-42"));
    assert_eq!(created.blocked, Some(false));

    let found = onboard(&client, "shop-42").await?;
    assert_eq!(found.id, Some(id));
    assert_eq!(found.external_id.as_deref(), Some("shop-42"));
    let looked_up = client
        .get_customer_by_external_id(&ExternalIdRequest::new("shop-42"))
        .await?;
    assert_eq!(looked_up.id, Some(id));

    let other = onboard(&client, "shop-43").await?;
    assert!(other.id.is_some_and(|other| other != id), "{other:?}");

    running.stop().await?;
    Ok(())
}

#[tokio::test]
async fn every_deposit_of_a_customer_is_walked_in_order_over_pages() -> TestResult {
    let running = Sandbox::default().start_local().await?;
    let client = running.client()?;
    let payer = customer(&client, "payer-1").await?;
    let someone_else = customer(&client, "payer-2").await?;

    // Five deposits: three pages of two, the last one short. Amounts with more digits than an
    // f64 holds must come back exact.
    let amounts = [
        "125.50",
        "0.000001",
        "1234.567890123456789012",
        "7",
        "99.90",
    ];
    let mut made = Vec::new();
    for (n, amount) in amounts.iter().enumerate() {
        made.push(deposit(&running, &client, payer, amount).await?);
        if n == 1 {
            // Another customer's deposit in between is not theirs.
            deposit(&running, &client, someone_else, "5").await?;
        }
    }

    let deposits = deposits_of(&client, payer).await?;
    let ids: Vec<Uuid> = deposits.iter().map(|deposit| deposit.id).collect();
    assert_eq!(ids, made, "oldest first, each once");
    let seen: Vec<String> = deposits.iter().map(|d| d.amount.to_string()).collect();
    assert_eq!(seen, amounts);
    let total: Decimal = deposits.iter().map(|deposit| deposit.amount).sum();
    assert_eq!(total.to_string(), "1466.967891123456789012");
    assert!(deposits.iter().all(|deposit| deposit.currency == CURRENCY));

    let theirs = deposits_of(&client, someone_else).await?;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].amount.to_string(), "5");

    running.stop().await?;
    Ok(())
}

/// The merchant's webhook URL, served on loopback: it answers 200 and hands each delivery, as
/// received, to the test.
struct Receiver {
    url: String,
    deliveries: mpsc::UnboundedReceiver<(HeaderMap, Bytes)>,
}

impl Receiver {
    async fn start() -> std::io::Result<Self> {
        let (sender, deliveries) = mpsc::unbounded_channel();
        let app = axum::Router::new().route(
            "/calypso/webhooks",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| async move {
                match sender.send((headers, body)) {
                    Ok(()) => StatusCode::OK,
                    Err(_) => StatusCode::SERVICE_UNAVAILABLE,
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/calypso/webhooks", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { url, deliveries })
    }

    /// The next delivery; fails after [`WAIT`].
    async fn next(&mut self) -> (HeaderMap, Bytes) {
        tokio::time::timeout(WAIT, self.deliveries.recv())
            .await
            .unwrap_or_else(|_| panic!("no webhook within {WAIT:?}"))
            .expect("the receiver keeps running")
    }
}

/// The sandbox's record of its deliveries once `count` were made and none is pending: the
/// sandbox's own wait, no poll loop; fails after [`WAIT`].
async fn finished_deliveries(sandbox: &Sandbox, count: usize) -> Vec<WebhookDelivery> {
    sandbox
        .wait_for_deliveries(count, WAIT)
        .await
        .unwrap_or_else(|timeout| panic!("{timeout}"))
}

#[tokio::test]
async fn a_settled_deposit_reaches_the_webhook_handler_signed() -> TestResult {
    let running = Sandbox::default().start_local().await?;
    let client = running.client()?;
    let mut receiver = Receiver::start().await?;
    let subscription = running.sandbox().register_webhook(WebhookRegistration {
        account: DEMO_ACCOUNT.to_owned(),
        url: receiver.url.clone(),
        event_types: None,
    })?;
    // What the merchant keeps from the subscription, its secret key in the secret store.
    let verifier = subscription.verifier();

    let payer = customer(&client, "payer-9").await?;
    let amount = "1234.567890123456789012";
    let transaction_id = deposit(&running, &client, payer, amount).await?;
    running.sandbox().settle(transaction_id)?;

    // The deposit, then each step of settling it, in order.
    let mut handled = Vec::new();
    let mut confirmed_delivery = None;
    for _ in 0..4 {
        let (headers, body) = receiver.next().await;
        let outcome = handle_webhook(&verifier, &headers, &body)?;
        if matches!(outcome, Handled::DepositConfirmed(_)) {
            confirmed_delivery = Some((headers, body));
        }
        handled.push(outcome);
    }
    let step = |event_type: &str| Handled::DepositStep {
        event_type: event_type.to_owned(),
        transaction_id,
    };
    let confirmed = ConfirmedDeposit {
        transaction_id,
        customer_id: payer,
        amount: amount.parse()?,
        currency: CURRENCY.to_owned(),
    };
    assert_eq!(
        handled,
        [
            step("CUSTOMER_PURSE_MEM_POOL_FOUND"),
            step("CUSTOMER_PURSE_PENDING_COMPLIANCE"),
            Handled::DepositConfirmed(confirmed.clone()),
            step("CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED"),
        ]
    );
    let Handled::DepositConfirmed(credited) = &handled[2] else {
        unreachable!("compared above");
    };
    // Exact to the last digit and scale, though the webhook writes it as a JSON number.
    assert_eq!(credited.amount.to_string(), amount);

    // Re-read, as the provider recommends before acting on a webhook.
    let read = client
        .get_transaction(&TransactionIdRequest::new(credited.transaction_id))
        .await?;
    assert_eq!(read.transaction_state, TransactionState::Confirmed);
    assert_eq!(read.amount, credited.amount);

    // The sandbox saw each one answered 200 the first time, and sent nothing more.
    let deliveries = finished_deliveries(running.sandbox(), 4).await;
    assert_eq!(deliveries.len(), 4, "{deliveries:#?}");
    for delivery in &deliveries {
        assert_eq!(delivery.request_id, subscription.request_id);
        assert_eq!(delivery.outcome, DeliveryOutcome::Delivered);
        assert_eq!(delivery.attempts, 1);
        assert_eq!(delivery.status, Some(DeliveryStatus::Http(200)));
    }

    // A delivery changed on the way, one digit of its amount, is refused.
    let (headers, body) = confirmed_delivery.ok_or("the confirmed deposit's webhook")?;
    let at = body
        .windows(amount.len())
        .position(|window| window == amount.as_bytes())
        .ok_or("the amount is in the body as sent")?;
    let mut tampered = body.to_vec();
    tampered[at] = b'9';
    match handle_webhook(&verifier, &headers, &tampered) {
        Err(WebhookRefused::Unverified(WebhookError::BadSignature)) => {}
        other => panic!("expected the tampered webhook refused, got {other:?}"),
    }
    // So is the untouched one, checked with a secret that is not the subscription's.
    let elsewhere = WebhookVerifier::new(
        subscription.public_key.clone(),
        &SecretString::from("not the subscription secret"),
    );
    match handle_webhook(&elsewhere, &headers, &body) {
        Err(WebhookRefused::Unverified(WebhookError::BadSignature)) => {}
        other => panic!("expected a webhook under another secret refused, got {other:?}"),
    }
    // And the untouched one still goes through: only the change made the difference.
    assert_eq!(
        handle_webhook(&verifier, &headers, &body)?,
        Handled::DepositConfirmed(confirmed)
    );

    running.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_deposit_s_webhook_sent_again_is_credited_once() -> TestResult {
    let running = Sandbox::default().start_local().await?;
    let client = running.client()?;
    // The merchant's endpoint, served on loopback, as their service serves it.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/calypso/webhooks", listener.local_addr()?);
    let subscription = running.sandbox().register_webhook(WebhookRegistration {
        account: DEMO_ACCOUNT.to_owned(),
        url: url.clone(),
        event_types: None,
    })?;
    let ledger = Arc::new(Ledger::default());
    let state = WebhookState {
        receiver: WebhookReceiver::new(subscription.verifier()).deduplicate_with(
            InMemoryDeduplicator::new(100_000, Duration::from_secs(24 * 3600)),
        ),
        ledger: Arc::clone(&ledger),
    };
    let app = webhook_endpoint("/calypso/webhooks", state);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let payer = customer(&client, "payer-once").await?;
    let transaction_id = deposit(&running, &client, payer, "25.50").await?;
    running.sandbox().settle(transaction_id)?;

    // The deposit's four events, each answered 200; one of them confirms it.
    let deliveries = finished_deliveries(running.sandbox(), 4).await;
    for delivery in &deliveries {
        assert_eq!(
            delivery.status,
            Some(DeliveryStatus::Http(200)),
            "{delivery:#?}"
        );
    }
    let credited = ConfirmedDeposit {
        transaction_id,
        customer_id: payer,
        amount: "25.50".parse()?,
        currency: CURRENCY.to_owned(),
    };
    assert_eq!(ledger.credits(), std::slice::from_ref(&credited));

    // The API sends the confirmation again, as it does when it got no 2xx in time: the
    // endpoint answers 200 and credits nothing more.
    let confirmation = running
        .sandbox()
        .events()
        .into_iter()
        .find(|event| event.event_type.as_str() == "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE")
        .ok_or("the confirmation event")?;
    running
        .sandbox()
        .resend(confirmation.id, Resend::default())?;
    let attempts = running
        .sandbox()
        .wait_for(WAIT, |events| {
            let event = events.iter().find(|event| event.id == confirmation.id)?;
            let attempts = &event.deliveries.first()?.attempts;
            (attempts.len() == 2).then(|| attempts.clone())
        })
        .await?;
    assert_eq!(
        attempts[1].status,
        DeliveryStatus::Http(200),
        "{attempts:#?}"
    );
    assert_eq!(ledger.credits(), [credited]);

    // A delivery that is not the API's never reaches the handler.
    let http = calypso_customer_purse::reqwest::Client::new();
    let forged = http
        .post(&url)
        .header("Key", subscription.public_key.as_str())
        .header("Sign", "0".repeat(128))
        .body(r#"{"eventType":"CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE"}"#)
        .send()
        .await?;
    assert_eq!(forged.status().as_u16(), 401);
    assert_eq!(forged.text().await?, "webhook signature does not match");
    let unsigned = http.post(&url).body("{}").send().await?;
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(ledger.credits().len(), 1);

    running.stop().await?;
    Ok(())
}
