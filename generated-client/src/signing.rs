// Copied by `cargo xtask codegen` from codegen/client-runtime/src/signing.rs. Do not edit: change that file and regenerate.

//! Request signing, carried out as the spec's recipe says (`x-request-signing`): which parts
//! of a request are signed, in what order and with what separator, with which HMAC, written
//! in which encoding, keyed with the API secret's UTF-8 bytes; and the one check of such a
//! signature, which the webhook verifier and the mock make, and a server of the API's can
//! make too.
//!
//! The recipes themselves are the contract's (`REQUEST_RECIPE`, and `WEBHOOK_RECIPE` for an
//! API with webhooks): this file carries out any of them.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Sha256, Sha512};

pub use crate::contract::{KEY_HEADER, MAX_CLOCK_SKEW, SIGNATURE_HEADER};

use crate::contract::REQUEST_RECIPE;

/// How a signature is made and where the values it needs travel: the spec's recipe.
///
/// Which variants of its enums a crate constructs is its spec's choice, so the ones it does
/// not are no mistake (`dead_code` is allowed on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recipe {
    /// The HMAC.
    pub(crate) algorithm: Algorithm,
    /// How the HMAC's bytes are written.
    pub(crate) encoding: Encoding,
    /// The signed parts, in order; never empty.
    pub(crate) parts: &'static [Part],
    /// Written between two parts.
    pub(crate) separator: &'static str,
    /// Whether the separator is written after the last part too.
    pub(crate) terminated: bool,
    /// The request's timestamp, when the recipe has one: its format and where it goes.
    pub(crate) timestamp: Option<Timestamp>,
    /// The request's nonce, when the recipe has one: where it goes.
    pub(crate) nonce: Option<Place>,
}

impl Recipe {
    /// The header the recipe sends its timestamp in, when it sends it in one.
    pub(crate) const fn timestamp_header(&self) -> Option<&'static str> {
        match self.timestamp {
            Some(Timestamp {
                place: Place::Header(name),
                ..
            }) => Some(name),
            _ => None,
        }
    }

    /// The header the recipe sends its nonce in, when it sends it in one.
    pub(crate) const fn nonce_header(&self) -> Option<&'static str> {
        match self.nonce {
            Some(Place::Header(name)) => Some(name),
            _ => None,
        }
    }
}

/// An HMAC.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    HmacSha256,
    HmacSha512,
}

/// How a signature's bytes are written.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Two hex digits a byte, `0-9a-f` (read in either case).
    LowercaseHex,
    /// Two hex digits a byte, `0-9A-F` (read in either case).
    UppercaseHex,
    /// Standard base64 (RFC 4648, `+/`), padded with `=`.
    Base64,
}

/// One signed part of a message.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The body's exact bytes.
    Body,
    /// The HTTP method (`POST`).
    Method,
    /// The URL's path and query (`/v1/orders?id=1`).
    PathWithQuery,
    /// The whole URL (`https://api.example.com/v1/orders`).
    Url,
    /// The timestamp, as its format writes it.
    Timestamp,
    /// The nonce.
    Nonce,
    /// The API key (the public one, the key header's value).
    Key,
    /// Fixed text.
    Text(&'static str),
}

/// A request's timestamp: how it is written, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp {
    pub(crate) format: TimestampFormat,
    pub(crate) place: Place,
}

/// How a timestamp is written.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimestampFormat {
    /// Whole seconds since the Unix epoch, a JSON number in an envelope.
    UnixSeconds,
    /// Milliseconds since the Unix epoch, a JSON number in an envelope.
    UnixMilliseconds,
    /// UTC to the second without a zone: `2025-03-01T02:30:00`.
    Iso8601,
    /// UTC to the second with the zone: `2025-03-01T02:30:00Z`.
    Iso8601Utc,
}

