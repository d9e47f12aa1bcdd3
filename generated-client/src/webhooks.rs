// Copied by `cargo xtask codegen` from codegen/client-runtime/src/webhooks.rs. Do not edit: change that file and regenerate.

//! Webhooks: checking that an event came from the API, and reading it.
//!
//! The API POSTs events to the URL of a subscription, signed by the spec's webhook recipe:
//! the key header carries the subscription's public key and the signature header the HMAC,
//! keyed with the subscription's secret key, of the exact body bytes and whatever else the
//! recipe signs (a timestamp and a nonce from their headers, say). A [`WebhookVerifier`]
//! checks both, in constant time, and returns the typed [`Webhook`]; or,
//! with [`verify_only`](WebhookVerifier::verify_only), the [`VerifiedWebhook`] bytes, to
//! queue or store and parse later.
//!
//! The API sends an event again when it gets no 2xx answer, so the same delivery can arrive
//! twice. A webhook's [`identity`](Webhook::identity) (the envelope properties the spec
//! names) is the same in every copy; a [`Deduplicate`] implementation, such as the bounded
//! [`InMemoryDeduplicator`], tells a first delivery from a repeat.

use reqwest::header::HeaderMap;
use secrecy::SecretString;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::contract::{
    webhook_event_type, WebhookEnvelope, KEY_HEADER, KEY_HEADER_AS_WRITTEN, SIGNATURE_HEADER,
    SIGNATURE_HEADER_AS_WRITTEN, WEBHOOK_DATA_PROPERTY, WEBHOOK_IDENTITY_PROPERTIES,
    WEBHOOK_RECIPE,
};
use crate::signing::{self, Message, SignatureError, Signer};

pub use crate::webhook_events::WebhookEvent;

/// A webhook whose signature checked out: its envelope, its event, and the key pair it was
/// checked with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Webhook {
    /// The envelope as received, but for its data (left empty), which is in `event`,
    /// read from the raw text so that amounts stay exact.
    pub envelope: WebhookEnvelope,
    /// The event, typed by its event type.
    pub event: WebhookEvent,
    /// The public key of the key pair whose secret key signed it: during a key rotation,
    /// tells the old subscription's deliveries from the new one's.
    pub matched_key: String,
    /// Read with the data, from the raw text.
    identity: Option<DeliveryId>,
}

impl Webhook {
    /// What identifies this delivery: the same in every copy of it the API sends (a retry,
    /// a resend), different for any other. For a [`Deduplicate`] implementation.
    ///
    /// The values of the envelope properties the spec names for it
    /// (`x-request-signing.webhooks.identityProperties`), read from the body as received.
    /// `None` when the spec names none, or the webhook lacks one of them (or has it `null`).
    pub fn identity(&self) -> Option<&DeliveryId> {
        self.identity.as_ref()
    }
}

/// Checks the webhooks of a subscription, with its key pair; during a key rotation, of
/// several subscriptions, each with its own ([`with_key`](Self::with_key)).
#[derive(Clone)]
pub struct WebhookVerifier {
    /// Never empty; no public key twice.
    pairs: Vec<KeyPair>,
    /// The URL the API delivers to, as registered with it, for a recipe that signs it; set
    /// by the `with_url` that only the crates of such APIs have (emitted with their events).
    pub(crate) url: Option<Box<str>>,
}

/// One subscription's key pair.
#[derive(Clone)]
struct KeyPair {
    public_key: String,
    signer: Signer,
}

/// Shows the public keys, never the secret keys.
impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let public_keys: Vec<&str> = self
            .pairs
            .iter()
            .map(|pair| pair.public_key.as_str())
            .collect();
        let mut debug = f.debug_struct("WebhookVerifier");
        debug.field("public_keys", &public_keys);
        if SIGNS_URL {
            debug.field("url", &self.url);
        }
        debug.field("secret_keys", &"[redacted]").finish()
    }
}

impl WebhookVerifier {
    /// A verifier for the subscription with this public key and secret key.
    pub fn new(public_key: impl Into<String>, secret_key: &SecretString) -> Self {
        Self {
            pairs: vec![KeyPair {
                public_key: public_key.into(),
                signer: Signer::with_recipe(secret_key, &WEBHOOK_RECIPE),
            }],
            url: None,
        }
    }

