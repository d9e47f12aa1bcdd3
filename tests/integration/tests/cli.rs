//! The `calypso-customer-purse` command-line tool, run as a process against the sandbox started
//! in-process: every operation, the page walk, every exit code, secrets kept out of every
//! output, webhooks received, forwarded and verified, help and completions.

mod cli_support;

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use calypso_customer_purse::SecretString;
use calypso_customer_purse::types::{Transaction, TransactionIdRequest};
use calypso_customer_purse_sandbox::{
    Credentials, DEMO_ACCOUNT, DEMO_API_KEY, DEMO_API_SECRET, DeliveryOutcome, Deposit, Running,
    Sandbox, Settings, WebhookRegistration, WebhookSubscription,
};
use cli_support::{
    Background, Printed, Tool, assert_contains, assert_no_signature, json, ndjson, run, sign,
};
use serde_json::Value;

const UNKNOWN_CUSTOMER: &str = "00000000-0000-4000-8000-00000000dead";
const CUSTOMER_GET: &str = "/api/v1/customer-purse/customer/get";

/// A multi-threaded runtime for what a test serves in-process, so that the test itself can
/// block on the tool's processes.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A sandbox, served by a runtime of its own.
struct Api {
    // Dropped first: stops the server while the runtime still runs.
    running: Running,
    runtime: tokio::runtime::Runtime,
}

impl Api {
    fn start() -> Self {
        Self::with(Settings::default())
    }

    fn with(settings: Settings) -> Self {
        let runtime = runtime();
        let sandbox = Sandbox::new(settings).expect("valid sandbox settings");
        let running = runtime
            .block_on(sandbox.start_local())
            .expect("the sandbox starts");
        Self { running, runtime }
    }

    fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// A run of the tool with the demo credentials as flags.
    fn signed(&self, tool: &Tool) -> assert_cmd::Command {
        signed_at(tool, &self.base_url())
    }

    /// A deposit of `amount` (exact decimal text), raised inside the runtime so that the
    /// sandbox sends its webhooks from there.
    fn deposit(&self, address: &str, currency: &str, amount: &str) -> Transaction {
        let _inside = self.runtime.enter();
        let amount = amount.parse().expect("an exact decimal");
        self.running
            .sandbox()
            .deposit(Deposit::new(address, currency, amount))
            .expect("the sandbox takes the deposit")
    }

    fn settle(&self, transaction: &Transaction) -> Transaction {
        let _inside = self.runtime.enter();
        self.running
            .sandbox()
            .settle(transaction.id)
            .expect("the deposit settles")
    }

    fn subscribe(&self, url: &str) -> WebhookSubscription {
        self.running
            .sandbox()
            .register_webhook(WebhookRegistration {
                account: DEMO_ACCOUNT.to_owned(),
                url: url.to_owned(),
                event_types: None,
            })
            .expect("the sandbox subscribes the URL")
    }

    /// A customer made through the tool; its id.
    fn create_customer(&self, tool: &Tool, external_id: &str) -> String {
        let printed = run(
            self.signed(tool)
                .args(["create-customer", "--external-id", external_id]),
            0,
        );
        let created = json(&printed.stdout);
        created["id"].as_str().expect("the new id").to_owned()
    }

    /// The customer's deposit address for `currency`, through the tool.
    fn purse_address(&self, tool: &Tool, customer: &str, currency: &str) -> String {
        let printed = run(
            self.signed(tool).args([
                "get-purse-address",
                "--customer-id",
                customer,
                "--currency",
                currency,
            ]),
            0,
        );
        let purse = json(&printed.stdout);
        purse["address"].as_str().expect("an address").to_owned()
    }
}

/// A listening socket that nothing should connect to: the base URL of a run that must send
/// nothing.
struct Silent(TcpListener);

impl Silent {
    fn new() -> Self {
        Self(TcpListener::bind("127.0.0.1:0").expect("a free port"))
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.0.local_addr().expect("an address"))
    }

    /// Once the tool has exited, any connection it made waits in the accept queue.
    #[track_caller]
    fn assert_nothing_sent(&self) {
        self.0.set_nonblocking(true).expect("non-blocking");
        match self.0.accept() {
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Ok((_, peer)) => panic!("the tool connected (from {peer}) but should send nothing"),
            Err(error) => panic!("accept failed: {error}"),
        }
    }
}

/// A local HTTP server answering with `router`, on a runtime of its own.
struct Local {
    address: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Local {
    fn serve(router: axum::Router) -> Self {
        let runtime = runtime();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a free port");
        let address = listener.local_addr().expect("an address");
        runtime.spawn(async move { axum::serve(listener, router).await });
        Self {
            address,
            _runtime: runtime,
        }
    }
}

/// A free port of 127.0.0.1, released for the tool to bind.
/// A run of the tool against `base_url`, with the demo credentials as flags.
fn signed_at(tool: &Tool, base_url: &str) -> assert_cmd::Command {
    let mut command = tool.command();
    command.args([
        "--base-url",
        base_url,
        "--account",
        DEMO_ACCOUNT,
        "--api-key",
        DEMO_API_KEY,
        "--api-secret",
        DEMO_API_SECRET,
    ]);
    command
}

fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address")
}

