//! A webhook endpoint's checks in one call: the body's size limit, the key and signature of a
//! [`WebhookVerifier`], the body read into a [`Webhook`], and, with a [`Deduplicate`], a first
//! delivery told from a repeat. A refusal is a [`WebhookRefusal`] that knows its HTTP status.
//!
//! With the `axum` feature, [`Delivery`] is an axum extractor that finds the
//! [`WebhookReceiver`] in the app's state. Any other server calls
//! [`receive`](WebhookReceiver::receive) with the headers and the body as received, or
//! [`receive_request`](WebhookReceiver::receive_request) with an `http::Request`.

use std::error::Error as StdError;
use std::sync::Arc;

use http::{HeaderMap, Request, Response, StatusCode};

use crate::webhooks::{
    Deduplicate, DeliveryId, VerifiedWebhook, Webhook, WebhookError, WebhookVerifier,
};

/// An error of a [`Deduplicate`] implementation, or of reading a body, whatever its type.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// A delivery that checked out, first or repeated: what a webhook handler gets from a
/// [`WebhookReceiver`] (with the `axum` feature, as an extractor).
///
/// Without a deduplicator, and for a webhook without an
/// [`identity`](Webhook::identity), every delivery is [`First`](Self::First).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery<T> {
    /// The first time this delivery arrives, as far as the deduplicator knows: handle it.
    First(T),
    /// The deduplicator has seen this delivery before (the API sent it again, having had no
    /// 2xx answer in time): answer 2xx without handling it again.
    Repeat(T),
}

impl<T> Delivery<T> {
    /// Whether this is the first delivery.
    pub fn is_first(&self) -> bool {
        matches!(self, Self::First(_))
    }

    /// The webhook, first or repeated.
    pub fn get(&self) -> &T {
        match self {
            Self::First(webhook) | Self::Repeat(webhook) => webhook,
        }
    }

    /// The webhook, first or repeated.
    pub fn into_inner(self) -> T {
        match self {
            Self::First(webhook) | Self::Repeat(webhook) => webhook,
        }
    }
}

/// What a webhook endpoint checks, shared by every request: a [`WebhookVerifier`], a body
/// size limit and, optionally, a [`Deduplicate`]. Cheap to clone (the parts are shared), so
/// it can be an app's state, or part of it.
#[derive(Clone)]
pub struct WebhookReceiver {
    verifier: Arc<WebhookVerifier>,
    deduplicator: Option<Arc<dyn SharedDeduplicator>>,
    body_limit: usize,
}

/// Shows the verifier (public keys only), the limit and whether it deduplicates.
impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("verifier", &self.verifier)
            .field("deduplicates", &self.deduplicator.is_some())
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

impl WebhookReceiver {
    /// The body size limit of [`new`](Self::new): 1 MiB, far above any webhook of the API.
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

    /// A receiver that checks deliveries with `verifier`, refuses bodies longer than
    /// [`DEFAULT_BODY_LIMIT`](Self::DEFAULT_BODY_LIMIT) bytes and does not deduplicate.
    pub fn new(verifier: WebhookVerifier) -> Self {
        Self {
            verifier: Arc::new(verifier),
            deduplicator: None,
            body_limit: Self::DEFAULT_BODY_LIMIT,
        }
    }

    /// This receiver, telling first deliveries from repeats with `deduplicator`, e.g. an
    /// [`InMemoryDeduplicator`](crate::webhooks::InMemoryDeduplicator).
    #[must_use]
    pub fn deduplicate_with<D>(mut self, deduplicator: D) -> Self
    where
        D: Deduplicate + Send + Sync + 'static,
    {
        self.deduplicator = Some(Arc::new(deduplicator));
        self
    }

    /// This receiver, refusing bodies longer than `bytes`.
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The longest body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// The verifier.
    pub fn verifier(&self) -> &WebhookVerifier {
        &self.verifier
    }

    /// Checks and reads a delivery, and says whether it is the first: for a server whose
    /// headers are an `http::HeaderMap` (hyper, axum without the `axum` feature, and others).
    ///
    /// `body` must be the request body exactly as received, as for
    /// [`WebhookVerifier::verify`].
    ///
    /// # Errors
    ///
    /// A [`WebhookRefusal`], with the status to answer: the body is too long (413), a
    /// header is missing or the key or signature does not check out (401), the body is not
    /// a webhook (400), or the deduplicator failed (500).
    pub fn receive(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Delivery<Webhook>, WebhookRefusal> {
        self.check_length(headers, body.len())?;
        let webhook = self.verifier.verify(headers, body)?;
        let first = self.first_delivery(webhook.identity())?;
        Ok(Self::delivery(first, webhook))
    }

    /// [`receive`](Self::receive), with the headers and body of an `http::Request`, e.g.
    /// hyper's once its body is collected.
    ///
    /// # Errors
    ///
    /// As for [`receive`](Self::receive).
    pub fn receive_request<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
    ) -> Result<Delivery<Webhook>, WebhookRefusal> {
        self.receive(request.headers(), request.body().as_ref())
    }

