//! End to end: the generated client against a sandbox on a free local port, for every operation,
//! every error code the sandbox answers, and `transaction/find`'s paging, filters and sorting.
//!
//! Each test starts its own sandbox, so tests run in parallel and share no state.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use calypso_customer_purse::types::{
    ComplianceState, CreateCustomerRequest, Customer, CustomerIdRequest, ErrorCode,
    ExternalIdRequest, FindTransactionsRequest, Purse, PurseAddressRequest, PurseStatus,
    SortDirection, StringFilter, Transaction, TransactionIdRequest, TransactionPage,
    TransactionState, TransactionStateFilter, UpdateCustomerRequest,
};
use calypso_customer_purse::{
    Client, Decimal, FixedClock, OffsetDateTime, RequestOptions, RetryPolicy, SecretString, Uuid,
};
use calypso_customer_purse_sandbox::{
    AdminError, Deposit, Fault, Outcome, Paging, Running, Settings,
};
use common::*;
use serde_json::json;

/// A transaction's progress: its state, its compliance state, and whether it was credited.
fn progress(transaction: &Transaction) -> (TransactionState, ComplianceState, bool) {
    (
        transaction.transaction_state.clone(),
        transaction.compliance_state.clone(),
        transaction.translation_to_account_completed,
    )
}

async fn read_transaction(client: &Client, id: Uuid) -> Transaction {
    client
        .get_transaction(&TransactionIdRequest::new(id))
        .await
        .unwrap()
}

async fn read_customer(client: &Client, id: Uuid) -> Customer {
    client
        .get_customer(&CustomerIdRequest::new(id))
        .await
        .unwrap()
}

/// The customer's purses, by currency (the API promises no order).
async fn purses(client: &Client, customer: Uuid) -> Vec<Purse> {
    let mut purses = client
        .get_purses(&CustomerIdRequest::new(customer))
        .await
        .unwrap();
    purses.sort_by(|a, b| a.currency.cmp(&b.currency));
    purses
}

/// The id of the transaction a sandbox-only route answered with.
fn id_of(answer: &RawAnswer) -> Uuid {
    let id = answer.json()["id"].as_str().map(str::parse);
    id.unwrap_or_else(|| panic!("no id: {}", answer.body))
        .unwrap()
}

fn purse(id: Option<Uuid>, address: &str, currency: &str, status: PurseStatus) -> Purse {
    Purse::new()
        .with_id(id.expect("address/get names the purse"))
        .with_address(address)
        .with_currency(currency)
        .with_status(status)
}

// ---------------------------------------------------------------------------------------------
// The ten operations, happy path.

#[tokio::test]
async fn customers_are_created_read_updated_blocked_and_unblocked() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);

    let created = client
        .create_customer(
            &CreateCustomerRequest::new()
                .with_description("Ada, VIP")
                .with_external_id("ada-1")
                .with_email("ada@example.com"),
        )
        .await
        .unwrap();
    let id = created.id.expect("the sandbox assigns an id");
    let ada = Customer::new()
        .with_id(id)
        .with_description("Ada, VIP")
        .with_external_id("ada-1")
        .with_email("ada@example.com")
        .with_blocked(false);
    assert_eq!(created, ada);
    let bob = new_customer(&client, "bob-1").await;
    assert_ne!(bob, id, "every customer gets its own id");

    assert_eq!(read_customer(&client, id).await, ada);
    let by_external_id = |external_id: &str| {
        let request = ExternalIdRequest::new(external_id);
        let client = client.clone();
        async move { client.get_customer_by_external_id(&request).await }
    };
    assert_eq!(by_external_id("ada-1").await.unwrap(), ada);

    // An update changes only the fields it gives.
    let updated = client
        .update_customer(&UpdateCustomerRequest::new(id).with_email("ada@new.example"))
        .await
        .unwrap();
    let ada = ada.with_email("ada@new.example");
    assert_eq!(updated, ada);
    let updated = client
        .update_customer(
            &UpdateCustomerRequest::new(id)
                .with_description("Ada")
                .with_external_id("ada-2"),
        )
        .await
        .unwrap();
    let ada = ada.with_description("Ada").with_external_id("ada-2");
    assert_eq!(updated, ada);
    assert_eq!(read_customer(&client, id).await, ada);
    assert_eq!(by_external_id("ada-2").await.unwrap(), ada);
    assert_refused(by_external_id("ada-1").await, 400, ErrorCode::NotFound);
    assert_eq!(
        read_customer(&client, bob).await.external_id.as_deref(),
        Some("bob-1"),
        "the other customer is untouched"
    );

    let address = address_of(&client, id, "ETH").await;
    let block = CustomerIdRequest::new(id);
    assert_eq!(
        client.block_customer(&block).await.unwrap(),
        ada.clone().with_blocked(true)
    );
    assert_eq!(
        client.block_customer(&block).await.unwrap().blocked,
        Some(true),
        "blocking twice keeps it blocked"
    );
    assert_eq!(read_customer(&client, id).await.blocked, Some(true));
    // The provider's guide: a blocked customer's addresses still receive deposits.
    let sent = deposit(&running, &address, "ETH", dec("0.25"), Outcome::Confirmed);
    assert_eq!(read_transaction(&client, sent.id).await.amount, dec("0.25"));

    assert_eq!(client.unblock_customer(&block).await.unwrap(), ada);
    assert_eq!(read_customer(&client, id).await, ada);
}