/// POSTs a webhook to a `webhooks listen`, and returns its answer's status and text.
fn post_webhook(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    runtime.block_on(async {
        // Straight to the listener, whatever proxy the test's environment names.
        let client = calypso_customer_purse::reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let mut request = client
            .post(url)
            .timeout(Duration::from_secs(10))
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the listener answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("an answer's text"))
    })
}

/// Every `"pageNumber":N` of the request bodies that -vv shows, in order.
fn page_numbers(stderr: &str) -> Vec<u32> {
    stderr
        .match_indices("\"pageNumber\":")
        .map(|(at, name)| {
            let digits: String = stderr[at + name.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().expect("a page number")
        })
        .collect()
}

/// A deposit event as the provider sends it, with odd spacing and trailing zeros so that
/// anything that re-encodes it shows.
fn event_body(event_type: &str, amount: &str) -> String {
    format!(
        "{{\"requestId\": \"c7efd57d-66ca-46f7-b912-c1e4b23b1e83\", \"id\": 3,\n \"createdDate\": \"2023-11-14T22:13:21.234000\", \"level\": \"INFO\", \"service\": \"CUSTOMER_PURSE\",\n \"eventType\": \"{event_type}\",\n \"data\": {{\"currency\": \"USDT_TRC20\", \"customerId\": \"4a3a7e8e-8f8e-4f3a-9a49-0a4f1d7c2b11\", \"customerBlocked\": false, \"address\": \"TZmyJBL76o3Na1umMbTBa4Kzuc2QnXZFwD\", \"transactionId\": \"16aefe76-3b0c-4f6e-8d52-1b7f0c9e2a44\", \"amount\": {amount}, \"transactionState\": \"CONFIRMED\", \"complianceState\": \"CHECKED\", \"translationToAccountCompleted\": false}}}}"
    )
}

// 1. Every operation.

#[test]
fn every_operation_prints_the_sandbox_s_answer() {
    let api = Api::start();
    let tool = Tool::calypso();

    let created = run(
        api.signed(&tool).args([
            "create-customer",
            "--external-id",
            "user-42",
            "--description",
            "first",
            "--email",
            "user42@example.com",
        ]),
        0,
    );
    // Indented, as the sandbox sent it.
    assert!(
        created.stdout.starts_with("{\n  \"id\": \""),
        "{}",
        created.stdout
    );
    let customer = json(&created.stdout);
    let id = customer["id"].as_str().expect("an id").to_owned();
    assert_eq!(customer["externalId"], "user-42");
    assert_eq!(customer["description"], "first");
    assert_eq!(customer["email"], "user42@example.com");
    assert_eq!(customer["blocked"], false);

    let read = run(
        api.signed(&tool)
            .args(["get-customer", "--customer-id", &id]),
        0,
    );
    assert_eq!(json(&read.stdout), customer);
    assert_eq!(read.stderr, "");

    let by_external = run(
        api.signed(&tool)
            .args(["get-customer-by-external-id", "--external-id", "user-42"]),
        0,
    );
    assert_eq!(json(&by_external.stdout), customer);

    // The payload from --body, with a flag on top.
    let updated = run(
        api.signed(&tool).args([
            "update-customer",
            "--body",
            r#"{"description":"second"}"#,
            "--id",
            &id,
        ]),
        0,
    );
    let updated = json(&updated.stdout);
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["description"], "second");
    assert_eq!(updated["externalId"], "user-42");

    let blocked = run(
        api.signed(&tool)
            .args(["block-customer", "--customer-id", &id]),
        0,
    );
    assert_eq!(json(&blocked.stdout)["blocked"], true);
    let read = run(
        api.signed(&tool)
            .args(["get-customer", "--customer-id", &id]),
        0,
    );
    assert_eq!(json(&read.stdout)["blocked"], true);

    // The payload from stdin.
    let unblocked = run(
        api.signed(&tool)
            .args(["unblock-customer", "--body-file", "-"])
            .write_stdin(format!("{{\"customerId\": \"{id}\"}}")),
        0,
    );
    assert_eq!(json(&unblocked.stdout)["blocked"], false);

    let address = run(
        api.signed(&tool).args([
            "get-purse-address",
            "--customer-id",
            &id,
            "--currency",
            "USDT_TRC20",
        ]),
        0,
    );
    let purse = json(&address.stdout);
    let purse_address = purse["address"].as_str().expect("an address").to_owned();
    assert!(!purse_address.is_empty());

    let purses = run(
        api.signed(&tool).args(["get-purses", "--customer-id", &id]),
        0,
    );
    let purses = json(&purses.stdout);
    let purses = purses.as_array().expect("a list of purses");
    assert_eq!(purses.len(), 1, "{purses:?}");
    assert_eq!(purses[0]["address"], purse_address.as_str());
    assert_eq!(purses[0]["currency"], "USDT_TRC20");
    assert_eq!(purses[0]["id"], purse["id"]);

    let deposit = api.deposit(&purse_address, "USDT_TRC20", "125.50");
    let transaction_id = deposit.id.to_string();
    let transaction = run(
        api.signed(&tool)
            .args(["get-transaction", "--transaction-id", &transaction_id]),
        0,
    );
    // The digits the sandbox sent, trailing zero included: no trip through f64.
    assert_contains(&transaction.stdout, "\n  \"amount\": 125.50,\n");
    let transaction = json(&transaction.stdout);
    assert_eq!(transaction["id"], transaction_id.as_str());
    assert_eq!(transaction["currency"], "USDT_TRC20");
    assert_eq!(transaction["transactionState"], "MEM_POOL_FOUND");

    let found = run(
        api.signed(&tool)
            .args(["find-transactions", "--customer-id", &id]),
        0,
    );
    assert_contains(&found.stdout, "\"amount\": 125.50,\n");
    let page = json(&found.stdout);
    assert_eq!(page["page"], 1);
    assert_eq!(page["total"], 1);
    assert_eq!(page["totalElements"], 1);
    assert_eq!(page["result"][0]["id"], transaction_id.as_str());

    // --compact: the body the sandbox sends (compact JSON) byte for byte, as the client's raw
    // call reads it.
    let sent = api
        .runtime
        .block_on(async {
            api.running
                .client()
                .expect("a client of the sandbox")
                .call_raw("getTransaction", &TransactionIdRequest::new(deposit.id))
                .await
        })
        .expect("the sandbox answers");
    let compact = run(
        api.signed(&tool).args([
            "--compact",
            "get-transaction",
            "--transaction-id",
            &transaction_id,
        ]),
        0,
    );
    assert_eq!(compact.stdout, format!("{}\n", sent.get()));
    assert_contains(&compact.stdout, "\"amount\":125.50,");
    assert_eq!(json(&compact.stdout), transaction);
}

