// Copied by `cargo xtask codegen` from codegen/client-runtime/src/wire/date_time.rs. Do not edit: change that file and regenerate.

//! Date-times, for `OffsetDateTime` and `Option<OffsetDateTime>` fields
//! (`#[serde(with = "crate::wire::date_time")]`): RFC 3339 out; RFC 3339 or ISO 8601 in.
//! One without an offset (some APIs send such, in webhooks say) is read as UTC.

use serde::{Deserialize, Deserializer, Serializer};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime};

pub(crate) fn serialize<T: super::field::Field<OffsetDateTime>, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value.get() {
        Some(value) => {
            let text = value.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
            serializer.serialize_str(&text)
        }
        None => serializer.serialize_none(),
    }
}

pub(crate) fn deserialize<'de, T: super::field::Field<OffsetDateTime>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    let value = text
        .map(|text| parse(&text))
        .transpose()
        .map_err(serde::de::Error::custom)?;
    T::from_value(value).map_err(serde::de::Error::custom)
}

pub(crate) fn parse(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .or_else(|_| {
            PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).map(PrimitiveDateTime::assume_utc)
        })
        .map_err(|error| format!("`{text}` is not an RFC 3339 or ISO 8601 date-time: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Stamped {
        #[serde(with = "super")]
        at: OffsetDateTime,
        #[serde(with = "super", default, skip_serializing_if = "Option::is_none")]
        until: Option<OffsetDateTime>,
    }

    #[test]
    fn rfc_3339_iso_8601_and_dates_without_an_offset_are_read() {
        let utc = parse("2023-11-14T22:13:21.234Z").unwrap();
        assert_eq!(utc.unix_timestamp_nanos(), 1_700_000_001_234_000_000);
        assert_eq!(parse("2023-11-14T23:13:21.234+01:00").unwrap(), utc);
        assert_eq!(parse("2023-11-14T22:13:21.234000").unwrap(), utc);
        assert!(parse("14/11/2023").is_err());
    }

    #[test]
    fn date_times_are_written_as_rfc_3339() {
        let stamped: Stamped =
            serde_json::from_str(r#"{"at":"2023-11-14T22:13:21.234","until":null}"#).unwrap();
        assert_eq!(stamped.until, None);
        assert_eq!(
            serde_json::to_string(&stamped).unwrap(),
            r#"{"at":"2023-11-14T22:13:21.234Z"}"#
        );
    }
}
