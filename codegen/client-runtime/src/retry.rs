//! Retries: which failures are worth another attempt, and how long to wait before it.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::error::Error;

/// How a client repeats calls that failed for a passing reason.
///
/// Operations that are safe to repeat (the spec marks them `x-idempotent`) are retried
/// after a connection error, a timeout, HTTP 429 or a 5xx, up to
/// [`max_attempts`](Self::max_attempts) attempts in all. Between attempts the client
/// waits `base_delay × 2ⁿ` (n = 0 for the first retry), capped at
/// [`max_delay`](Self::max_delay) and jittered to between half and all of it, so that
/// many clients do not retry in step. A `Retry-After` header on a 429 or 503 replaces
/// that wait; when it asks for longer than `max_delay`, the call gives up and returns
/// the error, whose [`Error::retry_after`] says how long the server asked for.
///
/// Operations that change state are retried only when the request certainly never
/// reached the server (the connection could not be made), unless the call opts in
/// with [`RequestOptions::retry_state_changing`].
///
/// Every attempt is stamped with the current time and signed anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl RetryPolicy {
    /// The default: 3 attempts, a 250 ms base delay, waits of at most 10 s.
    pub const DEFAULT: Self = Self {
        max_attempts: 3,
        base_delay: Duration::from_millis(250),
        max_delay: Duration::from_secs(10),
    };

    /// One attempt per call: no retries.
    pub const NONE: Self = Self {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// At most `max_attempts` attempts per call (at least 1), waiting `base_delay`
    /// before the first retry and twice as long before each next one, up to the
    /// default cap of 10 s (or `base_delay`, if longer).
    pub fn new(max_attempts: u32, base_delay: Duration) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            base_delay,
            max_delay: Self::DEFAULT.max_delay.max(base_delay),
        }
    }

    /// The longest wait between two attempts, and the longest `Retry-After` honoured.
    #[must_use]
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The most attempts per call, the first one included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before the first retry, before jitter.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest wait between two attempts.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The wait before retry number `retry` (1 for the first): the capped exponential
    /// delay, reduced by up to half of it according to `jitter`.
    pub(crate) fn backoff(&self, retry: u32, jitter: u64) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let delay = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = delay / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let extra = match spread.checked_add(1) {
            Some(choices) => jitter % choices,
            None => jitter,
        };
        half + Duration::from_nanos(extra)
    }
}

impl Default for RetryPolicy {
    /// [`RetryPolicy::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Settings for the calls made through one [`Client`](crate::Client) value, in place of
/// the client's own; see [`Client::with_options`](crate::Client::with_options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry_policy: Option<RetryPolicy>,
    pub(crate) retry_state_changing: bool,
}

impl RequestOptions {
    /// No overrides: the client's settings apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most time one attempt may take, from sending the request to reading the
    /// whole response.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy, in place of the client's.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Retries operations that change state on the same failures as reads.
    ///
    /// A timeout or a 5xx does not say whether the server acted on the request, so a
    /// retry may do the change twice. Opt in only when that is harmless for this
    /// call: when the change is the same however often it is made, or when the server
    /// refuses a duplicate (a create with a unique external ID, say).
    #[must_use]
    pub fn retry_state_changing(mut self, retry: bool) -> Self {
        self.retry_state_changing = retry;
        self
    }
}

/// Whether a failed attempt is worth another. `repeatable`: the operation is safe to
/// repeat, or the call opted in.
pub(crate) fn is_retryable(error: &Error, repeatable: bool) -> bool {
    match error {
        Error::Transport(transport) if transport.is_builder() => false,
        Error::Transport(_) => repeatable || !error.request_may_have_reached_server(),
        Error::ResponseBody { .. } => repeatable,
        Error::Api(_) | Error::UnexpectedStatus { .. } => {
            repeatable
                && error.status().is_some_and(|status| {
                    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
                })
        }
        _ => false,
    }
}

/// The wait a 429 or 503 asks for in `Retry-After`: seconds, or an HTTP date
/// (measured from `now_unix_millis`).
pub(crate) fn retry_after(
    status: StatusCode,
    headers: &HeaderMap,
    now_unix_millis: i64,
) -> Option<Duration> {
    if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = crate::clock::parse_http_date(value)?;
    let millis = at.saturating_sub(now_unix_millis).max(0);
    Some(Duration::from_millis(u64::try_from(millis).unwrap_or(0)))
}