#[tokio::test]
async fn purse_addresses_are_stable_and_shared_within_a_chain_family() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let alice = new_customer(&client, "alice").await;
    let bob = new_customer(&client, "bob").await;
    let new_customer_purses = purses(&client, alice).await;
    assert!(new_customer_purses.is_empty(), "{new_customer_purses:?}");

    let get = |customer: Uuid, currency: &str| {
        let request = PurseAddressRequest::new(customer, currency);
        let client = client.clone();
        async move { client.get_purse_address(&request).await.unwrap() }
    };
    let eth = get(alice, "ETH").await;
    assert_eq!(
        get(alice, "ETH").await,
        eth,
        "same customer and currency: same purse"
    );
    assert!(
        eth.address.len() == 42
            && eth.address.starts_with("0x")
            && eth.address[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "an EVM address: {}",
        eth.address
    );
    // EVM chains share one address string, but each currency has its own purse.
    let usdt_bsc = get(alice, "USDT_BSC").await;
    assert_eq!(usdt_bsc.address, eth.address);
    assert_ne!(usdt_bsc.id, eth.id);
    let trx = get(alice, "TRX").await;
    assert_ne!(trx.address, eth.address, "Tron is another family");
    assert!(
        trx.address.starts_with('T') && trx.address.len() == 34,
        "{}",
        trx.address
    );
    let bobs_eth = get(bob, "ETH").await;
    assert_ne!(bobs_eth.address, eth.address, "addresses are per customer");

    let open = PurseStatus::PendingPayment;
    assert_eq!(
        purses(&client, alice).await,
        [
            purse(eth.id, &eth.address, "ETH", open.clone()),
            purse(trx.id, &trx.address, "TRX", open.clone()),
            purse(usdt_bsc.id, &eth.address, "USDT_BSC", open.clone()),
        ]
    );
    assert_eq!(
        purses(&client, bob).await,
        [purse(bobs_eth.id, &bobs_eth.address, "ETH", open)]
    );
}

#[tokio::test]
async fn a_confirmed_deposit_steps_through_compliance_to_the_merchant_account() {
    // A clock the test sets, so that the transaction's createdDate is known exactly.
    let clock = SharedClock::at(T0 + 123);
    let running = start(Settings {
        clock: Arc::new(clock.clone()),
        ..Settings::default()
    })
    .await;
    let client = builder(&running).clock(clock).build().unwrap();
    let customer = new_customer(&client, "saver").await;
    let address = address_of(&client, customer, "BTC").await;

    let sent = running
        .sandbox()
        .deposit(Deposit {
            address: address.clone(),
            currency: "BTC".into(),
            amount: dec("0.00123456"),
            outcome: Outcome::Confirmed,
            address_from: Some("bc1qsenderaddress".into()),
            transaction_hash: Some("f00dfeed".into()),
        })
        .unwrap();
    let seen = read_transaction(&client, sent.id).await;
    assert_eq!(seen, sent, "the client reads what the sandbox recorded");
    assert_eq!(
        (
            seen.amount,
            seen.currency.as_str(),
            seen.address_from.as_str(),
            seen.transaction_hash.as_deref(),
            seen.created_date,
        ),
        (
            dec("0.00123456"),
            "BTC",
            "bc1qsenderaddress",
            Some("f00dfeed"),
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(T0 + 123) * 1_000_000).unwrap(),
        )
    );

    use ComplianceState as C;
    use TransactionState as S;
    assert_eq!(progress(&seen), (S::MemPoolFound, C::Unchecked, false));
    let steps = [
        (S::PendingComplianceCheck, C::InProgress, false),
        (S::Confirmed, C::Checked, false),
        (S::Confirmed, C::Checked, true),
    ];
    for expected in steps {
        let advanced = running.sandbox().advance(sent.id).unwrap();
        assert_eq!(progress(&advanced), expected);
        assert_eq!(
            progress(&read_transaction(&client, sent.id).await),
            expected
        );
    }
    assert!(
        matches!(
            running.sandbox().advance(sent.id),
            Err(AdminError::Conflict(_))
        ),
        "a credited deposit is final"
    );

    let credited = read_transaction(&client, sent.id).await;
    let page = client
        .find_transactions(&FindTransactionsRequest::new().with_customer_id(customer))
        .await
        .unwrap();
    assert_eq!(page.total_elements, 1);
    assert_eq!(page.result, Some(vec![credited]));
    let [btc] = &purses(&client, customer).await[..] else {
        panic!("one purse")
    };
    assert_ne!(btc.status, Some(PurseStatus::Declined));
}

