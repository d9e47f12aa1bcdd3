//! One account's customers, purses and transactions, with the indexes the lookups use.
//!
//! The fields are private to this module: every insertion goes through one method per
//! collection, which also updates that collection's indexes, so the two cannot drift. Nothing
//! is ever removed, so positions in the `Vec`s stay valid. The same methods note what they
//! change, for a sandbox that keeps its state in a file.

use std::collections::HashMap;

use calypso_customer_purse::Uuid;
use calypso_customer_purse::types::{Customer, Purse, PurseStatus, Transaction};

use crate::deposit::Outcome;
use crate::failure::Failure;
use crate::find::Listed;

#[derive(Default)]
pub(crate) struct Book {
    customers: HashMap<Uuid, Customer>,
    /// Customer ids in creation order, for the dashboard's newest first.
    customer_order: Vec<Uuid>,
    /// External id → customer; external ids are unique per account.
    external_ids: HashMap<String, Uuid>,
    /// In creation order, which is the order of `purse/get-all`.
    purses: Vec<StoredPurse>,
    /// Customer → their purses, in creation order: at most one per supported currency.
    purses_of_customer: HashMap<Uuid, Vec<usize>>,
    /// Address → the purses at it (one per currency of its chain family), in creation order.
    purses_at_address: HashMap<String, Vec<usize>>,
    /// In creation order.
    transactions: Vec<StoredTransaction>,
    transaction_by_id: HashMap<Uuid, usize>,
    /// Customer → their transactions, in creation order.
    transactions_of_customer: HashMap<Uuid, Vec<usize>>,
    /// What changed since [`Book::take_changes`], when changes are tracked.
    changes: Option<Vec<BookChange>>,
}

/// One changed item of a book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BookChange {
    Customer(Uuid),
    /// A purse, by position.
    Purse(usize),
    /// A transaction, by position.
    Transaction(usize),
}

pub(crate) struct StoredPurse {
    pub(crate) customer_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) currency: String,
    pub(crate) address: String,
    pub(crate) status: PurseStatus,
}

impl StoredPurse {
    pub(crate) fn to_purse(&self) -> Purse {
        Purse::new()
            .with_id(self.id)
            .with_address(self.address.clone())
            .with_currency(self.currency.clone())
            .with_status(self.status.clone())
    }
}

pub(crate) struct StoredTransaction {
    pub(crate) transaction: Transaction,
    pub(crate) customer_id: Uuid,
    /// The address the deposit went to.
    pub(crate) address: String,
    pub(crate) sequence: u64,
    pub(crate) outcome: Outcome,
}

impl StoredTransaction {
    fn listed(&self) -> Listed<'_> {
        Listed {
            transaction: &self.transaction,
            customer_id: self.customer_id,
            sequence: self.sequence,
        }
    }
}

fn customer_not_found(id: Uuid) -> Failure {
    Failure::not_found(format!("customer {id} not found"))
}

impl Book {
    pub(crate) fn customer(&self, id: Uuid) -> Result<&Customer, Failure> {
        self.customers
            .get(&id)
            .ok_or_else(|| customer_not_found(id))
    }

    pub(crate) fn customer_by_external_id(&self, external_id: &str) -> Option<&Customer> {
        self.external_ids
            .get(external_id)
            .and_then(|id| self.customers.get(id))
    }

    /// Adds a new customer, whose external id the caller has checked is free.
    pub(crate) fn add_customer(&mut self, id: Uuid, customer: Customer) {
        if let Some(external_id) = &customer.external_id {
            self.external_ids.insert(external_id.clone(), id);
        }
        self.customers.insert(id, customer);
        self.customer_order.push(id);
        self.changed(BookChange::Customer(id));
    }

