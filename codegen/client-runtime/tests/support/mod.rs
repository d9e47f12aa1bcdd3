//! What the runtime's test files share.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;

/// The body's signature under `secret`, computed here rather than by the runtime under test.
pub fn hex_hmac(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
