//! For the project's benchmarks, which time the client's own work per call without a
//! network. Only the runtime crate has it: it is never copied into a generated crate (see
//! `codegen/src/runtime.rs`), and this crate is never published.

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
    client.signed_request(crate::params::Method::Post, url, Some(payload))
}
