//! The dashboard's view model: only what the page shows, copied out of the sandbox's state
//! under one lock at a time (never two at once: the sandbox takes the ledger's, then the
//! webhooks'). No field here can hold a secret (an API secret, a webhook subscription's secret
//! key, a signature), so the template cannot show one by mistake.

use calypso_customer_purse::types::{Customer, PurseStatus};
use calypso_customer_purse::{OffsetDateTime, Uuid};
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::book::{Book, Newest, StoredPurse, StoredTransaction};
use crate::clock::at_millis;
use crate::currencies::CURRENCIES;
use crate::events::Attempt;
use crate::events::{DeliveryOutcome, DeliveryStatus};
use crate::ledger::Ledger;
use crate::request_log::{LoggedRequest, RequestFilter};
use crate::trigger::Scenario;
use crate::webhooks::{State as Webhooks, StoredDelivery, StoredEvent};

/// How many of each long list the page shows unless `?limit=` says otherwise.
const DEFAULT_LIMIT: usize = 100;
/// The most `?limit=` may ask for: the page must stay quick to render and to load.
const MAX_LIMIT: usize = 1000;
/// How much of a logged body the page shows; the log keeps bodies of up to 64 KiB.
const BODY_SHOWN_BYTES: usize = 4096;

/// The page's query string: the notice of the action that redirected here, and the filters.
/// All text, checked by [`Filter::parse`], so that a bad value is a message on the page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageQuery {
    notice: Option<String>,
    customer: Option<String>,
    operation: Option<String>,
    status: Option<String>,
    limit: Option<String>,
}

impl PageQuery {
    /// What the action that redirected here did.
    pub(super) fn notice(&self) -> Option<String> {
        self.notice.clone()
    }
}

/// What the lists are narrowed to.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Filter {
    /// Customers, purses, transactions and events of this customer only.
    customer: Option<Uuid>,
    /// Logged requests of this operation only (`customer/get`).
    operation: Option<String>,
    /// Logged requests with this HTTP status only.
    status: Option<u16>,
    /// How many of each list to show.
    limit: usize,
    /// Whether anything is narrowed, for the page's "clear" link.
    active: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            customer: None,
            operation: None,
            status: None,
            limit: DEFAULT_LIMIT,
            active: false,
        }
    }
}

impl Filter {
    /// The filters of `query`; empty fields (as a GET form sends them) are absent.
    pub(super) fn parse(query: &PageQuery) -> Result<Self, String> {
        let given = |field: &Option<String>| {
            field
                .as_deref()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let customer = given(&query.customer)
            .map(|text| {
                Uuid::parse_str(&text)
                    .map_err(|_| format!("customer `{text}` is not a customer id (a UUID)"))
            })
            .transpose()?;
        let status = given(&query.status)
            .map(|text| {
                text.parse::<u16>()
                    .map_err(|_| format!("status `{text}` is not an HTTP status"))
            })
            .transpose()?;
        let limit = given(&query.limit)
            .map(|text| match text.parse::<usize>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
                _ => Err(format!(
                    "limit `{text}` is not a number from 1 to {MAX_LIMIT}"
                )),
            })
            .transpose()?;
        let operation = given(&query.operation);
        Ok(Self {
            active: customer.is_some() || operation.is_some() || status.is_some(),
            customer,
            operation,
            status,
            limit: limit.unwrap_or(DEFAULT_LIMIT),
        })
    }
}

/// Everything the page shows.
#[derive(Serialize)]
pub(super) struct Page {
    notice: Option<String>,
    error: Option<String>,
    clock: ClockView,
    filter: Filter,
    accounts: Vec<AccountView>,
    /// Whether the trigger form asks which account.
    several_accounts: bool,
    /// Why the accounts cannot be shown (a poisoned ledger).
    ledger_error: Option<String>,
    events: Listing<EventView>,
    requests: Listing<RequestView>,
    /// How many requests the log keeps at most; 0 when it is off.
    request_log_limit: usize,
    scenarios: Vec<&'static str>,
    currencies: Vec<&'static str>,
    /// Live addresses, offered by the deposit form.
    addresses: Vec<AddressOption>,
}

/// The newest rows of a long list, and how long it is.
#[derive(Serialize)]
struct Listing<T> {
    rows: Vec<T>,
    shown: usize,
    total: usize,
}

impl<T> Listing<T> {
    fn new(rows: Vec<T>, total: usize) -> Self {
        Self {
            shown: rows.len(),
            rows,
            total,
        }
    }

    fn of<'a, S: 'a>(newest: Newest<'a, S>, view: impl Fn(&S) -> T) -> Self {
        let rows = newest.items.into_iter().map(view).collect();
        Self::new(rows, newest.total)
    }
}