    /// Checks a delivery's key and signature and says whether it is the first, keeping its
    /// body unread, as [`WebhookVerifier::verify_only`] does: to queue or store it, and
    /// parse it later.
    ///
    /// # Errors
    ///
    /// As for [`receive`](Self::receive), but for a body that is not a webhook, which is
    /// left to [`VerifiedWebhook::parse`].
    pub fn receive_verified(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Delivery<VerifiedWebhook>, WebhookRefusal> {
        self.check_length(headers, body.len())?;
        let verified = self.verifier.verify_only(headers, body)?;
        let first = self.first_delivery(verified.identity().as_ref())?;
        Ok(Self::delivery(first, verified))
    }

    /// Forgets that `id` was delivered, so that its next copy is a first delivery again:
    /// call it when handling a first delivery fails, before answering with an error, so
    /// that the API's retry is handled. Does nothing without a deduplicator.
    ///
    /// # Errors
    ///
    /// [`WebhookRefusal::Undeduplicated`] when the deduplicator cannot forget.
    pub fn forget(&self, id: &DeliveryId) -> Result<(), WebhookRefusal> {
        match &self.deduplicator {
            Some(deduplicator) => deduplicator
                .forget(id)
                .map_err(WebhookRefusal::Undeduplicated),
            None => Ok(()),
        }
    }

    /// Refuses a body longer than the limit, or announced so by its `Content-Length`.
    fn check_length(&self, headers: &HeaderMap, length: usize) -> Result<(), WebhookRefusal> {
        let announced = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let limit = u64::try_from(self.body_limit).unwrap_or(u64::MAX);
        let length = u64::try_from(length).unwrap_or(u64::MAX);
        if length > limit || announced > limit {
            return Err(WebhookRefusal::TooLarge {
                limit: self.body_limit,
            });
        }
        Ok(())
    }

    /// Whether the delivery with `id` is new; a delivery without one always is.
    fn first_delivery(&self, id: Option<&DeliveryId>) -> Result<bool, WebhookRefusal> {
        match (&self.deduplicator, id) {
            (Some(deduplicator), Some(id)) => deduplicator
                .first_delivery(id)
                .map_err(WebhookRefusal::Undeduplicated),
            _ => Ok(true),
        }
    }

    fn delivery<T>(first: bool, webhook: T) -> Delivery<T> {
        if first {
            Delivery::First(webhook)
        } else {
            Delivery::Repeat(webhook)
        }
    }
}

/// A [`Deduplicate`] whatever its error type, so that a receiver has no type parameter and
/// an axum app's state can hold it.
trait SharedDeduplicator: Send + Sync {
    fn first_delivery(&self, id: &DeliveryId) -> Result<bool, BoxError>;
    fn forget(&self, id: &DeliveryId) -> Result<(), BoxError>;
}

impl<D: Deduplicate + Send + Sync> SharedDeduplicator for D {
    fn first_delivery(&self, id: &DeliveryId) -> Result<bool, BoxError> {
        Deduplicate::first_delivery(self, id).map_err(|error| Box::new(error) as BoxError)
    }

    fn forget(&self, id: &DeliveryId) -> Result<(), BoxError> {
        Deduplicate::forget(self, id).map_err(|error| Box::new(error) as BoxError)
    }
}

/// Why a [`WebhookReceiver`] refused a delivery; [`status`](Self::status) is the HTTP status
/// to answer with, and [`reason`](Self::reason) a short text for the answer's body. The API
/// sends a refused delivery again, unless the refusal is final for it.
///
/// Its `Display` says more, for logs; neither says anything secret.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRefusal {
    /// The body is longer than the receiver's limit, or its `Content-Length` says so: 413.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A header is missing, or the key or the signature does not check out: 401. The
    /// delivery is not from the API, or not for this subscription.
    Unverified(WebhookError),
    /// The delivery checked out, but its body is not a webhook: 400.
    Unreadable(WebhookError),
    /// The body could not be read from the connection: 400.
    BodyUnreadable(BoxError),
    /// The deduplicator failed, so whether this is a repeat is not known: 500, and the API
    /// will send it again.
    Undeduplicated(BoxError),
}

impl WebhookRefusal {
    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unverified(_) => StatusCode::UNAUTHORIZED,
            Self::Unreadable(_) | Self::BodyUnreadable(_) => StatusCode::BAD_REQUEST,
            Self::Undeduplicated(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short reason, for the body of the answer.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "webhook body too large",
            Self::Unverified(WebhookError::MissingHeader(_)) => "webhook signature headers missing",
            Self::Unverified(WebhookError::WrongKey) => "webhook key not accepted",
            Self::Unverified(_) => "webhook signature does not match",
            Self::Unreadable(_) => "webhook body is not a webhook",
            Self::BodyUnreadable(_) => "webhook body could not be read",
            Self::Undeduplicated(_) => "webhook could not be recorded",
        }
    }

    /// The answer: the status, with the reason as a plain-text body. For a server built on
    /// `http` types, such as hyper.
    pub fn response(&self) -> Response<String> {
        let mut response = Response::new(self.reason().to_owned());
        *response.status_mut() = self.status();
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

impl From<WebhookError> for WebhookRefusal {
    fn from(error: WebhookError) -> Self {
        match error {
            WebhookError::MissingHeader(_)
            | WebhookError::WrongKey
            | WebhookError::MalformedSignature
            | WebhookError::BadSignature => Self::Unverified(error),
            WebhookError::MissingEventType
            | WebhookError::InvalidBody(_)
            | WebhookError::InvalidData { .. } => Self::Unreadable(error),
        }
    }
}

impl std::fmt::Display for WebhookRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { limit } => {
                write!(
                    f,
                    "the webhook body is longer than the limit of {limit} bytes"
                )
            }
            Self::Unverified(error) | Self::Unreadable(error) => error.fmt(f),
            Self::BodyUnreadable(error) => write!(f, "the webhook body could not be read: {error}"),
            Self::Undeduplicated(error) => {
                write!(f, "whether the webhook is a repeat is not known: {error}")
            }
        }
    }
}

impl StdError for WebhookRefusal {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::TooLarge { .. } => None,
            Self::Unverified(error) | Self::Unreadable(error) => Some(error),
            Self::BodyUnreadable(error) | Self::Undeduplicated(error) => Some(&**error),
        }
    }
}
