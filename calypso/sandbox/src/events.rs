//! The sandbox's webhooks as its users see them: event types, subscriptions, every event
//! raised with each delivery to a subscription and every attempt, the retry schedule, and the
//! wait for deliveries that spares tests a poll loop.

use std::time::Duration;

use calypso_customer_purse::Uuid;
use calypso_customer_purse::types::{Transaction, TransactionState};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// One event the sandbox raised, with its deliveries. Events are kept even when no
/// subscription asked for them, so that one made later can be sent them again
/// ([`Sandbox::resend`](crate::Sandbox::resend)).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The envelope's `id`; the sandbox's events are numbered 1, 2, 3, …
    pub id: i64,
    /// The envelope's `eventType`.
    pub event_type: WebhookEventType,
    /// The merchant account it belongs to.
    pub account: String,
    /// The envelope's `createdDate`, as the provider writes it (local, no zone).
    pub created_date: String,
    /// The envelope's `data`, as sent: read it with [`Event::data`].
    pub data: Box<RawValue>,
    /// One per subscription it was sent to, in the order they were made.
    pub deliveries: Vec<Delivery>,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.event_type == other.event_type
            && self.account == other.account
            && self.created_date == other.created_date
            && self.data.get() == other.data.get()
            && self.deliveries == other.deliveries
    }
}

impl Event {
    /// The `data` as a `T`, e.g. [`PurseDepositEvent`] or [`PurseExpiredEvent`].
    ///
    /// [`PurseDepositEvent`]: calypso_customer_purse::types::PurseDepositEvent
    /// [`PurseExpiredEvent`]: calypso_customer_purse::types::PurseExpiredEvent
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.data.get())
    }
}

/// One event sent, or to be sent, to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The subscription's `requestId`.
    pub subscription: Uuid,
    /// Where it is POSTed.
    pub url: String,
    /// Whether it is still being tried, was delivered, or was given up.
    pub outcome: DeliveryOutcome,
    /// Every attempt, oldest first; a resend adds more.
    pub attempts: Vec<Attempt>,
    /// When the next attempt is due on the sandbox clock (RFC 3339); `None` when none is
    /// scheduled or the first is being made.
    pub next_attempt_at: Option<String>,
}

/// One POST of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// When it was made, on the sandbox clock (RFC 3339).
    pub at: String,
    /// The receiver's HTTP status, or why there was none.
    pub status: DeliveryStatus,
    /// How long the receiver took to answer, in milliseconds.
    pub latency_millis: u64,
}

impl Attempt {
    /// Whether the receiver answered 2xx.
    pub fn delivered(&self) -> bool {
        matches!(self.status, DeliveryStatus::Http(code) if (200..300).contains(&code))
    }
}

/// When a failed delivery is tried again: after each delay in turn, each varied at random by
/// up to `jitter` of itself, then given up. Delays run on the sandbox clock, so moving it
/// ([`Sandbox::advance_clock`](crate::Sandbox::advance_clock)(crate::Sandbox::advance_clock)) fires the retries it passes;
/// they also fire when that much real time has passed.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    /// The waits before the second, third, … attempt; the delivery has `delays.len() + 1`
    /// attempts in all.
    pub delays: Vec<Duration>,
    /// How much of each delay is varied at random, from 0 (none) to 1 (up to ±100 %).
    pub jitter: f64,
}

impl RetrySchedule {
    /// Three attempts, 100 ms and 200 ms apart, without jitter: what tests want (the default).
    pub fn quick() -> Self {
        Self {
            delays: vec![Duration::from_millis(100), Duration::from_millis(200)],
            jitter: 0.0,
        }
    }

    /// The example schedule of Standard Webhooks, ±10 %: at once, then after 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h and 10 h.
    pub fn standard_webhooks() -> Self {
        let minutes = |n: u64| Duration::from_secs(n * 60);
        Self {
            delays: vec![
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(600),
            ],
            jitter: 0.1,
        }
    }

    /// How many attempts a delivery gets before it is given up.
    pub fn attempts(&self) -> usize {
        self.delays.len() + 1
    }

