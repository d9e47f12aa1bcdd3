//! Request signing: the lowercase hex HMAC-SHA512 of the exact body bytes, keyed with
//! the API secret's UTF-8 bytes; and the one check of such a signature, which the webhook
//! verifier and the mock make, and a server of the API's can make too.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha512;

pub use crate::contract::{KEY_HEADER, MAX_CLOCK_SKEW, SIGNATURE_HEADER};

/// Signs bodies with one secret, and checks signatures made with it. The key is set up
/// once; each signature or check starts from a copy of that keyed state.
#[derive(Clone)]
pub struct Signer {
    keyed: Hmac<Sha512>,
}

impl Signer {
    /// A signer keyed with `secret`'s UTF-8 bytes (not hex-decoded).
    pub fn new(secret: &SecretString) -> Self {
        let key = secret.expose_secret().as_bytes();
        // HMAC takes keys of any length: longer ones are hashed, shorter ones padded.
        let keyed = match Hmac::<Sha512>::new_from_slice(key) {
            Ok(keyed) => keyed,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        Self { keyed }
    }

    /// The signature of `body`.
    pub(crate) fn sign(&self, body: &[u8]) -> Signature {
        let mut mac = self.keyed.clone();
        mac.update(body);
        let digest = mac.finalize().into_bytes();
        let mut hex = [0u8; 128];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
            pair[0] = hex_digit(byte >> 4);
            pair[1] = hex_digit(byte & 0x0f);
        }
        Signature(hex)
    }

    /// Checks that `signature` is the signature of `body`: exactly 128 hex digits, in
    /// either case, that spell the HMAC-SHA512 of `body`, compared in constant time.
    ///
    /// `signature` is taken as given: a header value's surrounding whitespace is the
    /// caller's to trim (HTTP parsers already drop it).
    ///
    /// # Errors
    ///
    /// [`SignatureError::Malformed`] for anything but 128 hex digits, and
    /// [`SignatureError::Mismatch`] when they are not the HMAC of `body` under this secret.
    pub fn check(&self, body: &[u8], signature: &str) -> Result<(), SignatureError> {
        let given = decode(signature.as_bytes()).ok_or(SignatureError::Malformed)?;
        let mut mac = self.keyed.clone();
        mac.update(body);
        // Constant time: how much of a guess is right must not show in the time it takes.
        mac.verify_slice(&given)
            .map_err(|_| SignatureError::Mismatch)
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

/// The value of a hex digit read by a check: either case.
///
/// The spec's `x-request-signing.signatureEncoding: lowercase-hex` says how signatures are
/// written, and [`Signer`] writes lowercase. A digit's case carries no meaning, though, so
/// a check that refused `A` for `a` would refuse the right HMAC for its spelling alone.
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The 64 bytes (an HMAC-SHA512) that exactly 128 hex digits spell; `None` for anything
/// else.
fn decode(hex: &[u8]) -> Option<[u8; 64]> {
    if hex.len() != 128 {
        return None;
    }
    let mut bytes = [0u8; 64];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(bytes)
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

/// Why [`Signer::check`] refused a signature. Neither message tells anything of the secret
/// or of the signature expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not 128 hex digits: no HMAC-SHA512 is written so.
    Malformed,
    /// 128 hex digits, but not the HMAC-SHA512 of the body's bytes under the secret.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Malformed => "the signature is not 128 hex digits",
            Self::Mismatch => {
                "the signature is not the HMAC-SHA512 of the body's bytes under the secret"
            }
        })
    }
}

impl std::error::Error for SignatureError {}

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
    fn checks_the_published_example() {
        assert_eq!(signer(SECRET).check(BODY.as_bytes(), SIGNATURE), Ok(()));
    }

    #[test]
    fn a_check_reads_hex_digits_in_either_case() {
        let upper = SIGNATURE.to_ascii_uppercase();
        let mixed: String = SIGNATURE
            .chars()
            .enumerate()
            .map(|(at, digit)| match at % 2 {
                0 => digit.to_ascii_uppercase(),
                _ => digit,
            })
            .collect();
        assert_ne!(upper, SIGNATURE);
        assert!(mixed != SIGNATURE && mixed != upper);
        for signature in [&upper, &mixed] {
            assert_eq!(
                signer(SECRET).check(BODY.as_bytes(), signature),
                Ok(()),
                "{signature}"
            );
        }
    }

    #[test]
    fn a_check_refuses_anything_but_128_hex_digits_as_malformed() {
        let mut refused = vec![
            String::new(),
            SIGNATURE[..127].to_owned(),
            format!("{SIGNATURE}0"),
            format!(" {SIGNATURE}"),
            format!("{}\u{e9}", &SIGNATURE[..126]),
        ];
        // The characters next to each range of digits, at each place of a pair.
        for stranger in ['/', ':', '@', 'G', '`', 'g', ' '] {
            for at in [0, 127] {
                let mut signature = SIGNATURE.to_owned();
                signature.replace_range(at..=at, stranger.encode_utf8(&mut [0; 4]));
                refused.push(signature);
            }
        }
        for signature in &refused {
            assert_eq!(
                signer(SECRET).check(BODY.as_bytes(), signature),
                Err(SignatureError::Malformed),
                "{signature:?}"
            );
        }
    }

    #[test]
    fn a_check_refuses_another_signature_body_or_secret_as_a_mismatch() {
        for at in [0, 1, 64, 127] {
            let mut signature = SIGNATURE.to_owned();
            let digit = if &signature[at..=at] == "0" { "1" } else { "0" };
            signature.replace_range(at..=at, digit);
            assert_eq!(
                signer(SECRET).check(BODY.as_bytes(), &signature),
                Err(SignatureError::Mismatch),
                "digit {at} changed"
            );
        }
        let changed = format!("{BODY} ");
        assert_eq!(
            signer(SECRET).check(changed.as_bytes(), SIGNATURE),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            signer("another secret").check(BODY.as_bytes(), SIGNATURE),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_check_accepts_what_the_signer_writes_for_any_key_length() {
        for secret in ["", "k", &"long".repeat(100)] {
            let signer = signer(secret);
            let signature = signer.sign(b"{}");
            let signature = std::str::from_utf8(signature.as_bytes()).unwrap();
            assert_eq!(signer.check(b"{}", signature), Ok(()), "{secret}");
        }
    }

    #[test]
    fn refusals_say_what_was_wrong() {
        let malformed = SignatureError::Malformed.to_string();
        let mismatch = SignatureError::Mismatch.to_string();
        assert!(malformed.contains("not 128 hex digits"), "{malformed}");
        assert!(mismatch.contains("not the HMAC-SHA512"), "{mismatch}");
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", signer(SECRET));
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
