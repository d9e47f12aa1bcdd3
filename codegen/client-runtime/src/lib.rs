//! The runtime every generated client shares, as ordinary Rust.
//!
//! `cargo xtask codegen` copies the files of this crate's `src/` (all but this one and
//! `stand_in/`) verbatim into each generated crate, with a do-not-edit header, and only
//! those a spec needs: `paging.rs` for a spec with `x-pagination`, `webhooks.rs` for one
//! with `x-webhooks`, and each `wire/` file for a spec whose types use it. The table of
//! which file goes where is `codegen/src/runtime.rs`.
//!
//! Nothing here depends on the spec. What the runtime must know of a spec (header names,
//! the envelope's property names, the operations, the error body, ...) it reads from
//! `crate::contract`, a module the generator writes for each spec. Here a hand-written
//! stand-in of that module, and of the other generated modules (`types`, `operations`,
//! `webhook_events`), makes the runtime a crate of its own: built, linted and tested
//! without generating anything.
//!
//! This file mirrors the generated `lib.rs` (`codegen/src/emit/lib_rs.rs`): the same
//! modules, the same public items.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod call;
mod client;
mod clock;
#[path = "stand_in/contract.rs"]
mod contract;
mod error;
#[cfg(feature = "mock")]
pub mod mock;
#[cfg(feature = "mock")]
#[path = "stand_in/mock_operations.rs"]
mod mock_operations;
#[path = "stand_in/operations.rs"]
mod operations;
mod paging;
mod retry;
pub mod signing;
#[path = "stand_in/types.rs"]
pub mod types;
#[path = "stand_in/webhook_events.rs"]
mod webhook_events;
pub mod webhooks;

/// Wire formats that serde's defaults get wrong: exact decimals, tolerant date-times,
/// strings sent as numbers and unknown enum values.
mod wire {
    pub(crate) mod date_time;
    pub(crate) mod decimal;
    mod field;
    pub(crate) mod string_or_number;
    pub(crate) mod unknown_value;
}

#[cfg(all(test, feature = "mock"))]
#[path = "stand_in/mock_tests.rs"]
mod stand_in_mock_tests;
#[cfg(test)]
#[path = "stand_in/tests.rs"]
mod stand_in_tests;

pub use client::*;
pub use clock::{Clock, FixedClock, SystemClock};
pub use contract::DEFAULT_BASE_URL;
pub use error::{ApiError, BuildError, Error, RawBody};
pub use retry::{RequestOptions, RetryPolicy};
pub use webhooks::{Webhook, WebhookError, WebhookEvent, WebhookVerifier};
pub use wire::unknown_value::UnknownValue;

pub use reqwest;
pub use rust_decimal::Decimal;
pub use secrecy::SecretString;
pub use time::OffsetDateTime;
pub use uuid::Uuid;

/// For the project's benchmarks, which time the client's own work per call without a
/// network. Only this crate has it: it is not copied into generated crates, and this crate
/// is never published.
#[doc(hidden)]
pub mod bench {
    use crate::{Client, Error};

    /// The URL of the operation with this operationId.
    pub fn operation_url(client: &Client, operation_id: &str) -> Option<reqwest::Url> {
        let index = crate::contract::OPERATIONS
            .iter()
            .position(|operation| operation.id == operation_id)?;
        client.inner.urls.get(index).cloned()
    }

    /// One attempt's signed request, built but not sent.
    ///
    /// # Errors
    ///
    /// As for a call, when the payload cannot be encoded.
    pub fn signed_request<P: serde::Serialize>(
        client: &Client,
        url: &reqwest::Url,
        payload: &P,
    ) -> Result<reqwest::Request, Error> {
        client.signed_request(url, payload)
    }
}
