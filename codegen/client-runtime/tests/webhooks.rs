//! The webhook verifier with several key pairs (a key rotation), and a webhook verified now
//! and read later from the bytes kept, a delivery's identity and the deduplicator, against
//! the stand-in's events (whose envelope's `identityProperties` are `[id, requestId]`).

mod support;

use client_runtime::reqwest::header::HeaderMap;
use std::time::{Duration, Instant};

use client_runtime::{
    Deduplicate, DeliveryId, InMemoryDeduplicator, SecretString, VerifiedWebhook, WebhookError,
    WebhookEvent, WebhookVerifier,
};
use support::hex_hmac;

const OLD_KEY: &str = "old-subscription-public-key";
const OLD_SECRET: &str = "old-subscription-secret-key";
const NEW_KEY: &str = "new-subscription-public-key";
const NEW_SECRET: &str = "new-subscription-secret-key";

const BODY: &str = r#"{"eventType":"THING_CREATED","data":{"amount":0.10000000000000000001}}"#;

/// The verifier of a rotation: the old subscription's key pair, then the new one's.
fn rotating() -> WebhookVerifier {
    WebhookVerifier::new(OLD_KEY, &SecretString::from(OLD_SECRET))
        .with_key(NEW_KEY, &SecretString::from(NEW_SECRET))
}

/// The headers of a delivery: `key` in the key header, and the body signed with `secret`.
fn headers(key: &str, secret: &str, body: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("Key", key.parse().unwrap());
    headers.insert("Sign", hex_hmac(secret, body.as_bytes()).parse().unwrap());
    headers
}

fn amount(event: &WebhookEvent) -> String {
    let WebhookEvent::ThingCreated(data) = event else {
        panic!("expected THING_CREATED: {event:?}");
    };
    data.amount.expect("an amount").to_string()
}

#[test]
fn during_a_rotation_both_subscriptions_are_accepted_and_the_matched_key_is_reported() {
    let verifier = rotating();
    for (key, secret) in [(OLD_KEY, OLD_SECRET), (NEW_KEY, NEW_SECRET)] {
        let webhook = verifier
            .verify(&headers(key, secret, BODY), BODY.as_bytes())
            .unwrap_or_else(|error| panic!("{key}: {error}"));
        assert_eq!(webhook.matched_key, key);
        assert_eq!(amount(&webhook.event), "0.10000000000000000001");

        let signature = hex_hmac(secret, BODY.as_bytes());
        let webhook = verifier
            .verify_parts(&format!(" {key}\t"), &signature, BODY.as_bytes())
            .unwrap_or_else(|error| panic!("{key}: {error}"));
        assert_eq!(
            webhook.matched_key, key,
            "the header's whitespace is dropped"
        );

        let verified = verifier
            .verify_only(&headers(key, secret, BODY), BODY.as_bytes())
            .unwrap_or_else(|error| panic!("{key}: {error}"));
        assert_eq!(verified.matched_key(), key);
    }
    // A verifier of one subscription reports its key too.
    let single = WebhookVerifier::new(NEW_KEY, &SecretString::from(NEW_SECRET));
    let webhook = single
        .verify(&headers(NEW_KEY, NEW_SECRET, BODY), BODY.as_bytes())
        .unwrap();
    assert_eq!(webhook.matched_key, NEW_KEY);
}

#[test]
fn a_key_naming_none_of_the_pairs_is_refused_as_the_wrong_key() {
    let verifier = rotating();
    for key in ["another-subscription", "", OLD_KEY.to_uppercase().as_str()] {
        // Signed with each known secret: the key header alone decides.
        for secret in [OLD_SECRET, NEW_SECRET] {
            let checked = verifier.verify(&headers(key, secret, BODY), BODY.as_bytes());
            assert!(
                matches!(checked, Err(WebhookError::WrongKey)),
                "{key:?}: {checked:?}"
            );
            let checked = verifier.verify_only(&headers(key, secret, BODY), BODY.as_bytes());
            assert!(
                matches!(checked, Err(WebhookError::WrongKey)),
                "{key:?}: {checked:?}"
            );
        }
    }
}

