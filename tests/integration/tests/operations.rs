//! Each of the ten operations, called through the client against a server that checks the
//! key, the signature over the received bytes, the content type, the account and the
//! timestamp window: the path hit, the payload received and the value decoded.

mod support;

use calypso_customer_purse::types::{
    ComplianceState, CreateCustomerRequest, Customer, CustomerIdRequest, ExternalIdRequest,
    FindTransactionsRequest, Purse, PurseAddress, PurseAddressRequest, PurseStatus, SortDirection,
    StringFilter, Transaction, TransactionPage, TransactionState, TransactionStateFilter,
    UpdateCustomerRequest,
};
use calypso_customer_purse::{Client, Error};
use serde_json::{Value, json};
use support::{
    ACCOUNT, API_KEY, API_SECRET, CLIENT_NOW_MS, GET_TRANSACTION, Reply, SERVER_NOW_MS,
    ServerClock, TRANSACTION_ID, TRANSACTION_JSON, TestServer, decimal, expected_transaction, sign,
    system_now_ms, transaction_request, utc_nanos, uuid,
};

const CUSTOMER_ID: &str = "2f1e6b0c-8a4d-4c3e-9b7a-5d6c7e8f9a01";
const PURSE_ID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const ADDRESS: &str = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984";

/// Calls one operation on a server that answers `response` with HTTP 200 on `path`;
/// checks the request was one signed envelope on that path and returns the decoded
/// value and the payload the server received.
async fn exchange<R>(
    path: &str,
    response: &str,
    call: impl AsyncFnOnce(&Client) -> Result<R, Error>,
) -> (R, Value) {
    let server = TestServer::answering(path, Reply::json(200, response.to_owned())).await;
    let decoded = call(&server.client()).await.expect("the call succeeds");
    let request = server.only_request();
    assert_eq!(request.path, path);
    assert_eq!(request.status, 200);
    request.assert_signed_envelope(CLIENT_NOW_MS);
    (decoded, request.payload())
}

fn customer_json(blocked: bool) -> String {
    json!({
        "id": CUSTOMER_ID,
        "email": "zoe@example.com",
        "description": "VIP",
        "externalId": "merchant-42",
        "blocked": blocked,
    })
    .to_string()
}

fn expected_customer(blocked: bool) -> Customer {
    Customer::new()
        .with_id(uuid(CUSTOMER_ID))
        .with_email("zoe@example.com")
        .with_description("VIP")
        .with_external_id("merchant-42")
        .with_blocked(blocked)
}

/// An operation that takes `{"customerId"}` and answers the customer.
async fn check_customer_id_operation(
    path: &str,
    blocked: bool,
    call: impl AsyncFnOnce(&Client, &CustomerIdRequest) -> Result<Customer, Error>,
) {
    let request = CustomerIdRequest::new(uuid(CUSTOMER_ID));
    let (customer, payload) = exchange(path, &customer_json(blocked), async |client| {
        call(client, &request).await
    })
    .await;
    assert_eq!(payload, json!({"customerId": CUSTOMER_ID}));
    assert_eq!(customer, expected_customer(blocked));
}

#[tokio::test]
async fn get_transaction_sends_the_transaction_id_and_reads_every_field() {
    let (transaction, payload) = exchange(GET_TRANSACTION, TRANSACTION_JSON, async |client| {
        client.get_transaction(&transaction_request()).await
    })
    .await;
    assert_eq!(payload, json!({"transactionId": TRANSACTION_ID}));
    assert_eq!(transaction, expected_transaction());
    // Equality of decimals ignores the scale and equality of date-times the offset:
    // check both as received.
    assert_eq!(transaction.amount.to_string(), "0.012345000");
    assert_eq!(
        transaction.created_date.to_string(),
        "2025-10-30 14:08:39.96068 +00:00:00"
    );
}

