//! What the templates see of the model: the names, facts and examples their slots show,
//! derived here once, so that no emitter works them out again and a template reads its slots
//! by plain names (`{{ lib }}`, `{{ example.method }}`).

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::docs;
use super::rust_types::spelled;
use crate::model::{Api, Operation, Part};

/// The crate-wide view: the package, the API and the operations the examples call.
#[derive(Debug, Serialize)]
pub struct CrateView {
    /// The client's package name (`my-client`), which is also the tool's binary.
    pub name: String,
    /// The client's crate name in code (`my_client`).
    pub lib: String,
    pub version: String,
    pub description: String,
    pub license: String,
    pub repository: String,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub publish: bool,
    /// The file of the last release's spec, which the package leaves out.
    pub released_spec: &'static str,
    /// The tool's package (`my-client-cli`).
    pub cli_name: String,
    /// The prefix of the tool's environment variables (`MY_CLIENT`).
    pub env_prefix: String,
    pub title: String,
    pub api_version: String,
    /// The spec's description of the API, trimmed; `None` when it has none.
    pub about: Option<String>,
    pub default_base_url: Option<String>,
    pub key_header: String,
    pub signature_header: String,
    pub max_clock_skew_seconds: u32,
    /// The requests' HMAC, as the spec names it (`HMAC-SHA512`).
    pub algorithm: &'static str,
    /// What the requests' recipe signs, in words and in order: "the timestamp, a nonce and
    /// the body".
    pub signed_parts: String,
    /// Whether request bodies are an envelope with the account and the stamps.
    pub enveloped: bool,
    /// How the server says it refused a request's timestamp, if the spec says.
    pub timestamp_rejected: Option<RejectedView>,
    /// In spec order.
    pub operations: Vec<OperationView>,
    /// The methods of the operations that are safe to repeat.
    pub safe_methods: Vec<String>,
    /// The operation the examples of a safe call use: the first safe one, else the first.
    pub example: OperationView,
    /// The operation the examples of a state-changing call use.
    pub changing: OperationView,
    /// The first paged operation, for the pagination examples.
    pub paged: Option<OperationView>,
    /// The API sends webhooks.
    pub webhooks: bool,
    /// The webhook signature covers the URL the API delivers to: the verifier is told it.
    pub webhooks_sign_url: bool,
    /// The first webhook event, for the webhook example; `None` without webhooks.
    pub webhook_event: Option<EventView>,
    /// The envelope properties that identify a delivery (`identityProperties`); empty
    /// without webhooks or when the spec names none.
    pub webhook_identity: Vec<String>,
}

/// One operation, as its docs and the tables of operations show it.
#[derive(Debug, Clone, Serialize)]
pub struct OperationView {
    pub method: String,
    pub operation_id: String,
    /// The tool's command for it (the operation's Rust name in kebab case).
    pub command: String,
    pub http_path: String,
    /// `GET`, `POST`, ...
    pub http_method: String,
    /// What the client's method takes, for tables: the payload type, the params struct,
    /// both (`GetOrderParams, Order`), or `()`.
    pub payload: String,
    /// The method's parameters as an example declares them (`payload: &types::Widget`), and
    /// as it passes them (`payload`).
    pub args: String,
    pub values: String,
    /// The response type as an example spells it (`types::Widget`).
    pub response: String,
    /// The summary, trimmed; `None` when empty.
    pub summary: Option<String>,
    /// The summary's first line, for tables ("" without one).
    pub summary_line: String,
    /// The description, trimmed; `None` when empty.
    pub description: Option<String>,
    pub idempotent: bool,
    pub paging: Option<PagingView>,
    /// Why the operation is not named after its operationId, when it is not.
    pub renamed: Option<String>,
}

/// How a paged operation walks its pages.
#[derive(Debug, Clone, Serialize)]
pub struct PagingView {
    /// The methods that stream every item and collect them.
    pub stream_method: String,
    pub all_method: String,
    pub first_page: i64,
    /// The first page's number is inferred, not documented.
    pub first_page_inferred: bool,
    /// The payload field that holds the page number, and whether it is optional.
    pub page_field: String,
    pub page_optional: bool,
    /// The response gives the number of pages.
    pub total_pages: bool,
}

/// The error body property, and its value, that mean "timestamp outside the window".
#[derive(Debug, Serialize)]
pub struct RejectedView {
    pub property: String,
    pub value: String,
}

/// A webhook event, as the webhook example matches it.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub variant: String,
    pub event_type: String,
}

