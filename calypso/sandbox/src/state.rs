//! State that survives a restart ([`Settings::state_file`](crate::Settings::state_file),
//! `--state FILE`): everything the sandbox keeps, as records of an SQLite file, saved as each
//! change happens so that a sandbox killed mid-request loses at most that request.
//!
//! What is kept: accounts added by file, customers, purses and addresses, transactions, webhook
//! subscriptions, events with their deliveries, and the clock's offset. The request log is
//! not: it is a debugging aid, and the bodies it holds would make the file grow for ever.

use std::sync::Arc;

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::Settings;
use crate::accounts::Credentials;
use crate::clock::SandboxClock;
use crate::ledger::Ledger;
use crate::store::{Record, Store};
use crate::webhooks::Webhooks;

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