#[tokio::test]
async fn a_declined_deposit_ends_declined_and_blocks_its_address() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let customer = new_customer(&client, "risky").await;
    let evm = address_of(&client, customer, "ETH").await;
    let usdt_bsc = client
        .get_purse_address(&PurseAddressRequest::new(customer, "USDT_BSC"))
        .await
        .unwrap();
    let tron = address_of(&client, customer, "TRX").await;

    let sent = deposit(&running, &evm, "USDT_BSC", dec("10"), Outcome::Declined);
    use ComplianceState as C;
    use TransactionState as S;
    let advanced = running.sandbox().advance(sent.id).unwrap();
    assert_eq!(
        progress(&advanced),
        (S::PendingComplianceCheck, C::InProgress, false)
    );
    let declined = running.sandbox().advance(sent.id).unwrap();
    assert_eq!(progress(&declined), (S::Declined, C::Decline, false));
    assert_eq!(read_transaction(&client, sent.id).await, declined);
    assert!(matches!(
        running.sandbox().settle(sent.id),
        Err(AdminError::Conflict(_))
    ));

    // Every purse on the declined address is declined; the Tron purse is not.
    let statuses: Vec<_> = purses(&client, customer)
        .await
        .into_iter()
        .map(|p| (p.currency.unwrap(), p.status.unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("ETH".to_owned(), PurseStatus::Declined),
            ("TRX".to_owned(), PurseStatus::PendingPayment),
            ("USDT_BSC".to_owned(), PurseStatus::Declined),
        ]
    );
    assert_eq!(
        address_of(&client, customer, "USDT_BSC").await,
        usdt_bsc.address
    );

    // The address takes no more deposits, in any currency of its family.
    for currency in ["ETH", "USDT_BSC", "USDC_ERC20"] {
        let refused = running.sandbox().deposit(Deposit {
            address: evm.clone(),
            currency: currency.into(),
            amount: dec("1"),
            outcome: Outcome::Confirmed,
            address_from: None,
            transaction_hash: None,
        });
        assert!(
            matches!(refused, Err(AdminError::Conflict(_))),
            "{currency}: {refused:?}"
        );
    }
    deposit(&running, &tron, "TRX", dec("5"), Outcome::Confirmed);
}

