//! The `calypso-customer-purse-sandbox` binary: prints where it listens and with which keys,
//! serves extra accounts from a file without printing their secrets, and refuses a bad accounts
//! file clearly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use calypso_customer_purse::types::CreateCustomerRequest;
use calypso_customer_purse::{Client, SecretString};

const EXTRA_SECRET: &str = "file-secret-never-printed";

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("sandbox-bin-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Kills the server when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serves_the_demo_pair_and_accounts_from_a_file() {
    let accounts = temp_file(
        "accounts.json",
        &format!(
            r#"{{"accounts": [{{"account": "0xfeed", "apiKey": "file-key", "apiSecret": "{EXTRA_SECRET}"}}]}}"#
        ),
    );
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_calypso-customer-purse-sandbox"))
            .args(["--port", "0", "--quiet", "--accounts"])
            .arg(&accounts)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = server.0.stdout.take().unwrap();
    let banner: Vec<String> = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map(Result::unwrap)
            .take_while(|line| !line.starts_with("Press Ctrl-C"))
            .collect()
    })
    .await
    .unwrap();
    let banner = banner.join("\n");
    assert!(
        banner.contains(calypso_customer_purse_sandbox::DEMO_API_KEY),
        "{banner}"
    );
    assert!(
        banner.contains(calypso_customer_purse_sandbox::DEMO_API_SECRET),
        "{banner}"
    );
    assert!(banner.contains("0xfeed"), "{banner}");
    assert!(banner.contains("file-key"), "{banner}");
    assert!(!banner.contains(EXTRA_SECRET), "{banner}");
    let base_url = banner
        .lines()
        .find_map(|line| line.trim().strip_prefix("base URL"))
        .expect("the banner gives the base URL")
        .trim()
        .to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");

    let client = Client::builder()
        .base_url(base_url)
        .account("0xfeed")
        .api_key("file-key")
        .api_secret(SecretString::from(EXTRA_SECRET))
        .build()
        .unwrap();
    let customer = client
        .create_customer(&CreateCustomerRequest::new().with_external_id("from-file"))
        .await
        .unwrap();
    assert_eq!(customer.external_id.as_deref(), Some("from-file"));
    drop(server);
}

#[test]
fn a_bad_accounts_file_is_refused_with_where_and_what() {
    let accounts = temp_file("bad.json", "{\"accounts\": [{\"account\": 1}]}");
    let output = Command::new(env!("CARGO_BIN_EXE_calypso-customer-purse-sandbox"))
        .arg("--accounts")
        .arg(&accounts)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&accounts.display().to_string()), "{stderr}");
    assert!(stderr.contains("invalid type: integer `1`"), "{stderr}");
    assert!(stderr.contains("line 1 column"), "{stderr}");

    let output = Command::new(env!("CARGO_BIN_EXE_calypso-customer-purse-sandbox"))
        .arg("--no-demo")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no key pairs"));
}
