//! What each error says, and what it tells the caller, from a local server that answers
//! with raw bytes: the statuses, bodies and broken connections a real server or a proxy
//! may give. And the client's settings that decide which of them a call ends with.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use client_runtime::types::ThingIdRequest;
use client_runtime::{BuildError, Client, ClientBuilder, Error, RetryPolicy};

/// What the server does with a request, once it has read all of it.
enum Answer {
    /// Sends these bytes, then closes the connection.
    Raw(Vec<u8>),
    /// Sends these bytes, then resets the connection (`SO_LINGER` 0).
    RawThenReset(Vec<u8>),
    /// Sends each part a moment after the last, so that they arrive apart, then closes.
    Paced(Vec<Vec<u8>>),
}

/// A server on 127.0.0.1 that gives the `n`th connection `answers[n]`.
async fn serve(answers: Vec<Answer>) -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for answer in answers {
            let (mut stream, _) = listener.accept().await.unwrap();
            read_request(&mut stream).await;
            match answer {
                Answer::Raw(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.shutdown().await;
                }
                Answer::Paced(parts) => {
                    for part in parts {
                        let _ = stream.write_all(&part).await;
                        let _ = stream.flush().await;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    let _ = stream.shutdown().await;
                }
                Answer::RawThenReset(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    stream.set_zero_linger().unwrap();
                }
            }
        }
    });
    addr
}

async fn read_request(stream: &mut TcpStream) {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the client closed before a whole request");
        bytes.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let length: usize = head
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, value)| value.trim().parse().unwrap());
    while bytes.len() < head_end + length {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the client closed before the whole body");
        bytes.extend_from_slice(&buffer[..read]);
    }
}

