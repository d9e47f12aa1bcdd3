//! The bookshop fixture's command-line tool, run as a process against the bookshop client's
//! mock: the same runtime as the Calypso tool's, with another spec's names, headers,
//! envelope, error body and paging (pages from 0, no page count), so nothing in it is
//! Calypso's.

mod cli_support;

use bookshop_client::mock::{MockApi, Outcome};
use bookshop_client::types::{
    Book, BookPage, GetOrderRequest, Order, OrderBookRequest, OrderStatus, SearchBooksRequest,
    ShopError,
};
use bookshop_client::{Decimal, OffsetDateTime};
use cli_support::{Tool, assert_contains, json, ndjson, run};

/// The mock, served by a runtime of its own so that the test can block on the tool.
struct Shop {
    mock: MockApi,
    _runtime: tokio::runtime::Runtime,
}

impl Shop {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let mock = runtime.block_on(MockApi::start());
        Self {
            mock,
            _runtime: runtime,
        }
    }

    /// A run of the tool with the mock's credentials, from the bookshop tool's own variables.
    fn signed(&self, tool: &Tool) -> assert_cmd::Command {
        let mut command = tool.command();
        command.envs([
            ("BOOKSHOP_CLIENT_BASE_URL", self.mock.uri()),
            ("BOOKSHOP_CLIENT_ACCOUNT", "mock-account".to_owned()),
            ("BOOKSHOP_CLIENT_API_KEY", "mock-key".to_owned()),
            ("BOOKSHOP_CLIENT_API_SECRET", "mock-secret".to_owned()),
        ]);
        command
    }
}

fn book(n: i64) -> Book {
    Book::new(
        format!("978-{n}"),
        format!("Rust, part {n}"),
        Decimal::new(1250, 2),
    )
}

#[test]
fn an_order_is_sent_the_bookshop_s_way_and_its_answer_printed() {
    let shop = Shop::start();
    let tool = Tool::bookshop();
    let order = Order::new(
        7,
        "978-0",
        2,
        Decimal::new(5000, 2),
        OffsetDateTime::UNIX_EPOCH,
        OrderStatus::Placed,
    );
    shop.mock
        .order_book()
        .when(|request: &OrderBookRequest| request.isbn == "978-0" && request.quantity == 2)
        .respond_with(&order);

    let printed = run(
        shop.signed(&tool)
            .args(["order-book", "--isbn", "978-0", "--quantity", "2"]),
        0,
    );
    assert_contains(&printed.stdout, "\n  \"total\": 50.00,\n");
    let printed = json(&printed.stdout);
    assert_eq!(printed["id"], 7);
    assert_eq!(printed["quantity"], 2);
    assert_eq!(printed["status"], "PLACED");

    let calls = shop.mock.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let call = &calls[0];
    assert!(matches!(call.outcome, Outcome::Answered(_)), "{call:#?}");
    assert_eq!(call.path, "/v2/orders/create");
    let header = |name: &str| {
        call.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    };
    assert_eq!(header("x-api-key"), Some("mock-key"));
    assert_eq!(header("x-signature").map(str::len), Some(128));
    let envelope: serde_json::Value = serde_json::from_slice(&call.body).expect("JSON");
    assert_eq!(envelope["merchant"], "mock-account");
    assert!(envelope["sentAt"].as_i64().expect("seconds") < 10_000_000_000);
    assert_eq!(envelope["data"]["quantity"], 2);
}

