//! Signed calls of each request shape of `specs/ok/request-shapes.yaml` against its generated
//! mock, which checks the method, the path template, the parameters read back and the
//! signature over the method, the path with its query, the timestamp and the body.
//! Run by `compile_generated.rs` in a crate beside the generated client.

use shapes_api::mock::{MockApi, Outcome, Refusal};
use shapes_api::types::{
    Balance, GetOrderParams, ListOrdersParams, NewOrder, Note, Order, OrderList, OrderStatus,
    ReplaceOrderParams, SearchOrdersParams,
};

fn order(id: &str) -> Order {
    Order::new(id)
}

/// Every call the mock received passed its checks.
fn none_refused(mock: &MockApi) {
    let refused = mock.refused_calls();
    assert!(refused.is_empty(), "refused: {refused:?}");
}

#[tokio::test]
async fn a_get_sends_its_path_and_query_parameters_and_no_body() {
    let mock = MockApi::start().await;
    mock.get_order()
        .when(|params: &GetOrderParams| params.order_id == "o 1/2")
        .respond_with(&order("o 1/2"));
    let params = GetOrderParams::new("o 1/2").with_expand(vec!["lines".into(), "pay&ments".into()]);
    let got = mock
        .client()
        .get_order(&params)
        .await
        .expect("the mock answers");
    assert_eq!(got.order_id, "o 1/2");
    none_refused(&mock);
    let calls = mock.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/v1/orders/o%201%2F2");
    assert!(calls[0].body.is_empty(), "a GET sends no body");
    let names: Vec<&str> = calls[0]
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(names.contains(&"x-timestamp") && names.contains(&"x-signature"));
    assert!(!names.contains(&"content-type"), "no body, no content type");
    assert_eq!(mock.get_order().calls(), vec![params]);
}

#[tokio::test]
async fn query_arrays_enums_integers_and_booleans_are_read_back_as_sent() {
    let mock = MockApi::start().await;
    mock.list_orders()
        .respond_with(&OrderList::new(vec![order("a")]));
    let params = ListOrdersParams::new()
        .with_status(vec![OrderStatus::Open, OrderStatus::Paid])
        .with_limit(-5)
        .with_open(false);
    let client = mock.client();
    client.list_orders(&params).await.expect("the mock answers");
    // Left-out optional parameters are not sent.
    client
        .list_orders(&ListOrdersParams::new())
        .await
        .expect("the mock answers");
    none_refused(&mock);
    assert_eq!(
        mock.list_orders().calls(),
        vec![params, ListOrdersParams::new()]
    );
}

#[tokio::test]
async fn numbers_keep_their_digits_and_date_times_their_fraction_in_the_query() {
    let mock = MockApi::start().await;
    mock.list_orders().respond_with(&OrderList::new(vec![]));
    let total: shapes_api::Decimal = "12345678901234567.10".parse().expect("a decimal");
    let since = shapes_api::OffsetDateTime::from_unix_timestamp(1_740_796_200)
        .expect("a time")
        .replace_nanosecond(120_000_000)
        .expect("a time");
    let params = ListOrdersParams::new()
        .with_min_total(total)
        .with_since(since);
    mock.client()
        .list_orders(&params)
        .await
        .expect("the mock answers");
    none_refused(&mock);
    // Read back by the mock into the same values: the decimal with all its digits and its
    // scale (as a float, it would have come back as 12345678901234568).
    let read = mock.list_orders().calls().remove(0);
    assert_eq!(read, params);
    assert_eq!(
        read.min_total.map(|total| total.to_string()).as_deref(),
        Some("12345678901234567.10")
    );
}

#[tokio::test]
async fn a_literal_path_is_told_from_a_template_that_fits_it_too() {
    let mock = MockApi::start().await;
    mock.search_orders().respond_with(&OrderList::new(vec![]));
    mock.get_order().respond_with(&order("search"));
    let found = mock
        .client()
        .search_orders(&SearchOrdersParams::new("a b&c=d"))
        .await;
    assert_eq!(found.expect("the mock answers").orders, vec![]);
    none_refused(&mock);
    assert_eq!(
        mock.search_orders().calls(),
        vec![SearchOrdersParams::new("a b&c=d")]
    );
    assert!(mock.get_order().calls().is_empty());
}

