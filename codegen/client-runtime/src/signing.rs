//! Request signing: the lowercase hex HMAC-SHA512 of the exact body bytes, keyed with
//! the API secret's UTF-8 bytes.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha512;

pub use crate::contract::{KEY_HEADER, MAX_CLOCK_SKEW, SIGNATURE_HEADER};

/// Signs bodies with one secret. The key is set up once; each signature starts
/// from a copy of that keyed state.
#[derive(Clone)]
pub(crate) struct Signer {
    keyed: Hmac<Sha512>,
}

impl Signer {
    pub(crate) fn new(secret: &SecretString) -> Self {
        let key = secret.expose_secret().as_bytes();
        // HMAC takes keys of any length: longer ones are hashed, shorter ones padded.
        let keyed = match Hmac::<Sha512>::new_from_slice(key) {
            Ok(keyed) => keyed,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        Self { keyed }
    }

    /// A copy of the keyed state, ready for a message: to sign it, or to check a
    /// signature of it in constant time (`Mac::verify_slice`).
    pub(crate) fn mac(&self) -> Hmac<Sha512> {
        self.keyed.clone()
    }

    /// The signature of `body`.
    pub(crate) fn sign(&self, body: &[u8]) -> Signature {
        let mut mac = self.mac();
        mac.update(body);
        let digest = mac.finalize().into_bytes();
        let mut hex = [0u8; 128];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
            pair[0] = hex_digit(byte >> 4);
            pair[1] = hex_digit(byte & 0x0f);
        }
        Signature(hex)
    }
}

/// The lowercase hex digit of a nibble, computed: it compiles to fewer steps than a
/// table lookup.
fn hex_digit(nibble: u8) -> u8 {
    if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' - 10 + nibble
    }
}

/// The secret never shows in debug output.
impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { secret: [redacted] }")
    }
}

/// A signature as 128 lowercase hex digits, kept on the stack.
pub(crate) struct Signature([u8; 128]);

impl Signature {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the Calypso gateway publishes: HMAC-SHA512 of a 15-byte body, keyed
    /// with the secret's UTF-8 bytes (not hex-decoded), in lowercase hex.
    const SECRET: &str = "b823a6b9ea72408583cef9ec8d67fa52";
    const BODY: &str = "{\"timestamp\":1}";
    const SIGNATURE: &str = "b16e9d45f49f2069becbc4f108b237bee588cfc353fe9501df103e692acbc68d482a10d34c12bea22fedde7e28e1b8e57a6a0a373b0e9a27c5257bd8b36e13b9";

    fn signer(secret: &str) -> Signer {
        Signer::new(&SecretString::from(secret))
    }

    #[test]
    fn signs_a_published_example() {
        assert_eq!(
            signer(SECRET).sign(BODY.as_bytes()).as_bytes(),
            SIGNATURE.as_bytes()
        );
    }

    #[test]
    fn any_change_to_the_body_or_the_secret_changes_the_signature() {
        let changed = format!("{BODY} ");
        assert_ne!(
            signer(SECRET).sign(changed.as_bytes()).as_bytes(),
            SIGNATURE.as_bytes()
        );
        let other = signer(&SECRET.to_ascii_uppercase()).sign(BODY.as_bytes());
        assert_ne!(other.as_bytes(), SIGNATURE.as_bytes());
    }

    #[test]
    fn signatures_are_128_lowercase_hex_digits_for_any_key_length() {
        for secret in ["", "k", &"long".repeat(100)] {
            let signature = signer(secret).sign(b"{}");
            assert_eq!(signature.as_bytes().len(), 128);
            assert!(signature
                .as_bytes()
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        }
    }

    #[test]
    fn the_mac_is_the_keyed_state_and_verifies_a_digest() {
        let signer = signer(SECRET);
        let mut mac = signer.mac();
        mac.update(BODY.as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(hex, SIGNATURE);
        let mut mac = signer.mac();
        mac.update(BODY.as_bytes());
        assert!(mac.verify_slice(&digest).is_ok());
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", signer(SECRET));
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
