//! State that survives a restart (`--state FILE`): a sandbox started again on the same file
//! answers as before; a file that is not a sandbox's is refused and left as it is.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, FindTransactionsRequest, PurseAddressRequest,
    TransactionIdRequest, TransactionState,
};
use calypso_customer_purse::{Client, FixedClock, SecretString};
use calypso_customer_purse_sandbox::{
    Credentials, DeliveryOutcome, RequestFilter, Sandbox, Scenario, Settings, Trigger,
    WebhookRegistration,
};

/// A fresh path in the temp folder, removed (with SQLite's side files) when dropped.
struct TempPath(PathBuf);

impl TempPath {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("sandbox-state-{}-{name}.db", std::process::id()));
        let this = Self(path);
        this.remove();
        this
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        self.remove();
    }
}

fn settings(path: &TempPath) -> Settings {
    Settings {
        credentials: vec![
            Credentials::demo(),
            Credentials::new(
                common::OTHER_ACCOUNT,
                common::OTHER_API_KEY,
                SecretString::from(common::OTHER_API_SECRET),
            ),
        ],
        state_file: Some(path.0.clone()),
        ..Settings::default()
    }
}

#[tokio::test]
async fn a_restarted_sandbox_answers_as_before() {
    let path = TempPath::new("restart");
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hooks", receiver.local_addr().unwrap());
    let app = axum::Router::new().fallback(|| async { "ok" });
    tokio::spawn(async move { axum::serve(receiver, app).await });

    let (customer, transaction, subscription, address) = {
        let running = Sandbox::new(settings(&path))
            .unwrap()
            .start_local()
            .await
            .unwrap();
        let client = running.client().unwrap();
        let customer = client
            .create_customer(
                &CreateCustomerRequest::new()
                    .with_external_id("kept-1")
                    .with_description("survives a restart"),
            )
            .await
            .unwrap();
        let sandbox = running.sandbox();
        let subscription = sandbox
            .register_webhook(WebhookRegistration {
                account: calypso_customer_purse_sandbox::DEMO_ACCOUNT.into(),
                url: hook.clone(),
                event_types: None,
            })
            .unwrap();
        let triggered = sandbox
            .trigger(Trigger {
                customer_id: customer.id,
                ..Trigger::new(Scenario::ConfirmedDeposit)
            })
            .unwrap();
        sandbox
            .wait_for_deliveries(4, std::time::Duration::from_secs(10))
            .await
            .unwrap();
        sandbox.advance_clock(3600).unwrap();
        // The other account's customer, blocked.
        let other = common::other_client(&running);
        let blocked = common::new_customer(&other, "other-1").await;
        other
            .block_customer(&CustomerIdRequest::new(blocked))
            .await
            .unwrap();
        running.stop().await.unwrap();
        (
            customer,
            triggered.transaction.unwrap(),
            subscription,
            triggered.address.address,
        )
    };

    let running = Sandbox::new(settings(&path))
        .unwrap()
        .start_local()
        .await
        .unwrap();
    let client = running.client().unwrap();
    let id = customer.id.unwrap();
    let read = client
        .get_customer(&CustomerIdRequest::new(id))
        .await
        .unwrap();
    assert_eq!(read, customer);
    let by_external = client
        .get_customer_by_external_id(&calypso_customer_purse::types::ExternalIdRequest::new(
            "kept-1",
        ))
        .await
        .unwrap();
    assert_eq!(by_external.id, Some(id));
    let read = client
        .get_transaction(&TransactionIdRequest::new(transaction.id))
        .await
        .unwrap();
    assert_eq!(read, transaction);
    assert_eq!(read.transaction_state, TransactionState::Confirmed);
    let page = client
        .find_transactions(&FindTransactionsRequest::new())
        .await
        .unwrap();
    assert_eq!(page.result.unwrap_or_default().len(), 1);
    // The same customer and currency get the same address.
    let again = client
        .get_purse_address(&PurseAddressRequest::new(id, "USDT_TRC20"))
        .await
        .unwrap();
    assert_eq!(again.address, address);
    // The clock's offset, the events with their deliveries, the subscription (it still signs).
    let sandbox = running.sandbox();
    assert_eq!(sandbox.clock().offset_seconds, 3600);
    let events = sandbox.events();
    assert_eq!(events.len(), 4);
    assert!(
        events
            .iter()
            .all(|event| event.deliveries[0].outcome == DeliveryOutcome::Delivered)
    );
    let resent = sandbox.resend(1, Default::default()).unwrap();
    assert_eq!(resent.deliveries[0].subscription, subscription.request_id);
    sandbox
        .wait_for(std::time::Duration::from_secs(10), |events| {
            (events[0].deliveries[0].attempts.len() == 2).then_some(())
        })
        .await
        .unwrap();
    // The other account's blocked customer, and new ids go on from where they were.
    let other = common::other_client(&running);
    let others = other
        .get_customer_by_external_id(&calypso_customer_purse::types::ExternalIdRequest::new(
            "other-1",
        ))
        .await
        .unwrap();
    assert_eq!(others.blocked, Some(true));
    let next = sandbox
        .trigger(Trigger::new(Scenario::ExpiredAddress))
        .unwrap();
    assert_eq!(next.events[0].id, 5);
    // The request log is not kept: it starts with this run's first request.
    let logged = sandbox.requests(&RequestFilter::default());
    let first = logged.last().unwrap();
    assert_eq!(
        (first.id, first.operation.as_deref()),
        (1, Some("customer/get"))
    );
    assert!(
        logged
            .iter()
            .all(|r| r.operation.as_deref() != Some("customer/create"))
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn accounts_given_once_come_back_without_being_given_again() {
    let path = TempPath::new("accounts");
    {
        let running = Sandbox::new(settings(&path))
            .unwrap()
            .start_local()
            .await
            .unwrap();
        common::new_customer(&common::other_client(&running), "theirs").await;
        running.stop().await.unwrap();
    }
    let demo_only = Settings {
        state_file: Some(path.0.clone()),
        ..Settings::default()
    };
    let running = Sandbox::new(demo_only)
        .unwrap()
        .start_local()
        .await
        .unwrap();
    assert_eq!(running.sandbox().settings().credentials.len(), 2);
    let theirs = common::other_client(&running)
        .get_customer_by_external_id(&calypso_customer_purse::types::ExternalIdRequest::new(
            "theirs",
        ))
        .await
        .unwrap();
    assert_eq!(theirs.external_id.as_deref(), Some("theirs"));
}

#[test]
fn a_file_that_is_not_a_sandboxs_is_refused_and_left_as_it_is() {
    let path = TempPath::new("foreign");
    std::fs::write(&path.0, "customer,externalId\n1,a\n").unwrap();
    let error = Sandbox::new(Settings {
        state_file: Some(path.0.clone()),
        ..Settings::default()
    })
    .err()
    .expect("refused");
    assert!(error.contains(&path.0.display().to_string()), "{error}");
    assert!(error.contains("not a sandbox state file"), "{error}");
    assert_eq!(
        std::fs::read(&path.0).unwrap(),
        b"customer,externalId\n1,a\n"
    );
}

#[test]
fn a_sandbox_on_a_fixed_clock_keeps_its_offset_from_that_clock() {
    let path = TempPath::new("clock");
    let fixed = || Settings {
        clock: Arc::new(FixedClock {
            unix_millis: common::T0,
        }),
        state_file: Some(path.0.clone()),
        ..Settings::default()
    };
    Sandbox::new(fixed())
        .unwrap()
        .advance_clock(86_400)
        .unwrap();
    let reading = Sandbox::new(fixed()).unwrap().clock();
    assert_eq!(reading.now_unix_millis, common::T0 + 86_400_000);
}

/// A client of the demo account at `base_url`.
fn demo_client(base_url: &str) -> Client {
    common::demo_builder(base_url).build().unwrap()
}

#[tokio::test]
async fn a_killed_sandbox_loses_nothing_it_answered() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let path = TempPath::new("killed");
    let file = path.0.clone();
    let start = move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_calypso-customer-purse-sandbox"))
            .args(["--port", "0", "--quiet", "--state"])
            .arg(&file)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base_url = lines
            .by_ref()
            .map(Result::unwrap)
            .find_map(|line| {
                line.trim()
                    .strip_prefix("base URL")
                    .map(|u| u.trim().to_owned())
            })
            .expect("the banner gives the base URL");
        // Read the rest, so the sandbox never writes to a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        (child, base_url)
    };
    let (mut child, base_url) = tokio::task::spawn_blocking(start.clone()).await.unwrap();
    let client = demo_client(&base_url);
    let mut ids = Vec::new();
    for n in 0..20 {
        let customer = client
            .create_customer(&CreateCustomerRequest::new().with_external_id(format!("k-{n}")))
            .await
            .unwrap();
        ids.push(customer.id.unwrap());
    }
    // SIGKILL: no clean shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, base_url) = tokio::task::spawn_blocking(start).await.unwrap();
    let client = demo_client(&base_url);
    for (n, id) in ids.iter().enumerate() {
        let read = client
            .get_customer(&CustomerIdRequest::new(*id))
            .await
            .unwrap();
        assert_eq!(read.external_id, Some(format!("k-{n}")));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