    /// Applies `change` to a customer and returns the result; a new external id must have been
    /// checked free.
    pub(crate) fn change_customer(
        &mut self,
        id: Uuid,
        change: impl FnOnce(&mut Customer),
    ) -> Result<Customer, Failure> {
        let customer = self
            .customers
            .get_mut(&id)
            .ok_or_else(|| customer_not_found(id))?;
        let before = customer.external_id.clone();
        change(customer);
        let changed = customer.clone();
        if changed.external_id != before {
            if let Some(old) = before {
                self.external_ids.remove(&old);
            }
            if let Some(new) = &changed.external_id {
                self.external_ids.insert(new.clone(), id);
            }
        }
        self.changed(BookChange::Customer(id));
        Ok(changed)
    }

    /// Fails when another customer than `except` already has `external_id`: `external/get`
    /// returns one customer, so the sandbox keeps external ids unique per account.
    pub(crate) fn ensure_external_id_free(
        &self,
        external_id: &str,
        except: Option<Uuid>,
    ) -> Result<(), Failure> {
        match self.external_ids.get(external_id) {
            Some(&other) if Some(other) != except => Err(Failure::invalid_input(format!(
                "externalId `{external_id}` is already used by customer {other}"
            ))),
            _ => Ok(()),
        }
    }

    /// The position of the customer's newest purse for `currency` (an older one's address
    /// expired), for [`Book::purse`].
    pub(crate) fn purse_position(&self, customer_id: Uuid, currency: &str) -> Option<usize> {
        self.purses_of_customer
            .get(&customer_id)?
            .iter()
            .rev()
            .copied()
            .find(|&position| {
                self.purses
                    .get(position)
                    .is_some_and(|purse| purse.currency == currency)
            })
    }

    /// The purse at a position [`Book::purse_position`] gave.
    pub(crate) fn purse(&self, position: usize) -> &StoredPurse {
        &self.purses[position]
    }

    /// The customer's purses, in creation order.
    pub(crate) fn purses_of(&self, customer_id: Uuid) -> impl Iterator<Item = &StoredPurse> {
        at(&self.purses, self.purses_of_customer.get(&customer_id))
    }

    /// The purses at `address`, in creation order.
    pub(crate) fn purses_at(&self, address: &str) -> impl Iterator<Item = &StoredPurse> {
        at(&self.purses, self.purses_at_address.get(address))
    }

    /// Adds a purse for a customer and currency that have none yet.
    pub(crate) fn add_purse(&mut self, purse: StoredPurse) -> &StoredPurse {
        let position = self.purses.len();
        self.purses_of_customer
            .entry(purse.customer_id)
            .or_default()
            .push(position);
        self.purses_at_address
            .entry(purse.address.clone())
            .or_default()
            .push(position);
        self.purses.push(purse);
        self.changed(BookChange::Purse(position));
        &self.purses[position]
    }

    /// Marks every purse at `address` declined.
    pub(crate) fn decline_address(&mut self, address: &str) {
        self.set_address_status(address, &PurseStatus::Declined);
    }

    /// Marks every purse at `address` archived: the address expired.
    pub(crate) fn archive_address(&mut self, address: &str) {
        self.set_address_status(address, &PurseStatus::Archived);
    }

    fn set_address_status(&mut self, address: &str, status: &PurseStatus) {
        let positions = self
            .purses_at_address
            .get(address)
            .cloned()
            .unwrap_or_default();
        for position in positions {
            if let Some(purse) = self.purses.get_mut(position) {
                purse.status = status.clone();
                self.changed(BookChange::Purse(position));
            }
        }
    }

    pub(crate) fn transaction(&self, id: Uuid) -> Option<&StoredTransaction> {
        self.transaction_by_id
            .get(&id)
            .and_then(|&position| self.transactions.get(position))
    }

    /// The transaction, to change its states; its id, customer and address must not change.
    /// A transaction to change; it is noted as changed.
    pub(crate) fn transaction_mut(&mut self, id: Uuid) -> Option<&mut StoredTransaction> {
        let position = *self.transaction_by_id.get(&id)?;
        self.changed(BookChange::Transaction(position));
        self.transactions.get_mut(position)
    }

