//! Webhooks for simulated deposits: subscriptions, the events each deposit step raises, and
//! their delivery.
//!
//! Every step of a simulated deposit raises one event per matching subscription of the
//! deposit's account. The event is numbered, written and signed at once (under the ledger lock,
//! so numbers follow the steps) and queued; one background task per sandbox POSTs the queued
//! events one after the other, retrying a failed one a few times before giving it up. Nothing
//! is sent while the ledger lock is held.
//!
//! The task starts with the first event raised inside a tokio runtime and lives as long as that
//! runtime and the sandbox. An event raised outside any runtime while no task runs (an
//! in-process deposit from plain synchronous code) is recorded as dropped, never sent.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use calypso_customer_purse::types::{PurseDepositEvent, WebhookLevel};
use calypso_customer_purse::{OffsetDateTime, Uuid, reqwest};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha512;
use tokio::sync::mpsc;

use crate::admin::{
    AdminError, DeliveryOutcome, DeliveryStatus, WebhookDelivery, WebhookEventType,
    WebhookRegistration, WebhookSubscription,
};

/// How many times a delivery is POSTed before it is given up.
pub(crate) const MAX_ATTEMPTS: u32 = 3;
/// The wait after the first failed attempt; it doubles after each further one.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// How long one attempt may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The `service` of every customer-purse event.
const SERVICE: &str = "CUSTOMER_PURSE";

/// The subscriptions, the queue of events to send and the record of every delivery.
pub(crate) struct Webhooks {
    subscriptions: Mutex<Vec<Subscription>>,
    queue: Mutex<Queue>,
    deliveries: Arc<Mutex<Vec<WebhookDelivery>>>,
    log: bool,
}

struct Subscription {
    account: String,
    request_id: Uuid,
    public_key: String,
    /// Keyed with the secret key; the secret itself is not kept.
    mac: Hmac<Sha512>,
    url: String,
    event_types: Option<Vec<WebhookEventType>>,
}

impl Subscription {
    fn wants(&self, account: &str, event_type: WebhookEventType) -> bool {
        self.account == account
            && self
                .event_types
                .as_ref()
                .is_none_or(|types| types.contains(&event_type))
    }
}

#[derive(Default)]
struct Queue {
    last_event_id: i64,
    /// The running delivery task's inbox; `None` before it starts.
    sender: Option<mpsc::UnboundedSender<Outgoing>>,
}

/// One event, written and signed, on its way to one subscription.
struct Outgoing {
    /// Its place in the deliveries record.
    index: usize,
    url: String,
    public_key: String,
    sign: String,
    body: Vec<u8>,
}

/// The envelope of every webhook, as the provider writes it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    request_id: Uuid,
    id: i64,
    created_date: &'a str,
    level: WebhookLevel,
    service: &'a str,
    event_type: WebhookEventType,
    data: &'a PurseDepositEvent,
}

impl Webhooks {
    /// No subscriptions yet; `log` prints one line per delivery to stderr.
    pub(crate) fn new(log: bool) -> Self {
        Self {
            subscriptions: Mutex::new(Vec::new()),
            queue: Mutex::new(Queue::default()),
            deliveries: Arc::new(Mutex::new(Vec::new())),
            log,
        }
    }

    /// Adds a subscription of `registration.account`, which the caller checked exists.
    pub(crate) fn subscribe(
        &self,
        registration: WebhookRegistration,
    ) -> Result<WebhookSubscription, AdminError> {
        let url = reqwest::Url::parse(&registration.url).map_err(|error| {
            AdminError::Invalid(format!("url `{}` is not a URL: {error}", registration.url))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(AdminError::Invalid(format!(
                "url `{}` must be an http:// or https:// URL with a host",
                registration.url
            )));
        }
        if registration
            .event_types
            .as_ref()
            .is_some_and(|types| types.is_empty())
        {
            return Err(AdminError::Invalid(
                "eventTypes, when given, must name at least one event type".into(),
            ));
        }
        // 32 lowercase hex digits each, like the provider's keys (122 random bits of a UUID v4).
        let public_key = Uuid::new_v4().simple().to_string();
        let secret_key = Uuid::new_v4().simple().to_string();
        let mac = <Hmac<Sha512> as KeyInit>::new_from_slice(secret_key.as_bytes())
            .expect("HMAC takes a key of any length");
        let subscription = WebhookSubscription {
            request_id: Uuid::new_v4(),
            public_key: public_key.clone(),
            secret_key,
            url: registration.url.clone(),
        };
        lock(&self.subscriptions).push(Subscription {
            account: registration.account,
            request_id: subscription.request_id,
            public_key,
            mac,
            url: registration.url,
            event_types: registration.event_types,
        });
        Ok(subscription)
    }

    /// Every delivery so far, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.deliveries).clone()
    }