#[test]
fn a_signature_is_checked_only_against_the_pair_its_key_names() {
    let verifier = rotating();
    // The old secret's signature under the new key, and the other way round.
    for (key, other_secret) in [(NEW_KEY, OLD_SECRET), (OLD_KEY, NEW_SECRET)] {
        let crossed = headers(key, other_secret, BODY);
        let checked = verifier.verify(&crossed, BODY.as_bytes());
        assert!(
            matches!(checked, Err(WebhookError::BadSignature)),
            "{key}: {checked:?}"
        );
        let checked = verifier.verify_only(&crossed, BODY.as_bytes());
        assert!(
            matches!(checked, Err(WebhookError::BadSignature)),
            "{key}: {checked:?}"
        );
    }
    // A changed body fails under the right pair too.
    let changed = BODY.replace("0.1", "9.1");
    let checked = verifier.verify(&headers(NEW_KEY, NEW_SECRET, BODY), changed.as_bytes());
    assert!(
        matches!(checked, Err(WebhookError::BadSignature)),
        "{checked:?}"
    );
}

#[test]
fn a_public_key_given_again_takes_its_new_secret_key() {
    let verifier = rotating().with_key(OLD_KEY, &SecretString::from("a-replaced-secret"));
    let replaced = verifier.verify(&headers(OLD_KEY, OLD_SECRET, BODY), BODY.as_bytes());
    assert!(
        matches!(replaced, Err(WebhookError::BadSignature)),
        "{replaced:?}"
    );
    let webhook = verifier
        .verify(
            &headers(OLD_KEY, "a-replaced-secret", BODY),
            BODY.as_bytes(),
        )
        .unwrap();
    assert_eq!(webhook.matched_key, OLD_KEY);
    let shown = format!("{verifier:?}");
    assert_eq!(shown.matches(OLD_KEY).count(), 1, "{shown}");
}

#[test]
fn a_verified_webhook_kept_as_bytes_is_parsed_later_as_verify_reads_it() {
    let verifier = rotating();
    let delivered = headers(OLD_KEY, OLD_SECRET, BODY);
    let verified = verifier.verify_only(&delivered, BODY.as_bytes()).unwrap();
    assert_eq!(verified.body(), BODY.as_bytes());

    // Stored (a queue, a database row) as the key and the bytes, then rebuilt.
    let stored_key = verified.matched_key().to_owned();
    let stored_body = verified.clone().into_body();
    assert_eq!(stored_body, BODY.as_bytes());
    let rebuilt = VerifiedWebhook::from_trusted_bytes(stored_body, stored_key);
    assert_eq!(rebuilt, verified);

    let later = rebuilt.parse().unwrap();
    let now = verifier.verify(&delivered, BODY.as_bytes()).unwrap();
    assert_eq!(later.matched_key, OLD_KEY);
    assert_eq!(later.matched_key, now.matched_key);
    assert_eq!(later.envelope, now.envelope);
    assert_eq!(amount(&later.event), amount(&now.event));
    assert_eq!(amount(&later.event), "0.10000000000000000001");
}

