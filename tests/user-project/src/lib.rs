//! A merchant's code, as a user of the generated client writes it: the functions the tests
//! in `tests/` exercise, with the client's mock and with the sandbox, the way a user's own
//! tests would.

use calypso_customer_purse::reqwest::header::HeaderMap;
use calypso_customer_purse::types::{
    CreateCustomerRequest, Customer, ErrorCode, ExternalIdRequest, FindTransactionsRequest,
    PurseDepositEvent, Transaction,
};
use calypso_customer_purse::{
    Client, Decimal, Deduplicate, DeliveryId, Error, Uuid, Webhook, WebhookError, WebhookEvent,
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
    /// A delivery handled before (the API sent it again): nothing to do, and nothing to
    /// credit. Only [`handle_webhook_once`] says so.
    Repeat(DeliveryId),
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
    /// Verified, but whether it was handled before could not be told (the deduplicator's
    /// store failed): answered 5xx, so that the API sends it again.
    Undeduplicated(Box<dyn std::error::Error + Send + Sync>),
}

impl std::fmt::Display for WebhookRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unverified(error) => write!(f, "webhook not verified: {error}"),
            Self::Unreadable { event_type, reason } => {
                write!(f, "{event_type} webhook unreadable: {reason}")
            }
            Self::Undeduplicated(error) => {
                write!(f, "webhook not told from a repeat: {error}")
            }
        }
    }
}

impl std::error::Error for WebhookRefused {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unverified(error) => Some(error),
            Self::Unreadable { .. } => None,
            Self::Undeduplicated(error) => Some(error.as_ref()),
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

/// [`handle_webhook`], each delivery once: a delivery `seen` was told of before (the API
/// sends an event again until it gets a 2xx) is [`Handled::Repeat`], so a confirmed deposit
/// is credited on its first delivery only. A webhook without an identity is handled as a
/// first delivery.
///
/// With an in-memory `seen`, a delivery is recorded before it is acted on: if crediting then
/// fails, its repeat is not credited either. Backed by the ledger's database, in the
/// transaction that credits, a delivery takes effect exactly once.
///
/// # Errors
///
/// As for [`handle_webhook`]; and [`WebhookRefused::Undeduplicated`] when `seen` cannot
/// answer.
pub fn handle_webhook_once<D: Deduplicate>(
    verifier: &WebhookVerifier,
    seen: &D,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Handled, WebhookRefused> {
    let webhook = verifier.verify(headers, body)?;
    if let Some(id) = webhook.identity() {
        let first = seen
            .first_delivery(id)
            .map_err(|error| WebhookRefused::Undeduplicated(Box::new(error)))?;
        if !first {
            return Ok(Handled::Repeat(id.clone()));
        }
    }
    handle(webhook)
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
