//! `README.md` of the generated crate: what it is, how to build a client, what each call does.

use super::docs;
use crate::model::Api;

pub fn emit(api: &Api) -> String {
    let package = &api.package;
    let lib = package.lib_name();
    let base_url_call = if api.default_base_url.is_some() {
        ""
    } else {
        "\n        .base_url(\"https://api.example.com\")"
    };
    let base_url = match &api.default_base_url {
        Some(url) => format!("Requests go to `{url}` unless you set `.base_url(...)`."),
        None => "Set the base URL with `.base_url(...)`: the spec names no default.".to_owned(),
    };
    let operations: String = api
        .operations
        .iter()
        .map(|op| {
            let summary = docs::summary_line(op);
            format!(
                "| `{}` | `POST {}` | `{}` | {summary} |\n",
                op.method, op.http_path, op.payload
            )
        })
        .collect();
    format!(
        "# {name}\n\n\
         {description}\n\n\
         A typed, async client for the {title} (API version {version}). Every request is signed: \
         the client stamps the account and the current time into the body, signs exactly those \
         bytes with HMAC-SHA512 and your API secret, and sends them with the `{key}` and `{sign}` \
         headers. The secret is never sent, printed or logged.\n\n\
         ## Usage\n\n\
         ```rust,no_run\n\
         use {lib}::{{Client, SecretString}};\n\n\
         fn client() -> Result<Client, Box<dyn std::error::Error>> {{\n    \
             let client = Client::builder(){base_url_call}\n        \
                 .account(\"your-account\")\n        \
                 .api_key(std::env::var(\"API_KEY\")?)\n        \
                 .api_secret(SecretString::from(std::env::var(\"API_SECRET\")?))\n        \
                 .build()?;\n    \
             Ok(client)\n\
         }}\n\
         ```\n\n\
         {base_url} Pass your own `reqwest::Client` with `.http_client(...)` for proxies or \
         TLS settings, and your own clock with `.clock(...)` in tests.\n\n\
         Money amounts are exact `Decimal`s, never floats. Enums keep values this version does \
         not know in an `Unknown` variant, and unknown response fields are ignored, so a server \
         that grows does not break your code.\n\n\
         ## Operations\n\n\
         | Method | Endpoint | Payload | Summary |\n\
         |---|---|---|---|\n\
         {operations}\n\
         ## Errors\n\n\
         Every method returns `Result<_, {lib}::Error>`. `Error::Api` carries the HTTP status and \
         the API's error body; the other variants cover unexpected statuses, redirects (never \
         followed, since a followed 307 or 308 would send the signed request wherever it points), \
         undecodable, cut-short or too large bodies and transport failures. `Error::request_may_have_reached_server` tells whether a failed \
         call may still have taken effect.\n\n\
         ## Retries, timeouts and the clock\n\n\
         {retries} Waits grow exponentially with jitter and honour `Retry-After`; every attempt \
         is stamped and signed anew. Set the policy with `.retry_policy(...)` \
         (`RetryPolicy::NONE` turns it off), the per-attempt and connect timeouts with \
         `.timeout(...)` and `.connect_timeout(...)`, and override them for one call with \
         `client.with_options(RequestOptions::new()...)`.{clock}\n\n\
         {extras}\
         ## Testing your code\n\n\
         {testing}\n\n\
         ## Tracing\n\n\
         Each call runs in a `tracing` span with its operation, attempt, status and duration. \
         Secrets and signatures are never recorded; bodies only with `.trace_bodies(true)`, at \
         TRACE level.\n\n\
         ## Features\n\n\
         - `rustls` (default): TLS through rustls, with reqwest's own crypto provider \
         (aws-lc-rs) and the platform's certificate verifier.\n\
         - `rustls-ring`: rustls with the ring provider instead, with \
         `default-features = false`: a clean build about a third shorter, without aws-lc's C \
         library. This client brings its own TLS setup, but any other `reqwest` client in \
         the program that has no provider of its own then panics when built, unless the \
         application first installs one: \
         `rustls::crypto::ring::default_provider().install_default()`.\n\
         - `native-tls`: TLS through the platform's library (OpenSSL on Linux) instead.\n\
         - `mock`: the mock of the API for your tests (see above); for `[dev-dependencies]`.\n\
         - None of them (`default-features = false`): plain `http://` only, e.g. for tests \
         against a local server.\n",
        name = package.name,
        description = package.description,
        title = api.title,
        version = api.api_version,
        key = api.signing.key_header,
        sign = api.signing.signature_header,
        retries = retries_text(api),
        clock = clock_text(api),
        extras = extras(api),
        testing = super::testing_guide::text(api),
    )
}

fn retries_text(api: &Api) -> String {
    let safe: Vec<String> = api
        .operations
        .iter()
        .filter(|op| op.idempotent)
        .map(|op| format!("`{}`", op.method))
        .collect();
    if safe.is_empty() {
        return "Calls are retried only when the request certainly never reached the server."
            .to_owned();
    }
    format!(
        "Operations that are safe to repeat ({}) are retried after connection errors, \
         timeouts, HTTP 429 and 5xx; the others only when the request certainly never reached \
         the server, or when a call opts in.",
        safe.join(", ")
    )
}

fn clock_text(api: &Api) -> String {
    match &api.signing.timestamp_rejected {
        Some(_) => " When the server refuses a timestamp and sends its `Date`, the client \
                    learns the clock offset, re-signs, tries once more and keeps the offset \
                    (`client.clock_offset_millis()`)."
            .to_owned(),
        None => String::new(),
    }
}

/// Sections for pagination and webhooks, when the spec has them.
fn extras(api: &Api) -> String {
    let mut text = String::new();
    if let Some(op) = api.operations.iter().find(|op| op.pagination.is_some()) {
        let first = op.pagination.as_ref().map_or(0, |p| p.first_page);
        text.push_str(&format!(
            "## Pagination\n\n\
             `{m}_stream(...)` yields every item of `{m}` as a `futures::Stream`, asking for the \
             next page only when needed; `{m}_all(...)` collects them. Pages are numbered from \
             {first}.\n\n",
            m = op.method,
        ));
    }
    if api.webhooks.is_some() {
        text.push_str(
            "## Webhooks\n\n\
             `WebhookVerifier::new(public_key, &secret_key).verify(&headers, &raw_body)` checks \
             a delivered webhook's signature in constant time and returns the typed event; \
             event types this version does not know are kept as `WebhookEvent::Other`, and \
             data that does not fit its event's schema as `WebhookEvent::Untyped`.\n\n",
        );
    }
    text
}
