//! The `rustls-ring` TLS setup, which the client builds itself and hands to reqwest: an
//! https base URL is spoken to in TLS, and a server that cannot complete the handshake is
//! a transport error that says so.

mod support;

use std::time::Duration;

use calypso_customer_purse::{Error, RetryPolicy};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// A TLS record starts with its content type (22, handshake) and the protocol's major
/// version (3); a ClientHello's handshake type (1) follows the 5-byte record header.
fn is_client_hello(bytes: &[u8]) -> bool {
    bytes.len() > 5 && bytes[0] == 22 && bytes[1] == 3 && bytes[5] == 1
}

#[tokio::test]
async fn an_https_base_url_opens_with_a_tls_client_hello_and_a_failed_handshake_is_a_transport_error()
 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let port = listener.local_addr().expect("an address").port();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("the client connects");
        let mut first = vec![0; 512];
        let read = stream.read(&mut first).await.expect("the client writes");
        first.truncate(read);
        // Dropping the stream closes it mid-handshake.
        first
    });
    let client = support::credentials(&format!("https://localhost:{port}"))
        .retry_policy(RetryPolicy::NONE)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("the TLS configuration builds");

    let error = client
        .get_transaction(&support::transaction_request())
        .await
        .expect_err("the handshake cannot complete");

    let first = server.await.expect("the server task ends");
    assert!(
        is_client_hello(&first),
        "the client did not open with a TLS ClientHello: {first:?}"
    );
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(!error.request_may_have_reached_server(), "{error}");
    assert!(error.to_string().contains("could not connect"), "{error}");
}
