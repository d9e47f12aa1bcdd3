//! Where a sandbox with a state file saves: records of a kind, a key and a JSON body, in an
//! SQLite file (`state_file.rs`) when the `state` feature is on.

use std::path::Path;

use serde::Serialize;

/// One record: a kind (e.g. "customer"), a key unique within its kind, and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// What the record is, e.g. "customer"; records of several kinds share the file.
    pub(crate) kind: String,
    /// The record's identity within its kind: saving the same kind and key again updates it.
    pub(crate) key: String,
    /// The record itself, as JSON; stored and returned as it is, not parsed here.
    pub(crate) body: String,
}

impl Record {
    /// `value` as a record of `kind` under `key`.
    pub(crate) fn new(kind: &str, key: impl Into<String>, value: &impl Serialize) -> Self {
        Self {
            kind: kind.to_owned(),
            key: key.into(),
            body: serde_json::to_string(value)
                .expect("saved values have string keys and no value that fails to serialize"),
        }
    }

    /// The body as a `T`, or why it is not one (naming the record).
    pub(crate) fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_str(&self.body).map_err(|error| {
            format!(
                "its {} record `{}` is damaged: {error}",
                self.kind, self.key
            )
        })
    }
}

/// Where the state is saved. Without the `state` feature there is none (an empty enum).
pub(crate) enum Store {
    /// An SQLite file.
    #[cfg(feature = "state")]
    File(crate::state_file::StateFile),
}

impl Store {
    /// Opens (or creates) the state file at `path` and reads back what it holds, in the order
    /// it was first saved.
    pub(crate) fn open(path: &Path) -> Result<(Self, Vec<Record>), String> {
        #[cfg(feature = "state")]
        {
            let file = crate::state_file::StateFile::open(path).map_err(|e| e.to_string())?;
            let records = file.load().map_err(|error| error.to_string())?;
            Ok((Self::File(file), records))
        }
        #[cfg(not(feature = "state"))]
        Err(format!(
            "cannot keep state in {}: this sandbox was built without its `state` feature",
            path.display()
        ))
    }

    /// Saves `records`, all or none.
    pub(crate) fn save(&self, records: &[Record]) -> Result<(), String> {
        if records.is_empty() {
            return Ok(());
        }
        match *self {
            #[cfg(feature = "state")]
            Self::File(ref file) => file.save(records).map_err(|error| error.to_string()),
        }
    }
}
