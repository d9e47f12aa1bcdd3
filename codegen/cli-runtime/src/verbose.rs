//! `--verbose`: on stderr, what is sent and how it went. The key and the signature are
//! shown redacted; the secret is never anywhere the tool could print it. Each attempt, a
//! retry's reason and, at -vv, the bodies (which hold no secret) come from the client's
//! own tracing events.

use std::time::Duration;

use crate::contract::{HAS_ACCOUNT, KEY_HEADER, SIGNATURE_HEADER};

/// Installs the subscriber that prints the client's events: none without `-v`.
pub(crate) fn init(verbosity: u8) {
    let level = match verbosity {
        0 => return,
        1 => tracing_subscriber::filter::LevelFilter::DEBUG,
        _ => tracing_subscriber::filter::LevelFilter::TRACE,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
}

/// The request line and headers, before the call: the operation's `method` and `path` (a
/// template when it has path parameters), and whether it sends a JSON `body`.
pub(crate) fn request(client: &client::Client, method: &str, path: &str, body: bool) {
    eprintln!(
        "> {method} {}{path}",
        client.base_url().trim_end_matches('/')
    );
    eprintln!("> {KEY_HEADER}: [redacted]");
    eprintln!("> {SIGNATURE_HEADER}: [redacted]");
    if body {
        eprintln!("> content-type: application/json");
    }
    if HAS_ACCOUNT {
        eprintln!("> (account {})", client.account());
    }
}

/// How the call ended, and how long it took in all (every attempt and wait).
pub(crate) fn finished(operation_id: &str, took: Duration, error: Option<&client::Error>) {
    let millis = took.as_secs_f64() * 1000.0;
    match error.map(client::Error::status) {
        None => eprintln!("< {operation_id}: success ({millis:.1} ms)"),
        Some(Some(status)) => eprintln!("< {operation_id}: HTTP {status} ({millis:.1} ms)"),
        Some(None) => eprintln!("< {operation_id}: no answer ({millis:.1} ms)"),
    }
}
