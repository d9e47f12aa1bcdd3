//! The merchant's code against the client's mock (`calypso-customer-purse` with `mock`):
//! tests of the kind a user writes, with canned answers and the mock's record of calls.

use calypso_customer_purse::mock::{MockApi, Outcome, Refusal};
use calypso_customer_purse::types::{
    ComplianceState, Customer, ErrorCode, ErrorResponse, ExternalIdRequest, Transaction,
    TransactionPage, TransactionState,
};
use calypso_customer_purse::{Decimal, Error, OffsetDateTime, SecretString, Uuid};
use user_project::{deposits_of, onboard};

const CUSTOMER_ID: Uuid = Uuid::from_u128(0x1234);

fn customer(external_id: &str) -> Customer {
    Customer::new()
        .with_id(CUSTOMER_ID)
        .with_external_id(external_id)
        .with_blocked(false)
}

fn not_found() -> ErrorResponse {
    ErrorResponse::new()
        .with_error_code(ErrorCode::NotFound)
        .with_message("customer not found")
}

fn deposit(n: u128) -> Transaction {
    Transaction::new(
        Uuid::from_u128(n),
        Decimal::new(1050, 2),
        "0xfrom",
        "USDT",
        TransactionState::Completed,
        ComplianceState::Checked,
        true,
        OffsetDateTime::UNIX_EPOCH,
    )
}

#[tokio::test]
async fn an_unknown_customer_is_created() {
    let mock = MockApi::start().await;
    mock.get_customer_by_external_id()
        .expect(1)
        .respond_with_error(400, &not_found());
    mock.create_customer()
        .expect(1)
        .respond_with(&customer("shop-42"));

    let onboarded = onboard(&mock.client(), "shop-42").await.unwrap();
    assert_eq!(onboarded.id, Some(CUSTOMER_ID));
    let created = mock.create_customer().calls();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].external_id.as_deref(), Some("shop-42"));
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_known_customer_is_not_created_again() {
    let mock = MockApi::start().await;
    mock.get_customer_by_external_id()
        .when(|lookup| lookup.external_id == "shop-7")
        .respond_with(&customer("shop-7"));
    mock.create_customer()
        .expect(0)
        .respond_with(&customer("shop-7"));

    let onboarded = onboard(&mock.client(), "shop-7").await.unwrap();
    assert_eq!(onboarded.external_id.as_deref(), Some("shop-7"));
    mock.verify().unwrap();
}

#[tokio::test]
async fn a_read_that_fails_with_503_is_retried() {
    let mock = MockApi::start().await;
    mock.get_customer_by_external_id()
        .respond_with(&customer("shop-1"));
    mock.get_customer_by_external_id()
        .times(1)
        .respond_with_status(503);

    let onboarded = onboard(&mock.client(), "shop-1").await.unwrap();
    assert_eq!(onboarded.id, Some(CUSTOMER_ID));
    assert_eq!(
        mock.get_customer_by_external_id().calls(),
        [
            ExternalIdRequest::new("shop-1"),
            ExternalIdRequest::new("shop-1")
        ]
    );
}

#[tokio::test]
async fn a_server_clock_that_is_off_is_learned_and_the_call_goes_through() {
    let mock = MockApi::start().await;
    mock.set_clock_skew(-600);
    mock.get_customer_by_external_id()
        .respond_with(&customer("shop-9"));
    let client = mock.client();

    onboard(&client, "shop-9").await.unwrap();
    let offset = client
        .clock_offset_millis()
        .expect("the client learned the clock");
    assert!((-601_000..=-599_000).contains(&offset), "{offset}");
    let outcomes: Vec<Outcome> = mock.calls().into_iter().map(|call| call.outcome).collect();
    assert!(matches!(
        outcomes[0],
        Outcome::Refused(Refusal::StaleTimestamp(_))
    ));
    assert!(matches!(outcomes[1], Outcome::Answered(_)));
}

#[tokio::test]
async fn a_client_with_the_wrong_secret_is_caught() {
    let mock = MockApi::start().await;
    mock.get_customer_by_external_id()
        .respond_with(&customer("shop-3"));
    let misconfigured = mock
        .client_builder()
        .api_secret(SecretString::from("a secret from the wrong vault"))
        .build()
        .unwrap();

    match onboard(&misconfigured, "shop-3").await {
        Err(Error::Api(refused)) => {
            assert_eq!(refused.body.error_code, Some(ErrorCode::WrongSign));
        }
        other => panic!("expected the API's wrong-sign refusal, got {other:?}"),
    }
    let refused = mock.refused_calls();
    assert_eq!(refused.len(), 1);
    assert!(matches!(
        refused[0].outcome,
        Outcome::Refused(Refusal::BadSignature(_))
    ));
}

#[tokio::test]
async fn every_page_of_deposits_is_walked() {
    let mock = MockApi::start().await;
    // Pages are numbered from 1; each answers two of five deposits.
    for page in 1..=3 {
        let items: Vec<Transaction> = (1..=5u128)
            .filter(|n| (*n as i32 + 1) / 2 == page)
            .map(deposit)
            .collect();
        let answer = TransactionPage::new(page, 2, 3, 5).with_result(items);
        mock.find_transactions()
            .when(move |query| query.page_number == Some(page))
            .expect(1)
            .respond_with(&answer);
    }

    let deposits = deposits_of(&mock.client(), CUSTOMER_ID).await.unwrap();
    let ids: Vec<Uuid> = deposits.iter().map(|t| t.id).collect();
    assert_eq!(ids, (1..=5).map(Uuid::from_u128).collect::<Vec<_>>());
    let asked = mock.find_transactions().calls();
    assert!(
        asked
            .iter()
            .all(|query| query.customer_id == Some(CUSTOMER_ID))
    );
    mock.verify().unwrap();
}
