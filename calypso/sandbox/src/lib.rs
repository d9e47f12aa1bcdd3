//! A local stand-in for the Calypso Customer Purse API, to start inside a test.
//!
//! The sandbox is a real HTTP server with real state. It checks every request the way the real
//! API does (known `Key`, `Sign` over the exact body bytes, the key's `account`, a timestamp
//! within ±3 minutes, the JSON envelope) and keeps customers, purses and transactions in
//! memory, so code written against [`calypso_customer_purse`] runs offline, without an account
//! or real deposits. Routes under `/sandbox/` are not part of the merchant API: they simulate
//! deposits, inject faults and subscribe webhooks, and [`Sandbox`] has the same as methods.
//!
//! The request and response types are the generated client's, so the two cannot drift.
//!
//! # In a test
//!
//! Start one per test on a free port of 127.0.0.1; its state is its own, so tests run in
//! parallel. [`Running::client`] is the client a user's code would build, pointed at the
//! sandbox with its demo key pair ([`DEMO_ACCOUNT`], [`DEMO_API_KEY`], [`DEMO_API_SECRET`]):
//!
//! ```
//! use calypso_customer_purse::types::{CreateCustomerRequest, CustomerIdRequest};
//! use calypso_customer_purse_sandbox::Sandbox;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let running = Sandbox::default().start_local().await?;
//!     let client = running.client()?;
//!
//!     let created = client
//!         .create_customer(&CreateCustomerRequest::new().with_external_id("user-42"))
//!         .await?;
//!     let id = created.id.ok_or("the sandbox returns the new customer's id")?;
//!     let read = client.get_customer(&CustomerIdRequest::new(id)).await?;
//!     assert_eq!(read.external_id.as_deref(), Some("user-42"));
//!
//!     running.stop().await?;
//!     Ok(())
//! }
//! ```
//!
//! Other settings (more accounts, a fixed clock, other page sizes) go through
//! [`Sandbox::new`]; the package's `calypso-customer-purse-sandbox` binary serves the same
//! sandbox to clients in any language.
//!
//! # A developer console
//!
//! Like a payment provider's test mode, the sandbox shows and drives what it does, in-process
//! and under `/sandbox/` over HTTP, and on a dashboard at its base URL:
//!
//! - the request log: what each merchant request sent and got back ([`Sandbox::requests`]);
//! - every webhook event with each delivery attempt ([`Sandbox::events`]), sent again on
//!   demand ([`Sandbox::resend`]), retried on [`Settings::webhook_retries`], and awaited by
//!   tests without a poll loop ([`Sandbox::wait_for_deliveries`], [`Sandbox::wait_for`]);
//! - a clock that moves ahead ([`Sandbox::advance_clock`]), so that addresses expire and
//!   retries come due;
//! - whole cases in one call ([`Sandbox::trigger`]);
//! - with the `state` feature (on by default) and [`Settings::state_file`], state that
//!   survives a restart.

#![deny(missing_docs)]

mod accounts;
mod admin;
mod admin_error;
mod auth;
mod body;
mod book;
mod clock;
mod currencies;
mod dashboard;
mod date;
mod deposit;
mod events;
mod failure;
mod fault;
mod find;
mod ledger;
mod merchant;
mod request_log;
mod same_origin;
mod state;
#[cfg(feature = "state")]
mod state_file;
mod store;
mod trigger;
mod webhooks;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use calypso_customer_purse::types::Transaction;
use calypso_customer_purse::{BuildError, Client, ClientBuilder, Clock, SystemClock, Uuid};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use accounts::{Credentials, DEMO_ACCOUNT, DEMO_API_KEY, DEMO_API_SECRET, load_accounts_file};
pub use admin_error::AdminError;
pub use clock::{ClockAdvance, ClockReading, MAX_ADVANCE_SECONDS};
pub use deposit::{Deposit, Outcome};
pub use events::{
    Attempt, Delivery, DeliveryOutcome, DeliveryStatus, Event, Resend, RetrySchedule, WaitTimeout,
    WebhookDelivery, WebhookEventType, WebhookRegistration, WebhookSubscription,
};
pub use fault::Fault;
pub use find::Paging;
pub use request_log::{LoggedRequest, RequestFilter};
pub use trigger::{Scenario, Trigger, Triggered};

