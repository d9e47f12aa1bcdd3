//! State that survives a restart ([`Settings::state_file`](crate::Settings::state_file),
//! `--state FILE`): everything the sandbox keeps, as records of an SQLite file, saved as each
//! change happens so that a sandbox killed mid-request loses at most that request.
//!
//! What is kept: accounts added by file, customers, purses and addresses, transactions, webhook
//! subscriptions, events with their deliveries, and the clock's offset. The request log is
//! not: it is a debugging aid, and the bodies it holds would make the file grow for ever.

use std::path::Path;
use std::sync::Arc;

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::Settings;
use crate::accounts::Credentials;
use crate::clock::SandboxClock;
use crate::ledger::Ledger;
use crate::webhooks::Webhooks;

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

/// The kind of an account's record.
pub(crate) const ACCOUNT: &str = "account";
/// The kind of the clock's record.
pub(crate) const CLOCK: &str = "clock";

/// An account added by file, as kept (with its secret: the state file is as private as the
/// accounts file it came from).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedAccount {
    account: String,
    api_key: String,
    api_secret: String,
}

/// The record of an account; `None` for the demo pair, which every sandbox has unless told not.
pub(crate) fn account_record(pair: &Credentials) -> Option<Record> {
    (!pair.is_demo()).then(|| {
        let saved = SavedAccount {
            account: pair.account.clone(),
            api_key: pair.api_key.clone(),
            api_secret: pair.api_secret.expose_secret().to_owned(),
        };
        Record::new(ACCOUNT, &pair.api_key, &saved)
    })
}

/// An account record read back.
pub(crate) fn read_account(record: &Record) -> Result<Credentials, String> {
    let saved: SavedAccount = record.read()?;
    Ok(Credentials::new(
        saved.account,
        saved.api_key,
        secrecy::SecretString::from(saved.api_secret),
    ))
}

/// A state file opened, and what it held, to put back into a new sandbox.
pub(crate) struct Saved {
    store: Option<Arc<Store>>,
    records: Vec<Record>,
}

impl Saved {
    /// Opens the state file of `settings`, if any, and adds the accounts an earlier run was
    /// given to its key pairs, unless they are given again now.
    pub(crate) fn open(settings: &mut Settings) -> Result<Self, String> {
        let Some(path) = &settings.state_file else {
            return Ok(Self {
                store: None,
                records: Vec::new(),
            });
        };
        let (store, records) = Store::open(path)?;
        let mut kept = Vec::new();
        for record in records.iter().filter(|record| record.kind == ACCOUNT) {
            let pair = read_account(record).map_err(|error| in_file(settings, error))?;
            let given = settings.credentials.iter();
            if !given
                .clone()
                .any(|pair_given| pair_given.api_key == pair.api_key)
            {
                kept.push(pair);
            }
        }
        settings.credentials.extend(kept);
        Ok(Self {
            store: Some(Arc::new(store)),
            records,
        })
    }

    /// Where the new sandbox saves its changes.
    pub(crate) fn store(&self) -> Option<Arc<Store>> {
        self.store.clone()
    }

    /// Puts every record back, in the order it was first saved; then tracks changes to save,
    /// resumes pending deliveries, and saves the accounts given now for the next run.
    pub(crate) fn restore(
        self,
        settings: &Settings,
        clock: &SandboxClock,
        ledger: &mut Ledger,
        webhooks: &Webhooks,
    ) -> Result<(), String> {
        let Some(store) = self.store else {
            return Ok(());
        };
        let in_file = |error: String| in_file(settings, error);
        for record in &self.records {
            let restored = match record.kind.as_str() {
                ACCOUNT => true,
                CLOCK => {
                    clock.restore_offset(record.read().map_err(in_file)?);
                    true
                }
                _ => {
                    ledger.restore(record).map_err(in_file)?
                        || webhooks.restore(record).map_err(in_file)?
                }
            };
            if !restored {
                return Err(in_file(format!(
                    "it holds a {} record, which this sandbox does not know; was it written by \
                     a newer one?",
                    record.kind
                )));
            }
        }
        ledger.track_changes();
        webhooks.resume();
        let accounts: Vec<Record> = settings
            .credentials
            .iter()
            .filter_map(account_record)
            .collect();
        store.save(&accounts)
    }
}

/// `error` about the state file, naming it.
fn in_file(settings: &Settings, error: String) -> String {
    match &settings.state_file {
        Some(path) => format!("state file {}: {error}", path.display()),
        None => error,
    }
}
