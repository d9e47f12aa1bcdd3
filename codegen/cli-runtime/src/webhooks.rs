//! `webhooks listen`: a local receiver that verifies each webhook with the client's
//! verifier, prints it, and may pass it on to a local application; `webhooks verify`:
//! the same check on one saved body.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use clap::{Args, Subcommand};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use secrecy::SecretString;

use crate::app::Context;
use crate::contract::{
    with_webhook_url, ENV_WEBHOOK_KEY, ENV_WEBHOOK_SECRET, KEY_HEADER, SIGNATURE_HEADER,
    WEBHOOKS_SIGN_URL,
};
use crate::failure::{Failure, Kind};
use crate::output::Output;

/// The largest webhook body read; a bigger one is refused.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Receiving and checking webhooks.
#[derive(Debug, Subcommand)]
pub(crate) enum Webhooks {
    /// Receive webhooks on a local address: verify each, print it, and answer 200 (or what
    /// --forward-to's application answers); a webhook that fails the check is answered 401
    Listen(Listen),
    /// Verify one saved webhook body against its signature, and print it
    Verify(Verify),
}

/// The subscription's key pair, which its webhooks are signed with.
#[derive(Debug, Args)]
pub(crate) struct Keys {
    /// The subscription's public key, which each webhook carries in its key header
    #[arg(long, env = ENV_WEBHOOK_KEY, value_name = "KEY")]
    webhook_key: Option<String>,
    /// The subscription's secret key, which signs its webhooks
    #[arg(long, env = ENV_WEBHOOK_SECRET, value_name = "SECRET", hide_env_values = true)]
    webhook_secret: Option<SecretString>,
    /// The URL the API delivers the webhooks to, exactly as registered with it: the
    /// webhook signature covers it
    #[arg(long, value_name = "URL", required = WEBHOOKS_SIGN_URL, hide = !WEBHOOKS_SIGN_URL)]
    webhook_url: Option<String>,
}

/// `webhooks listen`.
#[derive(Debug, Args)]
pub(crate) struct Listen {
    #[command(flatten)]
    keys: Keys,
    /// The address to listen on (port 0: any free port)
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "HOST:PORT")]
    listen: SocketAddr,
    /// POST each verified webhook, byte for byte with its headers, to this URL too
    #[arg(long, value_name = "URL")]
    forward_to: Option<String>,
    /// Stop after this many webhooks, verified or not
    #[arg(long, value_name = "N")]
    max_events: Option<usize>,
}

/// `webhooks verify`.
#[derive(Debug, Args)]
pub(crate) struct Verify {
    #[command(flatten)]
    keys: Keys,
    /// The file holding the body exactly as received, or `-` for stdin
    #[arg(long, value_name = "PATH")]
    body_file: PathBuf,
    /// The signature header's value
    #[arg(long, value_name = "HEX")]
    signature: String,
    /// The key header's value [default: the subscription's public key]
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
    /// Another header of the delivery, as `name: value`: one the spec's webhook recipe
    /// signs, such as a timestamp or a nonce (repeatable)
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
}

/// Runs a `webhooks` command.
pub(crate) async fn run(command: Webhooks, context: &Context) -> Result<(), Failure> {
    match command {
        Webhooks::Listen(listen) => listen.run(context).await,
        Webhooks::Verify(verify) => verify.run(context),
    }
}