#[tokio::test]
async fn deposits_through_the_http_routes_keep_every_decimal_digit() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let customer = new_customer(&client, "whale").await;
    let address = address_of(&client, customer, "ETH").await;

    // More digits than an f64 holds: only exact decimals all the way keep them.
    let amount = "1234567.123456789012345678";
    let body = json!({"address": address, "currency": "ETH", "amount": amount});
    let created = post_json(&running, "/sandbox/deposits", &[], body.to_string()).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.body.contains(amount), "{}", created.body);
    let id = id_of(&created);
    assert_eq!(created.json()["transactionState"], "MEM_POOL_FOUND");

    let settled = post_json(
        &running,
        &format!("/sandbox/transactions/{id}/settle"),
        &[],
        String::new(),
    )
    .await;
    assert_eq!(settled.status, 200, "{}", settled.body);
    assert_eq!(settled.json()["transactionState"], "CONFIRMED");
    assert_eq!(settled.json()["translationToAccountCompleted"], true);

    let seen = read_transaction(&client, id).await;
    assert_eq!(seen.amount, dec(amount));
    assert_eq!(
        seen.amount.to_string(),
        amount,
        "no digit and no scale lost"
    );
    assert_eq!(
        progress(&seen),
        (TransactionState::Confirmed, ComplianceState::Checked, true)
    );

    // The amount as a JSON number (written by hand: serde_json would go through f64).
    let tiny = "0.000000000000000001";
    let body = format!(r#"{{"address":"{address}","currency":"USDT_ERC20","amount":{tiny}}}"#);
    let created = post_json(&running, "/sandbox/deposits", &[], body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = id_of(&created);
    let advanced = post_json(
        &running,
        &format!("/sandbox/transactions/{id}/advance"),
        &[],
        String::new(),
    )
    .await;
    assert_eq!(
        advanced.json()["transactionState"],
        "PENDING_COMPLIANCE_CHECK"
    );
    let seen = read_transaction(&client, id).await;
    assert_eq!(
        (seen.amount, seen.currency.as_str()),
        (dec(tiny), "USDT_ERC20")
    );

    // An address the sandbox never handed out is refused.
    let stranger = "0x0000000000000000000000000000000000000000";
    let body = json!({"address": stranger, "currency": "ETH", "amount": "1"});
    let refused = post_json(&running, "/sandbox/deposits", &[], body.to_string()).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
}

/// The admin route's `Deposit` reads "a JSON number or string"; exponent notation is a JSON
/// number, and `1e-18` is exact, so it must be read as exactly 10⁻¹⁸ (the client reads such
/// numbers exactly too).
#[tokio::test]
async fn deposit_amounts_in_exponent_notation_are_read_exactly() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let customer = new_customer(&client, "scientist").await;
    let address = address_of(&client, customer, "ETH").await;
    for (written, exact) in [("1e-18", "0.000000000000000001"), ("1.5E+3", "1500")] {
        let body = format!(r#"{{"address":"{address}","currency":"ETH","amount":{written}}}"#);
        let created = post_json(&running, "/sandbox/deposits", &[], body).await;
        assert_eq!(created.status, 201, "amount {written}: {}", created.body);
        let seen = read_transaction(&client, id_of(&created)).await;
        assert_eq!(seen.amount, dec(exact), "amount {written}");
    }
}

// ---------------------------------------------------------------------------------------------
// Error codes.

#[tokio::test]
async fn unknown_keys_and_keys_of_another_account_are_002() {
    let running = start(two_accounts()).await;
    let attempt = CreateCustomerRequest::new().with_external_id("ghost");

    let unknown = builder(&running)
        .api_key("ffffffffffffffffffffffffffffffff")
        .build()
        .unwrap();
    assert_refused(
        unknown.create_customer(&attempt).await,
        400,
        ErrorCode::InvalidApiKey,
    );
    // A valid key pair, but of the other account, sent for the demo account.
    let crossed = builder(&running)
        .api_key(OTHER_API_KEY)
        .api_secret(SecretString::from(OTHER_API_SECRET))
        .build()
        .unwrap();
    assert_refused(
        crossed.create_customer(&attempt).await,
        400,
        ErrorCode::InvalidApiKey,
    );
    // The same pair acting for its own account is fine.
    new_customer(&other_client(&running), "own").await;

    let lookup = demo_client(&running)
        .get_customer_by_external_id(&ExternalIdRequest::new("ghost"))
        .await;
    assert_refused(lookup, 400, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_signature_under_the_wrong_secret_is_003() {
    let running = start(two_accounts()).await;
    let attempt = CreateCustomerRequest::new().with_external_id("ghost");
    for secret in ["0123456789abcdef0123456789abcdef", OTHER_API_SECRET, ""] {
        let wrong = builder(&running)
            .api_secret(SecretString::from(secret))
            .build()
            .unwrap();
        assert_refused(
            wrong.create_customer(&attempt).await,
            400,
            ErrorCode::WrongSign,
        );
    }
    let lookup = demo_client(&running)
        .get_customer_by_external_id(&ExternalIdRequest::new("ghost"))
        .await;
    assert_refused(lookup, 400, ErrorCode::NotFound);
}

#[tokio::test]
async fn timestamps_more_than_three_minutes_off_are_011_and_the_edges_pass() {
    // Both clocks fixed, so "exactly three minutes" is exact.
    let running = start(Settings {
        clock: Arc::new(FixedClock { unix_millis: T0 }),
        ..Settings::default()
    })
    .await;
    // The client must not correct its clock from the sandbox's `Date`: this test is of the
    // sandbox's window.
    let off_by = |offset_ms: i64| {
        builder(&running)
            .clock(FixedClock {
                unix_millis: T0 + offset_ms,
            })
            .learn_clock_offset(false)
            .build()
            .unwrap()
    };
    const MINUTE: i64 = 60_000;
    const WINDOW: i64 = 3 * MINUTE;

    for offset in [-4 * MINUTE, 4 * MINUTE, -WINDOW - 1, WINDOW + 1] {
        let request = CreateCustomerRequest::new().with_external_id(format!("at {offset}"));
        let refused = off_by(offset).create_customer(&request).await;
        assert_refused(refused, 400, ErrorCode::InvalidTimestamp);
    }
    for offset in [-WINDOW, 0, WINDOW] {
        let request = CreateCustomerRequest::new().with_external_id(format!("at {offset}"));
        if let Err(error) = off_by(offset).create_customer(&request).await {
            panic!("{offset} ms off should pass: {error}");
        }
    }
    // Refused requests created nothing.
    let lookup = off_by(0)
        .get_customer_by_external_id(&ExternalIdRequest::new(format!("at {}", 4 * MINUTE)))
        .await;
    assert_refused(lookup, 400, ErrorCode::NotFound);
}

#[tokio::test]
async fn invalid_input_is_001() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let taken = new_customer(&client, "taken").await;
    let other = new_customer(&client, "other").await;

    for currency in ["DOGE", "eth", ""] {
        let request = PurseAddressRequest::new(taken, currency);
        let refused = client.get_purse_address(&request).await;
        assert_refused(refused, 400, ErrorCode::InvalidInput);
    }
    let bad_finds = [
        FindTransactionsRequest::new().with_page_size(0),
        FindTransactionsRequest::new().with_page_size(-1),
        FindTransactionsRequest::new().with_page_size(Paging::default().max_size + 1),
        FindTransactionsRequest::new().with_page_number(0),
        FindTransactionsRequest::new().with_properties("nope"),
        FindTransactionsRequest::new().with_sort(SortDirection::from("UP")),
    ];
    for request in bad_finds {
        let refused = client.find_transactions(&request).await;
        assert_refused(refused, 400, ErrorCode::InvalidInput);
    }

    // External ids are unique within the account, on create and on update.
    let duplicate = CreateCustomerRequest::new().with_external_id("taken");
    assert_refused(
        client.create_customer(&duplicate).await,
        400,
        ErrorCode::InvalidInput,
    );
    let steal = UpdateCustomerRequest::new(other).with_external_id("taken");
    assert_refused(
        client.update_customer(&steal).await,
        400,
        ErrorCode::InvalidInput,
    );
    let owner = client
        .get_customer_by_external_id(&ExternalIdRequest::new("taken"))
        .await
        .unwrap();
    assert_eq!(owner.id, Some(taken));
    assert_eq!(
        read_customer(&client, other).await.external_id.as_deref(),
        Some("other")
    );
}

#[tokio::test]
async fn unknown_objects_are_004() {
    let running = start(Settings::default()).await;
    let client = demo_client(&running);
    let nobody = CustomerIdRequest::new(Uuid::new_v4());
    let not_found = ErrorCode::NotFound;

    assert_refused(client.get_customer(&nobody).await, 400, not_found.clone());
    assert_refused(client.block_customer(&nobody).await, 400, not_found.clone());
    assert_refused(
        client.unblock_customer(&nobody).await,
        400,
        not_found.clone(),
    );
    assert_refused(client.get_purses(&nobody).await, 400, not_found.clone());
    let update = UpdateCustomerRequest::new(nobody.customer_id).with_description("x");
    assert_refused(
        client.update_customer(&update).await,
        400,
        not_found.clone(),
    );
    // A missing customer is 004 even when the update would also clash on externalId.
    new_customer(&client, "taken").await;
    let clash = UpdateCustomerRequest::new(nobody.customer_id).with_external_id("taken");
    assert_refused(client.update_customer(&clash).await, 400, not_found.clone());
    let address = PurseAddressRequest::new(nobody.customer_id, "ETH");
    assert_refused(
        client.get_purse_address(&address).await,
        400,
        not_found.clone(),
    );
    let external = ExternalIdRequest::new("nobody");
    assert_refused(
        client.get_customer_by_external_id(&external).await,
        400,
        not_found.clone(),
    );
    let transaction = TransactionIdRequest::new(Uuid::new_v4());
    assert_refused(client.get_transaction(&transaction).await, 400, not_found);
}

/// The demo client, with retries off: these tests count the sandbox's faults one by one.
fn client_without_retries(running: &Running) -> Client {
    demo_client(running).with_options(RequestOptions::new().retry_policy(RetryPolicy::NONE))
}

#[tokio::test]
async fn an_injected_fault_fails_the_next_calls_with_000_then_clears() {
    let running = start(Settings::default()).await;
    let client = client_without_retries(&running);
    let id = new_customer(&client, "steady").await;
    let get = CustomerIdRequest::new(id);

    running.sandbox().inject_fault(Fault::default()).unwrap();
    assert_refused(
        client.get_customer(&get).await,
        500,
        ErrorCode::InternalError,
    );
    assert_eq!(
        read_customer(&client, id).await.id,
        Some(id),
        "one call only"
    );

    running
        .sandbox()
        .inject_fault(Fault {
            count: 2,
            ..Fault::default()
        })
        .unwrap();
    for n in 0..2 {
        let request = CreateCustomerRequest::new().with_external_id(format!("lost-{n}"));
        let refused = client.create_customer(&request).await;
        assert_refused(refused, 500, ErrorCode::InternalError);
    }
    // A failed request changed nothing.
    let lookup = client
        .get_customer_by_external_id(&ExternalIdRequest::new("lost-0"))
        .await;
    assert_refused(lookup, 400, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_fault_for_one_operation_leaves_the_others_alone() {
    let running = start(Settings::default()).await;
    let client = client_without_retries(&running);
    running
        .sandbox()
        .inject_fault(Fault {
            operation: Some("customer/get".into()),
            ..Fault::default()
        })
        .unwrap();

    let id = new_customer(&client, "bystander").await;
    address_of(&client, id, "LTC").await;
    assert_eq!(purses(&client, id).await.len(), 1);
    let by_external = client
        .get_customer_by_external_id(&ExternalIdRequest::new("bystander"))
        .await
        .unwrap();
    assert_eq!(by_external.id, Some(id));

    let get = CustomerIdRequest::new(id);
    assert_refused(
        client.get_customer(&get).await,
        500,
        ErrorCode::InternalError,
    );
    assert_eq!(read_customer(&client, id).await.id, Some(id));
}

#[tokio::test]
async fn a_503_fault_carries_retry_after() {
    let running = start(Settings::default()).await;
    let client = client_without_retries(&running);
    let id = new_customer(&client, "patient").await;

    // Injected through the HTTP route this time.
    let fault = json!({"count": 2, "status": 503, "retryAfterSeconds": 7});
    let injected = post_json(&running, "/sandbox/faults", &[], fault.to_string()).await;
    assert_eq!(injected.status, 204, "{}", injected.body);

    let get = CustomerIdRequest::new(id);
    let refused = client.get_customer(&get).await;
    let retry_after = refused.as_ref().err().and_then(|error| error.retry_after());
    assert_eq!(retry_after, Some(std::time::Duration::from_secs(7)));
    assert_refused(refused, 503, ErrorCode::InternalError);
    // A raw request shows the header itself.
    let raw = signed_post(&running, "customer/get", json!({"customerId": id})).await;
    assert_eq!(raw.status, 503, "{}", raw.body);
    assert_eq!(
        raw.headers.get("retry-after").map(|v| v.to_str().unwrap()),
        Some("7")
    );
    assert_eq!(raw.json()["errorCode"], "000");
    assert_eq!(
        read_customer(&client, id).await.id,
        Some(id),
        "both uses taken"
    );
}

// ---------------------------------------------------------------------------------------------
// transaction/find over two customers and 25 deposits.

/// Where a deposit ends up.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// Left as it arrived.
    Fresh,
    /// One step: under compliance check.
    Pending,
    /// Two steps: checked, not yet credited.
    Confirmed,
    /// Settled: credited to the merchant account.
    Credited,
    /// Settled with the declined outcome.
    Declined,
}

impl Fate {
    const ALL: [Fate; 5] = [
        Fate::Fresh,
        Fate::Pending,
        Fate::Confirmed,
        Fate::Credited,
        Fate::Declined,
    ];

    fn steps(self) -> usize {
        match self {
            Fate::Fresh => 0,
            Fate::Pending => 1,
            Fate::Confirmed | Fate::Declined => 2,
            Fate::Credited => 3,
        }
    }

    fn progress(self) -> (TransactionState, ComplianceState, bool) {
        use ComplianceState as C;
        use TransactionState as S;
        match self {
            Fate::Fresh => (S::MemPoolFound, C::Unchecked, false),
            Fate::Pending => (S::PendingComplianceCheck, C::InProgress, false),
            Fate::Confirmed => (S::Confirmed, C::Checked, false),
            Fate::Credited => (S::Confirmed, C::Checked, true),
            Fate::Declined => (S::Declined, C::Decline, false),
        }
    }
}

/// What the test made, from which it computes every expected answer.
struct Made {
    id: Uuid,
    customer: Uuid,
    currency: &'static str,
    amount: Decimal,
    created_ms: i64,
    fate: Fate,
}

impl Made {
    fn state(&self) -> TransactionState {
        self.fate.progress().0
    }
}

struct Deposits {
    /// Kept for its lifetime: dropping it stops the sandbox.
    _running: Running,
    client: Client,
    alice: Uuid,
    bob: Uuid,
    made: Vec<Made>,
}

const DEPOSITS: usize = 25;
const PAGE_SIZE: i32 = 7;
/// Pages of [`PAGE_SIZE`] that hold all deposits: 4, the last one not full.
const PAGES: i32 = (DEPOSITS as i32 + PAGE_SIZE - 1) / PAGE_SIZE;

/// Two customers and 25 deposits in seven currencies of four chain families, in every state,
/// with amounts and creation times each in an order of their own.
async fn deposits() -> Deposits {
    let clock = SharedClock::at(T0);
    let running = start(Settings {
        clock: Arc::new(clock.clone()),
        ..Settings::default()
    })
    .await;
    let client = builder(&running).clock(clock.clone()).build().unwrap();
    let alice = new_customer(&client, "alice").await;
    let bob = new_customer(&client, "bob").await;
    let routes = [
        (alice, "ETH"),
        (alice, "USDT_BSC"),
        (bob, "TRX"),
        (bob, "USDT_TRC20"),
        (alice, "BTC"),
        (bob, "ETH"),
        (bob, "LTC"),
    ];

    let mut made = Vec::new();
    for i in 0..DEPOSITS {
        let (customer, currency) = routes[i % routes.len()];
        let address = address_of(&client, customer, currency).await;
        // 7 and 11 are coprime with 25: distinct amounts (1.005 to 25.005, so text order
        // differs from numeric order) and distinct times, neither in creation order.
        let amount = Decimal::new(((i * 7 % DEPOSITS) as i64 + 1) * 1000 + 5, 3);
        let created_ms = T0 + (i * 11 % DEPOSITS) as i64 * 1000;
        let fate = Fate::ALL[i % Fate::ALL.len()];
        let outcome = if fate == Fate::Declined {
            Outcome::Declined
        } else {
            Outcome::Confirmed
        };
        clock.set(created_ms);
        let sent = deposit(&running, &address, currency, amount, outcome);
        made.push(Made {
            id: sent.id,
            customer,
            currency,
            amount,
            created_ms,
            fate,
        });
    }
    // Only once all have arrived: a declined deposit blocks its address for later ones.
    for deposit in &made {
        for _ in 0..deposit.fate.steps() {
            running.sandbox().advance(deposit.id).unwrap();
        }
    }
    Deposits {
        _running: running,
        client,
        alice,
        bob,
        made,
    }
}

impl Deposits {
    async fn page(&self, request: &FindTransactionsRequest) -> TransactionPage {
        self.client
            .find_transactions(request)
            .await
            .unwrap_or_else(|error| panic!("{request:?}: {error}"))
    }

    /// Everything `request` matches, in one page as large as allowed.
    async fn find_all(&self, request: FindTransactionsRequest) -> Vec<Transaction> {
        let request = request.with_page_size(Paging::default().max_size);
        let page = self.page(&request).await;
        let result = page.result.unwrap_or_default();
        assert_eq!(page.total_elements, result.len() as i64, "{request:?}");
        result
    }

    /// The ids `request` matches, sorted, to compare as a set.
    async fn found(&self, request: FindTransactionsRequest) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self.find_all(request).await.iter().map(|t| t.id).collect();
        ids.sort();
        ids
    }

    /// The ids of what the test made that `keep` accepts, sorted, to compare as a set.
    fn expected(&self, keep: impl Fn(&Made) -> bool) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self.made.iter().filter(|m| keep(m)).map(|m| m.id).collect();
        ids.sort();
        ids
    }

    /// The ids of everything made, ordered by `key`.
    fn ordered_by<K: Ord>(&self, key: impl Fn(&Made) -> K, descending: bool) -> Vec<Uuid> {
        let mut made: Vec<&Made> = self.made.iter().collect();
        made.sort_by_key(|m| key(m));
        if descending {
            made.reverse();
        }
        made.iter().map(|m| m.id).collect()
    }

    fn made(&self, id: Uuid) -> &Made {
        self.made
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("found {id}, which the test never made"))
    }
}

