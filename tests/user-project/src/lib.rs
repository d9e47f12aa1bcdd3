//! A merchant's code, as a user of the generated client writes it: the functions the tests
//! in `tests/` exercise, with the client's mock and with the sandbox, the way a user's own
//! tests would.

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use calypso_customer_purse::reqwest::header::HeaderMap;
use calypso_customer_purse::types::{
    CreateCustomerRequest, Customer, ErrorCode, ExternalIdRequest, FindTransactionsRequest,
    PurseDepositEvent, Transaction,
};
use calypso_customer_purse::{
    Client, Decimal, Delivery, Error, Uuid, Webhook, WebhookError, WebhookEvent, WebhookReceiver,
    WebhookVerifier,
};

/// The customer with this external id: found, or created when the API does not know it.
///
/// # Errors
///
/// Any error of the lookup but "not found", or of the creation.
pub async fn onboard(client: &Client, external_id: &str) -> Result<Customer, Error> {
    match client
        .get_customer_by_external_id(&ExternalIdRequest::new(external_id))
        .await
    {
        Ok(customer) => Ok(customer),
        Err(Error::Api(refused)) if refused.body.error_code == Some(ErrorCode::NotFound) => {
            let create = CreateCustomerRequest::new().with_external_id(external_id);
            client.create_customer(&create).await
        }
        Err(error) => Err(error),
    }
}

/// Every deposit transaction of a customer, all pages walked.
///
/// # Errors
///
/// The first error of any page.
pub async fn deposits_of(client: &Client, customer_id: Uuid) -> Result<Vec<Transaction>, Error> {
    let query = FindTransactionsRequest::new()
        .with_customer_id(customer_id)
        .with_page_size(2);
    client.find_transactions_all(&query).await
}

/// What [`handle_webhook`] made of a webhook whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// `CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE`: a deposit is confirmed; credit the customer.
    ///
    /// The API sends an event again when the receiver does not answer 2xx, so the same deposit
    /// can arrive twice: credit each transaction id once.
    DepositConfirmed(ConfirmedDeposit),
    /// Another step of a deposit (seen in the mempool, under compliance check, declined, or
    /// credited to the merchant account): nothing to credit.
    DepositStep {
        /// The event type, e.g. `CUSTOMER_PURSE_PENDING_COMPLIANCE`.
        event_type: String,
        /// The deposit's transaction.
        transaction_id: Uuid,
    },
    /// An event this code does not act on: an expired address, or a type the client does not
    /// know.
    Ignored {
        /// The event type as sent.
        event_type: String,
    },
}

/// A confirmed deposit, as a merchant credits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedDeposit {
    /// The deposit's transaction, for `get_transaction` and for crediting it once.
    pub transaction_id: Uuid,
    /// The customer who paid.
    pub customer_id: Uuid,
    /// The amount received, exact.
    pub amount: Decimal,
    /// The currency code, e.g. `USDT_TRC20`.
    pub currency: String,
}

/// Why [`handle_webhook`] refused a webhook; the receiver answers it with a 4xx.
#[derive(Debug)]
pub enum WebhookRefused {
    /// Not verified: another subscription's key, a signature that does not match the body
    /// (forged, or changed on the way), or not a webhook at all.
    Unverified(WebhookError),
    /// Signed by the API, but data that does not fit its event type, or a deposit event
    /// without what acting on it needs.
    Unreadable {
        /// The event type as sent.
        event_type: String,
        /// What is missing or malformed.
        reason: String,
    },
}

impl std::fmt::Display for WebhookRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unverified(error) => write!(f, "webhook not verified: {error}"),
            Self::Unreadable { event_type, reason } => {
                write!(f, "{event_type} webhook unreadable: {reason}")
            }
        }
    }
}

impl std::error::Error for WebhookRefused {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unverified(error) => Some(error),
            Self::Unreadable { .. } => None,
        }
    }
}

impl From<WebhookError> for WebhookRefused {
    fn from(error: WebhookError) -> Self {
        Self::Unverified(error)
    }
}

