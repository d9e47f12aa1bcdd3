//! `src/signing.rs`: the request signer, with the header names and rules from `x-request-signing`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;

use crate::model::Api;

pub fn emit(api: &Api) -> TokenStream {
    let signing = &api.signing;
    let key_header = signing.key_header.to_ascii_lowercase();
    let signature_header = signing.signature_header.to_ascii_lowercase();
    let key_doc = docs::outer(&format!(
        "The header that carries the API key (`{}`).",
        signing.key_header
    ));
    let signature_doc = docs::outer(&format!(
        "The header that carries the body's signature (`{}`).",
        signing.signature_header
    ));
    let skew = u64::from(signing.max_clock_skew_seconds);
    let skew_doc = docs::outer(&format!(
        "How far a request's timestamp may be from the server's clock: {skew} seconds either way."
    ));
    // Only webhooks check signatures.
    let verifying = api.webhooks.is_some().then(|| {
        quote! {
            impl Signer {
                /// Whether `signature` is the signature of `body`, compared in constant time.
                pub(crate) fn verify(&self, body: &[u8], signature: &[u8; 64]) -> bool {
                    let mut mac = self.keyed.clone();
                    mac.update(body);
                    mac.verify_slice(signature).is_ok()
                }
            }

            /// The 64 bytes that 128 hex digits (either case) spell; `None` for anything else.
            pub(crate) fn decode_signature(hex: &[u8]) -> Option<[u8; 64]> {
                if hex.len() != 128 {
                    return None;
                }
                let digit = |c: u8| match c {
                    b'0'..=b'9' => Some(c - b'0'),
                    b'a'..=b'f' => Some(c - b'a' + 10),
                    b'A'..=b'F' => Some(c - b'A' + 10),
                    _ => None,
                };
                let mut bytes = [0u8; 64];
                for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
                    *byte = (digit(pair[0])? << 4) | digit(pair[1])?;
                }
                Some(bytes)
            }
        }
    });
    let example_test = signing.example.as_ref().map(|example| {
        let secret = &example.secret;
        let body = &example.body;
        let signature = &example.signature;
        quote! {
            #[cfg(test)]
            mod tests {
                use super::*;

                /// The example the API's provider publishes, from `x-request-signing.example`.
                #[test]
                fn signs_the_published_example() {
                    let signer = Signer::new(&secrecy::SecretString::from(#secret));
                    assert_eq!(signer.sign(#body.as_bytes()).as_bytes(), #signature.as_bytes());
                }

                #[test]
                fn any_change_to_the_body_changes_the_signature() {
                    let signer = Signer::new(&secrecy::SecretString::from(#secret));
                    let changed = format!("{} ", #body);
                    assert_ne!(signer.sign(changed.as_bytes()).as_bytes(), #signature.as_bytes());
                }
            }
        }
    });

    quote! {
        //! Request signing: the lowercase hex HMAC-SHA512 of the exact body bytes, keyed with
        //! the API secret's UTF-8 bytes.

        use hmac::{Hmac, KeyInit, Mac};
        use secrecy::{ExposeSecret, SecretString};
        use sha2::Sha512;

        #key_doc
        pub const KEY_HEADER: &str = #key_header;

        #signature_doc
        pub const SIGNATURE_HEADER: &str = #signature_header;

        #skew_doc
        pub const MAX_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(#skew);

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
        }

        #verifying

        /// The lowercase hex digit of a nibble, computed: it compiles to fewer steps than a
        /// table lookup.
        fn hex_digit(nibble: u8) -> u8 {
            if nibble < 10 { b'0' + nibble } else { b'a' - 10 + nibble }
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

        #example_test
    }
}