#[derive(Serialize)]
struct ClockView {
    /// Now, to the second.
    now: String,
    /// Now in RFC 3339, as `GET /sandbox/clock` answers it.
    now_rfc3339: String,
    offset_seconds: i64,
    /// The offset in days, hours, minutes and seconds.
    offset: String,
}

#[derive(Serialize)]
struct AccountView {
    account: String,
    /// Its public API keys; never a secret.
    api_keys: Vec<String>,
    customers: Listing<CustomerView>,
    purses: Listing<PurseView>,
    transactions: Listing<TransactionView>,
    subscriptions: Vec<SubscriptionView>,
}

#[derive(Serialize)]
struct CustomerView {
    id: Option<Uuid>,
    external_id: Option<String>,
    description: Option<String>,
    email: Option<String>,
    blocked: bool,
}

#[derive(Serialize)]
struct PurseView {
    customer: Uuid,
    currency: String,
    address: String,
    status: String,
}

#[derive(Serialize)]
struct TransactionView {
    id: Uuid,
    customer: Uuid,
    currency: String,
    amount: String,
    transaction_state: String,
    compliance_state: String,
    credited: bool,
    created_date: String,
    /// Whether it can still be advanced.
    open: bool,
}

#[derive(Serialize)]
struct SubscriptionView {
    request_id: Uuid,
    /// The `Key` header of its deliveries: public, unlike its secret key.
    public_key: String,
    url: String,
    /// The event types it asks for; empty for all.
    event_types: Vec<&'static str>,
}

#[derive(Serialize)]
struct EventView {
    id: usize,
    event_type: &'static str,
    account: String,
    created_date: String,
    /// The envelope's `data`, as sent (it holds no secret).
    data: String,
    deliveries: Vec<DeliveryView>,
    /// The subscriptions of its account, for the resend form.
    resend_to: Vec<SubscriptionOption>,
}

#[derive(Serialize)]
struct SubscriptionOption {
    request_id: Uuid,
    url: String,
}

#[derive(Serialize)]
struct DeliveryView {
    subscription: Uuid,
    url: String,
    outcome: &'static str,
    next_attempt: Option<String>,
    attempts: Vec<AttemptView>,
}

#[derive(Serialize)]
struct AttemptView {
    at: String,
    status: String,
    delivered: bool,
    latency_millis: u64,
}

#[derive(Serialize)]
struct RequestView {
    id: u64,
    at: String,
    method: String,
    path: String,
    operation: Option<String>,
    key: Option<String>,
    status: u16,
    error_code: Option<String>,
    refusal: Option<String>,
    duration: String,
    request_body: BodyView,
    response_body: BodyView,
}

/// A logged body, cut to what the page shows.
#[derive(Serialize)]
struct BodyView {
    text: String,
    /// How many bytes were cut off; 0 when it is whole.
    cut_bytes: usize,
}

#[derive(Serialize)]
struct AddressOption {
    address: String,
    label: String,
}

impl Page {
    /// The page for `filter`, with what the last action said.
    pub(super) fn build(
        sandbox: &Sandbox,
        filter: Filter,
        notice: Option<String>,
        error: Option<String>,
    ) -> Self {
        let (mut accounts, ledger_error, addresses) = accounts(sandbox, &filter);
        let events = {
            let webhooks = sandbox.shared.webhooks.state();
            for account in &mut accounts {
                account.subscriptions = subscriptions(&webhooks, &account.account);
            }
            events(&webhooks, &filter)
        };
        let log = &sandbox.shared.request_log;
        let requests = sandbox
            .requests(&RequestFilter {
                operation: filter.operation.clone(),
                status: filter.status,
                since: None,
                limit: Some(filter.limit),
            })
            .iter()
            .map(request_view)
            .collect();
        let reading = sandbox.clock();
        Self {
            notice,
            error,
            clock: ClockView {
                now: when(at_millis(reading.now_unix_millis)),
                now_rfc3339: reading.now,
                offset: span(reading.offset_seconds),
                offset_seconds: reading.offset_seconds,
            },
            filter,
            several_accounts: accounts.len() > 1,
            accounts,
            ledger_error,
            events,
            requests: Listing::new(requests, log.len()),
            request_log_limit: sandbox.settings().request_log_limit,
            scenarios: [
                Scenario::ConfirmedDeposit,
                Scenario::DeclinedDeposit,
                Scenario::ExpiredAddress,
            ]
            .map(Scenario::as_str)
            .to_vec(),
            currencies: CURRENCIES.iter().map(|(code, _)| *code).collect(),
            addresses,
        }
    }
}

