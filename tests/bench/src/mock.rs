//! The generated client's mock (its `mock` feature): how long a test waits for a mock and its
//! first stubbed answer, and how many stubbed calls a second it answers one after another,
//! against the sandbox, the other stand-in a test runs in-process. Both are called by the
//! generated client over loopback.

use std::time::{Duration, Instant};

use calypso_customer_purse::mock::MockApi;
use calypso_customer_purse::types::{CreateCustomerRequest, Customer, CustomerIdRequest};
use calypso_customer_purse::{Client, Uuid};
use calypso_customer_purse_sandbox::Sandbox;

use crate::stats::{median, median_f64};

/// The figures of [`measure`].
pub struct MockFigures {
    /// Median time from `MockApi::start` to the first stubbed answer, client built.
    pub first_call: Duration,
    /// Median calls per second at concurrency 1, mock and sandbox, and their ratio.
    pub mock_calls: f64,
    pub sandbox_calls: f64,
    pub ratio: f64,
}

pub fn measure(rounds: usize, calls: usize) -> Result<MockFigures, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start a runtime: {error}"))?;
    runtime.block_on(async {
        let customer_id = Uuid::from_u128(42);
        let customer = Customer::new()
            .with_id(customer_id)
            .with_external_id("bench");
        let request = CustomerIdRequest::new(customer_id);

        let mut firsts = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let started = Instant::now();
            let mock = MockApi::start().await;
            mock.get_customer().respond_with(&customer);
            mock.client()
                .get_customer(&request)
                .await
                .map_err(|error| format!("the mock's first call failed: {error}"))?;
            firsts.push(started.elapsed());
        }

        let mock = MockApi::start().await;
        mock.get_customer().respond_with(&customer);
        let mock_client = mock.client();
        let sandbox = Sandbox::default()
            .start_local()
            .await
            .map_err(|error| format!("cannot start the sandbox: {error}"))?;
        let sandbox_client = sandbox.client().map_err(|error| error.to_string())?;
        let created = sandbox_client
            .create_customer(&CreateCustomerRequest::new().with_external_id("bench"))
            .await
            .map_err(|error| format!("the sandbox refused a customer: {error}"))?;
        let sandbox_request = CustomerIdRequest::new(created.id.ok_or("a customer without id")?);

        let (mut mock_rates, mut sandbox_rates) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            mock_rates.push(calls_per_second(&mock_client, &request, calls).await?);
            sandbox_rates.push(calls_per_second(&sandbox_client, &sandbox_request, calls).await?);
        }
        let (mock_calls, sandbox_calls) =
            (median_f64(&mut mock_rates), median_f64(&mut sandbox_rates));
        Ok(MockFigures {
            first_call: median(&mut firsts),
            mock_calls,
            sandbox_calls,
            ratio: mock_calls / sandbox_calls,
        })
    })
}

/// `calls` `get_customer` calls one after another, per second.
async fn calls_per_second(
    client: &Client,
    request: &CustomerIdRequest,
    calls: usize,
) -> Result<f64, String> {
    let started = Instant::now();
    for _ in 0..calls {
        client
            .get_customer(request)
            .await
            .map_err(|error| format!("a timed call failed: {error}"))?;
    }
    Ok(calls as f64 / started.elapsed().as_secs_f64())
}
