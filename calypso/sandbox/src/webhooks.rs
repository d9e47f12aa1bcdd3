//! Webhooks: subscriptions, the events the sandbox raises, and their delivery.
//!
//! An event is numbered, and written and signed for each subscription that asks for it, at
//! once (under the ledger lock, so numbers follow the steps); its deliveries are scheduled.
//! One background task per sandbox makes the attempts that are due, one after the other, in
//! the order they were scheduled, and schedules a failed one's retry. Nothing is sent while a
//! lock is held.
//!
//! An attempt is due when its time has come on the sandbox clock (so moving the clock fires the
//! retries it passes) or when that much real time has passed (so a fixed clock does not stall
//! them). The task starts when the sandbox serves, or with the first event raised inside a tokio
//! runtime; an event raised before then waits, scheduled, and is sent when it starts.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use calypso_customer_purse::types::WebhookLevel;
use calypso_customer_purse::{Clock, OffsetDateTime, Uuid, reqwest};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::Sha512;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::admin_error::AdminError;
use crate::clock::{SandboxClock, at_millis, rfc3339};
use crate::events::{
    Attempt, Delivery, DeliveryOutcome, DeliveryStatus, Event, RetrySchedule, WaitTimeout,
    WebhookDelivery, WebhookEventType, WebhookRegistration, WebhookSubscription,
};
use crate::store::{Record, Store};

/// The kind of a subscription's record in the state file.
const SUBSCRIPTION: &str = "subscription";
/// The kind of an event's record.
const EVENT: &str = "event";

/// What a subscription is, as made and as the state file keeps it: its secret included, so
/// that it signs again after a restart.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionData {
    pub(crate) account: String,
    pub(crate) request_id: Uuid,
    pub(crate) public_key: String,
    pub(crate) secret_key: String,
    pub(crate) url: String,
    pub(crate) event_types: Option<Vec<WebhookEventType>>,
}

/// How long one attempt may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// The `service` of every customer-purse event.
const SERVICE: &str = "CUSTOMER_PURSE";

/// The subscriptions, every event with its deliveries, and the delivery task.
pub(crate) struct Webhooks {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Wakes the delivery task: new work, a moved clock, or the sandbox gone.
    wake: Arc<Notify>,
    /// Counts changes, for waiters.
    changes: watch::Sender<u64>,
    clock: Arc<SandboxClock>,
    schedule: RetrySchedule,
    log: bool,
    task: Mutex<Option<JoinHandle<()>>>,
    /// Where subscriptions and events are saved, with `--state`.
    store: Option<Arc<Store>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The task holds only a weak reference: woken, it finds the sandbox gone and ends.
        self.wake.notify_one();
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) subscriptions: Vec<Subscription>,
    /// Event `id` is its position + 1.
    pub(crate) events: Vec<StoredEvent>,
    /// Attempts to make, in the order they were scheduled.
    due: Vec<Scheduled>,
}

pub(crate) struct Subscription {
    pub(crate) data: SubscriptionData,
    /// Keyed once with the secret key.
    mac: Hmac<Sha512>,
}

impl Subscription {
    pub(crate) fn new(data: SubscriptionData) -> Self {
        let mac = <Hmac<Sha512> as KeyInit>::new_from_slice(data.secret_key.as_bytes())
            .expect("HMAC takes a key of any length");
        Self { data, mac }
    }

    fn wants(&self, account: &str, event_type: WebhookEventType) -> bool {
        self.data.account == account
            && self
                .data
                .event_types
                .as_ref()
                .is_none_or(|types| types.contains(&event_type))
    }

    fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(body);
        hex(&mac.finalize().into_bytes())
    }
}

/// An event as kept: what [`Event`] shows, and each delivery's body.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredEvent {
    pub(crate) event_type: WebhookEventType,
    pub(crate) account: String,
    pub(crate) created_date: String,
    pub(crate) data: Box<RawValue>,
    pub(crate) deliveries: Vec<StoredDelivery>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredDelivery {
    pub(crate) subscription: Uuid,
    pub(crate) url: String,
    /// The envelope as sent, every time: a resend signs the same bytes again.
    pub(crate) body: String,
    pub(crate) outcome: DeliveryOutcome,
    pub(crate) attempts: Vec<Attempt>,
    /// Failed attempts since the delivery was last (re)sent: the retry schedule's place.
    pub(crate) failed_in_round: usize,
    pub(crate) next_attempt_millis: Option<i64>,
}