    /// Queues `event_type` with `data` for every subscription of `account` that wants it,
    /// stamped `now`.
    pub(crate) fn raise(
        &self,
        account: &str,
        event_type: WebhookEventType,
        data: &PurseDepositEvent,
        now: OffsetDateTime,
    ) {
        let subscriptions = lock(&self.subscriptions);
        let created_date = local_date_time(now);
        for subscription in subscriptions
            .iter()
            .filter(|subscription| subscription.wants(account, event_type))
        {
            let mut queue = lock(&self.queue);
            queue.last_event_id += 1;
            let event_id = queue.last_event_id;
            let envelope = Envelope {
                request_id: subscription.request_id,
                id: event_id,
                created_date: &created_date,
                level: WebhookLevel::Info,
                service: SERVICE,
                event_type,
                data,
            };
            let body = serde_json::to_vec(&envelope)
                .expect("the envelope has string keys and no value that fails to serialize");
            let mut mac = subscription.mac.clone();
            mac.update(&body);
            let sign = hex(&mac.finalize().into_bytes());
            let index = {
                let mut deliveries = lock(&self.deliveries);
                deliveries.push(WebhookDelivery {
                    event_id,
                    event_type,
                    request_id: subscription.request_id,
                    url: subscription.url.clone(),
                    attempts: 0,
                    status: None,
                    outcome: DeliveryOutcome::Pending,
                });
                deliveries.len() - 1
            };
            let outgoing = Outgoing {
                index,
                url: subscription.url.clone(),
                public_key: subscription.public_key.clone(),
                sign,
                body,
            };
            self.send(&mut queue, outgoing);
        }
    }

