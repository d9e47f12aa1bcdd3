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
         {base_url} Pass your own `reqwest::Client` with `.http_client(...)` for timeouts, \
         proxies or TLS settings, and your own clock with `.clock(...)` in tests.\n\n\
         Money amounts are exact `Decimal`s, never floats. Enums keep values this version does \
         not know in an `Unknown` variant, and unknown response fields are ignored, so a server \
         that grows does not break your code.\n\n\
         ## Operations\n\n\
         | Method | Endpoint | Payload | Summary |\n\
         |---|---|---|---|\n\
         {operations}\n\
         ## Errors\n\n\
         Every method returns `Result<_, {lib}::Error>`. `Error::Api` carries the HTTP status and \
         the API's error body; the other variants cover unexpected statuses, undecodable bodies and \
         transport failures. `Error::request_may_have_reached_server` tells whether a failed \
         call may still have taken effect.\n\n\
         ## Features\n\n\
         - `rustls` (default): TLS through rustls.\n\
         - `native-tls`: TLS through the platform's library instead.\n",
        name = package.name,
        description = package.description,
        title = api.title,
        version = api.api_version,
        key = api.signing.key_header,
        sign = api.signing.signature_header,
    )
}