struct Scheduled {
    event: usize,
    delivery: usize,
    due_millis: i64,
    due_instant: Instant,
}

/// One attempt to make, taken out of the state so that no lock is held while it is sent.
struct Job {
    event: usize,
    delivery: usize,
    url: String,
    public_key: String,
    sign: String,
    body: String,
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
    data: &'a RawValue,
}

impl Webhooks {
    /// No subscriptions yet; `log` prints one line per delivery attempt to stderr; changes are
    /// saved to `store` when there is one.
    pub(crate) fn new(
        clock: Arc<SandboxClock>,
        schedule: RetrySchedule,
        log: bool,
        store: Option<Arc<Store>>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                wake: Arc::new(Notify::new()),
                changes: watch::channel(0).0,
                clock,
                schedule,
                log,
                task: Mutex::new(None),
                store,
            }),
        }
    }

    /// Puts back a subscription or an event of the state file; `Ok(false)` for another kind.
    /// Events come back in the order they were raised, so their ids are their places again.
    pub(crate) fn restore(&self, record: &Record) -> Result<bool, String> {
        let mut state = self.state();
        match record.kind.as_str() {
            SUBSCRIPTION => {
                state.subscriptions.push(Subscription::new(record.read()?));
            }
            EVENT => {
                let event: StoredEvent = record.read()?;
                let expected = (state.events.len() + 1).to_string();
                if record.key != expected {
                    return Err(format!(
                        "its events are out of order: event {} where {expected} was due",
                        record.key
                    ));
                }
                state.events.push(event);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Schedules again the deliveries a stopped sandbox left pending: when their retry was
    /// due, or now.
    pub(crate) fn resume(&self) {
        let mut state = self.state();
        let now_millis = self.inner.clock.now_unix_millis();
        let pending: Vec<(usize, usize, i64)> = state
            .events
            .iter()
            .enumerate()
            .flat_map(|(event, stored)| {
                stored
                    .deliveries
                    .iter()
                    .enumerate()
                    .filter(|(_, delivery)| delivery.outcome == DeliveryOutcome::Pending)
                    .map(move |(delivery, stored)| {
                        (
                            event,
                            delivery,
                            stored.next_attempt_millis.unwrap_or(now_millis),
                        )
                    })
            })
            .collect();
        for (event, delivery, due_millis) in pending {
            let wait = u64::try_from(due_millis.saturating_sub(now_millis)).unwrap_or(0);
            state.due.push(Scheduled {
                event,
                delivery,
                due_millis,
                due_instant: Instant::now() + Duration::from_millis(wait),
            });
        }
    }

    /// The state, for reading it whole (the dashboard, the state file).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.inner.state)
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
        let data = SubscriptionData {
            account: registration.account,
            request_id: Uuid::new_v4(),
            public_key: Uuid::new_v4().simple().to_string(),
            secret_key: Uuid::new_v4().simple().to_string(),
            url: registration.url,
            event_types: registration.event_types,
        };
        let made = WebhookSubscription {
            request_id: data.request_id,
            public_key: data.public_key.clone(),
            secret_key: data.secret_key.clone(),
            url: data.url.clone(),
        };
        let record = Record::new(SUBSCRIPTION, data.request_id.to_string(), &data);
        let subscription = Subscription::new(data);
        let mut state = self.state();
        state.subscriptions.push(subscription);
        self.inner.save(&[record]);
        Ok(made)
    }

    /// Every delivery so far, oldest event first.
    pub(crate) fn deliveries(&self) -> Vec<WebhookDelivery> {
        deliveries_of(&self.state())
    }

    /// Every event, oldest first.
    pub(crate) fn events(&self) -> Vec<Event> {
        let state = self.state();
        (0..state.events.len())
            .map(|index| event_of(&state, index))
            .collect()
    }

    /// One event.
    pub(crate) fn event(&self, id: i64) -> Result<Event, AdminError> {
        let state = self.state();
        let index = event_index(&state, id)?;
        Ok(event_of(&state, index))
    }

    /// Raises `event_type` with `data` for `account`, stamped `now`, and schedules its delivery
    /// to every subscription that asks for it. Returns the event's id.
    pub(crate) fn raise(
        &self,
        account: &str,
        event_type: WebhookEventType,
        data: &impl Serialize,
        now: OffsetDateTime,
    ) -> i64 {
        let data = serde_json::value::to_raw_value(data)
            .expect("event data has string keys and no value that fails to serialize");
        let mut state = self.state();
        state.events.push(StoredEvent {
            event_type,
            account: account.to_owned(),
            created_date: local_date_time(now),
            data,
            deliveries: Vec::new(),
        });
        let event = state.events.len() - 1;
        let targets: Vec<usize> = (0..state.subscriptions.len())
            .filter(|&index| state.subscriptions[index].wants(account, event_type))
            .collect();
        for subscription in targets {
            self.add_delivery(&mut state, event, subscription);
        }
        self.inner.save_event(&state, event);
        drop(state);
        self.changed();
        i64::try_from(event + 1).unwrap_or(i64::MAX)
    }

    /// Sends event `id` again, now: to `subscription` alone, or to every subscription of its
    /// account that asks for its type (which includes ones made after it was raised). The
    /// body is the same bytes, signed again; the attempts are added to the delivery's.
    pub(crate) fn resend(&self, id: i64, subscription: Option<Uuid>) -> Result<Event, AdminError> {
        let mut state = self.state();
        let event = event_index(&state, id)?;
        let (account, event_type) = {
            let stored = &state.events[event];
            (stored.account.clone(), stored.event_type)
        };
        let targets: Vec<usize> = match subscription {
            Some(wanted) => {
                let index = state
                    .subscriptions
                    .iter()
                    .position(|s| s.data.request_id == wanted)
                    .ok_or_else(|| AdminError::NotFound(format!("no subscription {wanted}")))?;
                if state.subscriptions[index].data.account != account {
                    return Err(AdminError::Invalid(format!(
                        "subscription {wanted} is of account {}, event {id} of account {account}",
                        state.subscriptions[index].data.account
                    )));
                }
                vec![index]
            }
            None => (0..state.subscriptions.len())
                .filter(|&index| state.subscriptions[index].wants(&account, event_type))
                .collect(),
        };
        if targets.is_empty() {
            return Err(AdminError::Conflict(format!(
                "no subscription of account {account} asks for {event_type}; make one first"
            )));
        }
        for subscription in targets {
            let request_id = state.subscriptions[subscription].data.request_id;
            let existing = state.events[event]
                .deliveries
                .iter()
                .position(|delivery| delivery.subscription == request_id);
            match existing {
                Some(delivery) => {
                    state
                        .due
                        .retain(|due| (due.event, due.delivery) != (event, delivery));
                    let stored = &mut state.events[event].deliveries[delivery];
                    stored.outcome = DeliveryOutcome::Pending;
                    stored.failed_in_round = 0;
                    self.schedule(&mut state, event, delivery, Duration::ZERO);
                }
                None => self.add_delivery(&mut state, event, subscription),
            }
        }
        let answer = event_of(&state, event);
        self.inner.save_event(&state, event);
        drop(state);
        self.changed();
        Ok(answer)
    }

    /// Wakes the delivery task to look at the clock again, after it moved.
    pub(crate) fn clock_moved(&self) {
        self.start_if_needed();
        self.inner.wake.notify_one();
    }

    /// Starts the delivery task when none runs and a tokio runtime is here.
    pub(crate) fn start_if_needed(&self) {
        let mut task = lock(&self.inner.task);
        if task.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        *task = Some(runtime.spawn(deliver_all(
            Arc::downgrade(&self.inner),
            Arc::clone(&self.inner.wake),
        )));
    }

    /// Waits until `check` finds what it looks for in the events, or `timeout` passes.
    pub(crate) async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&[Event]) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let mut changes = self.inner.changes.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            if let Some(found) = check(&self.events()) {
                return Ok(found);
            }
            let changed = tokio::time::timeout_at(deadline, changes.changed()).await;
            if changed.is_err() {
                return Err(WaitTimeout {
                    waited: timeout,
                    deliveries: self.deliveries(),
                });
            }
        }
    }

    /// Records a new delivery of `event` to `subscription` and schedules it now.
    fn add_delivery(&self, state: &mut State, event: usize, subscription: usize) {
        let target = &state.subscriptions[subscription];
        let stored = &state.events[event];
        let envelope = Envelope {
            request_id: target.data.request_id,
            id: i64::try_from(event + 1).unwrap_or(i64::MAX),
            created_date: &stored.created_date,
            level: WebhookLevel::Info,
            service: SERVICE,
            event_type: stored.event_type,
            data: &stored.data,
        };
        let body = serde_json::to_string(&envelope)
            .expect("the envelope has string keys and no value that fails to serialize");
        let delivery = StoredDelivery {
            subscription: target.data.request_id,
            url: target.data.url.clone(),
            body,
            outcome: DeliveryOutcome::Pending,
            attempts: Vec::new(),
            failed_in_round: 0,
            next_attempt_millis: None,
        };
        let deliveries = &mut state.events[event].deliveries;
        deliveries.push(delivery);
        let delivery = deliveries.len() - 1;
        self.schedule(state, event, delivery, Duration::ZERO);
    }

    /// Schedules an attempt `after` from now, on both clocks, and wakes the task.
    fn schedule(&self, state: &mut State, event: usize, delivery: usize, after: Duration) {
        state.schedule(self.inner.clock.now_unix_millis(), (event, delivery), after);
        self.start_if_needed();
        self.inner.wake.notify_one();
    }

    fn changed(&self) {
        self.inner.changes.send_modify(|count| *count += 1);
    }
}