#[tokio::test]
async fn put_and_patch_send_parameters_and_the_payload_itself() {
    let mock = MockApi::start().await;
    mock.replace_order()
        .when(|(params, payload): &(ReplaceOrderParams, NewOrder)| {
            params.order_id == "o1" && payload.item == "tea"
        })
        .respond_with(&order("o1"));
    mock.annotate_order()
        .respond_with(&order("o1").with_note("gift"));
    let client = mock.client();
    let replaced = client
        .replace_order(
            &ReplaceOrderParams::new("o1"),
            &NewOrder::new("tea").with_quantity(2),
        )
        .await
        .expect("the mock answers");
    assert_eq!(replaced.order_id, "o1");
    let annotated = client
        .annotate_order(
            &shapes_api::types::AnnotateOrderParams::new("o1"),
            &Note::new("gift"),
        )
        .await
        .expect("the mock answers");
    assert_eq!(annotated.note.as_deref(), Some("gift"));
    none_refused(&mock);
    let calls = mock.calls();
    // No envelope: the body is the payload's JSON, byte for byte.
    assert_eq!(calls[0].body, br#"{"item":"tea","quantity":2}"#);
    assert_eq!(calls[1].body, br#"{"text":"gift"}"#);
}

#[tokio::test]
async fn post_with_a_body_and_get_with_nothing() {
    let mock = MockApi::start().await;
    mock.create_order().respond_with(&order("new"));
    mock.get_balance().respond_with(&Balance::new("1.50"));
    let client = mock.client();
    let created = client
        .create_order(&NewOrder::new("tea"))
        .await
        .expect("answered");
    assert_eq!(created.order_id, "new");
    let balance = client.get_balance().await.expect("answered");
    assert_eq!(balance.amount, "1.50");
    none_refused(&mock);
    assert_eq!(mock.create_order().calls(), vec![NewOrder::new("tea")]);
    assert_eq!(mock.get_balance().calls(), vec![()]);
}

#[tokio::test]
async fn get_put_and_delete_are_retried_and_post_patch_and_a_delete_marked_not_idempotent_are_not()
{
    let mock = MockApi::start().await;
    // The stub added last answers first: one 503, then the order.
    mock.get_order().respond_with(&order("o1"));
    mock.get_order().times(1).respond_with_status(503);
    mock.replace_order().respond_with(&order("o1"));
    mock.replace_order().times(1).respond_with_status(503);
    mock.create_order().respond_with(&order("o1"));
    mock.create_order().times(1).respond_with_status(503);
    mock.annotate_order().respond_with(&order("o1"));
    mock.annotate_order().times(1).respond_with_status(503);
    mock.cancel_order().respond_with(&order("o1"));
    mock.cancel_order().times(1).respond_with_status(503);
    let client = mock
        .client()
        .with_options(shapes_api::RequestOptions::new().retry_policy(
            shapes_api::RetryPolicy::new(3, std::time::Duration::from_millis(1)),
        ));
    let got = client.get_order(&GetOrderParams::new("o1")).await;
    assert!(got.is_ok(), "a GET is retried: {got:?}");
    let replaced = client
        .replace_order(&ReplaceOrderParams::new("o1"), &NewOrder::new("tea"))
        .await;
    assert!(replaced.is_ok(), "a PUT is retried: {replaced:?}");
    let created = client.create_order(&NewOrder::new("tea")).await;
    assert!(created.is_err(), "a POST is not retried after a 503");
    let annotated = client
        .annotate_order(
            &shapes_api::types::AnnotateOrderParams::new("o1"),
            &Note::new("x"),
        )
        .await;
    assert!(annotated.is_err(), "a PATCH is not retried after a 503");
    // `x-idempotent: false` on the DELETE wins over its method.
    let cancelled = client
        .cancel_order(&shapes_api::types::CancelOrderParams::new("o1"))
        .await;
    assert!(cancelled.is_err(), "this DELETE is not retried after a 503");
    none_refused(&mock);
    let sent: Vec<_> = mock
        .calls()
        .into_iter()
        .filter_map(|call| call.operation)
        .collect();
    let attempts = ["getOrder", "getOrder", "replaceOrder", "replaceOrder"];
    let once = ["createOrder", "annotateOrder", "cancelOrder"];
    assert_eq!(sent, [attempts.as_slice(), once.as_slice()].concat());
}

#[tokio::test]
async fn the_signature_covers_the_method_the_path_and_the_query_as_sent() {
    let mock = MockApi::start().await;
    mock.get_order().respond_with(&order("o1"));
    mock.cancel_order().respond_with(&order("o1"));
    let params = GetOrderParams::new("o1").with_expand(vec!["lines".into()]);
    mock.client().get_order(&params).await.expect("answered");
    let sent = mock.calls().remove(0);
    let http = reqwest::Client::new();
    let again = |method: reqwest::Method, path_and_query: &str| {
        let mut request = http.request(method, format!("{}{path_and_query}", mock.uri()));
        for (name, value) in &sent.headers {
            if name != "host" {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        request.send()
    };
    // The same request again passes: the signature is the request's.
    let same = again(reqwest::Method::GET, "/v1/orders/o1?expand=lines").await;
    assert_eq!(same.expect("sent").status(), 200);
    for (method, changed) in [
        (reqwest::Method::GET, "/v1/orders/o1?expand=payments"),
        (reqwest::Method::GET, "/v1/orders/o2?expand=lines"),
        (reqwest::Method::DELETE, "/v1/orders/o1?expand=lines"),
    ] {
        let refused = again(method, changed).await.expect("sent");
        assert_eq!(refused.status(), 401, "{changed}");
    }
    let outcomes: Vec<bool> = mock
        .calls()
        .iter()
        .map(|call| matches!(call.outcome, Outcome::Refused(Refusal::BadSignature(_))))
        .collect();
    assert_eq!(outcomes, [false, false, true, true, true]);
}