/// Which of the deposits the test made a filter should select.
type Keep = fn(&Made) -> bool;

fn by_currency(filter: StringFilter) -> FindTransactionsRequest {
    FindTransactionsRequest::new().with_currency_filter(filter)
}

fn by_state(filter: TransactionStateFilter) -> FindTransactionsRequest {
    FindTransactionsRequest::new().with_transaction_state_filter(filter)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

#[tokio::test]
async fn find_pages_through_everything_without_gaps_or_duplicates() {
    let d = deposits().await;
    let mut seen = Vec::new();
    for number in 1..=PAGES {
        let request = FindTransactionsRequest::new()
            .with_page_number(number)
            .with_page_size(PAGE_SIZE);
        let page = d.page(&request).await;
        assert_eq!(
            (page.page, page.size, page.total, page.total_elements),
            (number, PAGE_SIZE, PAGES, DEPOSITS as i64)
        );
        let result = page.result.unwrap_or_default();
        let expected_len = if number < PAGES {
            PAGE_SIZE as usize
        } else {
            DEPOSITS - (PAGES as usize - 1) * PAGE_SIZE as usize
        };
        assert_eq!(result.len(), expected_len, "page {number}");
        seen.extend(result);
    }
    let ids: HashSet<Uuid> = seen.iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), DEPOSITS, "no transaction on two PAGES");
    assert_eq!(ids, d.made.iter().map(|m| m.id).collect(), "none missing");
    // Each transaction says what the test made it.
    for found in &seen {
        let made = d.made(found.id);
        assert_eq!(
            (
                found.currency.as_str(),
                found.amount,
                found.created_date,
                progress(found)
            ),
            (
                made.currency,
                made.amount,
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(made.created_ms) * 1_000_000)
                    .unwrap(),
                made.fate.progress()
            )
        );
    }

    let beyond = FindTransactionsRequest::new()
        .with_page_number(PAGES + 1)
        .with_page_size(PAGE_SIZE);
    let beyond = d.page(&beyond).await;
    assert_eq!(beyond.result.unwrap_or_default(), []);
    assert_eq!(
        (beyond.page, beyond.total, beyond.total_elements),
        (PAGES + 1, PAGES, DEPOSITS as i64)
    );

    // Without a page number: the first page, numbered 1; without a size: the default size.
    let first = d
        .page(&FindTransactionsRequest::new().with_page_size(PAGE_SIZE))
        .await;
    let page_one = FindTransactionsRequest::new()
        .with_page_number(1)
        .with_page_size(PAGE_SIZE);
    assert_eq!(first, d.page(&page_one).await);
    let default = d.page(&FindTransactionsRequest::new()).await;
    let default_size = Paging::default().default_size;
    assert_eq!((default.page, default.size), (1, default_size));
    assert_eq!(default.result.unwrap().len(), default_size as usize);
}