impl State {
    /// Schedules an attempt at `delivery` (event, delivery) `after` from now, on both clocks;
    /// an attempt due now has no next-attempt time to show.
    fn schedule(&mut self, now_millis: i64, (event, delivery): (usize, usize), after: Duration) {
        let after_millis = i64::try_from(after.as_millis()).unwrap_or(i64::MAX);
        let due_millis = now_millis.saturating_add(after_millis);
        self.events[event].deliveries[delivery].next_attempt_millis =
            (!after.is_zero()).then_some(due_millis);
        self.due.push(Scheduled {
            event,
            delivery,
            due_millis,
            due_instant: Instant::now() + after,
        });
    }
}

/// Every delivery of `state`, oldest event first.
pub(crate) fn deliveries_of(state: &State) -> Vec<WebhookDelivery> {
    state
        .events
        .iter()
        .enumerate()
        .flat_map(|(index, event)| {
            event
                .deliveries
                .iter()
                .map(move |delivery| WebhookDelivery {
                    event_id: i64::try_from(index + 1).unwrap_or(i64::MAX),
                    event_type: event.event_type,
                    request_id: delivery.subscription,
                    url: delivery.url.clone(),
                    attempts: u32::try_from(delivery.attempts.len()).unwrap_or(u32::MAX),
                    status: delivery.attempts.last().map(|last| last.status.clone()),
                    outcome: delivery.outcome,
                })
        })
        .collect()
}

