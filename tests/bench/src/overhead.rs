//! The client's own work per call, without the network: stamp the envelope, serialize it, sign
//! it and build the request. Compared with the floor: the same body serialized by hand with
//! `serde_json::to_vec` and its HMAC-SHA512, keyed once, as a careful hand-written client would.
//!
//! Timed on `client-runtime`, whose files the generated crates copy byte for byte: its
//! stand-in contract signs like the Customer Purse API (the same headers and envelope), so
//! the bodies and signatures are the generated client's.

use std::hint::black_box;
use std::time::{Duration, Instant};

use calypso_customer_purse::types::CreateCustomerRequest;
use client_runtime::{Client, SecretString};
use hmac::{Hmac, Mac};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use sha2::Sha512;

use crate::hand_signed::{self, ACCOUNT, API_KEY, API_SECRET};
use crate::stats::median_f64;

/// The per-call time of the client and of the floor, and their ratio (client / floor), for
/// one payload.
pub struct Overhead {
    pub payload: &'static str,
    pub body_bytes: usize,
    pub client: Duration,
    pub floor: Duration,
    pub ratio: f64,
    /// The floor plus hex and a `reqwest::Request` built by hand with the same headers.
    pub hand_built: Duration,
    pub hand_built_ratio: f64,
    /// The floor with the HMAC fed while the body is serialized, and its ratio to the floor.
    pub one_pass: Duration,
    pub one_pass_ratio: f64,
}

/// Both payloads: the smallest request (one id) and a large one (a customer with 8 KiB of
/// text, much of it needing JSON escapes).
pub fn measure(rounds: usize, calls_per_round: u32) -> Result<Vec<Overhead>, String> {
    let client = client()?;
    let keyed = hand_signed::keyed()?;
    let small = hand_signed::transaction_request();
    let description: String = "Müller & Söhne \"GmbH\"\t\n/ 😀 ".repeat(256);
    let large = CreateCustomerRequest::new()
        .with_description(description)
        .with_external_id("user-42-".repeat(16))
        .with_email("someone@example.com");
    Ok(vec![
        compare(
            "small (1 id)",
            &client,
            &keyed,
            "getThing",
            &small,
            rounds,
            calls_per_round,
        )?,
        compare(
            "large (8 KiB text)",
            &client,
            &keyed,
            "createThing",
            &large,
            rounds,
            calls_per_round,
        )?,
    ])
}

/// The client the rows time, with the published example credentials; it sends nothing.
fn client() -> Result<Client, String> {
    Client::builder()
        .base_url("http://127.0.0.1:9")
        .account(ACCOUNT)
        .api_key(API_KEY)
        .api_secret(SecretString::from(API_SECRET))
        .build()
        .map_err(|error| error.to_string())
}

/// `bench per-call client|floor CALLS`: that many small calls of the client, or of the
/// floor, and nothing else: for `valgrind --tool=callgrind --toggle-collect=...`, which counts
/// the instructions of each, the same from run to run (BENCHMARKS.md says how).
pub fn per_call(kind: &str, calls: &str) -> Result<(), String> {
    let calls: u32 = calls
        .parse()
        .map_err(|_| format!("CALLS: `{calls}` is not a count"))?;
    let payload = hand_signed::transaction_request();
    match kind {
        "client" => {
            let client = client()?;
            let url = client_runtime::bench::operation_url(&client, "getThing")
                .ok_or("the client has no operation getThing")?;
            client_calls(&client, &url, &payload, calls)
        }
        "floor" => floor_calls(&hand_signed::keyed()?, &payload, calls),
        other => Err(format!("`{other}` is neither client nor floor")),
    }
}

/// The client's calls of [`per_call`], apart, so that callgrind can count them alone.
#[inline(never)]
fn client_calls<P: Serialize>(
    client: &Client,
    url: &reqwest::Url,
    payload: &P,
    calls: u32,
) -> Result<(), String> {
    for _ in 0..calls {
        let request =
            client_runtime::bench::signed_request(client, black_box(url), black_box(payload))
                .map_err(|error| error.to_string())?;
        black_box(request);
    }
    Ok(())
}