#[test]
fn verify_only_checks_the_signature_and_leaves_the_body_to_parse() {
    let verifier = rotating();
    let mut unsigned = headers(NEW_KEY, NEW_SECRET, BODY);
    unsigned.remove("Sign");
    let checked = verifier.verify_only(&unsigned, BODY.as_bytes());
    assert!(
        matches!(checked, Err(WebhookError::MissingHeader("sign"))),
        "{checked:?}"
    );

    // Signed, but no webhook: accepted as bytes, refused when parsed, as verify refuses it.
    for body in ["[1]", r#"{"data":{}}"#] {
        let delivered = headers(NEW_KEY, NEW_SECRET, body);
        let verified = verifier.verify_only(&delivered, body.as_bytes()).unwrap();
        let parsed = verified.parse();
        let read = verifier.verify(&delivered, body.as_bytes());
        assert!(
            matches!(
                (&parsed, &read),
                (
                    Err(WebhookError::InvalidBody(_)),
                    Err(WebhookError::InvalidBody(_))
                ) | (
                    Err(WebhookError::MissingEventType),
                    Err(WebhookError::MissingEventType)
                )
            ),
            "{body}: {parsed:?} / {read:?}"
        );
    }

    // Trusted bytes are not checked: a rebuilt webhook parses whatever it is given.
    let forged = VerifiedWebhook::from_trusted_bytes(r#"{"eventType":"THING_CREATED"}"#, NEW_KEY);
    assert!(matches!(
        forged.parse().unwrap().event,
        WebhookEvent::ThingCreated(_)
    ));
}

#[test]
fn the_debug_output_of_a_verifier_of_several_subscriptions_shows_no_secret() {
    let verifier = rotating();
    let shown = format!("{verifier:?}");
    assert!(
        shown.contains(OLD_KEY) && shown.contains(NEW_KEY),
        "the public keys are shown: {shown}"
    );
    for secret in [OLD_SECRET, NEW_SECRET] {
        assert!(!shown.contains(secret), "{shown}");
    }
    // Nor does a verified webhook's, which keeps the matched public key only.
    let verified = verifier
        .verify_only(&headers(NEW_KEY, NEW_SECRET, BODY), BODY.as_bytes())
        .unwrap();
    let shown = format!("{verified:?}");
    assert!(
        shown.contains(NEW_KEY) && shown.contains("THING_CREATED"),
        "{shown}"
    );
    for secret in [OLD_SECRET, NEW_SECRET] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

/// The identity `verify` and `VerifiedWebhook::identity` read from `body`, which must agree.
fn identity_of(body: &str) -> Option<DeliveryId> {
    let verifier = rotating();
    let headers = headers(NEW_KEY, NEW_SECRET, body);
    let webhook = verifier
        .verify(&headers, body.as_bytes())
        .unwrap_or_else(|error| panic!("{body}: {error}"));
    let verified = verifier.verify_only(&headers, body.as_bytes()).unwrap();
    assert_eq!(webhook.identity(), verified.identity().as_ref(), "{body}");
    webhook.identity().cloned()
}

#[test]
fn a_delivery_s_identity_is_its_identity_properties_in_the_spec_s_order_exactly() {
    let uuid = "5f0c6a1e-2b8d-4c1e-9a57-3e2d1c0b9a87";
    // `id` past an f64's exact integers, properties in any order, the data in between.
    let body = format!(
        r#"{{"requestId":"{uuid}","eventType":"THING_CREATED","data":{{"amount":1.5}},"id":9007199254740993}}"#
    );
    let id = identity_of(&body).expect("both properties are there");
    assert_eq!(id.as_str(), format!("9007199254740993:{uuid}"));
    assert_eq!(id.to_string(), id.as_str());
    // The same delivery written otherwise (spaces, order, an escaped character) is the same.
    let again = format!(
        r#"{{ "id" : 9007199254740993, "eventType":"THING_CREATED", "requestId":"\u0035{}"}}"#,
        &uuid[1..]
    );
    assert_eq!(identity_of(&again), Some(id.clone()));
    // Another event, or the same event to another subscription, is another delivery.
    let next_event = body.replace("9007199254740993", "9007199254740994");
    let other_subscription = body.replace(uuid, "6f0c6a1e-2b8d-4c1e-9a57-3e2d1c0b9a87");
    for other in [next_event, other_subscription] {
        assert_ne!(identity_of(&other), Some(id.clone()), "{other}");
    }
}

#[test]
fn a_separator_in_a_value_cannot_make_two_deliveries_one() {
    let a = identity_of(r#"{"eventType":"THING_CREATED","id":1,"requestId":"2:3"}"#);
    let b = identity_of(r#"{"eventType":"THING_CREATED","id":1,"requestId":"2\\:3"}"#);
    assert_eq!(a.as_ref().map(DeliveryId::as_str), Some(r"1:2\:3"));
    assert_eq!(b.as_ref().map(DeliveryId::as_str), Some(r"1:2\\\:3"));
    assert_ne!(a, b);
}

#[test]
fn a_webhook_without_one_of_its_identity_properties_has_no_identity() {
    for body in [
        BODY,
        r#"{"eventType":"THING_CREATED","id":1}"#,
        r#"{"eventType":"THING_CREATED","requestId":"r"}"#,
        r#"{"eventType":"THING_CREATED","id":null,"requestId":"r"}"#,
    ] {
        assert_eq!(identity_of(body), None, "{body}");
    }
    // Bytes that are no envelope have none either, and `parse` says why.
    let verified = VerifiedWebhook::from_trusted_bytes("[1]", NEW_KEY);
    assert_eq!(verified.identity(), None);
    assert!(verified.parse().is_err());
}

fn id(text: &str) -> DeliveryId {
    DeliveryId::new(text)
}

#[test]
fn the_deduplicator_tells_a_first_delivery_from_its_repeats() {
    let dedup = InMemoryDeduplicator::new(10, Duration::from_secs(3600));
    assert_eq!(dedup.first_delivery(&id("1:a")), Ok(true));
    assert_eq!(dedup.first_delivery(&id("1:a")), Ok(false));
    assert_eq!(dedup.first_delivery(&id("1:a")), Ok(false));
    assert_eq!(dedup.first_delivery(&id("2:a")), Ok(true));
    assert_eq!(dedup.first_delivery(&id("1:b")), Ok(true));
    assert_eq!(dedup.len(), 3);
    // Shared between threads, each delivery is first exactly once.
    let dedup = std::sync::Arc::new(InMemoryDeduplicator::new(1000, Duration::from_secs(60)));
    let firsts: usize = (0..4)
        .map(|_| {
            let dedup = std::sync::Arc::clone(&dedup);
            std::thread::spawn(move || {
                (0..100)
                    .filter(|n| dedup.first_delivery(&id(&n.to_string())) == Ok(true))
                    .count()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|thread| thread.join().unwrap())
        .sum();
    assert_eq!(firsts, 100);
}

#[test]
fn the_deduplicator_forgets_the_oldest_ids_past_its_count() {
    let dedup = InMemoryDeduplicator::new(3, Duration::from_secs(3600));
    let now = Instant::now();
    for n in 0..5 {
        assert!(dedup.first_delivery_at(&id(&n.to_string()), now));
    }
    assert_eq!(dedup.len(), 3);
    // 0 and 1 were forgotten, so they pass as first deliveries again (forgetting 2 and 3).
    assert!(!dedup.first_delivery_at(&id("4"), now));
    assert!(dedup.first_delivery_at(&id("0"), now));
    assert!(dedup.first_delivery_at(&id("1"), now));
    assert!(!dedup.first_delivery_at(&id("4"), now));
    assert!(dedup.first_delivery_at(&id("2"), now));
    // A deduplicator of no ids remembers nothing.
    let none = InMemoryDeduplicator::new(0, Duration::from_secs(3600));
    assert!(none.first_delivery_at(&id("x"), now));
    assert!(none.first_delivery_at(&id("x"), now));
    assert!(none.is_empty());
}

#[test]
fn the_deduplicator_forgets_an_id_once_it_is_older_than_its_age() {
    let age = Duration::from_secs(60);
    let dedup = InMemoryDeduplicator::new(100, age);
    let start = Instant::now();
    assert!(dedup.first_delivery_at(&id("old"), start));
    let later = start + Duration::from_secs(30);
    assert!(dedup.first_delivery_at(&id("new"), later));
    // A repeat does not make an id younger.
    assert!(!dedup.first_delivery_at(&id("old"), start + age - Duration::from_millis(1)));
    assert!(dedup.first_delivery_at(&id("old"), start + age));
    assert!(!dedup.first_delivery_at(&id("new"), later + age - Duration::from_millis(1)));
    assert!(dedup.first_delivery_at(&id("new"), later + age));
    // Every id past its age is forgotten, not only the one asked about.
    assert!(dedup.first_delivery_at(&id("last"), later + age * 3));
    assert_eq!(dedup.len(), 1);
    assert!(format!("{dedup:?}").contains("remembered: 1"));
}

#[test]
fn a_forgotten_id_is_a_first_delivery_again_and_counted_once() {
    let dedup = InMemoryDeduplicator::new(2, Duration::from_secs(3600));
    let now = Instant::now();
    assert!(dedup.first_delivery_at(&id("a"), now));
    dedup.forget(&id("a")).unwrap();
    assert!(dedup.is_empty());
    assert!(dedup.first_delivery_at(&id("a"), now));
    assert!(!dedup.first_delivery_at(&id("a"), now));
    assert!(dedup.first_delivery_at(&id("b"), now));
    assert_eq!(dedup.len(), 2);
    // Forgetting an id never seen changes nothing.
    dedup.forget(&id("never")).unwrap();
    assert_eq!(dedup.len(), 2);
    // "c" evicts the oldest, "a", and "b" is still a repeat.
    assert!(dedup.first_delivery_at(&id("c"), now));
    assert!(!dedup.first_delivery_at(&id("b"), now));
    assert!(dedup.first_delivery_at(&id("a"), now));
}

#[test]
fn a_refusal_for_what_the_body_holds_gives_its_cause_as_the_source() {
    use std::error::Error as _;

    // Signed, so the check passes, but no JSON: the envelope cannot be read.
    let body = "not json";
    let refused = rotating()
        .verify(&headers(OLD_KEY, OLD_SECRET, body), body.as_bytes())
        .expect_err("no envelope");
    assert!(
        matches!(refused, WebhookError::InvalidBody(_)),
        "{refused:?}"
    );
    let cause = refused.source().expect("the JSON error behind it");
    let json = cause
        .downcast_ref::<serde_json::Error>()
        .expect("a serde_json::Error");
    assert!(json.is_syntax(), "{json:?}");
    assert!(
        refused.to_string().ends_with(&json.to_string()),
        "{refused}"
    );

    let not_a_number = serde_json::from_str::<u32>("\"lots\"").unwrap_err();
    let message = not_a_number.to_string();
    let data = WebhookError::InvalidData {
        event_type: "THING_CREATED".to_owned(),
        source: not_a_number,
    };
    let cause = data.source().expect("the JSON error behind it");
    assert_eq!(cause.to_string(), message);

    // The other refusals are about the delivery itself, with nothing underneath.
    for refusal in [
        WebhookError::MissingHeader("Sign"),
        WebhookError::WrongKey,
        WebhookError::MalformedSignature,
        WebhookError::BadSignature,
        WebhookError::MissingEventType,
    ] {
        assert!(refusal.source().is_none(), "{refusal:?}");
    }
}

#[test]
fn a_body_that_is_no_json_object_is_refused_saying_an_envelope_was_expected() {
    for body in ["[1]", "\"THING_CREATED\"", "7"] {
        let refused = rotating()
            .verify(&headers(NEW_KEY, NEW_SECRET, body), body.as_bytes())
            .expect_err(body);
        assert!(
            matches!(refused, WebhookError::InvalidBody(_)),
            "{refused:?}"
        );
        let message = refused.to_string();
        assert!(
            message.contains("expected a webhook envelope (a JSON object)"),
            "{message}"
        );
    }
}

#[test]
fn a_delivery_that_names_an_identity_property_twice_has_no_identity_and_is_refused() {
    // Which of the two deliveries would it be? Neither the first value nor the last is taken.
    for body in [
        r#"{"eventType":"THING_CREATED","id":1,"requestId":"r","id":2}"#,
        r#"{"eventType":"THING_CREATED","requestId":"r","id":1,"requestId":"s"}"#,
    ] {
        let headers = headers(NEW_KEY, NEW_SECRET, body);
        let verified = rotating().verify_only(&headers, body.as_bytes()).unwrap();
        assert_eq!(verified.identity(), None, "{body}");
        let refused = rotating()
            .verify(&headers, body.as_bytes())
            .expect_err(body);
        assert!(
            matches!(refused, WebhookError::InvalidBody(_)),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("duplicate field"), "{refused}");
    }
}

#[test]
fn a_delivery_id_kept_as_text_comes_back_as_the_same_id() {
    let body = r#"{"eventType":"THING_CREATED","id":12,"requestId":"a:b"}"#;
    let id = identity_of(body).expect("both properties are there");
    let text = id.clone().into_string();
    assert_eq!(text, r"12:a\:b");
    assert_eq!(text, id.as_str());
    assert_eq!(DeliveryId::new(text), id);
}

#[test]
fn a_deduplicator_is_empty_until_it_remembers_a_delivery() {
    let dedup = InMemoryDeduplicator::new(10, Duration::from_secs(60));
    assert!(dedup.is_empty());
    assert_eq!(dedup.first_delivery(&id("1:a")), Ok(true));
    assert!(!dedup.is_empty());
    assert_eq!(dedup.len(), 1);
}