fn event_index(state: &State, id: i64) -> Result<usize, AdminError> {
    usize::try_from(id)
        .ok()
        .and_then(|id| id.checked_sub(1))
        .filter(|&index| index < state.events.len())
        .ok_or_else(|| AdminError::NotFound(format!("no event {id}")))
}

fn event_of(state: &State, index: usize) -> Event {
    let stored = &state.events[index];
    Event {
        id: i64::try_from(index + 1).unwrap_or(i64::MAX),
        event_type: stored.event_type,
        account: stored.account.clone(),
        created_date: stored.created_date.clone(),
        data: stored.data.clone(),
        deliveries: stored
            .deliveries
            .iter()
            .map(|delivery| Delivery {
                subscription: delivery.subscription,
                url: delivery.url.clone(),
                outcome: delivery.outcome,
                attempts: delivery.attempts.clone(),
                next_attempt_at: delivery
                    .next_attempt_millis
                    .map(|millis| rfc3339(at_millis(millis))),
            })
            .collect(),
    }
}

impl Inner {
    /// The first attempt that is due, taken off the schedule; or the instant the next one is
    /// due in real time (`None` when nothing is scheduled).
    fn take_due(&self) -> Result<Job, Option<Instant>> {
        let now_millis = self.clock.now_unix_millis();
        let now = Instant::now();
        let mut state = lock(&self.state);
        let Some(position) = state
            .due
            .iter()
            .position(|due| due.due_millis <= now_millis || due.due_instant <= now)
        else {
            return Err(state.due.iter().map(|due| due.due_instant).min());
        };
        let Scheduled {
            event, delivery, ..
        } = state.due.remove(position);
        let stored = &mut state.events[event].deliveries[delivery];
        stored.next_attempt_millis = None;
        let (subscription, url, body) =
            (stored.subscription, stored.url.clone(), stored.body.clone());
        let target = state
            .subscriptions
            .iter()
            .find(|s| s.data.request_id == subscription)
            .expect("a delivery's subscription is never removed");
        Ok(Job {
            event,
            delivery,
            url,
            public_key: target.data.public_key.clone(),
            sign: target.sign(body.as_bytes()),
            body,
        })
    }

