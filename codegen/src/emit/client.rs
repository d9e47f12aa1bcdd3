//! `src/client.rs`: the client, its builder, one method per operation, and the request path
//! every method shares (stamp, serialize once, sign those bytes, send those bytes).

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::rust_types::{ident, tokens};
use crate::model::{Api, Operation, RustType, TimestampUnit, TypeKind};

pub fn emit(api: &Api) -> TokenStream {
    let types = quote!(crate::types::);
    let methods = api.operations.iter().map(|op| operation_method(op, &types));
    let error_body = match &api.error_body {
        Some(ty) => tokens(ty, &types),
        None => quote!(serde_json::Value),
    };
    let error_body_check = error_body_check(api);
    let signing = &api.signing;
    let account_field = &signing.account_field;
    let timestamp_field = &signing.timestamp_field;
    let payload_field = &signing.payload_field;
    let timestamp = match signing.timestamp_unit {
        TimestampUnit::Milliseconds => quote!(inner.clock.now_unix_millis()),
        TimestampUnit::Seconds => quote!(inner.clock.now_unix_millis().div_euclid(1000)),
    };
    let envelope_doc = docs::outer(&format!(
        "The signed body of every request: `{account_field}`, `{timestamp_field}` and the \
         operation's `{payload_field}`."
    ));
    let (default_base_url, base_url_default, base_url_text) = match &api.default_base_url {
        Some(url) => {
            let doc = docs::outer(&format!("The base URL used when none is given: `{url}`."));
            (
                Some(quote! {
                    #doc
                    pub const DEFAULT_BASE_URL: &str = #url;
                }),
                quote!(.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())),
                format!("The API's base URL; defaults to [`DEFAULT_BASE_URL`] (`{url}`)."),
            )
        }
        None => (
            None,
            quote!(.ok_or(BuildError::MissingBaseUrl)?),
            "The API's base URL (required: the spec names no default server).".to_owned(),
        ),
    };

    let base_url_doc = docs::outer(&base_url_text);
    quote! {
        //! The client: one method per operation, all signed and sent the same way.

        use std::sync::Arc;

        use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
        use secrecy::SecretString;

        use crate::clock::{Clock, SystemClock};
        use crate::error::{ApiError, BuildError, Error, RawBody};
        use crate::signing::{KEY_HEADER, SIGNATURE_HEADER, Signer};

        #default_base_url

        /// The default limit on a success response's size: 16 MiB.
        pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

        /// A client for the API. Cheap to clone: clones share one connection pool.
        ///
        /// Every call stamps the account and the current time into the request envelope,
        /// serializes it once, signs exactly those bytes and sends exactly those bytes.
        #[derive(Clone)]
        pub struct Client {
            inner: Arc<Inner>,
        }

        struct Inner {
            http: reqwest::Client,
            base_url: String,
            account: String,
            api_key: HeaderValue,
            signer: Signer,
            clock: Arc<dyn Clock>,
            max_response_bytes: usize,
        }

        /// Shows where the client sends requests, never its secret.
        impl std::fmt::Debug for Client {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Client")
                    .field("base_url", &self.inner.base_url)
                    .field("account", &self.inner.account)
                    .field("api_secret", &"[redacted]")
                    .finish_non_exhaustive()
            }
        }

        #envelope_doc
        #[derive(serde::Serialize)]
        struct Envelope<'a, P> {
            #[serde(rename = #account_field)]
            account: &'a str,
            #[serde(rename = #timestamp_field)]
            timestamp: i64,
            #[serde(rename = #payload_field)]
            payload: &'a P,
        }

        impl Client {
            /// Starts building a client.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::default()
            }

            /// The account every request acts on.
            pub fn account(&self) -> &str {
                &self.inner.account
            }

            /// The base URL requests are sent to.
            pub fn base_url(&self) -> &str {
                &self.inner.base_url
            }

            #(#methods)*

            async fn send<P, R>(&self, path: &str, payload: &P) -> Result<R, Error>
            where
                P: serde::Serialize,
                R: serde::de::DeserializeOwned,
            {
                let request = self.signed_request(path, payload)?;
                let response = self.inner.http.execute(request).await.map_err(Error::Transport)?;
                read_response(response, self.inner.max_response_bytes).await
            }

            /// One attempt's request: a fresh timestamp, and a signature over exactly the bytes sent.
            fn signed_request<P: serde::Serialize>(&self, path: &str, payload: &P) -> Result<reqwest::Request, Error> {
                let inner = &*self.inner;
                let envelope = Envelope {
                    account: &inner.account,
                    timestamp: #timestamp,
                    payload,
                };
                let body = serde_json::to_vec(&envelope).map_err(Error::Encode)?;
                let signature = inner.signer.sign(&body);
                inner
                    .http
                    .post(format!("{}{path}", inner.base_url))
                    .header(HeaderName::from_static(KEY_HEADER), inner.api_key.clone())
                    .header(HeaderName::from_static(SIGNATURE_HEADER), signature.as_bytes())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body)
                    .build()
                    .map_err(Error::Transport)
            }
        }

        /// Reads a response: the success type, or the error that explains it.
        async fn read_response<R: serde::de::DeserializeOwned>(response: reqwest::Response, limit: usize) -> Result<R, Error> {
            let status = response.status();
            if status.is_success() {
                let (body, complete) = read_at_most(response, limit).await?;
                if !complete {
                    return Err(Error::ResponseTooLarge { status, limit });
                }
                return serde_json::from_slice(&body).map_err(|source| Error::Decode {
                    status,
                    body: RawBody::new(body, false),
                    source,
                });
            }
            let (body, complete) = read_at_most(response, RawBody::MAX_LEN).await?;
            if complete && is_api_error_body(&body) {
                if let Ok(error_body) = serde_json::from_slice::<#error_body>(&body) {
                    return Err(Error::Api(ApiError { status, body: error_body }));
                }
            }
            Err(Error::UnexpectedStatus { status, body: RawBody::new(body, !complete) })
        }

        #error_body_check

        /// Reads up to `limit` bytes of the body; `false` when there was more.
        async fn read_at_most(mut response: reqwest::Response, limit: usize) -> Result<(Vec<u8>, bool), Error> {
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(Error::Transport)? {
                let room = limit - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    return Ok((body, false));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((body, true))
        }

        /// Builds a [`Client`]. Account, API key and API secret are required.
        #[derive(Debug, Default)]
        pub struct ClientBuilder {
            base_url: Option<String>,
            account: Option<String>,
            api_key: Option<String>,
            api_secret: Option<SecretString>,
            http_client: Option<reqwest::Client>,
            clock: Option<Arc<dyn Clock>>,
            max_response_bytes: Option<usize>,
        }

        impl ClientBuilder {
            #base_url_doc
            #[must_use]
            pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
                self.base_url = Some(base_url.into());
                self
            }

            /// The merchant account every request acts on.
            #[must_use]
            pub fn account(mut self, account: impl Into<String>) -> Self {
                self.account = Some(account.into());
                self
            }

            /// The public API key, sent with every request.
            #[must_use]
            pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
                self.api_key = Some(api_key.into());
                self
            }

            /// The API secret that signs every request. It is never sent, printed or logged.
            #[must_use]
            pub fn api_secret(mut self, api_secret: SecretString) -> Self {
                self.api_secret = Some(api_secret);
                self
            }

            /// The HTTP client to send with, for your own timeouts, proxies, TLS or pool settings.
            /// By default, a `reqwest::Client` with a 30-second connect timeout and a 60-second
            /// overall timeout.
            #[must_use]
            pub fn http_client(mut self, http_client: reqwest::Client) -> Self {
                self.http_client = Some(http_client);
                self
            }

            /// The clock that stamps requests; [`SystemClock`] by default. Replace it in tests.
            #[must_use]
            pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
                self.clock = Some(Arc::new(clock));
                self
            }

            /// The largest success response the client reads, in bytes;
            /// [`DEFAULT_MAX_RESPONSE_BYTES`] by default.
            #[must_use]
            pub fn max_response_bytes(mut self, limit: usize) -> Self {
                self.max_response_bytes = Some(limit);
                self
            }

            /// Builds the client.
            ///
            /// # Errors
            ///
            /// A [`BuildError`] names the missing or invalid setting.
            pub fn build(self) -> Result<Client, BuildError> {
                let base_url = self.base_url #base_url_default;
                let parsed = reqwest::Url::parse(&base_url).ok();
                let usable = parsed.is_some_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
                if !usable {
                    return Err(BuildError::InvalidBaseUrl { url: base_url });
                }
                let account = self.account.ok_or(BuildError::MissingAccount)?;
                let api_key = self.api_key.ok_or(BuildError::MissingApiKey)?;
                let api_key = HeaderValue::from_str(&api_key).map_err(|_| BuildError::InvalidApiKey)?;
                let api_secret = self.api_secret.ok_or(BuildError::MissingApiSecret)?;
                let http = match self.http_client {
                    Some(http) => http,
                    None => reqwest::Client::builder()
                        .connect_timeout(std::time::Duration::from_secs(30))
                        .timeout(std::time::Duration::from_secs(60))
                        .build()
                        .map_err(BuildError::HttpClient)?,
                };
                Ok(Client {
                    inner: Arc::new(Inner {
                        http,
                        base_url: base_url.trim_end_matches('/').to_owned(),
                        account,
                        api_key,
                        signer: Signer::new(&api_secret),
                        clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                        max_response_bytes: self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                    }),
                })
            }
        }
    }
}