#[tokio::test]
async fn find_transactions_sends_every_criterion_and_reads_the_page() {
    let request = FindTransactionsRequest::new()
        .with_customer_id(uuid(CUSTOMER_ID))
        .with_currency_filter(
            StringFilter::new()
                .with_equals("USDT_BSC")
                .with_not_equals("ETH")
                .with_specified(true)
                .with_in(["USDT_BSC".to_owned(), "USDT_TRX".to_owned()])
                .with_not_in(["POL".to_owned()])
                .with_contains("USDT")
                .with_does_not_contain("TRX"),
        )
        .with_transaction_state_filter(
            TransactionStateFilter::new()
                .with_equals(TransactionState::Confirmed)
                .with_not_equals(TransactionState::Declined)
                .with_specified(false)
                .with_in([
                    TransactionState::Confirmed,
                    TransactionState::PendingComplianceCheck,
                ])
                .with_not_in([TransactionState::MemPoolFound]),
        )
        .with_page_number(1)
        .with_page_size(2)
        .with_sort(SortDirection::Desc)
        .with_properties("createdDate");
    let second = r#"{"id":"0b7e4d1a-3c2f-4e5d-8a9b-1c2d3e4f5a6b","amount":15,"addressFrom":"TQrY8tryqsYVCYS3MFbtffiPp2ccyn4STm","currency":"USDT_TRX","transactionState":"MEM_POOL_FOUND","complianceState":"UNCHECKED","translationToAccountCompleted":false,"createdDate":"2025-10-30T17:08:39+03:00"}"#;
    let response = format!(
        r#"{{"result":[{TRANSACTION_JSON},{second}],"page":1,"size":2,"total":3,"totalElements":5}}"#
    );
    let (page, payload) = exchange(
        "/api/v1/customer-purse/transaction/find",
        &response,
        async |client| client.find_transactions(&request).await,
    )
    .await;
    assert_eq!(
        payload,
        json!({
            "customerId": CUSTOMER_ID,
            "currencyFilter": {
                "equals": "USDT_BSC",
                "notEquals": "ETH",
                "specified": true,
                "in": ["USDT_BSC", "USDT_TRX"],
                "notIn": ["POL"],
                "contains": "USDT",
                "doesNotContain": "TRX",
            },
            "transactionStateFilter": {
                "equals": "CONFIRMED",
                "notEquals": "DECLINED",
                "specified": false,
                "in": ["CONFIRMED", "PENDING_COMPLIANCE_CHECK"],
                "notIn": ["MEM_POOL_FOUND"],
            },
            "pageNumber": 1,
            "pageSize": 2,
            "sort": "DESC",
            "properties": "createdDate",
        })
    );
    let mempool = Transaction::new(
        uuid("0b7e4d1a-3c2f-4e5d-8a9b-1c2d3e4f5a6b"),
        decimal("15"),
        "TQrY8tryqsYVCYS3MFbtffiPp2ccyn4STm",
        "USDT_TRX",
        TransactionState::MemPoolFound,
        ComplianceState::Unchecked,
        false,
        utc_nanos(1_761_833_319_000_000_000),
    );
    let expected = TransactionPage::new(1, 2, 3, 5).with_result([expected_transaction(), mempool]);
    assert_eq!(page, expected);
}

#[tokio::test]
async fn optional_request_fields_left_unset_are_omitted_not_null() {
    let (_, find) = exchange(
        "/api/v1/customer-purse/transaction/find",
        r#"{"page":0,"size":20,"total":0,"totalElements":0}"#,
        async |client| {
            client
                .find_transactions(&FindTransactionsRequest::new())
                .await
        },
    )
    .await;
    assert_eq!(find, json!({}));
    let (_, update) = exchange(
        "/api/v1/customer-purse/customer/update",
        "{}",
        async |client| {
            let request = UpdateCustomerRequest::new(uuid(CUSTOMER_ID));
            client.update_customer(&request).await
        },
    )
    .await;
    assert_eq!(update, json!({"id": CUSTOMER_ID}));
}

#[tokio::test]
async fn get_purses_sends_the_customer_id_and_reads_the_purse_list() {
    let response = json!([
        {"id": PURSE_ID, "address": ADDRESS, "currency": "USDT_BSC", "status": "PENDING_PAYMENT"},
        {"address": "TQrY8tryqsYVCYS3MFbtffiPp2ccyn4STm", "status": "ARCHIEVED"},
    ]);
    let (purses, payload) = exchange(
        "/api/v1/customer-purse/purse/get-all",
        &response.to_string(),
        async |client| {
            client
                .get_purses(&CustomerIdRequest::new(uuid(CUSTOMER_ID)))
                .await
        },
    )
    .await;
    assert_eq!(payload, json!({"customerId": CUSTOMER_ID}));
    let expected = [
        Purse::new()
            .with_id(uuid(PURSE_ID))
            .with_address(ADDRESS)
            .with_currency("USDT_BSC")
            .with_status(PurseStatus::PendingPayment),
        Purse::new()
            .with_address("TQrY8tryqsYVCYS3MFbtffiPp2ccyn4STm")
            .with_status(PurseStatus::Archieved),
    ];
    assert_eq!(purses, expected);
}

