//! A simulated deposit, as `POST /sandbox/deposits` and [`Sandbox::deposit`](crate::Sandbox::deposit)
//! take it, with its amount read exactly.

use calypso_customer_purse::Decimal;
use serde::{Deserialize, Serialize};

/// How a simulated deposit ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// The compliance check passes; the funds are credited to the merchant account.
    #[default]
    Confirmed,
    /// The compliance check fails; the address is blocked for further deposits.
    Declined,
}

/// A simulated deposit: funds arriving at an address the sandbox handed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deposit {
    /// The deposit address, as returned by `address/get`.
    pub address: String,
    /// The currency code; it must use the address's chain family.
    pub currency: String,
    /// The amount, a positive exact decimal (a JSON number or string; written as a string).
    #[serde(with = "exact_decimal")]
    pub amount: Decimal,
    /// How the deposit ends; `CONFIRMED` when absent.
    #[serde(default)]
    pub outcome: Outcome,
    /// The sender's address; made up when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_from: Option<String>,
    /// The on-chain hash; made up when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_hash: Option<String>,
}

impl Deposit {
    /// A deposit of `amount` in `currency` to `address` that confirms, from a made-up sender
    /// with a made-up hash; set the other fields to change that.
    pub fn new(address: impl Into<String>, currency: impl Into<String>, amount: Decimal) -> Self {
        Self {
            address: address.into(),
            currency: currency.into(),
            amount,
            outcome: Outcome::default(),
            address_from: None,
            transaction_hash: None,
        }
    }
}

/// [`exact_decimal`] for an optional field.
pub(crate) mod exact_decimal_option {
    use calypso_customer_purse::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::exact_decimal::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Exact(#[serde(with = "super::exact_decimal")] Decimal);
        Ok(Option::<Exact>::deserialize(deserializer)?.map(|Exact(value)| value))
    }
}

/// Reads a decimal from the raw JSON text, number or string, so that no digit is lost to `f64`.
mod exact_decimal {
    use calypso_customer_purse::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::value::RawValue;

    pub(crate) fn serialize<S: Serializer>(
        value: &Decimal,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Decimal, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let text = text
            .strip_prefix('"')
            .and_then(|inner| inner.strip_suffix('"'))
            .unwrap_or(text);
        let invalid = |reason: String| {
            serde::de::Error::custom(format!("amount `{text}` is not an exact decimal: {reason}"))
        };
        // A string must hold a JSON number too: no `_`, no `+`, no spaces.
        if text.parse::<serde_json::Number>().is_err() {
            return Err(invalid("expected a JSON number".into()));
        }
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(text)
        } else {
            Decimal::from_str_exact(text)
        };
        parsed.map_err(|error| invalid(error.to_string()))
    }
}
