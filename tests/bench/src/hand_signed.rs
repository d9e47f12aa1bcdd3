//! Signing as a careful hand-written client does it: the baseline the generated client is
//! measured against, and how the bench signs its own requests to the sandbox. Also the
//! published example credentials, and the generated client built with them.

use std::hint::black_box;

use calypso_customer_purse::types::TransactionIdRequest;
use calypso_customer_purse::{Client, SecretString, Uuid};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha512;

/// The published example key pair and account (section 1 of the API notes).
pub const API_KEY: &str = "c529e14832b34b74972365cf7bf02430";
pub const API_SECRET: &str = "b823a6b9ea72408583cef9ec8d67fa52";
pub const ACCOUNT: &str = "0xc195df92dd9db2a8f28e597981f113d6e7582f8b";

/// The signed body: the same fields, in the same order, as the generated client's envelope.
#[derive(Serialize)]
struct Envelope<'a, P> {
    account: &'a str,
    timestamp: i64,
    payload: &'a P,
}

/// `payload` in its envelope, stamped now.
fn stamped<P>(payload: &P) -> Envelope<'_, P> {
    Envelope {
        account: black_box(ACCOUNT),
        timestamp: now_millis(),
        payload: black_box(payload),
    }
}

/// The HMAC state keyed with the secret once, to be cloned for every body.
pub fn keyed() -> Result<Hmac<Sha512>, String> {
    Hmac::<Sha512>::new_from_slice(API_SECRET.as_bytes()).map_err(|error| error.to_string())
}

/// `payload` in its envelope stamped now, serialized with `serde_json::to_vec`, and the
/// keyed state fed with those bytes: the floor of what any signing client must do.
pub fn body_and_mac<P: Serialize>(
    keyed: &Hmac<Sha512>,
    payload: &P,
) -> Result<(Vec<u8>, Hmac<Sha512>), String> {
    let envelope = stamped(payload);
    let body = serde_json::to_vec(&envelope).map_err(|error| error.to_string())?;
    let mut mac = keyed.clone();
    mac.update(&body);
    Ok((body, mac))
}

/// As [`body_and_mac`], in one pass: the HMAC is fed each piece serde_json writes as it
/// writes it, rather than the whole body once it is written. Issue 24 asked whether this
/// beats the floor; the bench's row says.
pub fn body_and_mac_in_one_pass<P: Serialize>(
    keyed: &Hmac<Sha512>,
    payload: &P,
) -> Result<(Vec<u8>, Hmac<Sha512>), String> {
    let envelope = stamped(payload);
    let mut tee = Tee {
        body: Vec::with_capacity(512),
        mac: keyed.clone(),
    };
    serde_json::to_writer(&mut tee, &envelope).map_err(|error| error.to_string())?;
    Ok((tee.body, tee.mac))
}

/// A writer that keeps what it is given and feeds it to the HMAC.
struct Tee {
    body: Vec<u8>,
    mac: Hmac<Sha512>,
}

impl std::io::Write for Tee {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.body.extend_from_slice(bytes);
        self.mac.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `payload`'s signed body and its signature in lowercase hex, by the `hex` crate.
pub fn signed_body<P: Serialize>(
    keyed: &Hmac<Sha512>,
    payload: &P,
) -> Result<(Vec<u8>, String), String> {
    let (body, mac) = body_and_mac(keyed, payload)?;
    Ok((body, hex::encode(mac.finalize().into_bytes())))
}

/// The generated client with the example credentials.
pub fn client(base_url: &str) -> Result<Client, String> {
    Client::builder()
        .base_url(base_url)
        .account(ACCOUNT)
        .api_key(API_KEY)
        .api_secret(SecretString::from(API_SECRET))
        .build()
        .map_err(|error| error.to_string())
}

/// The small request every per-call measurement sends: one transaction id.
pub fn transaction_request() -> TransactionIdRequest {
    TransactionIdRequest::new(Uuid::from_u128(0x7c9e_6679_7425_40de_944b_e07f_c1f9_0ae7))
}

/// The clock, read as the client reads it.
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}