    pub(crate) fn add_transaction(&mut self, stored: StoredTransaction) {
        let position = self.transactions.len();
        self.transaction_by_id
            .insert(stored.transaction.id, position);
        self.transactions_of_customer
            .entry(stored.customer_id)
            .or_default()
            .push(position);
        self.transactions.push(stored);
        self.changed(BookChange::Transaction(position));
    }

    /// Notes changes from now on, for [`Book::take_changes`].
    pub(crate) fn track_changes(&mut self) {
        self.changes.get_or_insert_with(Vec::new);
    }

    /// What changed since the last call, oldest first, each item once.
    pub(crate) fn take_changes(&mut self) -> Vec<BookChange> {
        let Some(changes) = self.changes.as_mut() else {
            return Vec::new();
        };
        let mut taken = std::mem::take(changes);
        let mut seen = std::collections::HashSet::new();
        taken.retain(|change| seen.insert(*change));
        taken
    }

    fn changed(&mut self, change: BookChange) {
        if let Some(changes) = self.changes.as_mut() {
            changes.push(change);
        }
    }

    /// The purse at `position`, when there is one.
    pub(crate) fn purse_at_position(&self, position: usize) -> Option<&StoredPurse> {
        self.purses.get(position)
    }

    /// The transaction at `position`, when there is one.
    pub(crate) fn transaction_at_position(&self, position: usize) -> Option<&StoredTransaction> {
        self.transactions.get(position)
    }

    /// The transactions `find` chooses from: the customer's when the request names one,
    /// otherwise all. `find` sorts them with ties broken by the unique sequence, so their order
    /// here does not change its answer.
    pub(crate) fn listed(&self, customer_id: Option<Uuid>) -> Vec<Listed<'_>> {
        match customer_id {
            None => self
                .transactions
                .iter()
                .map(StoredTransaction::listed)
                .collect(),
            Some(customer_id) => at(
                &self.transactions,
                self.transactions_of_customer.get(&customer_id),
            )
            .map(StoredTransaction::listed)
            .collect(),
        }
    }
}

/// The newest items of a list and how long it is, for the dashboard: it shows a few of a long
/// list, so only those are looked up, and nothing is cloned.
pub(crate) struct Newest<'a, T> {
    /// How many there are in all (of the customer, when one was asked for).
    pub(crate) total: usize,
    /// At most the limit asked for, newest first.
    pub(crate) items: Vec<&'a T>,
}

impl Book {
    /// The newest `limit` customers; only `customer`, when given.
    pub(crate) fn newest_customers(
        &self,
        customer: Option<Uuid>,
        limit: usize,
    ) -> Newest<'_, Customer> {
        match customer {
            Some(id) => {
                let items: Vec<&Customer> = self.customers.get(&id).into_iter().collect();
                Newest {
                    total: items.len(),
                    items: items.into_iter().take(limit).collect(),
                }
            }
            None => Newest {
                total: self.customer_order.len(),
                items: self
                    .customer_order
                    .iter()
                    .rev()
                    .filter_map(|id| self.customers.get(id))
                    .take(limit)
                    .collect(),
            },
        }
    }

    /// The newest `limit` purses; only `customer`'s, when given.
    pub(crate) fn newest_purses(
        &self,
        customer: Option<Uuid>,
        limit: usize,
    ) -> Newest<'_, StoredPurse> {
        let positions = customer.map(|id| positions_of(&self.purses_of_customer, id));
        newest(&self.purses, positions, limit)
    }

    /// The newest `limit` transactions; only `customer`'s, when given.
    pub(crate) fn newest_transactions(
        &self,
        customer: Option<Uuid>,
        limit: usize,
    ) -> Newest<'_, StoredTransaction> {
        let positions = customer.map(|id| positions_of(&self.transactions_of_customer, id));
        newest(&self.transactions, positions, limit)
    }
}

