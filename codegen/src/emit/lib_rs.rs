//! `src/lib.rs`: crate docs (setup and a call first, then a guide whose examples compile as
//! doctests, then the spec's description), the module tree of generated and copied files,
//! and re-exports.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use crate::model::{Api, Operation};

/// The crate root: its docs, the module `declarations` (from [`super::module_tree`]) and the
/// re-exports, sorted as rustfmt sorts them.
pub fn emit(api: &Api, declarations: TokenStream) -> TokenStream {
    let crate_doc = docs::inner(&crate_doc(api));
    let mut reexports = vec![
        "client::*",
        "clock::{Clock, FixedClock, SystemClock}",
        "error::{ApiError, BuildError, Error, RawBody}",
        "retry::{RequestOptions, RetryPolicy}",
        "reqwest",
        "rust_decimal::Decimal",
        "secrecy::SecretString",
        "time::OffsetDateTime",
        "uuid::Uuid",
    ];
    if api.default_base_url.is_some() {
        reexports.push("contract::DEFAULT_BASE_URL");
    }
    if api.webhooks.is_some() {
        reexports.push("webhooks::{Webhook, WebhookError, WebhookEvent, WebhookVerifier}");
    }
    if api.uses.enums {
        reexports.push("wire::unknown_value::UnknownValue");
    }
    reexports.sort_unstable();
    let reexports = reexports.iter().map(|path| {
        let path: TokenStream = path.parse().unwrap_or_default();
        quote!(pub use #path;)
    });
    quote! {
        #crate_doc
        #![deny(missing_docs)]
        #![forbid(unsafe_code)]

        #declarations

        #(#reexports)*

        /// Compiles the README's examples as doctests.
        #[cfg(doctest)]
        #[doc = include_str!("../README.md")]
        struct ReadmeDoctests;
    }
}

fn crate_doc(api: &Api) -> String {
    let description = api.description.as_deref().unwrap_or_default();
    let sections = [
        Some(setup(api)),
        Some(a_call(api)),
        Some(errors(api)),
        Some(retries(api)),
        Some(clock(api)),
        pagination(api),
        webhooks(api),
        Some(tracing(api)),
        Some(format!(
            "# Testing your code\n\n{}",
            super::testing_guide::text(api)
        )),
        Some(operations(api)),
    ];
    let guide: Vec<String> = sections.into_iter().flatten().collect();
    let about = match description.trim() {
        "" => String::new(),
        text => format!("\n\n# About the API\n\n{text}"),
    };
    format!(
        "A client for the {title} (version {version}).\n\n{guide}{about}",
        title = api.title,
        version = api.api_version,
        guide = guide.join("\n\n"),
    )
}

fn setup(api: &Api) -> String {
    let lib = api.package.lib_name();
    let base_url = base_url_call(api);
    format!(
        "# Setup\n\n\
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
         A [`Client`] is cheap to clone; clones share one connection pool. Replace its clock \
         with [`ClientBuilder::clock`] in tests."
    )
}

/// The builder call an example needs when the spec names no default server.
fn base_url_call(api: &Api) -> &'static str {
    if api.default_base_url.is_some() {
        ""
    } else {
        "\n    .base_url(\"https://api.example.com\")"
    }
}

/// The operation an example calls: the first that matches, else the first of all.
pub(super) fn example_operation(api: &Api, wanted: impl Fn(&Operation) -> bool) -> &Operation {
    api.operations
        .iter()
        .find(|op| wanted(op))
        .unwrap_or(&api.operations[0])
}

fn a_call(api: &Api) -> String {
    let lib = api.package.lib_name();
    let op = example_operation(api, |op| op.idempotent);
    format!(
        "# A call\n\n\
         Each operation is a method that takes its payload and returns its response. The \
         client fills in the account and the current time, signs the body and sends it.\n\n\
         ```no_run\n\
         use {lib}::{{Client, Error, types}};\n\n\
         async fn show(client: &Client, payload: &types::{payload}) -> Result<(), Error> {{\n    \
             let response = client.{method}(payload).await?;\n    \
             println!(\"{{response:?}}\");\n    \
             Ok(())\n\
         }}\n\
         ```",
        payload = op.payload,
        method = op.method,
    )
}

