//! Signed calls of the Binance Pay fixture (`tests/fixtures/binance-pay/spec.yaml`) against
//! its generated mock: the body is the payload itself, byte for byte the documented example's
//! for the same order, and the timestamp, nonce, key and upper-case hex signature travel in
//! Binance Pay's headers. Run by `compile_generated.rs` in a crate beside the client.

use binance_pay_client::mock::{MOCK_API_KEY, MockApi, Outcome, Refusal};
use binance_pay_client::types::{
    CloseOrderResponse, CreateOrderRequest, CreateOrderResponse, CreatedOrder, Env, Goods,
    OrderReference, OrderStatus, QueryOrderResponse, TerminalType,
};
use binance_pay_client::{Decimal, RequestOptions, RetryPolicy};

/// The body of the spec's signed example (`x-request-signing.example.body`).
const EXAMPLE_BODY: &str = r#"{"env":{"terminalType":"WEB"},"merchantTradeNo":"9825382937292","orderAmount":25.17,"currency":"USDT","description":"Ice cream","goodsDetails":[{"goodsType":"02","goodsCategory":"Z000","referenceGoodsId":"7876763A3B","goodsName":"Ice Cream"}]}"#;

/// The order of the example, built from the generated types.
fn example_order() -> CreateOrderRequest {
    let amount: Decimal = "25.17".parse().expect("a decimal");
    CreateOrderRequest::new(
        Env::new(TerminalType::Web),
        "9825382937292",
        vec![Goods::new("02", "Z000", "7876763A3B", "Ice Cream")],
    )
    .with_order_amount(amount)
    .with_currency("USDT")
    .with_description("Ice cream")
}

fn header<'c>(headers: &'c [(String, String)], name: &str) -> &'c str {
    headers
        .iter()
        .find(|(known, _)| known == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

#[tokio::test]
async fn an_order_is_created_with_the_documented_body_and_headers() {
    let mock = MockApi::start().await;
    let created = CreateOrderResponse::new("SUCCESS", "000000")
        .with_data(CreatedOrder::new().with_prepay_id("29383937493038367292"));
    mock.create_order()
        .when(|order: &CreateOrderRequest| order.merchant_trade_no == "9825382937292")
        .respond_with(&created);
    let answer = mock.client().create_order(&example_order()).await.expect("answered");
    assert_eq!(answer.data.and_then(|data| data.prepay_id).as_deref(), Some("29383937493038367292"));
    assert!(mock.refused_calls().is_empty(), "{:?}", mock.refused_calls());

    let call = mock.calls().remove(0);
    assert_eq!(call.path, "/binancepay/openapi/v3/order");
    // No envelope: the payload's JSON, the documented example's bytes.
    assert_eq!(String::from_utf8_lossy(&call.body), EXAMPLE_BODY);
    let timestamp = header(&call.headers, "binancepay-timestamp");
    assert!(timestamp.len() == 13 && timestamp.bytes().all(|b| b.is_ascii_digit()), "{timestamp}");
    let nonce = header(&call.headers, "binancepay-nonce");
    assert!(nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
    assert_eq!(header(&call.headers, "binancepay-certificate-sn"), MOCK_API_KEY);
    let signature = header(&call.headers, "binancepay-signature");
    assert!(
        signature.len() == 128
            && signature.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
        "upper-case hex HMAC-SHA512: {signature}"
    );
    // A second call has a nonce of its own.
    mock.client().create_order(&example_order()).await.expect("answered");
    let second = mock.calls().remove(1);
    assert_ne!(header(&second.headers, "binancepay-nonce"), nonce);
}

#[tokio::test]
async fn the_signature_covers_the_timestamp_the_nonce_and_the_body() {
    let mock = MockApi::start().await;
    mock.query_order()
        .respond_with(&QueryOrderResponse::new("SUCCESS", "000000"));
    let reference = OrderReference::new().with_merchant_trade_no("9825382937292");
    mock.client().query_order(&reference).await.expect("answered");
    let sent = mock.calls().remove(0);
    let http = reqwest::Client::new();
    let again = |changed: Option<(&str, &str)>, body: &[u8]| {
        let mut request = http
            .post(format!("{}/binancepay/openapi/v2/order/query", mock.uri()))
            .body(body.to_vec());
        for (name, value) in &sent.headers {
            let value = match changed {
                Some((changed_name, changed_value)) if changed_name == name => changed_value,
                _ => value.as_str(),
            };
            if name != "host" && name != "content-length" {
                request = request.header(name.as_str(), value);
            }
        }
        request.send()
    };
    let same = again(None, &sent.body).await.expect("sent");
    assert_eq!(same.status(), 200, "the same request again passes");
    let other_nonce = "A".repeat(32);
    assert_ne!(header(&sent.headers, "binancepay-nonce"), other_nonce);
    let refused = again(Some(("binancepay-nonce", &other_nonce)), &sent.body).await.expect("sent");
    assert_eq!(refused.status(), 400, "another nonce");
    let body = String::from_utf8_lossy(&sent.body).replace("9825382937292", "9825382937293");
    let refused = again(None, body.as_bytes()).await.expect("sent");
    assert_eq!(refused.status(), 400, "another body");
    let text = refused.text().await.expect("a body");
    assert!(text.contains("400002"), "Binance Pay's bad-signature code: {text}");
    let outcomes: Vec<bool> = mock
        .calls()
        .iter()
        .map(|call| matches!(call.outcome, Outcome::Refused(Refusal::BadSignature(_))))
        .collect();
    assert_eq!(outcomes, [false, false, true, true]);
}

#[tokio::test]
async fn a_query_is_retried_and_a_close_is_not() {
    let mock = MockApi::start().await;
    let paid = QueryOrderResponse::new("SUCCESS", "000000").with_data(
        binance_pay_client::types::Order::new().with_status(OrderStatus::Paid),
    );
    mock.query_order().respond_with(&paid);
    mock.query_order().times(1).respond_with_status(503);
    mock.close_order()
        .respond_with(&CloseOrderResponse::new("SUCCESS", "000000").with_data(true));
    mock.close_order().times(1).respond_with_status(503);
    let client = mock.client().with_options(
        RequestOptions::new().retry_policy(RetryPolicy::new(3, std::time::Duration::from_millis(1))),
    );
    let reference = OrderReference::new().with_prepay_id("29383937493038367292");
    let queried = client.query_order(&reference).await.expect("retried after the 503");
    assert_eq!(queried.data.and_then(|order| order.status), Some(OrderStatus::Paid));
    let closed = client.close_order(&reference).await;
    assert!(closed.is_err(), "a close (a POST without x-idempotent) is not retried");
    let sent: Vec<_> = mock.calls().into_iter().filter_map(|call| call.operation).collect();
    assert_eq!(sent, ["queryOrder", "queryOrder", "closeOrder"]);
}
