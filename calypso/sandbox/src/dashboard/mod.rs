//! The dashboard: a web page at `GET /` showing the sandbox's state (clock, accounts,
//! customers, purses, transactions, events with their deliveries, the request log), and plain
//! HTML forms that act on it through the same [`Sandbox`] methods as the `/sandbox/` routes.
//!
//! The page is rendered on the server from `templates/dashboard.html`, auto-escaped by
//! minijinja, and runs no script: its Content-Security-Policy allows none, so even an escaping
//! bug could not run one. Long lists show their newest rows only.
//!
//! - `GET /?customer=…&operation=…&status=…&limit=…` → the page, narrowed by the filters
//! - `POST /dashboard/{deposit,advance,settle,resend,trigger,clock}` with a form → `303` to the
//!   page with a notice of what was done, or the page with the error (400, 404 or 409)

mod actions;
mod view;

use std::sync::LazyLock;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::{Environment, UndefinedBehavior};

use crate::Sandbox;
use view::{Filter, Page, PageQuery};

/// The template's name; its `.html` turns minijinja's HTML auto-escaping on.
const TEMPLATE_NAME: &str = "dashboard.html";

/// No script, image, font or frame from anywhere; inline styles only; forms post to the
/// sandbox itself; and no other site may frame the page to trick a click on its buttons.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The template, parsed once. A syntax error in it is this crate's bug, which every test that
/// renders the page finds; the page answers it as a 500 rather than panicking.
static TEMPLATES: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut environment = Environment::new();
    // A misspelt field is an error in the tests instead of an empty cell on the page.
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.add_filter("tone", tone);
    environment
        .add_template(
            TEMPLATE_NAME,
            include_str!("../../templates/dashboard.html"),
        )
        .map_err(|error| format!("{error:#}"))?;
    Ok(environment)
});

/// The page and its form routes, each answer with the headers of [`secure_headers`].
pub(crate) fn routes() -> Router<Sandbox> {
    let actions = Router::new()
        .route("/dashboard/deposit", post(actions::deposit))
        .route("/dashboard/advance", post(actions::advance))
        .route("/dashboard/settle", post(actions::settle))
        .route("/dashboard/resend", post(actions::resend))
        .route("/dashboard/trigger", post(actions::trigger))
        .route("/dashboard/clock", post(actions::clock))
        .layer(middleware::from_fn(crate::same_origin::only));
    Router::new()
        .route("/", get(show))
        .merge(actions)
        .layer(middleware::map_response(secure_headers))
}

/// `GET /`: the page, narrowed by the query's filters; a bad filter is shown as an error.
async fn show(
    State(sandbox): State<Sandbox>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let (filter, notice, error) = match query {
        Ok(Query(query)) => match Filter::parse(&query) {
            Ok(filter) => (filter, query.notice(), None),
            Err(error) => (Filter::default(), query.notice(), Some(error)),
        },
        Err(rejection) => (Filter::default(), None, Some(rejection.body_text())),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render(&Page::build(&sandbox, filter, notice, error), status)
}

/// The page as HTML with `status`; a template error as a plain 500.
fn render(page: &Page, status: StatusCode) -> Response {
    let html = TEMPLATES.as_ref().map_err(Clone::clone).and_then(|env| {
        env.get_template(TEMPLATE_NAME)
            .and_then(|template| template.render(minijinja::value::Serde(page)))
            .map_err(|error| format!("{error:#}"))
    });
    match html {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the sandbox could not render its dashboard: {error}"),
        )
            .into_response(),
    }
}

/// The badge colour of a state word, for the template's `|tone` filter.
fn tone(word: &str) -> &'static str {
    match word {
        "CONFIRMED" | "CHECKED" | "DELIVERED" | "COMPLETED" => "ok",
        "DECLINED" | "DECLINE" | "DROPPED" => "bad",
        "MEM_POOL_FOUND" | "PENDING_COMPLIANCE_CHECK" | "IN_PROGRESS" | "PENDING" => "wait",
        "PENDING_PAYMENT" => "live",
        _ => "muted",
    }
}

/// The headers of every dashboard answer: the page runs nothing it was not written to run, is
/// read as HTML only, and is never served from a cache (it changes with every action).
async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Not `no-referrer`: under it a browser sends `Origin: null` with the page's own posts,
    // which the cross-site check must refuse.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses() {
        assert!(TEMPLATES.is_ok(), "{:?}", TEMPLATES.as_ref().err());
    }
}