/// Each account of the sandbox's key pairs, in their order, with the newest of its book; and
/// the live addresses among the purses shown.
fn accounts(
    sandbox: &Sandbox,
    filter: &Filter,
) -> (Vec<AccountView>, Option<String>, Vec<AddressOption>) {
    let mut accounts: Vec<AccountView> = Vec::new();
    for pair in &sandbox.settings().credentials {
        match accounts.iter_mut().find(|a| a.account == pair.account) {
            Some(account) => account.api_keys.push(pair.api_key.clone()),
            None => accounts.push(AccountView {
                account: pair.account.clone(),
                api_keys: vec![pair.api_key.clone()],
                customers: Listing::new(Vec::new(), 0),
                purses: Listing::new(Vec::new(), 0),
                transactions: Listing::new(Vec::new(), 0),
                subscriptions: Vec::new(),
            }),
        }
    }
    let ledger = match sandbox.ledger() {
        Ok(ledger) => ledger,
        Err(failure) => return (accounts, Some(failure.message), Vec::new()),
    };
    let mut addresses: Vec<AddressOption> = Vec::new();
    for account in &mut accounts {
        let Some(book) = ledger.book_of(&account.account) else {
            continue;
        };
        fill(account, book, filter);
        let live = book
            .newest_purses(filter.customer, filter.limit)
            .items
            .into_iter()
            .filter(|purse| purse.status == PurseStatus::PendingPayment);
        for purse in live {
            if !addresses.iter().any(|known| known.address == purse.address) {
                addresses.push(AddressOption {
                    address: purse.address.clone(),
                    label: format!("{} · customer {}", purse.currency, purse.customer_id),
                });
            }
        }
    }
    (accounts, None, addresses)
}

/// The newest customers, purses and transactions of `book`.
fn fill(account: &mut AccountView, book: &Book, filter: &Filter) {
    account.customers = Listing::of(
        book.newest_customers(filter.customer, filter.limit),
        |customer: &Customer| CustomerView {
            id: customer.id,
            external_id: customer.external_id.clone(),
            description: customer.description.clone(),
            email: customer.email.clone(),
            blocked: customer.blocked.unwrap_or(false),
        },
    );
    account.purses = Listing::of(
        book.newest_purses(filter.customer, filter.limit),
        |purse: &StoredPurse| PurseView {
            customer: purse.customer_id,
            currency: purse.currency.clone(),
            address: purse.address.clone(),
            status: purse.status.as_str().to_owned(),
        },
    );
    account.transactions = Listing::of(
        book.newest_transactions(filter.customer, filter.limit),
        |stored: &StoredTransaction| {
            let transaction = &stored.transaction;
            TransactionView {
                id: transaction.id,
                customer: stored.customer_id,
                currency: transaction.currency.clone(),
                amount: transaction.amount.to_string(),
                transaction_state: transaction.transaction_state.as_str().to_owned(),
                compliance_state: transaction.compliance_state.as_str().to_owned(),
                credited: transaction.translation_to_account_completed,
                created_date: when(transaction.created_date),
                open: !Ledger::is_final(transaction),
            }
        },
    );
}

fn subscriptions(webhooks: &Webhooks, account: &str) -> Vec<SubscriptionView> {
    webhooks
        .subscriptions
        .iter()
        .map(|subscription| &subscription.data)
        .filter(|subscription| subscription.account == account)
        .map(|subscription| SubscriptionView {
            request_id: subscription.request_id,
            public_key: subscription.public_key.clone(),
            url: subscription.url.clone(),
            event_types: subscription
                .event_types
                .iter()
                .flatten()
                .map(|event_type| event_type.as_str())
                .collect(),
        })
        .collect()
}

/// The newest events (of the filter's customer: their data names it), with every delivery.
fn events(webhooks: &Webhooks, filter: &Filter) -> Listing<EventView> {
    let customer = filter.customer.map(|id| id.to_string());
    let mut total = 0;
    let mut rows = Vec::new();
    // One pass, newest first, counting the matches and keeping the first `limit`.
    for (index, event) in webhooks.events.iter().enumerate().rev() {
        if customer
            .as_deref()
            .is_some_and(|id| !event.data.get().contains(id))
        {
            continue;
        }
        total += 1;
        if rows.len() < filter.limit {
            rows.push(event_view(webhooks, index, event));
        }
    }
    Listing::new(rows, total)
}

