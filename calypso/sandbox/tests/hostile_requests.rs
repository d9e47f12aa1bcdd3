//! The sandbox stays up under malformed and oversized requests sent at the same time as valid
//! traffic: each bad request gets a 4xx (in the API's error shape on merchant routes, `{"error"}`
//! on sandbox-only routes), the valid requests meanwhile and afterwards are answered correctly,
//! and no request makes the sandbox hold more than its body limit.
//!
//! Raw TCP, so that the requests can be what no HTTP client would send: bodies that never end,
//! lengths that lie, bytes that are not UTF-8 in headers.

mod common;

use std::time::Duration;

use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, PurseAddressRequest,
};
use calypso_customer_purse_sandbox::{DEMO_ACCOUNT, DEMO_API_KEY, Running, Settings};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Tasks sending valid requests while the hostile ones run.
const VALID_TASKS: usize = 8;
/// Rounds per valid task (three requests each).
const VALID_ROUNDS: usize = 10;
/// How many copies of each hostile request are sent at once.
const HOSTILE_COPIES: usize = 3;
/// A bad request must be answered within this, or the test fails.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// The whole test fails, rather than hangs, past this.
const HARD_LIMIT: Duration = Duration::from_secs(60);
/// The sandbox's time limit for a body to arrive, shorter than the default to keep the test
/// short.
const BODY_TIMEOUT: Duration = Duration::from_secs(2);
/// "Oversized": far over the sandbox's limit.
const TEN_MB: usize = 10 * 1024 * 1024;

const CREATE: &str = "/api/v1/customer-purse/customer/create";
const FIND: &str = "/api/v1/customer-purse/transaction/find";
const DEPOSITS: &str = "/sandbox/deposits";

/// How the body of a raw request is sent.
#[derive(Clone)]
enum BodyPlan {
    /// All of it, as fast as the server takes it.
    All(Vec<u8>),
    /// These bytes, then nothing more on a connection kept open: an answer proves the
    /// sandbox did not wait for the rest of what `Content-Length` announced.
    ThenStall(Vec<u8>),
    /// One byte every 100 ms, for as long as the connection lasts.
    Trickle,
}

/// A raw request: the head (request line and headers, without the blank line) and body.
#[derive(Clone)]
struct Raw {
    head: Vec<u8>,
    body: BodyPlan,
}

/// The answer to a raw request.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "status {} with a body that is not JSON ({error}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A merchant route's refusal: 400 and the provider's error body with `code`.
    #[track_caller]
    fn assert_api_error(&self, code: &str, words: &str) {
        let body = self.json();
        assert_eq!(self.status, 400, "{body}");
        assert_eq!(body["errorCode"], code, "{body}");
        let message = body["message"].as_str().unwrap_or("");
        assert!(message.contains(words), "{words:?} not in {body}");
        assert!(
            body["traceId"].as_str().is_some_and(|t| !t.is_empty()),
            "{body}"
        );
    }

    /// A sandbox-only route's refusal: `status` and `{"error": "…"}`.
    #[track_caller]
    fn assert_admin_error(&self, status: u16, words: &str) {
        let body = self.json();
        assert_eq!(self.status, status, "{body}");
        let error = body["error"].as_str().unwrap_or("");
        assert!(error.contains(words), "{words:?} not in {body}");
    }
}

/// Sends `raw` on a new connection and reads the answer's status and body; an error when no
/// answer came within [`ANSWER_WITHIN`].
async fn exchange(running: &Running, raw: Raw) -> Result<Answer, String> {
    let stream = TcpStream::connect(running.address())
        .await
        .expect("the sandbox accepts connections");
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        // Write errors are expected: the sandbox may answer and close before taking it all.
        let mut head = raw.head;
        head.extend_from_slice(b"\r\n");
        if writer.write_all(&head).await.is_err() {
            return;
        }
        match raw.body {
            BodyPlan::All(body) => {
                let _ = writer.write_all(&body).await;
            }
            BodyPlan::ThenStall(part) => {
                let _ = writer.write_all(&part).await;
                std::future::pending::<()>().await;
            }
            BodyPlan::Trickle => loop {
                if writer.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            },
        }
        // Keep the write half open until the answer is read.
        std::future::pending::<()>().await;
    });
    let answer = tokio::time::timeout(ANSWER_WITHIN, read_answer(&mut reader))
        .await
        .map_err(|_| format!("no answer within {ANSWER_WITHIN:?}"));
    sender.abort();
    answer
}