#[tokio::test]
async fn update_customer_sends_the_id_and_new_fields_and_reads_the_customer() {
    let request = UpdateCustomerRequest::new(uuid(CUSTOMER_ID))
        .with_description("VIP")
        .with_external_id("merchant-42")
        .with_email("zoe@example.com");
    let (customer, payload) = exchange(
        "/api/v1/customer-purse/customer/update",
        &customer_json(false),
        async |client| client.update_customer(&request).await,
    )
    .await;
    let expected_payload = json!({
        "id": CUSTOMER_ID,
        "description": "VIP",
        "externalId": "merchant-42",
        "email": "zoe@example.com",
    });
    assert_eq!(payload, expected_payload);
    assert_eq!(customer, expected_customer(false));
}

#[tokio::test]
async fn unblock_customer_sends_the_customer_id_and_reads_the_customer() {
    check_customer_id_operation(
        "/api/v1/customer-purse/customer/unblock",
        false,
        async |client, request| client.unblock_customer(request).await,
    )
    .await;
}

#[tokio::test]
async fn get_customer_sends_the_customer_id_and_reads_the_customer() {
    check_customer_id_operation(
        "/api/v1/customer-purse/customer/get",
        false,
        async |client, request| client.get_customer(request).await,
    )
    .await;
}

#[tokio::test]
async fn block_customer_sends_the_customer_id_and_reads_the_blocked_customer() {
    check_customer_id_operation(
        "/api/v1/customer-purse/customer/block",
        true,
        async |client, request| client.block_customer(request).await,
    )
    .await;
}

#[tokio::test]
async fn get_customer_by_external_id_sends_the_external_id_and_reads_the_customer() {
    let (customer, payload) = exchange(
        "/api/v1/customer-purse/customer/external/get",
        &customer_json(false),
        async |client| {
            let request = ExternalIdRequest::new("merchant-42");
            client.get_customer_by_external_id(&request).await
        },
    )
    .await;
    assert_eq!(payload, json!({"externalId": "merchant-42"}));
    assert_eq!(customer, expected_customer(false));
}

#[tokio::test]
async fn create_customer_signs_non_ascii_and_escaped_text_as_sent() {
    let description = "Zoë \"VIP\" \\ 🚀 </b> \u{7f}";
    let request = CreateCustomerRequest::new()
        .with_description(description)
        .with_external_id("merchant-42")
        .with_email("zoe@example.com");
    let (customer, payload) = exchange(
        "/api/v1/customer-purse/customer/create",
        &customer_json(false),
        async |client| client.create_customer(&request).await,
    )
    .await;
    let expected_payload = json!({
        "description": description,
        "externalId": "merchant-42",
        "email": "zoe@example.com",
    });
    assert_eq!(payload, expected_payload);
    assert_eq!(customer, expected_customer(false));

    let (_, empty) = exchange(
        "/api/v1/customer-purse/customer/create",
        &customer_json(false),
        async |client| client.create_customer(&CreateCustomerRequest::new()).await,
    )
    .await;
    assert_eq!(empty, json!({}));
}

#[tokio::test]
async fn get_purse_address_sends_customer_and_currency_and_reads_the_address() {
    let request = PurseAddressRequest::new(uuid(CUSTOMER_ID), "USDT_BSC");
    let path = "/api/v1/customer-purse/address/get";
    let response = json!({"id": PURSE_ID, "address": ADDRESS}).to_string();
    let (address, payload) = exchange(path, &response, async |client| {
        client.get_purse_address(&request).await
    })
    .await;
    assert_eq!(
        payload,
        json!({"customerId": CUSTOMER_ID, "currency": "USDT_BSC"})
    );
    assert_eq!(address, PurseAddress::new(ADDRESS).with_id(uuid(PURSE_ID)));

    // The old guide's answer has no `id`.
    let response = json!({"address": ADDRESS}).to_string();
    let (address, _) = exchange(path, &response, async |client| {
        client.get_purse_address(&request).await
    })
    .await;
    assert_eq!(address, PurseAddress::new(ADDRESS));
}

