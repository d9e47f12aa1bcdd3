//! Why a sandbox-only request was refused: answered 404, 400 or 409 over HTTP.

/// Why a sandbox-only (admin) request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminError {
    /// Nothing with this address or id exists.
    NotFound(String),
    /// The request is not valid.
    Invalid(String),
    /// The request conflicts with the current state.
    Conflict(String),
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound(message) | Self::Invalid(message) | Self::Conflict(message) => {
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for AdminError {}
