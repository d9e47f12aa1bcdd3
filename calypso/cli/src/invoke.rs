// Copied by `cargo xtask codegen` from codegen/cli-runtime/src/invoke.rs. Do not edit: change that file and regenerate.

//! Running an operation: one call, and its answer printed as received.

use std::time::Instant;

use serde_json::value::RawValue;

use crate::app::Context;
use crate::contract::OPERATIONS;
use crate::failure::Failure;

/// Calls `operation_id` once and prints the response. `R` is the response type the spec
/// gives: a body that does not read as it is still printed, with a warning.
pub(crate) async fn one<P, R>(
    context: &Context,
    operation_id: &str,
    payload: &P,
) -> Result<(), Failure>
where
    P: serde::Serialize,
    R: serde::de::DeserializeOwned,
{
    let (client, _) = context.connect()?;
    let body = send(context, &client, operation_id, payload).await?;
    if let Err(error) = serde_json::from_str::<R>(body.get()) {
        eprintln!(
            "warning: {operation_id}: the response does not read as the spec describes it ({error}); printed as received"
        );
    }
    context.output.json(body.get())
}

/// One call, with what `--verbose` shows around it.
pub(crate) async fn send<P: serde::Serialize>(
    context: &Context,
    client: &client::Client,
    operation_id: &str,
    payload: &P,
) -> Result<Box<RawValue>, Failure> {
    if context.global.verbose > 0 {
        let (method, path, body) = OPERATIONS
            .iter()
            .find(|(id, ..)| *id == operation_id)
            .map_or(("", "", false), |(_, method, path, body)| {
                (*method, *path, *body)
            });
        crate::verbose::request(client, method, path, body);
    }
    let started = Instant::now();
    let result = client.call_raw(operation_id, payload).await;
    if context.global.verbose > 0 {
        crate::verbose::finished(operation_id, started.elapsed(), result.as_ref().err());
    }
    result.map_err(|error| Failure::call(operation_id, &error))
}
