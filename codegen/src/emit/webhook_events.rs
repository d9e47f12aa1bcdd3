//! `src/webhook_events.rs` (for specs with webhooks): the typed event of each event
//! type. The runtime's `webhooks.rs` checks a webhook's signature and envelope, then asks
//! `WebhookEvent::read` for its event. For an API whose webhook signature covers the URL it
//! delivers to, also the verifier's `with_url`, which tells it that URL.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_types::ident;
use super::{SpecPaths, docs, templates};
use crate::check::{OTHER_EVENT_VARIANT, UNTYPED_EVENT_VARIANT};
use crate::model::Webhooks;

/// The events' module; with `WebhookVerifier::with_url` when `signs_url` (the webhook recipe
/// signs the URL the API delivers to, which only such crates' verifiers are told).
pub fn emit(webhooks: &Webhooks, signs_url: bool, paths: SpecPaths) -> TokenStream {
    let other = ident(OTHER_EVENT_VARIANT);
    let untyped = ident(UNTYPED_EVENT_VARIANT);
    let variants = webhooks.events.iter().map(|event| {
        let variant = ident(&event.variant);
        let data = ident(&event.data);
        let doc = docs::outer(&docs::paragraphs([
            Some(format!("`{}`.", event.event_type).as_str()),
            event.description.as_deref(),
        ]));
        let spec = paths.mark(&event.spec_path);
        quote! {
            #doc
            #spec
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
        quote!(#wire => read_data(data).map(Self::#variant),)
    });

    // `x-webhooks` (3.0) or `webhooks` (3.1): where the events are.
    let root = webhooks
        .events
        .first()
        .and_then(|event| event.spec_path.split('.').next())
        .unwrap_or("x-webhooks");
    let spec = paths.mark(root);
    let with_url = signs_url.then(|| {
        let doc = docs::outer(&templates::render(
            "client/docs/with-url.md",
            minijinja::Value::UNDEFINED,
        ));
        let spec = paths.mark("x-request-signing");
        quote! {
            #spec
            impl crate::webhooks::WebhookVerifier {
                #doc
                #[must_use]
                pub fn with_url(mut self, url: impl Into<String>) -> Self {
                    self.url = Some(url.into().into_boxed_str());
                    self
                }
            }
        }
    });
    quote! {
        //! The events the API sends, typed by their event type.

        use serde_json::value::RawValue;

        use crate::webhooks::read_data;

        /// A webhook's event, typed by its event type. A type this version of the crate does
        /// not list is kept as [`WebhookEvent::Other`], not refused: the API may add events.
        #spec
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
            /// An event of a listed type whose data does not fit the type's schema. Its
            /// signature checked out, so it is kept rather than refused.
            #untyped {
                /// The event type as sent.
                event_type: String,
                /// The event's data as sent, byte for byte (`None` when there was none).
                data: Option<Box<RawValue>>,
                /// Why the data could not be read as the event type's schema.
                reason: String,
            },
        }

        #spec
        impl WebhookEvent {
            /// The event type as sent.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#event_type_arms)*
                    Self::#other { event_type, .. } | Self::#untyped { event_type, .. } => event_type,
                }
            }

            /// The event of `event_type` with this data, read as that type's schema says; kept
            /// untyped when it does not fit.
            pub(crate) fn read(event_type: String, data: Option<&RawValue>) -> Self {
                let typed = match event_type.as_str() {
                    #(#read_arms)*
                    _ => {
                        return Self::#other {
                            event_type,
                            data: data.map(RawValue::to_owned),
                        };
                    }
                };
                typed.unwrap_or_else(|reason| Self::#untyped {
                    event_type,
                    data: data.map(RawValue::to_owned),
                    reason,
                })
            }
        }

        #with_url
    }
}
