//! What the sandbox shows of its webhooks: every event raised, each delivery of it to a
//! subscription with every attempt, the retry schedule, and the wait for deliveries that
//! spares tests a poll loop.

use std::time::Duration;

use calypso_customer_purse::Uuid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::admin::{DeliveryOutcome, DeliveryStatus, WebhookDelivery, WebhookEventType};

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
/// ([`Sandbox::advance_clock`](crate::Sandbox::advance_clock)) fires the retries it passes;
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