#[tokio::test]
async fn find_filters_by_customer_currency_and_state() {
    let d = deposits().await;

    for customer in [d.alice, d.bob] {
        let request = FindTransactionsRequest::new().with_customer_id(customer);
        assert_eq!(
            d.found(request).await,
            d.expected(|m| m.customer == customer)
        );
    }
    let stranger = FindTransactionsRequest::new().with_customer_id(Uuid::new_v4());
    assert_eq!(d.found(stranger).await, Vec::<Uuid>::new());

    const ETH_OR_BTC: [&str; 2] = ["ETH", "BTC"];
    let currency_cases: [(StringFilter, Keep); 9] = [
        (StringFilter::new().with_equals("ETH"), |m| {
            m.currency == "ETH"
        }),
        (StringFilter::new().with_not_equals("ETH"), |m| {
            m.currency != "ETH"
        }),
        (StringFilter::new().with_in(strings(&ETH_OR_BTC)), |m| {
            ETH_OR_BTC.contains(&m.currency)
        }),
        (StringFilter::new().with_not_in(strings(&ETH_OR_BTC)), |m| {
            !ETH_OR_BTC.contains(&m.currency)
        }),
        (StringFilter::new().with_contains("USDT"), |m| {
            m.currency.contains("USDT")
        }),
        (StringFilter::new().with_does_not_contain("USDT"), |m| {
            !m.currency.contains("USDT")
        }),
        // Every transaction has a currency.
        (StringFilter::new().with_specified(true), |_| true),
        (StringFilter::new().with_specified(false), |_| false),
        // Members combine with AND.
        (
            StringFilter::new()
                .with_contains("USDT")
                .with_not_equals("USDT_BSC"),
            |m| m.currency.contains("USDT") && m.currency != "USDT_BSC",
        ),
    ];
    for (filter, keep) in currency_cases {
        let expected = d.expected(keep);
        // The data are mixed enough that no filter but `specified` selects all or nothing.
        if filter.specified.is_none() {
            assert!((1..DEPOSITS).contains(&expected.len()), "{filter:?}");
        }
        assert_eq!(
            d.found(by_currency(filter.clone())).await,
            expected,
            "{filter:?}"
        );
    }

    use TransactionState as S;
    let declined_or_fresh = [S::Declined, S::MemPoolFound];
    let state_cases: [(TransactionStateFilter, Keep); 6] = [
        (
            TransactionStateFilter::new().with_equals(S::Confirmed),
            |m| m.state() == S::Confirmed,
        ),
        (
            TransactionStateFilter::new().with_not_equals(S::Confirmed),
            |m| m.state() != S::Confirmed,
        ),
        (
            TransactionStateFilter::new().with_in(declined_or_fresh.to_vec()),
            |m| matches!(m.state(), S::Declined | S::MemPoolFound),
        ),
        (
            TransactionStateFilter::new().with_not_in(declined_or_fresh.to_vec()),
            |m| !matches!(m.state(), S::Declined | S::MemPoolFound),
        ),
        (TransactionStateFilter::new().with_specified(true), |_| true),
        (TransactionStateFilter::new().with_specified(false), |_| {
            false
        }),
    ];
    for (filter, keep) in state_cases {
        let expected = d.expected(keep);
        if filter.specified.is_none() {
            assert!((1..DEPOSITS).contains(&expected.len()), "{filter:?}");
        }
        assert_eq!(
            d.found(by_state(filter.clone())).await,
            expected,
            "{filter:?}"
        );
    }

    // Customer, currency and state criteria combine.
    let request = by_currency(StringFilter::new().with_equals("ETH"))
        .with_customer_id(d.bob)
        .with_transaction_state_filter(TransactionStateFilter::new().with_not_equals(S::Declined));
    let expected =
        d.expected(|m| m.customer == d.bob && m.currency == "ETH" && m.state() != S::Declined);
    assert!(!expected.is_empty());
    assert_eq!(d.found(request).await, expected);
}

