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

/// A server that answers one request with a 503 and closes, then stops listening: the next
/// attempt's connection is refused.
async fn one_503_then_gone() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let base_url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("one connection");
        drop(listener);
        let mut request = vec![0u8; 64 * 1024];
        let _ = socket.read(&mut request).await;
        let body = r#"{"errorCode":"000","message":"busy"}"#;
        let answer = format!(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(answer.as_bytes()).await;
        let _ = socket.shutdown().await;
    });
    base_url
}

#[tokio::test]
async fn a_later_never_sent_attempt_does_not_hide_an_earlier_one_that_may_have_acted() {
    use calypso_customer_purse::RequestOptions;
    use calypso_customer_purse::types::CreateCustomerRequest;

    let client = support::client_builder(&one_503_then_gone().await)
        .retry_policy(RetryPolicy::new(2, Duration::from_millis(50)))
        .build()
        .expect("a valid client");
    // The caller opted in, so the 503 is retried; the retry's connection is refused.
    let error = client
        .with_options(RequestOptions::new().retry_state_changing(true))
        .create_customer(&CreateCustomerRequest::new())
        .await
        .expect_err("both attempts fail");
    assert!(error.request_may_have_reached_server(), "{error:?}");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(503));
}