fn event_view(webhooks: &Webhooks, index: usize, event: &StoredEvent) -> EventView {
    EventView {
        id: index + 1,
        event_type: event.event_type.as_str(),
        account: event.account.clone(),
        created_date: event.created_date.clone(),
        data: event.data.get().to_owned(),
        deliveries: event.deliveries.iter().map(delivery_view).collect(),
        resend_to: webhooks
            .subscriptions
            .iter()
            .map(|subscription| &subscription.data)
            .filter(|subscription| subscription.account == event.account)
            .map(|subscription| SubscriptionOption {
                request_id: subscription.request_id,
                url: subscription.url.clone(),
            })
            .collect(),
    }
}

fn delivery_view(delivery: &StoredDelivery) -> DeliveryView {
    DeliveryView {
        subscription: delivery.subscription,
        url: delivery.url.clone(),
        outcome: match delivery.outcome {
            DeliveryOutcome::Pending => "PENDING",
            DeliveryOutcome::Delivered => "DELIVERED",
            DeliveryOutcome::Dropped => "DROPPED",
        },
        next_attempt: delivery
            .next_attempt_millis
            .map(|millis| when(at_millis(millis))),
        attempts: delivery.attempts.iter().map(attempt_view).collect(),
    }
}

fn attempt_view(attempt: &Attempt) -> AttemptView {
    AttemptView {
        at: when_text(&attempt.at),
        status: match &attempt.status {
            DeliveryStatus::Http(code) => format!("HTTP {code}"),
            DeliveryStatus::Error(why) => why.clone(),
        },
        delivered: attempt.delivered(),
        latency_millis: attempt.latency_millis,
    }
}

fn request_view(request: &LoggedRequest) -> RequestView {
    RequestView {
        id: request.id,
        at: when(at_millis(request.at_unix_millis)),
        method: request.method.clone(),
        path: request.path.clone(),
        operation: request.operation.clone(),
        key: request.key.clone(),
        status: request.status,
        error_code: request.error_code.clone(),
        refusal: request.refusal.clone(),
        duration: format!("{:.2} ms", request.duration_micros as f64 / 1000.0),
        request_body: body_view(&request.request_body),
        response_body: body_view(&request.response_body),
    }
}

/// `text` cut to [`BODY_SHOWN_BYTES`] at a character boundary.
fn body_view(text: &str) -> BodyView {
    let mut end = text.len().min(BODY_SHOWN_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    BodyView {
        text: text[..end].to_owned(),
        cut_bytes: text.len() - end,
    }
}

/// An instant as the page writes it: `2023-11-14 22:13:20Z`, to the second. The sandbox's
/// instants are all in UTC.
fn when(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// An RFC 3339 instant as [`when`] writes it; other text as it is.
fn when_text(text: &str) -> String {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| text.to_owned(), when)
}

/// Seconds as days, hours, minutes and seconds: `31 d 2 h 5 min`; `0 s` for none.
fn span(seconds: i64) -> String {
    let units = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")];
    let mut left = seconds.unsigned_abs();
    let mut parts = Vec::new();
    for (size, unit) in units {
        if left >= size {
            parts.push(format!("{} {unit}", left / size));
            left %= size;
        }
    }
    if parts.is_empty() {
        return "0 s".into();
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_units() {
        assert_eq!(span(0), "0 s");
        assert_eq!(span(59), "59 s");
        assert_eq!(span(2_678_400), "31 d");
        assert_eq!(span(93_784), "1 d 2 h 3 min 4 s");
    }

    #[test]
    fn long_bodies_are_cut_at_a_character_boundary() {
        let long = "é".repeat(BODY_SHOWN_BYTES);
        let cut = body_view(&long);
        assert!(cut.text.len() <= BODY_SHOWN_BYTES);
        assert_eq!(cut.text.len() + cut.cut_bytes, long.len());
        assert_eq!(body_view("{}").cut_bytes, 0);
    }

    #[test]
    fn filters_are_checked_and_empty_fields_are_absent() {
        let query = |customer: &str, status: &str, limit: &str| PageQuery {
            notice: None,
            customer: Some(customer.into()),
            operation: Some(" ".into()),
            status: Some(status.into()),
            limit: Some(limit.into()),
        };
        let filter = Filter::parse(&query("", "", "")).unwrap();
        assert!(!filter.active);
        assert_eq!(filter.limit, DEFAULT_LIMIT);
        assert!(Filter::parse(&query("nope", "", "")).is_err());
        assert!(Filter::parse(&query("", "2000000", "")).is_err());
        for limit in ["0", "-1", "1001", "ten"] {
            assert!(Filter::parse(&query("", "", limit)).is_err(), "{limit}");
        }
        let filter = Filter::parse(&query(&Uuid::nil().to_string(), "400", "5")).unwrap();
        assert!(filter.active);
        assert_eq!((filter.status, filter.limit), (Some(400), 5));
    }
}
