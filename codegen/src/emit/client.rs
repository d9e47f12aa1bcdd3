//! `src/client.rs`: the client, its builder, and one method per operation (plus, for a
//! paged operation, one that streams every item and one that collects them). How a call
//! runs is in `call.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use super::rust_types::{ident, tokens};
use crate::model::{Api, Operation, Pagination, RustType};

pub fn emit(api: &Api) -> TokenStream {
    let types = quote!(crate::types::);
    let methods = api
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| operation_methods(index, op, &types));
    let operation_count = proc_macro2::Literal::usize_unsuffixed(api.operations.len());
    let operation_entries = api.operations.iter().map(|op| {
        let (id, path) = (&op.operation_id, &op.http_path);
        quote!((#id, #path))
    });
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
    let learn_clock_doc = docs::outer(match api.signing.timestamp_rejected {
        Some(_) => {
            "Whether a refused timestamp teaches the client the server's clock (see \
             [`Client::clock_offset_millis`]); on by default. Turn it off to have every call \
             stamped with the local clock alone."
        }
        None => {
            "Whether a refused timestamp teaches the client the server's clock. The spec does \
             not say how the API refuses a timestamp (`x-request-signing.timestampRejected`), \
             so the client never learns it and this setting changes nothing."
        }
    });
    let lib = api.package.lib_name();
    let with_options_doc = docs::outer(&format!(
        "A client whose calls use `options` (a timeout, a retry policy, retrying operations \
         that change state) in place of this client's settings. It shares this client's \
         connections and learned clock offset.\n\n\
         ```no_run\n\
         # fn example(client: &{lib}::Client) {{\n\
         use std::time::Duration;\n\
         use {lib}::{{RequestOptions, RetryPolicy}};\n\
         \n\
         let patient = client.with_options(\n\
         \x20   RequestOptions::new()\n\
         \x20       .timeout(Duration::from_secs(5))\n\
         \x20       .retry_policy(RetryPolicy::new(5, Duration::from_millis(100))),\n\
         );\n\
         # let _ = patient;\n\
         # }}\n\
         ```"
    ));

    quote! {
        //! The client: one method per operation, all signed and sent the same way.

        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
        use std::time::Duration;

        use reqwest::header::HeaderValue;
        use secrecy::SecretString;

        use crate::call::Operation;
        use crate::clock::{Clock, SystemClock};
        use crate::error::{BuildError, Error};
        use crate::retry::{RequestOptions, RetryPolicy};
        use crate::signing::Signer;

        #default_base_url

        /// Each operation's id and path, in the order of the client's URLs.
        pub(crate) const OPERATIONS: [(&str, &str); #operation_count] = [#(#operation_entries),*];

        /// The default limit on a success response's size: 16 MiB.
        pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

        /// The default limit on one attempt, from sending the request to reading the whole
        /// response: 30 seconds.
        pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

        /// The default limit on making a connection: 10 seconds.
        pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

        /// A client for the API. Cheap to clone: clones share one connection pool and one
        /// learned clock offset.
        ///
        /// Every call stamps the account and the current time into the request envelope,
        /// serializes it once, signs exactly those bytes and sends exactly those bytes.
        #[derive(Clone)]
        pub struct Client {
            pub(crate) inner: Arc<Inner>,
            pub(crate) options: RequestOptions,
        }

        pub(crate) struct Inner {
            pub(crate) http: reqwest::Client,
            pub(crate) base_url: String,
            /// Each operation's URL, as in [`OPERATIONS`].
            pub(crate) urls: Vec<reqwest::Url>,
            pub(crate) account: String,
            pub(crate) api_key: HeaderValue,
            pub(crate) signer: Signer,
            pub(crate) clock: Arc<dyn Clock>,
            /// Server time minus local time, in milliseconds; 0 until learned.
            pub(crate) clock_offset: AtomicI64,
            pub(crate) clock_offset_known: AtomicBool,
            pub(crate) learn_clock_offset: bool,
            pub(crate) max_response_bytes: usize,
            pub(crate) timeout: Duration,
            /// Whether `http` applies `timeout` itself: true for the client this crate
            /// builds, so that a call sets a timeout of its own only when it overrides it.
            pub(crate) http_applies_timeout: bool,
            pub(crate) retry_policy: RetryPolicy,
            pub(crate) trace_bodies: bool,
        }

        /// Shows where the client sends requests and how, never its secret.
        impl std::fmt::Debug for Client {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Client")
                    .field("base_url", &self.inner.base_url)
                    .field("account", &self.inner.account)
                    .field("api_secret", &"[redacted]")
                    .field("timeout", &self.inner.timeout)
                    .field("retry_policy", &self.inner.retry_policy)
                    .field("options", &self.options)
                    .finish_non_exhaustive()
            }
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

            #with_options_doc
            #[must_use]
            pub fn with_options(&self, options: RequestOptions) -> Client {
                Client {
                    inner: Arc::clone(&self.inner),
                    options,
                }
            }

            /// How far the server's clock is ahead of the client's, in milliseconds (negative
            /// when behind), once learned: the client learns it when the server refuses a
            /// request's timestamp and says what time it is (its `Date` header), and from then
            /// on adds it to every timestamp. `None` until then.
            pub fn clock_offset_millis(&self) -> Option<i64> {
                self.inner
                    .clock_offset_known
                    .load(Ordering::Relaxed)
                    .then(|| self.inner.clock_offset.load(Ordering::Relaxed))
            }

            #(#methods)*
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
            timeout: Option<Duration>,
            connect_timeout: Option<Duration>,
            retry_policy: Option<RetryPolicy>,
            trace_bodies: bool,
            learn_clock_offset: Option<bool>,
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

            /// The HTTP client to send with, for your own proxies, TLS or pool settings. The
            /// client's [`timeout`](Self::timeout) still applies to each attempt;
            /// [`connect_timeout`](Self::connect_timeout) does not (set it on yours).
            ///
            /// Build it with `.redirect(reqwest::redirect::Policy::none())`, as the default
            /// one is: a client that follows redirects sends a 307 or 308's signed body, its
            /// signature and the API key on to wherever the server points (see
            /// [`Error::Redirect`](crate::Error::Redirect)).
            /// Leave its `connection_verbose` off: it logs the raw bytes sent, the
            /// signature header among them.
            #[must_use]
            pub fn http_client(mut self, http_client: reqwest::Client) -> Self {
                self.http_client = Some(http_client);
                self
            }

            /// The most time one attempt may take, from sending the request to reading the
            /// whole response; [`DEFAULT_TIMEOUT`] by default. A call that is retried may take
            /// several times as long; [`RequestOptions::timeout`] overrides it per call.
            #[must_use]
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.timeout = Some(timeout);
                self
            }

            /// The most time making a connection may take; [`DEFAULT_CONNECT_TIMEOUT`] by
            /// default.
            #[must_use]
            pub fn connect_timeout(mut self, timeout: Duration) -> Self {
                self.connect_timeout = Some(timeout);
                self
            }

            /// When to repeat a failed call; [`RetryPolicy::DEFAULT`] by default, and
            /// [`RetryPolicy::NONE`] turns retries off.
            #[must_use]
            pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
                self.retry_policy = Some(policy);
                self
            }

            /// Logs request and response bodies as `tracing` events at TRACE level. Off by
            /// default: bodies hold personal data. Secrets and signatures are never logged.
            #[must_use]
            pub fn trace_bodies(mut self, trace: bool) -> Self {
                self.trace_bodies = trace;
                self
            }

            #learn_clock_doc
            #[must_use]
            pub fn learn_clock_offset(mut self, learn: bool) -> Self {
                self.learn_clock_offset = Some(learn);
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

            /// Builds the client. Unless given one, it makes an HTTP client that follows no
            /// redirects: a redirect ends the call with [`Error::Redirect`](crate::Error::Redirect).
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
                let base_url = base_url.trim_end_matches('/').to_owned();
                let urls = OPERATIONS
                    .iter()
                    .map(|(_, path)| reqwest::Url::parse(&format!("{base_url}{path}")))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| BuildError::InvalidBaseUrl { url: base_url.clone() })?;
                let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
                let http_applies_timeout = self.http_client.is_none();
                let http = match self.http_client {
                    Some(http) => http,
                    None => {
                        let http = reqwest::Client::builder()
                            .timeout(timeout)
                            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                            .redirect(reqwest::redirect::Policy::none());
                        #[cfg(feature = "rustls-ring")]
                        let http = http.tls_backend_preconfigured(tls_config()?);
                        http.build().map_err(BuildError::HttpClient)?
                    }
                };
                Ok(Client {
                    inner: Arc::new(Inner {
                        http,
                        base_url,
                        urls,
                        account,
                        api_key,
                        signer: Signer::new(&api_secret),
                        clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                        clock_offset: AtomicI64::new(0),
                        clock_offset_known: AtomicBool::new(false),
                        learn_clock_offset: self.learn_clock_offset.unwrap_or(true),
                        max_response_bytes: self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                        timeout,
                        http_applies_timeout,
                        retry_policy: self.retry_policy.unwrap_or_default(),
                        trace_bodies: self.trace_bodies,
                    }),
                    options: RequestOptions::default(),
                })
            }
        }

        /// TLS through rustls with the ring provider and the platform's certificate
        /// verifier (the `rustls-ring` feature), given to reqwest ready-made: installing
        /// ring as the process-wide default instead would override the application's choice.
        #[cfg(feature = "rustls-ring")]
        fn tls_config() -> Result<rustls::ClientConfig, BuildError> {
            use rustls_platform_verifier::BuilderVerifierExt;

            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .and_then(|config| config.with_platform_verifier())
                .map(|config| config.with_no_client_auth())
                .map_err(|error| BuildError::Tls { message: error.to_string() })
        }
    }
}

