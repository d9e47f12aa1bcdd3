//! The generated command-line tool (`calypso/cli`): how long one call takes it as a process,
//! from start to exit, against the same call made by the client in-process, the call itself.
//! Both call the sandbox, started in this process, over loopback.
//!
//! The tool is the release binary `cargo xtask bench` builds next to this one. Each round runs
//! `get-customer --customer-id <id>` of a customer created beforehand, with the credentials in
//! its environment, and then times one `get_customer` through a client built just before it,
//! so that the call opens its own connection as the process does. What the process costs beyond
//! the call is its start, parsing the command line, building its client (TLS included), printing
//! the answer and exiting.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use calypso_customer_purse::types::{CreateCustomerRequest, CustomerIdRequest};
use calypso_customer_purse_sandbox::Sandbox;
use secrecy::ExposeSecret;

use crate::stats::median;

/// The tool's binary name, as `calypso/cli/Cargo.toml` names it.
const BIN_NAME: &str = "calypso-customer-purse";

/// The prefix of every environment variable the tool reads.
const ENV_PREFIX: &str = "CALYPSO_CUSTOMER_PURSE_";

/// The figures of [`measure`].
pub struct CliFigures {
    /// Median wall time of the process, from spawning it to its exit.
    pub process: Duration,
    /// Median time of the same call by the client in-process.
    pub call: Duration,
}

impl CliFigures {
    /// What the process costs beyond the call: the difference of the two medians.
    pub fn beyond_the_call(&self) -> Duration {
        self.process.saturating_sub(self.call)
    }
}

/// The release binary of the tool, in the folder of this benchmark's own binary.
pub fn binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|error| format!("where am I? {error}"))?;
    let binary = exe
        .with_file_name(BIN_NAME)
        .with_extension(std::env::consts::EXE_EXTENSION);
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "no {}: build it with `cargo build --release -p calypso-customer-purse-cli` (as \
             `cargo xtask bench` does), in the same target folder",
            binary.display()
        ))
    }
}

pub fn measure(binary: &Path, scratch: &Path, rounds: usize) -> Result<CliFigures, String> {
    // An empty config folder: no profile of the user's is read.
    let config_home = scratch.join("config");
    std::fs::create_dir_all(&config_home)
        .map_err(|error| format!("{}: {error}", config_home.display()))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start a runtime: {error}"))?;
    let sandbox = runtime
        .block_on(Sandbox::default().start_local())
        .map_err(|error| format!("cannot start the sandbox: {error}"))?;
    let customer = runtime
        .block_on(async {
            let client = sandbox.client().map_err(|error| error.to_string())?;
            client
                .create_customer(&CreateCustomerRequest::new().with_external_id("bench-cli"))
                .await
                .map_err(|error| format!("the sandbox refused a customer: {error}"))
        })?
        .id
        .ok_or("a customer without id")?;
    let pair = sandbox
        .sandbox()
        .settings()
        .credentials
        .first()
        .ok_or("the sandbox has no key pair")?;

    let mut command = Command::new(binary);
    command
        .args(["get-customer", "--customer-id", &customer.to_string()])
        .stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with(ENV_PREFIX) {
            command.env_remove(name);
        }
    }
    command
        .env("XDG_CONFIG_HOME", &config_home)
        .env(format!("{ENV_PREFIX}BASE_URL"), sandbox.base_url())
        .env(format!("{ENV_PREFIX}ACCOUNT"), &pair.account)
        .env(format!("{ENV_PREFIX}API_KEY"), &pair.api_key)
        .env(
            format!("{ENV_PREFIX}API_SECRET"),
            pair.api_secret.expose_secret(),
        );
    let expected = customer.to_string();
    let run_process = |command: &mut Command| -> Result<Duration, String> {
        let started = Instant::now();
        let output = command
            .output()
            .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
        let elapsed = started.elapsed();
        if !output.status.success() || !String::from_utf8_lossy(&output.stdout).contains(&expected)
        {
            return Err(format!(
                "`{BIN_NAME} get-customer` failed ({}):\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(elapsed)
    };
    let request = CustomerIdRequest::new(customer);
    let call = || -> Result<Duration, String> {
        // A new client, so that the call connects as the process's does; built untimed.
        let client = sandbox.client().map_err(|error| error.to_string())?;
        runtime.block_on(async {
            let started = Instant::now();
            client
                .get_customer(&request)
                .await
                .map_err(|error| format!("a timed call failed: {error}"))?;
            Ok(started.elapsed())
        })
    };

    // Once each untimed: the binary into the page cache, the first connection set up.
    run_process(&mut command)?;
    call()?;
    let (mut processes, mut calls) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        processes.push(run_process(&mut command)?);
        calls.push(call()?);
    }
    Ok(CliFigures {
        process: median(&mut processes),
        call: median(&mut calls),
    })
}