/// Where a value the recipe makes travels.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A header, its name in lowercase.
    Header(&'static str),
    /// A property of the body's envelope.
    Envelope(&'static str),
}

/// The longest timestamp text: an ISO 8601 date-time with its zone, or an `i64`.
const TIMESTAMP_CAPACITY: usize = 24;

/// A timestamp written out, kept on the stack.
#[derive(Clone, Copy)]
pub(crate) struct TimestampText {
    bytes: [u8; TIMESTAMP_CAPACITY],
    len: u8,
}

impl TimestampText {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits, `-`, `:`, `T` and `Z` are ever written.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl TimestampFormat {
    /// The number an envelope carries for `unix_millis`: seconds or milliseconds. `None` for
    /// the ISO formats, which an envelope carries as text.
    pub(crate) fn number(self, unix_millis: i64) -> Option<i64> {
        match self {
            Self::UnixSeconds => Some(unix_millis.div_euclid(1000)),
            Self::UnixMilliseconds => Some(unix_millis),
            Self::Iso8601 | Self::Iso8601Utc => None,
        }
    }

    /// `unix_millis` written in this format (an instant past the year 9999 as its last
    /// second).
    pub(crate) fn write(self, unix_millis: i64) -> TimestampText {
        let mut text = TimestampText {
            bytes: [0; TIMESTAMP_CAPACITY],
            len: 0,
        };
        let mut push = |byte: u8| {
            text.bytes[usize::from(text.len)] = byte;
            text.len += 1;
        };
        match self.number(unix_millis) {
            Some(number) => {
                let mut digits = [0u8; 20];
                let mut at = digits.len();
                let mut rest = number.unsigned_abs();
                loop {
                    at -= 1;
                    // `rest % 10` is below 10.
                    digits[at] = b'0' + (rest % 10) as u8;
                    rest /= 10;
                    if rest == 0 {
                        break;
                    }
                }
                if number < 0 {
                    push(b'-');
                }
                digits[at..].iter().for_each(|&digit| push(digit));
            }
            None => {
                let seconds = unix_millis.div_euclid(1000).clamp(MIN_ISO, MAX_ISO);
                let at = time::OffsetDateTime::from_unix_timestamp(seconds)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
                let (date, clock) = (at.date(), at.time());
                let fields = [
                    (u32::try_from(date.year()).unwrap_or(0), 4, b'-'),
                    (u32::from(u8::from(date.month())), 2, b'-'),
                    (u32::from(date.day()), 2, b'T'),
                    (u32::from(clock.hour()), 2, b':'),
                    (u32::from(clock.minute()), 2, b':'),
                    (u32::from(clock.second()), 2, 0),
                ];
                for (value, width, after) in fields {
                    for place in (0..width).rev() {
                        // A digit: below 10.
                        push(b'0' + (value / 10u32.pow(place) % 10) as u8);
                    }
                    if after != 0 {
                        push(after);
                    }
                }
                if self == Self::Iso8601Utc {
                    push(b'Z');
                }
            }
        }
        text
    }

    /// The instant, in milliseconds since the Unix epoch, that `text` writes in this format;
    /// `None` for text it does not write. The mock's reading of a request's timestamp.
    #[cfg(any(test, feature = "mock"))]
    pub(crate) fn read(self, text: &str) -> Option<i64> {
        match self {
            Self::UnixSeconds => text.parse::<i64>().ok()?.checked_mul(1000),
            Self::UnixMilliseconds => text.parse().ok(),
            Self::Iso8601 | Self::Iso8601Utc => {
                let text = match self {
                    Self::Iso8601Utc => text.strip_suffix('Z')?,
                    _ => text,
                };
                // `YYYY-MM-DDTHH:MM:SS`: digits but for the punctuation at fixed places.
                const LAYOUT: &[u8; 19] = b"0000-00-00T00:00:00";
                let well_placed = text.len() == LAYOUT.len()
                    && (text.bytes().zip(LAYOUT)).all(|(byte, &wanted)| match wanted {
                        b'0' => byte.is_ascii_digit(),
                        mark => byte == mark,
                    });
                if !well_placed {
                    return None;
                }
                let number = |from: usize, to: usize| text[from..to].parse::<u16>().ok();
                let month = time::Month::try_from(u8::try_from(number(5, 7)?).ok()?).ok()?;
                let date = time::Date::from_calendar_date(
                    i32::from(number(0, 4)?),
                    month,
                    u8::try_from(number(8, 10)?).ok()?,
                )
                .ok()?;
                let clock = time::Time::from_hms(
                    u8::try_from(number(11, 13)?).ok()?,
                    u8::try_from(number(14, 16)?).ok()?,
                    u8::try_from(number(17, 19)?).ok()?,
                )
                .ok()?;
                let at = time::PrimitiveDateTime::new(date, clock).assume_utc();
                at.unix_timestamp().checked_mul(1000)
            }
        }
    }
}

/// The first and last second an ISO timestamp of four-digit years writes.
const MIN_ISO: i64 = 0;
const MAX_ISO: i64 = 253_402_300_799;

/// The values of one message's parts, as sent: what a recipe signs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Message<'a> {
    pub(crate) body: &'a [u8],
    pub(crate) method: &'a str,
    pub(crate) path_with_query: &'a str,
    pub(crate) url: &'a str,
    pub(crate) timestamp: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) key: &'a [u8],
}

impl<'a> Message<'a> {
    /// A message of `body` alone: every other part empty.
    pub(crate) fn of_body(body: &'a [u8]) -> Self {
        Message {
            body,
            ..Message::default()
        }
    }

