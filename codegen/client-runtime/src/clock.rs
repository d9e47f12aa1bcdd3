//! The clock that stamps each request. Replace it in tests to make requests repeatable.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch (UTC).
    fn now_unix_millis(&self) -> i64;
}

/// The system's clock; the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_millis(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        }
    }
}

/// A clock stopped at one instant, for tests and replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock {
    /// The instant, in milliseconds since the Unix epoch (UTC).
    pub unix_millis: i64,
}

impl Clock for FixedClock {
    fn now_unix_millis(&self) -> i64 {
        self.unix_millis
    }
}

/// The instant an HTTP date names (`Tue, 24 Nov 2026 16:23:49 GMT`), in milliseconds
/// since the Unix epoch.
pub(crate) fn parse_http_date(text: &str) -> Option<i64> {
    let at =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc2822)
            .ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_http_dates() {
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:01 GMT"),
            Some(1_000)
        );
        assert_eq!(
            parse_http_date("Tue, 24 Nov 2026 16:23:49 GMT"),
            Some(1_795_537_429_000)
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }
}