fn errors(api: &Api) -> String {
    let lib = api.package.lib_name();
    let op = example_operation(api, |op| !op.idempotent);
    format!(
        "# Errors\n\n\
         Every method returns `Result<_, Error>`. [`Error::Api`] carries the HTTP status and \
         the API's error body; the other variants cover statuses without that body, redirects \
         (never followed: a followed 307 or 308 would send the signed request wherever it \
         points), responses that do not decode, bodies cut short or too large, and transport \
         failures. Before repeating a call that changes \
         state, ask [`Error::request_may_have_reached_server`].\n\n\
         ```no_run\n\
         use {lib}::{{Client, Error, types}};\n\n\
         async fn run(client: &Client, payload: &types::{payload}) {{\n    \
             match client.{method}(payload).await {{\n        \
                 Ok(response) => println!(\"done: {{response:?}}\"),\n        \
                 Err(Error::Api(refused)) => {{\n            \
                     eprintln!(\"refused with HTTP {{}}: {{:?}}\", refused.status, refused.body)\n        \
                 }}\n        \
                 Err(error) if !error.request_may_have_reached_server() => {{\n            \
                     eprintln!(\"never sent; safe to try again: {{error}}\")\n        \
                 }}\n        \
                 Err(error) => eprintln!(\"may or may not have taken effect: {{error}}\"),\n    \
             }}\n\
         }}\n\
         ```",
        payload = op.payload,
        method = op.method,
    )
}

fn retries(api: &Api) -> String {
    let lib = api.package.lib_name();
    let base_url = base_url_call(api);
    let op = example_operation(api, |op| !op.idempotent);
    let safe: Vec<String> = api
        .operations
        .iter()
        .filter(|op| op.idempotent)
        .map(|op| format!("[`{m}`](Client::{m})", m = op.method))
        .collect();
    let safe = if safe.is_empty() {
        "The spec marks no operation as safe to repeat, so calls are retried only when their \
         request certainly never reached the server."
            .to_owned()
    } else {
        format!(
            "The operations the spec marks safe to repeat ({}) are retried after a connection \
             error, a timeout, HTTP 429 or a 5xx. The others are retried only when the request \
             certainly never reached the server (the connection could not be made), unless a \
             call opts in.",
            safe.join(", ")
        )
    };
    format!(
        "# Retries and timeouts\n\n\
         {safe} Waits grow exponentially with jitter, and a `Retry-After` on a 429 or 503 is \
         honoured. Every attempt is stamped and signed anew. The defaults: \
         [`RetryPolicy::DEFAULT`] (3 attempts), [`DEFAULT_TIMEOUT`] per attempt, \
         [`DEFAULT_CONNECT_TIMEOUT`] to connect.\n\n\
         ```no_run\n\
         use std::time::Duration;\n\
         use {lib}::{{Client, RequestOptions, RetryPolicy, SecretString, types}};\n\n\
         # async fn run(payload: &types::{payload}) -> Result<(), Box<dyn std::error::Error>> {{\n\
         let client = Client::builder(){base_url}\n    \
             .account(\"your-account\")\n    \
             .api_key(\"your-api-key\")\n    \
             .api_secret(SecretString::from(\"your-api-secret\"))\n    \
             .retry_policy(RetryPolicy::new(4, Duration::from_millis(200)))\n    \
             .timeout(Duration::from_secs(20))\n    \
             .connect_timeout(Duration::from_secs(5))\n    \
             .build()?;\n\n\
         // One call with its own settings: a shorter timeout, and retried even though it\n\
         // changes state, because this caller knows a repeat is harmless.\n\
         let response = client\n    \
             .with_options(\n        \
                 RequestOptions::new()\n            \
                     .timeout(Duration::from_secs(5))\n            \
                     .retry_state_changing(true),\n    \
             )\n    \
             .{method}(payload)\n    \
             .await?;\n\
         # let _ = response;\n\
         # Ok(())\n\
         # }}\n\
         ```\n\n\
         [`RetryPolicy::NONE`] turns retries off.",
        payload = op.payload,
        method = op.method,
    )
}

fn clock(api: &Api) -> String {
    let skew = api.signing.max_clock_skew_seconds;
    match &api.signing.timestamp_rejected {
        Some((property, value)) => format!(
            "# Clock skew\n\n\
             The server accepts a timestamp within {skew} seconds of its own clock. When it \
             refuses one (`{property}` `{value}`) and its response carries a `Date` header, the \
             client learns how far off its clock is, stamps and signs the request again, and \
             tries once more. It keeps using the offset for later calls; \
             [`Client::clock_offset_millis`] shows it."
        ),
        None => format!(
            "# Clock skew\n\n\
             The server accepts a timestamp within {skew} seconds of its own clock; keep the \
             machine's clock in sync."
        ),
    }
}