#[tokio::test]
async fn find_sorts_by_amount_and_created_date() {
    let d = deposits().await;
    let sorted = |property: &str, direction: SortDirection| {
        let request = FindTransactionsRequest::new()
            .with_properties(property)
            .with_sort(direction);
        async {
            d.find_all(request)
                .await
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        }
    };

    assert_eq!(
        sorted("amount", SortDirection::Asc).await,
        d.ordered_by(|m| m.amount, false)
    );
    assert_eq!(
        sorted("amount", SortDirection::Desc).await,
        d.ordered_by(|m| m.amount, true)
    );
    assert_eq!(
        sorted("createdDate", SortDirection::Asc).await,
        d.ordered_by(|m| m.created_ms, false)
    );
    assert_eq!(
        sorted("createdDate", SortDirection::Desc).await,
        d.ordered_by(|m| m.created_ms, true)
    );

    // The order holds across pages.
    let mut paged = Vec::new();
    for number in 1..=PAGES {
        let request = FindTransactionsRequest::new()
            .with_properties("amount")
            .with_sort(SortDirection::Desc)
            .with_page_number(number)
            .with_page_size(PAGE_SIZE);
        paged.extend(d.page(&request).await.result.unwrap_or_default());
    }
    let paged: Vec<Uuid> = paged.iter().map(|t| t.id).collect();
    assert_eq!(paged, d.ordered_by(|m| m.amount, true));

    // Sorting applies to the filtered set.
    let request = FindTransactionsRequest::new()
        .with_customer_id(d.alice)
        .with_properties("amount")
        .with_sort(SortDirection::Asc);
    let found: Vec<Uuid> = d.find_all(request).await.iter().map(|t| t.id).collect();
    let mut alices: Vec<&Made> = d.made.iter().filter(|m| m.customer == d.alice).collect();
    alices.sort_by_key(|m| m.amount);
    assert_eq!(found, alices.iter().map(|m| m.id).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Accounts.

#[tokio::test]
async fn an_account_sees_nothing_of_another_accounts_data() {
    let running = start(two_accounts()).await;
    let a = demo_client(&running);
    let b = other_client(&running);
    let customer = new_customer(&a, "shared-id").await;
    let address = address_of(&a, customer, "ETH").await;
    let sent = deposit(&running, &address, "ETH", dec("3"), Outcome::Confirmed);

    let theirs = CustomerIdRequest::new(customer);
    let not_found = ErrorCode::NotFound;
    assert_refused(b.get_customer(&theirs).await, 400, not_found.clone());
    assert_refused(b.block_customer(&theirs).await, 400, not_found.clone());
    assert_refused(b.unblock_customer(&theirs).await, 400, not_found.clone());
    assert_refused(b.get_purses(&theirs).await, 400, not_found.clone());
    let update = UpdateCustomerRequest::new(customer).with_description("mine now");
    assert_refused(b.update_customer(&update).await, 400, not_found.clone());
    let purse = PurseAddressRequest::new(customer, "ETH");
    assert_refused(b.get_purse_address(&purse).await, 400, not_found.clone());
    let external = ExternalIdRequest::new("shared-id");
    assert_refused(
        b.get_customer_by_external_id(&external).await,
        400,
        not_found.clone(),
    );
    let transaction_request = TransactionIdRequest::new(sent.id);
    assert_refused(
        b.get_transaction(&transaction_request).await,
        400,
        not_found.clone(),
    );
    for request in [
        FindTransactionsRequest::new(),
        FindTransactionsRequest::new().with_customer_id(customer),
    ] {
        let page = b.find_transactions(&request).await.unwrap();
        assert_eq!(page.total_elements, 0, "{request:?}");
    }

    // External ids are unique per account only.
    let own = new_customer(&b, "shared-id").await;
    assert_ne!(own, customer);
    assert_refused(
        a.get_customer(&CustomerIdRequest::new(own)).await,
        400,
        not_found,
    );
    let untouched = a.get_customer_by_external_id(&external).await.unwrap();
    assert_eq!(
        (untouched.id, untouched.blocked, untouched.description),
        (Some(customer), Some(false), None)
    );
}
