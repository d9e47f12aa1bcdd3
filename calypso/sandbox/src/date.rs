//! The `Date` header of every answer, from the sandbox clock rather than the system clock, so a
//! client whose timestamp was refused (errorCode 011) can learn the server's time from it.

use std::time::{Duration, SystemTime};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use calypso_customer_purse::Clock;

use crate::Sandbox;

/// The last instant IMF-fixdate can write: 9999-12-31T23:59:59.999Z, in Unix milliseconds.
const LAST_WRITABLE_MILLIS: i64 = 253_402_300_799_999;

/// Sets `Date` on the answer (hyper would otherwise add one from the system clock).
pub(crate) async fn set_date_header(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let now = sandbox.shared.clock.now_unix_millis();
    response.headers_mut().insert(header::DATE, http_date(now));
    response
}

/// `unix_millis` as an IMF-fixdate (`Tue, 14 Nov 2023 22:13:20 GMT`), truncated to the second.
/// The format covers the years 1970 to 9999; a clock outside them is written as the nearest end.
pub(crate) fn http_date(unix_millis: i64) -> HeaderValue {
    let millis = unix_millis.clamp(0, LAST_WRITABLE_MILLIS).unsigned_abs();
    let instant = SystemTime::UNIX_EPOCH + Duration::from_millis(millis);
    HeaderValue::from_str(&httpdate::fmt_http_date(instant)).expect("an HTTP date is visible ASCII")
}

#[cfg(test)]
mod tests {
    use super::http_date;

    #[test]
    fn writes_imf_fixdate_truncated_to_the_second() {
        assert_eq!(
            http_date(1_700_000_000_999),
            "Tue, 14 Nov 2023 22:13:20 GMT"
        );
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn a_clock_outside_the_format_is_clamped_not_a_panic() {
        assert_eq!(http_date(-1), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(i64::MIN), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(i64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
    }
}