fn operation_methods(index: usize, op: &Operation, types: &TokenStream) -> TokenStream {
    let summary = op.summary.as_deref();
    let sends = format!(
        "Sends `POST {}` (operation `{}`).",
        op.http_path, op.operation_id
    );
    let retries = if op.idempotent {
        "Safe to repeat: retried after a passing failure, as the client's [`RetryPolicy`] \
         allows."
    } else {
        "Changes state: retried only when the request certainly never reached the server, \
         unless the call opts in with [`RequestOptions::retry_state_changing`]."
    };
    let errors = "# Errors\n\nAn [`Error`] says what failed and whether the request may have \
                  reached the server.";
    let doc = docs::outer(&docs::paragraphs([
        summary,
        op.description.as_deref(),
        Some(&sends),
        Some(retries),
        Some(errors),
    ]));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let method = ident(&op.method);
    let payload = ident(&op.payload);
    let response = tokens(&op.response, types);
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    let operation_id = &op.operation_id;
    let idempotent = op.idempotent;
    let paged = op
        .pagination
        .as_ref()
        .map(|pagination| paged_methods(op, pagination, types));
    quote! {
        #doc
        #deprecated
        pub async fn #method(&self, payload: &#types #payload) -> Result<#response, Error> {
            self.call(Operation { index: #index, id: #operation_id, idempotent: #idempotent }, payload).await
        }

        #paged
    }
}

/// Every item of a paged operation as a stream, and all of them collected.
fn paged_methods(op: &Operation, pagination: &Pagination, types: &TokenStream) -> TokenStream {
    let method = ident(&op.method);
    let stream_method = ident(&format!("{}_stream", op.method));
    let all_method = ident(&format!("{}_all", op.method));
    let payload = ident(&op.payload);
    let response = tokens(&op.response, types);
    let item = tokens(&pagination.item, types);
    let page_field = ident(&pagination.page_number_field);
    let items_field = ident(&pagination.items_field);
    let first_page = pagination.first_page;
    let wire_page = &pagination.page_number_field;

    let page_value = match pagination.page_number_type {
        RustType::I64 => quote!(page),
        _ => quote!(match i32::try_from(page) {
            Ok(page) => page,
            Err(_) => return false,
        }),
    };
    let (set_page, start) = if pagination.page_number_optional {
        (
            quote!(payload.#page_field = Some(#page_value);),
            quote!(payload.#page_field.map_or(#first_page, crate::paging::wide)),
        )
    } else {
        (
            quote!(payload.#page_field = #page_value;),
            quote!(crate::paging::wide(payload.#page_field)),
        )
    };
    let items = if pagination.items_optional {
        quote!(page.#items_field.unwrap_or_default())
    } else {
        quote!(page.#items_field)
    };
    let total_pages = match &pagination.total_pages {
        Some((field, false)) => {
            let field = ident(field);
            quote!(Some(crate::paging::wide(page.#field)))
        }
        Some((field, true)) => {
            let field = ident(field);
            quote!(page.#field.map(crate::paging::wide))
        }
        None => quote!(None),
    };
    let end = if pagination.total_pages.is_some() {
        "after the last page (by the number of pages the response gives), or at an empty page"
    } else {
        "at the first empty page"
    };
    let start_text = if pagination.page_number_optional {
        format!("at the payload's `{wire_page}` when it is set, else at page {first_page}")
    } else {
        format!("at the payload's `{wire_page}`")
    };
    let stream_doc = docs::outer(&format!(
        "Every item of [`{method}`](Self::{method}), page after page: a stream that asks for \
         the next page only when the items of the one before have been taken, and ends {end}.\n\n\
         Pages are numbered from {first_page}. The walk starts {start_text}; everything else \
         in the payload (page size, filters, sort) is sent with every page. Each page is one call, retried like \
         [`{method}`](Self::{method}). An error is the stream's last item.\n\n\
         Use `futures::StreamExt` (or `TryStreamExt`) to take items from it."
    ));
    let all_doc = docs::outer(&format!(
        "Every item of [`{method}`](Self::{method}), all pages collected into one list; see \
         [`{stream_method}`](Self::{stream_method}) to handle items as they come.\n\n\
         # Errors\n\n\
         The first [`Error`]; the items read before it are dropped."
    ));
    // A page payload whose page number cannot be represented ends the walk (`false`).
    quote! {
        #stream_doc
        pub fn #stream_method(
            &self,
            payload: &#types #payload,
        ) -> impl futures_util::Stream<Item = Result<#item, Error>> + Send + 'static {
            let client = self.clone();
            let start = #start;
            crate::paging::items(
                payload.clone(),
                start,
                #first_page,
                move |payload: #types #payload| {
                    let client = client.clone();
                    async move { client.#method(&payload).await }
                },
                |payload: &mut #types #payload, page: i64| {
                    #set_page
                    true
                },
                |page: #response| (#items, #total_pages),
            )
        }

        #all_doc
        pub async fn #all_method(&self, payload: &#types #payload) -> Result<Vec<#item>, Error> {
            futures_util::TryStreamExt::try_collect(self.#stream_method(payload)).await
        }
    }
}