    fn part(&self, part: Part) -> &'a [u8] {
        match part {
            Part::Body => self.body,
            Part::Method => self.method.as_bytes(),
            Part::PathWithQuery => self.path_with_query.as_bytes(),
            Part::Url => self.url.as_bytes(),
            Part::Timestamp => self.timestamp.as_bytes(),
            Part::Nonce => self.nonce.as_bytes(),
            Part::Key => self.key,
            Part::Text(text) => text.as_bytes(),
        }
    }
}

/// The characters of a nonce.
const NONCE_ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A nonce: 32 letters and digits, kept on the stack.
pub(crate) struct Nonce([u8; 32]);

impl Nonce {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only letters and digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A fresh nonce: 32 letters and digits (about 190 bits), different for every request.
///
/// A nonce need not be secret, only never repeated: it comes from the standard library's
/// per-process random hash keys, a counter and the time, without a random number crate.
pub(crate) fn nonce() -> Nonce {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now();
    let state = std::collections::hash_map::RandomState::new();
    let mut nonce = [0u8; 32];
    for (round, chunk) in nonce.chunks_mut(8).enumerate() {
        // 64 random bits give 8 characters of the 62 (each draw uses under 6 bits).
        let mut bits = state.hash_one((count, now, round));
        for character in chunk {
            // Below 62.
            *character = NONCE_ALPHABET[(bits % 62) as usize];
            bits /= 62;
        }
    }
    Nonce(nonce)
}

/// A URL's path and query as a recipe signs them: `/v1/orders?id=1`.
pub(crate) fn path_with_query<'a>(path: &'a str, query: Option<&str>) -> std::borrow::Cow<'a, str> {
    match query {
        Some(query) => std::borrow::Cow::Owned(format!("{path}?{query}")),
        None => std::borrow::Cow::Borrowed(path),
    }
}

/// An HMAC keyed once with the secret.
#[derive(Clone)]
enum Keyed {
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

/// Signs messages with one secret by one recipe, and checks signatures made so. The key is
/// set up once; each signature or check starts from a copy of that keyed state.
#[derive(Clone)]
pub struct Signer {
    keyed: Keyed,
    recipe: &'static Recipe,
}

impl Signer {
    /// A signer of requests, by the spec's request recipe, keyed with `secret`'s UTF-8 bytes
    /// (not hex-decoded).
    pub fn new(secret: &SecretString) -> Self {
        Self::with_recipe(secret, &REQUEST_RECIPE)
    }

    /// A signer by `recipe`, keyed with `secret`'s UTF-8 bytes.
    pub(crate) fn with_recipe(secret: &SecretString, recipe: &'static Recipe) -> Self {
        let key = secret.expose_secret().as_bytes();
        // HMAC takes keys of any length: longer ones are hashed, shorter ones padded.
        let keyed = match recipe.algorithm {
            Algorithm::HmacSha256 => match Hmac::<Sha256>::new_from_slice(key) {
                Ok(keyed) => Keyed::Sha256(keyed),
                Err(_) => unreachable!("HMAC accepts keys of every length"),
            },
            Algorithm::HmacSha512 => match Hmac::<Sha512>::new_from_slice(key) {
                Ok(keyed) => Keyed::Sha512(keyed),
                Err(_) => unreachable!("HMAC accepts keys of every length"),
            },
        };
        Self { keyed, recipe }
    }

    /// The signature of a message of `body` alone, every other part empty: the signature of
    /// a recipe that signs only the body (and fixed text). For tests: requests are signed
    /// with [`sign_message`](Self::sign_message).
    #[cfg(test)]
    pub(crate) fn sign(&self, body: &[u8]) -> Signature {
        self.sign_message(&Message::of_body(body))
    }

    /// The signature of `message`, by the recipe. For tests: requests are signed with
    /// [`sign_by`](Self::sign_by).
    #[cfg(test)]
    pub(crate) fn sign_message(&self, message: &Message<'_>) -> Signature {
        self.sign_by(self.recipe, message)
    }

    /// The signature of `message` by `recipe`'s parts and encoding, with this signer's HMAC:
    /// for a request, the contract's recipe, known when the crate is compiled, so that the
    /// parts' loop and the encoding's choice fold away and Calypso's body-only recipe costs
    /// what a plain HMAC does (always inlined: called apart, with the recipe a value, it
    /// would loop over the parts at run time). Each HMAC's digest is encoded as an array of
    /// its own length: a loop of a known count, which the compiler unrolls and vectorizes
    /// (hex in about 10 ns for 64 bytes).
    #[inline(always)]
    pub(crate) fn sign_by(&self, recipe: &Recipe, message: &Message<'_>) -> Signature {
        match &self.keyed {
            Keyed::Sha256(keyed) => {
                let mut mac = keyed.clone();
                feed(&mut mac, recipe, message);
                let digest: [u8; 32] = mac.finalize().into_bytes().into();
                encode(recipe.encoding, &digest)
            }
            Keyed::Sha512(keyed) => {
                let mut mac = keyed.clone();
                feed(&mut mac, recipe, message);
                let digest: [u8; 64] = mac.finalize().into_bytes().into();
                encode(recipe.encoding, &digest)
            }
        }
    }

