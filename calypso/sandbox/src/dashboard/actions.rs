//! The dashboard's forms: each reads its fields as text, makes the same request value the
//! `/sandbox/` routes read from JSON (so the same checks apply, with the same messages), calls
//! the same [`Sandbox`] method, and answers `303 See Other` to the page with a notice of what
//! it did. A refusal re-renders the page with the error instead (400, 404 or 409), having
//! changed nothing; so does a form that cannot be read.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use calypso_customer_purse::Uuid;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::render;
use super::view::{Filter, Page};
use crate::Sandbox;
use crate::admin_error::AdminError;
use crate::deposit::Deposit;
use crate::events::Resend;
use crate::trigger::Trigger;

/// What an action did, said on the page; or why it did nothing.
type Done = Result<String, AdminError>;

/// A form as posted, or why it could not be read (not a form, a field missing or twice).
type Posted<T> = Result<Form<T>, FormRejection>;

/// The deposit form: [`Deposit`]'s fields as text.
#[derive(Deserialize)]
pub(super) struct DepositForm {
    address: String,
    currency: String,
    amount: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /dashboard/deposit`: [`Sandbox::deposit`].
pub(super) async fn deposit(State(sandbox): State<Sandbox>, form: Posted<DepositForm>) -> Response {
    let done = read(form).and_then(|Form(form)| {
        let deposit: Deposit = from_fields([
            ("address", form.address),
            ("currency", form.currency),
            ("amount", form.amount),
            ("outcome", form.outcome),
        ])?;
        let made = sandbox.deposit(deposit)?;
        Ok(format!(
            "Deposit {} of {} {} seen: {}",
            made.id, made.amount, made.currency, made.transaction_state
        ))
    });
    finish(&sandbox, done)
}

/// The advance and settle buttons of a transaction's row.
#[derive(Deserialize)]
pub(super) struct TransactionForm {
    transaction: String,
}

/// `POST /dashboard/advance`: [`Sandbox::advance`].
pub(super) async fn advance(
    State(sandbox): State<Sandbox>,
    form: Posted<TransactionForm>,
) -> Response {
    let done = read(form).and_then(|Form(form)| {
        let moved = sandbox.advance(transaction_id(&form.transaction)?)?;
        Ok(format!(
            "Transaction {} advanced: {}",
            moved.id,
            state_of(&moved)
        ))
    });
    finish(&sandbox, done)
}

/// `POST /dashboard/settle`: [`Sandbox::settle`].
pub(super) async fn settle(
    State(sandbox): State<Sandbox>,
    form: Posted<TransactionForm>,
) -> Response {
    let done = read(form).and_then(|Form(form)| {
        let settled = sandbox.settle(transaction_id(&form.transaction)?)?;
        Ok(format!(
            "Transaction {} settled: {}",
            settled.id,
            state_of(&settled)
        ))
    });
    finish(&sandbox, done)
}

/// The resend form of an event's row; an empty subscription is every one that asks.
#[derive(Deserialize)]
pub(super) struct ResendForm {
    event: String,
    #[serde(default)]
    subscription: String,
}

/// `POST /dashboard/resend`: [`Sandbox::resend`].
pub(super) async fn resend(State(sandbox): State<Sandbox>, form: Posted<ResendForm>) -> Response {
    let done = read(form).and_then(|Form(form)| {
        let text = form.event.trim();
        let id: i64 = text
            .parse()
            .map_err(|_| AdminError::Invalid(format!("`{text}` is not an event id (a number)")))?;
        let resend: Resend = from_fields([("subscription", form.subscription)])?;
        let event = sandbox.resend(id, resend)?;
        Ok(format!(
            "Event {} ({}) is being sent again",
            event.id, event.event_type
        ))
    });
    finish(&sandbox, done)
}

/// The trigger form: [`Trigger`]'s fields as text; empty ones are made fresh.
#[derive(Deserialize)]
pub(super) struct TriggerForm {
    scenario: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    amount: String,
}

/// `POST /dashboard/trigger`: [`Sandbox::trigger`].
pub(super) async fn trigger(State(sandbox): State<Sandbox>, form: Posted<TriggerForm>) -> Response {
    let done = read(form).and_then(|Form(form)| {
        let trigger: Trigger = from_fields([
            ("scenario", form.scenario),
            ("account", form.account),
            ("customerId", form.customer),
            ("currency", form.currency),
            ("amount", form.amount),
        ])?;
        let made = sandbox.trigger(trigger)?;
        let transaction = made
            .transaction
            .as_ref()
            .map(|transaction| {
                format!(", transaction {} {}", transaction.id, state_of(transaction))
            })
            .unwrap_or_default();
        Ok(format!(
            "Triggered {}: address {}{transaction}, {} event(s) raised",
            made.scenario.as_str(),
            made.address.address,
            made.events.len()
        ))
    });
    finish(&sandbox, done)
}

/// The clock form: seconds typed, or a preset button's.
#[derive(Deserialize)]
pub(super) struct ClockForm {
    #[serde(default)]
    seconds: String,
    /// A preset button's seconds; it wins over the typed field.
    #[serde(default)]
    preset: String,
}

/// `POST /dashboard/clock`: [`Sandbox::advance_clock`].
pub(super) async fn clock(State(sandbox): State<Sandbox>, form: Posted<ClockForm>) -> Response {
    let done = read(form).and_then(|Form(form)| {
        let text = match form.preset.trim() {
            "" => form.seconds.trim().to_owned(),
            preset => preset.to_owned(),
        };
        let seconds: i64 = text.parse().map_err(|_| {
            AdminError::Invalid(format!("`{text}` is not a whole number of seconds"))
        })?;
        let reading = sandbox.advance_clock(seconds)?;
        Ok(format!(
            "Clock moved {seconds} s ahead: now {}, {} s ahead in all",
            reading.now, reading.offset_seconds
        ))
    });
    finish(&sandbox, done)
}

/// The form, or its rejection as a refusal.
fn read<T>(form: Posted<T>) -> Result<Form<T>, AdminError> {
    form.map_err(|rejection| AdminError::Invalid(rejection.body_text()))
}

/// The request value of the `/sandbox/` route from form fields: the non-empty ones, trimmed, as
/// the JSON strings it reads (an amount too: it reads a string holding a number exactly).
fn from_fields<T: DeserializeOwned, const N: usize>(
    fields: [(&str, String); N],
) -> Result<T, AdminError> {
    let object: Map<String, Value> = fields
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.trim();
            (!value.is_empty()).then(|| (name.to_owned(), Value::from(value)))
        })
        .collect();
    // Through text: an amount is read from the raw JSON, which a `Value` does not keep.
    serde_json::from_str(&Value::Object(object).to_string())
        .map_err(|error| AdminError::Invalid(format!("invalid form: {error}")))
}

fn transaction_id(text: &str) -> Result<Uuid, AdminError> {
    let text = text.trim();
    Uuid::parse_str(text)
        .map_err(|_| AdminError::Invalid(format!("`{text}` is not a transaction id (a UUID)")))
}

/// A transaction's states as the notice says them.
fn state_of(transaction: &calypso_customer_purse::types::Transaction) -> String {
    let credited = if transaction.translation_to_account_completed {
        ", credited"
    } else {
        ""
    };
    format!(
        "{} ({}{credited})",
        transaction.transaction_state, transaction.compliance_state
    )
}

/// `303` to the page with the notice; or the page with the error and its status.
fn finish(sandbox: &Sandbox, done: Done) -> Response {
    match done {
        Ok(notice) => {
            let location = format!("/?notice={}", percent_encoded(&notice));
            match HeaderValue::try_from(location) {
                Ok(location) => {
                    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
                }
                Err(_) => render(
                    &Page::build(sandbox, Filter::default(), Some(notice), None),
                    StatusCode::OK,
                ),
            }
        }
        Err(error) => {
            let status = match &error {
                AdminError::NotFound(_) => StatusCode::NOT_FOUND,
                AdminError::Invalid(_) => StatusCode::BAD_REQUEST,
                AdminError::Conflict(_) => StatusCode::CONFLICT,
            };
            let page = Page::build(sandbox, Filter::default(), None, Some(error.to_string()));
            render(&page, status)
        }
    }
}

/// `text` for a query string: every byte but the unreserved ones (RFC 3986) as `%XX`.
fn percent_encoded(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_percent_encoded_into_visible_ascii() {
        let encoded = percent_encoded("Moved 5 s: now <b>é&x=1");
        assert_eq!(encoded, "Moved%205%20s%3A%20now%20%3Cb%3E%C3%A9%26x%3D1");
        assert!(HeaderValue::try_from(format!("/?notice={encoded}")).is_ok());
    }

    #[test]
    fn form_fields_make_the_routes_request_values_with_their_checks() {
        let deposit: Deposit = from_fields([
            ("address", " T1 ".to_owned()),
            ("currency", "TRX".to_owned()),
            ("amount", "0.10".to_owned()),
            ("outcome", String::new()),
        ])
        .unwrap();
        assert_eq!(deposit.address, "T1");
        assert_eq!(deposit.amount.to_string(), "0.10");
        let not_a_number = from_fields::<Deposit, 3>([
            ("address", "T1".to_owned()),
            ("currency", "TRX".to_owned()),
            ("amount", "ten".to_owned()),
        ]);
        assert!(
            matches!(&not_a_number, Err(AdminError::Invalid(m)) if m.contains("amount `ten`")),
            "{not_a_number:?}"
        );
        let unknown = from_fields::<Trigger, 1>([("scenario", "refund".to_owned())]);
        assert!(matches!(unknown, Err(AdminError::Invalid(_))));
    }
}