/// A proxy or gateway may answer with JSON of its own; a body counts as the API's error
/// body only when it names at least one property of the spec's error schema.
fn error_body_check(api: &Api) -> TokenStream {
    let properties: Option<Vec<&str>> = match &api.error_body {
        Some(RustType::Named(name)) => api.types.iter().find_map(|def| match &def.kind {
            TypeKind::Struct(s) if def.name == *name => {
                Some(s.fields.iter().map(|f| f.wire_name.as_str()).collect())
            }
            _ => None,
        }),
        _ => None,
    };
    match properties {
        Some(properties) => quote! {
            /// The properties of the API's error body; JSON with none of them is someone else's.
            const ERROR_BODY_PROPERTIES: &[&str] = &[#(#properties),*];

            fn is_api_error_body(body: &[u8]) -> bool {
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body)
                    .is_ok_and(|object| ERROR_BODY_PROPERTIES.iter().any(|name| object.contains_key(*name)))
            }
        },
        None => quote! {
            /// The spec's error body is not an object schema, so any JSON that parses as it counts.
            fn is_api_error_body(_body: &[u8]) -> bool {
                true
            }
        },
    }
}

fn operation_method(op: &Operation, types: &TokenStream) -> TokenStream {
    let summary = op.summary.as_deref();
    let sends = format!(
        "Sends `POST {}` (operation `{}`).",
        op.http_path, op.operation_id
    );
    let errors = "# Errors\n\nAn [`Error`] says what failed and whether the request may have \
                  reached the server.";
    let doc = docs::outer(&docs::paragraphs([
        summary,
        op.description.as_deref(),
        Some(&sends),
        Some(errors),
    ]));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let method = ident(&op.method);
    let payload = ident(&op.payload);
    let response = tokens(&op.response, types);
    let http_path = &op.http_path;
    quote! {
        #doc
        #deprecated
        pub async fn #method(&self, payload: &#types #payload) -> Result<#response, Error> {
            self.send(#http_path, payload).await
        }
    }
}