    /// This verifier, accepting the webhooks of one more subscription too: during a key
    /// rotation, those of the old subscription and of the new one.
    ///
    /// A webhook is checked against the one key pair whose public key its key header names,
    /// and [`Webhook::matched_key`] says which that was. A public key given again replaces
    /// the secret key it had.
    #[must_use]
    pub fn with_key(mut self, public_key: impl Into<String>, secret_key: &SecretString) -> Self {
        let pair = KeyPair {
            public_key: public_key.into(),
            signer: Signer::with_recipe(secret_key, &WEBHOOK_RECIPE),
        };
        match self
            .pairs
            .iter_mut()
            .find(|known| known.public_key == pair.public_key)
        {
            Some(known) => *known = pair,
            None => self.pairs.push(pair),
        }
        self
    }

    /// Checks a delivered webhook and reads it.
    ///
    /// `body` must be the request body exactly as received, before any JSON parsing:
    /// the signature covers those bytes, and re-serialized JSON would not match.
    ///
    /// The same as [`verify_only`](Self::verify_only) then [`VerifiedWebhook::parse`],
    /// without copying the body.
    ///
    /// # Errors
    ///
    /// A [`WebhookError`] when a header is missing, the key names none of the verifier's
    /// key pairs, the signature does not match the body, or the body is not a webhook. A
    /// webhook whose signature checks out is never refused for its data: data that does
    /// not fit its event's schema comes back as [`WebhookEvent::Untyped`].
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Webhook, WebhookError> {
        let pair = self.check(&Delivered::read(headers, body)?)?;
        read(body, &pair.public_key)
    }

    /// [`verify`](Self::verify), with the two header values given apart: for servers
    /// whose headers are not an `http::HeaderMap`.
    ///
    /// # Errors
    ///
    /// As for [`verify`](Self::verify); and [`WebhookError::MissingHeader`] when the spec's
    /// webhook recipe signs a value sent in another header (a timestamp or a nonce), which
    /// only [`verify`](Self::verify) reads.
    pub fn verify_parts(
        &self,
        key: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<Webhook, WebhookError> {
        if let Some(name) = TIMESTAMP_HEADER.or(NONCE_HEADER) {
            return Err(WebhookError::MissingHeader(name));
        }
        let delivered = Delivered {
            key,
            signature,
            timestamp: "",
            nonce: "",
            body,
        };
        let pair = self.check(&delivered)?;
        read(body, &pair.public_key)
    }

    /// Checks a delivered webhook's key and signature, and keeps its body as received,
    /// unread: to queue or store, and [`parse`](VerifiedWebhook::parse) later without
    /// checking it again.
    ///
    /// `body` must be the request body exactly as received, as for
    /// [`verify`](Self::verify).
    ///
    /// # Errors
    ///
    /// A [`WebhookError`] when a header is missing, the key names none of the verifier's
    /// key pairs, or the signature does not match the body. Whether the body is a webhook
    /// is left to [`parse`](VerifiedWebhook::parse).
    pub fn verify_only(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<VerifiedWebhook, WebhookError> {
        let pair = self.check(&Delivered::read(headers, body)?)?;
        Ok(VerifiedWebhook {
            body: body.to_vec(),
            matched_key: pair.public_key.clone(),
        })
    }

    /// The key pair the key header names, once the signature checks out with its secret.
    fn check(&self, delivered: &Delivered<'_>) -> Result<&KeyPair, WebhookError> {
        // Header values from any server: surrounding whitespace is not part of them.
        let key = delivered.key.trim();
        let pair = self
            .pairs
            .iter()
            .find(|pair| pair.public_key == key)
            .ok_or(WebhookError::WrongKey)?;
        // What the recipe signs of it: webhooks are POSTed, to the URL the verifier is told
        // when the recipe signs it (the spec's checker refuses a recipe that signs a path).
        let message = Message {
            body: delivered.body,
            method: "POST",
            path_with_query: "",
            url: self.url.as_deref().unwrap_or_default(),
            timestamp: delivered.timestamp.trim(),
            nonce: delivered.nonce.trim(),
            key: key.as_bytes(),
        };
        pair.signer
            .check_message(&message, delivered.signature.trim())
            .map_err(|error| match error {
                SignatureError::Malformed => WebhookError::MalformedSignature,
                SignatureError::Mismatch => WebhookError::BadSignature,
            })?;
        Ok(pair)
    }
}

/// A webhook whose key and signature checked out, kept as the bytes received: to queue or
/// store, and [`parse`](Self::parse) into a [`Webhook`] later, without checking it again.
///
/// Made by [`WebhookVerifier::verify_only`], or from bytes kept earlier with
/// [`from_trusted_bytes`](Self::from_trusted_bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedWebhook {
    body: Vec<u8>,
    matched_key: String,
}

/// Shows the public key, and the body as text.
impl std::fmt::Debug for VerifiedWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedWebhook")
            .field("matched_key", &self.matched_key)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl VerifiedWebhook {
    /// A webhook rebuilt from the body and matched key of a [`VerifiedWebhook`] kept
    /// earlier (its [`body`](Self::body) and [`matched_key`](Self::matched_key)), *trusting
    /// that they were verified*: nothing is checked.
    ///
    /// Use it only on bytes that came from [`WebhookVerifier::verify_only`] through storage
    /// no one else writes to. Bytes from anywhere else must go through
    /// [`WebhookVerifier::verify`] or [`verify_only`](WebhookVerifier::verify_only).
    pub fn from_trusted_bytes(body: impl Into<Vec<u8>>, matched_key: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            matched_key: matched_key.into(),
        }
    }