/// The floor's calls of [`per_call`], apart.
#[inline(never)]
fn floor_calls<P: Serialize>(keyed: &Hmac<Sha512>, payload: &P, calls: u32) -> Result<(), String> {
    for _ in 0..calls {
        let (body, mac) = hand_signed::body_and_mac(keyed, payload)?;
        black_box((body, mac.finalize()));
    }
    Ok(())
}

/// Times the client, the floor and a hand-built request in alternating rounds, so that all
/// see the same machine; each ratio is the median of the rounds' ratios.
fn compare<P: Serialize>(
    payload_name: &'static str,
    client: &Client,
    keyed: &Hmac<Sha512>,
    operation_id: &str,
    payload: &P,
    rounds: usize,
    calls: u32,
) -> Result<Overhead, String> {
    let url = client_runtime::bench::operation_url(client, operation_id)
        .ok_or_else(|| format!("the client has no operation {operation_id}"))?;
    let probe = client_runtime::bench::signed_request(client, &url, payload)
        .map_err(|error| error.to_string())?;
    let body_bytes = probe
        .body()
        .and_then(|body| body.as_bytes())
        .map_or(0, <[u8]>::len);

    let client_round = || -> Result<Duration, String> {
        let start = Instant::now();
        for _ in 0..calls {
            let request =
                client_runtime::bench::signed_request(client, black_box(&url), black_box(payload))
                    .map_err(|error| error.to_string())?;
            black_box(request);
        }
        Ok(start.elapsed() / calls)
    };
    let floor_round = || -> Result<Duration, String> {
        let start = Instant::now();
        for _ in 0..calls {
            let (body, mac) = hand_signed::body_and_mac(keyed, payload)?;
            black_box((body, mac.finalize()));
        }
        Ok(start.elapsed() / calls)
    };
    let one_pass_round = || -> Result<Duration, String> {
        let start = Instant::now();
        for _ in 0..calls {
            let (body, mac) = hand_signed::body_and_mac_in_one_pass(keyed, payload)?;
            black_box((body, mac.finalize()));
        }
        Ok(start.elapsed() / calls)
    };
    // The floor plus what any reqwest-based client must add: hex, and the request itself.
    let hand_built_round = || -> Result<Duration, String> {
        let start = Instant::now();
        for _ in 0..calls {
            let (body, signature) = hand_signed::signed_body(keyed, payload)?;
            let mut request = reqwest::Request::new(reqwest::Method::POST, black_box(&url).clone());
            let headers = request.headers_mut();
            headers.insert("key", HeaderValue::from_static(API_KEY));
            headers.insert(
                "sign",
                HeaderValue::from_str(&signature).map_err(|error| error.to_string())?,
            );
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.into());
            black_box(request);
        }
        Ok(start.elapsed() / calls)
    };
    // Warm all up: caches, allocator, lazy statics.
    client_round()?;
    floor_round()?;
    hand_built_round()?;
    one_pass_round()?;
    let mut client_times = Vec::with_capacity(rounds);
    let mut floor_times = Vec::with_capacity(rounds);
    let mut hand_built_times = Vec::with_capacity(rounds);
    let mut ratios = Vec::with_capacity(rounds);
    let mut hand_built_ratios = Vec::with_capacity(rounds);
    let mut one_pass_times = Vec::with_capacity(rounds);
    let mut one_pass_ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let client_time = client_round()?;
        let floor_time = floor_round()?;
        let hand_built_time = hand_built_round()?;
        let one_pass_time = one_pass_round()?;
        one_pass_ratios.push(one_pass_time.as_secs_f64() / floor_time.as_secs_f64());
        one_pass_times.push(one_pass_time);
        ratios.push(client_time.as_secs_f64() / floor_time.as_secs_f64());
        hand_built_ratios.push(client_time.as_secs_f64() / hand_built_time.as_secs_f64());
        client_times.push(client_time);
        floor_times.push(floor_time);
        hand_built_times.push(hand_built_time);
    }
    Ok(Overhead {
        payload: payload_name,
        body_bytes,
        client: crate::stats::median(&mut client_times),
        floor: crate::stats::median(&mut floor_times),
        ratio: median_f64(&mut ratios),
        hand_built: crate::stats::median(&mut hand_built_times),
        hand_built_ratio: median_f64(&mut hand_built_ratios),
        one_pass: crate::stats::median(&mut one_pass_times),
        one_pass_ratio: median_f64(&mut one_pass_ratios),
    })
}
