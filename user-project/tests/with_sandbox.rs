//! The merchant's code against the sandbox (`calypso-customer-purse-sandbox`): a local server
//! that checks requests like the real API and keeps state, so the code runs end to end, with
//! simulated deposits.

use calypso_customer_purse::types::{ErrorCode, ExternalIdRequest, PurseAddressRequest};
use calypso_customer_purse::{Client, Decimal, Error, Uuid};
use calypso_customer_purse_sandbox::{Deposit, Outcome, Running, Sandbox};
use user_project::{deposits_of, onboard};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CURRENCY: &str = "USDT_TRC20";

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
    let transaction = running.sandbox().deposit(Deposit {
        address: purse.address,
        currency: CURRENCY.to_owned(),
        amount: amount.parse()?,
        outcome: Outcome::Confirmed,
        address_from: None,
        transaction_hash: None,
    })?;
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