    /// Checks that `signature` is the signature of a message of `body` alone (every other
    /// part empty): written as the recipe writes one (hex in either
    /// case), and the recipe's HMAC of it, compared in constant time.
    ///
    /// `signature` is taken as given: a header value's surrounding whitespace is the
    /// caller's to trim (HTTP parsers already drop it).
    ///
    /// # Errors
    ///
    /// [`SignatureError::Malformed`] for anything not written as the recipe writes a
    /// signature (for HMAC-SHA512 in hex, 128 hex digits), and [`SignatureError::Mismatch`]
    /// when it is not the HMAC of `body` under this secret.
    pub fn check(&self, body: &[u8], signature: &str) -> Result<(), SignatureError> {
        self.check_message(&Message::of_body(body), signature)
    }

    /// [`check`](Self::check), of the signature of `message`.
    pub(crate) fn check_message(
        &self,
        message: &Message<'_>,
        signature: &str,
    ) -> Result<(), SignatureError> {
        let mut given = [0u8; MAX_DIGEST];
        let len = digest_len(self.recipe.algorithm);
        if !decode(
            self.recipe.encoding,
            signature.as_bytes(),
            &mut given[..len],
        ) {
            return Err(SignatureError::Malformed);
        }
        // Constant time: how much of a guess is right must not show in the time it takes.
        let verified = match &self.keyed {
            Keyed::Sha256(keyed) => {
                let mut mac = keyed.clone();
                feed(&mut mac, self.recipe, message);
                mac.verify_slice(&given[..len])
            }
            Keyed::Sha512(keyed) => {
                let mut mac = keyed.clone();
                feed(&mut mac, self.recipe, message);
                mac.verify_slice(&given[..len])
            }
        };
        verified.map_err(|_| SignatureError::Mismatch)
    }
}

/// Feeds the HMAC the recipe's message: the parts, in order, with the separator between
/// them (and after the last, when the recipe says so).
#[inline(always)]
fn feed(mac: &mut impl Mac, recipe: &Recipe, message: &Message<'_>) {
    let separator = recipe.separator.as_bytes();
    for (at, part) in recipe.parts.iter().enumerate() {
        if at > 0 && !separator.is_empty() {
            mac.update(separator);
        }
        mac.update(message.part(*part));
    }
    if recipe.terminated {
        mac.update(separator);
    }
}

/// The longest HMAC: SHA-512's 64 bytes.
const MAX_DIGEST: usize = 64;

fn digest_len(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::HmacSha256 => 32,
        Algorithm::HmacSha512 => 64,
    }
}

/// The longest signature: 64 bytes in hex.
const MAX_SIGNATURE: usize = 2 * MAX_DIGEST;

/// `digest` written in `encoding`.
#[inline(always)]
fn encode(encoding: Encoding, digest: &[u8]) -> Signature {
    let mut signature = Signature {
        text: [0; MAX_SIGNATURE],
        len: 0,
    };
    let len = match encoding {
        Encoding::LowercaseHex | Encoding::UppercaseHex => {
            let letters = if encoding == Encoding::LowercaseHex {
                b'a'
            } else {
                b'A'
            };
            for (pair, byte) in signature.text.chunks_exact_mut(2).zip(digest) {
                pair[0] = hex_digit(byte >> 4, letters);
                pair[1] = hex_digit(byte & 0x0f, letters);
            }
            2 * digest.len()
        }
        Encoding::Base64 => {
            let mut at = 0;
            for chunk in digest.chunks(3) {
                let bits = chunk.iter().enumerate().fold(0u32, |bits, (i, &byte)| {
                    bits | u32::from(byte) << (16 - 8 * i)
                });
                for sextet in 0..4 {
                    signature.text[at + sextet] = if sextet <= chunk.len() {
                        // Six bits: below 64.
                        BASE64[(bits >> (18 - 6 * sextet) & 0x3f) as usize]
                    } else {
                        b'='
                    };
                }
                at += 4;
            }
            at
        }
    };
    signature.len = len;
    signature
}