    /// The body, exactly as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, exactly as received.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The public key of the key pair whose secret key signed it.
    pub fn matched_key(&self) -> &str {
        &self.matched_key
    }

    /// Reads the webhook, as [`WebhookVerifier::verify`] does once the signature checks out.
    ///
    /// # Errors
    ///
    /// [`WebhookError::InvalidBody`] or [`WebhookError::MissingEventType`] when the body is
    /// not a webhook. Data that does not fit its event's schema comes back as
    /// [`WebhookEvent::Untyped`].
    pub fn parse(&self) -> Result<Webhook, WebhookError> {
        read(&self.body, &self.matched_key)
    }

    /// What identifies this delivery, as [`Webhook::identity`] says, read from the body
    /// without parsing the event: to deduplicate before queueing. `None` also when the body
    /// is not a JSON object.
    pub fn identity(&self) -> Option<DeliveryId> {
        let parts: RawParts<'_> = serde_json::from_slice(&self.body).ok()?;
        parts.identity()
    }
}

/// A delivery's values that its signature's check reads: its headers' and its body.
struct Delivered<'a> {
    key: &'a str,
    signature: &'a str,
    /// Empty unless the webhook recipe signs a timestamp.
    timestamp: &'a str,
    /// Empty unless the webhook recipe signs a nonce.
    nonce: &'a str,
    body: &'a [u8],
}

impl<'a> Delivered<'a> {
    /// The headers the webhook recipe needs, each of them there.
    fn read(headers: &'a HeaderMap, body: &'a [u8]) -> Result<Self, WebhookError> {
        let optional = |name: Option<&'static str>| match name {
            Some(name) => header(headers, name),
            None => Ok(""),
        };
        Ok(Self {
            key: header(headers, KEY_HEADER)?,
            signature: header(headers, SIGNATURE_HEADER)?,
            timestamp: optional(TIMESTAMP_HEADER)?,
            nonce: optional(NONCE_HEADER)?,
            body,
        })
    }
}

/// Whether the webhook recipe signs the URL the API delivers to.
const SIGNS_URL: bool = signs_url(&WEBHOOK_RECIPE);

/// Whether `recipe` signs the whole URL: a const fn, so that the constant recipe answers when
/// the crate compiles.
const fn signs_url(recipe: &signing::Recipe) -> bool {
    let mut index = 0;
    while index < recipe.parts.len() {
        if matches!(recipe.parts[index], signing::Part::Url) {
            return true;
        }
        index += 1;
    }
    false
}

/// The header of the timestamp the webhook recipe signs, when it signs one (the spec's
/// checker makes sure a signed one is sent in a header).
const TIMESTAMP_HEADER: Option<&str> = WEBHOOK_RECIPE.timestamp_header();

/// The header of the nonce the webhook recipe signs, when it signs one.
const NONCE_HEADER: Option<&str> = WEBHOOK_RECIPE.nonce_header();

fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, WebhookError> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .ok_or(WebhookError::MissingHeader(name))
}

/// Reads a verified body: the envelope, then the data by its event type.
fn read(body: &[u8], matched_key: &str) -> Result<Webhook, WebhookError> {
    let parts: RawParts<'_> = serde_json::from_slice(body).map_err(WebhookError::InvalidBody)?;
    let identity = parts.identity();
    let data = parts.data;
    let envelope: WebhookEnvelope =
        serde_json::from_slice(&without_data(body, data)).map_err(WebhookError::InvalidBody)?;
    let event_type = webhook_event_type(&envelope)
        .ok_or(WebhookError::MissingEventType)?
        .to_owned();
    let event = WebhookEvent::read(event_type, data);
    Ok(Webhook {
        envelope,
        event,
        matched_key: matched_key.to_owned(),
        identity,
    })
}

