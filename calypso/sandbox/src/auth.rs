//! The real API's request checks, in the order the sandbox applies them: the `Key` header names
//! a known key (002), `Sign` is the HMAC-SHA512 of the raw body under that key's secret (003),
//! the body is a JSON envelope (001), its `account` is the key's account (002) and its
//! `timestamp` is within ±3 minutes of the server clock (011).

use std::collections::HashMap;

use axum::http::HeaderMap;
use calypso_customer_purse::signing::{
    KEY_HEADER, MAX_CLOCK_SKEW, SIGNATURE_HEADER, SignatureError, Signer,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::accounts::Credentials;
use crate::failure::Failure;

/// Every known API key, with its account and a signer keyed once with its secret.
pub(crate) struct Keyring {
    keys: HashMap<String, Key>,
}

struct Key {
    account: String,
    /// The client's own check of a signature, so that the sandbox accepts what the client's
    /// mock and webhook verifier accept.
    signer: Signer,
}

/// The envelope every request body is: `account`, `timestamp` and the operation's `payload`,
/// which is parsed only after the envelope passed its checks.
#[derive(Deserialize)]
struct Envelope<'a> {
    account: String,
    timestamp: i64,
    #[serde(borrow)]
    payload: &'a RawValue,
}

/// A request that passed every check: the account it acts for and its payload, still unparsed.
pub(crate) struct Authorized<'a> {
    pub(crate) account: String,
    pub(crate) payload: &'a RawValue,
}

impl Keyring {
    /// The keyring of `credentials`; fails when two pairs share an API key.
    pub(crate) fn new(credentials: &[Credentials]) -> Result<Self, String> {
        let mut keys = HashMap::new();
        for pair in credentials {
            let key = Key {
                account: pair.account.clone(),
                signer: Signer::new(&pair.api_secret),
            };
            if keys.insert(pair.api_key.clone(), key).is_some() {
                return Err(format!("API key {} is listed twice", pair.api_key));
            }
        }
        Ok(Self { keys })
    }

    /// Applies the real API's checks to one request, with `now_ms` as the server clock.
    pub(crate) fn authorize<'a>(
        &self,
        headers: &HeaderMap,
        body: &'a [u8],
        now_ms: i64,
    ) -> Result<Authorized<'a>, Failure> {
        let api_key = header(headers, KEY_HEADER).map_err(Failure::invalid_api_key)?;
        let key = self
            .keys
            .get(api_key)
            .ok_or_else(|| Failure::invalid_api_key(format!("unknown API key `{api_key}`")))?;

        let sign = header(headers, SIGNATURE_HEADER).map_err(Failure::wrong_sign)?;
        // Hex in either case, compared in constant time.
        key.signer.check(body, sign).map_err(|error| {
            Failure::wrong_sign(match error {
                SignatureError::Malformed => "`Sign` must be 128 hex digits (HMAC-SHA512)".into(),
                SignatureError::Mismatch => {
                    "`Sign` is not the HMAC-SHA512 of the body bytes under this key's secret".into()
                }
                _ => format!("`Sign`: {error}"),
            })
        })?;

        let envelope: Envelope<'a> = parse_object(body)
            .map_err(|error| Failure::invalid_input(format!("invalid request body: {error}")))?;
        if envelope.account != key.account {
            return Err(Failure::invalid_api_key(format!(
                "API key `{api_key}` does not belong to account `{}`",
                envelope.account
            )));
        }
        let skew_ms = i64::try_from(MAX_CLOCK_SKEW.as_millis()).unwrap_or(i64::MAX);
        let off_by = envelope.timestamp.saturating_sub(now_ms);
        if off_by.unsigned_abs() > skew_ms.unsigned_abs() {
            return Err(Failure::invalid_timestamp(format!(
                "timestamp {} is {} ms {} the server clock ({now_ms}); at most {skew_ms} ms is allowed",
                envelope.timestamp,
                off_by.unsigned_abs(),
                if off_by < 0 { "behind" } else { "ahead of" },
            )));
        }
        Ok(Authorized {
            account: envelope.account,
            payload: envelope.payload,
        })
    }
}

