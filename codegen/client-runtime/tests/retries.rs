//! Which failed attempts a call repeats, seen from a local server that fails on cue.
//!
//! A request that may have reached the server (the connection closed or was reset after it
//! was sent, or the answer's body was cut off) is repeated only for an operation that is
//! safe to repeat, or when the call opts in: repeating a create the server may have acted
//! on could make it twice. A request that certainly never arrived (the connection could not
//! be made) is repeated for any operation. One that could not even be built is never
//! repeated: it would fail the same way. And the per-call options take effect.
//!
//! What a call logs of its attempts, too: the span's last attempt and status, and for each
//! retry the attempt, the status, what went wrong and the wait.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[path = "support/traces.rs"]
mod traces;

use traces::Traces;

use client_runtime::types::{CreateThingRequest, ThingIdRequest};
use client_runtime::{Client, ClientBuilder, Clock, Error, RequestOptions, RetryPolicy};

const NOW: i64 = 1_700_000_000_000;
const THING: &str = r#"{"id":"4a3a7e8e-0000-4000-8000-000000000001","amount":1}"#;
const GET: &str = "/api/v1/thing/get";
const CREATE: &str = "/api/v1/thing/create";

/// What the server does with one request, once it has read all of it.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// HTTP 200 with a thing.
    Thing,
    /// HTTP 503 with the API's error body.
    Unavailable,
    /// HTTP 503 with the API's error body and `Retry-After: 1`.
    UnavailableForASecond,
    /// Closes the connection without a word.
    Close,
    /// Resets the connection (`SO_LINGER` 0) without a word.
    Reset,
    /// HTTP 200 whose `Content-Length` promises more than is sent before the close.
    CutOff,
    /// Says nothing and keeps the connection open until the client leaves.
    Silence,
    /// HTTP 503 with a JSON body that is not the API's error body (a proxy's, say).
    NotTheApi,
}

/// A server on 127.0.0.1 that gives the `n`th request (from 0) `answers[n]`, and a thing
/// to every request past them, and records the path of each.
struct Server {
    addr: SocketAddr,
    paths: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start(answers: &[Answer]) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let paths = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&paths);
        let answers = answers.to_vec();
        let task = tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let log = Arc::clone(&log);
                let answers = answers.clone();
                tokio::spawn(async move {
                    serve(stream, &log, &answers).await;
                });
            }
        });
        Self { addr, paths, task }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client of this server that makes up to 3 attempts, 1 ms apart.
    fn builder(&self) -> ClientBuilder {
        builder(&self.base_url()).retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
    }

    fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .account("acc-1")
        .api_key("public-key")
        .api_secret(SecretString::from("the-api-secret"))
}

async fn serve(mut stream: TcpStream, log: &Mutex<Vec<String>>, answers: &[Answer]) {
    let Some(path) = read_request(&mut stream).await else {
        return;
    };
    let answer = {
        let mut log = log.lock().unwrap();
        log.push(path);
        answers.get(log.len() - 1).copied().unwrap_or(Answer::Thing)
    };
    let error = r#"{"errorCode":"000","message":"busy"}"#;
    let bytes = match answer {
        Answer::Thing => response("200 OK", "", THING.len(), THING),
        Answer::Unavailable => response("503 Service Unavailable", "", error.len(), error),
        Answer::UnavailableForASecond => response(
            "503 Service Unavailable",
            "Retry-After: 1\r\n",
            error.len(),
            error,
        ),
        Answer::CutOff => response("200 OK", "", THING.len() + 100, THING),
        Answer::NotTheApi => {
            let body = r#"{"detail":"a proxy"}"#;
            response("503 Service Unavailable", "", body.len(), body)
        }
        // Dropped on the way out.
        Answer::Close => return,
        Answer::Reset => {
            stream.set_zero_linger().unwrap();
            return;
        }
        Answer::Silence => {
            let mut sink = [0u8; 1024];
            while matches!(stream.read(&mut sink).await, Ok(read) if read > 0) {}
            return;
        }
    };
    // The client may have left already; that is its business.
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

fn response(status: &str, headers: &str, length: usize, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\
         Connection: close\r\n{headers}\r\n{body}"
    )
    .into_bytes()
}

/// Reads one whole request, head and `Content-Length` bytes of body: its path.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream
            .read(&mut buffer)
            .await
            .ok()
            .filter(|read| *read > 0)?;
        bytes.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let length: usize = head
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, value)| value.trim().parse().unwrap());
    while bytes.len() < head_end + length {
        let read = stream
            .read(&mut buffer)
            .await
            .ok()
            .filter(|read| *read > 0)?;
        bytes.extend_from_slice(&buffer[..read]);
    }
    let path = head.split(' ').nth(1)?.to_owned();
    Some(path)
}