impl CrateView {
    /// The view of `api`.
    pub fn of(api: &Api) -> Self {
        let package = &api.package;
        let first = |wanted: fn(&Operation) -> bool| {
            OperationView::of(
                api.operations
                    .iter()
                    .find(|op| wanted(op))
                    .unwrap_or(&api.operations[0]),
            )
        };
        CrateView {
            name: package.name.clone(),
            lib: package.lib_name(),
            version: package.version.to_string(),
            description: package.description.clone(),
            license: package.license.clone(),
            repository: package.repository.clone(),
            keywords: package.keywords.clone(),
            categories: package.categories.clone(),
            publish: package.publish,
            released_spec: super::RELEASED_SPEC_FILE,
            cli_name: package.cli_name(),
            env_prefix: package.env_prefix(),
            title: api.title.clone(),
            api_version: api.api_version.clone(),
            about: trimmed(api.description.as_deref()),
            default_base_url: api.default_base_url.clone(),
            key_header: api.signing.key_header.clone(),
            signature_header: api.signing.signature_header.clone(),
            max_clock_skew_seconds: api.signing.max_clock_skew_seconds,
            algorithm: api.signing.recipe.algorithm.name(),
            signed_parts: signed_parts(&api.signing.recipe.parts),
            enveloped: api.signing.envelope.is_some(),
            timestamp_rejected: (api.signing.timestamp_rejected.as_ref()).map(
                |(property, value)| RejectedView {
                    property: property.clone(),
                    value: value.clone(),
                },
            ),
            operations: api.operations.iter().map(OperationView::of).collect(),
            safe_methods: (api.operations.iter())
                .filter(|op| op.idempotent)
                .map(|op| op.method.clone())
                .collect(),
            example: first(|op| op.idempotent),
            changing: first(|op| !op.idempotent),
            paged: (api.operations.iter())
                .find(|op| op.pagination.is_some())
                .map(OperationView::of),
            webhooks: api.webhooks.is_some(),
            webhooks_sign_url: api.webhooks_sign_url(),
            webhook_event: (api.webhooks.as_ref())
                .and_then(|webhooks| webhooks.events.first())
                .map(|event| EventView {
                    variant: event.variant.clone(),
                    event_type: event.event_type.clone(),
                }),
            webhook_identity: (api.webhooks.as_ref())
                .map(|webhooks| webhooks.identity_wire_names.clone())
                .unwrap_or_default(),
        }
    }

    /// The view as a template context, with `rustdoc` telling the `item` filter whether
    /// the text is read by rustdoc (links) or elsewhere (code).
    pub fn context(&self, rustdoc: bool) -> Value {
        minijinja::context! { rustdoc, ..Value::from(Serde(self)) }
    }
}

impl OperationView {
    /// The view of `op`.
    pub fn of(op: &Operation) -> Self {
        OperationView {
            method: op.method.clone(),
            operation_id: op.operation_id.clone(),
            command: op.command.clone(),
            http_path: op.http_path.clone(),
            http_method: op.http_method.as_str().to_owned(),
            payload: match (&op.params, &op.payload) {
                (None, Some(payload)) => payload.clone(),
                (Some(params), None) => params.name.clone(),
                (Some(params), Some(payload)) => format!("{}, {payload}", params.name),
                (None, None) => "()".to_owned(),
            },
            args: [
                op.params
                    .as_ref()
                    .map(|p| format!("params: &types::{}", p.name)),
                op.payload.as_ref().map(|p| format!("payload: &types::{p}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            values: [
                op.params.as_ref().map(|_| "params"),
                op.payload.as_ref().map(|_| "payload"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            response: spelled(&op.response, "types::"),
            summary: trimmed(op.summary.as_deref()),
            summary_line: docs::summary_line(op).to_owned(),
            description: trimmed(op.description.as_deref()),
            idempotent: op.idempotent,
            renamed: op.renamed.clone(),
            paging: op.pagination.as_ref().map(|pagination| PagingView {
                stream_method: pagination.stream_method.clone(),
                all_method: pagination.all_method.clone(),
                first_page: pagination.first_page,
                first_page_inferred: pagination.first_page_inferred,
                page_field: pagination.page_number_field.clone(),
                page_optional: pagination.page_number_optional,
                total_pages: pagination.total_pages.is_some(),
            }),
        }
    }

    /// The view as a template context: `{{ op.method }}`.
    pub fn context(&self) -> Value {
        minijinja::context! { op => Value::from(Serde(self)) }
    }

    /// The view as a template context, with the slots of `extra`.
    pub fn context_with(&self, extra: Value) -> Value {
        minijinja::context! { ..self.context(), ..extra }
    }
}

/// A recipe's signed parts in words, in order, fixed text left out.
fn signed_parts(parts: &[Part]) -> String {
    let words: Vec<&str> = parts
        .iter()
        .filter_map(|part| match part {
            Part::Body => Some("the body"),
            Part::Method => Some("the method"),
            Part::PathWithQuery => Some("the path with its query"),
            Part::Url => Some("the URL"),
            Part::Timestamp => Some("the timestamp"),
            Part::Nonce => Some("a nonce"),
            Part::Key => Some("the API key"),
            Part::Text(_) => None,
        })
        .collect();
    match words.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `text` trimmed, `None` when nothing is left.
fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}
