//! Fields that hold a value, required or optional, for the serde helpers of this folder:
//! one `with` module serves both `T` and `Option<T>`.

/// A field that holds a `T`, required or optional.
pub(crate) trait Field<T>: Sized {
    /// The value, if the field holds one.
    fn get(&self) -> Option<&T>;

    /// The field for a value read from JSON (`None` for `null` or absent).
    fn from_value(value: Option<T>) -> Result<Self, &'static str>;
}

impl<T> Field<T> for T {
    fn get(&self) -> Option<&T> {
        Some(self)
    }

    fn from_value(value: Option<T>) -> Result<Self, &'static str> {
        value.ok_or("null where a value is required")
    }
}

impl<T> Field<T> for Option<T> {
    fn get(&self) -> Option<&T> {
        self.as_ref()
    }

    fn from_value(value: Option<T>) -> Result<Self, &'static str> {
        Ok(value)
    }
}
