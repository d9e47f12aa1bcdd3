// Copied by `cargo xtask codegen` from codegen/client-runtime/src/error.rs. Do not edit: change that file and regenerate.

//! Errors: what went wrong with a call, and what the caller may conclude from it.

use reqwest::StatusCode;

use crate::contract::ErrorBody;

/// Why a call failed.
///
/// Each variant says whether the request may have reached the server, which matters
/// before repeating a call that changes state (see [`Error::request_may_have_reached_server`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server refused the request with an error body (HTTP 4xx or 5xx).
    ///
    /// The request reached the server. On a 4xx it was refused and changed nothing;
    /// on a 5xx it is unknown whether it took effect.
    Api(ApiError),
    /// The server answered with a non-success status and a body that is not the
    /// API's error body: not JSON (a proxy's error page, say), or JSON that names none
    /// of the error body's properties.
    ///
    /// The request may have reached the API; whether it took effect is unknown.
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body, as received.
        body: RawBody,
        /// How long a 429 or 503 asked the client to wait (`Retry-After`).
        retry_after: Option<std::time::Duration>,
    },
    /// The server answered with success, but the body is not what the spec describes.
    ///
    /// The request reached the server and took effect.
    Decode {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body, as received.
        body: RawBody,
        /// Why the body could not be read.
        source: serde_json::Error,
    },
    /// The server answered with success, but the body is larger than the client's limit
    /// (see [`crate::ClientBuilder::max_response_bytes`]).
    ///
    /// The request reached the server and took effect.
    ResponseTooLarge {
        /// The HTTP status.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The server answered with a status, but its body could not be read to the end:
    /// the connection closed before the end (a truncated body), was reset, or the
    /// attempt's timeout ran out while the body trickled in.
    ///
    /// The request reached the server; whether it took effect is unknown.
    ResponseBody {
        /// The HTTP status.
        status: StatusCode,
        /// Why the body could not be read.
        source: reqwest::Error,
    },
    /// The server answered with a redirect (HTTP 301, 302, 303, 307 or 308), which the
    /// client does not follow.
    ///
    /// A followed 307 or 308 would send the signed body, its signature and the API key
    /// again to wherever `Location` points, perhaps another host; a followed 301, 302
    /// or 303 would turn the POST into a GET that the API does not serve. Either way
    /// the answer would not be the API's, so a redirect is reported, not followed: the
    /// base URL is probably wrong (`http` for `https`, a missing path prefix, an old
    /// host).
    ///
    /// The request reached a server; whether it took effect there is unknown.
    Redirect {
        /// The HTTP status.
        status: StatusCode,
        /// Where the server said to go (its `Location` header), if it said.
        location: Option<String>,
    },
    /// The request could not be sent or no response came: connection refused,
    /// connection closed or reset before an answer, timeout, TLS failure.
    ///
    /// Whether the request reached the server depends on when it failed: see
    /// [`Error::request_may_have_reached_server`].
    Transport(reqwest::Error),
    /// The request body could not be encoded as JSON. Nothing was sent.
    Encode(serde_json::Error),
    /// [`Client::call_raw`](crate::Client::call_raw) was given an operationId the API does
    /// not have. Nothing was sent.
    UnknownOperation(String),
}

impl Error {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(error) => Some(error.status),
            Self::UnexpectedStatus { status, .. }
            | Self::Decode { status, .. }
            | Self::ResponseTooLarge { status, .. }
            | Self::ResponseBody { status, .. }
            | Self::Redirect { status, .. } => Some(*status),
            Self::Transport(error) => error.status(),
            Self::Encode(_) | Self::UnknownOperation(_) => None,
        }
    }

    /// The API's error, when the server sent one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the request may have reached the server, and so may have taken effect.
    ///
    /// `false` only when it certainly did not: it could not be encoded or built, or the
    /// connection could not be made.
    pub fn request_may_have_reached_server(&self) -> bool {
        match self {
            Self::Encode(_) | Self::UnknownOperation(_) => false,
            Self::Transport(error) => !(error.is_connect() || error.is_builder()),
            _ => true,
        }
    }

    /// Whether the call failed because a timeout ran out.
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Transport(error) | Self::ResponseBody { source: error, .. } => error.is_timeout(),
            _ => false,
        }
    }

    /// How long the server asked the client to wait before trying again, from the
    /// `Retry-After` header of a 429 or 503.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Api(error) => error.retry_after,
            Self::UnexpectedStatus { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Api(error) => error.fmt(f),
            Self::UnexpectedStatus { status, body, .. } if body.as_bytes().is_empty() => {
                write!(f, "unexpected HTTP status {status}, with an empty body")
            }
            Self::UnexpectedStatus { status, body, .. } => {
                write!(f, "unexpected HTTP status {status}; body: {body}")
            }
            Self::Decode { status, body, .. } if body.as_bytes().is_empty() => {
                write!(
                    f,
                    "the HTTP {status} response has an empty body where JSON was expected"
                )
            }
            Self::Decode { status, source, .. } => {
                let what = if source.is_eof() {
                    "is truncated JSON"
                } else if source.is_syntax() {
                    "could not be parsed as JSON"
                } else {
                    "does not match the expected type"
                };
                write!(f, "the HTTP {status} response body {what}: {source}")
            }
            Self::ResponseTooLarge { status, limit } => {
                write!(
                    f,
                    "the HTTP {status} response is larger than the limit of {limit} bytes"
                )
            }
            Self::ResponseBody { status, source } => {
                let what = if source.is_timeout() {
                    "timed out before it was complete"
                } else if has_io_error(source, std::io::ErrorKind::ConnectionReset) {
                    "was cut off: the connection was reset"
                } else {
                    "is truncated: the connection closed before its end"
                };
                write!(f, "the HTTP {status} response body {what}: ")?;
                write_chain(f, source)
            }
            Self::Redirect { status, location } => {
                match location {
                    Some(location) => write!(
                        f,
                        "the server answered HTTP {status} redirecting to {location:?}"
                    )?,
                    None => write!(
                        f,
                        "the server answered HTTP {status}, a redirect with no Location"
                    )?,
                }
                f.write_str("; redirects are not followed, since they would send the signed request elsewhere: check the base URL")
            }
            Self::Transport(error) => {
                let what = if error.is_timeout() {
                    "the request timed out"
                } else if error.is_connect() {
                    "could not connect to the server"
                } else {
                    "the request failed"
                };
                write!(f, "{what}: ")?;
                write_chain(f, error)
            }
            Self::Encode(error) => write!(f, "could not encode the request body: {error}"),
            Self::UnknownOperation(id) => write!(f, "the API has no operation `{id}`"),
        }
    }
}