    /// Records how an attempt went, and schedules the next one when it failed and the
    /// schedule has one.
    fn record(&self, job: &Job, at: OffsetDateTime, status: DeliveryStatus, latency: Duration) {
        let attempt = Attempt {
            at: rfc3339(at),
            status,
            latency_millis: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
        };
        let delivered = attempt.delivered();
        let mut state = lock(&self.state);
        let stored = &mut state.events[job.event].deliveries[job.delivery];
        stored.attempts.push(attempt);
        let retry = if delivered {
            stored.outcome = DeliveryOutcome::Delivered;
            None
        } else {
            stored.failed_in_round += 1;
            let delay = self
                .schedule
                .delay_after(stored.failed_in_round, fastrand::f64());
            stored.outcome = match delay {
                Some(_) => DeliveryOutcome::Pending,
                None => DeliveryOutcome::Dropped,
            };
            delay
        };
        if let Some(after) = retry {
            let now_millis = self.clock.now_unix_millis();
            state.schedule(now_millis, (job.event, job.delivery), after);
        }
        if self.log {
            log_line(&state, job);
        }
        self.save_event(&state, job.event);
        drop(state);
        self.changes.send_modify(|count| *count += 1);
    }

    /// Saves event `index` whole, with its deliveries, when there is a state file.
    fn save_event(&self, state: &State, index: usize) {
        if self.store.is_some() {
            let key = (index + 1).to_string();
            self.save(&[Record::new(EVENT, key, &state.events[index])]);
        }
    }

    /// Saves `records` when there is a state file. Webhooks are sent from a task no request
    /// waits on, so a failure is printed rather than answered.
    fn save(&self, records: &[Record]) {
        if let Some(Err(error)) = self.store.as_ref().map(|store| store.save(records)) {
            eprintln!("sandbox: webhook state not saved: {error}");
        }
    }
}

/// The delivery task: makes each due attempt in turn, and sleeps until the next is due or it
/// is woken; ends when the sandbox is gone.
async fn deliver_all(inner: Weak<Inner>, wake: Arc<Notify>) {
    // A client per task: a client's connections belong to the runtime that made them.
    let client = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build();
    loop {
        let Some(sandbox) = inner.upgrade() else {
            return;
        };
        match sandbox.take_due() {
            Ok(job) => {
                let at = sandbox.clock.now();
                let started = Instant::now();
                let status = match &client {
                    Ok(client) => send(client, &job).await,
                    Err(error) => {
                        DeliveryStatus::Error(format!("no HTTP client: {}", error_chain(error)))
                    }
                };
                sandbox.record(&job, at, status, started.elapsed());
            }
            Err(next) => {
                // Not holding the sandbox while asleep, so that dropping it ends the task.
                drop(sandbox);
                let woken = wake.notified();
                match next {
                    Some(instant) => {
                        let _ = tokio::time::timeout_at(instant.into(), woken).await;
                    }
                    None => woken.await,
                }
            }
        }
    }
}