// 2. The page walk.

#[test]
fn find_transactions_all_prints_every_transaction_once_one_per_line() {
    let api = Api::start();
    let tool = Tool::calypso();
    let customer = api.create_customer(&tool, "payer-1");
    let other = api.create_customer(&tool, "payer-2");
    let address = api.purse_address(&tool, &customer, "USDT_TRC20");
    let other_address = api.purse_address(&tool, &other, "BTC");
    let amounts = ["1.10", "2.20", "3.30", "4.40", "1234.567890123456789012"];
    let mut expected: Vec<String> = amounts
        .iter()
        .map(|amount| api.deposit(&address, "USDT_TRC20", amount).id.to_string())
        .collect();
    // Another customer's deposit, which the customer filter leaves out.
    api.deposit(&other_address, "BTC", "9.99");

    let printed = run(
        api.signed(&tool).args([
            "-vv",
            "find-transactions",
            "--all",
            "--page-size",
            "2",
            "--customer-id",
            &customer,
        ]),
        0,
    );
    let items = ndjson(&printed.stdout);
    let mut seen: Vec<String> = items
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect();
    assert_eq!(seen.len(), 5, "{}", printed.stdout);
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected, "every transaction exactly once");
    for line in printed.stdout.lines() {
        assert!(
            line.starts_with("{\"id\":"),
            "one compact item a line: {line}"
        );
    }
    assert_contains(&printed.stdout, "\"amount\":1234.567890123456789012,");
    assert_contains(&printed.stdout, "\"amount\":1.10,");
    // Three pages of 2, 2 and 1, and no request past the last (the page gives the count).
    assert_eq!(
        page_numbers(&printed.stderr),
        [1, 2, 3],
        "{}",
        printed.stderr
    );
    assert_eq!(
        printed.stderr.matches("> POST ").count(),
        3,
        "{}",
        printed.stderr
    );
}

// 3. Exit codes.

#[test]
fn exit_1_when_the_api_refuses_with_its_code_message_and_trace_id() {
    let api = Api::start();
    let tool = Tool::calypso();
    let printed = run(
        api.signed(&tool)
            .args(["get-customer", "--customer-id", UNKNOWN_CUSTOMER]),
        1,
    );
    assert_eq!(printed.stdout, "");
    assert_contains(
        &printed.stderr,
        "error: getCustomer: the API refused the request with HTTP 400",
    );
    assert_contains(&printed.stderr, "\n  errorCode: 004\n");
    assert_contains(
        &printed.stderr,
        &format!("\n  message: customer {UNKNOWN_CUSTOMER} not found\n"),
    );
    assert_contains(&printed.stderr, "\n  traceId: sandbox-");
}

#[test]
fn exit_2_for_a_bad_flag_or_payload_with_nothing_sent() {
    let tool = Tool::calypso();
    let silent = Silent::new();
    let base_url = silent.base_url();

    let bad_uuid = run(
        signed_at(&tool, &base_url).args(["get-customer", "--customer-id", "not-a-uuid"]),
        2,
    );
    assert_contains(
        &bad_uuid.stderr,
        "invalid value 'not-a-uuid' for '--customer-id <UUID>'",
    );
    assert_eq!(bad_uuid.stdout, "");

    let missing = run(signed_at(&tool, &base_url).arg("get-customer"), 2);
    assert_contains(
        &missing.stderr,
        "missing field `customerId` (`customerId` is --customer-id)",
    );

    let missing_one_of_two = run(
        signed_at(&tool, &base_url).args(["get-purse-address", "--customer-id", UNKNOWN_CUSTOMER]),
        2,
    );
    assert_contains(
        &missing_one_of_two.stderr,
        "missing field `currency` (`currency` is --currency)",
    );

    let twice = run(
        signed_at(&tool, &base_url).args([
            "get-customer",
            "--customer-id",
            UNKNOWN_CUSTOMER,
            "--body",
            &format!("{{\"customerId\":\"{UNKNOWN_CUSTOMER}\"}}"),
        ]),
        2,
    );
    assert_contains(
        &twice.stderr,
        "given twice, by --customer-id and in the body",
    );

    let not_json = run(
        signed_at(&tool, &base_url).args(["get-customer", "--body", "{customerId:1}"]),
        2,
    );
    assert_contains(&not_json.stderr, "is not a JSON object");

    silent.assert_nothing_sent();
}