#[tokio::test]
async fn the_body_sent_is_exactly_the_envelope_that_was_signed() {
    let server = TestServer::answering(GET_TRANSACTION, Reply::json(200, TRANSACTION_JSON)).await;
    server
        .client()
        .get_transaction(&transaction_request())
        .await
        .expect("the call succeeds");
    let request = server.only_request();
    let expected = format!(
        r#"{{"account":"{ACCOUNT}","timestamp":{CLIENT_NOW_MS},"payload":{{"transactionId":"{TRANSACTION_ID}"}}}}"#
    );
    assert_eq!(request.body, expected.as_bytes());
    assert_eq!(
        request.header("sign"),
        sign(API_SECRET, expected.as_bytes())
    );
    assert_eq!(request.header("key"), API_KEY);
    assert_eq!(request.header("content-type"), "application/json");
}

#[tokio::test]
async fn the_test_server_signs_the_published_example() {
    // The server's own HMAC, checked against the provider's published test vector.
    assert_eq!(
        sign(API_SECRET, br#"{"timestamp":1}"#),
        "b16e9d45f49f2069becbc4f108b237bee588cfc353fe9501df103e692acbc68d482a10d34c12bea22fedde7e28e1b8e57a6a0a373b0e9a27c5257bd8b36e13b9"
    );
}

#[tokio::test]
async fn the_default_clock_stamps_the_current_time() {
    let server = TestServer::start_with_clock(ServerClock::System).await;
    server.reply(GET_TRANSACTION, Reply::json(200, TRANSACTION_JSON));
    let client = support::credentials(&server.base_url())
        .build()
        .expect("a valid client");
    let before = system_now_ms();
    client
        .get_transaction(&transaction_request())
        .await
        .expect("a current timestamp is accepted");
    let after = system_now_ms();
    let sent = server.only_request().json()["timestamp"]
        .as_i64()
        .expect("an integer timestamp");
    assert!(
        (before..=after).contains(&sent),
        "{before} <= {sent} <= {after}"
    );
}

#[tokio::test]
async fn every_request_is_stamped_and_signed_afresh() {
    let server = TestServer::answering(GET_TRANSACTION, Reply::json(200, TRANSACTION_JSON)).await;
    let client = server
        .client_builder()
        .clock(support::Ticking::from(SERVER_NOW_MS, 1_000))
        .build()
        .expect("a valid client");
    for _ in 0..2 {
        client
            .get_transaction(&transaction_request())
            .await
            .expect("the call succeeds");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    requests[0].assert_signed_envelope(SERVER_NOW_MS);
    requests[1].assert_signed_envelope(SERVER_NOW_MS + 1_000);
    assert_ne!(requests[0].header("sign"), requests[1].header("sign"));
}

#[tokio::test]
async fn a_base_url_with_a_path_and_trailing_slash_is_joined_once() {
    let path = format!("/gateway{GET_TRANSACTION}");
    let server = TestServer::answering(&path, Reply::json(200, TRANSACTION_JSON)).await;
    let client = support::client_builder(&format!("{}/gateway/", server.base_url()))
        .build()
        .expect("a valid client");
    let transaction = client
        .get_transaction(&transaction_request())
        .await
        .expect("the call succeeds");
    assert_eq!(transaction, expected_transaction());
    assert_eq!(server.only_request().path, path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_of_a_client_call_concurrently_from_spawned_tasks() {
    let server = TestServer::answering(GET_TRANSACTION, Reply::json(200, TRANSACTION_JSON)).await;
    let client = server.client();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_transaction(&transaction_request()).await })
        })
        .collect();
    for task in tasks {
        let transaction = task
            .await
            .expect("the task ends")
            .expect("the call succeeds");
        assert_eq!(transaction, expected_transaction());
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        request.assert_signed_envelope(CLIENT_NOW_MS);
    }
}
