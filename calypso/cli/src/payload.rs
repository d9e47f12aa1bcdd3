// Copied by `cargo xtask codegen` from codegen/cli-runtime/src/payload.rs. Do not edit: change that file and regenerate.

//! An operation's payload: from `--body`/`--body-file`, with a flag per top-level field on
//! top, then read as the operation's payload type, so that a payload the API would refuse
//! is refused here, before anything is sent.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use serde_json::value::RawValue;

use crate::failure::Failure;

/// The whole payload, or the nested parts that have no flag of their own.
#[derive(Debug, Args)]
pub(crate) struct BodyArgs {
    /// The payload as JSON; the field flags are applied on top of it
    #[arg(long, value_name = "JSON", conflicts_with = "body_file")]
    body: Option<String>,
    /// Read the payload's JSON from a file, or from stdin with `-`
    #[arg(long, value_name = "PATH")]
    body_file: Option<PathBuf>,
}

/// The field flags given, as JSON property names and values.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    given: Vec<(&'static str, &'static str, Box<RawValue>)>,
    /// Values for properties that neither a flag nor the body gives.
    fallbacks: Vec<(&'static str, &'static str)>,
    /// Every field's JSON name and flag, to name the flag in errors.
    flags: Vec<(&'static str, &'static str)>,
    /// The properties that took their fallback value, once the payload is made.
    fell_back: Vec<&'static str>,
}

impl Fields {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A field whose flag holds JSON text (numbers, nested objects, lists).
    pub(crate) fn json(
        &mut self,
        property: &'static str,
        flag: &'static str,
        value: Option<String>,
    ) -> Result<(), Failure> {
        self.flags.push((property, flag));
        if let Some(text) = value {
            let json = RawValue::from_string(text)
                .map_err(|error| Failure::usage(format!("--{flag}: not JSON: {error}")))?;
            self.given.push((property, flag, json));
        }
        Ok(())
    }

    /// A field whose flag holds a value that serializes as its JSON (strings, integers,
    /// booleans, uuids).
    pub(crate) fn value<T: serde::Serialize>(
        &mut self,
        property: &'static str,
        flag: &'static str,
        value: Option<T>,
    ) -> Result<(), Failure> {
        let text = value
            .map(|value| serde_json::to_string(&value))
            .transpose()
            .map_err(|error| Failure::usage(format!("--{flag}: {error}")))?;
        self.json(property, flag, text)
    }

    /// A repeatable flag: its values as a JSON array, when it was given.
    #[allow(dead_code)] // Used by the tools of specs with such a field.
    pub(crate) fn list<T: serde::Serialize>(
        &mut self,
        property: &'static str,
        flag: &'static str,
        values: Vec<T>,
    ) -> Result<(), Failure> {
        let value = (!values.is_empty()).then_some(values);
        self.value(property, flag, value)
    }

    /// `json` for `property` when neither its flag nor the body gives it.
    #[allow(dead_code)] // Used by the tools of specs with a required page number.
    pub(crate) fn fallback(&mut self, property: &'static str, json: &'static str) {
        self.fallbacks.push((property, json));
    }

    /// The payload: the body (or `{}`), each given flag on top, the fallbacks for what
    /// neither gives, read as `P`.
    pub(crate) fn payload<P: serde::de::DeserializeOwned>(
        &mut self,
        body: &BodyArgs,
    ) -> Result<P, Failure> {
        self.made(body.text()?)
    }

    /// An operation's path and query parameters: each given flag, read as its params
    /// struct `P`.
    #[allow(dead_code)] // Used by the tools of specs with parameters.
    pub(crate) fn params<P: serde::de::DeserializeOwned>(&mut self) -> Result<P, Failure> {
        self.made(None)
    }

    /// The body's JSON (or `{}`), each given flag on top, the fallbacks for what neither
    /// gives, read as `P`.
    fn made<P: serde::de::DeserializeOwned>(
        &mut self,
        body_text: Option<String>,
    ) -> Result<P, Failure> {
        let mut object: BTreeMap<String, Box<RawValue>> = match &body_text {
            Some(text) => serde_json::from_str(text).map_err(|error| {
                Failure::usage(format!(
                    "the payload (--body or --body-file) is not a JSON object: {error}"
                ))
            })?,
            None => BTreeMap::new(),
        };
        for (property, flag, value) in std::mem::take(&mut self.given) {
            if object.insert(property.to_owned(), value).is_some() {
                return Err(Failure::usage(format!(
                    "`{property}` is given twice, by --{flag} and in the body: give it once"
                )));
            }
        }
        for (property, json) in std::mem::take(&mut self.fallbacks) {
            if !object.contains_key(property) {
                let json = RawValue::from_string(json.to_owned())
                    .map_err(|error| Failure::usage(format!("`{property}`: {error}")))?;
                object.insert(property.to_owned(), json);
                self.fell_back.push(property);
            }
        }
        let json =
            serde_json::to_string(&object).map_err(|error| Failure::usage(error.to_string()))?;
        serde_json::from_str(&json).map_err(|error| {
            let mut message = format!(
                "the payload is not what the operation takes: {}",
                without_position(&error)
            );
            if let Some((property, flag)) = self
                .flags
                .iter()
                .find(|(property, _)| error.to_string().contains(&format!("`{property}`")))
            {
                message.push_str(&format!(" (`{property}` is --{flag})"));
            }
            Failure::usage(message)
        })
    }

    /// Whether `property` took its fallback value in the payload made last: neither a
    /// flag nor the body gave it.
    #[allow(dead_code)] // Used by the tools of specs with a required page number.
    pub(crate) fn fell_back(&self, property: &str) -> bool {
        self.fell_back.contains(&property)
    }
}