#[test]
fn exit_2_without_credentials_or_with_an_unknown_profile_with_nothing_sent() {
    let tool = Tool::calypso();
    let silent = Silent::new();
    let base_url = silent.base_url();
    let call = ["get-customer", "--customer-id", UNKNOWN_CUSTOMER];

    let no_account = run(tool.command().args(["--base-url", &base_url]).args(call), 2);
    assert_contains(
        &no_account.stderr,
        "no account: give --account, set CALYPSO_CUSTOMER_PURSE_ACCOUNT, or set `account` in",
    );
    let no_secret = run(
        tool.command()
            .args(["--base-url", &base_url])
            .env("CALYPSO_CUSTOMER_PURSE_ACCOUNT", DEMO_ACCOUNT)
            .env("CALYPSO_CUSTOMER_PURSE_API_KEY", DEMO_API_KEY)
            .args(call),
        2,
    );
    assert_contains(
        &no_secret.stderr,
        "no API secret: give --api-secret, set CALYPSO_CUSTOMER_PURSE_API_SECRET",
    );

    let config = tool.config_file(
        "profiles.toml",
        &format!(
            "[profiles.sandbox]\nbase_url = \"{base_url}\"\naccount = \"{DEMO_ACCOUNT}\"\napi_key = \"{DEMO_API_KEY}\"\napi_secret = \"{DEMO_API_SECRET}\"\n"
        ),
    );
    let config = config.to_str().expect("a UTF-8 path");
    let unknown = run(
        tool.command()
            .args(["--config", config, "--profile", "production"])
            .args(call),
        2,
    );
    assert_contains(
        &unknown.stderr,
        "has no profile `production` (it has: `sandbox`)",
    );
    // The profile named by the environment, with no config file in the (empty) HOME.
    let no_file = run(
        tool.command()
            .env("CALYPSO_CUSTOMER_PURSE_PROFILE", "sandbox")
            .args(call),
        2,
    );
    assert_contains(&no_file.stderr, "profile `sandbox` asked for, but ");
    assert_contains(&no_file.stderr, "config.toml does not exist");
    // A config file that is not one, without the secret it holds.
    let bad = tool.config_file(
        "bad.toml",
        "[profiles.sandbox]\napi_secret = \"hush-hush-5150\"\naccuont = \"x\"\n",
    );
    let bad = run(
        tool.command()
            .arg("--config")
            .arg(&bad)
            .args(["--profile", "sandbox"])
            .args(call),
        2,
    );
    assert_contains(&bad.stderr, "unknown field `accuont`");
    assert!(!bad.stderr.contains("hush-hush-5150"), "{}", bad.stderr);

    silent.assert_nothing_sent();
}

#[test]
fn exit_3_when_nothing_answers() {
    let tool = Tool::calypso();
    let closed = free_address();
    let printed = run(
        signed_at(&tool, &format!("http://{closed}")).args([
            "get-customer",
            "--customer-id",
            UNKNOWN_CUSTOMER,
        ]),
        3,
    );
    assert_eq!(printed.stdout, "");
    assert_contains(&printed.stderr, "error: getCustomer: could not connect");
    assert_contains(&printed.stderr, "(nothing reached the server)");
}

#[test]
fn exit_4_when_a_success_body_is_not_json() {
    let server = Local::serve(axum::Router::new().fallback(|| async {
        (
            [("content-type", "text/html")],
            "<html><body>Maintenance</body></html>",
        )
    }));
    let tool = Tool::calypso();
    let printed = run(
        signed_at(&tool, &format!("http://{}", server.address)).args([
            "get-customer",
            "--customer-id",
            UNKNOWN_CUSTOMER,
        ]),
        4,
    );
    assert_eq!(printed.stdout, "");
    assert_contains(
        &printed.stderr,
        "error: getCustomer: the HTTP 200 OK response body could not be parsed as JSON",
    );
}

#[test]
fn exit_5_when_a_webhook_does_not_verify() {
    let tool = Tool::calypso();
    let body = event_body("CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE", "10.00");
    let signature = sign("hook-secret", body.as_bytes());
    let tampered = body.replace("10.00", "1000.00");
    let file = tool.home().join("tampered.json");
    std::fs::write(&file, &tampered).expect("the body is saved");
    let printed = run(
        tool.command()
            .args(["webhooks", "verify", "--body-file"])
            .arg(&file)
            .args([
                "--signature",
                &signature,
                "--webhook-key",
                "hook-key",
                "--webhook-secret",
                "hook-secret",
            ]),
        5,
    );
    assert_eq!(printed.stdout, "");
    assert_contains(
        &printed.stderr,
        "error: refused: the webhook's signature does not match its body",
    );
    // Another key than the subscription's.
    let file = tool.home().join("body.json");
    std::fs::write(&file, &body).expect("the body is saved");
    let printed = run(
        tool.command()
            .args(["webhooks", "verify", "--body-file"])
            .arg(&file)
            .args([
                "--signature",
                &signature,
                "--key",
                "another-key",
                "--webhook-key",
                "hook-key",
                "--webhook-secret",
                "hook-secret",
            ]),
        5,
    );
    assert_contains(&printed.stderr, "error: refused: ");
}

