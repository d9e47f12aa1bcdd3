//! The sandbox's ledger at two sizes: one lookup through the sandbox's router, in-process (no
//! socket, but the signature check, JSON and ledger lock all included), against a small and a
//! large ledger. The ratio (large / small) shows whether a lookup's cost grows with the ledger.
//! Lookups go through the router because the sandbox has no public in-process API for them.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use calypso_customer_purse::types::{
    CreateCustomerRequest, Customer, ExternalIdRequest, FindTransactionsRequest, PurseAddress,
    PurseAddressRequest, TransactionIdRequest,
};
use calypso_customer_purse::{Decimal, Uuid};
use calypso_customer_purse_sandbox::{Deposit, MERCHANT_PATH_PREFIX, Outcome, Sandbox, Settings};
use serde::Serialize;
use tower::ServiceExt;

use crate::hand_signed::{self, API_KEY};
use crate::stats::{Row, duration, median};

const CURRENCY: &str = "USDT_TRC20";
/// Customers looked up, spread evenly over the ledger so that a scan costs half of it on
/// average, whatever order it scans in.
const TARGETS: usize = 64;
/// Answers are small; a larger one means something else than a lookup was measured.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// One sandbox filled with `customers` customers, each with one purse and one deposit.
struct Filled {
    customers: usize,
    router: Router,
    targets: Vec<Target>,
    /// How long filling it took, once.
    build: Duration,
}

struct Target {
    customer_id: Uuid,
    external_id: String,
    transaction_id: Uuid,
}

/// The lookups timed, each a merchant operation's path and its payload for one target.
type Lookup = (&'static str, &'static str, fn(&Target) -> serde_json::Value);

const LOOKUPS: [Lookup; 4] = [
    ("getTransaction by id", "transaction/get", |target| {
        json(&TransactionIdRequest::new(target.transaction_id))
    }),
    (
        "getCustomerByExternalId",
        "customer/external/get",
        |target| json(&ExternalIdRequest::new(target.external_id.clone())),
    ),
    ("getPurseAddress, existing purse", "address/get", |target| {
        json(&PurseAddressRequest::new(target.customer_id, CURRENCY))
    }),
    (
        "findTransactions of one customer",
        "transaction/find",
        |target| json(&FindTransactionsRequest::new().with_customer_id(target.customer_id)),
    ),
];

/// Rows for building each ledger and for each lookup: the large ledger's time per call, against
/// the small one's, as the median of `rounds` alternating rounds of `calls` calls.
pub fn measure(sizes: [usize; 2], rounds: usize, calls: usize) -> Result<Vec<Row>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let small = fill(sizes[0]).await?;
        let large = fill(sizes[1]).await?;
        let per_customer = |filled: &Filled| filled.build / count(filled.customers.max(1));
        let mut rows = vec![
            Row::new(
                format!(
                    "Sandbox ledger build per customer, {} customers (one build)",
                    large.customers
                ),
                duration(per_customer(&large)),
            )
            .against(
                format!(
                    "{} ({} customers)",
                    duration(per_customer(&small)),
                    small.customers
                ),
                ratio(per_customer(&large), per_customer(&small)),
            ),
        ];
        for (name, path, payload) in LOOKUPS {
            let mut small_times = Vec::with_capacity(rounds);
            let mut large_times = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                small_times.push(time_calls(&small, path, payload, calls).await?);
                large_times.push(time_calls(&large, path, payload, calls).await?);
            }
            let (small_time, large_time) = (median(&mut small_times), median(&mut large_times));
            rows.push(
                Row::new(
                    format!("Sandbox {name}, {} customers", large.customers),
                    duration(large_time),
                )
                .against(
                    format!("{} ({} customers)", duration(small_time), small.customers),
                    ratio(large_time, small_time),
                ),
            );
        }
        Ok(rows)
    })
}

/// A sandbox with `customers` customers, each with an external id, a purse and a deposit to it.
async fn fill(customers: usize) -> Result<Filled, String> {
    let sandbox = Sandbox::new(Settings::default())?;
    let router = sandbox.router();
    let step = (customers / TARGETS).max(1);
    let mut targets = Vec::new();
    let started = Instant::now();
    for n in 0..customers {
        let external_id = format!("customer-{n:07}");
        let customer: Customer = call(
            &router,
            "customer/create",
            &json(&CreateCustomerRequest::new().with_external_id(external_id.clone())),
        )
        .await?;
        let customer_id = customer.id.ok_or("customer/create sent no id")?;
        let purse: PurseAddress = call(
            &router,
            "address/get",
            &json(&PurseAddressRequest::new(customer_id, CURRENCY)),
        )
        .await?;
        let transaction = sandbox
            .deposit(Deposit {
                address: purse.address,
                currency: CURRENCY.into(),
                amount: Decimal::from(1 + n % 1000),
                outcome: Outcome::Confirmed,
                address_from: None,
                transaction_hash: None,
            })
            .map_err(|error| format!("deposit: {error:?}"))?;
        if n % step == step / 2 {
            targets.push(Target {
                customer_id,
                external_id,
                transaction_id: transaction.id,
            });
        }
    }
    Ok(Filled {
        customers,
        router,
        targets,
        build: started.elapsed(),
    })
}

/// The time per call of `calls` lookups, cycling through the targets. The requests are signed
/// beforehand so that only the sandbox's work is timed.
async fn time_calls(
    filled: &Filled,
    path: &str,
    payload: fn(&Target) -> serde_json::Value,
    calls: usize,
) -> Result<Duration, String> {
    let requests = filled
        .targets
        .iter()
        .cycle()
        .take(calls)
        .map(|target| signed(path, &payload(target)))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    for request in requests {
        answer(&filled.router, request).await?;
    }
    Ok(started.elapsed() / count(calls.max(1)))
}

/// Calls one operation and reads its answer as an `R`.
pub(crate) async fn call<R: serde::de::DeserializeOwned>(
    router: &Router,
    path: &str,
    payload: &serde_json::Value,
) -> Result<R, String> {
    let body = answer(router, signed(path, payload)?).await?;
    serde_json::from_slice(&body).map_err(|error| format!("{path}: {error}"))
}

/// The body of the router's answer, which must be a 200.
pub(crate) async fn answer(
    router: &Router,
    request: Request<Body>,
) -> Result<axum::body::Bytes, String> {
    let path = request.uri().path().to_owned();
    let response = router
        .clone()
        .oneshot(request)
        .await
        .map_err(|error| format!("{path}: {error}"))?;
    let status = response.status();
    let body = to_bytes(response.into_body(), MAX_ANSWER_BYTES)
        .await
        .map_err(|error| format!("{path}: {error}"))?;
    if status != StatusCode::OK {
        return Err(format!(
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    Ok(body)
}

/// A request to operation `path` as a client sends it: stamped now and signed.
pub(crate) fn signed(path: &str, payload: &serde_json::Value) -> Result<Request<Body>, String> {
    let (body, signature) = hand_signed::signed_body(&hand_signed::keyed()?, payload)?;
    Request::post(format!("{MERCHANT_PATH_PREFIX}{path}"))
        .header("content-type", "application/json")
        .header("key", API_KEY)
        .header("sign", signature)
        .body(Body::from(body))
        .map_err(|error| error.to_string())
}

pub(crate) fn json(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

fn ratio(large: Duration, small: Duration) -> f64 {
    large.as_secs_f64() / small.as_secs_f64()
}

/// `n` as a divisor of a `Duration`, saturating (never reached: calls and customers are small).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
