//! One attempt's request: the body (the payload, in the spec's envelope when it has one)
//! stamped with a timestamp and a nonce where the recipe puts them, signed by the recipe, and
//! built as a `reqwest::Request`.

use std::sync::atomic::Ordering;

use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::client::Client;
use crate::contract::{ENVELOPE, KEY_HEADER, REQUEST_RECIPE, SIGNATURE_HEADER};
use crate::error::Error;
use crate::params::Method;
use crate::signing::{self, Message, Nonce, Part, Place, Recipe, Timestamp, TimestampText};

/// How requests are signed and what their body is: a recipe and an envelope. The client
/// signs by the contract's ([`SIGNING`]); the runtime's tests sign by other APIs' too. Only
/// constant data, so that the contract's, a constant, folds away in the inlined request
/// path (a header name, which holds an atomic, would keep it from folding).
#[derive(Clone, Copy)]
pub(crate) struct Signing {
    pub(crate) recipe: &'static Recipe,
    /// The envelope every request body extends, when the spec has one.
    pub(crate) envelope: Option<EnvelopeNames>,
}

impl Signing {
    /// By `recipe`, with `envelope`.
    pub(crate) const fn new(recipe: &'static Recipe, envelope: Option<EnvelopeNames>) -> Self {
        Self { recipe, envelope }
    }
}

/// The spec's signing.
const SIGNING: Signing = Signing::new(&REQUEST_RECIPE, ENVELOPE);

/// The property names of the envelope every request body extends, when the spec has one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnvelopeNames {
    /// The property that holds the account.
    pub(crate) account: &'static str,
    /// The property that holds the operation's payload.
    pub(crate) payload: &'static str,
}

/// The API key's header name, checked at compile time rather than on every call.
const KEY: HeaderName = HeaderName::from_static(KEY_HEADER);
/// The signature's header name, checked at compile time too.
const SIGNATURE: HeaderName = HeaderName::from_static(SIGNATURE_HEADER);
/// Every request body is JSON.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Room for a typical request body from the start, so that serializing one does
/// not grow its buffer from a few bytes, copying it each time.
const BODY_CAPACITY: usize = 512;

/// What the recipe stamps one attempt with.
struct Stamps {
    /// The current time, in milliseconds since the Unix epoch.
    now: i64,
    /// The timestamp written out, when a header carries it, the signature signs it, or the
    /// envelope carries it as text.
    timestamp: Option<TimestampText>,
    nonce: Option<Nonce>,
}

impl Stamps {
    /// Inlined, as every step of a request is, so that the contract's recipe folds away.
    #[inline(always)]
    fn new(recipe: &Recipe, now: i64) -> Self {
        let timestamp = recipe.timestamp.and_then(|timestamp| {
            let needed = matches!(timestamp.place, Place::Header(_))
                || recipe.parts.contains(&Part::Timestamp)
                || timestamp.format.number(now).is_none();
            needed.then(|| timestamp.format.write(now))
        });
        Self {
            now,
            timestamp,
            nonce: recipe.nonce.map(|_| signing::nonce()),
        }
    }
}

/// The signed body of every request: the account, the timestamp and the nonce when the
/// recipe puts them there, and the operation's payload, under the property names of the
/// spec's envelope.
struct Envelope<'a, P: ?Sized> {
    names: EnvelopeNames,
    account: &'a str,
    /// The property, and the value, when the recipe puts the timestamp in the envelope.
    timestamp: Option<(&'static str, Stamp<'a>)>,
    /// The property, and the value, when the recipe puts a nonce in the envelope.
    nonce: Option<(&'static str, &'a str)>,
    payload: &'a P,
}

/// A timestamp in the envelope: a number of seconds or milliseconds, or ISO 8601 text.
enum Stamp<'a> {
    Number(i64),
    Text(&'a str),
}