    /// The wait after the `failed`-th failed attempt of a round (1-based); `None` when that was
    /// the last. `random` is uniform in [0, 1).
    pub(crate) fn delay_after(&self, failed: usize, random: f64) -> Option<Duration> {
        let delay = *self.delays.get(failed.checked_sub(1)?)?;
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + jitter * (2.0 * random.clamp(0.0, 1.0) - 1.0);
        Some(delay.mul_f64(factor.max(0.0)))
    }
}

impl Default for RetrySchedule {
    /// [`RetrySchedule::quick`].
    fn default() -> Self {
        Self::quick()
    }
}

/// A wait for deliveries ran out of time; shows what there was.
#[derive(Debug, Clone)]
pub struct WaitTimeout {
    /// How long it waited.
    pub waited: Duration,
    /// The deliveries when it gave up.
    pub deliveries: Vec<WebhookDelivery>,
}

impl std::fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "what was awaited did not happen within {:?}; the deliveries were:",
            self.waited
        )?;
        if self.deliveries.is_empty() {
            return f.write_str(" none");
        }
        for delivery in &self.deliveries {
            write!(
                f,
                "\n  event {} {} -> {}: {:?} after {} attempt(s), last {:?}",
                delivery.event_id,
                delivery.event_type,
                delivery.url,
                delivery.outcome,
                delivery.attempts,
                delivery.status
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for WaitTimeout {}

/// Which subscription to send an event to again, as `POST /sandbox/events/{id}/resend` takes
/// it; an empty body sends it to every subscription that asks for its type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resend {
    /// Only this subscription (its `requestId`), which must be of the event's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Uuid>,
}

/// A webhook event type of the `CUSTOMER_PURSE` service, written as the provider writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookEventType {
    /// `CUSTOMER_PURSE_MEM_POOL_FOUND`: a deposit was seen in the mempool (the transaction was
    /// created).
    CustomerPurseMemPoolFound,
    /// `CUSTOMER_PURSE_PENDING_COMPLIANCE`: the deposit is under compliance check.
    CustomerPursePendingCompliance,
    /// `CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE`: the deposit is `CONFIRMED`.
    CustomerPurseFundsReceivedForPurse,
    /// `CUSTOMER_PURSE_COMPLIANCE_DECLINED`: the deposit is `DECLINED`; the address is blocked.
    CustomerPurseComplianceDeclined,
    /// `CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED`: the funds were credited to the
    /// merchant account.
    CustomerPurseTranslationToAccountCompleted,
    /// `CUSTOMER_PURSE_EXPIRED`: an address expired, 30 days after it was handed out without a
    /// deposit or 365 days after its last one, on the sandbox clock
    /// ([`Sandbox::advance_clock`](crate::Sandbox::advance_clock) moves it).
    CustomerPurseExpired,
}

impl WebhookEventType {
    /// The name on the wire, e.g. `CUSTOMER_PURSE_MEM_POOL_FOUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerPurseMemPoolFound => "CUSTOMER_PURSE_MEM_POOL_FOUND",
            Self::CustomerPursePendingCompliance => "CUSTOMER_PURSE_PENDING_COMPLIANCE",
            Self::CustomerPurseFundsReceivedForPurse => "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE",
            Self::CustomerPurseComplianceDeclined => "CUSTOMER_PURSE_COMPLIANCE_DECLINED",
            Self::CustomerPurseTranslationToAccountCompleted => {
                "CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED"
            }
            Self::CustomerPurseExpired => "CUSTOMER_PURSE_EXPIRED",
        }
    }

    /// The event a simulated deposit raises on reaching `transaction`'s state: the creation in
    /// `MEM_POOL_FOUND` and each step of [`Sandbox::advance`](crate::Sandbox::advance).
    pub(crate) fn after_step(transaction: &Transaction) -> Option<Self> {
        match transaction.transaction_state {
            TransactionState::MemPoolFound => Some(Self::CustomerPurseMemPoolFound),
            TransactionState::PendingComplianceCheck => Some(Self::CustomerPursePendingCompliance),
            TransactionState::Confirmed if transaction.translation_to_account_completed => {
                Some(Self::CustomerPurseTranslationToAccountCompleted)
            }
            TransactionState::Confirmed => Some(Self::CustomerPurseFundsReceivedForPurse),
            TransactionState::Declined => Some(Self::CustomerPurseComplianceDeclined),
            _ => None,
        }
    }
}

