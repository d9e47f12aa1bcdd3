//! Calls per second over loopback: the generated client against a hand-written `reqwest`
//! client that signs the same way, both calling a minimal local server that answers every
//! POST with the same transaction. The server has a thread of its own; the callers share one.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use calypso_customer_purse::Client;
use calypso_customer_purse::types::Transaction;
use hmac::Hmac;
use sha2::Sha512;

use crate::hand_signed::{self, API_KEY};
use crate::stats::median_f64;

const GET_TRANSACTION: &str = "/api/v1/customer-purse/transaction/get";
/// A complete transaction as the API sends it.
const TRANSACTION_JSON: &str = r#"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","amount":0.012345000,"addressFrom":"0x4bbeeb066ed09b7aed07bf39eee0460dfa261520","currency":"USDT_BSC","transactionHash":"0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060","transactionState":"CONFIRMED","complianceState":"CHECKED","translationToAccountCompleted":true,"createdDate":"2025-10-30T14:08:39.960680Z"}"#;

/// Calls per second of the client and of the baseline at one concurrency, and their ratio
/// (client / baseline).
pub struct Throughput {
    pub concurrency: usize,
    pub client: f64,
    pub baseline: f64,
    pub ratio: f64,
}

/// Starts the server on its own thread and returns its address.
fn start_server() -> Result<SocketAddr, String> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
        .map_err(|error| format!("cannot listen on loopback: {error}"))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the server");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            let app = Router::new()
                .fallback(|| async { ([(CONTENT_TYPE, "application/json")], TRANSACTION_JSON) });
            axum::serve(listener, app).await.expect("the server runs");
        });
    });
    Ok(address)
}

/// Measures each concurrency in `rounds` alternating rounds of `calls` calls each.
pub fn measure(
    concurrencies: &[usize],
    rounds: usize,
    calls: usize,
) -> Result<Vec<Throughput>, String> {
    let address = start_server()?;
    let base_url = format!("http://{address}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let client = hand_signed::client(&base_url)?;
        let baseline = Arc::new(Baseline::new(&base_url)?);
        let mut results = Vec::new();
        for &concurrency in concurrencies {
            // Warm up: open the connections both will reuse.
            run(concurrency, calls.min(concurrency * 4), {
                let client = client.clone();
                move || call_client(client.clone())
            })
            .await?;
            run(concurrency, calls.min(concurrency * 4), {
                let baseline = baseline.clone();
                move || call_baseline(baseline.clone())
            })
            .await?;
            let mut client_rates = Vec::new();
            let mut baseline_rates = Vec::new();
            let mut ratios = Vec::new();
            for _ in 0..rounds {
                let client_rate = run(concurrency, calls, {
                    let client = client.clone();
                    move || call_client(client.clone())
                })
                .await?;
                let baseline_rate = run(concurrency, calls, {
                    let baseline = baseline.clone();
                    move || call_baseline(baseline.clone())
                })
                .await?;
                ratios.push(client_rate / baseline_rate);
                client_rates.push(client_rate);
                baseline_rates.push(baseline_rate);
            }
            results.push(Throughput {
                concurrency,
                client: median_f64(&mut client_rates),
                baseline: median_f64(&mut baseline_rates),
                ratio: median_f64(&mut ratios),
            });
        }
        Ok(results)
    })
}

/// Makes `calls` calls, `concurrency` at a time, and returns calls per second.
async fn run<F, Fut>(concurrency: usize, calls: usize, call: F) -> Result<f64, String>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let per_task = (calls / concurrency).max(1);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let call = call.clone();
        tasks.spawn(async move {
            for _ in 0..per_task {
                call().await?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|error| error.to_string())??;
    }
    let elapsed = start.elapsed().max(Duration::from_nanos(1));
    Ok((per_task * concurrency) as f64 / elapsed.as_secs_f64())
}

async fn call_client(client: Client) -> Result<(), String> {
    let transaction = client
        .get_transaction(&hand_signed::transaction_request())
        .await
        .map_err(|error| error.to_string())?;
    std::hint::black_box(transaction);
    Ok(())
}

/// What a careful hand-written client does: a keyed HMAC kept for every call, the body
/// serialized once, hex by the `hex` crate, the answer read as the same type.
struct Baseline {
    http: reqwest::Client,
    url: String,
    keyed: Hmac<Sha512>,
}

impl Baseline {
    fn new(base_url: &str) -> Result<Self, String> {
        Ok(Self {
            http: reqwest::Client::new(),
            url: format!("{base_url}{GET_TRANSACTION}"),
            keyed: hand_signed::keyed()?,
        })
    }
}

async fn call_baseline(baseline: Arc<Baseline>) -> Result<(), String> {
    let (body, signature) =
        hand_signed::signed_body(&baseline.keyed, &hand_signed::transaction_request())?;
    let response = baseline
        .http
        .post(&baseline.url)
        .header("Key", API_KEY)
        .header("Sign", signature)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    let bytes = response.bytes().await.map_err(|error| error.to_string())?;
    let transaction: Transaction =
        serde_json::from_slice(&bytes).map_err(|error| error.to_string())?;
    std::hint::black_box(transaction);
    Ok(())
}