/// A random number for jitter. `RandomState` is seeded afresh for each value; the
/// quality is more than jitter needs, and it saves a dependency.
pub(crate) fn jitter() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stays_within_half_and_all_of_the_delay() {
        let policy = RetryPolicy::new(5, Duration::from_millis(100));
        for (retry, full) in [(1, 100), (2, 200), (3, 400), (4, 800)] {
            let full = Duration::from_millis(full);
            assert_eq!(policy.backoff(retry, 0), full / 2);
            for seed in 0..50u64 {
                let wait = policy.backoff(retry, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                assert!(
                    wait >= full / 2 && wait <= full,
                    "{wait:?} for retry {retry}"
                );
            }
        }
    }

    #[test]
    fn the_jitter_picks_each_wait_from_half_to_all_of_the_delay_and_wraps_past_it() {
        // 100 ms before jitter: 50 ms, plus 0 to 50,000,000 ns (50,000,001 choices).
        let policy = RetryPolicy::new(2, Duration::from_millis(100));
        let half = Duration::from_millis(50);
        let nanos = Duration::from_nanos;
        assert_eq!(policy.backoff(1, 0), half);
        assert_eq!(policy.backoff(1, 1), half + nanos(1));
        assert_eq!(policy.backoff(1, 49_999_999), half + nanos(49_999_999));
        assert_eq!(policy.backoff(1, 50_000_000), Duration::from_millis(100));
        assert_eq!(policy.backoff(1, 50_000_001), half);
        assert_eq!(policy.backoff(1, 50_000_003), half + nanos(2));
        // u64::MAX = 368,934,874,095 × 50,000,001 + 24,677,520
        assert_eq!(policy.backoff(1, u64::MAX), half + nanos(24_677_520));
        // The second retry: 200 ms before jitter.
        assert_eq!(policy.backoff(2, 7), Duration::from_millis(100) + nanos(7));
    }

    #[test]
    fn waits_drawn_with_fresh_jitter_spread_over_the_whole_range() {
        // Many clients retrying at once must not wait alike: each draw is fresh, so among
        // 200 some fall in each half of the range (each half missed: a chance of 2^-200).
        let policy = RetryPolicy::new(2, Duration::from_millis(100));
        let waits: Vec<Duration> = (0..200).map(|_| policy.backoff(1, jitter())).collect();
        let middle = Duration::from_millis(75);
        assert!(waits.iter().all(|wait| {
            (Duration::from_millis(50)..=Duration::from_millis(100)).contains(wait)
        }));
        assert!(waits.iter().any(|wait| *wait < middle), "{waits:?}");
        assert!(waits.iter().any(|wait| *wait > middle), "{waits:?}");
    }

    #[test]
    fn a_policy_reports_the_attempts_and_delays_it_was_given() {
        let policy = RetryPolicy::new(4, Duration::from_millis(300));
        assert_eq!(policy.max_attempts(), 4);
        assert_eq!(policy.base_delay(), Duration::from_millis(300));
        assert_eq!(policy.max_delay(), Duration::from_secs(10));
        let capped = policy.with_max_delay(Duration::from_secs(2));
        assert_eq!(capped.max_delay(), Duration::from_secs(2));
        assert_eq!(capped.base_delay(), Duration::from_millis(300));
        // The cap is never below the first wait, and one attempt is always made.
        let slow = RetryPolicy::new(0, Duration::from_secs(20));
        assert_eq!(slow.max_delay(), Duration::from_secs(20));
        assert_eq!(slow.max_attempts(), 1);
        assert_eq!(RetryPolicy::default(), RetryPolicy::DEFAULT);
        assert_eq!(
            RetryPolicy::DEFAULT.base_delay(),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn backoff_is_capped() {
        let policy =
            RetryPolicy::new(40, Duration::from_secs(1)).with_max_delay(Duration::from_secs(3));
        assert!(policy.backoff(30, jitter()) <= Duration::from_secs(3));
        assert!(policy.backoff(u32::MAX, jitter()) <= Duration::from_secs(3));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_on_429_and_503_only() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(
            retry_after(StatusCode::TOO_MANY_REQUESTS, &headers, 0),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(StatusCode::SERVICE_UNAVAILABLE, &headers, 0),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(StatusCode::INTERNAL_SERVER_ERROR, &headers, 0),
            None
        );
        headers.insert(
            RETRY_AFTER,
            "Thu, 01 Jan 1970 00:00:30 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(StatusCode::TOO_MANY_REQUESTS, &headers, 10_000),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            retry_after(StatusCode::TOO_MANY_REQUESTS, &headers, 60_000),
            Some(Duration::ZERO)
        );
        headers.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(
            retry_after(StatusCode::TOO_MANY_REQUESTS, &headers, 0),
            None
        );
    }
}