/// A body's data and identity values, as raw text borrowed from the body, so that their
/// numbers are read exactly; the data `None` when the body has none or `null`. Other
/// properties are skipped.
struct RawParts<'a> {
    data: Option<&'a RawValue>,
    /// One per identity property, in the contract's order.
    identity: Vec<Option<&'a RawValue>>,
}

impl RawParts<'_> {
    /// The identity, when every identity property is there and not `null`.
    fn identity(&self) -> Option<DeliveryId> {
        if self.identity.is_empty() {
            return None;
        }
        let mut text = String::new();
        for (at, value) in self.identity.iter().copied().enumerate() {
            let raw = value?.get();
            if raw == "null" {
                return None;
            }
            if at > 0 {
                text.push(DeliveryId::SEPARATOR);
            }
            // A string by its value (however it was escaped); anything else as sent.
            let value = if raw.starts_with('"') {
                serde_json::from_str::<std::borrow::Cow<'_, str>>(raw).ok()?
            } else {
                std::borrow::Cow::Borrowed(raw)
            };
            for c in value.chars() {
                if c == DeliveryId::SEPARATOR || c == '\\' {
                    text.push('\\');
                }
                text.push(c);
            }
        }
        Some(DeliveryId(text))
    }
}

/// What `#[derive(Deserialize)]` would read, with the property names from the contract
/// (which `#[serde(rename)]` cannot take).
impl<'de> Deserialize<'de> for RawParts<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawPartsVisitor)
    }
}

struct RawPartsVisitor;

