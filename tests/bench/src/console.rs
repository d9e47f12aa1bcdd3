//! The sandbox as a developer console: what keeping its request log and its state file costs a
//! merchant's load, and how long its dashboard takes to render a large sandbox.
//!
//! The load is the generated client's, on loopback against a sandbox started in-process:
//! `tasks` clients at once, each creating a customer, reading it back, asking for its address
//! (which makes a purse), listing its purses and finding its transactions, `iterations` times;
//! two of every five requests change state. Each round runs the three settings one after the
//! other on fresh sandboxes, and the figures are medians over the rounds.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use calypso_customer_purse::types::{
    CreateCustomerRequest, CustomerIdRequest, FindTransactionsRequest, PurseAddressRequest,
};
use calypso_customer_purse::{Client, Decimal};
use calypso_customer_purse_sandbox::{Deposit, Sandbox, Settings};

use crate::sandbox::{answer, call, json};
use crate::stats::{Row, duration, median, median_f64};

const CURRENCY: &str = "USDT_TRC20";
const REQUESTS_PER_ITERATION: usize = 5;

/// How much load each round puts on each setting.
pub struct Load {
    pub rounds: usize,
    pub tasks: usize,
    pub iterations: usize,
}

/// Rows: requests/s with the request log off, on, and on with a state file; then the
/// dashboard's render time with `dashboard_size` transactions and as many logged requests.
pub fn measure(load: &Load, dashboard_size: usize) -> Result<Vec<Row>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let (mut off, mut log, mut state) = (Vec::new(), Vec::new(), Vec::new());
        let state_path = std::env::temp_dir().join(format!("bench-state-{}.db", std::process::id()));
        for _ in 0..load.rounds {
            off.push(requests_per_second(load, settings(0, None)).await?);
            log.push(requests_per_second(load, settings(10_000, None)).await?);
            remove(&state_path);
            state.push(requests_per_second(load, settings(10_000, Some(&state_path))).await?);
        }
        remove(&state_path);
        let (off, log, state) = (
            median_f64(&mut off),
            median_f64(&mut log),
            median_f64(&mut state),
        );
        let render = dashboard_render(dashboard_size, load.rounds.max(3)).await?;
        let baseline = format!("{off:.0}/s (request log off, in memory)");
        Ok(vec![
            Row::new(
                format!(
                    "Sandbox under load, request log on ({} clients)",
                    load.tasks
                ),
                format!("{log:.0}/s"),
            )
            .against(baseline.clone(), log / off)
            .goal("≥ 0.8x", log / off >= 0.8),
            Row::new(
                "Sandbox under load, request log on and --state",
                format!("{state:.0}/s"),
            )
            .against(baseline, state / off)
            .goal("≥ 0.5x", state / off >= 0.5),
            Row::new(
                format!(
                    "Dashboard render, {dashboard_size} transactions and {dashboard_size} logged requests"
                ),
                duration(render),
            )
            .goal("≤ 50 ms", render <= Duration::from_millis(50)),
        ])
    })
}

fn settings(request_log_limit: usize, state_file: Option<&std::path::Path>) -> Settings {
    Settings {
        request_log_limit,
        state_file: state_file.map(std::path::Path::to_path_buf),
        ..Settings::default()
    }
}

/// The state file and SQLite's side files, gone.
fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Requests per second of the load against a fresh sandbox with `settings`.
async fn requests_per_second(load: &Load, settings: Settings) -> Result<f64, String> {
    let running = Sandbox::new(settings)?
        .start_local()
        .await
        .map_err(|error| error.to_string())?;
    let clients = (0..load.tasks)
        .map(|_| running.client().map_err(|error| error.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| tokio::spawn(iterate(client, load.iterations)))
        .collect();
    for task in tasks {
        task.await.map_err(|error| error.to_string())??;
    }
    let elapsed = started.elapsed();
    running.stop().await.map_err(|error| error.to_string())?;
    let requests = load.tasks * load.iterations * REQUESTS_PER_ITERATION;
    Ok(requests as f64 / elapsed.as_secs_f64())
}

async fn iterate(client: Client, iterations: usize) -> Result<(), String> {
    let fail = |error: calypso_customer_purse::Error| error.to_string();
    for _ in 0..iterations {
        let customer = client
            .create_customer(&CreateCustomerRequest::new().with_description("under load"))
            .await
            .map_err(fail)?;
        let id = customer.id.ok_or("customer/create sent no id")?;
        client
            .get_customer(&CustomerIdRequest::new(id))
            .await
            .map_err(fail)?;
        client
            .get_purse_address(&PurseAddressRequest::new(id, CURRENCY))
            .await
            .map_err(fail)?;
        client
            .get_purses(&CustomerIdRequest::new(id))
            .await
            .map_err(fail)?;
        client
            .find_transactions(&FindTransactionsRequest::new().with_customer_id(id))
            .await
            .map_err(fail)?;
    }
    Ok(())
}

/// The median time of `GET /` through the router, for a sandbox with `size` transactions (ten
/// per customer) and `size` requests in its log.
async fn dashboard_render(size: usize, rounds: usize) -> Result<Duration, String> {
    let sandbox = Sandbox::new(Settings::default())?;
    let router = sandbox.router();
    let customers = size.div_ceil(10);
    let mut made = 0;
    for n in 0..customers {
        let customer: calypso_customer_purse::types::Customer = call(
            &router,
            "customer/create",
            &json(&CreateCustomerRequest::new().with_external_id(format!("c-{n}"))),
        )
        .await?;
        let id = customer.id.ok_or("customer/create sent no id")?;
        let purse: calypso_customer_purse::types::PurseAddress = call(
            &router,
            "address/get",
            &json(&PurseAddressRequest::new(id, CURRENCY)),
        )
        .await?;
        for amount in 1..=10 {
            if made == size {
                break;
            }
            sandbox
                .deposit(Deposit::new(
                    purse.address.clone(),
                    CURRENCY,
                    Decimal::from(amount),
                ))
                .map_err(|error| error.to_string())?;
            made += 1;
        }
    }
    // The log's other requests: lookups, until it holds `size`.
    let logged = 2 * customers;
    for n in logged..size {
        call::<serde_json::Value>(
            &router,
            "customer/external/get",
            &json(&calypso_customer_purse::types::ExternalIdRequest::new(
                format!("c-{}", n % customers),
            )),
        )
        .await?;
    }
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let request = Request::get("/")
            .body(Body::empty())
            .map_err(|error| error.to_string())?;
        let started = Instant::now();
        let page = answer(&router, request).await?;
        times.push(started.elapsed());
        if page.len() < 1000 {
            return Err(format!("GET / answered only {} bytes", page.len()));
        }
    }
    Ok(median(&mut times))
}