#[test]
fn exit_6_when_the_listen_address_is_taken() {
    let tool = Tool::calypso();
    let taken = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = taken.local_addr().expect("an address").to_string();
    let printed = run(
        tool.command().args([
            "webhooks",
            "listen",
            "--listen",
            &address,
            "--webhook-key",
            "hook-key",
            "--webhook-secret",
            "hook-secret",
        ]),
        6,
    );
    assert_contains(
        &printed.stderr,
        &format!("error: cannot listen on {address}: "),
    );
}

// 4. Secrets.

const SECRETS_ACCOUNT: &str = "0x5ec2e7000000000000000000000000000000c0de";
const SECRETS_API_KEY: &str = "cli-secrets-api-key";
const SECRETS_API_SECRET: &str = "cli-api-secret-7d1f0c9a2b4e";
const WRONG_API_SECRET: &str = "cli-wrong-secret-41c3e8f0";
const HOOK_KEY: &str = "cli-hook-key";
const HOOK_SECRET: &str = "cli-hook-secret-3e8a6b1d5c";

/// Where the credentials come from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Flags,
    Env,
    Profile,
}

/// A run with every credential, the webhook keys included, from `source`.
fn with_credentials(
    tool: &Tool,
    source: Source,
    base_url: &str,
    verbosity: &str,
) -> assert_cmd::Command {
    let mut command = tool.command();
    if !verbosity.is_empty() {
        command.arg(verbosity);
    }
    match source {
        Source::Flags => {
            command.args([
                "--base-url",
                base_url,
                "--account",
                SECRETS_ACCOUNT,
                "--api-key",
                SECRETS_API_KEY,
                "--api-secret",
                SECRETS_API_SECRET,
            ]);
        }
        Source::Env => {
            command.envs([
                ("CALYPSO_CUSTOMER_PURSE_BASE_URL", base_url),
                ("CALYPSO_CUSTOMER_PURSE_ACCOUNT", SECRETS_ACCOUNT),
                ("CALYPSO_CUSTOMER_PURSE_API_KEY", SECRETS_API_KEY),
                ("CALYPSO_CUSTOMER_PURSE_API_SECRET", SECRETS_API_SECRET),
                ("CALYPSO_CUSTOMER_PURSE_WEBHOOK_KEY", HOOK_KEY),
                ("CALYPSO_CUSTOMER_PURSE_WEBHOOK_SECRET", HOOK_SECRET),
            ]);
        }
        Source::Profile => {
            let config = tool.config_file(
                "config-with-secrets.toml",
                &format!(
                    "[profiles.default]\naccount = \"nobody\"\n\n[profiles.sandbox]\nbase_url = \"{base_url}\"\naccount = \"{SECRETS_ACCOUNT}\"\napi_key = \"{SECRETS_API_KEY}\"\napi_secret = \"{SECRETS_API_SECRET}\"\nwebhook_key = \"{HOOK_KEY}\"\nwebhook_secret = \"{HOOK_SECRET}\"\n"
                ),
            );
            command
                .arg("--config")
                .arg(config)
                .args(["--profile", "sandbox"]);
        }
    }
    command
}

/// The webhook keys as flags, for the sources that do not give them otherwise.
fn hook_flags(source: Source) -> Vec<&'static str> {
    match source {
        Source::Flags => vec!["--webhook-key", HOOK_KEY, "--webhook-secret", HOOK_SECRET],
        Source::Env | Source::Profile => vec![],
    }
}

#[track_caller]
fn assert_secrets_hidden(what: &str, printed: &Printed) {
    let all = printed.all();
    for secret in [SECRETS_API_SECRET, WRONG_API_SECRET, HOOK_SECRET] {
        assert!(!all.contains(secret), "a secret shows in {what}:\n{all}");
    }
    assert_no_signature(what, &all);
}