/// `json` as a `T`, which must be written as a JSON object: serde would also read a struct
/// from an array of its field values, which no real client sends.
pub(crate) fn parse_object<'a, T: Deserialize<'a>>(json: &'a [u8]) -> Result<T, String> {
    let first = json.iter().find(|byte| !byte.is_ascii_whitespace());
    if first.is_some_and(|byte| *byte != b'{') {
        return Err("expected a JSON object".into());
    }
    serde_json::from_slice(json).map_err(|error| error.to_string())
}

/// The header's value; an error names the header and says whether it is missing or garbled.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, String> {
    headers
        .get(name)
        .ok_or_else(|| format!("missing `{name}` header"))?
        .to_str()
        .map_err(|_| format!("the `{name}` header is not visible ASCII"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use calypso_customer_purse::types::ErrorCode;
    use hmac::{Hmac, KeyInit, Mac};
    use secrecy::SecretString;
    use sha2::Sha512;

    const NOW: i64 = 1_700_000_000_000;

    /// The provider's published signing example, whole: its secret (the demo key's), its body
    /// and all 128 digits of its signature.
    const PUBLISHED_SECRET: &str = "b823a6b9ea72408583cef9ec8d67fa52";
    const PUBLISHED_BODY: &[u8] = br#"{"timestamp":1}"#;
    const PUBLISHED_SIGNATURE: &str = "b16e9d45f49f2069becbc4f108b237bee588cfc353fe9501df103e692acbc68d482a10d34c12bea22fedde7e28e1b8e57a6a0a373b0e9a27c5257bd8b36e13b9";

    fn keyring() -> Keyring {
        Keyring::new(&[Credentials::demo()]).unwrap()
    }

    /// `secret`'s lowercase signature of `body`, written here apart from the client's signer.
    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn headers(key: &str, sign: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("key", HeaderValue::from_str(key).unwrap());
        headers.insert("sign", HeaderValue::from_str(sign).unwrap());
        headers
    }

    fn body(account: &str, timestamp: i64) -> Vec<u8> {
        format!(r#"{{"account":"{account}","timestamp":{timestamp},"payload":{{"x":1}}}}"#)
            .into_bytes()
    }

    fn code(result: Result<Authorized<'_>, Failure>) -> ErrorCode {
        result.err().expect("the request should be refused").code
    }

    #[test]
    fn accepts_the_providers_published_signature() {
        assert_eq!(crate::accounts::DEMO_API_SECRET, PUBLISHED_SECRET);
        let keyring = keyring();
        let authorize = |signature: &str| {
            let headers = headers(crate::accounts::DEMO_API_KEY, signature);
            keyring
                .authorize(&headers, PUBLISHED_BODY, NOW)
                .err()
                .expect("the published body is no envelope")
        };
        // The signature passes: what is refused is the next check, the body's.
        for signature in [
            PUBLISHED_SIGNATURE,
            &PUBLISHED_SIGNATURE.to_ascii_uppercase(),
        ] {
            let refused = authorize(signature);
            assert_eq!(refused.code, ErrorCode::InvalidInput, "{refused:?}");
        }
        let last_digit_changed = format!("{}8", &PUBLISHED_SIGNATURE[..127]);
        assert_ne!(last_digit_changed, PUBLISHED_SIGNATURE);
        let refused = authorize(&last_digit_changed);
        assert_eq!(refused.code, ErrorCode::WrongSign, "{refused:?}");
        assert!(
            refused.message.contains("not the HMAC-SHA512"),
            "{refused:?}"
        );
    }

    #[test]
    fn accepts_a_correct_request_and_hands_over_the_raw_payload() {
        let body = body(crate::accounts::DEMO_ACCOUNT, NOW - 179_000);
        let sign = sign(crate::accounts::DEMO_API_SECRET, &body);
        let authorized = keyring()
            .authorize(&headers(crate::accounts::DEMO_API_KEY, &sign), &body, NOW)
            .unwrap_or_else(|failure| panic!("{failure:?}"));
        assert_eq!(authorized.account, crate::accounts::DEMO_ACCOUNT);
        assert_eq!(authorized.payload.get(), r#"{"x":1}"#);
    }

    #[test]
    fn refuses_each_broken_rule_with_its_code() {
        let keyring = keyring();
        let key = crate::accounts::DEMO_API_KEY;
        let good = body(crate::accounts::DEMO_ACCOUNT, NOW);
        let good_sign = sign(crate::accounts::DEMO_API_SECRET, &good);

        assert_eq!(
            code(keyring.authorize(&HeaderMap::new(), &good, NOW)),
            ErrorCode::InvalidApiKey
        );
        assert_eq!(
            code(keyring.authorize(&headers("other", &good_sign), &good, NOW)),
            ErrorCode::InvalidApiKey
        );
        let mut no_sign = headers(key, &good_sign);
        no_sign.remove("sign");
        assert_eq!(
            code(keyring.authorize(&no_sign, &good, NOW)),
            ErrorCode::WrongSign
        );
        // Hex digits in either case: the uppercase spelling is the same signature.
        let upper = good_sign.to_uppercase();
        assert!(keyring.authorize(&headers(key, &upper), &good, NOW).is_ok());
        let short = keyring
            .authorize(&headers(key, &good_sign[1..]), &good, NOW)
            .err()
            .expect("a short signature is refused");
        assert_eq!(short.code, ErrorCode::WrongSign);
        assert!(short.message.contains("128 hex digits"), "{short:?}");
        let wrong_secret = sign("not the secret", &good);
        let mismatch = keyring
            .authorize(&headers(key, &wrong_secret), &good, NOW)
            .err()
            .expect("another secret's signature is refused");
        assert_eq!(mismatch.code, ErrorCode::WrongSign);
        assert!(
            mismatch.message.contains("not the HMAC-SHA512"),
            "{mismatch:?}"
        );
        let mut tampered = good.clone();
        tampered.push(b' ');
        assert_eq!(
            code(keyring.authorize(&headers(key, &good_sign), &tampered, NOW)),
            ErrorCode::WrongSign
        );

        let not_json = b"account=1".to_vec();
        let sign_not_json = sign(crate::accounts::DEMO_API_SECRET, &not_json);
        assert_eq!(
            code(keyring.authorize(&headers(key, &sign_not_json), &not_json, NOW)),
            ErrorCode::InvalidInput
        );

        let other_account = body("0x0000000000000000000000000000000000000000", NOW);
        let sign_other = sign(crate::accounts::DEMO_API_SECRET, &other_account);
        assert_eq!(
            code(keyring.authorize(&headers(key, &sign_other), &other_account, NOW)),
            ErrorCode::InvalidApiKey
        );

        for timestamp in [NOW - 180_001, NOW + 180_001, i64::MIN, i64::MAX] {
            let stale = body(crate::accounts::DEMO_ACCOUNT, timestamp);
            let sign_stale = sign(crate::accounts::DEMO_API_SECRET, &stale);
            assert_eq!(
                code(keyring.authorize(&headers(key, &sign_stale), &stale, NOW)),
                ErrorCode::InvalidTimestamp,
                "timestamp {timestamp}"
            );
        }
        for timestamp in [NOW - 180_000, NOW + 180_000] {
            let edge = body(crate::accounts::DEMO_ACCOUNT, timestamp);
            let sign_edge = sign(crate::accounts::DEMO_API_SECRET, &edge);
            assert!(
                keyring
                    .authorize(&headers(key, &sign_edge), &edge, NOW)
                    .is_ok()
            );
        }
    }

    #[test]
    fn a_key_listed_twice_is_refused() {
        let twice = [
            Credentials::demo(),
            Credentials::new(
                "0xother",
                crate::accounts::DEMO_API_KEY,
                SecretString::from("s"),
            ),
        ];
        let error = Keyring::new(&twice).err().unwrap();
        assert!(error.contains("listed twice"), "{error}");
    }
}
