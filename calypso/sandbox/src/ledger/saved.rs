//! The ledger as records of the state file: each changed item is written whole, and read back
//! in the order it was first saved, which is the order it was made (purse and transaction
//! positions, and so the order of listings, come back the same).

use calypso_customer_purse::Uuid;
use calypso_customer_purse::types::{Customer, PurseStatus, Transaction};
use serde::{Deserialize, Serialize};

use super::{AddressOwner, Change, Ledger};
use crate::book::{BookChange, StoredPurse, StoredTransaction};
use crate::currencies::AddressFamily;
use crate::deposit::Outcome;
use crate::store::Record;

const CUSTOMER: &str = "customer";
const PURSE: &str = "purse";
const TRANSACTION: &str = "transaction";
const ADDRESS: &str = "address";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedCustomer {
    account: String,
    customer: Customer,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedPurse {
    account: String,
    customer_id: Uuid,
    id: Uuid,
    currency: String,
    address: String,
    status: PurseStatus,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedTransaction {
    account: String,
    customer_id: Uuid,
    address: String,
    sequence: u64,
    outcome: Outcome,
    transaction: Transaction,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedAddress {
    address: String,
    account: String,
    customer_id: Uuid,
    family: AddressFamily,
    expires_at_millis: i64,
    expired: bool,
}

impl Ledger {
    /// The records of `changes`, as the items are now.
    pub(crate) fn records(&self, changes: &[Change]) -> Vec<Record> {
        changes
            .iter()
            .filter_map(|change| self.record(change))
            .collect()
    }

    fn record(&self, change: &Change) -> Option<Record> {
        match change {
            Change::Address(address) => {
                let owner = self.addresses.get(address)?;
                let saved = SavedAddress {
                    address: address.clone(),
                    account: owner.account.clone(),
                    customer_id: owner.customer_id,
                    family: owner.family,
                    expires_at_millis: owner.expires_at_millis,
                    expired: owner.expired,
                };
                Some(Record::new(ADDRESS, address, &saved))
            }
            Change::Book(account, change) => {
                let book = self.books.get(account)?;
                let account = account.clone();
                match *change {
                    BookChange::Customer(id) => {
                        let customer = book.customer(id).ok()?.clone();
                        let saved = SavedCustomer { account, customer };
                        Some(Record::new(CUSTOMER, id.to_string(), &saved))
                    }
                    BookChange::Purse(position) => {
                        let purse = book.purse_at_position(position)?;
                        let saved = SavedPurse {
                            account,
                            customer_id: purse.customer_id,
                            id: purse.id,
                            currency: purse.currency.clone(),
                            address: purse.address.clone(),
                            status: purse.status.clone(),
                        };
                        Some(Record::new(PURSE, purse.id.to_string(), &saved))
                    }
                    BookChange::Transaction(position) => {
                        let stored = book.transaction_at_position(position)?;
                        let saved = SavedTransaction {
                            account,
                            customer_id: stored.customer_id,
                            address: stored.address.clone(),
                            sequence: stored.sequence,
                            outcome: stored.outcome,
                            transaction: stored.transaction.clone(),
                        };
                        let key = stored.transaction.id.to_string();
                        Some(Record::new(TRANSACTION, key, &saved))
                    }
                }
            }
        }
    }

    /// Puts back the item of `record`; `Ok(false)` when it is not a ledger record.
    pub(crate) fn restore(&mut self, record: &Record) -> Result<bool, String> {
        match record.kind.as_str() {
            CUSTOMER => {
                let saved: SavedCustomer = record.read()?;
                let id = saved.customer.id.ok_or("a saved customer has no id")?;
                self.book(&saved.account).add_customer(id, saved.customer);
            }
            PURSE => {
                let saved: SavedPurse = record.read()?;
                self.book(&saved.account).add_purse(StoredPurse {
                    customer_id: saved.customer_id,
                    id: saved.id,
                    currency: saved.currency,
                    address: saved.address,
                    status: saved.status,
                });
            }
            TRANSACTION => {
                let saved: SavedTransaction = record.read()?;
                self.transactions_created = self.transactions_created.max(saved.sequence);
                self.book(&saved.account)
                    .add_transaction(StoredTransaction {
                        transaction: saved.transaction,
                        customer_id: saved.customer_id,
                        address: saved.address,
                        sequence: saved.sequence,
                        outcome: saved.outcome,
                    });
            }
            ADDRESS => {
                let saved: SavedAddress = record.read()?;
                self.addresses.insert(
                    saved.address,
                    AddressOwner {
                        account: saved.account,
                        customer_id: saved.customer_id,
                        family: saved.family,
                        expires_at_millis: saved.expires_at_millis,
                        expired: saved.expired,
                    },
                );
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