fn pagination(api: &Api) -> Option<String> {
    let lib = api.package.lib_name();
    let op = api.operations.iter().find(|op| op.pagination.is_some())?;
    let pagination = op.pagination.as_ref()?;
    let first = pagination.first_page;
    let numbered = if pagination.first_page_inferred {
        format!(
            "Pages are numbered from {first}, an inference: the API does not document how it \
             numbers them. If the server counts otherwise, a walk would skip or repeat a page; \
             [`ClientBuilder::first_page`] sets the first page's number for every paged \
             operation."
        )
    } else {
        format!(
            "Pages are numbered from {first}; [`ClientBuilder::first_page`] sets another first \
             page for every paged operation."
        )
    };
    Some(format!(
        "# Pagination\n\n\
         A paged operation has two more methods: `{m}_stream` yields every item, asking for \
         the next page only when the items before it have been taken, and `{m}_all` collects \
         them. {numbered} Take items with `futures::StreamExt` (or `futures_util`).\n\n\
         ```no_run\n\
         use futures_util::StreamExt;\n\
         use {lib}::{{Client, Error, types}};\n\n\
         async fn walk(client: &Client, payload: &types::{payload}) -> Result<(), Error> {{\n    \
             let mut items = std::pin::pin!(client.{m}_stream(payload));\n    \
             while let Some(item) = items.next().await {{\n        \
                 println!(\"{{:?}}\", item?);\n    \
             }}\n    \
             let all = client.{m}_all(payload).await?;\n    \
             println!(\"{{}} in all\", all.len());\n    \
             Ok(())\n\
         }}\n\
         ```",
        m = op.method,
        payload = op.payload,
    ))
}

fn webhooks(api: &Api) -> Option<String> {
    let lib = api.package.lib_name();
    let webhooks = api.webhooks.as_ref()?;
    let event = webhooks.events.first()?;
    Some(format!(
        "# Webhooks\n\n\
         The API POSTs events to your subscription's URL, signed with the subscription's key \
         pair. A [`WebhookVerifier`] checks the `{key}` and `{sign}` headers against the raw \
         body, in constant time, and returns a [`Webhook`] with a typed [`WebhookEvent`]. A \
         webhook whose signature checks out is never refused for its content: event types \
         this version does not list arrive as [`WebhookEvent::Other`], and data that does not \
         fit its event's schema as [`WebhookEvent::Untyped`], with the reason.\n\n\
         ```no_run\n\
         use {lib}::reqwest::header::HeaderMap;\n\
         use {lib}::{{SecretString, WebhookError, WebhookEvent, WebhookVerifier}};\n\n\
         // `body`: the request body exactly as received, before any JSON parsing.\n\
         fn handle(headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {{\n    \
             let verifier = WebhookVerifier::new(\n        \
                 \"subscription-public-key\",\n        \
                 &SecretString::from(\"subscription-secret-key\"),\n    \
             );\n    \
             let webhook = verifier.verify(headers, body)?;\n    \
             match webhook.event {{\n        \
                 WebhookEvent::{variant}(data) => println!(\"{wire}: {{data:?}}\"),\n        \
                 other => println!(\"{{}}\", other.event_type()),\n    \
             }}\n    \
             Ok(())\n\
         }}\n\
         ```",
        key = api.signing.key_header,
        sign = api.signing.signature_header,
        variant = event.variant,
        wire = event.event_type,
    ))
}

fn tracing(api: &Api) -> String {
    let lib = api.package.lib_name();
    format!(
        "# Tracing\n\n\
         Each call runs in a `tracing` span named `call` (target `{lib}::call`) with the fields \
         `operation`, `attempt`, `status` and `duration_ms`. A retry is a DEBUG event and a \
         learned clock offset a WARN event. The secret and the signatures are never recorded; \
         request and response bodies only when [`ClientBuilder::trace_bodies`] is on, as \
         TRACE events."
    )
}

fn operations(api: &Api) -> String {
    let rows: String = api
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
    format!("# Operations\n\n| Method | Path | Summary |\n|---|---|---|{rows}")
}
