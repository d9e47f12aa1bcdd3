//! The developer console's request log and clock, in-process and over HTTP: what a client
//! sent and got back, why a request was refused, and time moved ahead.

mod common;

use std::sync::Arc;

use calypso_customer_purse::reqwest;
use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, ErrorCode, PurseAddressRequest, PurseStatus,
};
use calypso_customer_purse_sandbox::{
    ClockReading, DEMO_API_KEY, DEMO_API_SECRET, Deposit, LoggedRequest, MAX_ADVANCE_SECONDS,
    RequestFilter, Settings,
};
use common::{SharedClock, T0, post_json};
use serde_json::{Value, json};

const DAY: i64 = 24 * 60 * 60;

async fn get(base_url: &str, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base_url}{path}")).await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, body)
}

fn fixed_clock_settings(clock: &SharedClock) -> Settings {
    Settings {
        clock: Arc::new(clock.clone()),
        ..Settings::default()
    }
}

#[tokio::test]
async fn the_request_log_keeps_what_was_sent_and_answered_never_the_signature() {
    let running = common::start(Settings::default()).await;
    let client = running.client().unwrap();
    let created = client
        .create_customer(&CreateCustomerRequest::new().with_external_id("logged-1"))
        .await
        .unwrap();
    let bad_sign = "00".repeat(64);
    let body = String::from_utf8(common::envelope(json!({"externalId": "logged-2"}))).unwrap();
    let path = format!(
        "{}customer/create",
        calypso_customer_purse_sandbox::MERCHANT_PATH_PREFIX
    );
    let refused = post_json(
        &running,
        &path,
        &[("Key", DEMO_API_KEY), ("Sign", &bad_sign)],
        body.clone(),
    )
    .await;
    assert_eq!(refused.status, 400);
    let missing = post_json(&running, "/api/v1/customer-purse/no/such", &[], "{}".into()).await;
    assert_eq!(missing.status, 404);

    let logged = running.sandbox().requests(&RequestFilter::default());
    assert_eq!(logged.len(), 3, "{logged:#?}");
    let [nowhere, refused_entry, ok] = &logged[..] else {
        unreachable!()
    };
    // Newest first, numbered in order of arrival.
    assert_eq!((ok.id, refused_entry.id, nowhere.id), (1, 2, 3));

    assert_eq!(ok.operation.as_deref(), Some("customer/create"));
    assert_eq!(ok.method, "POST");
    assert_eq!(ok.key.as_deref(), Some(DEMO_API_KEY));
    assert_eq!(ok.status, 200);
    assert_eq!(ok.error_code, None);
    assert!(
        ok.request_body.contains(r#""externalId":"logged-1""#),
        "{ok:?}"
    );
    let answered: Value = serde_json::from_str(&ok.response_body).unwrap();
    assert_eq!(answered["id"], json!(created.id.unwrap()));
    assert!(ok.trace_id.starts_with("sandbox-"), "{ok:?}");

    assert_eq!(refused_entry.status, 400);
    assert_eq!(refused_entry.error_code.as_deref(), Some("003"));
    assert!(
        refused_entry
            .refusal
            .as_deref()
            .is_some_and(|why| why.contains("Sign")),
        "{refused_entry:?}"
    );
    assert_eq!(refused_entry.request_body, body);
    let answered: Value = serde_json::from_str(&refused_entry.response_body).unwrap();
    assert_eq!(answered["traceId"], json!(refused_entry.trace_id));

    assert_eq!(nowhere.operation, None);
    assert_eq!(nowhere.path, "/api/v1/customer-purse/no/such");
    assert_eq!(nowhere.status, 404);

    // Neither a signature nor the secret is kept anywhere in it.
    let everything = serde_json::to_string(&logged).unwrap();
    assert!(!everything.contains(&bad_sign));
    assert!(!everything.contains(DEMO_API_SECRET));
    let good_sign = common::sign(ok.request_body.as_bytes());
    assert!(!everything.contains(&good_sign));
}

#[tokio::test]
async fn the_request_log_is_filtered_over_http_and_refuses_bad_filters() {
    let clock = SharedClock::at(T0);
    let running = common::start(fixed_clock_settings(&clock)).await;
    let client = common::builder(&running)
        .clock(clock.clone())
        .build()
        .unwrap();
    let first = client
        .create_customer(&CreateCustomerRequest::new())
        .await
        .unwrap();
    clock.set(T0 + 60_000);
    let id = first.id.unwrap();
    client
        .get_customer(&CustomerIdRequest::new(id))
        .await
        .unwrap();
    common::assert_refused(
        client
            .get_customer(&CustomerIdRequest::new(calypso_customer_purse::Uuid::nil()))
            .await,
        400,
        ErrorCode::NotFound,
    );
    let base = running.base_url();
    let listed = |body: Value| -> Vec<LoggedRequest> { serde_json::from_value(body).unwrap() };

    let (status, body) = get(&base, "/sandbox/requests?operation=customer/get").await;
    assert_eq!(status, 200);
    let gets = listed(body);
    assert_eq!(gets.len(), 2);
    assert!(
        gets.iter()
            .all(|r| r.operation.as_deref() == Some("customer/get"))
    );

    let (_, body) = get(&base, "/sandbox/requests?status=400").await;
    let refused = listed(body);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].error_code.as_deref(), Some("004"));

    // Since the minute mark, as RFC 3339 and as milliseconds; at most one.
    for since in ["2023-11-14T22:14:20Z", &(T0 + 60_000).to_string()] {
        let (_, body) = get(&base, &format!("/sandbox/requests?since={since}")).await;
        assert_eq!(listed(body).len(), 2, "{since}");
    }
    let (_, body) = get(&base, "/sandbox/requests?limit=1").await;
    assert_eq!(listed(body)[0].id, 3);

    for bad in ["status=abc", "since=yesterday", "limit=-1", "colour=red"] {
        let (status, body) = get(&base, &format!("/sandbox/requests?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn the_request_log_keeps_only_the_last_n_or_none() {
    for (limit, kept) in [(2, 2), (0, 0)] {
        let running = common::start(Settings {
            request_log_limit: limit,
            ..Settings::default()
        })
        .await;
        let client = running.client().unwrap();
        for _ in 0..3 {
            client
                .create_customer(&CreateCustomerRequest::new())
                .await
                .unwrap();
        }
        let logged = running.sandbox().requests(&RequestFilter::default());
        assert_eq!(logged.len(), kept, "limit {limit}");
        if kept == 2 {
            assert_eq!(logged[0].id, 3);
            assert_eq!(logged[1].id, 2);
        }
    }
}

#[tokio::test]
async fn a_moved_clock_moves_timestamps_dates_and_created_dates_for_its_clients() {
    let clock = SharedClock::at(T0);
    let running = common::start(fixed_clock_settings(&clock)).await;
    let client = running.client().unwrap();
    let (status, before) = get(&running.base_url(), "/sandbox/clock").await;
    assert_eq!(status, 200);
    assert_eq!(before["nowUnixMillis"], json!(T0));
    assert_eq!(before["offsetSeconds"], json!(0));

    let answer = post_json(
        &running,
        "/sandbox/clock",
        &[],
        json!({"advanceSeconds": 3 * DAY}).to_string(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let reading: ClockReading = serde_json::from_str(&answer.body).unwrap();
    let later = T0 + 3 * DAY * 1000;
    assert_eq!(reading.now_unix_millis, later);
    assert_eq!(reading.now, "2023-11-17T22:13:20Z");
    assert_eq!(reading.offset_seconds, 3 * DAY);

    // The sandbox's client stamps its requests with the moved clock, so they are accepted
    // three days "ahead" of the real one; the answer's Date says the moved time.
    let customer = client
        .create_customer(&CreateCustomerRequest::new())
        .await
        .unwrap();
    let created = running.sandbox().requests(&RequestFilter::default());
    assert_eq!(created[0].at_unix_millis, later);
    let body: Value = serde_json::from_str(&created[0].request_body).unwrap();
    assert_eq!(body["timestamp"], json!(later));
    let raw =
        common::signed_post(&running, "customer/get", json!({"customerId": customer.id})).await;
    // Stamped with the system clock, far from the sandbox's: refused with 011, and its Date
    // header gives the sandbox's time to correct by.
    assert_eq!(raw.status, 400);
    assert_eq!(raw.json()["errorCode"], "011");
    assert_eq!(raw.headers["date"], "Fri, 17 Nov 2023 22:13:20 GMT");

    let address = client
        .get_purse_address(&PurseAddressRequest::new(
            customer.id.unwrap(),
            "USDT_TRC20",
        ))
        .await
        .unwrap();
    let transaction = running
        .sandbox()
        .deposit(Deposit::new(
            address.address,
            "USDT_TRC20",
            common::dec("1"),
        ))
        .unwrap();
    assert_eq!(
        transaction.created_date.unix_timestamp(),
        later / 1000,
        "createdDate follows the moved clock"
    );
    assert_eq!(
        running.client_builder().build().unwrap().base_url(),
        client.base_url()
    );
    // The base clock goes on under the offset.
    clock.set(T0 + 1_000);
    assert_eq!(running.sandbox().clock().now_unix_millis, later + 1_000);
}

#[tokio::test]
async fn bad_clock_moves_are_refused_and_move_nothing() {
    let running = common::start(Settings::default()).await;
    let too_far = MAX_ADVANCE_SECONDS + 1;
    for body in [
        json!({"advanceSeconds": -60}),
        json!({"advanceSeconds": 0}),
        json!({"advanceSeconds": too_far}),
        json!({"advanceSeconds": "a week"}),
        json!({"advanceSeconds": 1.5}),
        json!({"advanceSeconds": 60, "back": true}),
        json!({}),
    ] {
        let answer = post_json(&running, "/sandbox/clock", &[], body.to_string()).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert!(answer.json()["error"].is_string(), "{}", answer.body);
    }
    let answer = post_json(&running, "/sandbox/clock", &[], "not json".into()).await;
    assert_eq!(answer.status, 400);
    assert_eq!(running.sandbox().clock().offset_seconds, 0);
    assert!(running.sandbox().advance_clock(-1).is_err());
}

#[tokio::test]
async fn an_unused_address_expires_after_30_days_and_a_used_one_after_365() {
    let running = common::start(Settings::default()).await;
    let client = running.client().unwrap();
    let idle = common::new_customer(&client, "idle").await;
    let payer = common::new_customer(&client, "payer").await;
    let idle_address = common::address_of(&client, idle, "USDT_TRC20").await;
    let payer_address = common::address_of(&client, payer, "USDT_TRC20").await;
    running
        .sandbox()
        .deposit(Deposit::new(
            payer_address.clone(),
            "USDT_TRC20",
            common::dec("5"),
        ))
        .unwrap();

    running.sandbox().advance_clock(29 * DAY).unwrap();
    assert!(expired_addresses(running.sandbox()).is_empty());
    running.sandbox().advance_clock(2 * DAY).unwrap();
    assert_eq!(
        expired_addresses(running.sandbox()),
        [idle_address.as_str()]
    );

    // Its purse is archived, it takes no deposit, and the customer gets a new address.
    let purses = client
        .get_purses(&CustomerIdRequest::new(idle))
        .await
        .unwrap();
    assert_eq!(purses.len(), 1);
    assert_eq!(purses[0].status, Some(PurseStatus::Archived));
    let refused = running.sandbox().deposit(Deposit::new(
        idle_address.clone(),
        "USDT_TRC20",
        common::dec("1"),
    ));
    assert!(
        matches!(&refused, Err(calypso_customer_purse_sandbox::AdminError::Conflict(why)) if why.contains("expired")),
        "{refused:?}"
    );
    let renewed = common::address_of(&client, idle, "USDT_TRC20").await;
    assert_ne!(renewed, idle_address);
    let purses = client
        .get_purses(&CustomerIdRequest::new(idle))
        .await
        .unwrap();
    assert_eq!(purses.len(), 2);
    assert_eq!(purses[1].status, Some(PurseStatus::PendingPayment));

    // The used address lives 365 days after its deposit, counted from then (the renewed one,
    // unused, is gone 30 days after day 31).
    running.sandbox().advance_clock(333 * DAY).unwrap();
    let expired = expired_addresses(running.sandbox());
    assert_eq!(expired, [idle_address, renewed]);
    running.sandbox().advance_clock(2 * DAY).unwrap();
    let expired = expired_addresses(running.sandbox());
    assert!(expired.contains(&payer_address), "{expired:?}");
}

/// The addresses of every `CUSTOMER_PURSE_EXPIRED` raised so far.
fn expired_addresses(sandbox: &calypso_customer_purse_sandbox::Sandbox) -> Vec<String> {
    sandbox
        .events()
        .iter()
        .filter(|event| {
            event.event_type
                == calypso_customer_purse_sandbox::WebhookEventType::CustomerPurseExpired
        })
        .map(|event| {
            event
                .data::<calypso_customer_purse::types::PurseExpiredEvent>()
                .unwrap()
                .address
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn another_sites_page_cannot_drive_the_sandbox_only_routes() {
    let running = common::start(Settings::default()).await;
    let move_clock = json!({"advanceSeconds": 60}).to_string();
    // A hidden form on another site: text/plain needs no CORS preflight.
    for headers in [
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", "https://evil.example")],
    ] {
        let answer = post_json(&running, "/sandbox/clock", &headers, move_clock.clone()).await;
        assert_eq!(answer.status, 403, "{headers:?}: {}", answer.body);
        assert!(answer.json()["error"].as_str().unwrap().contains("refused"));
    }
    assert_eq!(running.sandbox().clock().offset_seconds, 0);
    // Programs send neither header; the sandbox's own page says so.
    let answer = post_json(&running, "/sandbox/clock", &[], move_clock.clone()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let same = [("Sec-Fetch-Site", "same-origin")];
    let answer = post_json(&running, "/sandbox/clock", &same, move_clock).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}