/// serde_json's message without " at line 1 column N": a position in JSON the tool put
/// together means nothing to the user.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

impl BodyArgs {
    fn text(&self) -> Result<Option<String>, Failure> {
        if let Some(body) = &self.body {
            return Ok(Some(body.clone()));
        }
        let Some(path) = &self.body_file else {
            return Ok(None);
        };
        let mut text = String::new();
        let read = if path.as_os_str() == "-" {
            std::io::stdin().read_to_string(&mut text).map(|_| ())
        } else {
            std::fs::File::open(path)
                .and_then(|mut file| file.read_to_string(&mut text).map(|_| ()))
        };
        read.map_err(|error| Failure::usage(format!("--body-file {}: {error}", path.display())))?;
        Ok(Some(text))
    }
}

/// Parses a flag holding JSON, so that clap refuses bad JSON naming the flag.
#[allow(dead_code)] // Used by the tools of specs with such a field.
pub(crate) fn json_text(text: &str) -> Result<String, String> {
    serde_json::from_str::<&RawValue>(text)
        .map(|_| text.to_owned())
        .map_err(|error| format!("not JSON: {error}"))
}

/// Parses a flag holding an exact decimal number (kept as its text, sent as a JSON number).
#[allow(dead_code)] // Used by the tools of specs with such a field.
pub(crate) fn decimal(text: &str) -> Result<String, String> {
    let number = client::Decimal::from_str_exact(text)
        .or_else(|_| client::Decimal::from_scientific(text))
        .map_err(|error| format!("not a decimal number: {error}"))?;
    Ok(number.to_string())
}

/// Parses a flag holding a date-time in RFC 3339 form (`2024-05-01T12:00:00Z`).
#[allow(dead_code)] // Used by the tools of specs with such a field.
pub(crate) fn date_time(text: &str) -> Result<String, String> {
    client::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|_| text.to_owned())
        .map_err(|error| format!("not an RFC 3339 date-time such as 2024-05-01T12:00:00Z: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Payload {
        customer_id: String,
        amount: Option<Box<RawValue>>,
        tags: Option<Vec<String>>,
    }

    fn body(json: Option<&str>) -> BodyArgs {
        BodyArgs {
            body: json.map(str::to_owned),
            body_file: None,
        }
    }

    #[test]
    fn flags_go_on_top_of_the_body_and_the_result_is_typed() {
        let mut fields = Fields::new();
        fields
            .value("customerId", "customer-id", Some("c-1"))
            .unwrap();
        fields
            .json("amount", "amount", Some(decimal("1.10").unwrap()))
            .unwrap();
        fields.list("tags", "tag", Vec::<String>::new()).unwrap();
        let payload: Payload = fields
            .payload(&body(Some(r#"{"tags":["a","b"]}"#)))
            .unwrap();
        assert_eq!(payload.customer_id, "c-1");
        assert_eq!(payload.amount.unwrap().get(), "1.10");
        assert_eq!(payload.tags.unwrap(), ["a", "b"]);
    }

    #[test]
    fn a_fallback_fills_only_what_neither_a_flag_nor_the_body_gives() {
        let mut fields = Fields::new();
        fields.fallback("customerId", "\"first\"");
        let payload: Payload = fields.payload(&body(None)).unwrap();
        assert_eq!(payload.customer_id, "first");
        assert!(fields.fell_back("customerId"));
        let mut fields = Fields::new();
        fields.fallback("customerId", "\"first\"");
        let payload: Payload = fields
            .payload(&body(Some(r#"{"customerId":"c-9"}"#)))
            .unwrap();
        assert_eq!(payload.customer_id, "c-9");
        assert!(!fields.fell_back("customerId"));
        let mut fields = Fields::new();
        fields
            .value("customerId", "customer-id", Some("c-1"))
            .unwrap();
        fields.fallback("customerId", "\"first\"");
        let payload: Payload = fields.payload(&body(None)).unwrap();
        assert_eq!(payload.customer_id, "c-1");
        assert!(!fields.fell_back("customerId"));
    }

    #[test]
    fn a_missing_field_names_its_flag_and_a_field_given_twice_is_refused() {
        let mut fields = Fields::new();
        fields
            .value::<String>("customerId", "customer-id", None)
            .unwrap();
        let error = fields.payload::<Payload>(&body(None)).unwrap_err();
        assert_eq!(
            error.message(),
            "the payload is not what the operation takes: missing field `customerId` (`customerId` is --customer-id)"
        );
        let mut fields = Fields::new();
        fields
            .value("customerId", "customer-id", Some("c-1"))
            .unwrap();
        let error = fields
            .payload::<Payload>(&body(Some(r#"{"customerId":"c-2"}"#)))
            .unwrap_err();
        assert!(error
            .message()
            .contains("given twice, by --customer-id and in the body"));
        let error = Fields::new()
            .payload::<Payload>(&body(Some("[1]")))
            .unwrap_err();
        assert!(error
            .message()
            .starts_with("the payload (--body or --body-file) is not a JSON object"));
    }

    #[test]
    fn flag_parsers_refuse_what_the_api_would_and_keep_decimals_exact() {
        assert_eq!(
            decimal("0.1000000000000000000001").unwrap(),
            "0.1000000000000000000001"
        );
        assert_eq!(decimal("1e-3").unwrap(), "0.001");
        assert!(decimal("1.2.3")
            .unwrap_err()
            .starts_with("not a decimal number"));
        assert!(date_time("2024-05-01T12:00:00Z").is_ok());
        assert!(date_time("yesterday").is_err());
        assert!(json_text("{\"a\":1}").is_ok());
        assert!(json_text("{a:1}").unwrap_err().starts_with("not JSON"));
    }
}
