//! Concurrent requests see and leave a consistent state: no customer lost, one purse per
//! customer and currency however many requests race for it.

mod common;

use std::collections::HashSet;

use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, PurseAddressRequest,
};
use calypso_customer_purse_sandbox::Settings;

const TASKS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_requests_lose_nothing_and_duplicate_nothing() {
    let running = common::start(Settings::default()).await;
    let client = common::demo_client(&running);

    let creates = (0..TASKS).map(|n| {
        let client = client.clone();
        tokio::spawn(async move {
            let request = CreateCustomerRequest::new().with_external_id(format!("racer-{n}"));
            client.create_customer(&request).await.unwrap()
        })
    });
    let mut ids = HashSet::new();
    for task in creates {
        ids.insert(task.await.unwrap().id.unwrap());
    }
    assert_eq!(ids.len(), TASKS, "every create made its own customer");

    let customer = *ids.iter().next().unwrap();
    let gets = (0..TASKS).map(|n| {
        let client = client.clone();
        // Half ask for ETH, half for USDT_BSC: both must land on the customer's one EVM address.
        let currency = if n % 2 == 0 { "ETH" } else { "USDT_BSC" };
        tokio::spawn(async move {
            let request = PurseAddressRequest::new(customer, currency);
            (currency, client.get_purse_address(&request).await.unwrap())
        })
    });
    let mut purses = HashSet::new();
    let mut addresses = HashSet::new();
    for task in gets {
        let (currency, answer) = task.await.unwrap();
        purses.insert((currency, answer.id.unwrap()));
        addresses.insert(answer.address);
    }
    assert_eq!(purses.len(), 2, "one purse per currency: {purses:?}");
    assert_eq!(addresses.len(), 1, "one EVM address: {addresses:?}");

    let listed = client
        .get_purses(&CustomerIdRequest::new(customer))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    running.stop().await.unwrap();
}