/// The merchant's webhook endpoint, without its HTTP server: checks that a delivery comes from
/// the subscription `verifier` was made with and says what to do with it.
///
/// `body` must be the request body exactly as received: the signature covers those bytes.
///
/// # Errors
///
/// [`WebhookRefused::Unverified`] for a delivery that does not check out, and
/// [`WebhookRefused::Unreadable`] for an event whose data does not fit its type, or a deposit
/// event without the transaction id (a UUID) or, confirmed, the customer id, amount or
/// currency.
pub fn handle_webhook(
    verifier: &WebhookVerifier,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Handled, WebhookRefused> {
    handle(verifier.verify(headers, body)?)
}

/// The merchant's books: the deposits credited.
///
/// A real ledger is a database; there, the delivery's id is recorded in the transaction that
/// credits (see the client's docs on `Deduplicate`), which makes a delivery take effect
/// exactly once, even across restarts.
#[derive(Debug, Default)]
pub struct Ledger {
    credits: Mutex<Vec<ConfirmedDeposit>>,
}

impl Ledger {
    /// The deposits credited, in order.
    pub fn credits(&self) -> Vec<ConfirmedDeposit> {
        self.lock().clone()
    }

    fn credit(&self, deposit: ConfirmedDeposit) {
        self.lock().push(deposit);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ConfirmedDeposit>> {
        self.credits.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the webhook endpoint shares between requests: the client's receiver (the
/// subscription's verifier and a deduplicator) and the ledger.
#[derive(Debug, Clone)]
pub struct WebhookState {
    /// Checks each delivery and tells first deliveries from repeats.
    pub receiver: WebhookReceiver,
    /// Where confirmed deposits are credited.
    pub ledger: Arc<Ledger>,
}

/// Where the client's `Delivery` extractor finds the receiver.
impl FromRef<WebhookState> for WebhookReceiver {
    fn from_ref(state: &WebhookState) -> Self {
        state.receiver.clone()
    }
}

/// The merchant's webhook endpoint, `POST path`: the client's extractor checks each delivery
/// (a refused one never reaches the handler: 401, 400 or 413, with a short reason), and a
/// confirmed deposit is credited on its first delivery only.
pub fn webhook_endpoint(path: &str, state: WebhookState) -> Router {
    Router::new()
        .route(path, post(receive_webhook))
        .with_state(state)
}

/// A checked delivery: acted on the first time, answered 200 again for a repeat. A delivery
/// that cannot be acted on is answered 422 and forgotten, so that its next copy is handled.
async fn receive_webhook(
    State(state): State<WebhookState>,
    delivery: Delivery<Webhook>,
) -> Result<StatusCode, (StatusCode, String)> {
    let Delivery::First(webhook) = delivery else {
        return Ok(StatusCode::OK);
    };
    let identity = webhook.identity().cloned();
    match handle(webhook) {
        Ok(Handled::DepositConfirmed(deposit)) => state.ledger.credit(deposit),
        Ok(_) => {}
        Err(refused) => {
            if let Some(id) = identity {
                state
                    .receiver
                    .forget(&id)
                    .map_err(|error| (error.status(), error.reason().to_owned()))?;
            }
            return Err((StatusCode::UNPROCESSABLE_ENTITY, refused.to_string()));
        }
    }
    Ok(StatusCode::OK)
}

/// What to do with a verified webhook.
fn handle(webhook: Webhook) -> Result<Handled, WebhookRefused> {
    let event_type = webhook.event.event_type().to_owned();
    let unreadable = |reason: String| WebhookRefused::Unreadable {
        event_type: event_type.clone(),
        reason,
    };
    match webhook.event {
        WebhookEvent::CustomerPurseFundsReceivedForPurse(deposit) => confirmed(&deposit)
            .map(Handled::DepositConfirmed)
            .map_err(unreadable),
        WebhookEvent::CustomerPurseMemPoolFound(deposit)
        | WebhookEvent::CustomerPursePendingCompliance(deposit)
        | WebhookEvent::CustomerPurseComplianceDeclined(deposit)
        | WebhookEvent::CustomerPurseTranslationToAccountCompleted(deposit) => {
            let transaction_id = transaction_id(&deposit).map_err(unreadable)?;
            Ok(Handled::DepositStep {
                event_type,
                transaction_id,
            })
        }
        WebhookEvent::Untyped { reason, .. } => Err(unreadable(reason)),
        _ => Ok(Handled::Ignored { event_type }),
    }
}

fn confirmed(deposit: &PurseDepositEvent) -> Result<ConfirmedDeposit, String> {
    Ok(ConfirmedDeposit {
        transaction_id: transaction_id(deposit)?,
        customer_id: deposit.customer_id.ok_or("no customerId")?,
        amount: deposit.amount.ok_or("no amount")?,
        currency: deposit.currency.clone().ok_or("no currency")?,
    })
}

/// The event's transaction id, as the UUID `get_transaction` takes.
fn transaction_id(deposit: &PurseDepositEvent) -> Result<Uuid, String> {
    let text = deposit
        .transaction_id
        .as_deref()
        .ok_or("no transactionId")?;
    Uuid::parse_str(text).map_err(|_| format!("transactionId `{text}` is not a UUID"))
}