#[test]
fn no_secret_shows_at_any_verbosity_from_any_source() {
    let api = Api::with(Settings {
        credentials: vec![Credentials::new(
            SECRETS_ACCOUNT,
            SECRETS_API_KEY,
            SecretString::from(SECRETS_API_SECRET),
        )],
        ..Settings::default()
    });
    let base_url = api.base_url();
    let tool = Tool::calypso();
    let customer = run(
        with_credentials(&tool, Source::Flags, &base_url, "").args([
            "create-customer",
            "--external-id",
            "quiet",
        ]),
        0,
    );
    let customer = json(&customer.stdout)["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let body = event_body("CUSTOMER_PURSE_MEM_POOL_FOUND", "0.50");
    let signature = sign(HOOK_SECRET, body.as_bytes());
    let body_file = tool.home().join("webhook.json");
    std::fs::write(&body_file, &body).expect("the body is saved");
    let tampered_file = tool.home().join("tampered.json");
    std::fs::write(&tampered_file, body.replace("0.50", "5.00")).expect("the body is saved");

    for source in [Source::Flags, Source::Env, Source::Profile] {
        for verbosity in ["", "-v", "-vv"] {
            let case = format!("{source:?} {verbosity}");
            let success = run(
                with_credentials(&tool, source, &base_url, verbosity).args([
                    "get-customer",
                    "--customer-id",
                    &customer,
                ]),
                0,
            );
            assert_eq!(json(&success.stdout)["id"], customer.as_str(), "{case}");
            assert_secrets_hidden(&format!("a success ({case})"), &success);

            let failure = run(
                with_credentials(&tool, source, &base_url, verbosity).args([
                    "get-customer",
                    "--customer-id",
                    UNKNOWN_CUSTOMER,
                ]),
                1,
            );
            assert_contains(&failure.stderr, "errorCode: 004");
            assert_secrets_hidden(&format!("a failure ({case})"), &failure);

            for printed in [&success, &failure] {
                let request_line = format!("> POST {base_url}{CUSTOMER_GET}\n");
                if verbosity.is_empty() {
                    assert!(
                        !printed.stderr.contains("> POST"),
                        "{case}: {}",
                        printed.stderr
                    );
                } else {
                    assert_contains(&printed.stderr, &request_line);
                    assert_contains(&printed.stderr, "\n> Key: [redacted]\n");
                    assert_contains(&printed.stderr, "\n> Sign: [redacted]\n");
                    assert_contains(&printed.stderr, &format!("(account {SECRETS_ACCOUNT})"));
                }
                // -vv shows the bodies, which hold no secret.
                assert_eq!(
                    printed.stderr.contains("request body"),
                    verbosity == "-vv",
                    "{case}: {}",
                    printed.stderr
                );
            }

            let verified = run(
                with_credentials(&tool, source, &base_url, verbosity)
                    .args(["webhooks", "verify", "--body-file"])
                    .arg(&body_file)
                    .args(["--signature", &signature])
                    .args(hook_flags(source)),
                0,
            );
            assert_contains(&verified.stderr, "verified CUSTOMER_PURSE_MEM_POOL_FOUND");
            assert_secrets_hidden(&format!("a verified webhook ({case})"), &verified);
            let refused = run(
                with_credentials(&tool, source, &base_url, verbosity)
                    .args(["webhooks", "verify", "--body-file"])
                    .arg(&tampered_file)
                    .args(["--signature", &signature])
                    .args(hook_flags(source)),
                5,
            );
            assert_secrets_hidden(&format!("a refused webhook ({case})"), &refused);
        }
    }

    // Help shows which variables are set, never the secrets' values.
    for help in [
        &["--help"][..],
        &["get-customer", "--help"],
        &["webhooks", "listen", "--help"],
        &["webhooks", "verify", "--help"],
    ] {
        let printed = run(
            with_credentials(&tool, Source::Env, &base_url, "").args(help),
            0,
        );
        assert_contains(&printed.stdout, "CALYPSO_CUSTOMER_PURSE_");
        assert_secrets_hidden(&format!("{help:?}"), &printed);
    }

    // A wrong secret: the API refuses the signature, and neither secret shows.
    for verbosity in ["", "-v", "-vv"] {
        let mut command = tool.command();
        if !verbosity.is_empty() {
            command.arg(verbosity);
        }
        let wrong = run(
            command
                .args([
                    "--base-url",
                    &base_url,
                    "--account",
                    SECRETS_ACCOUNT,
                    "--api-key",
                    SECRETS_API_KEY,
                    "--api-secret",
                    WRONG_API_SECRET,
                ])
                .args(["get-customer", "--customer-id", &customer]),
            1,
        );
        assert_contains(&wrong.stderr, "errorCode: 003");
        assert_secrets_hidden(&format!("a wrong secret ({verbosity})"), &wrong);
    }
}

#[cfg(unix)]
#[test]
fn a_config_file_others_may_read_is_warned_about_without_its_secret() {
    use std::os::unix::fs::PermissionsExt;

    let api = Api::start();
    let tool = Tool::calypso();
    // The default config file of the temporary HOME, with its default profile.
    let folder = tool.home().join("calypso-customer-purse");
    std::fs::create_dir_all(&folder).expect("the config folder");
    let path = folder.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[profiles.default]\nbase_url = \"{}\"\naccount = \"{DEMO_ACCOUNT}\"\napi_key = \"{DEMO_API_KEY}\"\napi_secret = \"{DEMO_API_SECRET}\"\n",
            api.base_url()
        ),
    )
    .expect("the config file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let printed = run(
        tool.command()
            .args(["create-customer", "--external-id", "from-default-profile"]),
        0,
    );
    assert_eq!(json(&printed.stdout)["externalId"], "from-default-profile");
    assert_contains(
        &printed.stderr,
        "holds secrets and other users may read it; `chmod 600` it",
    );
    assert!(
        !printed.all().contains(DEMO_API_SECRET),
        "{}",
        printed.all()
    );
}

// 5. webhooks listen.