    /// Hands `outgoing` to the delivery task, starting one if none runs and a runtime is here.
    fn send(&self, queue: &mut Queue, outgoing: Outgoing) {
        let outgoing = match &queue.sender {
            Some(sender) => match sender.send(outgoing) {
                Ok(()) => return,
                // The task ended with the runtime it ran on: start another below.
                Err(mpsc::error::SendError(outgoing)) => outgoing,
            },
            None => outgoing,
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            queue.sender = None;
            let mut deliveries = lock(&self.deliveries);
            let delivery = &mut deliveries[outgoing.index];
            delivery.status = Some(DeliveryStatus::Error(
                "not sent: raised outside a tokio runtime before webhook delivery started".into(),
            ));
            delivery.outcome = DeliveryOutcome::Dropped;
            if self.log {
                log_line(delivery);
            }
            return;
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        sender
            .send(outgoing)
            .unwrap_or_else(|_| unreachable!("the receiver is alive"));
        queue.sender = Some(sender);
        runtime.spawn(deliver_all(
            receiver,
            Arc::clone(&self.deliveries),
            self.log,
        ));
    }
}

/// The delivery task: POSTs each queued event in turn until the sandbox is dropped.
async fn deliver_all(
    mut inbox: mpsc::UnboundedReceiver<Outgoing>,
    deliveries: Arc<Mutex<Vec<WebhookDelivery>>>,
    log: bool,
) {
    // A client per task: a client's connections belong to the runtime that made them.
    let client = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build();
    while let Some(outgoing) = inbox.recv().await {
        match &client {
            Ok(client) => deliver(client, &outgoing, &deliveries).await,
            Err(error) => {
                let mut deliveries = lock(&deliveries);
                let delivery = &mut deliveries[outgoing.index];
                delivery.status = Some(DeliveryStatus::Error(format!(
                    "not sent: no HTTP client: {}",
                    error_chain(error)
                )));
                delivery.outcome = DeliveryOutcome::Dropped;
            }
        }
        if log {
            log_line(&lock(&deliveries)[outgoing.index]);
        }
    }
}

/// POSTs one event until the receiver answers 2xx or [`MAX_ATTEMPTS`] have failed.
async fn deliver(
    client: &reqwest::Client,
    outgoing: &Outgoing,
    deliveries: &Mutex<Vec<WebhookDelivery>>,
) {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=MAX_ATTEMPTS {
        let answer = client
            .post(&outgoing.url)
            .header("Key", &outgoing.public_key)
            .header("Sign", &outgoing.sign)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(outgoing.body.clone())
            .send()
            .await;
        let status = match answer {
            Ok(response) => DeliveryStatus::Http(response.status().as_u16()),
            Err(error) => DeliveryStatus::Error(error_chain(&error)),
        };
        let delivered = matches!(status, DeliveryStatus::Http(code) if (200..300).contains(&code));
        {
            let mut deliveries = lock(deliveries);
            let delivery = &mut deliveries[outgoing.index];
            delivery.attempts = attempt;
            delivery.status = Some(status);
            delivery.outcome = if delivered {
                DeliveryOutcome::Delivered
            } else if attempt == MAX_ATTEMPTS {
                DeliveryOutcome::Dropped
            } else {
                DeliveryOutcome::Pending
            };
        }
        if delivered {
            return;
        }
        if attempt < MAX_ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
}

/// One line on stderr per delivery outcome: never the body, the secret or the signature.
fn log_line(delivery: &WebhookDelivery) {
    let outcome = match delivery.outcome {
        DeliveryOutcome::Delivered => "delivered",
        DeliveryOutcome::Dropped => "dropped",
        DeliveryOutcome::Pending => "pending",
    };
    let status = match &delivery.status {
        Some(DeliveryStatus::Http(code)) => format!("HTTP {code}"),
        Some(DeliveryStatus::Error(text)) => text.clone(),
        None => "no answer".into(),
    };
    let attempts = match delivery.attempts {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    eprintln!(
        "webhook {} {} -> {}: {outcome} after {attempts} ({status})",
        delivery.event_id, delivery.event_type, delivery.url
    );
}

/// The error and its causes, `: `-separated: reqwest's own text rarely says what failed.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `at` as the provider's `createdDate`: a local date-time without a zone, with microseconds
/// (`2025-10-30T14:08:39.960680`).
pub(crate) fn local_date_time(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The lock's data; no update here can be left half-done, so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_date_is_zoneless_with_six_fractional_digits() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_761_833_319_960_680_000).unwrap();
        assert_eq!(local_date_time(at), "2025-10-30T14:08:39.960680");
        let whole = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(local_date_time(whole), "2023-11-14T22:13:20.000000");
    }

    #[test]
    fn a_subscription_is_refused_for_a_url_it_cannot_post_to() {
        let webhooks = Webhooks::new(false);
        for url in [
            "ftp://127.0.0.1/hook",
            "127.0.0.1:8080/hook",
            "http://",
            "",
            "file:///tmp/x",
        ] {
            let registration = WebhookRegistration {
                account: "0xa".into(),
                url: url.into(),
                event_types: None,
            };
            assert!(
                matches!(
                    webhooks.subscribe(registration),
                    Err(AdminError::Invalid(_))
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn the_subscription_debug_hides_the_secret() {
        let subscription = Webhooks::new(false)
            .subscribe(WebhookRegistration {
                account: "0xa".into(),
                url: "http://127.0.0.1:9/hook".into(),
                event_types: None,
            })
            .unwrap();
        let debug = format!("{subscription:?}");
        assert!(!debug.contains(&subscription.secret_key), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
        assert!(debug.contains(&subscription.public_key), "{debug}");
    }
}