impl<'a, P: ?Sized> Envelope<'a, P> {
    /// `payload` in the envelope, with what of `stamps` the recipe puts there.
    #[inline(always)]
    fn new(
        names: EnvelopeNames,
        account: &'a str,
        recipe: &Recipe,
        stamps: &'a Stamps,
        payload: &'a P,
    ) -> Self {
        let timestamp = match recipe.timestamp {
            Some(Timestamp {
                format,
                place: Place::Envelope(property),
            }) => Some((
                property,
                match (format.number(stamps.now), &stamps.timestamp) {
                    (Some(number), _) => Stamp::Number(number),
                    (None, Some(text)) => Stamp::Text(text.as_str()),
                    (None, None) => Stamp::Text(""),
                },
            )),
            _ => None,
        };
        let nonce = match (recipe.nonce, &stamps.nonce) {
            (Some(Place::Envelope(property)), Some(nonce)) => Some((property, nonce.as_str())),
            _ => None,
        };
        Self {
            names,
            account,
            timestamp,
            nonce,
            payload,
        }
    }
}

/// What `#[derive(Serialize)]` would write, with the property names from the contract
/// (which `#[serde(rename)]` cannot take): the account, the timestamp, the nonce and the
/// payload, in that order, leaving out what the recipe puts elsewhere.
impl<P: Serialize + ?Sized> Serialize for Envelope<'_, P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 2 + usize::from(self.timestamp.is_some()) + usize::from(self.nonce.is_some());
        let mut envelope = serializer.serialize_struct("Envelope", len)?;
        envelope.serialize_field(self.names.account, self.account)?;
        match &self.timestamp {
            Some((property, Stamp::Number(number))) => {
                envelope.serialize_field(property, number)?;
            }
            Some((property, Stamp::Text(text))) => envelope.serialize_field(property, text)?,
            None => {}
        }
        if let Some((property, nonce)) = &self.nonce {
            envelope.serialize_field(property, nonce)?;
        }
        envelope.serialize_field(self.names.payload, self.payload)?;
        envelope.end()
    }
}

impl Client {
    /// One attempt's request: the envelope stamped with the current time (corrected
    /// by the learned clock offset), serialized once, and signed. Built directly
    /// rather than through reqwest's builder, which parses the URL and each header
    /// again on every call. Without a payload it sends no body and signs the empty one;
    /// without an envelope the body is the payload itself.
    pub(crate) fn signed_request<P: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        url: &reqwest::Url,
        payload: Option<&P>,
    ) -> Result<reqwest::Request, Error> {
        self.signed_request_by(&SIGNING, method, url, payload)
    }

    /// [`signed_request`](Self::signed_request) by `signing`: inlined, so that the
    /// contract's recipe, a constant, folds its choices away.
    #[inline(always)]
    fn signed_request_by<P: serde::Serialize + ?Sized>(
        &self,
        signing: &Signing,
        method: Method,
        url: &reqwest::Url,
        payload: Option<&P>,
    ) -> Result<reqwest::Request, Error> {
        let inner = &*self.inner;
        let now = inner
            .clock
            .now_unix_millis()
            .saturating_add(inner.clock_offset.load(Ordering::Relaxed));
        let recipe = signing.recipe;
        let stamps = Stamps::new(recipe, now);
        let mut body = Vec::new();
        match (payload, signing.envelope) {
            (Some(payload), Some(names)) => {
                let envelope = Envelope::new(names, &inner.account, recipe, &stamps, payload);
                body.reserve(BODY_CAPACITY);
                serde_json::to_writer(&mut body, &envelope).map_err(Error::Encode)?;
            }
            (Some(payload), None) => {
                body.reserve(BODY_CAPACITY);
                serde_json::to_writer(&mut body, payload).map_err(Error::Encode)?;
            }
            (None, _) => {}
        }
        if inner.trace_bodies {
            tracing::trace!(body = %String::from_utf8_lossy(&body), "request body");
        }
        let path_with_query = match recipe.parts.contains(&Part::PathWithQuery) {
            true => signing::path_with_query(url.path(), url.query()),
            false => std::borrow::Cow::Borrowed(""),
        };
        let message = Message {
            body: &body,
            method: method.as_str(),
            path_with_query: &path_with_query,
            url: url.as_str(),
            timestamp: stamps.timestamp.as_ref().map_or("", TimestampText::as_str),
            nonce: stamps.nonce.as_ref().map_or("", Nonce::as_str),
            key: inner.api_key.as_bytes(),
        };
        let signature = header_value(inner.signer.sign_by(recipe, &message).as_bytes())?;
        let mut request = reqwest::Request::new(method.to_reqwest(), url.clone());
        let headers = request.headers_mut();
        headers.insert(KEY, inner.api_key.clone());
        headers.insert(SIGNATURE, signature);
        if let (Some(name), Some(text)) = (recipe.timestamp_header(), &stamps.timestamp) {
            headers.insert(header_name(name)?, header_value(text.as_str().as_bytes())?);
        }
        if let (Some(name), Some(nonce)) = (recipe.nonce_header(), &stamps.nonce) {
            headers.insert(header_name(name)?, header_value(nonce.as_str().as_bytes())?);
        }
        if payload.is_some() {
            headers.insert(CONTENT_TYPE, JSON);
        }
        // Only when there is one: reqwest keeps a request's timeout among its extensions, a
        // map that `timeout_mut` allocates even to write `None` (three allocations a call).
        let timeout = match self.options.timeout {
            Some(timeout) => Some(timeout),
            None if inner.http_applies_timeout => None,
            None => Some(inner.timeout),
        };
        if let Some(timeout) = timeout {
            *request.timeout_mut() = Some(timeout);
        }
        if payload.is_some() {
            *request.body_mut() = Some(body.into());
        }
        Ok(request)
    }
}