/// No `source()`: the message already ends with each cause's own message, so that
/// `{error}` alone says what happened, and a chain would print them twice. The
/// underlying error stays reachable through the variant's field.
impl std::error::Error for Error {}

/// Writes `error` and each of its sources, `: `-separated: reqwest's own message
/// ("error sending request") does not say what happened, its sources do
/// ("connection closed before message completed", "operation timed out").
fn write_chain(f: &mut std::fmt::Formatter<'_>, error: &dyn std::error::Error) -> std::fmt::Result {
    write!(f, "{error}")?;
    causes(error).try_for_each(|cause| write!(f, ": {cause}"))
}

/// Whether an I/O error of `kind` is among the sources of `error`.
fn has_io_error(error: &dyn std::error::Error, kind: std::io::ErrorKind) -> bool {
    causes(error).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

/// The sources of `error`, nearest first.
fn causes<'a>(
    error: &'a dyn std::error::Error,
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(error.source(), |cause| cause.source())
}

/// An error the API reported: the HTTP status and the error body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The error body, with every property the server sent.
    pub body: ErrorBody,
    /// How long a 429 or 503 asked the client to wait (`Retry-After`).
    pub retry_after: Option<std::time::Duration>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = serde_json::to_string(&self.body).unwrap_or_default();
        write!(
            f,
            "the API refused the request with HTTP {}: {body}",
            self.status
        )
    }
}

impl std::error::Error for ApiError {}

/// The start of a response body, kept to explain an error.
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody {
    bytes: Vec<u8>,
    truncated: bool,
}

impl RawBody {
    /// The most bytes kept.
    pub const MAX_LEN: usize = 64 * 1024;

    pub(crate) fn new(mut bytes: Vec<u8>, truncated: bool) -> Self {
        let truncated = truncated || bytes.len() > Self::MAX_LEN;
        bytes.truncate(Self::MAX_LEN);
        Self { bytes, truncated }
    }

    /// The bytes kept.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes kept, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }

    /// Whether the body was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawBody")
            .field("text", &self.text())
            .field("truncated", &self.truncated)
            .finish()
    }
}

/// At most the first 200 characters, so that messages stay one line.
impl std::fmt::Display for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.text();
        let mut shown: String = text.chars().take(200).collect();
        if self.truncated || shown.len() < text.len() {
            shown.push('…');
        }
        write!(f, "{shown:?}")
    }
}

/// Why a client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// No base URL was given, and the spec names no server to default to.
    MissingBaseUrl,
    /// No account was given.
    MissingAccount,
    /// No API key was given.
    MissingApiKey,
    /// No API secret was given.
    MissingApiSecret,
    /// The base URL is not an absolute http or https URL.
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
    },
    /// The API key cannot be sent in an HTTP header.
    InvalidApiKey,
    /// The default HTTP client could not be created.
    HttpClient(reqwest::Error),
    /// The TLS configuration could not be made, for instance because the platform's
    /// certificate verifier is unavailable.
    Tls {
        /// What went wrong.
        message: String,
    },
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingBaseUrl => f.write_str("no base URL was given"),
            Self::MissingAccount => f.write_str("no account was given"),
            Self::MissingApiKey => f.write_str("no API key was given"),
            Self::MissingApiSecret => f.write_str("no API secret was given"),
            Self::InvalidBaseUrl { url } => {
                write!(
                    f,
                    "the base URL {url:?} is not an absolute http or https URL"
                )
            }
            Self::InvalidApiKey => {
                f.write_str("the API key contains characters an HTTP header cannot carry")
            }
            Self::HttpClient(error) => {
                f.write_str("could not create the HTTP client: ")?;
                write_chain(f, error)
            }
            Self::Tls { message } => write!(f, "could not configure TLS: {message}"),
        }
    }
}

/// No `source()`, as for [`Error`]: the message already includes the cause's.
impl std::error::Error for BuildError {}