impl<'de> Visitor<'de> for RawPartsVisitor {
    type Value = RawParts<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a webhook envelope (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data = None;
        let mut identity = vec![None; WEBHOOK_IDENTITY_PROPERTIES.len()];
        while let Some(key) = map.next_key()? {
            match key {
                Key::Data if data.is_some() => {
                    return Err(de::Error::duplicate_field(WEBHOOK_DATA_PROPERTY));
                }
                Key::Data => data = Some(map.next_value::<Option<&'de RawValue>>()?),
                Key::Identity(at) => {
                    let value = Some(map.next_value::<&'de RawValue>()?);
                    match identity.get_mut(at) {
                        Some(slot) if slot.is_none() => *slot = value,
                        _ => {
                            let name = WEBHOOK_IDENTITY_PROPERTIES.get(at).copied();
                            return Err(de::Error::duplicate_field(name.unwrap_or_default()));
                        }
                    }
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RawParts {
            data: data.flatten(),
            identity,
        })
    }
}

/// Which of the properties the verifier reads a property name is, read without copying it.
enum Key {
    Data,
    /// The identity property at this place in the contract's list.
    Identity(usize),
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a property name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        if name == WEBHOOK_DATA_PROPERTY {
            return Ok(Key::Data);
        }
        Ok(WEBHOOK_IDENTITY_PROPERTIES
            .iter()
            .position(|property| *property == name)
            .map_or(Key::Other, Key::Identity))
    }
}

/// The body with its data replaced by `null`, for reading the envelope: as a
/// `serde_json::Value` the data's numbers would be rounded (or refused, when huge).
fn without_data<'b>(body: &'b [u8], data: Option<&RawValue>) -> std::borrow::Cow<'b, [u8]> {
    let Some(data) = data else {
        return std::borrow::Cow::Borrowed(body);
    };
    // The raw data borrows from `body`, so its address says where it starts.
    let start = (data.get().as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
    let end = start.saturating_add(data.get().len());
    match (body.get(..start), body.get(end..)) {
        (Some(before), Some(after)) => std::borrow::Cow::Owned([before, b"null", after].concat()),
        _ => std::borrow::Cow::Borrowed(body),
    }
}

/// An event's data as its type's schema says; absent or `null` data reads as an empty
/// object. The error says why the data does not fit, for [`WebhookEvent::Untyped`].
pub(crate) fn read_data<T: serde::de::DeserializeOwned>(
    raw: Option<&RawValue>,
) -> Result<T, String> {
    let text = match raw.map(RawValue::get) {
        None | Some("null") => "{}",
        Some(text) => text,
    };
    serde_json::from_str(text).map_err(|error| error.to_string())
}

/// What identifies a delivery: the values of the envelope properties the spec names for it,
/// in its order, joined by `:` (a `:` or `\` in a value is escaped with a `\`), so that
/// different values never make the same id. A string counts by its value, any other value
/// as sent (numbers exactly). From [`Webhook::identity`] or [`VerifiedWebhook::identity`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeliveryId(String);

impl DeliveryId {
    const SEPARATOR: char = ':';

    /// An id kept earlier as its [`as_str`](Self::as_str) text, e.g. read back from a
    /// database.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The id as text: to store, or to log.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as text.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Tells a delivery's first arrival from its repeats: the API sends an event again when it
/// gets no 2xx answer, and handling it twice could, say, credit a deposit twice.
///
/// [`InMemoryDeduplicator`] remembers recent ids in the process. Only a record kept in the
/// same database transaction as the effect (the credit) makes a delivery take effect exactly
/// once: implement this trait over that transaction, inserting the id into a table where it
/// is unique, and commit both together.
pub trait Deduplicate {
    /// Why the answer could not be given (say, the database refused); never for
    /// [`InMemoryDeduplicator`].
    type Error: std::error::Error + Send + Sync + 'static;

    /// Records `id` and says whether this is its first delivery: `true` the first time,
    /// `false` for a repeat.
    ///
    /// # Errors
    ///
    /// When the record cannot be read or written: then whether it is a repeat is not known.
    fn first_delivery(&self, id: &DeliveryId) -> Result<bool, Self::Error>;

    /// Forgets `id`, so that its next delivery is a first one again: for when handling a
    /// first delivery failed, and the API's retry must be handled.
    ///
    /// The default forgets nothing: right for a record kept in the transaction of the
    /// delivery's effect, which a failure rolls back.
    ///
    /// # Errors
    ///
    /// When the record cannot be changed.
    fn forget(&self, id: &DeliveryId) -> Result<(), Self::Error> {
        let _ = id;
        Ok(())
    }
}

/// A [`Deduplicate`] that remembers, in memory, the ids of the last `max_ids` first
/// deliveries and for at most `max_age` each: a repeat after that, or after a restart,
/// passes as a first delivery. Thread-safe: share it (`Arc`, or an app's state).
///
/// An id takes about its length plus 70 bytes: 100,000 ids of 47 characters (an event id
/// and a UUID) take about 11 MiB.
pub struct InMemoryDeduplicator {
    max_ids: usize,
    max_age: Duration,
    /// What `Instant`s are counted from.
    origin: Instant,
    seen: Mutex<Seen>,
}

/// The ids remembered: once in `ids`, for lookups, and in `order` with when they were first
/// seen (nanoseconds since the origin), oldest first, for evictions. The two share each
/// id's text.
#[derive(Default)]
struct Seen {
    ids: HashSet<Arc<str>>,
    order: VecDeque<(Arc<str>, u64)>,
}

/// Shows the limits and how many ids are remembered, not the ids.
impl std::fmt::Debug for InMemoryDeduplicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryDeduplicator")
            .field("max_ids", &self.max_ids)
            .field("max_age", &self.max_age)
            .field("remembered", &self.len())
            .finish()
    }
}

impl InMemoryDeduplicator {
    /// Remembers at most `max_ids` ids (the oldest forgotten first), each for at most
    /// `max_age` after its first delivery.
    pub fn new(max_ids: usize, max_age: Duration) -> Self {
        Self {
            max_ids,
            max_age,
            origin: Instant::now(),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// [`first_delivery`](Deduplicate::first_delivery) at `now` instead of the clock's
    /// time: for tests, and for callers that read the clock once per delivery.
    pub fn first_delivery_at(&self, id: &DeliveryId, now: Instant) -> bool {
        let now = u64::try_from(now.saturating_duration_since(self.origin).as_nanos())
            .unwrap_or(u64::MAX);
        let max_age = u64::try_from(self.max_age.as_nanos()).unwrap_or(u64::MAX);
        let mut seen = self.lock();
        let Seen { ids, order } = &mut *seen;
        while let Some((oldest, at)) = order.front() {
            if now.saturating_sub(*at) < max_age {
                break;
            }
            ids.remove(oldest);
            order.pop_front();
        }
        if ids.contains(id.as_str()) {
            return false;
        }
        if self.max_ids == 0 || max_age == 0 {
            return true;
        }
        while order.len() >= self.max_ids {
            if let Some((oldest, _)) = order.pop_front() {
                ids.remove(&oldest);
            }
        }
        let id: Arc<str> = Arc::from(id.as_str());
        ids.insert(Arc::clone(&id));
        order.push_back((id, now));
        true
    }

    /// How many ids are remembered (some may be past their age until the next call).
    pub fn len(&self) -> usize {
        self.lock().order.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids; a panic elsewhere while they were held leaves them consistent.
    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Deduplicate for InMemoryDeduplicator {
    type Error = std::convert::Infallible;

    fn first_delivery(&self, id: &DeliveryId) -> Result<bool, Self::Error> {
        Ok(self.first_delivery_at(id, Instant::now()))
    }

    fn forget(&self, id: &DeliveryId) -> Result<(), Self::Error> {
        let mut seen = self.lock();
        if seen.ids.remove(id.as_str()) {
            seen.order.retain(|(known, _)| **known != *id.as_str());
        }
        Ok(())
    }
}

/// Why a webhook was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookError {
    /// A header the check needs is missing, or is not text.
    MissingHeader(&'static str),
    /// The key header names none of the verifier's public keys: another subscription's.
    WrongKey,
    /// The signature header is not written as the spec's recipe writes a signature (for
    /// HMAC-SHA512 in hex, 128 hex digits).
    MalformedSignature,
    /// The signature does not match the body: the webhook is not from the API, was
    /// changed on the way, or the body was re-serialized before the check.
    BadSignature,
    /// The envelope names no event type.
    MissingEventType,
    /// The body is not a webhook envelope.
    InvalidBody(serde_json::Error),
    /// The data does not fit its event type's schema.
    ///
    /// [`WebhookVerifier::verify`] no longer refuses such a webhook: its signature checked
    /// out, so it is returned, as a [`WebhookEvent::Untyped`] that keeps the data and says
    /// why it could not be typed. This variant stays for code that matches on it.
    InvalidData {
        /// The event type.
        event_type: String,
        /// Why the data could not be read.
        source: serde_json::Error,
    },
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingHeader(name) => write!(f, "the webhook has no `{name}` header"),
            Self::WrongKey => write!(
                f,
                "the webhook's `{KEY_HEADER_AS_WRITTEN}` header is not a public key this verifier accepts"
            ),
            Self::MalformedSignature => write!(
                f,
                "the webhook's `{SIGNATURE_HEADER_AS_WRITTEN}` header is not {}",
                signing::written_as(&WEBHOOK_RECIPE)
            ),
            Self::BadSignature => f.write_str("the webhook's signature does not match its body"),
            Self::MissingEventType => f.write_str("the webhook names no event type"),
            Self::InvalidBody(error) => write!(f, "the webhook body is not a webhook: {error}"),
            Self::InvalidData { event_type, source } => {
                write!(f, "the data of the {event_type} webhook cannot be read: {source}")
            }
        }
    }
}

impl std::error::Error for WebhookError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidBody(error) => Some(error),
            Self::InvalidData { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC_KEY: &str = "public";
    const SECRET_KEY: &str = "the-subscription-secret";

    /// The URL deliveries are made to, for a recipe that signs it.
    const URL: &str = "https://merchant.example/webhooks?shop=1";

    /// A verifier of the subscription, told the URL when the recipe signs it.
    fn verifier() -> WebhookVerifier {
        let mut verifier = WebhookVerifier::new(PUBLIC_KEY, &SecretString::from(SECRET_KEY));
        verifier.url = SIGNS_URL.then(|| URL.into());
        verifier
    }

    /// The values a delivery's headers carry besides the key and the signature, for the
    /// recipes that sign them.
    const TIMESTAMP: &str = "1700000000000";
    const NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";

    fn signer() -> Signer {
        Signer::with_recipe(&SecretString::from(SECRET_KEY), &WEBHOOK_RECIPE)
    }

    /// What the webhook recipe signs of a delivery of `body` with [`delivered`]'s headers.
    fn message(body: &str) -> Message<'_> {
        Message {
            body: body.as_bytes(),
            method: "POST",
            path_with_query: "",
            url: if SIGNS_URL { URL } else { "" },
            timestamp: TIMESTAMP,
            nonce: NONCE,
            key: PUBLIC_KEY.as_bytes(),
        }
    }

    fn sign(body: &str) -> String {
        let signature = signer().sign_message(&message(body));
        String::from_utf8(signature.as_bytes().to_vec()).unwrap()
    }

    /// A delivery's headers: the key, the signature, and the timestamp and the nonce when
    /// the recipe signs them.
    fn delivered(key: &str, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(KEY_HEADER, key.parse().unwrap());
        headers.insert(SIGNATURE_HEADER, signature.parse().unwrap());
        if let Some(name) = TIMESTAMP_HEADER {
            headers.insert(name, TIMESTAMP.parse().unwrap());
        }
        if let Some(name) = NONCE_HEADER {
            headers.insert(name, NONCE.parse().unwrap());
        }
        headers
    }

    fn verify_signed(key: &str, signature: &str, body: &str) -> Result<Webhook, WebhookError> {
        verifier().verify(&delivered(key, signature), body.as_bytes())
    }

    #[test]
    fn the_two_header_values_alone_do_as_the_headers_do_when_the_recipe_needs_no_other() {
        let body = "{\"any\":\"X\"}";
        let parts = verifier().verify_parts(PUBLIC_KEY, &sign(body), body.as_bytes());
        match TIMESTAMP_HEADER.or(NONCE_HEADER) {
            Some(name) => assert!(
                matches!(parts, Err(WebhookError::MissingHeader(missing)) if missing == name),
                "{parts:?}"
            ),
            None => {
                let headers = verify_signed(PUBLIC_KEY, &sign(body), body);
                assert_eq!(format!("{parts:?}"), format!("{headers:?}"));
                let bad = verifier().verify_parts(PUBLIC_KEY, &sign("{}"), body.as_bytes());
                assert!(matches!(bad, Err(WebhookError::BadSignature)), "{bad:?}");
            }
        }
    }

    #[test]
    fn only_a_recipe_with_the_url_among_its_parts_signs_it() {
        use signing::Part;
        for (parts, signs) in [
            (&[Part::Body][..], false),
            (&[Part::Method, Part::PathWithQuery, Part::Body], false),
            (&[Part::Url, Part::Body], true),
            (&[Part::Method, Part::Key, Part::Url], true),
        ] {
            let recipe = signing::Recipe {
                parts,
                ..WEBHOOK_RECIPE
            };
            assert_eq!(signs_url(&recipe), signs, "{parts:?}");
        }
    }

    #[test]
    fn the_url_is_signed_exactly_when_the_recipe_signs_it() {
        let body = "{\"any\":\"X\"}";
        let headers = delivered(PUBLIC_KEY, &sign(body));
        let mut elsewhere = verifier();
        elsewhere.url = Some("https://merchant.example/webhooks?shop=2".into());
        let mut untold = verifier();
        untold.url = None;
        let signature_failed = |checked: Result<Webhook, WebhookError>| {
            matches!(
                checked,
                Err(WebhookError::BadSignature | WebhookError::MalformedSignature)
            )
        };
        for other in [elsewhere, untold] {
            let checked = other.verify(&headers, body.as_bytes());
            assert_eq!(signature_failed(checked), SIGNS_URL);
        }
        // Its debug output shows the URL where it matters.
        assert_eq!(format!("{:?}", verifier()).contains(URL), SIGNS_URL);
    }

    #[test]
    fn a_changed_body_a_bad_signature_or_another_key_is_refused() {
        let body = "{\"any\":\"X\"}";
        let signature = sign(body);
        let changed = body.replace('X', "Y");
        assert!(matches!(
            verify_signed(PUBLIC_KEY, &signature, &changed),
            Err(WebhookError::BadSignature)
        ));
        assert!(matches!(
            verify_signed(PUBLIC_KEY, &signature[1..], body),
            Err(WebhookError::MalformedSignature)
        ));
        assert!(matches!(
            verify_signed("other", &signature, body),
            Err(WebhookError::WrongKey)
        ));
        // Hex in the other case passes the check (the body may still not be a whole
        // envelope).
        if WEBHOOK_RECIPE.encoding != signing::Encoding::Base64 {
            let upper = signature.to_ascii_uppercase();
            let lower = signature.to_ascii_lowercase();
            for other_case in [upper, lower] {
                let checked = verify_signed(PUBLIC_KEY, &other_case, body);
                assert!(
                    !matches!(
                        checked,
                        Err(WebhookError::BadSignature | WebhookError::MalformedSignature)
                    ),
                    "{checked:?}"
                );
            }
        }
    }

    #[test]
    fn the_verifier_checks_a_signature_with_the_signer_s_check() {
        let body = "{\"any\":\"X\"}";
        let good = sign(body);
        let mixed: String = good
            .chars()
            .enumerate()
            .map(|(at, digit)| match at % 3 {
                0 => digit.to_ascii_uppercase(),
                _ => digit,
            })
            .collect();
        let mut one_digit_changed = good.clone();
        let digit = if good.starts_with('0') { "1" } else { "0" };
        one_digit_changed.replace_range(0..1, digit);
        let candidates = [
            good.clone(),
            good.to_ascii_uppercase(),
            mixed,
            one_digit_changed,
            good[1..].to_owned(),
            format!("{good}0"),
            good.replace(|c: char| c.is_ascii_digit(), "g"),
            String::new(),
        ];
        let signer = signer();
        for signature in &candidates {
            let verified = verify_signed(PUBLIC_KEY, signature, body);
            let same = match signer.check_message(&message(body), signature) {
                Ok(()) => !matches!(
                    verified,
                    Err(WebhookError::MalformedSignature | WebhookError::BadSignature)
                ),
                Err(SignatureError::Malformed) => {
                    matches!(verified, Err(WebhookError::MalformedSignature))
                }
                Err(SignatureError::Mismatch) => {
                    matches!(verified, Err(WebhookError::BadSignature))
                }
            };
            assert!(same, "{signature:?}: {verified:?}");
        }
        // The header value's surrounding whitespace is dropped before the check.
        let padded = format!(" {good}\t");
        let checked = verify_signed(PUBLIC_KEY, &padded, body);
        assert!(
            !matches!(
                checked,
                Err(WebhookError::BadSignature | WebhookError::MalformedSignature)
            ),
            "{checked:?}"
        );
    }

    #[test]
    fn both_headers_are_needed() {
        let body = "{}";
        let mut headers = HeaderMap::new();
        headers.insert(KEY_HEADER, PUBLIC_KEY.parse().unwrap());
        assert!(matches!(
            verifier().verify(&headers, body.as_bytes()),
            Err(WebhookError::MissingHeader(name)) if name == SIGNATURE_HEADER
        ));
        headers.remove(KEY_HEADER);
        headers.insert(SIGNATURE_HEADER, sign(body).parse().unwrap());
        assert!(matches!(
            verifier().verify(&headers, body.as_bytes()),
            Err(WebhookError::MissingHeader(name)) if name == KEY_HEADER
        ));
        // So are those of the values the recipe signs besides the body.
        for name in [TIMESTAMP_HEADER, NONCE_HEADER].into_iter().flatten() {
            let mut headers = delivered(PUBLIC_KEY, &sign(body));
            headers.remove(name);
            assert!(matches!(
                verifier().verify(&headers, body.as_bytes()),
                Err(WebhookError::MissingHeader(missing)) if missing == name
            ));
        }
    }

    #[test]
    fn a_signed_body_that_is_no_envelope_is_refused_as_such() {
        for body in ["[1]", "\"text\"", "{\"a\":1} trailing", "{"] {
            let checked = verify_signed(PUBLIC_KEY, &sign(body), body);
            assert!(
                matches!(checked, Err(WebhookError::InvalidBody(_))),
                "{body}: {checked:?}"
            );
        }
    }

    #[test]
    fn the_data_is_found_among_other_properties_and_stays_as_sent() {
        let body = format!(
            "{{\"a\":[1,{{\"{WEBHOOK_DATA_PROPERTY}\":2}}],\"{WEBHOOK_DATA_PROPERTY}\" : {{\"n\": 1.50}},\"z\":null}}"
        );
        let RawParts { data, .. } = serde_json::from_str(&body).unwrap();
        assert_eq!(data.map(RawValue::get), Some("{\"n\": 1.50}"));
        let stripped = without_data(body.as_bytes(), data);
        let expected = format!(
            "{{\"a\":[1,{{\"{WEBHOOK_DATA_PROPERTY}\":2}}],\"{WEBHOOK_DATA_PROPERTY}\" : null,\"z\":null}}"
        );
        assert_eq!(String::from_utf8_lossy(&stripped), expected);
    }

    #[test]
    fn null_or_absent_data_is_none_and_a_repeated_data_property_is_refused() {
        for body in [
            "{}".to_owned(),
            format!("{{\"{WEBHOOK_DATA_PROPERTY}\":null}}"),
        ] {
            let RawParts { data, .. } = serde_json::from_str(&body).unwrap();
            assert!(data.is_none(), "{body}");
        }
        let twice = format!("{{\"{WEBHOOK_DATA_PROPERTY}\":1,\"{WEBHOOK_DATA_PROPERTY}\":2}}");
        assert!(serde_json::from_str::<RawParts<'_>>(&twice).is_err());
    }

    #[test]
    fn absent_or_null_data_reads_as_an_empty_object() {
        type Object = serde_json::Map<String, serde_json::Value>;
        assert!(read_data::<Object>(None).unwrap().is_empty());
        let null = RawValue::from_string("null".to_owned()).unwrap();
        assert!(read_data::<Object>(Some(&null)).unwrap().is_empty());
        let number = RawValue::from_string("1".to_owned()).unwrap();
        let refused = read_data::<Object>(Some(&number)).unwrap_err();
        assert!(refused.contains("invalid type"), "{refused}");
    }

    #[test]
    fn debug_output_hides_the_secret_key() {
        let shown = format!("{:?}", verifier());
        assert!(
            shown.contains(PUBLIC_KEY) && !shown.contains(SECRET_KEY),
            "{shown}"
        );
    }
}
