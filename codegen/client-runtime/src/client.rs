//! The client and its builder. Its methods, one per operation, are generated
//! (`operations.rs`); each runs through `Client::call`, in `call.rs`.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::SecretString;

use crate::clock::{Clock, SystemClock};
use crate::contract::{BASE_URL, ENVELOPE, OPERATIONS};
use crate::error::BuildError;
use crate::retry::{RequestOptions, RetryPolicy};
use crate::signing::Signer;

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
    /// The number of the first page, for every paged operation, in place of the spec's.
    pub(crate) first_page: Option<i64>,
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
            .field("first_page", &self.inner.first_page)
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

    /// A client whose calls use `options` (a timeout, a retry policy, retrying operations
    /// that change state) in place of this client's settings. It shares this client's
    /// connections and learned clock offset. The crate docs' "Retries and timeouts" shows
    /// one in use.
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
    first_page: Option<i64>,
}

impl ClientBuilder {
    /// The API's base URL. Without one, the client uses the spec's first server (the
    /// crate's `DEFAULT_BASE_URL`); when the spec names none, [`build`](Self::build) fails
    /// with [`BuildError::MissingBaseUrl`].
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

    /// Whether a refused timestamp teaches the client the server's clock (see
    /// [`Client::clock_offset_millis`]); on by default. Turn it off to have every call
    /// stamped with the local clock alone. It needs the spec to say how the API refuses a
    /// timestamp (`x-request-signing.timestampRejected`); the crate docs' "Clock skew" says
    /// whether it does.
    #[must_use]
    pub fn learn_clock_offset(mut self, learn: bool) -> Self {
        self.learn_clock_offset = Some(learn);
        self
    }

    /// The number of the first page, for every paged operation (their `_stream` and `_all`
    /// methods), in place of the one the spec gives (`x-pagination.firstPage`). For an API
    /// whose page numbering the spec gets wrong: a walk that starts at 1 on a server that
    /// counts from 0 would skip the first page. It changes nothing for an API without
    /// paged operations.
    #[must_use]
    pub fn first_page(mut self, first_page: i64) -> Self {
        self.first_page = Some(first_page);
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
        let base_url = match (self.base_url, BASE_URL) {
            (Some(base_url), _) => base_url,
            (None, Some(default)) => default.to_owned(),
            (None, None) => return Err(BuildError::MissingBaseUrl),
        };
        let parsed = reqwest::Url::parse(&base_url).ok();
        let usable =
            parsed.is_some_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
        if !usable {
            return Err(BuildError::InvalidBaseUrl { url: base_url });
        }
        // An API without a request envelope has no account.
        let account = match (self.account, ENVELOPE) {
            (Some(account), _) => account,
            (None, None) => String::new(),
            (None, Some(_)) => return Err(BuildError::MissingAccount),
        };
        let api_key = self.api_key.ok_or(BuildError::MissingApiKey)?;
        let api_key = HeaderValue::from_str(&api_key).map_err(|_| BuildError::InvalidApiKey)?;
        let api_secret = self.api_secret.ok_or(BuildError::MissingApiSecret)?;
        let base_url = base_url.trim_end_matches('/').to_owned();
        let urls = OPERATIONS
            .iter()
            .map(|operation| reqwest::Url::parse(&format!("{base_url}{}", operation.path)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| BuildError::InvalidBaseUrl {
                url: base_url.clone(),
            })?;
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
                max_response_bytes: self
                    .max_response_bytes
                    .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                timeout,
                http_applies_timeout,
                retry_policy: self.retry_policy.unwrap_or_default(),
                trace_bodies: self.trace_bodies,
                first_page: self.first_page,
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
        .map_err(|error| BuildError::Tls {
            message: error.to_string(),
        })
}
