//! Text the API may send as a JSON string or as a JSON number, for `String` and
//! `Option<String>` fields (`#[serde(with = "crate::wire::string_or_number")]`): a number is
//! kept as its exact digits, never rounded through `f64`. Written back as a string.

use serde::de::{self, Deserializer, Visitor};
use serde::Serializer;

pub(crate) fn serialize<T: super::field::Field<String>, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value.get() {
        Some(text) => serializer.serialize_str(text),
        None => serializer.serialize_none(),
    }
}

pub(crate) fn deserialize<'de, T: super::field::Field<String>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let value = deserializer.deserialize_option(OptionalText)?;
    T::from_value(value).map_err(de::Error::custom)
}

/// `null`, or a string or a number as text.
struct OptionalText;

impl<'de> Visitor<'de> for OptionalText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let raw: Box<serde_json::value::RawValue> = serde::Deserialize::deserialize(deserializer)?;
        text(raw.get()).map(Some).map_err(de::Error::custom)
    }
}

/// The text of a JSON string, or the digits of a JSON number as written.
fn text(json: &str) -> Result<String, String> {
    if json.starts_with('"') {
        return serde_json::from_str(json).map_err(|error| error.to_string());
    }
    if json.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return Ok(json.to_owned());
    }
    Err(format!("`{json}` is neither a string nor a number"))
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Ids {
        #[serde(with = "super")]
        required: String,
        #[serde(with = "super", default, skip_serializing_if = "Option::is_none")]
        optional: Option<String>,
    }

    fn read(json: &str) -> Result<Ids, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn strings_and_numbers_are_read_as_text_numbers_exactly_as_written() {
        let ids = read(r#"{"required":"USDT_TRC20","optional":12345678901234567890123}"#).unwrap();
        assert_eq!(ids.required, "USDT_TRC20");
        assert_eq!(ids.optional.as_deref(), Some("12345678901234567890123"));
        let ids = read(r#"{"required":-1.50e3,"optional":"a \"quoted\" id"}"#).unwrap();
        assert_eq!(ids.required, "-1.50e3");
        assert_eq!(ids.optional.as_deref(), Some("a \"quoted\" id"));
    }

    #[test]
    fn null_is_none_where_optional_and_an_error_where_required() {
        assert_eq!(
            read(r#"{"required":"x","optional":null}"#)
                .unwrap()
                .optional,
            None
        );
        assert_eq!(read(r#"{"required":"x"}"#).unwrap().optional, None);
        assert!(read(r#"{"required":null}"#).is_err());
    }

    #[test]
    fn other_json_is_refused() {
        for value in ["true", "[1]", "{\"a\":1}"] {
            let error = read(&format!(r#"{{"required":{value}}}"#)).unwrap_err();
            assert!(
                error.to_string().contains("neither a string nor a number"),
                "{error}"
            );
        }
    }

    #[test]
    fn text_is_written_as_a_string() {
        let ids = read(r#"{"required":42}"#).unwrap();
        assert_eq!(serde_json::to_string(&ids).unwrap(), r#"{"required":"42"}"#);
    }
}
