//! JSON numbers as exact decimals, for `Decimal` and `Option<Decimal>` fields
//! (`#[serde(with = "crate::wire::decimal")]`).
//!
//! serde_json reads numbers as `f64` unless the whole program enables its
//! `arbitrary_precision` feature; reading the raw number text avoids both.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

pub(crate) fn serialize<T: super::field::Field<Decimal>, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value.get() {
        Some(value) => {
            let number =
                RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
            number.serialize(serializer)
        }
        None => serializer.serialize_none(),
    }
}

pub(crate) fn deserialize<'de, T: super::field::Field<Decimal>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let raw = Option::<Box<RawValue>>::deserialize(deserializer)?;
    let value = raw
        .map(|raw| parse(raw.get()))
        .transpose()
        .map_err(serde::de::Error::custom)?;
    T::from_value(value).map_err(serde::de::Error::custom)
}

/// A JSON number, or a JSON string holding one; refuses anything a `Decimal`
/// cannot hold exactly rather than round it.
pub(crate) fn parse(json: &str) -> Result<Decimal, String> {
    let text = serde_json::from_str::<String>(json).unwrap_or_else(|_| json.to_owned());
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text)
    } else {
        Decimal::from_str_exact(&text)
    };
    parsed.map_err(|error| format!("`{text}` is not an exact decimal number: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Amounts {
        #[serde(with = "super")]
        required: Decimal,
        #[serde(with = "super", default, skip_serializing_if = "Option::is_none")]
        optional: Option<Decimal>,
    }

    #[test]
    fn numbers_are_read_and_written_exactly() {
        let text = r#"{"required":1234.567890123456789012,"optional":0.10}"#;
        let amounts: Amounts = serde_json::from_str(text).unwrap();
        assert_eq!(amounts.required.to_string(), "1234.567890123456789012");
        assert_eq!(
            amounts.optional.map(|d| d.to_string()).as_deref(),
            Some("0.10")
        );
        assert_eq!(serde_json::to_string(&amounts).unwrap(), text);
    }

    #[test]
    fn strings_and_exponents_are_read_as_numbers() {
        assert_eq!(parse("\"12.5\"").unwrap().to_string(), "12.5");
        assert_eq!(parse("1.5e3").unwrap(), Decimal::from(1500));
        assert_eq!(parse("-2E-2").unwrap().to_string(), "-0.02");
    }

    #[test]
    fn what_a_decimal_cannot_hold_exactly_is_refused() {
        for json in [
            "0.12345678901234567890123456789",
            "1e400",
            "\"ten\"",
            "true",
        ] {
            assert!(parse(json).is_err(), "{json}");
        }
    }

    #[test]
    fn null_is_none_where_optional_and_an_error_where_required() {
        let amounts: Amounts = serde_json::from_str(r#"{"required":1,"optional":null}"#).unwrap();
        assert_eq!(amounts.optional, None);
        let missing = serde_json::from_str::<Amounts>(r#"{"required":null}"#);
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("null where a value is required"));
    }
}
