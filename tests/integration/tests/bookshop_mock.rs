//! The bookshop fixture's mock: the `mock` feature works for a spec other than the Calypso
//! one, with its own envelope (`merchant`, `sentAt` in seconds, `data`) and its own refusals.

use bookshop_client::mock::{MockApi, Outcome, Refusal};
use bookshop_client::types::{Order, OrderBookRequest, OrderStatus, ShopError};
use bookshop_client::{Decimal, Error, OffsetDateTime, SecretString};

fn order(quantity: i32) -> Order {
    Order::new(
        7,
        "978-0",
        quantity,
        Decimal::new(2500, 2),
        OffsetDateTime::UNIX_EPOCH,
        OrderStatus::Placed,
    )
}

#[tokio::test]
async fn orders_are_answered_by_the_most_specific_stub() {
    let mock = MockApi::start().await;
    mock.order_book().respond_with(&order(1));
    mock.order_book()
        .when(|request| request.quantity > 10)
        .respond_with_error(
            400,
            &ShopError::new().with_code(409).with_reason("too many"),
        );
    let client = mock.client();

    let placed = client
        .order_book(&OrderBookRequest::new("978-0", 1))
        .await
        .unwrap();
    assert_eq!(placed, order(1));
    match client.order_book(&OrderBookRequest::new("978-0", 11)).await {
        Err(Error::Api(refused)) => assert_eq!(refused.body.code, Some(409)),
        other => panic!("expected the shop's refusal, got {other:?}"),
    }
    let bodies: Vec<serde_json::Value> = mock
        .calls()
        .iter()
        .map(|call| serde_json::from_slice(&call.body).unwrap())
        .collect();
    // The bookshop's envelope, with a timestamp in seconds.
    assert_eq!(bodies[0]["merchant"], "mock-account");
    assert!(bodies[0]["sentAt"].as_i64().unwrap() < 10_000_000_000);
    assert_eq!(bodies[1]["data"]["quantity"], 11);
}

#[tokio::test]
async fn a_wrong_secret_gets_the_shop_s_own_refusal() {
    let mock = MockApi::start().await;
    mock.order_book().respond_with(&order(1));
    let client = mock
        .client_builder()
        .api_secret(SecretString::from("wrong"))
        .build()
        .unwrap();
    match client.order_book(&OrderBookRequest::new("978-0", 1)).await {
        Err(Error::Api(refused)) => {
            assert_eq!(refused.status.as_u16(), 401);
            assert_eq!(refused.body.code, Some(40102));
        }
        other => panic!("expected the shop's bad-signature refusal, got {other:?}"),
    }
    assert!(matches!(
        mock.calls()[0].outcome,
        Outcome::Refused(Refusal::BadSignature(_))
    ));
}