/// The customer's positions in an index by customer; none for an unknown customer.
fn positions_of(index: &HashMap<Uuid, Vec<usize>>, customer: Uuid) -> &[usize] {
    index.get(&customer).map_or(&[], Vec::as_slice)
}

/// The newest `limit` items of `all`, or of those at `positions` (in creation order) when given.
fn newest<'a, T>(all: &'a [T], positions: Option<&[usize]>, limit: usize) -> Newest<'a, T> {
    match positions {
        None => Newest {
            total: all.len(),
            items: all.iter().rev().take(limit).collect(),
        },
        Some(positions) => Newest {
            total: positions.len(),
            items: positions
                .iter()
                .rev()
                .filter_map(|&position| all.get(position))
                .take(limit)
                .collect(),
        },
    }
}

/// The items of `all` at `positions`, in order.
fn at<'a, T>(all: &'a [T], positions: Option<&'a Vec<usize>>) -> impl Iterator<Item = &'a T> {
    positions
        .into_iter()
        .flatten()
        .filter_map(|&position| all.get(position))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calypso_customer_purse::types::{ComplianceState, TransactionState};
    use calypso_customer_purse::{Decimal, OffsetDateTime};

    fn customer(id: Uuid, external_id: &str) -> Customer {
        Customer::new().with_id(id).with_external_id(external_id)
    }

    #[test]
    fn a_changed_external_id_is_found_under_the_new_one_and_frees_the_old() {
        let (ada, bob) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut book = Book::default();
        book.add_customer(ada, customer(ada, "ada-1"));
        book.change_customer(ada, |c| c.external_id = Some("ada-2".into()))
            .unwrap();
        assert!(book.customer_by_external_id("ada-1").is_none());
        assert_eq!(book.customer_by_external_id("ada-2").unwrap().id, Some(ada));
        assert!(book.ensure_external_id_free("ada-1", None).is_ok());
        assert!(book.ensure_external_id_free("ada-2", Some(ada)).is_ok());
        assert!(book.ensure_external_id_free("ada-2", Some(bob)).is_err());

        book.add_customer(bob, customer(bob, "ada-1"));
        assert_eq!(book.customer_by_external_id("ada-1").unwrap().id, Some(bob));
        // A change that leaves the external id alone keeps it indexed.
        book.change_customer(bob, |c| c.blocked = Some(true))
            .unwrap();
        assert_eq!(book.customer_by_external_id("ada-1").unwrap().id, Some(bob));
    }

    #[test]
    fn a_customers_transactions_are_those_of_the_full_list_that_are_theirs() {
        let mut book = Book::default();
        for n in 0..12u8 {
            let transaction = Transaction::new(
                Uuid::from_u128(u128::from(n) + 100),
                Decimal::from(n),
                "0xfrom",
                "ETH",
                TransactionState::MemPoolFound,
                ComplianceState::Unchecked,
                false,
                OffsetDateTime::UNIX_EPOCH,
            );
            book.add_transaction(StoredTransaction {
                transaction,
                customer_id: Uuid::from_u128(u128::from(n % 3)),
                address: format!("0xto{}", n % 3),
                sequence: u64::from(n),
                outcome: Outcome::Confirmed,
            });
        }
        let key =
            |listed: &Listed<'_>| (listed.transaction.id, listed.customer_id, listed.sequence);
        for customer_id in (0..4).map(Uuid::from_u128) {
            let theirs: Vec<_> = book.listed(Some(customer_id)).iter().map(key).collect();
            let filtered: Vec<_> = book
                .listed(None)
                .iter()
                .filter(|listed| listed.customer_id == customer_id)
                .map(key)
                .collect();
            assert_eq!(theirs, filtered);
        }
        assert_eq!(book.listed(None).len(), 12);
        let id = Uuid::from_u128(107);
        assert_eq!(book.transaction(id).unwrap().transaction.id, id);
        assert!(book.transaction(Uuid::from_u128(7)).is_none());
    }
}
