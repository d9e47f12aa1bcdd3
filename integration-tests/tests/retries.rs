//! Retries seen from the server's side: every attempt is a new request, stamped and signed
//! anew, and checked by the test server independently of the client's signer.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use calypso_customer_purse::RetryPolicy;
use support::{CLIENT_NOW_MS, GET_TRANSACTION, Reply, TestServer, transaction_request};

#[tokio::test]
async fn every_attempt_is_stamped_and_signed_anew() {
    let busy = r#"{"errorCode":"000","message":"busy"}"#;
    let server = TestServer::answering(GET_TRANSACTION, Reply::json(503, busy)).await;
    let client = server
        .client_builder()
        .clock(support::Ticking::from(CLIENT_NOW_MS, 1))
        .retry_policy(RetryPolicy::new(3, Duration::from_millis(1)))
        .build()
        .expect("a valid client");

    let error = client
        .get_transaction(&transaction_request())
        .await
        .expect_err("every attempt fails");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));

    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let stamps: Vec<i64> = requests
        .iter()
        .map(|request| request.json()["timestamp"].as_i64().expect("an integer"))
        .collect();
    assert!(
        stamps.windows(2).all(|pair| pair[0] < pair[1]),
        "{stamps:?}"
    );
    for (request, stamp) in requests.iter().zip(&stamps) {
        // The server answered 503, not 003: each signature matches its own bytes.
        request.assert_signed_envelope(*stamp);
        assert_eq!(request.payload(), requests[0].payload());
    }
    let signatures: HashSet<&str> = requests.iter().map(|r| r.header("sign")).collect();
    assert_eq!(signatures.len(), 3, "each attempt has its own signature");
}