impl Keys {
    /// The verifier, with the keys of the flags, the environment or the profile.
    fn verifier(&self, context: &Context) -> Result<(client::WebhookVerifier, String), Failure> {
        let (profile, source) = crate::profile::load(&context.global.profile)?;
        let missing = |what, flag, env, key| crate::profile::missing(what, flag, env, key, &source);
        let key = self
            .webhook_key
            .clone()
            .or(profile.webhook_key)
            .ok_or_else(|| missing("webhook key", "webhook-key", ENV_WEBHOOK_KEY, "webhook_key"))?;
        let secret = self
            .webhook_secret
            .clone()
            .or(profile.webhook_secret)
            .ok_or_else(|| {
                missing(
                    "webhook secret",
                    "webhook-secret",
                    ENV_WEBHOOK_SECRET,
                    "webhook_secret",
                )
            })?;
        let verifier = client::WebhookVerifier::new(key.clone(), &secret);
        let verifier = match &self.webhook_url {
            Some(url) if WEBHOOKS_SIGN_URL => with_webhook_url(verifier, url),
            Some(_) => {
                return Err(Failure::usage(
                    "--webhook-url: this API's webhook signature does not cover a URL",
                ))
            }
            None => verifier,
        };
        Ok((verifier, key))
    }
}

/// Says on stderr what a verified webhook is, and prints its body on stdout.
fn show(webhook: &client::Webhook, body: &[u8], output: Output) -> Result<(), Failure> {
    let event_type = webhook.event.event_type();
    match &webhook.event {
        client::WebhookEvent::Untyped { reason, .. } => eprintln!(
            "verified {event_type}, but its data does not read as the spec describes it: {reason}"
        ),
        client::WebhookEvent::Other { .. } => {
            eprintln!("verified {event_type}, an event type the spec does not list")
        }
        _ => eprintln!("verified {event_type}"),
    }
    output.json(&String::from_utf8_lossy(body))
}

impl Verify {
    fn run(&self, context: &Context) -> Result<(), Failure> {
        let (verifier, public_key) = self.keys.verifier(context)?;
        let body = if self.body_file.as_os_str() == "-" {
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut body).map(|_| body)
        } else {
            std::fs::read(&self.body_file)
        }
        .map_err(|error| {
            Failure::usage(format!("--body-file {}: {error}", self.body_file.display()))
        })?;
        let key = self.key.as_deref().unwrap_or(&public_key);
        let headers = self.delivered_headers(key)?;
        let webhook = verifier
            .verify(&headers, &body)
            .map_err(|error| Failure::new(Kind::Webhook, format!("refused: {error}")))?;
        show(&webhook, &body, context.output)
    }

    /// The delivery's headers, as the flags give them.
    fn delivered_headers(&self, key: &str) -> Result<hyper::HeaderMap, Failure> {
        let given = [
            (KEY_HEADER, key),
            (SIGNATURE_HEADER, self.signature.as_str()),
        ];
        let others = self.headers.iter().map(|header| {
            header.split_once(':').map_or_else(
                || {
                    Err(Failure::usage(format!(
                        "--header {header:?}: give `name: value`"
                    )))
                },
                |(name, value)| Ok((name.trim(), value.trim())),
            )
        });
        let mut headers = hyper::HeaderMap::new();
        for pair in given.map(Ok).into_iter().chain(others) {
            let (name, value) = pair?;
            let name = hyper::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Failure::usage(format!("--header: `{name}` is not a header name")))?;
            let value = hyper::header::HeaderValue::from_str(value).map_err(|_| {
                Failure::usage(format!("--header {name}: the value is not a header's"))
            })?;
            headers.insert(name, value);
        }
        Ok(headers)
    }
}

/// What every connection of `listen` shares.
struct Receiver {
    verifier: client::WebhookVerifier,
    output: Output,
    forward_to: Option<String>,
    http: client::reqwest::Client,
    received: AtomicUsize,
    max_events: Option<usize>,
    done: tokio::sync::Notify,
}