impl std::fmt::Display for WebhookEventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A webhook subscription to make, like the provider's `subscription/webhook/create`, but
/// sandbox-only and unauthenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRegistration {
    /// The merchant account whose deposits are sent; one of the sandbox's accounts.
    pub account: String,
    /// Where events are POSTed: an `http://` URL. `https://` is accepted but cannot be reached,
    /// since the sandbox is built without TLS.
    pub url: String,
    /// Only these event types are sent; every type when absent. When given, not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<WebhookEventType>>,
}

/// A webhook subscription the sandbox made: every delivery to `url` carries `Key: public_key`
/// and `Sign`, the lowercase hex HMAC-SHA512 of the body bytes keyed with `secret_key`'s UTF-8
/// bytes. `Debug` does not show the secret key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscription {
    /// Identifies the subscription; every envelope sent for it carries it as `requestId`.
    pub request_id: Uuid,
    /// The `Key` header of its deliveries: 32 lowercase hex digits.
    pub public_key: String,
    /// The secret that signs its deliveries: 32 lowercase hex digits.
    pub secret_key: String,
    /// Where its events are POSTed.
    pub url: String,
}

impl WebhookSubscription {
    /// The verifier of this subscription's deliveries, as the merchant's webhook handler holds
    /// it: the public key and the secret key.
    pub fn verifier(&self) -> calypso_customer_purse::WebhookVerifier {
        let secret = calypso_customer_purse::SecretString::from(self.secret_key.clone());
        calypso_customer_purse::WebhookVerifier::new(self.public_key.clone(), &secret)
    }
}

impl std::fmt::Debug for WebhookSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSubscription")
            .field("request_id", &self.request_id)
            .field("public_key", &self.public_key)
            .field("secret_key", &"[REDACTED]")
            .field("url", &self.url)
            .finish()
    }
}

/// Where a webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryOutcome {
    /// Queued, being sent, or waiting to be tried again.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: every attempt of the retry schedule failed.
    Dropped,
}

/// What the last attempt at a delivery got: written as the HTTP status (a JSON number) or the
/// error text (a JSON string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DeliveryStatus {
    /// The receiver answered with this HTTP status.
    Http(u16),
    /// No answer: the connection failed or timed out; why.
    Error(String),
}

/// One webhook event sent, or to be sent, to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// The envelope's `id`; it increases with every event of the sandbox.
    pub event_id: i64,
    /// The envelope's `eventType`.
    pub event_type: WebhookEventType,
    /// The subscription's `requestId`.
    pub request_id: Uuid,
    /// Where it is POSTed.
    pub url: String,
    /// How many times it was POSTed so far.
    pub attempts: u32,
    /// What the last attempt got; `null` before the first one ends.
    pub status: Option<DeliveryStatus>,
    /// Whether it is still being tried, was delivered, or was given up.
    pub outcome: DeliveryOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_schedule_has_three_attempts_and_no_jitter() {
        let quick = RetrySchedule::quick();
        assert_eq!(quick.attempts(), 3);
        assert_eq!(quick.delay_after(1, 0.9), Some(Duration::from_millis(100)));
        assert_eq!(quick.delay_after(2, 0.0), Some(Duration::from_millis(200)));
        assert_eq!(quick.delay_after(3, 0.5), None);
        assert_eq!(quick.delay_after(0, 0.5), None);
    }

    #[test]
    fn jitter_varies_a_delay_within_its_fraction() {
        let standard = RetrySchedule::standard_webhooks();
        assert_eq!(standard.attempts(), 8);
        let five_minutes = Duration::from_secs(300);
        assert_eq!(standard.delay_after(2, 0.5), Some(five_minutes));
        assert_eq!(standard.delay_after(2, 0.0), Some(Duration::from_secs(270)));
        let high = standard.delay_after(2, 0.999_999).unwrap();
        assert!(
            high > five_minutes && high <= Duration::from_secs(330),
            "{high:?}"
        );
    }

    #[test]
    fn an_out_of_range_jitter_is_clamped() {
        let schedule = RetrySchedule {
            delays: vec![Duration::from_secs(10)],
            jitter: 7.0,
        };
        assert_eq!(schedule.delay_after(1, 0.0), Some(Duration::ZERO));
        assert_eq!(schedule.delay_after(1, 1.0), Some(Duration::from_secs(20)));
    }
}
