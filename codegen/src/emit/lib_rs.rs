//! `src/lib.rs`: crate docs (the template `client-runtime/templates/lib.md`: setup and a call
//! first, then a guide whose examples compile as doctests, then the spec's description), the
//! module tree of generated and copied files, and re-exports.

use proc_macro2::TokenStream;
use quote::quote;

use super::template_view::CrateView;
use super::{docs, templates};
use crate::model::Api;

/// The crate root: its docs, the module `declarations` (from [`super::module_tree`]) and the
/// re-exports, sorted as rustfmt sorts them.
pub fn emit(api: &Api, view: &CrateView, declarations: TokenStream) -> TokenStream {
    let crate_doc = docs::inner(&templates::render("client/lib.md", view.context(true)));
    let mut reexports = vec![
        "client::*",
        "clock::{Clock, FixedClock, SystemClock}",
        "error::{ApiError, BuildError, Error, RawBody}",
        "retry::{RequestOptions, RetryPolicy}",
        "reqwest",
        "rust_decimal::Decimal",
        "secrecy::SecretString",
        "time::OffsetDateTime",
        "uuid::Uuid",
    ];
    if api.default_base_url.is_some() {
        reexports.push("contract::DEFAULT_BASE_URL");
    }
    if api.webhooks.is_some() {
        // Two lines: one would be wider than prettyplease's margin, and rustfmt, which
        // formats the stand-in's root, would join what prettyplease wraps.
        reexports.push("webhook_receiver::{Delivery, WebhookReceiver, WebhookRefusal}");
        reexports.push("webhooks::VerifiedWebhook");
        reexports.push("webhooks::{Deduplicate, DeliveryId, InMemoryDeduplicator}");
        reexports.push("webhooks::{Webhook, WebhookError, WebhookEvent, WebhookVerifier}");
    }
    if api.uses.enums {
        reexports.push("wire::unknown_value::UnknownValue");
    }
    reexports.sort_unstable();
    let reexports = reexports.iter().map(|path| {
        let path: TokenStream = path.parse().unwrap_or_default();
        quote!(pub use #path;)
    });
    // docs.rs documents the crate on nightly with `--cfg docsrs` (the manifest's
    // `[package.metadata.docs.rs]`), where `doc(cfg)` says which feature an item needs; a
    // build without that cfg ignores it.
    quote! {
        #crate_doc
        #![cfg_attr(docsrs, feature(doc_cfg))]
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]

        #declarations

        #(#reexports)*

        /// Compiles the README's examples as doctests.
        #[cfg(doctest)]
        #[doc = include_str!("../README.md")]
        struct ReadmeDoctests;
    }
}
