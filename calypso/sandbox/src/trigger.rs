//! Triggers: a whole case in one call (like Stripe's `trigger`), creating what it needs: a
//! customer and an address when none is given, then a deposit that confirms or is declined,
//! or an address that expires. The answer holds everything made and every event raised.

use calypso_customer_purse::types::{
    CreateCustomerRequest, Customer, CustomerIdRequest, PurseAddress, PurseAddressRequest,
    Transaction,
};
use calypso_customer_purse::{Decimal, Uuid};
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::admin_error::AdminError;
use crate::deposit::{Deposit, Outcome};
use crate::events::Event;
use crate::events::WebhookEventType;
use crate::ledger::Ledger;

/// The cases a trigger runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// `confirmed_deposit`: a deposit taken through every step to funds credited, raising its
    /// four events.
    ConfirmedDeposit,
    /// `declined_deposit`: a deposit that fails compliance, raising three events; the address
    /// is blocked.
    DeclinedDeposit,
    /// `expired_address`: the address expires now, as if its time had come, raising
    /// `CUSTOMER_PURSE_EXPIRED`.
    ExpiredAddress,
}

impl Scenario {
    /// Its name on the wire, e.g. `confirmed_deposit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmedDeposit => "confirmed_deposit",
            Self::DeclinedDeposit => "declined_deposit",
            Self::ExpiredAddress => "expired_address",
        }
    }
}

/// A trigger, as `POST /sandbox/trigger` takes it. Everything but the scenario is optional:
/// what is not given is made fresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Trigger {
    /// The case to run.
    pub scenario: Scenario,
    /// The merchant account; the sandbox's first when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// An existing customer of that account; a new one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    /// The currency of the address and the deposit; `USDT_TRC20` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The deposit's amount, positive (a JSON number or a string, read exactly); 100 when
    /// absent. Deposits only.
    #[serde(
        default,
        with = "crate::deposit::exact_decimal_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
}

impl Trigger {
    /// A trigger of `scenario` on fresh objects.
    pub fn new(scenario: Scenario) -> Self {
        Self {
            scenario,
            account: None,
            customer_id: None,
            currency: None,
            amount: None,
        }
    }
}

/// What a trigger made, and the events it raised (their deliveries may still be under way).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Triggered {
    /// The case it ran.
    pub scenario: Scenario,
    /// The merchant account.
    pub account: String,
    /// The customer, given or made.
    pub customer: Customer,
    /// The address, handed out for the customer and currency.
    pub address: PurseAddress,
    /// The deposit in its final state; `None` for `expired_address`.
    pub transaction: Option<Transaction>,
    /// Every event raised, in order.
    pub events: Vec<Event>,
}

impl Sandbox {
    /// Runs a whole case in one call (see [`Scenario`]), making what the trigger does not
    /// name: a customer and an address. Sandbox-only.
    ///
    /// Fails with [`AdminError::NotFound`] for an account, customer or address the sandbox does
    /// not have, and [`AdminError::Invalid`] for an unsupported currency or an amount that is
    /// not positive; nothing is made then.
    pub fn trigger(&self, trigger: Trigger) -> Result<Triggered, AdminError> {
        let account = match trigger.account {
            Some(account) => {
                self.known_account(&account)?;
                account
            }
            None => self
                .settings()
                .credentials
                .first()
                .map(|pair| pair.account.clone())
                .ok_or_else(|| AdminError::NotFound("the sandbox has no account".into()))?,
        };
        let currency = trigger.currency.unwrap_or_else(|| "USDT_TRC20".into());
        crate::currencies::family_or_unsupported(&currency).map_err(AdminError::Invalid)?;
        let amount = trigger.amount.unwrap_or(Decimal::ONE_HUNDRED);
        if amount <= Decimal::ZERO {
            return Err(AdminError::Invalid(format!(
                "amount must be positive, not {amount}"
            )));
        }
        let now = self.now();
        let mut ledger = self.ledger_for_admin()?;
        let customer = match trigger.customer_id {
            Some(id) => ledger.get_customer(&account, CustomerIdRequest::new(id)),
            None => ledger.create_customer(
                &account,
                CreateCustomerRequest::new().with_description(format!(
                    "made by the sandbox's {} trigger",
                    trigger.scenario.as_str()
                )),
            ),
        }
        .map_err(|failure| AdminError::NotFound(failure.message))?;
        let customer_id = customer.id.expect("the sandbox's customers have ids");
        let address = ledger
            .purse_address(
                &account,
                PurseAddressRequest::new(customer_id, &currency),
                now,
            )
            .map_err(|failure| AdminError::Invalid(failure.message))?;
        let mut events = Vec::new();
        let transaction = match trigger.scenario {
            Scenario::ExpiredAddress => {
                let (account, data) = ledger.expire_address(&address.address)?;
                events.push(self.shared.webhooks.raise(
                    &account,
                    WebhookEventType::CustomerPurseExpired,
                    &data,
                    now,
                ));
                None
            }
            Scenario::ConfirmedDeposit | Scenario::DeclinedDeposit => {
                let outcome = if trigger.scenario == Scenario::ConfirmedDeposit {
                    Outcome::Confirmed
                } else {
                    Outcome::Declined
                };
                let deposit = Deposit {
                    outcome,
                    ..Deposit::new(address.address.clone(), currency, amount)
                };
                let mut transaction = ledger.deposit(deposit, now)?;
                events.extend(self.raise_webhooks(&ledger, &transaction, now));
                while !Ledger::is_final(&transaction) {
                    transaction = ledger.advance(transaction.id)?;
                    events.extend(self.raise_webhooks(&ledger, &transaction, now));
                }
                Some(transaction)
            }
        };
        self.save_for_admin(&mut ledger)?;
        drop(ledger);
        let events = events
            .into_iter()
            .filter_map(|id| self.shared.webhooks.event(id).ok())
            .collect();
        Ok(Triggered {
            scenario: trigger.scenario,
            account,
            customer,
            address,
            transaction,
            events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_wire_form_and_refuses_unknown_scenarios_and_fields() {
        let trigger: Trigger = serde_json::from_str(
            r#"{"scenario": "declined_deposit", "currency": "ETH", "amount": "0.10"}"#,
        )
        .unwrap();
        assert_eq!(trigger.scenario, Scenario::DeclinedDeposit);
        assert_eq!(trigger.amount.unwrap().to_string(), "0.10");
        for bad in [
            r#"{"scenario": "refund"}"#,
            r#"{"scenario": "confirmed_deposit", "amonut": 1}"#,
            r#"{"scenario": "confirmed_deposit", "amount": 1e999}"#,
            r#"{}"#,
        ] {
            assert!(serde_json::from_str::<Trigger>(bad).is_err(), "{bad}");
        }
    }
}