use clock::SandboxClock;
use events::WebhookEventType as EventType;
use failure::Failure;
use ledger::Ledger;
use request_log::RequestLog;
use store::Store;
use webhooks::Webhooks;

/// The path every merchant operation's path starts with.
pub const MERCHANT_PATH_PREFIX: &str = "/api/v1/customer-purse/";

/// How a sandbox behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The key pairs the sandbox accepts, each for one account.
    pub credentials: Vec<Credentials>,
    /// How `transaction/find` numbers and sizes pages.
    pub paging: Paging,
    /// The largest request body accepted; larger ones get a 400, at once when their
    /// `Content-Length` says so. Applies to the sandbox-only routes too.
    pub max_body_bytes: usize,
    /// How long a request body may take to arrive once the headers are in; a slower one gets
    /// a 400.
    pub body_timeout: Duration,
    /// The server clock: request timestamps are checked against it, every answer's `Date`
    /// header and every webhook's `createdDate` come from it. [`Sandbox::advance_clock`]
    /// moves the sandbox ahead of it.
    pub clock: Arc<dyn Clock>,
    /// Print one line per request and per webhook attempt to stderr.
    pub log_requests: bool,
    /// How many merchant requests [`Sandbox::requests`] keeps, the newest; 0 keeps none.
    pub request_log_limit: usize,
    /// When a failed webhook delivery is tried again.
    pub webhook_retries: RetrySchedule,
    /// Keep everything in this SQLite file, saved as it changes, and start from what it holds:
    /// accounts added by file, customers, purses, transactions, subscriptions, events and the
    /// clock's offset (not the request log). A file that is not a sandbox's, or of a newer
    /// format, is refused and left as it is. `None` (the default) keeps state in memory, so
    /// each sandbox starts empty. Needs the `state` feature (on by default).
    pub state_file: Option<PathBuf>,
}

impl Default for Settings {
    /// The demo account, 1-based pages of 20 (at most 100), 64 KiB bodies that arrive within
    /// 10 s, the system clock, nothing printed, the last 10,000 requests kept, and the quick
    /// webhook retries.
    fn default() -> Self {
        Self {
            credentials: vec![Credentials::demo()],
            paging: Paging::default(),
            max_body_bytes: 64 * 1024,
            body_timeout: Duration::from_secs(10),
            clock: Arc::new(SystemClock),
            log_requests: false,
            request_log_limit: 10_000,
            webhook_retries: RetrySchedule::quick(),
            state_file: None,
        }
    }
}

/// A sandbox: its settings and its state. Cloning it shares the state.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

struct Shared {
    keyring: auth::Keyring,
    settings: Settings,
    clock: Arc<SandboxClock>,
    ledger: Mutex<Ledger>,
    faults: Mutex<Vec<Fault>>,
    requests_seen: AtomicU64,
    request_log: RequestLog,
    webhooks: Webhooks,
    store: Option<Arc<Store>>,
}

impl Default for Sandbox {
    /// A sandbox with empty state and the default [`Settings`]: the demo key pair only.
    fn default() -> Self {
        Self::new(Settings::default()).expect("the default settings have one key pair")
    }
}