/// POSTs one attempt: the receiver's status, or why there was none.
async fn send(client: &reqwest::Client, job: &Job) -> DeliveryStatus {
    let answer = client
        .post(&job.url)
        .header("Key", &job.public_key)
        .header("Sign", &job.sign)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(job.body.clone())
        .send()
        .await;
    match answer {
        Ok(response) => DeliveryStatus::Http(response.status().as_u16()),
        Err(error) => DeliveryStatus::Error(error_chain(&error)),
    }
}

/// One line on stderr per attempt: never the body, the secret or the signature.
fn log_line(state: &State, job: &Job) {
    let event = &state.events[job.event];
    let delivery = &event.deliveries[job.delivery];
    let outcome = match delivery.outcome {
        DeliveryOutcome::Delivered => "delivered",
        DeliveryOutcome::Dropped => "dropped",
        DeliveryOutcome::Pending => "to retry",
    };
    let status = match delivery.attempts.last().map(|last| &last.status) {
        Some(DeliveryStatus::Http(code)) => format!("HTTP {code}"),
        Some(DeliveryStatus::Error(text)) => text.clone(),
        None => "no answer".into(),
    };
    eprintln!(
        "webhook {} {} -> {}: attempt {}, {outcome} ({status})",
        job.event + 1,
        event.event_type,
        delivery.url,
        delivery.attempts.len(),
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
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use calypso_customer_purse::FixedClock;

    use super::*;

    fn webhooks() -> Webhooks {
        let clock = SandboxClock::new(Arc::new(FixedClock {
            unix_millis: 1_700_000_000_000,
        }));
        Webhooks::new(Arc::new(clock), RetrySchedule::quick(), false, None)
    }

    #[test]
    fn created_date_is_zoneless_with_six_fractional_digits() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_761_833_319_960_680_000).unwrap();
        assert_eq!(local_date_time(at), "2025-10-30T14:08:39.960680");
        let whole = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(local_date_time(whole), "2023-11-14T22:13:20.000000");
    }

    #[test]
    fn a_subscription_is_refused_for_a_url_it_cannot_post_to() {
        let webhooks = webhooks();
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
        let subscription = webhooks()
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

    #[test]
    fn events_are_kept_without_subscriptions_and_resent_to_ones_made_later() {
        let webhooks = webhooks();
        let now = OffsetDateTime::UNIX_EPOCH;
        let id = webhooks.raise(
            "0xa",
            WebhookEventType::CustomerPurseExpired,
            &serde_json::json!({"address": "T1"}),
            now,
        );
        assert_eq!(id, 1);
        assert!(webhooks.event(1).unwrap().deliveries.is_empty());
        assert!(matches!(
            webhooks.resend(1, None),
            Err(AdminError::Conflict(_))
        ));
        assert!(matches!(
            webhooks.resend(2, None),
            Err(AdminError::NotFound(_))
        ));
        assert!(matches!(
            webhooks.resend(0, None),
            Err(AdminError::NotFound(_))
        ));

        let made = webhooks
            .subscribe(WebhookRegistration {
                account: "0xa".into(),
                url: "http://127.0.0.1:9/hook".into(),
                event_types: None,
            })
            .unwrap();
        let other = webhooks
            .subscribe(WebhookRegistration {
                account: "0xb".into(),
                url: "http://127.0.0.1:9/hook".into(),
                event_types: None,
            })
            .unwrap();
        assert!(matches!(
            webhooks.resend(1, Some(other.request_id)),
            Err(AdminError::Invalid(_))
        ));
        assert!(matches!(
            webhooks.resend(1, Some(Uuid::nil())),
            Err(AdminError::NotFound(_))
        ));
        let event = webhooks.resend(1, None).unwrap();
        assert_eq!(event.deliveries.len(), 1);
        assert_eq!(event.deliveries[0].subscription, made.request_id);
        assert_eq!(event.deliveries[0].outcome, DeliveryOutcome::Pending);
        let body = &webhooks.state().events[0].deliveries[0].body;
        assert!(body.contains(r#""id":1"#), "{body}");
        assert!(body.contains(&made.request_id.to_string()), "{body}");
    }
}