/// The digit of a nibble, computed: it compiles to fewer steps than a table lookup.
/// `letters` is `a` or `A`.
fn hex_digit(nibble: u8, letters: u8) -> u8 {
    if nibble < 10 {
        b'0' + nibble
    } else {
        letters - 10 + nibble
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Reads `text` into exactly `out.len()` bytes, as `encoding` writes them: `false` for
/// anything else.
///
/// Hex is read in either case: the recipe says how signatures are written, and the signer
/// writes that case, but a digit's case carries no meaning, so a check that refused `A` for
/// `a` would refuse the right HMAC for its spelling alone. Base64 is read strictly: the
/// padded standard alphabet, with unused bits zero, so that one HMAC has one spelling.
fn decode(encoding: Encoding, text: &[u8], out: &mut [u8]) -> bool {
    match encoding {
        Encoding::LowercaseHex | Encoding::UppercaseHex => {
            if text.len() != 2 * out.len() {
                return false;
            }
            for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
                match (hex_value(pair[0]), hex_value(pair[1])) {
                    (Some(high), Some(low)) => *byte = high << 4 | low,
                    _ => return false,
                }
            }
            true
        }
        Encoding::Base64 => {
            if text.len() != out.len().div_ceil(3) * 4 {
                return false;
            }
            let mut written = 0;
            for quad in text.chunks_exact(4) {
                let room = (out.len() - written).min(3);
                let mut bits = 0u32;
                for (at, &character) in quad.iter().enumerate() {
                    let value = if at > room {
                        if character != b'=' {
                            return false;
                        }
                        0
                    } else {
                        match BASE64.iter().position(|&known| known == character) {
                            // Below 64.
                            Some(value) => value as u32,
                            None => return false,
                        }
                    };
                    bits |= value << (18 - 6 * at);
                }
                // Bits past the bytes must be zero.
                if bits & ((1 << (8 * (3 - room))) - 1) != 0 {
                    return false;
                }
                for (i, byte) in out[written..written + room].iter_mut().enumerate() {
                    // The byte's eight bits.
                    *byte = (bits >> (16 - 8 * i)) as u8;
                }
                written += room;
            }
            true
        }
    }
}

/// The value of a hex digit read by a check: either case.
fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The secret never shows in debug output.
impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { secret: [redacted] }")
    }
}

/// A signature as the recipe writes it, kept on the stack.
pub(crate) struct Signature {
    text: [u8; MAX_SIGNATURE],
    len: usize,
}

impl Signature {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.text[..self.len]
    }
}

/// How a recipe writes a signature, for messages: `128 hex digits`.
pub(crate) fn written_as(recipe: &Recipe) -> String {
    let len = digest_len(recipe.algorithm);
    match recipe.encoding {
        Encoding::LowercaseHex | Encoding::UppercaseHex => format!("{} hex digits", 2 * len),
        Encoding::Base64 => format!("{} base64 characters", len.div_ceil(3) * 4),
    }
}

/// What a recipe signs, for messages: `the HMAC-SHA512 of the body's bytes`.
fn signs(recipe: &Recipe) -> String {
    let algorithm = match recipe.algorithm {
        Algorithm::HmacSha256 => "HMAC-SHA256",
        Algorithm::HmacSha512 => "HMAC-SHA512",
    };
    let body_alone = recipe
        .parts
        .iter()
        .all(|part| matches!(part, Part::Body | Part::Text(_)));
    if body_alone {
        format!("the {algorithm} of the body's bytes")
    } else {
        format!("the {algorithm} of the signed parts")
    }
}

