// Copied by `cargo xtask codegen` from codegen/client-runtime/src/webhook_axum.rs. Do not edit: change that file and regenerate.

//! The axum (0.8) extractor of the `axum` feature: [`Delivery`] reads the raw body up to the
//! limit of the [`WebhookReceiver`] in the app's state and checks it, and a
//! [`WebhookRefusal`] is answered with its status and reason, before the handler runs.
//!
//! Built on `axum-core`, which axum re-exports, so that the feature does not pull the rest of
//! axum's tree into a crate that only defines the extractor.

use axum_core::extract::{FromRef, FromRequest, Request};
use axum_core::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::webhook_receiver::{Delivery, WebhookReceiver, WebhookRefusal};
use crate::webhooks::{VerifiedWebhook, Webhook};

/// A delivery checked and read by the [`WebhookReceiver`] of the app's state (the state
/// itself, or a part of it through `FromRef`): a handler taking it runs only for a delivery
/// that checked out.
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl<S> FromRequest<S> for Delivery<Webhook>
where
    WebhookReceiver: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRefusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        extract(
            request,
            WebhookReceiver::from_ref(state),
            WebhookReceiver::receive,
        )
        .await
    }
}

/// A delivery checked by the [`WebhookReceiver`] of the app's state and kept unread, to
/// queue or store: see [`WebhookReceiver::receive_verified`].
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl<S> FromRequest<S> for Delivery<VerifiedWebhook>
where
    WebhookReceiver: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRefusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        extract(
            request,
            WebhookReceiver::from_ref(state),
            WebhookReceiver::receive_verified,
        )
        .await
    }
}

/// Answers with the refusal's status and its short reason as plain text.
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl IntoResponse for WebhookRefusal {
    fn into_response(self) -> Response {
        self.response().into_response()
    }
}

/// One of the receiver's `receive` methods.
type Receive<T> =
    fn(&WebhookReceiver, &http::HeaderMap, &[u8]) -> Result<Delivery<T>, WebhookRefusal>;

/// A delivery as `receive` makes it of the request's headers and body, read up to the
/// receiver's limit: a longer body is refused before more of it than that is read.
async fn extract<T>(
    request: Request,
    receiver: WebhookReceiver,
    receive: Receive<T>,
) -> Result<Delivery<T>, WebhookRefusal> {
    let (parts, body) = request.into_parts();
    let limit = receiver.body_limit();
    let body = Limited::new(body, limit)
        .collect()
        .await
        .map_err(|error| match error.downcast_ref::<LengthLimitError>() {
            Some(_) => WebhookRefusal::TooLarge { limit },
            None => WebhookRefusal::BodyUnreadable(error),
        })?
        .to_bytes();
    receive(&receiver, &parts.headers, &body)
}
