//! The tool as a user runs it: the stand-in's binary as a process, against a local server,
//! with its credentials from the environment or a config file. What it prints on stdout and
//! stderr, and its exit code, are its interface. Unix only: the tests set config files'
//! modes and write to /dev/full.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha512;

const THING_ID: &str = "4a3a7e8e-0000-4000-8000-000000000001";
const THING: &str = r#"{"id":"4a3a7e8e-0000-4000-8000-000000000001","amount":1.50}"#;

/// What the server does with one request: a status line and a JSON body, or `None` to
/// close the connection without a word.
type Respond = dyn Fn(&str, &Value) -> Option<(String, String)> + Send + Sync;

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    /// Names in lowercase.
    headers: Vec<(String, String)>,
    body: Value,
}

/// A server on 127.0.0.1 that answers every request as `respond` says, and records each.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    fn start(
        respond: impl Fn(&str, &Value) -> Option<(String, String)> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let respond: Arc<Respond> = Arc::new(respond);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let log = Arc::clone(&log);
                let respond = Arc::clone(&respond);
                std::thread::spawn(move || serve(stream, &log, &*respond));
            }
        });
        Self { url, requests }
    }

    /// Answers every request with `status` and `body`.
    fn answering(status: &'static str, body: &str) -> Self {
        let body = body.to_owned();
        Self::start(move |_, _| Some((status.to_owned(), body.clone())))
    }

    /// Each request's path and JSON body.
    fn requests(&self) -> Vec<(String, Value)> {
        let requests = self.requests.lock().unwrap();
        requests
            .iter()
            .map(|request| (request.path.clone(), request.body.clone()))
            .collect()
    }

    fn received(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Received>>, respond: &Respond) {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buffer) {
            Ok(read) if read > 0 => bytes.extend_from_slice(&buffer[..read]),
            _ => return,
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let headers: Vec<(String, String)> = head
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, value)| value.parse().unwrap());
    while bytes.len() < head_end + length {
        match stream.read(&mut buffer) {
            Ok(read) if read > 0 => bytes.extend_from_slice(&buffer[..read]),
            _ => return,
        }
    }
    let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
    let body: Value = serde_json::from_slice(&bytes[head_end..head_end + length]).unwrap();
    let answer = respond(&path, &body);
    log.lock().unwrap().push(Received {
        path,
        headers,
        body,
    });
    let Some((status, body)) = answer else {
        return;
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// What a run of the tool gave.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The tool, with a home folder of its own (so that no config file of this machine's is
/// read) and no environment but what the test gives it.
fn tool(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cli-runtime"));
    command.env_clear().env("HOME", home).stdin(Stdio::null());
    command
}

/// The tool with credentials and the server's URL in the environment.
fn tool_for(server: &Server, home: &Path) -> Command {
    let mut command = tool(home);
    command
        .env("CLIENT_RUNTIME_BASE_URL", &server.url)
        .env("CLIENT_RUNTIME_ACCOUNT", "acc-1")
        .env("CLIENT_RUNTIME_API_KEY", "public-key")
        .env("CLIENT_RUNTIME_API_SECRET", "the-api-secret");
    command
}

fn run(command: &mut Command, args: &[&str]) -> Run {
    let output = command.args(args).output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// An empty folder of this test's own.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cli-runtime-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_call_prints_the_answer_as_sent_indented_or_compact_and_nothing_else() {
    let home = folder("call");
    let server = Server::answering("200 OK", THING);
    let indented = run(
        &mut tool_for(&server, &home),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(indented.code, Some(0), "{indented:?}");
    assert_eq!(
        indented.stdout,
        format!("{{\n  \"id\": \"{THING_ID}\",\n  \"amount\": 1.50\n}}\n")
    );
    assert_eq!(indented.stderr, "", "nothing on stderr without --verbose");
    let compact = run(
        &mut tool_for(&server, &home),
        &["--compact", "get-thing", "--id", THING_ID],
    );
    assert_eq!(compact.stdout, format!("{THING}\n"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].0, "/api/v1/thing/get");
    assert_eq!(
        requests[0].1["payload"],
        serde_json::json!({ "id": THING_ID })
    );
}

#[test]
fn strings_are_printed_as_sent_whatever_they_hold() {
    let home = folder("strings");
    // Escaped quotes and backslashes, and what would be laid out outside a string.
    let description = r#""a \"quoted, {braced} [x]\" \\ word""#;
    let answer = format!(r#"{{"id":"{THING_ID}","description":{description}}}"#);
    let server = Server::answering("200 OK", &answer);
    let printed = run(
        &mut tool_for(&server, &home),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(printed.code, Some(0), "{printed:?}");
    assert_eq!(
        printed.stdout,
        format!("{{\n  \"id\": \"{THING_ID}\",\n  \"description\": {description}\n}}\n")
    );
}

#[test]
fn each_kind_of_failure_has_its_exit_code_and_says_what_happened() {
    let home = folder("failures");
    let refused = Server::answering("400 Bad Request", r#"{"errorCode":"004","message":"no"}"#);
    let api = run(
        &mut tool_for(&refused, &home),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(api.code, Some(1), "{api:?}");
    assert_eq!(
        api.stderr,
        "error: getThing: the API refused the request with HTTP 400 Bad Request\n  \
         errorCode: 004\n  message: no\n"
    );
    assert_eq!(api.stdout, "");

    let not_json = Server::answering("200 OK", "not JSON");
    let response = run(
        &mut tool_for(&not_json, &home),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(response.code, Some(4), "{response:?}");

    // A create, which is not repeated: the connection closed once the request was read.
    let silent = Server::start(|_, _| None);
    let closed = run(
        &mut tool_for(&silent, &home),
        &["create-thing", "--amount", "5"],
    );
    assert_eq!(closed.code, Some(3), "{closed:?}");
    assert!(
        closed.stderr.ends_with(
            "\n  (the request may have reached the server: check before repeating a change)\n"
        ),
        "{closed:?}"
    );
    assert_eq!(silent.requests().len(), 1);

    let nowhere = {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let unsent = run(
        tool_for(&refused, &home).env("CLIENT_RUNTIME_BASE_URL", &nowhere),
        &["create-thing", "--amount", "5"],
    );
    assert_eq!(unsent.code, Some(3), "{unsent:?}");
    assert!(
        unsent
            .stderr
            .ends_with("\n  (nothing reached the server)\n"),
        "{unsent:?}"
    );
}

#[test]
fn verbose_shows_the_request_and_how_it_ended_and_very_verbose_the_bodies_too() {
    let home = folder("verbose");
    let server = Server::answering("200 OK", THING);
    let verbose = run(
        &mut tool_for(&server, &home),
        &["-v", "get-thing", "--id", THING_ID],
    );
    assert_eq!(verbose.code, Some(0), "{verbose:?}");
    assert!(
        verbose.stderr.starts_with(&format!(
            "> POST {}/api/v1/thing/get\n> Key: [redacted]\n> Sign: [redacted]\n\
             > content-type: application/json\n> (account acc-1)\n",
            server.url
        )),
        "{verbose:?}"
    );
    assert!(
        verbose.stderr.contains("call{operation=\"getThing\""),
        "the client's span: {verbose:?}"
    );
    assert!(
        verbose.stderr.contains("\n< getThing: success ("),
        "{verbose:?}"
    );
    assert!(
        !verbose.stderr.contains("1.50"),
        "no body at -v: {verbose:?}"
    );
    // -v shows events down to DEBUG (its dependencies' too); -vv TRACE too.
    assert!(!verbose.stderr.contains("\nTRACE "), "{verbose:?}");

    let bodies = run(
        &mut tool_for(&server, &home),
        &["-vv", "get-thing", "--id", THING_ID],
    );
    assert!(bodies.stderr.contains(THING), "{bodies:?}");
    assert!(bodies.stderr.contains("\nTRACE "), "{bodies:?}");
    assert!(!bodies.stderr.contains("the-api-secret"), "{bodies:?}");
}

#[test]
fn verbose_says_how_long_the_call_took_in_milliseconds() {
    let home = folder("took");
    let slow = Server::start(|_, _| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        Some(("200 OK".to_owned(), THING.to_owned()))
    });
    let verbose = run(
        &mut tool_for(&slow, &home),
        &["-v", "get-thing", "--id", THING_ID],
    );
    let took: f64 = verbose
        .stderr
        .split_once("< getThing: success (")
        .and_then(|(_, rest)| rest.split_once(" ms)\n"))
        .and_then(|(millis, _)| millis.parse().ok())
        .unwrap_or_else(|| panic!("{verbose:?}"));
    // At least the server's 100 ms, and well under a second on any machine.
    assert!((100.0..1000.0).contains(&took), "{took}");
}

#[test]
fn all_pages_are_walked_to_the_last_one_each_item_on_a_line() {
    let home = folder("pages");
    let server = Server::start(|_, body| {
        let answer = match body["payload"]["pageNumber"].as_i64() {
            Some(1) => r#"{"result":[{"n":1},{"n":2.50}],"total":2}"#,
            Some(2) => r#"{"result":[{"n":3}],"total":2}"#,
            // Past the last page: a walk that went on would stop here.
            _ => r#"{"result":[],"total":2}"#,
        };
        Some(("200 OK".to_owned(), answer.to_owned()))
    });
    let all = run(&mut tool_for(&server, &home), &["find-things", "--all"]);
    assert_eq!(all.code, Some(0), "{all:?}");
    assert_eq!(all.stdout, "{\"n\":1}\n{\"n\":2.50}\n{\"n\":3}\n");
    let pages: Vec<Value> = server
        .requests()
        .iter()
        .map(|(_, body)| body["payload"]["pageNumber"].clone())
        .collect();
    assert_eq!(pages, [1, 2]);
}

#[test]
fn completions_are_printed_for_a_shell() {
    let home = folder("completions");
    let completions = run(&mut tool(&home), &["completions", "bash"]);
    assert_eq!(completions.code, Some(0), "{completions:?}");
    assert!(completions.stdout.contains("get-thing"), "{completions:?}");
}

#[test]
fn output_that_cannot_be_written_fails_but_a_reader_that_left_ends_the_tool_quietly() {
    let home = folder("stdout");
    let server = Server::answering("200 OK", THING);
    let full = tool_for(&server, &home)
        .args(["get-thing", "--id", THING_ID])
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(6), "{full:?}");
    assert!(
        String::from_utf8_lossy(&full.stderr).starts_with("error: cannot write to stdout: "),
        "{full:?}"
    );

    // `| head`: the reader is gone before the answer comes.
    let mut child = tool_for(&server, &home)
        .args(["get-thing", "--id", THING_ID])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let gone = child.wait_with_output().unwrap();
    assert_eq!(gone.status.code(), Some(0), "{gone:?}");
    assert_eq!(String::from_utf8_lossy(&gone.stderr), "");
}

#[test]
fn a_body_is_read_from_a_file_or_from_stdin() {
    let home = folder("body");
    let server = Server::answering("200 OK", THING);
    let file = home.join("body.json");
    std::fs::write(&file, r#"{"amount": 5}"#).unwrap();
    let from_file = run(
        &mut tool_for(&server, &home),
        &["create-thing", "--body-file", file.to_str().unwrap()],
    );
    assert_eq!(from_file.code, Some(0), "{from_file:?}");

    let mut child = tool_for(&server, &home)
        .args(["create-thing", "--body-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"amount": 7}"#)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));

    let amounts: Vec<Value> = server
        .requests()
        .iter()
        .map(|(_, body)| body["payload"]["amount"].clone())
        .collect();
    assert_eq!(amounts, [5, 7]);
}

/// Writes `text` as the tool's config file under `config_home`, with `mode`.
fn config(config_home: &Path, text: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = config_home.join("client-runtime");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn profile(server: &Server) -> String {
    format!(
        "[profiles.default]\nbase_url = \"{}\"\naccount = \"acc-2\"\napi_key = \"file-key\"\n\
         api_secret = \"file-secret\"\n",
        server.url
    )
}

#[test]
fn the_default_profile_is_read_from_the_config_folder_or_else_home_s() {
    let home = folder("profile");
    let server = Server::answering("200 OK", THING);
    let xdg = home.join("xdg");
    config(&xdg, &profile(&server), 0o600);
    let from_xdg = run(
        tool(&home).env("XDG_CONFIG_HOME", &xdg),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(from_xdg.code, Some(0), "{from_xdg:?}");
    assert_eq!(
        from_xdg.stderr, "",
        "a file only its owner reads: no warning"
    );

    // An empty XDG_CONFIG_HOME is no folder: ~/.config is.
    config(&home.join(".config"), &profile(&server), 0o600);
    let from_home = run(
        tool(&home).env("XDG_CONFIG_HOME", ""),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(from_home.code, Some(0), "{from_home:?}");

    let accounts: Vec<Value> = server
        .requests()
        .iter()
        .map(|(_, body)| body["account"].clone())
        .collect();
    assert_eq!(accounts, ["acc-2", "acc-2"]);
}

#[test]
fn a_config_file_with_secrets_that_others_may_read_is_warned_about() {
    let home = folder("warning");
    let server = Server::answering("200 OK", THING);
    let warning = "holds secrets and other users may read it; `chmod 600` it";
    config(&home.join(".config"), &profile(&server), 0o644);
    let open = run(&mut tool(&home), &["get-thing", "--id", THING_ID]);
    assert_eq!(open.code, Some(0), "{open:?}");
    assert!(open.stderr.contains(warning), "{open:?}");

    // No secret in it: nothing to warn about.
    let path = config(
        &home.join(".config"),
        &format!("[profiles.default]\nbase_url = \"{}\"\n", server.url),
        0o644,
    );
    let harmless = run(
        &mut tool_for(&server, &home),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(harmless.code, Some(0), "{harmless:?}");
    assert_eq!(harmless.stderr, "");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_missing_config_file_is_fine_unless_it_or_a_profile_in_it_was_asked_for() {
    let home = folder("missing");
    let server = Server::answering("200 OK", THING);
    let none = run(
        &mut tool_for(&server, &home),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(none.code, Some(0), "no config file, none needed: {none:?}");

    let missing = home.join("nowhere.toml");
    let named = run(
        &mut tool_for(&server, &home),
        &[
            "--config",
            missing.to_str().unwrap(),
            "get-thing",
            "--id",
            THING_ID,
        ],
    );
    assert_eq!(named.code, Some(2), "{named:?}");
    assert!(
        named
            .stderr
            .starts_with("error: cannot read the config file "),
        "{named:?}"
    );

    let profile = run(
        &mut tool_for(&server, &home),
        &["--profile", "work", "get-thing", "--id", THING_ID],
    );
    assert_eq!(profile.code, Some(2), "{profile:?}");
    assert!(profile.stderr.contains("does not exist"), "{profile:?}");

    // A file without the default profile, and none asked for: the flags' credentials.
    config(
        &home.join(".config"),
        "[profiles.work]\naccount = \"acc-3\"\n",
        0o600,
    );
    let other = run(
        &mut tool_for(&server, &home),
        &["get-thing", "--id", THING_ID],
    );
    assert_eq!(other.code, Some(0), "{other:?}");
    assert_eq!(server.requests().len(), 2);
}

const WEBHOOK_KEY: &str = "webhook-key";
const WEBHOOK_SECRET: &str = "webhook-secret";

/// The body's signature under `secret`, computed here rather than by the code under test.
fn sign(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn webhook(event_type: &str, data: &str) -> String {
    format!(r#"{{"id":7,"requestId":"r-7","eventType":"{event_type}","data":{data}}}"#)
}

/// The tool with the subscription's keys in the environment.
fn webhook_tool(home: &Path) -> Command {
    let mut command = tool(home);
    command
        .env("CLIENT_RUNTIME_WEBHOOK_KEY", WEBHOOK_KEY)
        .env("CLIENT_RUNTIME_WEBHOOK_SECRET", WEBHOOK_SECRET);
    command
}

#[test]
fn a_saved_webhook_is_verified_said_what_it_is_and_printed() {
    let home = folder("verify");
    let file = home.join("webhook.json");
    let cases = [
        (
            webhook("THING_CREATED", &format!(r#"{{"thingId":"{THING_ID}"}}"#)),
            "verified THING_CREATED\n",
        ),
        (
            webhook("THING_MELTED", "{}"),
            "verified THING_MELTED, an event type the spec does not list\n",
        ),
        (
            webhook("THING_CREATED", r#"{"thingId":"not a uuid"}"#),
            "verified THING_CREATED, but its data does not read as the spec describes it: ",
        ),
    ];
    for (body, said) in cases {
        std::fs::write(&file, &body).unwrap();
        let verified = run(
            &mut webhook_tool(&home),
            &[
                "--compact",
                "webhooks",
                "verify",
                "--body-file",
                file.to_str().unwrap(),
                "--signature",
                &sign(WEBHOOK_SECRET, &body),
            ],
        );
        assert_eq!(verified.code, Some(0), "{verified:?}");
        assert!(verified.stderr.starts_with(said), "{verified:?}");
        assert_eq!(verified.stdout, format!("{body}\n"));
    }

    let body = webhook("THING_CREATED", "{}");
    let mut child = webhook_tool(&home)
        .args(["webhooks", "verify", "--body-file", "-", "--signature"])
        .arg(sign(WEBHOOK_SECRET, &body))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "read from stdin");

    std::fs::write(&file, &body).unwrap();
    let forged = run(
        &mut webhook_tool(&home),
        &[
            "webhooks",
            "verify",
            "--body-file",
            file.to_str().unwrap(),
            "--signature",
            &sign("another-secret", &body),
        ],
    );
    assert_eq!(forged.code, Some(5), "{forged:?}");
    assert!(forged.stderr.starts_with("error: refused: "), "{forged:?}");
    assert_eq!(forged.stdout, "");
}

#[test]
fn a_webhook_url_is_refused_where_the_webhook_signature_covers_none() {
    // The stand-in's webhooks are signed like Calypso's, over the body alone: a URL given
    // would be checked against nothing, so the tool says so rather than ignore it.
    let home = folder("verify-url");
    let file = home.join("webhook.json");
    let body = webhook("THING_CREATED", "{}");
    std::fs::write(&file, &body).unwrap();
    let refused = run(
        &mut webhook_tool(&home),
        &[
            "webhooks",
            "verify",
            "--body-file",
            file.to_str().unwrap(),
            "--signature",
            &sign(WEBHOOK_SECRET, &body),
            "--webhook-url",
            "https://shop.example/webhooks",
        ],
    );
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("--webhook-url: this API's webhook signature does not cover a URL"),
        "{refused:?}"
    );
    let help = run(&mut webhook_tool(&home), &["webhooks", "verify", "--help"]);
    assert!(!help.stdout.contains("--webhook-url"), "{help:?}");
}

#[test]
fn a_listener_that_cannot_print_a_webhook_says_so_and_still_takes_it() {
    let home = folder("listen-full");
    let mut child = webhook_tool(&home)
        .args([
            "webhooks",
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--max-events",
            "1",
        ])
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let address = first
        .strip_prefix("listening for webhooks on http://")
        .and_then(|rest| rest.split_once('/'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_else(|| panic!("{first:?}"));
    let body = webhook("THING_CREATED", "{}");
    let signature = sign(WEBHOOK_SECRET, &body);
    let signed = [("Key", WEBHOOK_KEY), ("Sign", signature.as_str())];
    assert_eq!(post(&address, &signed, &body).0, 200);
    assert_eq!(exit_code(&mut child), Some(0), "stopped after the webhook");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(
        rest.contains("\nerror: cannot write to stdout: "),
        "{rest:?}"
    );
}

/// The tool's exit code, once it stops by itself; it is killed, and the test fails, if it
/// has not within 10 s.
fn exit_code(child: &mut std::process::Child) -> Option<i32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the tool did not stop");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// POSTs `body` with these headers to `address` and returns the status code and body of
/// the answer.
fn post(address: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    (status, body)
}

#[test]
fn the_listener_checks_each_webhook_passes_it_on_and_stops_after_the_last_one_asked_for() {
    let home = folder("listen");
    let app = Server::start(|_, _| Some(("202 Accepted".to_owned(), "\"taken\"".to_owned())));
    let mut child = webhook_tool(&home)
        .args([
            "--compact",
            "webhooks",
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--max-events",
            "3",
            "--forward-to",
            &app.url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let address = first
        .strip_prefix("listening for webhooks on http://")
        .and_then(|rest| rest.split_once('/'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_else(|| panic!("{first:?}"));

    // Bigger than a few KiB, far under the limit of 1 MiB.
    let note = "n".repeat(3000);
    let big = webhook(
        "THING_CREATED",
        &format!(r#"{{"thingId":"{THING_ID}","note":"{note}"}}"#),
    );
    let signature = sign(WEBHOOK_SECRET, &big);
    let signed = [("Key", WEBHOOK_KEY), ("Sign", signature.as_str())];
    assert_eq!(
        post(&address, &signed, &big),
        (202, "\"taken\"".to_owned()),
        "the application's answer"
    );
    let forged_signature = sign("another-secret", &big);
    let forged = [("Key", WEBHOOK_KEY), ("Sign", forged_signature.as_str())];
    let (status, refusal) = post(&address, &forged, &big);
    assert_eq!(status, 401);
    assert!(refusal.starts_with("refused: "), "{refusal}");
    assert_eq!(post(&address, &signed, &big).0, 202);

    assert_eq!(exit_code(&mut child), Some(0), "stopped after 3 webhooks");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(stdout, format!("{big}\n{big}\n"), "each verified webhook");

    // Forwarded byte for byte, with the headers that say what it is and who signed it.
    let forwarded = app.received();
    assert_eq!(forwarded.len(), 2);
    let header = |name: &str| {
        forwarded[0]
            .headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(header("sign"), Some(signature.clone()));
    assert_eq!(header("key").as_deref(), Some(WEBHOOK_KEY));
    assert_eq!(
        forwarded[0].body,
        serde_json::from_str::<Value>(&big).unwrap()
    );
}