/// The name of a header the recipe places a value in: checked, never a panic (the
/// generator's checker has checked it already).
fn header_name(name: &str) -> Result<HeaderName, Error> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        Error::Encode(serde::ser::Error::custom(
            "the signing recipe names a header that is not a valid header name",
        ))
    })
}

/// A value the recipe made (a signature, a timestamp, a nonce) as a header value: checked,
/// although every encoding and format the recipe has writes only characters a header takes.
fn header_value(bytes: &[u8]) -> Result<HeaderValue, Error> {
    HeaderValue::from_bytes(bytes).map_err(|_| {
        Error::Encode(serde::ser::Error::custom(
            "the signing recipe made a value that is not valid in a header",
        ))
    })
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, KeyInit, Mac};
    use secrecy::SecretString;
    use sha2::{Sha256, Sha512};

    use std::time::Duration;

    use super::*;
    use crate::clock::FixedClock;
    use crate::retry::RequestOptions;
    use crate::signing::{Algorithm, Encoding, TimestampFormat};

    const SECRET: &str = "the-secret";
    const KEY_VALUE: &str = "the-key";
    /// 2023-11-14T22:13:20.250Z.
    const NOW: i64 = 1_700_000_000_250;

    fn client() -> Client {
        Client::builder()
            .base_url("http://127.0.0.1:9")
            .account("acct-1")
            .api_key(KEY_VALUE)
            .api_secret(SecretString::from(SECRET))
            .clock(FixedClock { unix_millis: NOW })
            .build()
            .expect("a client")
    }

    /// The HMAC of `message` by the contract's algorithm (the one the client's signer is
    /// keyed for), in hex, by the `hmac` crate rather than the runtime's signer.
    fn hmac_hex(message: &[u8], upper: bool) -> String {
        let key = SECRET.as_bytes();
        let digest: Vec<u8> = match REQUEST_RECIPE.algorithm {
            Algorithm::HmacSha256 => {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key");
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            Algorithm::HmacSha512 => {
                let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("any key");
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
        };
        digest
            .iter()
            .map(|byte| match upper {
                true => format!("{byte:02X}"),
                false => format!("{byte:02x}"),
            })
            .collect()
    }

    fn header<'r>(request: &'r reqwest::Request, name: &str) -> Option<&'r str> {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    }

    fn body(request: &reqwest::Request) -> &str {
        let bytes = request.body().and_then(reqwest::Body::as_bytes);
        std::str::from_utf8(bytes.unwrap_or_default()).expect("UTF-8")
    }

    fn url(text: &str) -> reqwest::Url {
        reqwest::Url::parse(text).expect("a URL")
    }

    const PAYLOAD: &str = r#"{"orderId":"o-1"}"#;

    fn payload() -> serde_json::Value {
        serde_json::from_str(PAYLOAD).expect("JSON")
    }

    /// Binance Pay's way: `timestamp \n nonce \n body \n`, upper-case hex, the timestamp and
    /// a nonce in headers, the payload itself as the body. Each recipe here has the
    /// contract's algorithm, which the client's signer is keyed for.
    const HEADERS: Recipe = Recipe {
        algorithm: REQUEST_RECIPE.algorithm,
        encoding: Encoding::UppercaseHex,
        parts: &[Part::Timestamp, Part::Nonce, Part::Body],
        separator: "\n",
        terminated: true,
        timestamp: Some(Timestamp {
            format: TimestampFormat::UnixMilliseconds,
            place: Place::Header("x-timestamp"),
        }),
        nonce: Some(Place::Header("x-nonce")),
    };

    #[test]
    fn a_timestamp_and_a_nonce_in_headers_are_sent_and_signed() {
        let signing = Signing::new(&HEADERS, None);
        let request = client()
            .signed_request_by(
                &signing,
                Method::Post,
                &url("http://h/pay"),
                Some(&payload()),
            )
            .expect("a request");
        assert_eq!(body(&request), PAYLOAD);
        assert_eq!(header(&request, "x-timestamp"), Some("1700000000250"));
        let nonce = header(&request, "x-nonce").expect("a nonce header");
        assert!(
            nonce.len() == 32 && nonce.bytes().all(|byte| byte.is_ascii_alphanumeric()),
            "{nonce}"
        );
        let signed = format!("1700000000250\n{nonce}\n{PAYLOAD}\n");
        let expected = hmac_hex(signed.as_bytes(), true);
        assert_eq!(header(&request, SIGNATURE_HEADER), Some(expected.as_str()));
        assert_eq!(header(&request, KEY_HEADER), Some(KEY_VALUE));
        assert_eq!(header(&request, "content-type"), Some("application/json"));
        // A fresh nonce for every attempt.
        let again = client()
            .signed_request_by(
                &signing,
                Method::Post,
                &url("http://h/pay"),
                Some(&payload()),
            )
            .expect("a request");
        assert_ne!(header(&again, "x-nonce"), Some(nonce));
    }

    /// An envelope that carries an ISO timestamp and a nonce, under names of the spec's,
    /// the body alone signed.
    const IN_THE_ENVELOPE: Recipe = Recipe {
        algorithm: REQUEST_RECIPE.algorithm,
        encoding: Encoding::LowercaseHex,
        parts: &[Part::Body],
        separator: "",
        terminated: false,
        timestamp: Some(Timestamp {
            format: TimestampFormat::Iso8601Utc,
            place: Place::Envelope("sentAt"),
        }),
        nonce: Some(Place::Envelope("once")),
    };

    #[test]
    fn a_timestamp_and_a_nonce_in_the_envelope_are_in_its_body_in_order() {
        let names = EnvelopeNames {
            account: "merchant",
            payload: "data",
        };
        let signing = Signing::new(&IN_THE_ENVELOPE, Some(names));
        let request = client()
            .signed_request_by(
                &signing,
                Method::Post,
                &url("http://h/pay"),
                Some(&payload()),
            )
            .expect("a request");
        let sent = body(&request);
        let nonce = sent
            .split("\"once\":\"")
            .nth(1)
            .and_then(|rest| rest.get(..32))
            .expect("a nonce in the envelope");
        assert!(
            nonce.bytes().all(|byte| byte.is_ascii_alphanumeric()),
            "{sent}"
        );
        assert_eq!(
            sent,
            format!(
                r#"{{"merchant":"acct-1","sentAt":"2023-11-14T22:13:20Z","once":"{nonce}","data":{PAYLOAD}}}"#
            )
        );
        let expected = hmac_hex(sent.as_bytes(), false);
        assert_eq!(header(&request, SIGNATURE_HEADER), Some(expected.as_str()));
        // Nothing of theirs goes in a header.
        assert_eq!(request.headers().len(), 3, "{:?}", request.headers());
    }

    /// CoinPayments' kind of parts: the method, the path with its query, the key and a
    /// timestamp in seconds, with a separator.
    const REQUEST_LINE: Recipe = Recipe {
        algorithm: REQUEST_RECIPE.algorithm,
        encoding: Encoding::LowercaseHex,
        parts: &[
            Part::Method,
            Part::PathWithQuery,
            Part::Key,
            Part::Timestamp,
            Part::Body,
        ],
        separator: "|",
        terminated: false,
        timestamp: Some(Timestamp {
            format: TimestampFormat::UnixSeconds,
            place: Place::Header("x-time"),
        }),
        nonce: None,
    };

    #[test]
    fn a_get_signs_its_method_path_query_and_key_and_sends_no_body() {
        let signing = Signing::new(&REQUEST_LINE, None);
        let request = client()
            .signed_request_by::<()>(
                &signing,
                Method::Get,
                &url("http://h/v1/orders/o%201?expand=a&expand=b"),
                None,
            )
            .expect("a request");
        assert!(request.body().is_none());
        assert_eq!(request.method(), reqwest::Method::GET);
        assert_eq!(header(&request, "content-type"), None);
        assert_eq!(header(&request, "x-time"), Some("1700000000"));
        assert_eq!(header(&request, "x-nonce"), None);
        let signed = format!("GET|/v1/orders/o%201?expand=a&expand=b|{KEY_VALUE}|1700000000|");
        let expected = hmac_hex(signed.as_bytes(), false);
        assert_eq!(header(&request, SIGNATURE_HEADER), Some(expected.as_str()));
    }

    #[test]
    fn the_contract_s_signing_is_the_one_the_client_uses() {
        let client = client();
        let url = url("http://h/pay");
        let by_contract = client
            .signed_request(Method::Post, &url, Some(&payload()))
            .expect("a request");
        let by_signing = client
            .signed_request_by(&SIGNING, Method::Post, &url, Some(&payload()))
            .expect("a request");
        let names = |request: &reqwest::Request| {
            let mut names: Vec<String> =
                request.headers().keys().map(ToString::to_string).collect();
            names.sort();
            names
        };
        assert_eq!(names(&by_contract), names(&by_signing));
        // The same clock: the same bytes, unless a fresh nonce makes each attempt differ.
        if REQUEST_RECIPE.nonce.is_none() {
            assert_eq!(body(&by_contract), body(&by_signing));
            assert_eq!(
                header(&by_contract, SIGNATURE_HEADER),
                header(&by_signing, SIGNATURE_HEADER)
            );
        }
        assert!(header(&by_contract, SIGNATURE_HEADER).is_some());
    }

    #[test]
    fn a_request_has_a_timeout_of_its_own_only_where_the_http_client_applies_none() {
        let signed = |client: &Client| {
            client
                .signed_request(Method::Post, &url("http://h/pay"), Some(&payload()))
                .expect("a request")
        };
        // The HTTP client this crate builds applies the client's timeout to every request.
        let built = client();
        assert_eq!(signed(&built).timeout(), None);
        let overridden = built.with_options(RequestOptions::new().timeout(Duration::from_secs(3)));
        assert_eq!(signed(&overridden).timeout(), Some(&Duration::from_secs(3)));
        // An application's own HTTP client applies none of ours: each request carries it.
        let own = Client::builder()
            .base_url("http://127.0.0.1:9")
            .account("acct-1")
            .api_key(KEY_VALUE)
            .api_secret(SecretString::from(SECRET))
            .http_client(reqwest::Client::new())
            .timeout(Duration::from_secs(7))
            .build()
            .expect("a client");
        assert_eq!(signed(&own).timeout(), Some(&Duration::from_secs(7)));
    }
}
