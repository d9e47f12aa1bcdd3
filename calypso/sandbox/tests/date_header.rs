//! Every answer carries a `Date` header from the sandbox clock, not the system clock, so a
//! client whose timestamp was refused (011) can read the server's time off the answer.

mod common;

use calypso_customer_purse::{FixedClock, reqwest};
use calypso_customer_purse_sandbox::{DEMO_ACCOUNT, Running, Settings};
use common::{RawAnswer, SharedClock, T0, post_json, signed_post_body};
use serde_json::json;

/// T0 (1 700 000 000 000 ms) as an IMF-fixdate.
const T0_DATE: &str = "Tue, 14 Nov 2023 22:13:20 GMT";

fn date(headers: &reqwest::header::HeaderMap) -> &str {
    let values: Vec<_> = headers.get_all("date").iter().collect();
    assert_eq!(values.len(), 1, "exactly one Date header: {headers:?}");
    values[0].to_str().unwrap()
}

/// `customer/create` signed with the demo key and stamped `timestamp`.
async fn create_customer_at(running: &Running, timestamp: i64) -> RawAnswer {
    let body = json!({"account": DEMO_ACCOUNT, "timestamp": timestamp, "payload": {}}).to_string();
    signed_post_body(running, "customer/create", body).await
}

#[tokio::test]
async fn the_date_header_is_the_sandbox_clock_on_success_011_and_404() {
    let running = common::start(Settings {
        clock: std::sync::Arc::new(FixedClock { unix_millis: T0 }),
        ..Settings::default()
    })
    .await;

    let created = create_customer_at(&running, T0).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(date(&created.headers), T0_DATE);

    // A client on the system clock is years ahead of this server: refused, and told the time.
    let now = calypso_customer_purse::Clock::now_unix_millis(&calypso_customer_purse::SystemClock);
    let stale = create_customer_at(&running, now).await;
    assert_eq!(stale.status, 400, "{}", stale.body);
    assert_eq!(stale.json()["errorCode"], "011", "{}", stale.body);
    assert_eq!(date(&stale.headers), T0_DATE);

    let http = reqwest::Client::new();
    let missing = http
        .get(format!("{}/no/such/route", running.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert_eq!(date(missing.headers()), T0_DATE);

    let wrong_method = http
        .get(format!(
            "{}{}customer/get",
            running.base_url(),
            calypso_customer_purse_sandbox::MERCHANT_PATH_PREFIX
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);
    assert_eq!(date(wrong_method.headers()), T0_DATE);

    let admin_error = post_json(&running, "/sandbox/faults", &[], "{".into()).await;
    assert_eq!(admin_error.status, 400, "{}", admin_error.body);
    assert_eq!(date(&admin_error.headers), T0_DATE);
}

#[tokio::test]
async fn the_date_header_moves_with_the_clock() {
    let clock = SharedClock::at(T0);
    let running = common::start(Settings {
        clock: std::sync::Arc::new(clock.clone()),
        ..Settings::default()
    })
    .await;
    let fault = json!({"count": 1}).to_string();
    let first = post_json(&running, "/sandbox/faults", &[], fault.clone()).await;
    assert_eq!(first.status, 204);
    assert_eq!(date(&first.headers), T0_DATE);

    // 2026-11-24T16:23:49.750Z: sub-second digits are dropped, not rounded.
    clock.set(1_795_537_429_750);
    let later = post_json(&running, "/sandbox/faults", &[], fault).await;
    assert_eq!(date(&later.headers), "Tue, 24 Nov 2026 16:23:49 GMT");
}
