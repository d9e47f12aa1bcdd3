//! `src/wire.rs`: wire formats that serde's defaults get wrong for money and dates,
//! and the holder of unknown enum values. Each piece is emitted only when the spec uses it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, RustType, TypeKind};

pub fn emit(api: &Api) -> TokenStream {
    let uses = |wanted: &RustType| {
        api.types.iter().any(|def| match &def.kind {
            TypeKind::Struct(s) => s.fields.iter().any(|f| f.ty.contains(wanted)),
            TypeKind::Enum(_) => false,
        })
    };
    let has_enums = api
        .types
        .iter()
        .any(|def| matches!(def.kind, TypeKind::Enum(_)));
    let unknown_value = has_enums.then(unknown_value);
    let decimal = uses(&RustType::Decimal).then(decimal);
    let date_time = uses(&RustType::DateTime).then(date_time);
    let field_trait = (decimal.is_some() || date_time.is_some()).then(field_trait);
    quote! {
        //! Wire formats: exact decimals, tolerant date-times and unknown enum values.
        #unknown_value
        #field_trait
        #decimal
        #date_time
    }
}

fn unknown_value() -> TokenStream {
    quote! {
        /// A value of an open enum that this version of the crate does not know.
        ///
        /// Servers may add enum values at any time; such a value is kept, not rejected.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct UnknownValue(String);

        impl UnknownValue {
            pub(crate) fn new(value: &str) -> Self {
                Self(value.to_owned())
            }

            /// The value as it was received.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for UnknownValue {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    }
}

fn decimal() -> TokenStream {
    quote! {
        /// JSON numbers as exact decimals, for `Decimal` and `Option<Decimal>` fields.
        ///
        /// serde_json reads numbers as `f64` unless the whole program enables its
        /// `arbitrary_precision` feature; reading the raw number text avoids both.
        pub(crate) mod decimal {
            use rust_decimal::Decimal;
            use serde::{Deserialize, Deserializer, Serialize, Serializer};
            use serde_json::value::RawValue;

            pub(crate) fn serialize<T: super::Field<Decimal>, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
                match value.get() {
                    Some(value) => {
                        let number = RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
                        number.serialize(serializer)
                    }
                    None => serializer.serialize_none(),
                }
            }

            pub(crate) fn deserialize<'de, T: super::Field<Decimal>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
                let raw = Option::<Box<RawValue>>::deserialize(deserializer)?;
                let value = raw.map(|raw| parse(raw.get())).transpose().map_err(serde::de::Error::custom)?;
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
        }
    }
}

fn date_time() -> TokenStream {
    quote! {
        /// Date-times, for `OffsetDateTime` and `Option<OffsetDateTime>` fields: RFC 3339 out;
        /// RFC 3339 or ISO 8601 in. One without an offset (the provider's webhooks send such)
        /// is read as UTC.
        pub(crate) mod date_time {
            use serde::{Deserialize, Deserializer, Serializer};
            use time::format_description::well_known::{Iso8601, Rfc3339};
            use time::{OffsetDateTime, PrimitiveDateTime};

            pub(crate) fn serialize<T: super::Field<OffsetDateTime>, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
                match value.get() {
                    Some(value) => {
                        let text = value.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
                        serializer.serialize_str(&text)
                    }
                    None => serializer.serialize_none(),
                }
            }

            pub(crate) fn deserialize<'de, T: super::Field<OffsetDateTime>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
                let text = Option::<String>::deserialize(deserializer)?;
                let value = text.map(|text| parse(&text)).transpose().map_err(serde::de::Error::custom)?;
                T::from_value(value).map_err(serde::de::Error::custom)
            }

            pub(crate) fn parse(text: &str) -> Result<OffsetDateTime, String> {
                OffsetDateTime::parse(text, &Rfc3339)
                    .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
                    .or_else(|_| PrimitiveDateTime::parse(text, &Iso8601::DEFAULT).map(PrimitiveDateTime::assume_utc))
                    .map_err(|error| format!("`{text}` is not an RFC 3339 or ISO 8601 date-time: {error}"))
            }
        }
    }
}

/// Lets one `with` module serve both `T` and `Option<T>` fields.
fn field_trait() -> TokenStream {
    quote! {
        /// A field that holds a `T`, required or optional.
        pub(crate) trait Field<T>: Sized {
            fn get(&self) -> Option<&T>;
            fn from_value(value: Option<T>) -> Result<Self, &'static str>;
        }

        impl<T> Field<T> for T {
            fn get(&self) -> Option<&T> {
                Some(self)
            }

            fn from_value(value: Option<T>) -> Result<Self, &'static str> {
                value.ok_or("null where a value is required")
            }
        }

        impl<T> Field<T> for Option<T> {
            fn get(&self) -> Option<&T> {
                self.as_ref()
            }

            fn from_value(value: Option<T>) -> Result<Self, &'static str> {
                Ok(value)
            }
        }
    }
}
