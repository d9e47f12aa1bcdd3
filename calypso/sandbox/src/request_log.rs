//! The request log: the last requests to the merchant API, kept so that a test or a person can
//! look up what a client sent and what it got back, and why a request was refused.
//!
//! It keeps the bodies and the API key, never the `Sign` header nor any secret. It is bounded:
//! past [`Settings::request_log_limit`](crate::Settings::request_log_limit) entries, the oldest
//! goes. It lives in memory only, also with `--state`: it is a debugging aid, not state.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::PoisonError;

use serde::{Deserialize, Serialize};

/// One request to the merchant API and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    /// Its number in this sandbox's run; it increases with every logged request.
    pub id: u64,
    /// When it arrived on the sandbox clock, in RFC 3339.
    pub at: String,
    /// When it arrived on the sandbox clock, in milliseconds since the Unix epoch.
    pub at_unix_millis: i64,
    /// The `traceId` of the answer, also in the sandbox's log line.
    pub trace_id: String,
    /// The HTTP method.
    pub method: String,
    /// The path, e.g. `/api/v1/customer-purse/customer/get`.
    pub path: String,
    /// The operation's path after the merchant prefix (e.g. `customer/get`); `None` for a path
    /// that is no operation.
    pub operation: Option<String>,
    /// The `Key` header: the public API key. The `Sign` header is never kept.
    pub key: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The provider's `errorCode` of a refused request, e.g. `003`.
    pub error_code: Option<String>,
    /// Why it was refused, as the answer's `message` says.
    pub refusal: Option<String>,
    /// How long the sandbox took to answer, in microseconds.
    pub duration_micros: u64,
    /// The request body, as sent (invalid UTF-8 replaced).
    pub request_body: String,
    /// The answer's body.
    pub response_body: String,
}

/// Which logged requests to list; every field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestFilter {
    /// Only this operation, named like [`LoggedRequest::operation`] (`customer/get`).
    pub operation: Option<String>,
    /// Only answers with this HTTP status.
    pub status: Option<u16>,
    /// Only requests that arrived at or after this instant, in milliseconds since the Unix
    /// epoch (over HTTP, `since` also takes RFC 3339).
    pub since: Option<i64>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

impl RequestFilter {
    fn keeps(&self, request: &LoggedRequest) -> bool {
        self.operation
            .as_deref()
            .is_none_or(|operation| request.operation.as_deref() == Some(operation))
            && self.status.is_none_or(|status| request.status == status)
            && self
                .since
                .is_none_or(|since| request.at_unix_millis >= since)
    }
}

/// The last `limit` requests, oldest first.
pub(crate) struct RequestLog {
    limit: usize,
    entries: Mutex<Log>,
}

#[derive(Default)]
struct Log {
    entries: VecDeque<LoggedRequest>,
    last_id: u64,
}

impl RequestLog {
    /// Keeps the last `limit` requests; 0 keeps none.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            entries: Mutex::new(Log::default()),
        }
    }

    pub(crate) fn is_on(&self) -> bool {
        self.limit > 0
    }

    /// Adds `request`, numbering it and dropping the oldest past the limit.
    pub(crate) fn push(&self, mut request: LoggedRequest) {
        if self.limit == 0 {
            return;
        }
        let mut log = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        log.last_id += 1;
        request.id = log.last_id;
        if log.entries.len() == self.limit {
            log.entries.pop_front();
        }
        log.entries.push_back(request);
    }

    /// The requests `filter` keeps, newest first.
    pub(crate) fn list(&self, filter: &RequestFilter) -> Vec<LoggedRequest> {
        let log = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        log.entries
            .iter()
            .rev()
            .filter(|request| filter.keeps(request))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// How many requests are kept now.
    #[allow(dead_code)] // For the dashboard's "N of M", wired next.
    pub(crate) fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(operation: &str, status: u16, at: i64) -> LoggedRequest {
        LoggedRequest {
            id: 0,
            at: String::new(),
            at_unix_millis: at,
            trace_id: String::new(),
            method: "POST".into(),
            path: format!("/api/v1/customer-purse/{operation}"),
            operation: Some(operation.into()),
            key: None,
            status,
            error_code: None,
            refusal: None,
            duration_micros: 0,
            request_body: String::new(),
            response_body: String::new(),
        }
    }

    #[test]
    fn keeps_the_last_limit_newest_first_numbered() {
        let log = RequestLog::new(3);
        for at in 1..=5 {
            log.push(request("customer/get", 200, at));
        }
        let listed = log.list(&RequestFilter::default());
        let ids: Vec<u64> = listed.iter().map(|r| r.id).collect();
        assert_eq!(ids, [5, 4, 3]);
        assert_eq!(log.len(), 3);
    }

    #[test]
    fn filters_by_operation_status_since_and_limit() {
        let log = RequestLog::new(10);
        log.push(request("customer/get", 200, 10));
        log.push(request("customer/create", 400, 20));
        log.push(request("customer/get", 400, 30));
        log.push(request("customer/get", 200, 40));
        let ids = |filter: RequestFilter| -> Vec<u64> {
            log.list(&filter).iter().map(|r| r.id).collect()
        };
        let get = || Some("customer/get".to_owned());
        assert_eq!(
            ids(RequestFilter {
                operation: get(),
                ..RequestFilter::default()
            }),
            [4, 3, 1]
        );
        assert_eq!(
            ids(RequestFilter {
                status: Some(400),
                ..RequestFilter::default()
            }),
            [3, 2]
        );
        assert_eq!(
            ids(RequestFilter {
                since: Some(30),
                ..RequestFilter::default()
            }),
            [4, 3]
        );
        assert_eq!(
            ids(RequestFilter {
                operation: get(),
                limit: Some(1),
                ..RequestFilter::default()
            }),
            [4]
        );
    }

    #[test]
    fn a_limit_of_zero_keeps_nothing() {
        let log = RequestLog::new(0);
        log.push(request("customer/get", 200, 1));
        assert!(!log.is_on());
        assert!(log.list(&RequestFilter::default()).is_empty());
    }
}
