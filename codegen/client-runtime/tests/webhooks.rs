//! The webhook verifier with several key pairs (a key rotation), and a webhook verified now
//! and read later from the bytes kept, against the stand-in's events.

mod support;

use client_runtime::reqwest::header::HeaderMap;
use client_runtime::{SecretString, VerifiedWebhook, WebhookError, WebhookEvent, WebhookVerifier};
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
