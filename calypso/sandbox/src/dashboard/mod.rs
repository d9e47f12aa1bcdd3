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
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
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
        .layer(middleware::from_fn(same_origin_only));
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

/// Refuses a form post that a page of another origin made the browser send. The sandbox has
/// no login and listens on loopback, so without this any web page the developer has open could
/// drive it with a hidden, self-submitting form. Browsers say where a request comes from:
/// `Sec-Fetch-Site` (`same-origin` from the dashboard itself, `none` from the address bar) and
/// `Origin`. Even `same-site` is refused: another port of localhost is the same site. A client
/// that sends neither header is no browser, and no page can make it post.
async fn same_origin_only(request: Request, next: Next) -> Response {
    match cross_origin(request.headers()) {
        Some(why) => (
            StatusCode::FORBIDDEN,
            format!("refused: {why}; the dashboard's forms are posted from its own page only"),
        )
            .into_response(),
        None => next.run(request).await,
    }
}

/// Why the request comes from another origin than the sandbox's; `None` when it does not.
fn cross_origin(headers: &HeaderMap) -> Option<String> {
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        let site = String::from_utf8_lossy(site.as_bytes());
        return Some(format!("the browser says this post is {site}"));
    }
    let origin = headers.get(header::ORIGIN)?;
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    let origin_host = origin.to_str().ok().and_then(|origin| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
    });
    match (origin_host, host) {
        (Some(origin), Some(host)) if origin.eq_ignore_ascii_case(host) => None,
        _ => Some(format!(
            "the post comes from origin {}, not this sandbox ({})",
            String::from_utf8_lossy(origin.as_bytes()),
            host.unwrap_or("no Host header")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    header::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    #[test]
    fn only_posts_from_the_sandboxs_own_origin_or_no_browser_pass() {
        let host = ("host", "127.0.0.1:8080");
        for passing in [
            vec![],
            vec![host],
            vec![host, ("sec-fetch-site", "same-origin")],
            vec![host, ("sec-fetch-site", "none")],
            vec![host, ("origin", "http://127.0.0.1:8080")],
            vec![
                ("host", "LOCALHOST:8080"),
                ("origin", "http://localhost:8080"),
            ],
        ] {
            assert_eq!(cross_origin(&headers(&passing)), None, "{passing:?}");
        }
        for refused in [
            vec![host, ("sec-fetch-site", "cross-site")],
            vec![host, ("sec-fetch-site", "same-site")],
            vec![host, ("origin", "http://localhost:3000")],
            vec![host, ("origin", "https://evil.example")],
            vec![host, ("origin", "null")],
            vec![("origin", "http://127.0.0.1:8080")],
            vec![
                host,
                ("sec-fetch-site", "same-origin"),
                ("origin", "http://127.0.0.1:9"),
            ],
        ] {
            assert!(cross_origin(&headers(&refused)).is_some(), "{refused:?}");
        }
    }

    #[test]
    fn the_template_parses() {
        assert!(TEMPLATES.is_ok(), "{:?}", TEMPLATES.as_ref().err());
    }
}