async fn read_answer(reader: &mut tokio::net::tcp::OwnedReadHalf) -> Answer {
    let mut received = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = reader
            .read(&mut chunk)
            .await
            .expect("the answer can be read");
        assert!(n > 0, "connection closed before an answer: {received:?}");
        received.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head}"));
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while received.len() < head_end + length {
        let n = reader.read(&mut chunk).await.expect("the body can be read");
        assert!(n > 0, "connection closed in the middle of the answer");
        received.extend_from_slice(&chunk[..n]);
    }
    Answer {
        status,
        body: received[head_end..head_end + length].to_vec(),
    }
}

/// A POST head with `headers` (each a full `Name: value` line, any bytes).
fn head(path: &str, content_length: u64, headers: &[&[u8]]) -> Vec<u8> {
    let mut head =
        format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {content_length}\r\n")
            .into_bytes();
    for line in headers {
        head.extend_from_slice(line);
        head.extend_from_slice(b"\r\n");
    }
    head
}

/// `body` POSTed to a merchant route with JSON content type, the demo key and its signature.
fn signed(path: &str, body: Vec<u8>) -> Raw {
    let sign = format!("Sign: {}", common::sign(&body));
    let key = format!("Key: {DEMO_API_KEY}");
    Raw {
        head: head(
            path,
            body.len() as u64,
            &[
                b"Content-Type: application/json",
                key.as_bytes(),
                sign.as_bytes(),
            ],
        ),
        body: BodyPlan::All(body),
    }
}

/// `body` POSTed to a sandbox-only route as JSON.
fn admin(path: &str, body: Vec<u8>) -> Raw {
    Raw {
        head: head(
            path,
            body.len() as u64,
            &[b"Content-Type: application/json"],
        ),
        body: BodyPlan::All(body),
    }
}