#[test]
fn webhooks_listen_verifies_the_sandbox_s_events_and_refuses_a_tampered_one() {
    let api = Api::start();
    let tool = Tool::calypso();
    let customer = api.create_customer(&tool, "hooked");
    let address = api.purse_address(&tool, &customer, "USDT_TRC20");

    // The sandbox makes a subscription's keys when its URL is registered, and `listen` needs
    // them to start: so the URL takes a port found free just before.
    let listen_at = free_address();
    let subscription = api.subscribe(&format!("http://{listen_at}/hooks"));
    let (app, received) = app();
    let mut listen = tool.std_command();
    listen
        .args(["--compact", "webhooks", "listen", "--listen"])
        .arg(listen_at.to_string())
        .args(["--max-events", "5", "--forward-to"])
        .arg(format!("http://{}/app/hooks", app.address))
        .env(
            "CALYPSO_CUSTOMER_PURSE_WEBHOOK_KEY",
            &subscription.public_key,
        )
        .env(
            "CALYPSO_CUSTOMER_PURSE_WEBHOOK_SECRET",
            &subscription.secret_key,
        );
    let mut listener = Background::spawn(listen);
    assert_eq!(listener.listening_address(), listen_at);

    // Four events: the deposit, then the compliance check, the funds, the credit.
    let deposit = api.deposit(&address, "USDT_TRC20", "77.70");
    api.settle(&deposit);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let deliveries = api.running.sandbox().webhook_deliveries();
        if deliveries.len() == 4
            && deliveries
                .iter()
                .all(|delivery| delivery.outcome == DeliveryOutcome::Delivered)
        {
            break;
        }
        assert!(
            deliveries
                .iter()
                .all(|delivery| delivery.outcome != DeliveryOutcome::Dropped),
            "{deliveries:#?}"
        );
        assert!(Instant::now() < deadline, "not delivered: {deliveries:#?}");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A body signed by the subscription, then changed: refused, and counted.
    let body = event_body("CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE", "77.70");
    let signature = sign(&subscription.secret_key, body.as_bytes());
    let (status, answer) = post_webhook(
        &api.runtime,
        &format!("http://{listen_at}/hooks"),
        &[
            ("Key", &subscription.public_key),
            ("Sign", &signature),
            ("Content-Type", "application/json"),
        ],
        body.replace("77.70", "7770.00").as_bytes(),
    );
    assert_eq!(status, 401, "{answer}");
    assert_contains(&answer, "refused: ");

    // The fifth webhook was the last: it exits by itself.
    let (status, printed) = listener.finish();
    assert!(status.success(), "{status}: {}", printed.stderr);
    let events = ndjson(&printed.stdout);
    let types: Vec<&str> = events
        .iter()
        .map(|event| event["eventType"].as_str().expect("an event type"))
        .collect();
    assert_eq!(
        types,
        [
            "CUSTOMER_PURSE_MEM_POOL_FOUND",
            "CUSTOMER_PURSE_PENDING_COMPLIANCE",
            "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE",
            "CUSTOMER_PURSE_TRANSLATION_TO_ACCOUNT_COMPLETED",
        ],
        "{}",
        printed.stdout
    );
    for (event, line) in events.iter().zip(printed.stdout.lines()) {
        assert_eq!(event["requestId"], subscription.request_id.to_string());
        assert_eq!(event["data"]["transactionId"], deposit.id.to_string());
        assert_contains(line, "\"amount\":77.70,");
    }
    // Each passed on as the sandbox sent it: its signature still verifies with the
    // subscription's keys, and its bytes are the line printed (the sandbox sends compact JSON).
    let forwarded = received.lock().expect("not poisoned");
    assert_eq!(forwarded.len(), 4, "the refused webhook is not passed on");
    let verifier = subscription.verifier();
    for ((headers, body), (line, event_type)) in
        forwarded.iter().zip(printed.stdout.lines().zip(&types))
    {
        let webhook = verifier
            .verify(headers, body)
            .expect("the sandbox's signature, intact");
        assert_eq!(webhook.event.event_type(), *event_type);
        assert_eq!(line.as_bytes(), body.as_ref());
    }
    let verified: Vec<&str> = printed
        .stderr
        .lines()
        .filter(|line| line.starts_with("verified "))
        .collect();
    assert_eq!(
        verified,
        types
            .iter()
            .map(|event_type| format!("verified {event_type}"))
            .collect::<Vec<_>>(),
    );
    assert_contains(
        &printed.stderr,
        "refused: the webhook's signature does not match its body",
    );
    assert!(!printed.all().contains(&subscription.secret_key));
}

/// What the application behind `--forward-to` received.
type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// An application behind `--forward-to`: it keeps what it is sent on `/app/hooks` and answers
/// 202 with a text of its own.
fn app() -> (Local, Received) {
    let received: Received = Arc::default();
    let app = Local::serve(
        axum::Router::new()
            .route(
                "/app/hooks",
                axum::routing::post(
                    |axum::extract::State(received): axum::extract::State<Received>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        received.lock().expect("not poisoned").push((headers, body));
                        (StatusCode::ACCEPTED, "taken by the app")
                    },
                ),
            )
            .with_state(Arc::clone(&received)),
    );
    (app, received)
}