fn get() -> ThingIdRequest {
    ThingIdRequest::new(
        "4a3a7e8e-0000-4000-8000-000000000001"
            .parse::<client_runtime::Uuid>()
            .unwrap(),
    )
}

fn create() -> CreateThingRequest {
    CreateThingRequest::new(client_runtime::Decimal::ONE)
}

/// A clock that counts how often it is read. Every attempt is stamped with the time
/// before it is sent, so when no answer comes back to read the clock for, the readings
/// are the attempts, even those that never reached a server.
#[derive(Debug, Clone, Default)]
struct CountingClock(Arc<AtomicUsize>);

impl CountingClock {
    fn readings(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Clock for CountingClock {
    fn now_unix_millis(&self) -> i64 {
        self.0.fetch_add(1, Ordering::SeqCst);
        NOW
    }
}

#[tokio::test]
async fn a_read_is_retried_after_the_connection_closes_without_an_answer() {
    let server = Server::start(&[Answer::Close]).await;
    let thing = server.builder().build().unwrap().get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");
    assert_eq!(server.paths(), [GET, GET]);
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_connection_reset_once_its_request_was_sent() {
    let server = Server::start(&[Answer::Reset]).await;
    let error = server
        .builder()
        .build()
        .unwrap()
        .create_thing(&create())
        .await
        .expect_err("the only attempt was reset");
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    // The server read the whole request: it may have made the thing.
    assert!(error.request_may_have_reached_server(), "{error:?}");
    assert_eq!(
        server.paths(),
        [CREATE],
        "a second attempt could make it twice"
    );
}

#[tokio::test]
async fn a_create_that_opts_in_is_retried_after_a_connection_reset() {
    let server = Server::start(&[Answer::Reset]).await;
    let thing = server
        .builder()
        .build()
        .unwrap()
        .with_options(RequestOptions::new().retry_state_changing(true))
        .create_thing(&create())
        .await;
    assert!(thing.is_ok(), "{thing:?}");
    assert_eq!(server.paths(), [CREATE, CREATE]);
}

#[tokio::test]
async fn a_read_is_retried_after_its_response_body_is_cut_off() {
    let server = Server::start(&[Answer::CutOff]).await;
    let thing = server.builder().build().unwrap().get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");
    assert_eq!(server.paths(), [GET, GET]);
}

#[tokio::test]
async fn a_create_is_not_retried_after_its_response_body_is_cut_off() {
    let server = Server::start(&[Answer::CutOff]).await;
    let error = server
        .builder()
        .build()
        .unwrap()
        .create_thing(&create())
        .await
        .expect_err("the only answer was cut off");
    assert!(
        matches!(error, Error::ResponseBody { status, .. } if status == 200),
        "{error:?}"
    );
    assert_eq!(
        server.paths(),
        [CREATE],
        "the server answered: it made the thing"
    );
}

#[tokio::test]
async fn a_connect_failure_is_retried_even_for_a_create() {
    // A port that was just free: nothing listens there, so each connection is refused.
    let refused = {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap()
    };
    let clock = CountingClock::default();
    let error = builder(&format!("http://{refused}"))
        .clock(clock.clone())
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
        .build()
        .unwrap()
        .create_thing(&create())
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(&error, Error::Transport(transport) if transport.is_connect()),
        "{error:?}"
    );
    assert!(!error.request_may_have_reached_server(), "{error:?}");
    assert_eq!(clock.readings(), 3, "every attempt the policy allows");
}

#[tokio::test]
async fn a_request_that_cannot_be_built_is_never_retried() {
    // An HTTP client that sends only over https, given an http URL: every attempt fails
    // before anything is sent, and would fail again.
    let server = Server::start(&[]).await;
    let https_only = client_runtime::reqwest::Client::builder()
        .https_only(true)
        .build()
        .unwrap();
    let clock = CountingClock::default();
    let error = server
        .builder()
        .http_client(https_only)
        .clock(clock.clone())
        .build()
        .unwrap()
        .get_thing(&get())
        .await
        .expect_err("an http URL for an https-only client");
    assert!(
        matches!(&error, Error::Transport(transport) if transport.is_builder()),
        "{error:?}"
    );
    assert!(!error.request_may_have_reached_server(), "{error:?}");
    assert_eq!(
        clock.readings(),
        1,
        "one attempt, though a read may be repeated"
    );
    assert!(server.paths().is_empty());
}

#[tokio::test]
async fn a_per_call_retry_policy_replaces_the_client_s() {
    let server = Server::start(&[Answer::Unavailable, Answer::Unavailable]).await;
    let client = server.builder().build().unwrap();
    let error = client
        .with_options(RequestOptions::new().retry_policy(RetryPolicy::NONE))
        .get_thing(&get())
        .await
        .expect_err("one attempt, answered 503");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    assert_eq!(server.paths(), [GET]);
    // The client's own policy, for the calls made without the options, retries the 503.
    let thing = client.get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");
    assert_eq!(server.paths(), [GET, GET, GET]);
}

#[tokio::test]
async fn a_per_call_timeout_replaces_the_client_s() {
    let server = Server::start(&[Answer::Silence]).await;
    let client = server
        .builder()
        .timeout(Duration::from_secs(60))
        .retry_policy(RetryPolicy::NONE)
        .build()
        .unwrap();
    let hurried = client.with_options(RequestOptions::new().timeout(Duration::from_millis(200)));
    let payload = get();
    let error = tokio::time::timeout(Duration::from_secs(10), hurried.get_thing(&payload))
        .await
        .expect("the call's own timeout, not the client's minute, ends it")
        .expect_err("the server never answers");
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(server.paths(), [GET]);
}

#[tokio::test]
async fn a_retry_after_is_waited_for_up_to_the_policy_s_longest_wait() {
    // Within the longest wait (10 s by default): waited for, then the read is repeated.
    let server = Server::start(&[Answer::UnavailableForASecond]).await;
    let client = server.builder().build().unwrap();
    let started = Instant::now();
    let thing = client.get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.paths(), [GET, GET]);

    // Past it: the call gives up at once and says how long the server asked for.
    let server = Server::start(&[Answer::UnavailableForASecond]).await;
    let policy =
        RetryPolicy::new(3, Duration::from_millis(1)).with_max_delay(Duration::from_millis(500));
    let client = server.builder().retry_policy(policy).build().unwrap();
    let error = client
        .get_thing(&get())
        .await
        .expect_err("the server asks for longer than the policy waits");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(server.paths(), [GET]);
}

#[tokio::test]
async fn a_retry_after_as_long_as_the_policy_s_longest_wait_is_waited_for() {
    let server = Server::start(&[Answer::UnavailableForASecond]).await;
    let policy =
        RetryPolicy::new(3, Duration::from_millis(1)).with_max_delay(Duration::from_secs(1));
    let client = server.builder().retry_policy(policy).build().unwrap();
    let thing = client.get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");
    assert_eq!(server.paths(), [GET, GET]);
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_5xx() {
    let server = Server::start(&[Answer::Unavailable]).await;
    let error = server
        .builder()
        .build()
        .unwrap()
        .create_thing(&create())
        .await
        .expect_err("answered 503");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    assert_eq!(server.paths(), [CREATE], "the server may have made it");
}

#[tokio::test]
async fn a_read_that_keeps_failing_is_tried_as_often_as_the_policy_says_then_fails() {
    let server = Server::start(&[Answer::Unavailable; 5]).await;
    let client = server.builder().build().unwrap();
    let error = tokio::time::timeout(Duration::from_secs(10), client.get_thing(&get()))
        .await
        .expect("the call gives up after its attempts")
        .expect_err("answered 503 every time");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
    assert_eq!(server.paths(), [GET, GET, GET]);
}

#[tokio::test]
async fn a_call_fails_with_its_last_error_when_that_one_reached_the_server_too() {
    // The connection closed after the first request (which may have reached the server),
    // and the second got the API's 503: the 503 is the answer.
    let server = Server::start(&[Answer::Close, Answer::Unavailable]).await;
    let error = server
        .builder()
        .retry_policy(RetryPolicy::new(2, Duration::from_millis(1)))
        .build()
        .unwrap()
        .get_thing(&get())
        .await
        .expect_err("two failed attempts");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
}

#[tokio::test]
async fn a_call_that_may_have_acted_says_so_though_a_later_attempt_never_got_through() {
    // The first attempt is read, then its connection reset, and the server goes away: the
    // next attempts cannot connect. The create may have been made by the first, so the
    // call's error must not be the "never sent" of the last.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_request(&mut stream).await.expect("a whole request");
        drop(listener);
        stream.set_zero_linger().unwrap();
    });
    let clock = CountingClock::default();
    let error = builder(&format!("http://{addr}"))
        .clock(clock.clone())
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
        .build()
        .unwrap()
        .with_options(RequestOptions::new().retry_state_changing(true))
        .create_thing(&create())
        .await
        .expect_err("reset, then refused");
    server.await.unwrap();
    assert_eq!(clock.readings(), 3, "every attempt the policy allows");
    assert!(
        matches!(&error, Error::Transport(transport) if !transport.is_connect()),
        "{error:?}"
    );
    assert!(error.request_may_have_reached_server(), "{error:?}");
}