impl Listen {
    async fn run(self, context: &Context) -> Result<(), Failure> {
        let (verifier, _) = self.keys.verifier(context)?;
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|error| {
                Failure::local(format!("cannot listen on {}: {error}", self.listen))
            })?;
        let address = listener
            .local_addr()
            .map_err(|error| Failure::local(error.to_string()))?;
        eprintln!("listening for webhooks on http://{address}/ (Ctrl-C to stop)");
        if let Some(url) = &self.forward_to {
            eprintln!("forwarding verified webhooks to {url}");
        }
        let receiver = Arc::new(Receiver {
            verifier,
            output: context.output,
            forward_to: self.forward_to,
            http: client::reqwest::Client::new(),
            received: AtomicUsize::new(0),
            max_events: self.max_events,
            done: tokio::sync::Notify::new(),
        });
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => accepted
                    .map_err(|error| Failure::local(format!("cannot accept a connection: {error}")))?,
                () = receiver.done.notified() => return Ok(()),
            };
            let receiver = Arc::clone(&receiver);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|request| {
                    let receiver = Arc::clone(&receiver);
                    async move { Ok::<_, Infallible>(receiver.receive(request).await) }
                });
                // A connection that breaks off is the sender's business; the next one is served.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
                if receiver
                    .max_events
                    .is_some_and(|max| receiver.received.load(Ordering::SeqCst) >= max)
                {
                    receiver.done.notify_one();
                }
            });
        }
    }
}

impl Receiver {
    /// Checks one request, prints what it is, forwards it if asked, and answers.
    async fn receive(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let answer = match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(body) => self.check(&parts.headers, body.to_bytes()).await,
            Err(error) => {
                eprintln!("refused: the body could not be read: {error}");
                (
                    StatusCode::BAD_REQUEST,
                    "the body could not be read".to_owned(),
                )
            }
        };
        self.received.fetch_add(1, Ordering::SeqCst);
        let mut response = Response::new(Full::new(Bytes::from(answer.1)));
        *response.status_mut() = answer.0;
        // One webhook per connection, so that `--max-events` can stop once it is answered.
        response.headers_mut().insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
        response
    }

    async fn check(&self, headers: &hyper::HeaderMap, body: Bytes) -> (StatusCode, String) {
        let webhook = match self.verifier.verify(headers, &body) {
            Ok(webhook) => webhook,
            Err(error) => {
                eprintln!("refused: {error}");
                return (StatusCode::UNAUTHORIZED, format!("refused: {error}"));
            }
        };
        if let Err(failure) = show(&webhook, &body, self.output) {
            eprintln!("error: {failure}");
        }
        let Some(url) = &self.forward_to else {
            return (StatusCode::OK, String::new());
        };
        let mut forwarded = self.http.post(url).body(body);
        for (name, value) in headers {
            if !is_hop_by_hop(name) {
                forwarded = forwarded.header(name, value);
            }
        }
        match forwarded.send().await {
            Ok(response) => {
                let status = response.status();
                eprintln!("forwarded to {url}: HTTP {status}");
                let text = response.text().await.unwrap_or_default();
                (status, text)
            }
            Err(error) => {
                eprintln!("forwarding to {url} failed: {error}");
                (
                    StatusCode::BAD_GATEWAY,
                    format!("forwarding failed: {error}"),
                )
            }
        }
    }
}

/// Headers that describe one connection rather than the webhook, which the forwarded
/// request sets for itself.
fn is_hop_by_hop(name: &hyper::header::HeaderName) -> bool {
    use hyper::header::{CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING, UPGRADE};
    [HOST, CONTENT_LENGTH, CONNECTION, TRANSFER_ENCODING, UPGRADE].contains(name)
        || name.as_str() == "keep-alive"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_headers_pass_and_connection_headers_do_not() {
        for kept in [KEY_HEADER, SIGNATURE_HEADER, "content-type", "user-agent"] {
            let name = hyper::header::HeaderName::from_bytes(kept.to_ascii_lowercase().as_bytes())
                .unwrap();
            assert!(!is_hop_by_hop(&name), "{kept}");
        }
        for dropped in [
            "host",
            "content-length",
            "connection",
            "transfer-encoding",
            "keep-alive",
        ] {
            let name = hyper::header::HeaderName::from_static(dropped);
            assert!(is_hop_by_hop(&name), "{dropped}");
        }
    }
}