impl Sandbox {
    /// A sandbox with empty state, or with the state of [`Settings::state_file`]. Fails when
    /// two key pairs share an API key, or the state file cannot be used (the message names it
    /// and says why).
    pub fn new(mut settings: Settings) -> Result<Self, String> {
        let saved = state::Saved::open(&mut settings)?;
        let keyring = auth::Keyring::new(&settings.credentials)?;
        let clock = Arc::new(SandboxClock::new(Arc::clone(&settings.clock)));
        let store = saved.store();
        let webhooks = Webhooks::new(
            Arc::clone(&clock),
            settings.webhook_retries.clone(),
            settings.log_requests,
            store.clone(),
        );
        let mut ledger = Ledger::default();
        saved.restore(&settings, &clock, &mut ledger, &webhooks)?;
        Ok(Self {
            shared: Arc::new(Shared {
                keyring,
                webhooks,
                clock,
                request_log: RequestLog::new(settings.request_log_limit),
                settings,
                ledger: Mutex::new(ledger),
                faults: Mutex::new(Vec::new()),
                requests_seen: AtomicU64::new(0),
                store,
            }),
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// The HTTP routes: the ten merchant operations, the sandbox-only routes and the dashboard
    /// page at `/`. Every answer, errors and unknown routes included, carries a `Date` header
    /// from [`Settings::clock`].
    pub fn router(&self) -> axum::Router {
        merchant::routes()
            .merge(admin::routes())
            .merge(dashboard::routes())
            .fallback(merchant::no_such_route)
            .method_not_allowed_fallback(merchant::not_post)
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                date::set_date_header,
            ))
            .with_state(self.clone())
    }

    /// Serves on `listener` until `shutdown` completes. While it serves, webhooks are
    /// delivered and addresses expire when their time comes.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.shared.webhooks.start_if_needed();
        let expiry = tokio::spawn(expire_every_minute(Arc::downgrade(&self.shared)));
        let served = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await;
        expiry.abort();
        served
    }