/// Why [`Signer::check`] refused a signature. Neither message tells anything of the secret
/// or of the signature expected; both describe the spec's request recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not written as the recipe writes a signature (for HMAC-SHA512 in hex, 128 hex
    /// digits): no signature of the recipe's is written so.
    Malformed,
    /// Written as the recipe writes one, but not the HMAC of the signed bytes under the
    /// secret.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed => {
                write!(f, "the signature is not {}", written_as(&REQUEST_RECIPE))
            }
            Self::Mismatch => write!(
                f,
                "the signature is not {} under the secret",
                signs(&REQUEST_RECIPE)
            ),
        }
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

    /// Calypso's recipe, which the legacy form of `x-request-signing` reads as.
    const CALYPSO: Recipe = Recipe {
        algorithm: Algorithm::HmacSha512,
        encoding: Encoding::LowercaseHex,
        parts: &[Part::Body],
        separator: "",
        terminated: false,
        timestamp: Some(Timestamp {
            format: TimestampFormat::UnixMilliseconds,
            place: Place::Envelope("timestamp"),
        }),
        nonce: None,
    };

    /// Binance Pay's: `timestamp \n nonce \n body \n`, HMAC-SHA512, uppercase hex, the
    /// timestamp (milliseconds) and nonce in headers.
    const BINANCE_PAY: Recipe = Recipe {
        algorithm: Algorithm::HmacSha512,
        encoding: Encoding::UppercaseHex,
        parts: &[Part::Timestamp, Part::Nonce, Part::Body],
        separator: "\n",
        terminated: true,
        timestamp: Some(Timestamp {
            format: TimestampFormat::UnixMilliseconds,
            place: Place::Header("binancepay-timestamp"),
        }),
        nonce: Some(Place::Header("binancepay-nonce")),
    };

    /// CoinPayments': a byte-order mark, the method, the URL, the client id, an ISO
    /// timestamp and the body, run together; HMAC-SHA256 in base64.
    const COINPAYMENTS: Recipe = Recipe {
        algorithm: Algorithm::HmacSha256,
        encoding: Encoding::Base64,
        parts: &[
            Part::Text("\u{feff}"),
            Part::Method,
            Part::Url,
            Part::Key,
            Part::Timestamp,
            Part::Body,
        ],
        separator: "",
        terminated: false,
        timestamp: Some(Timestamp {
            format: TimestampFormat::Iso8601,
            place: Place::Header("x-coinpayments-timestamp"),
        }),
        nonce: None,
    };

    /// Coinbase Commerce's webhooks: HMAC-SHA256 of the raw body, lowercase hex.
    const COINBASE_WEBHOOK: Recipe = Recipe {
        algorithm: Algorithm::HmacSha256,
        encoding: Encoding::LowercaseHex,
        parts: &[Part::Body],
        separator: "",
        terminated: false,
        timestamp: None,
        nonce: None,
    };

    fn signer(secret: &str) -> Signer {
        Signer::with_recipe(&SecretString::from(secret), &CALYPSO)
    }

    fn signed(recipe: &'static Recipe, secret: &str, message: &Message<'_>) -> String {
        let signer = Signer::with_recipe(&SecretString::from(secret), recipe);
        String::from_utf8(signer.sign_message(message).as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn a_new_signer_signs_by_the_request_recipe() {
        let signer = Signer::new(&SecretString::from(SECRET));
        assert_eq!(*signer.recipe, REQUEST_RECIPE);
        let message = Message {
            method: "POST",
            url: "http://127.0.0.1/x",
            timestamp: "1",
            nonce: "n",
            key: b"key",
            ..Message::of_body(BODY.as_bytes())
        };
        assert_eq!(
            signer.sign_by(&REQUEST_RECIPE, &message).as_bytes(),
            signer.sign_message(&message).as_bytes()
        );
    }

    #[test]
    fn signs_a_published_example() {
        assert_eq!(
            signer(SECRET).sign(BODY.as_bytes()).as_bytes(),
            SIGNATURE.as_bytes()
        );
    }

    /// Computed independently with Python's hmac module:
    /// `hmac.new(b"binance-secret", b"1700000000000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
    ///  b'{"merchantTradeNo":"9825382937292"}\n', hashlib.sha512).hexdigest().upper()`.
    #[test]
    fn signs_a_binance_pay_style_vector() {
        let message = Message {
            timestamp: "1700000000000",
            nonce: "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            ..Message::of_body(br#"{"merchantTradeNo":"9825382937292"}"#)
        };
        let expected = "81439791630102E4C0B40C945FF4FD4610B37FBFD83D3825BD9A698E62EFFFB1400D931C38D68E825C217F4B51901E6F49B26A0741EC7E203C16F731E4EB5954";
        assert_eq!(signed(&BINANCE_PAY, "binance-secret", &message), expected);
        let signer = Signer::with_recipe(&SecretString::from("binance-secret"), &BINANCE_PAY);
        assert_eq!(signer.check_message(&message, expected), Ok(()));
        assert_eq!(
            signer.check_message(&message, &expected.to_ascii_lowercase()),
            Ok(())
        );
        let other_nonce = Message {
            nonce: "5K8264ILTKCH16CQ2502SI8ZNMTM67VT",
            ..message
        };
        assert_eq!(
            signer.check_message(&other_nonce, expected),
            Err(SignatureError::Mismatch)
        );
    }

    /// Computed independently with Python:
    /// `base64.b64encode(hmac.new(b"coinpayments-secret", ("\ufeff" + "POST" +
    ///  "https://a-api.coinpayments.net/api/v1/merchant/wallets" + "client-id-1" +
    ///  "2025-03-01T02:30:00" + '{"currencyId":2,"label":"Online Shop Wallet"}').encode(),
    ///  hashlib.sha256).digest())`.
    #[test]
    fn signs_a_coinpayments_style_vector() {
        let message = Message {
            method: "POST",
            url: "https://a-api.coinpayments.net/api/v1/merchant/wallets",
            key: b"client-id-1",
            timestamp: "2025-03-01T02:30:00",
            ..Message::of_body(br#"{"currencyId":2,"label":"Online Shop Wallet"}"#)
        };
        let expected = "QIDkiK+1wnKvptjZDCzwQB4NYVKYOV/XSVZHgDiGsrw=";
        assert_eq!(
            signed(&COINPAYMENTS, "coinpayments-secret", &message),
            expected
        );
        let signer = Signer::with_recipe(&SecretString::from("coinpayments-secret"), &COINPAYMENTS);
        assert_eq!(signer.check_message(&message, expected), Ok(()));
        let later = Message {
            timestamp: "2025-03-01T02:30:01",
            ..message
        };
        assert_eq!(
            signer.check_message(&later, expected),
            Err(SignatureError::Mismatch)
        );
    }

    /// Computed independently with Python:
    /// `hmac.new(b"coinbase-shared-secret", b'{"id":1,"event":{"type":"charge:confirmed"}}',
    ///  hashlib.sha256).hexdigest()`.
    #[test]
    fn signs_a_coinbase_commerce_style_webhook_vector() {
        let body = br#"{"id":1,"event":{"type":"charge:confirmed"}}"#;
        let expected = "630975f2c1f007b81be630e5b1cd98380cbc75563721c78b87e695a12fd935da";
        let signer = Signer::with_recipe(
            &SecretString::from("coinbase-shared-secret"),
            &COINBASE_WEBHOOK,
        );
        assert_eq!(signer.sign(body).as_bytes(), expected.as_bytes());
        assert_eq!(signer.check(body, expected), Ok(()));
        assert_eq!(
            signer.check(body, &expected[..62]),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn base64_is_read_strictly() {
        let signer = Signer::with_recipe(&SecretString::from("k"), &COINPAYMENTS);
        let message = Message::of_body(b"{}");
        let good = String::from_utf8(signer.sign_message(&message).as_bytes().to_vec()).unwrap();
        assert_eq!(good.len(), 44);
        assert!(good.ends_with('='));
        assert_eq!(signer.check_message(&message, &good), Ok(()));
        let unpadded = &good[..43];
        let url_safe = good.replace('+', "-").replace('/', "_");
        // The last character before `=` carries two unused bits, which must be zero.
        let last = good.as_bytes()[42];
        let position = BASE64.iter().position(|&c| c == last).unwrap();
        let mut loose = good.clone().into_bytes();
        loose[42] = BASE64[position ^ 1];
        let loose = String::from_utf8(loose).unwrap();
        for refused in [unpadded, &format!("{good}="), &loose, " "] {
            assert_eq!(
                signer.check_message(&message, refused),
                Err(SignatureError::Malformed),
                "{refused:?}"
            );
        }
        if url_safe != good {
            assert_eq!(
                signer.check_message(&message, &url_safe),
                Err(SignatureError::Malformed)
            );
        }
    }

    #[test]
    fn base64_agrees_with_known_encodings() {
        // RFC 4648's test vectors, through the encoder and back through the decoder.
        for (bytes, text) in [
            (&b"f"[..], "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(Encoding::Base64, bytes).as_bytes(), text.as_bytes());
            let mut back = vec![0u8; bytes.len()];
            assert!(
                decode(Encoding::Base64, text.as_bytes(), &mut back),
                "{text}"
            );
            assert_eq!(back, bytes);
        }
    }

    #[test]
    fn timestamps_are_written_and_read_in_each_format() {
        let at = 1_740_796_200_123; // 2025-03-01T02:30:00.123Z
        for (format, text) in [
            (TimestampFormat::UnixMilliseconds, "1740796200123"),
            (TimestampFormat::UnixSeconds, "1740796200"),
            (TimestampFormat::Iso8601, "2025-03-01T02:30:00"),
            (TimestampFormat::Iso8601Utc, "2025-03-01T02:30:00Z"),
        ] {
            assert_eq!(format.write(at).as_str(), text, "{format:?}");
            let read = format.read(text).unwrap();
            assert_eq!(
                read,
                at - at.rem_euclid(if format == TimestampFormat::UnixMilliseconds {
                    1
                } else {
                    1000
                })
            );
        }
        assert_eq!(TimestampFormat::UnixMilliseconds.write(-5).as_str(), "-5");
        assert_eq!(TimestampFormat::UnixMilliseconds.write(0).as_str(), "0");
        assert_eq!(TimestampFormat::UnixSeconds.write(999).as_str(), "0");
        // Seconds round down, towards the past, before 1970 too.
        assert_eq!(TimestampFormat::UnixSeconds.write(-1).as_str(), "-1");
        assert_eq!(TimestampFormat::UnixSeconds.write(-1000).as_str(), "-1");
        assert_eq!(
            TimestampFormat::UnixMilliseconds.write(i64::MIN).as_str(),
            "-9223372036854775808"
        );
        assert_eq!(
            TimestampFormat::Iso8601Utc.write(i64::MAX).as_str(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            TimestampFormat::Iso8601.write(-1).as_str(),
            "1970-01-01T00:00:00"
        );
        for (format, refused) in [
            (TimestampFormat::Iso8601, "2025-03-01T02:30:00Z"),
            (TimestampFormat::Iso8601Utc, "2025-03-01T02:30:00"),
            (TimestampFormat::UnixSeconds, "1.5"),
            (TimestampFormat::UnixSeconds, "99999999999999999"),
        ] {
            assert_eq!(format.read(refused), None, "{format:?} {refused}");
        }
    }

    #[test]
    fn a_separator_goes_between_parts_and_after_the_last_when_terminated() {
        const PARTS: &[Part] = &[Part::Text("a"), Part::Body, Part::Text("c")];
        const BETWEEN: Recipe = Recipe {
            algorithm: Algorithm::HmacSha256,
            encoding: Encoding::LowercaseHex,
            parts: PARTS,
            separator: "|",
            terminated: false,
            timestamp: None,
            nonce: None,
        };
        const TERMINATED: Recipe = Recipe {
            terminated: true,
            ..BETWEEN
        };
        const WHOLE: Recipe = Recipe {
            parts: &[Part::Body],
            separator: "",
            ..BETWEEN
        };
        let sign = |recipe: &'static Recipe, body: &[u8]| {
            Signer::with_recipe(&SecretString::from("k"), recipe)
                .sign(body)
                .as_bytes()
                .to_vec()
        };
        assert_eq!(sign(&BETWEEN, b"b"), sign(&WHOLE, b"a|b|c"));
        assert_eq!(sign(&TERMINATED, b"b"), sign(&WHOLE, b"a|b|c|"));
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
    fn signatures_are_written_as_the_recipe_says_for_any_key_length() {
        for secret in ["", "k", &"long".repeat(100)] {
            let signature = signer(secret).sign(b"{}");
            assert_eq!(signature.as_bytes().len(), 128);
            assert!(signature
                .as_bytes()
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
            let upper = Signer::with_recipe(&SecretString::from(secret), &BINANCE_PAY).sign(b"{}");
            assert!(upper
                .as_bytes()
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F')));
            let short =
                Signer::with_recipe(&SecretString::from(secret), &COINBASE_WEBHOOK).sign(b"{}");
            assert_eq!(short.as_bytes().len(), 64);
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
    fn a_check_accepts_what_the_signer_writes_for_any_key_length_and_recipe() {
        for recipe in [&CALYPSO, &BINANCE_PAY, &COINPAYMENTS, &COINBASE_WEBHOOK] {
            for secret in ["", "k", &"long".repeat(100)] {
                let signer = Signer::with_recipe(&SecretString::from(secret), recipe);
                let message = Message {
                    method: "POST",
                    url: "http://127.0.0.1/x",
                    timestamp: "1",
                    nonce: "n",
                    key: b"key",
                    ..Message::of_body(b"{}")
                };
                let signature = signer.sign_message(&message);
                let signature = std::str::from_utf8(signature.as_bytes()).unwrap();
                assert_eq!(
                    signer.check_message(&message, signature),
                    Ok(()),
                    "{recipe:?} {secret}"
                );
            }
        }
    }

    #[test]
    fn refusals_say_what_was_wrong() {
        let malformed = SignatureError::Malformed.to_string();
        let mismatch = SignatureError::Mismatch.to_string();
        assert_eq!(
            malformed,
            format!("the signature is not {}", written_as(&REQUEST_RECIPE))
        );
        assert_eq!(
            mismatch,
            format!(
                "the signature is not {} under the secret",
                signs(&REQUEST_RECIPE)
            )
        );
        // Calypso's words, which its sandbox and clients have always shown.
        assert_eq!(written_as(&CALYPSO), "128 hex digits");
        assert_eq!(signs(&CALYPSO), "the HMAC-SHA512 of the body's bytes");
        assert_eq!(written_as(&COINPAYMENTS), "44 base64 characters");
        assert_eq!(written_as(&COINBASE_WEBHOOK), "64 hex digits");
        assert_eq!(signs(&BINANCE_PAY), "the HMAC-SHA512 of the signed parts");
    }

    #[test]
    fn nonces_are_32_letters_and_digits_and_never_repeat() {
        let nonces: Vec<String> = (0..1000).map(|_| nonce().as_str().to_owned()).collect();
        for nonce in &nonces {
            assert_eq!(nonce.len(), 32, "{nonce}");
            assert!(nonce.bytes().all(|c| c.is_ascii_alphanumeric()), "{nonce}");
        }
        let distinct: std::collections::HashSet<&String> = nonces.iter().collect();
        assert_eq!(distinct.len(), nonces.len());
    }

    #[test]
    fn a_path_with_query_is_the_path_then_the_query() {
        assert_eq!(path_with_query("/v1/x", None), "/v1/x");
        assert_eq!(path_with_query("/v1/x", Some("a=1&b=2")), "/v1/x?a=1&b=2");
        assert_eq!(path_with_query("/v1/x", Some("")), "/v1/x?");
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let shown = format!("{:?}", signer(SECRET));
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
