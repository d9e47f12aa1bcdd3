//! The sandbox clock: [`Settings::clock`](crate::Settings::clock) plus an offset that only
//! grows, so that a test or a person can jump ahead in time (like Stripe's test clocks) and see
//! what time does: expired addresses, due webhook retries, later timestamps.
//!
//! Every instant the sandbox uses comes from here: the timestamp check of each request, the
//! `Date` header, `createdDate` of transactions and webhooks, and the retry schedule. Clients
//! made by [`Running::client_builder`](crate::Running::client_builder) share it, so their
//! request timestamps move with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use calypso_customer_purse::{Clock, OffsetDateTime};
use serde::{Deserialize, Serialize};

use crate::admin_error::AdminError;

/// The longest single move: ten years. A larger one is a typo more often than a test.
pub const MAX_ADVANCE_SECONDS: i64 = 10 * 366 * 24 * 60 * 60;

/// The base clock and how far it was moved.
#[derive(Debug)]
pub(crate) struct SandboxClock {
    base: Arc<dyn Clock>,
    offset_millis: AtomicI64,
}

impl SandboxClock {
    pub(crate) fn new(base: Arc<dyn Clock>) -> Self {
        Self {
            base,
            offset_millis: AtomicI64::new(0),
        }
    }

    /// Moves the clock `seconds` ahead; only forward, at most [`MAX_ADVANCE_SECONDS`] at once.
    pub(crate) fn advance(&self, seconds: i64) -> Result<(), AdminError> {
        if !(1..=MAX_ADVANCE_SECONDS).contains(&seconds) {
            return Err(AdminError::Invalid(format!(
                "advanceSeconds must be 1 to {MAX_ADVANCE_SECONDS} (ten years): the clock only \
                 moves forward, and not by {seconds}"
            )));
        }
        self.offset_millis
            .fetch_add(seconds * 1000, Ordering::Relaxed);
        Ok(())
    }

    /// Sets the offset, as read back from a state file.
    pub(crate) fn restore_offset(&self, millis: i64) {
        self.offset_millis.store(millis, Ordering::Relaxed);
    }

    pub(crate) fn offset_millis(&self) -> i64 {
        self.offset_millis.load(Ordering::Relaxed)
    }

    /// Now, as an instant; a clock outside what `OffsetDateTime` holds reads as the epoch.
    pub(crate) fn now(&self) -> OffsetDateTime {
        at_millis(self.now_unix_millis())
    }

    /// What the clock reads, for the HTTP route and [`Sandbox::clock`](crate::Sandbox::clock).
    pub(crate) fn reading(&self) -> ClockReading {
        let now_unix_millis = self.now_unix_millis();
        ClockReading {
            now: rfc3339(at_millis(now_unix_millis)),
            now_unix_millis,
            offset_seconds: self.offset_millis() / 1000,
        }
    }
}

impl Clock for SandboxClock {
    fn now_unix_millis(&self) -> i64 {
        self.base
            .now_unix_millis()
            .saturating_add(self.offset_millis.load(Ordering::Relaxed))
    }
}

/// The sandbox clock as `GET /sandbox/clock` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockReading {
    /// Now, in RFC 3339 (UTC).
    pub now: String,
    /// Now, in milliseconds since the Unix epoch.
    pub now_unix_millis: i64,
    /// How far the clock was moved ahead of its base clock, in seconds.
    pub offset_seconds: i64,
}

/// A move of the clock, as `POST /sandbox/clock` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockAdvance {
    /// How many seconds to move ahead: 1 to [`MAX_ADVANCE_SECONDS`].
    pub advance_seconds: i64,
}

/// `millis` since the epoch as an instant; out of range reads as the epoch.
pub(crate) fn at_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `at` in milliseconds since the Unix epoch, saturating.
pub(crate) fn unix_millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// `at` in RFC 3339, e.g. `2023-11-14T22:13:20.5Z`.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use calypso_customer_purse::FixedClock;

    use super::*;

    fn fixed() -> SandboxClock {
        SandboxClock::new(Arc::new(FixedClock {
            unix_millis: 1_700_000_000_000,
        }))
    }

    #[test]
    fn moves_forward_by_whole_seconds_and_adds_up() {
        let clock = fixed();
        clock.advance(60).unwrap();
        clock.advance(1).unwrap();
        assert_eq!(clock.now_unix_millis(), 1_700_000_061_000);
        let reading = clock.reading();
        assert_eq!(reading.offset_seconds, 61);
        assert_eq!(reading.now, "2023-11-14T22:14:21Z");
    }

    #[test]
    fn refuses_backward_zero_and_absurd_moves_and_stays_put() {
        let clock = fixed();
        for seconds in [0, -1, i64::MIN, MAX_ADVANCE_SECONDS + 1, i64::MAX] {
            assert!(
                matches!(clock.advance(seconds), Err(AdminError::Invalid(_))),
                "{seconds}"
            );
        }
        clock.advance(MAX_ADVANCE_SECONDS).unwrap();
        assert_eq!(clock.offset_millis(), MAX_ADVANCE_SECONDS * 1000);
    }

    #[test]
    fn a_clock_at_the_end_of_time_saturates_instead_of_overflowing() {
        let clock = SandboxClock::new(Arc::new(FixedClock {
            unix_millis: i64::MAX - 5,
        }));
        clock.advance(1).unwrap();
        assert_eq!(clock.now_unix_millis(), i64::MAX);
        assert_eq!(clock.now(), OffsetDateTime::UNIX_EPOCH);
    }
}