/// A response with a `Content-Length` of `body`'s length, and these extra header lines.
fn response(status: &str, headers: &str, body: &str) -> Answer {
    Answer::Raw(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n{headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// A client of `addr` that makes one attempt per call.
fn builder(addr: SocketAddr) -> ClientBuilder {
    Client::builder()
        .base_url(format!("http://{addr}"))
        .account("acc-1")
        .api_key("public-key")
        .api_secret(SecretString::from("the-api-secret"))
        .retry_policy(RetryPolicy::NONE)
}

fn get() -> ThingIdRequest {
    ThingIdRequest::new(
        "4a3a7e8e-0000-4000-8000-000000000001"
            .parse::<client_runtime::Uuid>()
            .unwrap(),
    )
}

const THING: &str = r#"{"id":"4a3a7e8e-0000-4000-8000-000000000001","amount":1}"#;

/// The error a call gets from a server that answers `answer`.
async fn error_of(answer: Answer) -> Error {
    let addr = serve(vec![answer]).await;
    builder(addr)
        .build()
        .unwrap()
        .get_thing(&get())
        .await
        .expect_err("the call fails")
}

#[tokio::test]
async fn the_api_s_refusal_says_its_status_and_body_and_is_the_api_error() {
    let error = error_of(response(
        "400 Bad Request",
        "",
        r#"{"errorCode":"004","message":"no"}"#,
    ))
    .await;
    assert_eq!(
        error.to_string(),
        r#"the API refused the request with HTTP 400 Bad Request: {"errorCode":"004","message":"no"}"#
    );
    let api = error.api_error().expect("the API's error");
    assert_eq!(api.body.error_code.as_deref(), Some("004"));
    assert!(!error.is_timeout());
}

#[tokio::test]
async fn an_unexpected_status_shows_its_body_quoted_or_says_it_is_empty() {
    let empty = error_of(response("502 Bad Gateway", "", "")).await;
    assert_eq!(
        empty.to_string(),
        "unexpected HTTP status 502 Bad Gateway, with an empty body"
    );
    assert!(empty.api_error().is_none());
    let proxy = error_of(response("502 Bad Gateway", "", r#"{"detail":"a proxy"}"#)).await;
    assert_eq!(
        proxy.to_string(),
        r#"unexpected HTTP status 502 Bad Gateway; body: "{\"detail\":\"a proxy\"}""#
    );
    assert!(proxy.api_error().is_none());
}

#[tokio::test]
async fn an_unexpected_status_keeps_its_retry_after() {
    let error = error_of(response(
        "503 Service Unavailable",
        "Retry-After: 7\r\n",
        "<html>busy</html>",
    ))
    .await;
    assert!(matches!(error, Error::UnexpectedStatus { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
}

/// The body an unexpected status came with.
fn raw_body(error: &Error) -> &client_runtime::RawBody {
    match error {
        Error::UnexpectedStatus { body, .. } => body,
        other => panic!("expected an unexpected status, got {other:?}"),
    }
}

#[tokio::test]
async fn a_long_body_is_shown_in_part_and_kept_up_to_64_kib() {
    // 200 characters are shown whole; one more, and the rest is left out.
    let shown = |error: &Error| raw_body(error).to_string();
    let exact = error_of(response("502 Bad Gateway", "", &"a".repeat(200))).await;
    assert_eq!(shown(&exact), format!("{:?}", "a".repeat(200)));
    let over = error_of(response("502 Bad Gateway", "", &"a".repeat(201))).await;
    assert_eq!(
        shown(&over),
        format!("{:?}", format!("{}…", "a".repeat(200)))
    );

    let whole = error_of(response("502 Bad Gateway", "", &"b".repeat(64 * 1024))).await;
    let body = raw_body(&whole);
    assert_eq!(body.as_bytes(), "b".repeat(64 * 1024).as_bytes());
    assert!(!body.is_truncated(), "all of it was read");
    assert_eq!(
        format!("{body:?}"),
        format!("RawBody {{ text: {:?}, truncated: false }}", body.text())
    );

    let huge = error_of(response("502 Bad Gateway", "", &"c".repeat(64 * 1024 + 1))).await;
    let body = raw_body(&huge);
    assert_eq!(body.as_bytes().len(), 64 * 1024);
    assert!(body.is_truncated());
    assert!(format!("{body:?}").ends_with("truncated: true }"));
    assert!(body.to_string().ends_with("…\""));
}

#[tokio::test]
async fn a_success_body_that_is_not_json_says_so_or_that_it_is_empty() {
    let empty = error_of(response("200 OK", "", "")).await;
    assert_eq!(
        empty.to_string(),
        "the HTTP 200 OK response has an empty body where JSON was expected"
    );
    let garbled = error_of(response("200 OK", "", "not JSON")).await;
    assert!(
        garbled
            .to_string()
            .starts_with("the HTTP 200 OK response body could not be parsed as JSON: "),
        "{garbled}"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_says_where_it_pointed() {
    let error = error_of(response(
        "307 Temporary Redirect",
        "Location: http://elsewhere.example/\r\n",
        "",
    ))
    .await;
    assert!(
        matches!(&error, Error::Redirect { location: Some(to), .. } if to == "http://elsewhere.example/"),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with(
            "the server answered HTTP 307 Temporary Redirect redirecting to \"http://elsewhere.example/\"; \
             redirects are not followed"
        ),
        "{error}"
    );
}

/// The first line of a response whose `Content-Length` promises more than `sent`.
fn cut_off(sent: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{sent}",
        sent.len() + 100
    )
    .into_bytes()
}

#[tokio::test]
async fn a_body_cut_off_says_whether_the_connection_closed_or_was_reset_and_why() {
    let closed = error_of(Answer::Raw(cut_off("{\"id\""))).await;
    let message = closed.to_string();
    let said = "the HTTP 200 OK response body is truncated: the connection closed before its end: ";
    assert!(message.starts_with(said), "{message}");
    // reqwest's error, then each of its causes after a colon, down to hyper's that says
    // what happened.
    assert!(
        message.starts_with(&format!("{said}error decoding response body: "))
            && message.ends_with(": end of file before message length reached"),
        "{message}"
    );

    let reset = error_of(Answer::RawThenReset(cut_off("{\"id\""))).await;
    let message = reset.to_string();
    assert!(
        message
            .starts_with("the HTTP 200 OK response body was cut off: the connection was reset: "),
        "{message}"
    );
    assert!(!reset.is_timeout());
}

#[tokio::test]
async fn a_refused_connection_and_a_timeout_say_which() {
    let refused = {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap()
    };
    let error = builder(refused)
        .build()
        .unwrap()
        .get_thing(&get())
        .await
        .expect_err("nothing listens");
    assert!(
        error
            .to_string()
            .starts_with("could not connect to the server: "),
        "{error}"
    );
    assert!(!error.is_timeout());

    // An application's own HTTP client: the client's timeout applies to each request.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _silent = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_request(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    let client = builder(addr)
        .http_client(client_runtime::reqwest::Client::new())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = tokio::time::timeout(Duration::from_secs(10), client.get_thing(&get()))
        .await
        .expect("the client's timeout ends the call")
        .expect_err("the server never answers");
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        error.to_string().starts_with("the request timed out: "),
        "{error}"
    );
}

#[tokio::test]
async fn the_size_limit_is_16_mib_by_default_or_what_the_builder_says() {
    // 2 MiB is well within the default.
    let big = format!(
        r#"{{"id":"4a3a7e8e-0000-4000-8000-000000000001","description":"{}"}}"#,
        "d".repeat(2 * 1024 * 1024)
    );
    let addr = serve(vec![response("200 OK", "", &big)]).await;
    let thing = builder(addr).build().unwrap().get_thing(&get()).await;
    assert!(thing.is_ok(), "{thing:?}");

    // A length over 16 MiB is refused before any of the body is read.
    let addr = serve(vec![Answer::Raw(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            16 * 1024 * 1024 + 1
        )
        .into_bytes(),
    )])
    .await;
    let error = builder(addr)
        .build()
        .unwrap()
        .get_thing(&get())
        .await
        .expect_err("too large");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit, .. } if limit == 16 * 1024 * 1024),
        "{error:?}"
    );

    let addr = serve(vec![response("200 OK", "", THING)]).await;
    let error = builder(addr)
        .max_response_bytes(10)
        .build()
        .unwrap()
        .get_thing(&get())
        .await
        .expect_err("over the builder's limit");
    assert_eq!(
        error.to_string(),
        "the HTTP 200 OK response is larger than the limit of 10 bytes"
    );
}

/// A response whose length is not said in advance: its body in chunks.
fn chunked(body: &str) -> Answer {
    Answer::Raw(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
             Connection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        )
        .into_bytes(),
    )
}

#[tokio::test]
async fn a_body_of_unsaid_length_is_read_up_to_the_limit_and_no_further() {
    let limit = THING.len();
    let addr = serve(vec![chunked(THING)]).await;
    let exact = builder(addr)
        .max_response_bytes(limit)
        .build()
        .unwrap()
        .get_thing(&get())
        .await;
    assert!(exact.is_ok(), "a body of exactly the limit: {exact:?}");

    let addr = serve(vec![chunked(THING)]).await;
    let over = builder(addr)
        .max_response_bytes(limit - 1)
        .build()
        .unwrap()
        .get_thing(&get())
        .await;
    assert!(
        matches!(over, Err(Error::ResponseTooLarge { limit: l, .. }) if l == limit - 1),
        "{over:?}"
    );

    // The same in two chunks that arrive apart: the limit counts what came before.
    let (first, second) = THING.split_at(limit / 2);
    let addr = serve(vec![Answer::Paced(vec![
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\
             Connection: close\r\n\r\n{:x}\r\n{first}\r\n",
            first.len()
        )
        .into_bytes(),
        format!("{:x}\r\n{second}\r\n0\r\n\r\n", second.len()).into_bytes(),
    ])])
    .await;
    let over = builder(addr)
        .max_response_bytes(limit - 1)
        .build()
        .unwrap()
        .get_thing(&get())
        .await;
    assert!(
        matches!(over, Err(Error::ResponseTooLarge { .. })),
        "{over:?}"
    );
}

#[test]
fn build_errors_say_what_is_wrong() {
    let complete = || {
        Client::builder()
            .account("acc-1")
            .api_key("public-key")
            .api_secret(SecretString::from("the-api-secret"))
    };
    let message = |result: Result<Client, BuildError>| result.unwrap_err().to_string();
    assert_eq!(
        message(Client::builder().api_key("k").build()),
        "no account was given"
    );
    assert_eq!(
        message(complete().base_url("ftp://example.com").build()),
        "the base URL \"ftp://example.com\" is not an absolute http or https URL"
    );
    assert_eq!(
        message(complete().api_key("bad\nkey").build()),
        "the API key contains characters an HTTP header cannot carry"
    );
}

#[test]
fn a_client_shows_its_account_and_settings_and_keeps_them_through_every_setter() {
    let client = Client::builder()
        .account("acc-1")
        .api_key("public-key")
        .api_secret(SecretString::from("the-api-secret"))
        .connect_timeout(Duration::from_secs(3))
        .trace_bodies(true)
        .learn_clock_offset(false)
        .max_response_bytes(1000)
        .build()
        .unwrap();
    assert_eq!(client.account(), "acc-1");
    let shown = format!("{client:?}");
    assert!(shown.starts_with("Client { "), "{shown}");
    assert!(shown.contains("account: \"acc-1\""), "{shown}");
    assert!(shown.contains("api_secret: \"[redacted]\""), "{shown}");
    assert!(!shown.contains("the-api-secret"), "{shown}");
}

#[tokio::test]
async fn a_client_told_not_to_learn_the_server_clock_ends_the_call_at_a_refused_timestamp() {
    // The server's clock is an hour ahead, and it says so.
    let refused = || {
        response(
            "400 Bad Request",
            "Date: Tue, 14 Nov 2023 23:13:20 GMT\r\n",
            r#"{"errorCode":"011"}"#,
        )
    };
    let addr = serve(vec![refused(), response("200 OK", "", THING)]).await;
    let client = builder(addr)
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
        .learn_clock_offset(false)
        .build()
        .unwrap();
    let error = client
        .get_thing(&get())
        .await
        .expect_err("refused, not retried");
    assert_eq!(
        error
            .api_error()
            .and_then(|api| api.body.error_code.as_deref()),
        Some("011")
    );
    assert_eq!(client.clock_offset_millis(), None);
}
