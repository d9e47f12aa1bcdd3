//! The one rule that keeps other web pages from driving the sandbox: its sandbox-only routes
//! and the dashboard's forms refuse requests a browser sends for a page of another origin.

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::failure::json_response;

/// Refuses a request that a page of another origin made the browser send. The sandbox has no
/// login and listens on loopback, so without this any web page the developer has open could
/// drive it with a hidden, self-submitting form (a `text/plain` post to a `/sandbox/` route
/// included, which needs no CORS preflight). Browsers say where a request comes from:
/// `Sec-Fetch-Site` (`same-origin` from the dashboard itself, `none` from the address bar) and
/// `Origin`. Even `same-site` is refused: another port of localhost is the same site. A client
/// that sends neither header is no browser, and no page can make it post.
pub(crate) async fn only(request: Request, next: Next) -> Response {
    match cross_origin(request.headers()) {
        Some(why) => json_response(
            StatusCode::FORBIDDEN,
            &serde_json::json!({
                "error": format!(
                    "refused: {why}; the sandbox's own routes and forms take requests from its \
                     own page or from programs only"
                )
            }),
        ),
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
    use axum::http::HeaderValue;

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
}
