//! Quickstart: the generated client against the sandbox, offline.
//!
//! `cargo run -p calypso-customer-purse-sandbox --example quickstart` starts a sandbox in this
//! process. To use one started with `cargo run -p calypso-customer-purse-sandbox`, pass its base
//! URL: `SANDBOX_URL=http://127.0.0.1:PORT`.
//!
//! It creates a customer, gets a deposit address, subscribes a local webhook receiver,
//! simulates a deposit through the sandbox-only routes, checks and prints each webhook the
//! deposit sends, then walks the customer's transactions and prints them.

use calypso_customer_purse::types::{
    CreateCustomerRequest, FindTransactionsRequest, PurseAddressRequest, TransactionIdRequest,
};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use calypso_customer_purse::{Client, SecretString, Uuid, WebhookVerifier, reqwest};
use calypso_customer_purse_sandbox::{
    DEMO_ACCOUNT, DEMO_API_KEY, DEMO_API_SECRET, Sandbox, Settings,
};
use tokio::sync::mpsc;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    // 1. A sandbox: the one at SANDBOX_URL, or a fresh one on a free local port.
    let (base_url, _running) = match std::env::var("SANDBOX_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let running = Sandbox::new(Settings::default())?
                .start("127.0.0.1:0".parse()?)
                .await?;
            (running.base_url(), Some(running))
        }
    };
    println!("sandbox at {base_url}");

    // 2. A client, exactly as for the real API but with the sandbox's URL and demo key pair.
    let client = Client::builder()
        .base_url(&base_url)
        .account(DEMO_ACCOUNT)
        .api_key(DEMO_API_KEY)
        .api_secret(SecretString::from(DEMO_API_SECRET))
        .build()?;

    // 3. A customer, identified by our own id as well.
    let external_id = format!("quickstart-{}", Uuid::new_v4().simple());
    let customer = client
        .create_customer(
            &CreateCustomerRequest::new()
                .with_external_id(external_id)
                .with_email("ada@example.com"),
        )
        .await?;
    let customer_id = customer
        .id
        .ok_or("the sandbox always returns the customer id")?;
    println!("created customer {customer_id}");

    // 4. Its deposit address for USDT on Tron.
    let currency = "USDT_TRC20";
    let address = client
        .get_purse_address(&PurseAddressRequest::new(customer_id, currency))
        .await?;
    println!("deposit address for {currency}: {}", address.address);

    // 5. A webhook receiver on a local port, subscribed through the sandbox-only route. The
    //    real API's subscriptions are made in its merchant UI or subscription API.
    let mut events = receive_webhooks(&base_url).await?;

    // 6. Sandbox only: money arrives at that address and goes through compliance.
    let transaction_id = simulate_deposit(&base_url, &address.address, currency, "125.50").await?;
    let transaction = client
        .get_transaction(&TransactionIdRequest::new(transaction_id))
        .await?;
    println!(
        "deposit {transaction_id} is now {}",
        transaction.transaction_state
    );

    // 7. Each step of the deposit sent a signed webhook: four for a confirmed deposit.
    for _ in 0..4 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await?
            .ok_or("the receiver stopped")?;
        println!("webhook: {event}");
    }

    // 8. Walk every page of the customer's transactions and print them.
    let transactions = client
        .find_transactions_all(&FindTransactionsRequest::new().with_customer_id(customer_id))
        .await?;
    println!(
        "found {} transaction(s) for the customer:",
        transactions.len()
    );
    for transaction in transactions {
        println!(
            "  {} {} {} from {}: {} / compliance {} / credited {}",
            transaction.id,
            transaction.amount,
            transaction.currency,
            transaction.address_from,
            transaction.transaction_state,
            transaction.compliance_state,
            transaction.translation_to_account_completed
        );
    }
    Ok(())
}

/// Posts a deposit to the sandbox-only route and settles it; returns the transaction id.
async fn simulate_deposit(
    base_url: &str,
    address: &str,
    currency: &str,
    amount: &str,
) -> Result<Uuid> {
    let http = reqwest::Client::new();
    let deposit = serde_json::json!({ "address": address, "currency": currency, "amount": amount });
    let response = http
        .post(format!("{base_url}/sandbox/deposits"))
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(&deposit)?)
        .send()
        .await?
        .error_for_status()?;
    let created: serde_json::Value = serde_json::from_slice(&response.bytes().await?)?;
    let id: Uuid = created["id"]
        .as_str()
        .ok_or("deposit answer has an id")?
        .parse()?;
    http.post(format!("{base_url}/sandbox/transactions/{id}/settle"))
        .send()
        .await?
        .error_for_status()?;
    Ok(id)
}

/// Starts a receiver on a free local port, subscribes it to the demo account's webhooks, and
/// returns a channel of the verified events, one line each.
async fn receive_webhooks(base_url: &str) -> Result<mpsc::UnboundedReceiver<String>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    let registration = serde_json::json!({ "account": DEMO_ACCOUNT, "url": url });
    let answer = reqwest::Client::new()
        .post(format!("{base_url}/sandbox/webhooks"))
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(&registration)?)
        .send()
        .await?
        .error_for_status()?;
    let subscription: serde_json::Value = serde_json::from_slice(&answer.bytes().await?)?;
    let field = |name: &str| subscription[name].as_str().map(str::to_owned);
    let public_key = field("publicKey").ok_or("the subscription has a public key")?;
    let secret_key = field("secretKey").ok_or("the subscription has a secret key")?;
    let verifier = WebhookVerifier::new(public_key, &SecretString::from(secret_key));

    let (events, received) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/webhooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| async move {
            // The raw bytes, as received: the signature covers exactly those.
            match verifier.verify(&headers, &body) {
                Ok(webhook) => {
                    let id = webhook.envelope.id.unwrap_or_default();
                    let _ = events.send(format!("#{id} {}", webhook.event.event_type()));
                    StatusCode::OK
                }
                Err(error) => {
                    eprintln!("refused a webhook: {error}");
                    StatusCode::UNAUTHORIZED
                }
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(received)
}