#[test]
fn search_books_all_walks_from_page_0_to_the_first_empty_page() {
    let shop = Shop::start();
    let tool = Tool::bookshop();
    let pages: [&[i64]; 4] = [&[1, 2], &[3, 4], &[5], &[]];
    for (number, books) in (0_i64..).zip(pages) {
        let page = BookPage::new(books.iter().map(|n| book(*n)).collect::<Vec<_>>());
        shop.mock
            .search_books()
            .when(move |request: &SearchBooksRequest| request.page == number)
            .respond_with(&page);
    }

    // No --page: the walk starts at the spec's first page.
    let printed = run(
        shop.signed(&tool).args([
            "search-books",
            "--all",
            "--per-page",
            "2",
            "--title",
            "Rust",
        ]),
        0,
    );
    let items = ndjson(&printed.stdout);
    let isbns: Vec<&str> = items
        .iter()
        .map(|item| item["isbn"].as_str().expect("an isbn"))
        .collect();
    assert_eq!(isbns, ["978-1", "978-2", "978-3", "978-4", "978-5"]);
    for line in printed.stdout.lines() {
        assert_contains(line, "\"price\":12.50");
    }
    let requested: Vec<SearchBooksRequest> = shop.mock.search_books().calls();
    let numbers: Vec<i64> = requested.iter().map(|request| request.page).collect();
    assert_eq!(
        numbers,
        [0, 1, 2, 3],
        "up to the first empty page, no further"
    );
    for request in &requested {
        assert_eq!(request.per_page, Some(2));
        assert_eq!(request.title.as_deref(), Some("Rust"));
    }

    // One page, without --all, needs its number.
    let printed = run(
        shop.signed(&tool).args(["search-books", "--title", "Rust"]),
        2,
    );
    assert_contains(&printed.stderr, "missing field `page` (`page` is --page)");
    let printed = run(shop.signed(&tool).args(["search-books", "--page", "1"]), 0);
    assert_eq!(json(&printed.stdout)["books"][1]["isbn"], "978-4");
}

#[test]
fn search_books_all_starts_at_the_first_page_in_force_unless_a_page_is_given() {
    let shop = Shop::start();
    let tool = Tool::bookshop();
    for number in [1_i64, 2, 5] {
        let books = if number == 1 { vec![book(1)] } else { vec![] };
        shop.mock
            .search_books()
            .when(move |request: &SearchBooksRequest| request.page == number)
            .respond_with(&BookPage::new(books));
    }
    // A server that counts pages from 1: the walk starts there, not at the spec's 0.
    let printed = run(
        shop.signed(&tool)
            .args(["--first-page", "1", "search-books", "--all"]),
        0,
    );
    assert_eq!(ndjson(&printed.stdout).len(), 1, "{}", printed.stdout);
    // A page the body names is where the walk starts.
    run(
        shop.signed(&tool).args([
            "--first-page",
            "1",
            "search-books",
            "--all",
            "--body",
            r#"{"page":5}"#,
        ]),
        0,
    );
    let numbers: Vec<i64> = shop
        .mock
        .search_books()
        .calls()
        .iter()
        .map(|request| request.page)
        .collect();
    assert_eq!(numbers, [1, 2, 5]);
}

#[test]
fn the_shop_s_refusals_exit_1_with_its_own_error_body() {
    let shop = Shop::start();
    let tool = Tool::bookshop();
    shop.mock
        .get_order()
        .when(|request: &GetOrderRequest| request.order_id == 404)
        .respond_with_error(
            404,
            &ShopError::new()
                .with_code(40401)
                .with_reason("no such order"),
        );
    let printed = run(
        shop.signed(&tool).args(["get-order", "--order-id", "404"]),
        1,
    );
    assert_eq!(printed.stdout, "");
    assert_contains(
        &printed.stderr,
        "error: getOrder: the API refused the request with HTTP 404",
    );
    assert_contains(&printed.stderr, "\n  code: 40401\n");
    assert_contains(&printed.stderr, "\n  reason: no such order");

    // A wrong secret: the shop's own signature refusal, and the secret shows nowhere.
    let printed = run(
        shop.signed(&tool)
            .env("BOOKSHOP_CLIENT_API_SECRET", "not-the-mock-secret")
            .args(["-vv", "get-order", "--order-id", "1"]),
        1,
    );
    assert_contains(&printed.stderr, "HTTP 401");
    assert_contains(&printed.stderr, "\n  code: 40102\n");
    assert_contains(&printed.stderr, "\n> X-Api-Key: [redacted]\n");
    assert_contains(&printed.stderr, "\n> X-Signature: [redacted]\n");
    assert!(
        !printed.all().contains("not-the-mock-secret"),
        "{}",
        printed.all()
    );
}

#[test]
fn help_is_as_reviewed() {
    let tool = Tool::bookshop();
    let help = run(tool.command().arg("--help"), 0);
    insta::assert_snapshot!("help", help.stdout);
}
