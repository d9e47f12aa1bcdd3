//! `src/webhooks.rs` (for specs with `x-webhooks`): the typed events, and the verifier that
//! checks a delivered webhook's signature before reading it.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::rust_types::ident;
use crate::check::OTHER_EVENT_VARIANT;
use crate::model::{Api, Webhooks};

pub fn emit(api: &Api, webhooks: &Webhooks) -> TokenStream {
    let signing = &api.signing;
    let envelope = ident(&webhooks.envelope);
    let other = ident(OTHER_EVENT_VARIANT);
    let variants = webhooks.events.iter().map(|event| {
        let variant = ident(&event.variant);
        let data = ident(&event.data);
        let doc = docs::outer(&docs::paragraphs([
            Some(format!("`{}`.", event.event_type).as_str()),
            event.description.as_deref(),
        ]));
        quote! {
            #doc
            #variant(crate::types::#data),
        }
    });
    let event_type_arms = webhooks.events.iter().map(|event| {
        let variant = ident(&event.variant);
        let wire = &event.event_type;
        quote!(Self::#variant(_) => #wire,)
    });
    let read_arms = webhooks.events.iter().map(|event| {
        let variant = ident(&event.variant);
        let wire = &event.event_type;
        quote!(#wire => WebhookEvent::#variant(read_data(raw.data, #wire)?),)
    });
    let event_type_field = ident(&webhooks.event_type_field);
    let event_type = if webhooks.event_type_optional {
        quote!(envelope.#event_type_field.clone().ok_or(WebhookError::MissingEventType)?)
    } else {
        quote!(envelope.#event_type_field.clone())
    };
    let data_wire = &webhooks.data_wire_name;
    let key_header = &signing.key_header;
    let signature_header = &signing.signature_header;
    let module_doc = docs::inner(&format!(
        "Webhooks: checking that an event came from the API, and reading it.\n\n\
         The API POSTs events to the URL of a subscription, signed like requests: `{key_header}` \
         carries the subscription's public key and `{signature_header}` the lowercase hex \
         HMAC-SHA512 of the exact body bytes, keyed with the subscription's secret key. A \
         [`WebhookVerifier`] checks both, in constant time, and returns the typed [`Webhook`]."
    ));
    // The unit tests read bodies that hold only the event type (and some data): they are
    // emitted only where such bodies are valid, that is where every other envelope field and
    // every field of the event's data is optional. The sandbox's tests cover the rest.
    let all_optional = |type_name: &str, except: &str| {
        api.struct_def(type_name)
            .is_some_and(|s| s.fields.iter().all(|f| f.optional || f.name == except))
    };
    let minimal_envelope = all_optional(&webhooks.envelope, &webhooks.event_type_field);
    let typed_test_event = webhooks
        .events
        .iter()
        .find(|event| minimal_envelope && all_optional(&event.data, ""));
    let listed_event_test = typed_test_event.map(|event| {
        let variant = ident(&event.variant);
        let wire = &event.event_type;
        quote! {
            #[test]
            fn a_listed_event_is_typed_even_without_data() {
                let body = format!("{{\"{}\":\"{}\"}}", EVENT_TYPE_PROPERTY, #wire);
                let webhook = verifier().verify_parts(PUBLIC_KEY, &sign(&body), body.as_bytes()).unwrap();
                assert!(matches!(webhook.event, WebhookEvent::#variant(_)), "{webhook:?}");
                assert_eq!(webhook.event.event_type(), #wire);
            }
        }
    });
    let unlisted_event_test = minimal_envelope.then(|| {
        quote! {
            #[test]
            fn an_unlisted_event_is_kept_with_its_exact_data() {
                let body = format!(
                    "{{\"{}\":\"A_FUTURE_EVENT\",\"{}\":{{\"amount\":0.10000000000000000001}}}}",
                    EVENT_TYPE_PROPERTY, #data_wire
                );
                let webhook = verifier().verify_parts(PUBLIC_KEY, &sign(&body), body.as_bytes()).unwrap();
                let WebhookEvent::#other { event_type, data } = webhook.event else {
                    panic!("expected an unlisted event");
                };
                assert_eq!(event_type, "A_FUTURE_EVENT");
                assert_eq!(data.unwrap().get(), "{\"amount\":0.10000000000000000001}");
            }

            #[test]
            fn huge_numbers_in_the_data_do_not_stop_the_envelope_being_read() {
                let body = format!(
                    "{{\"{}\":\"A_FUTURE_EVENT\",\"{}\":{{\"amount\":1e400}}}}",
                    EVENT_TYPE_PROPERTY, #data_wire
                );
                let webhook = verifier().verify_parts(PUBLIC_KEY, &sign(&body), body.as_bytes()).unwrap();
                assert_eq!(webhook.event.event_type(), "A_FUTURE_EVENT");
            }
        }
    });
    let event_type_property = &webhooks.event_type_wire_name;

    quote! {
        #module_doc

        use reqwest::header::HeaderMap;
        use secrecy::SecretString;
        use serde_json::value::RawValue;

        use crate::signing::{KEY_HEADER, SIGNATURE_HEADER, Signer, decode_signature};

        /// A webhook whose signature checked out: its envelope, and its event.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub struct Webhook {
            /// The envelope as received, but for its data (left empty), which is in `event`,
            /// read from the raw text so that amounts stay exact.
            pub envelope: crate::types::#envelope,
            /// The event, typed by its event type.
            pub event: WebhookEvent,
        }

        /// A webhook's event, typed by its event type. A type this version of the crate does
        /// not list is kept as [`WebhookEvent::Other`], not refused: the API may add events.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum WebhookEvent {
            #(#variants)*
            /// An event type this version of the crate does not list.
            #other {
                /// The event type as sent.
                event_type: String,
                /// The event's data as sent, byte for byte (`None` when there was none).
                data: Option<Box<RawValue>>,
            },
        }

        impl WebhookEvent {
            /// The event type as sent.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#event_type_arms)*
                    Self::#other { event_type, .. } => event_type,
                }
            }
        }

        /// Checks the webhooks of one subscription, with its key pair.
        #[derive(Clone)]
        pub struct WebhookVerifier {
            public_key: String,
            signer: Signer,
        }

        /// Shows the public key, never the secret key.
        impl std::fmt::Debug for WebhookVerifier {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("WebhookVerifier")
                    .field("public_key", &self.public_key)
                    .field("secret_key", &"[redacted]")
                    .finish()
            }
        }

        impl WebhookVerifier {
            /// A verifier for the subscription with this public key and secret key.
            pub fn new(public_key: impl Into<String>, secret_key: &SecretString) -> Self {
                Self {
                    public_key: public_key.into(),
                    signer: Signer::new(secret_key),
                }
            }

            /// Checks a delivered webhook and reads it.
            ///
            /// `body` must be the request body exactly as received, before any JSON parsing:
            /// the signature covers those bytes, and re-serialized JSON would not match.
            ///
            /// # Errors
            ///
            /// A [`WebhookError`] when a header is missing, the key is another subscription's,
            /// the signature does not match the body, or the body is not a webhook.
            pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Webhook, WebhookError> {
                let key = header(headers, KEY_HEADER)?;
                let signature = header(headers, SIGNATURE_HEADER)?;
                self.verify_parts(key, signature, body)
            }

            /// [`verify`](Self::verify), with the two header values given apart: for servers
            /// whose headers are not an `http::HeaderMap`.
            ///
            /// # Errors
            ///
            /// As for [`verify`](Self::verify).
            pub fn verify_parts(&self, key: &str, signature: &str, body: &[u8]) -> Result<Webhook, WebhookError> {
                if key.trim() != self.public_key {
                    return Err(WebhookError::WrongKey);
                }
                let signature = decode_signature(signature.trim().as_bytes())
                    .ok_or(WebhookError::MalformedSignature)?;
                if !self.signer.verify(body, &signature) {
                    return Err(WebhookError::BadSignature);
                }
                read(body)
            }
        }

        fn header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, WebhookError> {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .ok_or(WebhookError::MissingHeader(name))
        }

        /// The data, as raw text, beside the envelope.
        #[derive(serde::Deserialize)]
        struct RawData<'a> {
            #[serde(rename = #data_wire, borrow, default)]
            data: Option<&'a RawValue>,
        }

        /// Reads a verified body: the envelope, then the data by its event type.
        fn read(body: &[u8]) -> Result<Webhook, WebhookError> {
            let raw: RawData<'_> = serde_json::from_slice(body).map_err(WebhookError::InvalidBody)?;
            let envelope: crate::types::#envelope =
                serde_json::from_slice(&without_data(body, raw.data)).map_err(WebhookError::InvalidBody)?;
            let event_type = #event_type;
            let event = match event_type.as_str() {
                #(#read_arms)*
                _ => WebhookEvent::#other {
                    event_type,
                    data: raw.data.map(RawValue::to_owned),
                },
            };
            Ok(Webhook { envelope, event })
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

        /// An event's data; absent or `null` data reads as an empty object.
        fn read_data<T: serde::de::DeserializeOwned>(raw: Option<&RawValue>, event_type: &str) -> Result<T, WebhookError> {
            let text = match raw.map(RawValue::get) {
                None | Some("null") => "{}",
                Some(text) => text,
            };
            serde_json::from_str(text).map_err(|source| WebhookError::InvalidData {
                event_type: event_type.to_owned(),
                source,
            })
        }

        /// Why a webhook was refused.
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum WebhookError {
            /// A header the check needs is missing, or is not text.
            MissingHeader(&'static str),
            /// The key header names another subscription's public key.
            WrongKey,
            /// The signature header is not 128 hex digits.
            MalformedSignature,
            /// The signature does not match the body: the webhook is not from the API, was
            /// changed on the way, or the body was re-serialized before the check.
            BadSignature,
            /// The envelope names no event type.
            MissingEventType,
            /// The body is not a webhook envelope.
            InvalidBody(serde_json::Error),
            /// The data does not fit its event type's schema.
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
                    Self::WrongKey => f.write_str(concat!("the webhook's `", #key_header, "` header is not this subscription's public key")),
                    Self::MalformedSignature => f.write_str(concat!("the webhook's `", #signature_header, "` header is not 128 hex digits")),
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
            const SECRET_KEY: &str = "secret";
            const EVENT_TYPE_PROPERTY: &str = #event_type_property;

            fn verifier() -> WebhookVerifier {
                WebhookVerifier::new(PUBLIC_KEY, &SecretString::from(SECRET_KEY))
            }

            fn sign(body: &str) -> String {
                let signature = Signer::new(&SecretString::from(SECRET_KEY)).sign(body.as_bytes());
                String::from_utf8(signature.as_bytes().to_vec()).unwrap()
            }

            #listed_event_test

            #unlisted_event_test

            #[test]
            fn a_changed_body_a_bad_signature_or_another_key_is_refused() {
                let body = format!("{{\"{}\":\"X\"}}", EVENT_TYPE_PROPERTY);
                let signature = sign(&body);
                let changed = body.replace('X', "Y");
                assert!(matches!(verifier().verify_parts(PUBLIC_KEY, &signature, changed.as_bytes()), Err(WebhookError::BadSignature)));
                assert!(matches!(verifier().verify_parts(PUBLIC_KEY, &signature[1..], body.as_bytes()), Err(WebhookError::MalformedSignature)));
                assert!(matches!(verifier().verify_parts("other", &signature, body.as_bytes()), Err(WebhookError::WrongKey)));
                // Upper-case hex passes the check (the body may still not be a whole envelope).
                let upper = signature.to_ascii_uppercase();
                let checked = verifier().verify_parts(PUBLIC_KEY, &upper, body.as_bytes());
                assert!(
                    !matches!(checked, Err(WebhookError::BadSignature | WebhookError::MalformedSignature)),
                    "{checked:?}"
                );
            }
        }
    }
}