#[tokio::test]
async fn a_call_logs_each_retry_with_what_went_wrong_and_the_growing_wait() {
    let server = Server::start(&[
        Answer::Unavailable,
        Answer::Close,
        Answer::NotTheApi,
        Answer::CutOff,
    ])
    .await;
    let (traces, _guard) = Traces::capture();
    let client = server
        .builder()
        .retry_policy(RetryPolicy::new(5, Duration::from_millis(20)))
        .build()
        .unwrap();
    let thing = client.get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");

    let retries = traces.events("attempt failed; retrying");
    let seen: Vec<(Option<&str>, Option<&str>, Option<&str>)> = retries
        .iter()
        .map(|retry| {
            (
                retry.field("attempt"),
                retry.field("status"),
                retry.field("failure"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("1"), Some("503"), Some("api error")),
            (Some("2"), None, Some("transport")),
            (Some("3"), Some("503"), Some("unexpected status")),
            (Some("4"), Some("200"), Some("response body")),
        ]
    );
    // base × 2ⁿ for the nth retry (from 0), jittered to between half and all of it.
    let waits: Vec<u64> = retries
        .iter()
        .map(|retry| retry.field("wait_ms").unwrap().parse().unwrap())
        .collect();
    assert!((10..=20).contains(&waits[0]), "{waits:?}");
    assert!((20..=40).contains(&waits[1]), "{waits:?}");
    assert!((40..=80).contains(&waits[2]), "{waits:?}");
    assert!((80..=160).contains(&waits[3]), "{waits:?}");

    let [call] = &traces.spans()[..] else {
        panic!("one span: {:?}", traces.spans());
    };
    assert_eq!(call.name, "call");
    assert_eq!(call.field("operation"), Some("getThing"));
    assert_eq!(call.field("attempt"), Some("5"));
    assert_eq!(call.field("status"), Some("200"));
}

#[tokio::test]
async fn a_retry_log_tells_a_timeout_from_a_refused_connection() {
    let server = Server::start(&[Answer::Silence]).await;
    let (traces, _guard) = Traces::capture();
    let client = server
        .builder()
        .retry_policy(RetryPolicy::new(2, Duration::from_millis(1)))
        .build()
        .unwrap();
    let hurried = client.with_options(RequestOptions::new().timeout(Duration::from_millis(200)));
    let thing = hurried.get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");

    let refused = {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap()
    };
    let error = builder(&format!("http://{refused}"))
        .retry_policy(RetryPolicy::new(2, Duration::from_millis(1)))
        .build()
        .unwrap()
        .get_thing(&get())
        .await;
    assert!(error.is_err(), "nothing listens");

    let failures: Vec<Option<String>> = traces
        .events("attempt failed; retrying")
        .iter()
        .map(|retry| retry.field("failure").map(str::to_owned))
        .collect();
    assert_eq!(
        failures,
        [Some("timeout".to_owned()), Some("connect".to_owned())]
    );
}

#[tokio::test]
async fn a_client_that_traces_bodies_logs_each_response_body_and_others_none() {
    let server = Server::start(&[Answer::Unavailable]).await;
    let (traces, _guard) = Traces::capture();
    let quiet = server.builder().build().unwrap();
    assert!(quiet.get_thing(&get()).await.is_ok());
    assert!(traces.events("response body").is_empty());

    let server = Server::start(&[Answer::Unavailable]).await;
    let tracing = server.builder().trace_bodies(true).build().unwrap();
    assert!(tracing.get_thing(&get()).await.is_ok());
    let bodies: Vec<Option<String>> = traces
        .events("response body")
        .iter()
        .map(|event| event.field("body").map(str::to_owned))
        .collect();
    assert_eq!(
        bodies,
        [
            Some(r#"{"errorCode":"000","message":"busy"}"#.to_owned()),
            Some(THING.to_owned())
        ]
    );
}
