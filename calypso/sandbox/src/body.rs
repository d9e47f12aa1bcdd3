//! Reading a request body with bounds on its size and on the time it takes, so that no request
//! makes the sandbox hold more than [`Settings::max_body_bytes`] or wait for ever.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};

use crate::Settings;

/// The whole body, or why it was not read: its `Content-Length` announces more than the limit
/// (refused before reading a byte), more than the limit arrived, the connection failed, or
/// it did not all arrive within [`Settings::body_timeout`].
pub(crate) async fn read(
    settings: &Settings,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, String> {
    let limit = settings.max_body_bytes;
    // hyper has already refused a `Content-Length` that is not a number.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if let Some(length) = announced
        && usize::try_from(length).map_or(true, |length| length > limit)
    {
        return Err(format!(
            "request body is larger than {limit} bytes: Content-Length is {length}"
        ));
    }
    let timeout = settings.body_timeout;
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => Err(format!(
            "request body could not be read or is larger than {limit} bytes: {error}"
        )),
        Err(_) => Err(format!(
            "request body did not arrive within {} ms",
            timeout.as_millis()
        )),
    }
}
