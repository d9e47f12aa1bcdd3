//! `src/lib.rs`: crate docs, modules and re-exports.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use crate::model::Api;

pub fn emit(api: &Api) -> TokenStream {
    let crate_doc = docs::inner(&crate_doc(api));
    quote! {
        #crate_doc
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]

        mod client;
        mod clock;
        mod error;
        pub mod signing;
        pub mod types;
        mod wire;

        pub use client::*;
        pub use clock::{Clock, FixedClock, SystemClock};
        pub use error::{ApiError, BuildError, Error, RawBody};
        pub use wire::*;

        pub use reqwest;
        pub use rust_decimal::Decimal;
        pub use secrecy::SecretString;
        pub use time::OffsetDateTime;
        pub use uuid::Uuid;

        /// Compiles the README's examples as doctests.
        #[cfg(doctest)]
        #[doc = include_str!("../README.md")]
        struct ReadmeDoctests;
    }
}

fn crate_doc(api: &Api) -> String {
    let lib = api.package.lib_name();
    let base_url = if api.default_base_url.is_some() {
        String::new()
    } else {
        "\n    .base_url(\"https://api.example.com\")".to_owned()
    };
    let operations: String = api
        .operations
        .iter()
        .map(|op| {
            let summary = docs::summary_line(op);
            format!(
                "\n| [`Client::{}`] | `{}` | {summary} |",
                op.method, op.http_path
            )
        })
        .collect();
    let description = api.description.as_deref().unwrap_or_default();
    format!(
        "A client for the {title} (version {version}).\n\n\
         {description}\n\n\
         # Usage\n\n\
         ```no_run\n\
         use {lib}::{{Client, SecretString}};\n\n\
         # fn main() -> Result<(), {lib}::BuildError> {{\n\
         let client = Client::builder(){base_url}\n    \
             .account(\"your-account\")\n    \
             .api_key(\"your-api-key\")\n    \
             .api_secret(SecretString::from(\"your-api-secret\"))\n    \
             .build()?;\n\
         # let _ = client;\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n\
         Every call fills in the account and the current time, signs the body and sends it; \
         errors come back as an [`Error`] you can match on.\n\n\
         # Operations\n\n\
         | Method | Path | Summary |\n\
         |---|---|---|{operations}",
        title = api.title,
        version = api.api_version,
    )
}
