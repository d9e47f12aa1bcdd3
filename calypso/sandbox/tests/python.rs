//! A request signed by an independent implementation (Python's `hmac` and `hashlib`, sent with
//! `urllib`) is accepted by the sandbox, and the same request changed after signing is refused.
//!
//! Runs when `python3` is on the PATH; with `SANDBOX_REQUIRE_PYTHON=1` (as in CI) a missing
//! `python3` fails the test instead of skipping it.

mod common;

use std::process::Command;

use calypso_customer_purse::types::{ErrorCode, ExternalIdRequest};
use calypso_customer_purse_sandbox::Settings;
use serde_json::Value;

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/signed_request.py"
);

/// Runs the script; `None` when python3 is missing and not required.
fn run_python(base_url: &str, external_id: &str, tamper: bool) -> Option<Value> {
    let mut command = Command::new("python3");
    command.arg(SCRIPT).arg(base_url).arg(external_id);
    if tamper {
        command.arg("--tamper");
    }
    // The script must sign with its own defaults, not whatever the environment holds.
    for name in ["CALYPSO_ACCOUNT", "CALYPSO_API_KEY", "CALYPSO_API_SECRET"] {
        command.env_remove(name);
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(error) if std::env::var_os("SANDBOX_REQUIRE_PYTHON").is_none() => {
            eprintln!("skipped: python3 cannot run ({error})");
            return None;
        }
        Err(error) => panic!("SANDBOX_REQUIRE_PYTHON is set but python3 cannot run: {error}"),
    };
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("the script prints JSON"))
}

#[tokio::test]
async fn python_signed_requests_are_accepted_and_tampered_ones_refused() {
    let running = common::start(Settings::default()).await;
    let base_url = running.base_url();

    let blocking_url = base_url.clone();
    let Some(accepted) =
        tokio::task::spawn_blocking(move || run_python(&blocking_url, "py-1", false))
            .await
            .unwrap()
    else {
        return;
    };
    assert_eq!(accepted["status"], 200, "{accepted}");
    assert_eq!(accepted["body"]["externalId"], "py-1");

    let blocking_url = base_url.clone();
    let tampered = tokio::task::spawn_blocking(move || run_python(&blocking_url, "py-2", true))
        .await
        .unwrap()
        .expect("python3 ran a moment ago");
    assert_eq!(tampered["status"], 400, "{tampered}");
    assert_eq!(tampered["body"]["errorCode"], "003", "{tampered}");

    // The Rust client sees the customer Python created, and not the refused one.
    let client = common::demo_client(&running);
    let customer = client
        .get_customer_by_external_id(&ExternalIdRequest::new("py-1"))
        .await
        .unwrap();
    assert_eq!(
        customer.id.unwrap().to_string(),
        accepted["body"]["id"].as_str().unwrap()
    );
    assert_eq!(customer.description.as_deref(), Some("created from Python"));
    let missing = client
        .get_customer_by_external_id(&ExternalIdRequest::new("py-2"))
        .await
        .unwrap_err();
    let code = missing
        .api_error()
        .and_then(|error| error.body.error_code.clone());
    assert_eq!(code, Some(ErrorCode::NotFound), "{missing:?}");
}
