//! Injected faults: the next merchant requests that match fail, touching nothing.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::MERCHANT_PATH_PREFIX;
use crate::admin_error::AdminError;
use crate::failure::Failure;

/// An injected fault: the next `count` merchant requests that pass authentication (and match
/// `operation`, when given) fail with `status` and error code 000 without touching any state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// How many requests fail; 1 when absent.
    #[serde(default = "one")]
    pub count: u32,
    /// The HTTP status of the failures, 400–599; 500 when absent.
    #[serde(default = "internal_server_error")]
    pub status: u16,
    /// Only this operation's requests fail, named by its path after the merchant prefix (e.g.
    /// `customer/get`); all operations when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A `Retry-After` header, in seconds, on the failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

fn one() -> u32 {
    1
}

fn internal_server_error() -> u16 {
    500
}

impl Default for Fault {
    /// One 500 on any operation.
    fn default() -> Self {
        Self {
            count: one(),
            status: internal_server_error(),
            operation: None,
            retry_after_seconds: None,
        }
    }
}

impl Fault {
    pub(crate) fn validate(&self) -> Result<(), AdminError> {
        if self.count == 0 {
            return Err(AdminError::Invalid("count must be at least 1".into()));
        }
        if !(400..=599).contains(&self.status) {
            return Err(AdminError::Invalid(format!(
                "status must be 400–599, not {}",
                self.status
            )));
        }
        Ok(())
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        self.operation.as_deref().is_none_or(|operation| {
            path.strip_prefix(MERCHANT_PATH_PREFIX) == Some(operation.trim_start_matches('/'))
        })
    }

    pub(crate) fn failure(&self) -> Failure {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Failure {
            retry_after: self.retry_after_seconds,
            ..Failure::internal(status, "internal error injected by the sandbox")
        }
    }
}