#[test]
fn webhooks_listen_forwards_a_verified_webhook_byte_for_byte() {
    let (app, received) = app();
    let tool = Tool::calypso();
    let forward_to = format!("http://{}/app/hooks", app.address);
    let mut listen = tool.std_command();
    listen.args([
        "webhooks",
        "listen",
        "--listen",
        "127.0.0.1:0",
        "--forward-to",
        &forward_to,
        "--max-events",
        "2",
        "--webhook-key",
        HOOK_KEY,
        "--webhook-secret",
        HOOK_SECRET,
    ]);
    let mut listener = Background::spawn(listen);
    let address = listener.listening_address();
    assert_ne!(address.port(), 0);
    let url = format!("http://{address}/");

    let body = event_body("CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE", "1.10000");
    let signature = sign(HOOK_SECRET, body.as_bytes());
    let runtime = runtime();
    let (status, answer) = post_webhook(
        &runtime,
        &url,
        &[
            ("Key", HOOK_KEY),
            ("Sign", &signature),
            ("Content-Type", "application/json"),
            ("X-Delivery", "delivery-1"),
        ],
        body.as_bytes(),
    );
    // The application's answer, passed back to the sender.
    assert_eq!((status, answer.as_str()), (202, "taken by the app"));
    let (status, answer) = post_webhook(
        &runtime,
        &url,
        &[("Key", HOOK_KEY), ("Sign", &signature)],
        body.replace("1.10000", "2.10000").as_bytes(),
    );
    assert_eq!(status, 401, "{answer}");

    let (status, printed) = listener.finish();
    assert!(status.success(), "{status}: {}", printed.stderr);
    let received = received.lock().expect("not poisoned");
    assert_eq!(received.len(), 1, "only the verified webhook is forwarded");
    let (headers, forwarded) = &received[0];
    assert_eq!(forwarded.as_ref(), body.as_bytes(), "byte for byte");
    assert_eq!(headers["key"], HOOK_KEY);
    assert_eq!(headers["sign"], signature.as_str());
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-delivery"], "delivery-1");
    // Printed laid out, with its digits as sent.
    assert_contains(&printed.stdout, "\n    \"amount\": 1.10000,\n");
    assert_eq!(
        json(&printed.stdout),
        serde_json::from_str::<Value>(&body).expect("JSON")
    );
    assert_contains(
        &printed.stderr,
        &format!("forwarding verified webhooks to {forward_to}"),
    );
    assert_contains(
        &printed.stderr,
        "verified CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE",
    );
    assert_contains(
        &printed.stderr,
        &format!("forwarded to {forward_to}: HTTP 202 Accepted"),
    );
    assert_contains(&printed.stderr, "refused: ");
}

// 6. webhooks verify.

#[test]
fn webhooks_verify_prints_a_body_signed_by_the_subscription() {
    let api = Api::start();
    let tool = Tool::calypso();
    let subscription = api.subscribe("http://127.0.0.1:9/never-called");
    let body = event_body(
        "CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE",
        "1234.567890123456789012",
    );
    let signature = sign(&subscription.secret_key, body.as_bytes());
    let file = tool.home().join("webhook.json");
    std::fs::write(&file, &body).expect("the body is saved");
    let keys = [
        "--webhook-key",
        subscription.public_key.as_str(),
        "--webhook-secret",
        subscription.secret_key.as_str(),
    ];

    let printed = run(
        tool.command()
            .args(["webhooks", "verify", "--body-file"])
            .arg(&file)
            .args(["--signature", &signature])
            .args(keys),
        0,
    );
    assert_eq!(
        printed.stderr,
        "verified CUSTOMER_PURSE_FUNDS_RECEIVED_FOR_PURSE\n"
    );
    assert_contains(&printed.stdout, "\"amount\": 1234.567890123456789012,");
    assert_eq!(
        json(&printed.stdout),
        serde_json::from_str::<Value>(&body).expect("JSON")
    );

    // From stdin, the signature in uppercase, the key header given, on one line.
    let printed = run(
        tool.command()
            .args(["--compact", "webhooks", "verify", "--body-file", "-"])
            .args(["--signature", &signature.to_ascii_uppercase()])
            .args(["--key", &subscription.public_key])
            .args(keys)
            .write_stdin(body.clone()),
        0,
    );
    // The body's own tokens without the whitespace between them (its strings have none).
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(printed.stdout, format!("{compact}\n"));
}

// 7. Help.

#[test]
fn help_is_as_reviewed() {
    let tool = Tool::calypso();
    let help = run(tool.command().arg("--help"), 0);
    insta::assert_snapshot!("help", help.stdout);
    let help = run(tool.command().args(["create-customer", "--help"]), 0);
    insta::assert_snapshot!("create_customer_help", help.stdout);
}

// 8. Completions.

#[test]
fn completions_name_every_command() {
    let tool = Tool::calypso();
    for shell in ["bash", "zsh", "fish"] {
        let script = run(tool.command().args(["completions", shell]), 0);
        assert_contains(&script.stdout, "calypso-customer-purse");
        for command in [
            "create-customer",
            "get-customer",
            "get-customer-by-external-id",
            "update-customer",
            "block-customer",
            "unblock-customer",
            "get-purse-address",
            "get-purses",
            "get-transaction",
            "find-transactions",
            "webhooks",
            "completions",
            "customer-id",
        ] {
            assert_contains(&script.stdout, command);
        }
    }
}
