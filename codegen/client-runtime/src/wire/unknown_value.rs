//! The holder of enum values this version of the crate does not know.

/// A value of an open enum that this version of the crate does not know.
///
/// Servers may add enum values at any time; such a value is kept, not rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownValue(String);

impl UnknownValue {
    pub(crate) fn new(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The value as it was received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
