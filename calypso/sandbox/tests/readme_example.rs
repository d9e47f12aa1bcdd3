use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, PurseAddressRequest, TransactionIdRequest,
    TransactionState,
};
use calypso_customer_purse_sandbox::{Deposit, Outcome, Sandbox};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn a_new_customer_reads_back() -> TestResult {
    let running = Sandbox::default().start_local().await?;
    let client = running.client()?;

    let created = client
        .create_customer(&CreateCustomerRequest::new().with_external_id("user-42"))
        .await?;
    let id = created
        .id
        .ok_or("the sandbox returns the new customer's id")?;
    let read = client.get_customer(&CustomerIdRequest::new(id)).await?;
    assert_eq!(read.external_id.as_deref(), Some("user-42"));

    running.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_settled_deposit_is_confirmed() -> TestResult {
    let running = Sandbox::default().start_local().await?;
    let client = running.client()?;
    let customer = client
        .create_customer(&CreateCustomerRequest::new().with_external_id("payer-7"))
        .await?;
    let customer_id = customer
        .id
        .ok_or("the sandbox returns the new customer's id")?;
    let purse = client
        .get_purse_address(&PurseAddressRequest::new(customer_id, "USDT_TRC20"))
        .await?;

    // Sandbox only: money arrives at the address, then passes the compliance check.
    let deposit = running.sandbox().deposit(Deposit {
        address: purse.address,
        currency: "USDT_TRC20".to_owned(),
        amount: "125.50".parse()?,
        outcome: Outcome::Confirmed,
        address_from: None,
        transaction_hash: None,
    })?;
    running.sandbox().settle(deposit.id)?;

    let seen = client
        .get_transaction(&TransactionIdRequest::new(deposit.id))
        .await?;
    assert_eq!(seen.transaction_state, TransactionState::Confirmed);
    assert_eq!(seen.amount.to_string(), "125.50");
    Ok(())
}
