//! What deduplicating a webhook costs: per delivery, the generated client's
//! `WebhookReceiver::receive` with an `InMemoryDeduplicator` (what its axum extractor runs once
//! the body is read: the length check, `verify`, the delivery's identity and
//! `first_delivery`), against `WebhookVerifier::verify` alone; and the memory the
//! deduplicator takes for 100,000 ids of the Customer Purse API's size (an event id and a
//! subscription's `requestId`), counted by the bench's allocator.

use std::hint::black_box;
use std::time::{Duration, Instant};

use calypso_customer_purse::reqwest::header::HeaderMap;
use calypso_customer_purse::{
    Deduplicate, Delivery, DeliveryId, InMemoryDeduplicator, SecretString, VerifiedWebhook,
    WebhookReceiver, WebhookVerifier,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;

use crate::stats::median_f64;

const PUBLIC_KEY: &str = "5d1f0c2a9e8b4c7d8f6a3b2e1d0c9b8a";
const SECRET_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const REQUEST_ID: &str = "3f2b8c1e-7a4d-4e9b-a1c5-9d8e7f6a5b4c";

/// The ids the memory figure holds.
pub const REMEMBERED_IDS: usize = 100_000;

/// The per-delivery times, and the deduplicator's memory.
pub struct Dedup {
    pub body_bytes: usize,
    pub verify: Duration,
    pub with_dedup: Duration,
    pub ratio: f64,
    /// Bytes the deduplicator holds with [`REMEMBERED_IDS`] ids in it.
    pub memory_bytes: usize,
    /// The length of one of those ids.
    pub id_len: usize,
}

/// A deposit's confirmation as the sandbox sends it: event `id`, the subscription's
/// `requestId`, and the deposit's data.
fn body(event_id: i64) -> String {
    format!(
        r#"{{"requestId":"{REQUEST_ID}","id":{event_id},"createdDate":"2025-10-30T14:08:39.96068","level":"SUCCESS","service":"CUSTOMER_PURSE","eventType":"CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE","data":{{"currency":"USDT_TRC20","customerId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","purseId":"1b4e28ba-2fa1-11d2-883f-0016d3cca427","address":"TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE","transactionId":"a3bb189e-8bf9-3888-9912-ace4e6543002","amount":1234.567890123456789012}}}}"#
    )
}

fn headers(body: &str) -> Result<HeaderMap, String> {
    let mut mac =
        Hmac::<Sha512>::new_from_slice(SECRET_KEY.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut headers = HeaderMap::new();
    headers.insert("key", PUBLIC_KEY.parse().map_err(|_| "a header value")?);
    headers.insert("sign", signature.parse().map_err(|_| "a header value")?);
    Ok(headers)
}

/// `deliveries` different deliveries per round, verified alone and verified then
/// deduplicated (each round with a new deduplicator, so every delivery is a first one), in
/// alternating rounds; the medians per delivery.
pub fn measure(rounds: usize, deliveries: usize) -> Result<Dedup, String> {
    let verifier = WebhookVerifier::new(PUBLIC_KEY, &SecretString::from(SECRET_KEY));
    let signed: Vec<(HeaderMap, String)> = (0..deliveries)
        .map(|n| {
            let body = body(7_000_000_000 + i64::try_from(n).unwrap_or(0));
            Ok((headers(&body)?, body))
        })
        .collect::<Result<_, String>>()?;
    let body_bytes = signed.first().map_or(0, |(_, body)| body.len());
    let count = u32::try_from(deliveries.max(1)).map_err(|_| "too many deliveries")?;
    let (mut verify_times, mut dedup_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        for (headers, body) in &signed {
            let webhook = verifier
                .verify(black_box(headers), black_box(body.as_bytes()))
                .map_err(|error| error.to_string())?;
            black_box(webhook);
        }
        let verify = started.elapsed() / count;

        let receiver = WebhookReceiver::new(verifier.clone()).deduplicate_with(
            InMemoryDeduplicator::new(REMEMBERED_IDS, Duration::from_secs(24 * 3600)),
        );
        let started = Instant::now();
        for (headers, body) in &signed {
            let delivery = receiver
                .receive(black_box(headers), black_box(body.as_bytes()))
                .map_err(|error| error.to_string())?;
            let Delivery::First(webhook) = delivery else {
                return Err(format!("{body} seen twice"));
            };
            black_box(webhook);
        }
        let with_dedup = started.elapsed() / count;
        drop(receiver);
        ratios.push(with_dedup.as_secs_f64() / verify.as_secs_f64().max(f64::MIN_POSITIVE));
        verify_times.push(verify);
        dedup_times.push(with_dedup);
    }
    let (memory_bytes, id_len) = memory()?;
    Ok(Dedup {
        body_bytes,
        verify: crate::stats::median(&mut verify_times),
        with_dedup: crate::stats::median(&mut dedup_times),
        ratio: median_f64(&mut ratios),
        memory_bytes,
        id_len,
    })
}

/// The bytes an `InMemoryDeduplicator` holds once told of [`REMEMBERED_IDS`] deliveries,
/// their ids read from bodies as `identity()` reads them; and one id's length.
fn memory() -> Result<(usize, usize), String> {
    let ids: Vec<DeliveryId> = (0..REMEMBERED_IDS)
        .map(|n| {
            let body = body(7_000_000_000 + i64::try_from(n).unwrap_or(0));
            VerifiedWebhook::from_trusted_bytes(body, PUBLIC_KEY)
                .identity()
                .ok_or_else(|| "the body has an identity".to_owned())
        })
        .collect::<Result<_, String>>()?;
    let id_len = ids.last().map_or(0, |id| id.as_str().len());
    let (seen, held) = crate::ALLOCATED.held_by(|| {
        let seen = InMemoryDeduplicator::new(REMEMBERED_IDS, Duration::from_secs(24 * 3600));
        let firsts = ids
            .iter()
            .filter(|id| seen.first_delivery(id) == Ok(true))
            .count();
        (seen, firsts)
    });
    if seen.1 != REMEMBERED_IDS {
        return Err(format!("{} of {REMEMBERED_IDS} ids were first", seen.1));
    }
    black_box(&seen.0);
    let held = usize::try_from(held).unwrap_or(0);
    Ok((held, id_len))
}