/// An envelope of the demo account, stamped now, whose members are written as given.
fn envelope_text(timestamp: &str, payload: &str) -> Vec<u8> {
    format!(r#"{{"account":"{DEMO_ACCOUNT}","timestamp":{timestamp},"payload":{payload}}}"#)
        .into_bytes()
}

fn now() -> String {
    calypso_customer_purse::Clock::now_unix_millis(&calypso_customer_purse::SystemClock).to_string()
}

/// One hostile request and the check of its answer.
struct Case {
    name: &'static str,
    request: Raw,
    check: fn(&Answer),
}

fn cases(limit: usize) -> Vec<Case> {
    let deep = |depth: usize| {
        let mut nested = "[".repeat(depth);
        nested.push_str(&"]".repeat(depth));
        nested
    };
    let ten_mb_envelope = envelope_text(
        &now(),
        &format!(r#"{{"description":"{}"}}"#, "x".repeat(TEN_MB)),
    );
    let mut cases = vec![
        Case {
            name: "broken JSON",
            request: signed(
                CREATE,
                format!(r#"{{"account":"{DEMO_ACCOUNT}","timestamp":"#).into_bytes(),
            ),
            check: |a| a.assert_api_error("001", "invalid request body"),
        },
        Case {
            name: "envelope of the wrong types",
            request: signed(
                CREATE,
                br#"{"account":5,"timestamp":"soon","payload":[]}"#.to_vec(),
            ),
            check: |a| a.assert_api_error("001", "invalid type"),
        },
        Case {
            name: "payload of the wrong types",
            request: signed(
                CREATE,
                envelope_text(&now(), r#"{"externalId":42,"email":[]}"#),
            ),
            check: |a| a.assert_api_error("001", "invalid payload"),
        },
        Case {
            name: "10 MB body, all sent",
            request: signed(CREATE, ten_mb_envelope.clone()),
            check: |a| a.assert_api_error("001", "larger than"),
        },
        Case {
            name: "10 MB announced, 256 KiB sent, then nothing",
            request: Raw {
                body: BodyPlan::ThenStall(ten_mb_envelope[..256 * 1024].to_vec()),
                ..signed(CREATE, ten_mb_envelope.clone())
            },
            check: |a| a.assert_api_error("001", "larger than"),
        },
        Case {
            name: "10 MB chunked (no Content-Length), 256 KiB sent, then nothing",
            request: {
                let mut body = Vec::new();
                for chunk in ten_mb_envelope[..256 * 1024].chunks(64 * 1024) {
                    body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    body.extend_from_slice(chunk);
                    body.extend_from_slice(b"\r\n");
                }
                let sign = format!("Sign: {}", common::sign(&ten_mb_envelope));
                let head = format!(
                    "POST {CREATE} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\
                     Content-Type: application/json\r\nKey: {DEMO_API_KEY}\r\n{sign}\r\n"
                );
                Raw {
                    head: head.into_bytes(),
                    body: BodyPlan::ThenStall(body),
                }
            },
            check: |a| a.assert_api_error("001", "larger than"),
        },
        Case {
            name: "a terabyte announced, one byte per 100 ms",
            request: Raw {
                head: head(
                    CREATE,
                    1 << 40,
                    &[
                        b"Content-Type: application/json",
                        format!("Key: {DEMO_API_KEY}").as_bytes(),
                        format!("Sign: {}", "0".repeat(128)).as_bytes(),
                    ],
                ),
                body: BodyPlan::Trickle,
            },
            check: |a| a.assert_api_error("001", "larger than"),
        },
        Case {
            name: "body that is not UTF-8",
            request: signed(
                CREATE,
                b"{\"account\":\"\xff\xfe\xfd\",\"timestamp\":1,\"payload\":{}}".to_vec(),
            ),
            check: |a| a.assert_api_error("001", "invalid request body"),
        },
        Case {
            name: "payload string that is not UTF-8",
            request: signed(CREATE, {
                let mut body = envelope_text(&now(), r#"{"description":"~"}"#);
                let at = body.iter().position(|b| *b == b'~').unwrap();
                body.splice(at..=at, *b"\xc3\x28");
                body
            }),
            check: |a| a.assert_api_error("001", "invalid"),
        },
        Case {
            name: "no Key header",
            request: Raw {
                head: head(CREATE, 2, &[b"Content-Type: application/json"]),
                body: BodyPlan::All(b"{}".to_vec()),
            },
            check: |a| a.assert_api_error("002", "missing `key` header"),
        },
        Case {
            name: "Key header of bytes that are not ASCII",
            request: Raw {
                head: head(
                    CREATE,
                    2,
                    &[b"Content-Type: application/json", b"Key: \xff\xfe\x80"],
                ),
                body: BodyPlan::All(b"{}".to_vec()),
            },
            check: |a| a.assert_api_error("002", "not visible ASCII"),
        },
        Case {
            name: "Sign header that is not hex",
            request: Raw {
                head: head(
                    CREATE,
                    2,
                    &[
                        b"Content-Type: application/json",
                        format!("Key: {DEMO_API_KEY}").as_bytes(),
                        format!("Sign: {}", "zz".repeat(64)).as_bytes(),
                    ],
                ),
                body: BodyPlan::All(b"{}".to_vec()),
            },
            check: |a| a.assert_api_error("003", "128 hex digits"),
        },
        Case {
            name: "Sign header with control bytes",
            request: Raw {
                head: head(
                    CREATE,
                    2,
                    &[
                        b"Content-Type: application/json",
                        format!("Key: {DEMO_API_KEY}").as_bytes(),
                        b"Sign: \x01zz\x7f",
                    ],
                ),
                body: BodyPlan::All(b"{}".to_vec()),
            },
            // hyper refuses it before the sandbox sees it: the status is all it promises.
            check: |a| assert_eq!(a.status, 400, "{a:?}"),
        },
        Case {
            name: "100 bytes announced, one byte per 100 ms",
            request: Raw {
                head: head(
                    CREATE,
                    100,
                    &[
                        b"Content-Type: application/json",
                        format!("Key: {DEMO_API_KEY}").as_bytes(),
                    ],
                ),
                body: BodyPlan::Trickle,
            },
            check: |a| a.assert_api_error("001", "did not arrive within"),
        },
        Case {
            name: "no Content-Type on a signed valid body",
            request: {
                let body = envelope_text(&now(), "{}");
                let key = format!("Key: {DEMO_API_KEY}");
                let sign = format!("Sign: {}", common::sign(&body));
                Raw {
                    head: head(
                        CREATE,
                        body.len() as u64,
                        &[key.as_bytes(), sign.as_bytes()],
                    ),
                    body: BodyPlan::All(body),
                }
            },
            check: |a| a.assert_api_error("001", "Content-Type"),
        },
        Case {
            name: "100k `[` to a merchant route",
            request: signed(CREATE, deep(100_000).into_bytes()),
            check: |a| a.assert_api_error("001", "larger than"),
        },
        Case {
            name: "deep nesting inside the limit, signed",
            request: signed(
                CREATE,
                envelope_text(
                    &now(),
                    &format!(r#"{{"description":{}}}"#, deep(limit / 2 - 200)),
                ),
            ),
            check: |a| a.assert_api_error("001", "invalid payload"),
        },
        Case {
            name: "deep nesting in an unknown member, signed",
            request: signed(
                CREATE,
                format!(
                    r#"{{"extra":{},"account":"{DEMO_ACCOUNT}"}}"#,
                    deep(limit / 2 - 200)
                )
                .into_bytes(),
            ),
            check: |a| a.assert_api_error("001", "invalid request body"),
        },
        Case {
            name: "timestamp 1e999",
            request: signed(CREATE, envelope_text("1e999", "{}")),
            check: |a| a.assert_api_error("001", "invalid request body"),
        },
        Case {
            name: "timestamp of 40 digits",
            request: signed(CREATE, envelope_text(&"9".repeat(40), "{}")),
            check: |a| a.assert_api_error("001", "invalid request body"),
        },
        Case {
            name: "page number past i32",
            request: signed(FIND, envelope_text(&now(), r#"{"pageNumber":99999999999}"#)),
            check: |a| a.assert_api_error("001", "invalid payload"),
        },
        Case {
            name: "negative page size",
            request: signed(FIND, envelope_text(&now(), r#"{"pageSize":-2147483648}"#)),
            check: |a| a.assert_api_error("001", "pageSize"),
        },
        Case {
            name: "header line without a colon",
            request: Raw {
                head: head(CREATE, 2, &[b"this is not a header"]),
                body: BodyPlan::All(b"{}".to_vec()),
            },
            // hyper refuses it before the sandbox sees it: the status is all it promises.
            check: |a| assert_eq!(a.status, 400, "{a:?}"),
        },
        Case {
            name: "10 MB to a sandbox-only route",
            request: admin(DEPOSITS, {
                let mut body = br#"{"address":""#.to_vec();
                body.extend(std::iter::repeat_n(b'a', TEN_MB));
                body.extend_from_slice(br#"","currency":"ETH","amount":"1"}"#);
                body
            }),
            check: |a| a.assert_admin_error(400, "larger than"),
        },
        Case {
            name: "a terabyte announced to a sandbox-only route, one byte per 100 ms",
            request: Raw {
                head: head(DEPOSITS, 1 << 40, &[b"Content-Type: application/json"]),
                body: BodyPlan::Trickle,
            },
            check: |a| a.assert_admin_error(400, "larger than"),
        },
        Case {
            name: "100k `[` to a sandbox-only route",
            request: admin(DEPOSITS, deep(100_000).into_bytes()),
            check: |a| a.assert_admin_error(400, "larger than"),
        },
        Case {
            name: "deep nesting inside the limit to a sandbox-only route",
            request: admin(
                DEPOSITS,
                format!(
                    r#"{{"address":"a","currency":"ETH","amount":{}}}"#,
                    deep(limit / 2 - 100)
                )
                .into_bytes(),
            ),
            check: |a| a.assert_admin_error(400, "not an exact decimal"),
        },
    ];
    for amount in [
        "1e999999999999999999",
        "1e-999999999",
        "79228162514264337593543950336",
        "0.00000000000000000000000000001",
    ] {
        let body = json!({"address": "0xnowhere", "currency": "ETH", "amount": amount});
        cases.push(Case {
            name: "absurd deposit amount",
            request: admin(DEPOSITS, body.to_string().into_bytes()),
            check: |a| a.assert_admin_error(400, "not an exact decimal"),
        });
    }
    cases.push(Case {
        name: "fault count past u32",
        request: admin("/sandbox/faults", br#"{"count":4294967296}"#.to_vec()),
        check: |a| a.assert_admin_error(400, "invalid request body"),
    });
    for seconds in [
        "9223372036854775807",
        "-9223372036854775808",
        "1e999",
        "1e3",
        "[]",
    ] {
        cases.push(Case {
            name: "absurd clock move",
            request: admin(
                "/sandbox/clock",
                format!(r#"{{"advanceSeconds":{seconds}}}"#).into_bytes(),
            ),
            check: |a| a.assert_admin_error(400, ""),
        });
    }
    for amount in ["1e999999999999999999", "-0.5", "0", r#""NaN""#] {
        cases.push(Case {
            name: "absurd trigger amount",
            request: admin(
                "/sandbox/trigger",
                format!(r#"{{"scenario":"confirmed_deposit","amount":{amount}}}"#).into_bytes(),
            ),
            check: |a| a.assert_admin_error(400, ""),
        });
    }
    cases.push(Case {
        name: "deep nesting to the trigger",
        request: admin(
            "/sandbox/trigger",
            format!(r#"{{"scenario":{}}}"#, deep(limit / 2 - 100)).into_bytes(),
        ),
        check: |a| a.assert_admin_error(400, "invalid request body"),
    });
    cases.push(Case {
        name: "an event id past i64",
        request: admin(
            "/sandbox/events/99999999999999999999999/resend",
            b"{}".to_vec(),
        ),
        check: |a| a.assert_admin_error(400, "not an event id"),
    });
    cases
}

/// Valid traffic: creates, addresses and reads, each answer checked.
async fn valid_traffic(running: &Running, task: usize) {
    let client = common::demo_client(running);
    for round in 0..VALID_ROUNDS {
        let external_id = format!("valid-{task}-{round}");
        let created = client
            .create_customer(&CreateCustomerRequest::new().with_external_id(external_id.clone()))
            .await
            .unwrap_or_else(|error| panic!("valid create {external_id}: {error}"));
        assert_eq!(created.external_id.as_deref(), Some(external_id.as_str()));
        let id = created.id.unwrap();
        let address = client
            .get_purse_address(&PurseAddressRequest::new(id, "BTC"))
            .await
            .unwrap_or_else(|error| panic!("valid address/get: {error}"))
            .address;
        let read = client
            .get_customer(&CustomerIdRequest::new(id))
            .await
            .unwrap_or_else(|error| panic!("valid customer/get: {error}"));
        assert_eq!(read, created);
        let purses = client
            .get_purses(&CustomerIdRequest::new(id))
            .await
            .unwrap();
        assert_eq!(purses.len(), 1);
        assert_eq!(purses[0].address.as_deref(), Some(address.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_requests_get_a_4xx_while_valid_ones_are_served() {
    tokio::time::timeout(HARD_LIMIT, hostile())
        .await
        .unwrap_or_else(|_| panic!("the test did not finish within {HARD_LIMIT:?}"));
}

async fn hostile() {
    let settings = Settings {
        body_timeout: BODY_TIMEOUT,
        ..Settings::default()
    };
    let running = std::sync::Arc::new(common::start(settings).await);
    let limit = running.sandbox().settings().max_body_bytes;

    let mut hostile = Vec::new();
    for case in cases(limit) {
        for _ in 0..HOSTILE_COPIES {
            let running = running.clone();
            let request = case.request.clone();
            let (name, check) = (case.name, case.check);
            hostile.push(tokio::spawn(async move {
                let answer = exchange(&running, request).await;
                (name, check, answer)
            }));
        }
    }
    let valid: Vec<_> = (0..VALID_TASKS)
        .map(|task| {
            let running = running.clone();
            tokio::spawn(async move { valid_traffic(&running, task).await })
        })
        .collect();

    let mut broken = Vec::new();
    for task in hostile {
        let (name, check, answer) = task.await.expect("a hostile request task failed");
        let checked = answer.and_then(|answer| {
            std::panic::catch_unwind(|| check(&answer)).map_err(|panic| {
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "the check failed".into())
            })
        });
        if let Err(why) = checked {
            broken.push(format!("{name}: {why}"));
        }
    }
    broken.dedup();
    assert!(broken.is_empty(), "wrong answers:\n{}", broken.join("\n"));
    for task in valid {
        task.await.expect("valid traffic was not served correctly");
    }

    // Still up and correct afterwards.
    valid_traffic(&running, VALID_TASKS).await;
}
