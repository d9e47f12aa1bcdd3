//! `calypso-customer-purse-sandbox [--port N] [--accounts FILE] [--no-demo] [--quiet] …` (in
//! this workspace: `cargo run -p calypso-customer-purse-sandbox -- …`): serves the sandbox on
//! 127.0.0.1 until Ctrl-C.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use calypso_customer_purse_sandbox::{Credentials, RetrySchedule, Sandbox, Settings};

const USAGE: &str = "\
usage: calypso-customer-purse-sandbox [--port N] [--accounts FILE]... [--no-demo] [--quiet]
                                      [--log-limit N] [--webhook-retries quick|standard]
                                      [--state FILE]

  --port N          port on 127.0.0.1 (default: $SANDBOX_PORT, else 0 = pick a free one)
  --accounts FILE   also accept the key pairs in FILE, JSON like
                    {\"accounts\": [{\"account\": \"0x…\", \"apiKey\": \"…\", \"apiSecret\": \"…\"}]}
  --no-demo         do not accept the demo key pair
  --quiet           do not log one line per request and per webhook attempt
  --log-limit N     keep the last N requests for GET /sandbox/requests (default 10000; 0: none)
  --webhook-retries quick (default: 3 attempts, 100 ms and 200 ms apart) or standard
                    (Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h)
  --state FILE      keep everything in the SQLite file FILE, made if missing, and start from
                    what it holds (default: in memory, empty at each start)";

struct Options {
    port: u16,
    accounts_files: Vec<PathBuf>,
    demo: bool,
    log_requests: bool,
    log_limit: usize,
    retries: RetrySchedule,
    state_file: Option<PathBuf>,
}

fn parse_options() -> Result<Option<Options>, lexopt::Error> {
    use lexopt::prelude::*;
    let port = match std::env::var("SANDBOX_PORT") {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("SANDBOX_PORT `{text}` is not a port number"))?,
        Err(_) => 0,
    };
    let mut options = Options {
        port,
        accounts_files: Vec::new(),
        demo: true,
        log_requests: true,
        log_limit: Settings::default().request_log_limit,
        retries: RetrySchedule::quick(),
        state_file: None,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("port") => options.port = parser.value()?.parse()?,
            Long("accounts") => options.accounts_files.push(parser.value()?.into()),
            Long("no-demo") => options.demo = false,
            Long("quiet") => options.log_requests = false,
            Long("log-limit") => options.log_limit = parser.value()?.parse()?,
            Long("state") => options.state_file = Some(parser.value()?.into()),
            Long("webhook-retries") => {
                options.retries = match parser.value()?.string()?.as_str() {
                    "quick" => RetrySchedule::quick(),
                    "standard" => RetrySchedule::standard_webhooks(),
                    other => {
                        return Err(format!(
                            "--webhook-retries takes quick or standard, not `{other}`"
                        )
                        .into());
                    }
                }
            }
            Short('h') | Long("help") => return Ok(None),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut credentials: Vec<Credentials> = Vec::new();
    if options.demo {
        credentials.push(Credentials::demo());
    }
    for path in &options.accounts_files {
        match calypso_customer_purse_sandbox::load_accounts_file(path) {
            Ok(pairs) => credentials.extend(pairs),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    if credentials.is_empty() && options.state_file.is_none() {
        eprintln!("error: no key pairs: give --accounts FILE or drop --no-demo");
        return ExitCode::from(2);
    }
    let settings = Settings {
        credentials,
        log_requests: options.log_requests,
        request_log_limit: options.log_limit,
        webhook_retries: options.retries,
        state_file: options.state_file,
        ..Settings::default()
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(settings, options.port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings, port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let sandbox = Sandbox::new(settings)?;
    if sandbox.settings().credentials.is_empty() {
        return Err("no key pairs: give --accounts FILE or drop --no-demo".into());
    }
    print_banner(&sandbox, address);
    sandbox
        .serve(listener, async {
            // If Ctrl-C cannot be watched, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .map_err(|error| format!("server failed: {error}"))?;
    let _ = writeln!(std::io::stdout(), "sandbox stopped");
    Ok(())
}

/// Prints where it listens and with which keys. A closed stdout (the reader went away) is no
/// reason to stop serving, so write errors are ignored rather than panicking as `println!`.
fn print_banner(sandbox: &Sandbox, address: SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Calypso Customer Purse sandbox (not the real API)");
    let _ = writeln!(out, "  base URL     http://{address}");
    for pair in &sandbox.settings().credentials {
        if pair.is_demo() {
            let _ = writeln!(out, "  account      {}", pair.account);
            let _ = writeln!(out, "  api key      {}", pair.api_key);
            let _ = writeln!(
                out,
                "  api secret   {}   (public demo secret)",
                calypso_customer_purse_sandbox::DEMO_API_SECRET
            );
        } else {
            let _ = writeln!(
                out,
                "  account      {}   key {} (secret from file, not shown)",
                pair.account, pair.api_key
            );
        }
    }
    if let Some(path) = &sandbox.settings().state_file {
        let _ = writeln!(out, "  state file   {}", path.display());
    }
    let _ = writeln!(out, "  dashboard    http://{address}/");
    let _ = writeln!(
        out,
        "  sandbox-only POST /sandbox/deposits, /sandbox/transactions/{{id}}/advance,"
    );
    let _ = writeln!(
        out,
        "               /sandbox/transactions/{{id}}/settle, /sandbox/faults, /sandbox/webhooks,"
    );
    let _ = writeln!(
        out,
        "               /sandbox/events/{{id}}/resend, /sandbox/clock, /sandbox/trigger;"
    );
    let _ = writeln!(
        out,
        "               GET /sandbox/webhooks/deliveries, /sandbox/events, /sandbox/requests,"
    );
    let _ = writeln!(out, "               /sandbox/clock");
    let _ = writeln!(out, "Press Ctrl-C to stop.");
}