    /// Binds `address` (port 0 picks a free port) and serves in a background task.
    pub async fn start(self, address: SocketAddr) -> std::io::Result<Running> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(self.clone().serve(listener, async {
            // A dropped sender stops the server too.
            let _ = stopped.await;
        }));
        Ok(Running {
            sandbox: self,
            address,
            stop: Some(stop),
            task,
        })
    }

    /// Binds a free port of 127.0.0.1 and serves in a background task: what a test needs.
    pub async fn start_local(self) -> std::io::Result<Running> {
        self.start(SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)))
            .await
    }

    /// Simulates a deposit to an address the sandbox handed out; the transaction starts in
    /// `MEM_POOL_FOUND`, which raises `CUSTOMER_PURSE_MEM_POOL_FOUND`. Sandbox-only.
    ///
    /// Webhooks are sent from a tokio runtime: called outside one before the sandbox serves,
    /// its webhooks wait until delivery starts (see [`Sandbox::register_webhook`]).
    pub fn deposit(&self, deposit: Deposit) -> Result<Transaction, AdminError> {
        let now = self.now();
        let mut ledger = self.ledger_for_admin()?;
        let transaction = ledger.deposit(deposit, now)?;
        self.raise_webhooks(&ledger, &transaction, now);
        self.save_for_admin(&mut ledger)?;
        Ok(transaction)
    }

    /// Moves a simulated deposit one step towards its outcome, raising that step's webhook.
    /// Sandbox-only.
    pub fn advance(&self, transaction_id: Uuid) -> Result<Transaction, AdminError> {
        let mut ledger = self.ledger_for_admin()?;
        let transaction = ledger.advance(transaction_id)?;
        self.raise_webhooks(&ledger, &transaction, self.now());
        self.save_for_admin(&mut ledger)?;
        Ok(transaction)
    }

    /// Moves a simulated deposit through every remaining step to its final state: credited to
    /// the merchant account, or declined. Each step raises its webhook, in order. Sandbox-only.
    pub fn settle(&self, transaction_id: Uuid) -> Result<Transaction, AdminError> {
        let mut ledger = self.ledger_for_admin()?;
        loop {
            let transaction = ledger.advance(transaction_id)?;
            self.raise_webhooks(&ledger, &transaction, self.now());
            if Ledger::is_final(&transaction) {
                self.save_for_admin(&mut ledger)?;
                return Ok(transaction);
            }
        }
    }

    /// Subscribes `registration.url` to the webhooks of `registration.account`'s simulated
    /// deposits, like the provider's `subscription/webhook/create`. Sandbox-only; an account
    /// may have several subscriptions, each sent every event it asks for.
    ///
    /// Each step of a deposit raises one event, POSTed as the provider's envelope with the
    /// headers `Key` (the subscription's public key) and `Sign` (lowercase hex HMAC-SHA512 of
    /// the exact body bytes, keyed with the secret key's UTF-8 bytes):
    ///
    /// | Step | `eventType` |
    /// |---|---|
    /// | [`deposit`](Self::deposit) | `CUSTOMER_PURSE_MEM_POOL_FOUND` |
    /// | → `PENDING_COMPLIANCE_CHECK` | `CUSTOMER_PURSE_PENDING_COMPLIANCE` |
    /// | → `CONFIRMED` | `CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE` |
    /// | → `DECLINED` | `CUSTOMER_PURSE_COMPLIANCE_DECLINED` |
    /// | → `translationToAccountCompleted` | `CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED` |
    ///
    /// One background task per sandbox sends the events in order, and tries a failed one again
    /// on [`Settings::webhook_retries`] (5 s timeout per attempt) until the receiver answers
    /// 2xx; [`webhook_deliveries`] and [`events`](Self::events) show how each went. The task
    /// starts when the sandbox serves, or with the first event raised inside a tokio runtime;
    /// events raised before then wait for it.
    ///
    /// Fails with [`AdminError::NotFound`] for an account the sandbox has no key pair of, and
    /// [`AdminError::Invalid`] for a URL that is not `http://` or `https://` or an empty
    /// `event_types`.
    ///
    /// [`webhook_deliveries`]: Self::webhook_deliveries
    pub fn register_webhook(
        &self,
        registration: WebhookRegistration,
    ) -> Result<WebhookSubscription, AdminError> {
        self.known_account(&registration.account)?;
        self.shared.webhooks.subscribe(registration)
    }

    /// Every webhook delivery so far, oldest first, with its attempts and outcome.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.webhooks.deliveries()
    }

    /// Every event raised so far, oldest first, with each delivery and every attempt.
    pub fn events(&self) -> Vec<Event> {
        self.shared.webhooks.events()
    }

    /// One event, by its `id`.
    pub fn event(&self, id: i64) -> Result<Event, AdminError> {
        self.shared.webhooks.event(id)
    }

    /// Sends event `id` again, now: to `resend.subscription`, or to every subscription of its
    /// account that asks for its type (ones made after it was raised included). The same body
    /// is signed again, and the new attempts are added to each delivery's. Sandbox-only.
    ///
    /// Fails with [`AdminError::NotFound`] for an unknown event or subscription,
    /// [`AdminError::Invalid`] for a subscription of another account, and
    /// [`AdminError::Conflict`] when no subscription asks for the event.
    pub fn resend(&self, id: i64, resend: Resend) -> Result<Event, AdminError> {
        self.shared.webhooks.resend(id, resend.subscription)
    }

    /// Waits until at least `count` webhook deliveries were made and none is still being
    /// tried, then returns them all, oldest first: what a test awaits instead of polling.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`], with the deliveries as they were, when that takes longer than
    /// `timeout`.
    pub async fn wait_for_deliveries(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<WebhookDelivery>, WaitTimeout> {
        self.wait_for(timeout, |events| {
            let deliveries = events.iter().flat_map(|event| &event.deliveries);
            let settled = deliveries
                .clone()
                .all(|delivery| delivery.outcome != events::DeliveryOutcome::Pending);
            (settled && deliveries.count() >= count).then_some(())
        })
        .await?;
        Ok(self.webhook_deliveries())
    }

    /// Waits until `check` finds what it looks for in the events (it is given all of them,
    /// oldest first, after each change), and returns what it found.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use calypso_customer_purse_sandbox::{Sandbox, WebhookEventType};
    /// # async fn example(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    /// let expired = sandbox
    ///     .wait_for(Duration::from_secs(5), |events| {
    ///         events
    ///             .iter()
    ///             .find(|event| event.event_type == WebhookEventType::CustomerPurseExpired)
    ///             .cloned()
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`] when `check` found nothing within `timeout`.
    pub async fn wait_for<T>(
        &self,
        timeout: Duration,
        check: impl FnMut(&[Event]) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        self.shared.webhooks.wait_for(timeout, check).await
    }

    /// The last merchant requests that `filter` keeps, newest first: what each sent and got
    /// back, and why it was refused (see [`LoggedRequest`]).
    pub fn requests(&self, filter: &RequestFilter) -> Vec<LoggedRequest> {
        self.shared.request_log.list(filter)
    }

    /// What the sandbox clock reads.
    pub fn clock(&self) -> ClockReading {
        self.shared.clock.reading()
    }

    /// Moves the sandbox clock `seconds` ahead (1 to [`MAX_ADVANCE_SECONDS`]), then does what
    /// time does: addresses whose time came expire (raising `CUSTOMER_PURSE_EXPIRED`), and
    /// webhook retries that came due are sent. Request timestamps, `Date` headers and
    /// `createdDate`s follow the moved clock; so do the clients of
    /// [`Running::client_builder`]. Sandbox-only.
    pub fn advance_clock(&self, seconds: i64) -> Result<ClockReading, AdminError> {
        self.shared.clock.advance(seconds)?;
        if let Some(store) = &self.shared.store {
            let offset =
                store::Record::new(state::CLOCK, "offset", &self.shared.clock.offset_millis());
            store.save(&[offset]).map_err(not_saved)?;
        }
        self.expire_due()?;
        self.shared.webhooks.clock_moved();
        Ok(self.clock())
    }

    /// Makes the next matching merchant requests fail with an internal error. Sandbox-only.
    pub fn inject_fault(&self, fault: Fault) -> Result<(), AdminError> {
        fault.validate()?;
        self.shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(fault);
        Ok(())
    }

    /// Raises the event of the step that brought `transaction` to its state, while the ledger
    /// is still locked so that event ids follow the steps; it is sent later. Its id.
    fn raise_webhooks(
        &self,
        ledger: &Ledger,
        transaction: &Transaction,
        now: calypso_customer_purse::OffsetDateTime,
    ) -> Option<i64> {
        let event_type = EventType::after_step(transaction)?;
        let (account, data) = ledger.deposit_event(transaction.id)?;
        Some(self.shared.webhooks.raise(account, event_type, &data, now))
    }

    /// Expires the addresses whose time has come, raising their events.
    fn expire_due(&self) -> Result<(), AdminError> {
        let now = self.now();
        let mut ledger = self.ledger_for_admin()?;
        for (account, data) in ledger.expire_due(now) {
            self.shared
                .webhooks
                .raise(&account, EventType::CustomerPurseExpired, &data, now);
        }
        self.save_for_admin(&mut ledger)
    }

    /// Saves what the ledger's last operations changed, when the sandbox keeps a state file.
    fn save_changes(&self, ledger: &mut Ledger) -> Result<(), String> {
        let Some(store) = &self.shared.store else {
            return Ok(());
        };
        let changes = ledger.take_changes();
        store.save(&ledger.records(&changes))
    }

    fn save_for_admin(&self, ledger: &mut Ledger) -> Result<(), AdminError> {
        self.save_changes(ledger).map_err(not_saved)
    }

    /// Fails unless the sandbox has a key pair of `account`.
    fn known_account(&self, account: &str) -> Result<(), AdminError> {
        let credentials = &self.shared.settings.credentials;
        if credentials.iter().any(|pair| pair.account == account) {
            return Ok(());
        }
        let mut known: Vec<&str> = credentials
            .iter()
            .map(|pair| pair.account.as_str())
            .collect();
        known.sort_unstable();
        known.dedup();
        Err(AdminError::NotFound(format!(
            "no account `{account}` in this sandbox; its accounts are {}",
            known.join(", ")
        )))
    }

    fn now(&self) -> calypso_customer_purse::OffsetDateTime {
        self.shared.clock.now()
    }

    /// The ledger, or a 500 when an earlier panic left it half-updated.
    fn ledger(&self) -> Result<std::sync::MutexGuard<'_, Ledger>, Failure> {
        self.shared.ledger.lock().map_err(|_| {
            Failure::internal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the sandbox's state was left inconsistent by an earlier crash; restart it",
            )
        })
    }

    fn ledger_for_admin(&self) -> Result<std::sync::MutexGuard<'_, Ledger>, AdminError> {
        self.ledger()
            .map_err(|failure| AdminError::Conflict(failure.message))
    }

    /// A new trace id: the sandbox's count of requests, which is unique per run.
    fn next_trace_id(&self) -> String {
        let n = self.shared.requests_seen.fetch_add(1, Ordering::Relaxed) + 1;
        format!("sandbox-{n:08}")
    }
}

/// A state file that could not be written, as an admin error: the change happened in memory.
fn not_saved(error: String) -> AdminError {
    AdminError::Conflict(format!("done, but not saved to the state file: {error}"))
}

/// A sandbox serving in the background. Dropping it stops the server.
pub struct Running {
    sandbox: Sandbox,
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// The base URL to give a client, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The sandbox, for simulating deposits and injecting faults in-process.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// A client of this sandbox with its first key pair (the demo pair, with the default
    /// settings) and the client's defaults otherwise. See [`client_builder`](Self::client_builder).
    ///
    /// # Errors
    ///
    /// [`BuildError::MissingAccount`] when the sandbox has no key pair; otherwise as
    /// [`ClientBuilder::build`].
    pub fn client(&self) -> Result<Client, BuildError> {
        self.client_builder().build()
    }

    /// A client builder set up for this sandbox: its base URL, its first key pair, and its clock
    /// and first page number, which the client must share for timestamps and page walks to
    /// match. A test then changes what it is about, e.g. the retry policy, or the key pair of
    /// another account of [`Settings::credentials`]. With the default settings it differs from
    /// a client built by hand for the demo account only in naming the clock and first page:
    ///
    /// ```
    /// use calypso_customer_purse::{Client, RetryPolicy, SecretString};
    /// use calypso_customer_purse_sandbox::{DEMO_ACCOUNT, DEMO_API_KEY, DEMO_API_SECRET, Sandbox};
    ///
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let running = Sandbox::default().start_local().await?;
    /// let by_hand = Client::builder()
    ///     .base_url(running.base_url())
    ///     .account(DEMO_ACCOUNT)
    ///     .api_key(DEMO_API_KEY)
    ///     .api_secret(SecretString::from(DEMO_API_SECRET))
    ///     .build()?;
    /// let no_retries = running
    ///     .client_builder()
    ///     .retry_policy(RetryPolicy::NONE)
    ///     .build()?;
    /// assert_eq!(by_hand.base_url(), no_retries.base_url());
    /// assert_eq!(by_hand.account(), no_retries.account());
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        let settings = self.sandbox.settings();
        let builder = Client::builder()
            .base_url(self.base_url())
            .clock(SharedClock(Arc::clone(&self.sandbox.shared.clock)))
            .first_page(i64::from(settings.paging.first_page));
        match settings.credentials.first() {
            Some(pair) => builder
                .account(pair.account.clone())
                .api_key(pair.api_key.clone())
                .api_secret(pair.api_secret.clone()),
            None => builder,
        }
    }

    /// Stops accepting requests, lets requests in flight finish, and waits for the server.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(join) => Err(std::io::Error::other(join)),
        }
    }
}

/// The sandbox's clock lent to its clients: the builder takes a clock by value, the sandbox
/// shares one.
#[derive(Debug)]
struct SharedClock(Arc<SandboxClock>);

impl Clock for SharedClock {
    fn now_unix_millis(&self) -> i64 {
        self.0.now_unix_millis()
    }
}

/// Expires addresses as time passes on its own, while the sandbox lives.
async fn expire_every_minute(shared: std::sync::Weak<Shared>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(60));
    loop {
        ticks.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        // A poisoned ledger answers every request with its own error; nothing to do here.
        let _ = Sandbox { shared }.expire_due();
    }
}
