//! The sandbox's in-memory state and the rules of each operation on it.
//!
//! Each merchant account has its own book of customers, purses and transactions; one account
//! never sees another's. Every method runs under the one lock of the ledger, so a request sees
//! and leaves a consistent state.

use std::collections::HashMap;

use calypso_customer_purse::types::{
    ComplianceState, CreateCustomerRequest, Customer, CustomerIdRequest, ExternalIdRequest,
    FindTransactionsRequest, Purse, PurseAddress, PurseAddressRequest, PurseDepositEvent,
    PurseExpiredEvent, PurseStatus, Transaction, TransactionIdRequest, TransactionPage,
    TransactionState, UpdateCustomerRequest,
};
use calypso_customer_purse::{Decimal, OffsetDateTime, Uuid};

mod saved;

use crate::admin_error::AdminError;
use crate::book::{Book, BookChange, StoredPurse, StoredTransaction};
use crate::clock::unix_millis;
use crate::currencies::{self, AddressFamily};
use crate::deposit::{Deposit, Outcome};
use crate::failure::Failure;
use crate::find::{self, Paging};

/// All accounts' state.
#[derive(Default)]
pub(crate) struct Ledger {
    books: HashMap<String, Book>,
    /// Every address handed out, to route simulated deposits to their account and customer.
    addresses: HashMap<String, AddressOwner>,
    /// Counts every transaction ever created, for a stable order of equal sort keys.
    transactions_created: u64,
    /// Changed addresses since [`Ledger::take_changes`], when changes are tracked.
    address_changes: Option<Vec<String>>,
}

/// A changed item of the ledger, to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// An item of an account's book.
    Book(String, BookChange),
    /// What the ledger knows of an address: its owner and lifetime.
    Address(String),
}

#[derive(Clone)]
struct AddressOwner {
    account: String,
    customer_id: Uuid,
    family: AddressFamily,
    /// When it expires on the sandbox clock: [`UNUSED_ADDRESS_LIFETIME`] after it was handed
    /// out, then [`USED_ADDRESS_LIFETIME`] after its last deposit.
    expires_at_millis: i64,
    expired: bool,
}

/// An address that never receives a deposit expires 30 days after it was handed out (the
/// provider's description of `CUSTOMER_PURSE_EXPIRED`).
pub(crate) const UNUSED_ADDRESS_LIFETIME_MILLIS: i64 = 30 * DAY_MILLIS;
/// An address with deposits expires 12 months (365 days) after the last one.
pub(crate) const USED_ADDRESS_LIFETIME_MILLIS: i64 = 365 * DAY_MILLIS;
const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;

impl Ledger {
    fn book(&mut self, account: &str) -> &mut Book {
        let tracking = self.address_changes.is_some();
        self.books.entry(account.to_owned()).or_insert_with(|| {
            let mut book = Book::default();
            if tracking {
                book.track_changes();
            }
            book
        })
    }

    /// Notes every change from now on, for [`Ledger::take_changes`].
    pub(crate) fn track_changes(&mut self) {
        self.address_changes.get_or_insert_with(Vec::new);
        for book in self.books.values_mut() {
            book.track_changes();
        }
    }

    /// What changed since the last call, each item once; empty when changes are not tracked.
    pub(crate) fn take_changes(&mut self) -> Vec<Change> {
        let Some(addresses) = self.address_changes.as_mut() else {
            return Vec::new();
        };
        let mut changes: Vec<Change> = std::mem::take(addresses)
            .into_iter()
            .map(Change::Address)
            .collect();
        changes.dedup();
        for (account, book) in &mut self.books {
            changes.extend(
                book.take_changes()
                    .into_iter()
                    .map(|change| Change::Book(account.clone(), change)),
            );
        }
        changes
    }

    fn address_changed(&mut self, address: &str) {
        if let Some(changes) = self.address_changes.as_mut() {
            changes.push(address.to_owned());
        }
    }

    /// The book of `account`, to read (the dashboard); `None` while it has nothing.
    pub(crate) fn book_of(&self, account: &str) -> Option<&Book> {
        self.books.get(account)
    }

    pub(crate) fn create_customer(
        &mut self,
        account: &str,
        request: CreateCustomerRequest,
    ) -> Result<Customer, Failure> {
        let book = self.book(account);
        if let Some(external_id) = &request.external_id {
            book.ensure_external_id_free(external_id, None)?;
        }
        let id = Uuid::new_v4();
        let mut customer = Customer::new().with_id(id).with_blocked(false);
        customer.description = request.description;
        customer.external_id = request.external_id;
        customer.email = request.email;
        book.add_customer(id, customer.clone());
        Ok(customer)
    }

    /// Sets the fields the request gives; absent fields keep their value.
    pub(crate) fn update_customer(
        &mut self,
        account: &str,
        request: UpdateCustomerRequest,
    ) -> Result<Customer, Failure> {
        let book = self.book(account);
        book.customer(request.id)?;
        if let Some(external_id) = &request.external_id {
            book.ensure_external_id_free(external_id, Some(request.id))?;
        }
        book.change_customer(request.id, |customer| {
            if request.description.is_some() {
                customer.description = request.description;
            }
            if request.external_id.is_some() {
                customer.external_id = request.external_id;
            }
            if request.email.is_some() {
                customer.email = request.email;
            }
        })
    }

    pub(crate) fn get_customer(
        &mut self,
        account: &str,
        request: CustomerIdRequest,
    ) -> Result<Customer, Failure> {
        self.book(account).customer(request.customer_id).cloned()
    }

    pub(crate) fn get_customer_by_external_id(
        &mut self,
        account: &str,
        request: ExternalIdRequest,
    ) -> Result<Customer, Failure> {
        self.book(account)
            .customer_by_external_id(&request.external_id)
            .cloned()
            .ok_or_else(|| {
                Failure::not_found(format!(
                    "no customer with externalId `{}`",
                    request.external_id
                ))
            })
    }

    /// Blocks (`true`) or unblocks a customer. A blocked customer's addresses still take
    /// deposits, as the provider's guide says.
    pub(crate) fn set_blocked(
        &mut self,
        account: &str,
        request: CustomerIdRequest,
        blocked: bool,
    ) -> Result<Customer, Failure> {
        self.book(account)
            .change_customer(request.customer_id, |customer| {
                customer.blocked = Some(blocked);
            })
    }

    /// The customer's purse for the currency, made on first request: the same customer and
    /// currency always get the same purse and address.
    pub(crate) fn purse_address(
        &mut self,
        account: &str,
        request: PurseAddressRequest,
        now: OffsetDateTime,
    ) -> Result<PurseAddress, Failure> {
        let family =
            currencies::family_or_unsupported(&request.currency).map_err(Failure::invalid_input)?;
        self.book(account).customer(request.customer_id)?;
        let purse = self.purse_for(account, request.customer_id, &request.currency, family, now);
        Ok(PurseAddress::new(purse.address.clone()).with_id(purse.id))
    }

    pub(crate) fn purses(
        &mut self,
        account: &str,
        request: CustomerIdRequest,
    ) -> Result<Vec<Purse>, Failure> {
        let book = self.book(account);
        book.customer(request.customer_id)?;
        Ok(book
            .purses_of(request.customer_id)
            .map(StoredPurse::to_purse)
            .collect())
    }

    pub(crate) fn transaction(
        &mut self,
        account: &str,
        request: TransactionIdRequest,
    ) -> Result<Transaction, Failure> {
        self.book(account)
            .transaction(request.transaction_id)
            .map(|stored| stored.transaction.clone())
            .ok_or_else(|| {
                Failure::not_found(format!("transaction {} not found", request.transaction_id))
            })
    }

    pub(crate) fn find_transactions(
        &mut self,
        account: &str,
        request: FindTransactionsRequest,
        paging: Paging,
    ) -> Result<TransactionPage, Failure> {
        let listed = self.book(account).listed(request.customer_id);
        find::find(listed, &request, paging)
    }

    /// Records a deposit to one of the sandbox's addresses, in state `MEM_POOL_FOUND`.
    pub(crate) fn deposit(
        &mut self,
        deposit: Deposit,
        now: OffsetDateTime,
    ) -> Result<Transaction, AdminError> {
        let owner = self
            .addresses
            .get(&deposit.address)
            .cloned()
            .ok_or_else(|| {
                AdminError::NotFound(format!(
                    "address `{}` was not handed out by this sandbox; get one with address/get",
                    deposit.address
                ))
            })?;
        let family =
            currencies::family_or_unsupported(&deposit.currency).map_err(AdminError::Invalid)?;
        if owner.expired {
            return Err(AdminError::Conflict(format!(
                "address `{}` has expired; get a new one with address/get",
                deposit.address
            )));
        }
        if family != owner.family {
            return Err(AdminError::Invalid(format!(
                "currency `{}` cannot be sent to address `{}`, which is on another chain",
                deposit.currency, deposit.address
            )));
        }
        if deposit.amount <= Decimal::ZERO {
            return Err(AdminError::Invalid(format!(
                "amount must be positive, not {}",
                deposit.amount
            )));
        }
        let book = self.book(&owner.account);
        if book
            .purses_at(&deposit.address)
            .any(|stored| stored.status == PurseStatus::Declined)
        {
            return Err(AdminError::Conflict(format!(
                "address `{}` is blocked after a declined deposit",
                deposit.address
            )));
        }
        // A deposit in another currency of the same family opens that currency's purse.
        self.purse_for(
            &owner.account,
            owner.customer_id,
            &deposit.currency,
            family,
            now,
        );
        let now_millis = unix_millis(now);
        if let Some(owner) = self.addresses.get_mut(&deposit.address) {
            owner.expires_at_millis = now_millis.saturating_add(USED_ADDRESS_LIFETIME_MILLIS);
        }
        self.address_changed(&deposit.address);

        self.transactions_created += 1;
        let sequence = self.transactions_created;
        let id = Uuid::new_v4();
        let address_from = deposit
            .address_from
            .unwrap_or_else(|| currencies::address(family, &format!("sender of {id}")));
        let hash = deposit
            .transaction_hash
            .unwrap_or_else(|| format!("0x{}", id.simple()));
        let transaction = Transaction::new(
            id,
            deposit.amount,
            address_from,
            deposit.currency,
            TransactionState::MemPoolFound,
            ComplianceState::Unchecked,
            false,
            now,
        )
        .with_transaction_hash(hash);
        self.book(&owner.account)
            .add_transaction(StoredTransaction {
                transaction: transaction.clone(),
                customer_id: owner.customer_id,
                address: deposit.address,
                sequence,
                outcome: deposit.outcome,
            });
        Ok(transaction)
    }

    /// Moves a simulated deposit one step on: `MEM_POOL_FOUND` → `PENDING_COMPLIANCE_CHECK` →
    /// `CONFIRMED` → funds credited (`translationToAccountCompleted`), or → `DECLINED`, which
    /// also blocks the address.
    pub(crate) fn advance(&mut self, transaction_id: Uuid) -> Result<Transaction, AdminError> {
        let not_found = || AdminError::NotFound(format!("transaction {transaction_id} not found"));
        let book = self
            .books
            .values_mut()
            .find(|book| book.transaction(transaction_id).is_some())
            .ok_or_else(not_found)?;
        let stored = book.transaction_mut(transaction_id).ok_or_else(not_found)?;
        let transaction = &mut stored.transaction;
        match (&transaction.transaction_state, stored.outcome) {
            (TransactionState::MemPoolFound, _) => {
                transaction.transaction_state = TransactionState::PendingComplianceCheck;
                transaction.compliance_state = ComplianceState::InProgress;
            }
            (TransactionState::PendingComplianceCheck, Outcome::Confirmed) => {
                transaction.transaction_state = TransactionState::Confirmed;
                transaction.compliance_state = ComplianceState::Checked;
            }
            (TransactionState::PendingComplianceCheck, Outcome::Declined) => {
                transaction.transaction_state = TransactionState::Declined;
                transaction.compliance_state = ComplianceState::Decline;
            }
            (TransactionState::Confirmed, _) if !transaction.translation_to_account_completed => {
                transaction.translation_to_account_completed = true;
            }
            (state, _) => {
                return Err(AdminError::Conflict(format!(
                    "transaction {transaction_id} is final ({state})"
                )));
            }
        }
        let transaction = transaction.clone();
        if transaction.transaction_state == TransactionState::Declined {
            let address = stored.address.clone();
            book.decline_address(&address);
        }
        Ok(transaction)
    }

    /// The account of a simulated deposit and the data of the webhook its current state raises:
    /// the transaction, its purse and address, and whether its customer is blocked now.
    pub(crate) fn deposit_event(&self, transaction_id: Uuid) -> Option<(&str, PurseDepositEvent)> {
        self.books.iter().find_map(|(account, book)| {
            let stored = book.transaction(transaction_id)?;
            let transaction = &stored.transaction;
            let blocked = book
                .customer(stored.customer_id)
                .ok()
                .and_then(|customer| customer.blocked)
                .unwrap_or(false);
            let mut event = PurseDepositEvent::new()
                .with_currency(transaction.currency.clone())
                .with_customer_id(stored.customer_id)
                .with_customer_blocked(blocked)
                .with_address(stored.address.clone())
                .with_transaction_id(transaction.id)
                .with_amount(transaction.amount)
                .with_transaction_state(transaction.transaction_state.clone())
                .with_compliance_state(transaction.compliance_state.clone())
                .with_translation_to_account_completed(
                    transaction.translation_to_account_completed,
                );
            event.transaction_hash = transaction.transaction_hash.clone();
            // The deposit opened the purse of its currency at its address.
            if let Some(purse) = book
                .purses_at(&stored.address)
                .find(|purse| purse.currency == transaction.currency)
            {
                event = event.with_purse_id(purse.id);
            }
            Some((account.as_str(), event))
        })
    }

    /// Whether a transaction has reached its final state.
    pub(crate) fn is_final(transaction: &Transaction) -> bool {
        transaction.transaction_state == TransactionState::Declined
            || transaction.translation_to_account_completed
    }

    /// The purse of `customer_id` for `currency`, made on first use and again once its address
    /// expired; a customer's currencies of one chain family share one live address.
    fn purse_for(
        &mut self,
        account: &str,
        customer_id: Uuid,
        currency: &str,
        family: AddressFamily,
        now: OffsetDateTime,
    ) -> &StoredPurse {
        self.book(account);
        let book = self.books.get_mut(account).expect("made above");
        if let Some(position) = book
            .purse_position(customer_id, currency)
            .filter(|&position| book.purse(position).status != PurseStatus::Archived)
        {
            return book.purse(position);
        }
        let live = book
            .purses_of(customer_id)
            .filter(|p| p.status != PurseStatus::Archived)
            .find(|p| currencies::family_of(&p.currency) == Some(family))
            .map(|p| p.address.clone());
        let address = live.unwrap_or_else(|| {
            // A new seed for each address the customer's family had, so a new one after expiry.
            (0..)
                .map(|generation| {
                    let seed = match generation {
                        0 => format!("{account}/{customer_id}/{family:?}"),
                        n => format!("{account}/{customer_id}/{family:?}/{n}"),
                    };
                    currencies::address(family, &seed)
                })
                .find(|address| !self.addresses.contains_key(address))
                .expect("an unbounded range of seeds finds a free address")
        });
        if !self.addresses.contains_key(&address) {
            self.addresses.insert(
                address.clone(),
                AddressOwner {
                    account: account.to_owned(),
                    customer_id,
                    family,
                    expires_at_millis: unix_millis(now)
                        .saturating_add(UNUSED_ADDRESS_LIFETIME_MILLIS),
                    expired: false,
                },
            );
            if let Some(changes) = self.address_changes.as_mut() {
                changes.push(address.clone());
            }
        }
        // A new currency on a blocked address is blocked too.
        let status = book
            .purses_at(&address)
            .next()
            .map_or(PurseStatus::PendingPayment, |p| p.status.clone());
        book.add_purse(StoredPurse {
            customer_id,
            id: Uuid::new_v4(),
            currency: currency.to_owned(),
            address,
            status,
        })
    }

    /// Expires every live address whose time has come by `now`: its purses become `ARCHIVED`
    /// and it takes no more deposits. A blocked (declined) address does not expire. Returns
    /// the data of each `CUSTOMER_PURSE_EXPIRED` to raise, with its account.
    pub(crate) fn expire_due(&mut self, now: OffsetDateTime) -> Vec<(String, PurseExpiredEvent)> {
        let now_millis = unix_millis(now);
        let mut due: Vec<(i64, String)> = self
            .addresses
            .iter()
            .filter(|(_, owner)| !owner.expired && owner.expires_at_millis <= now_millis)
            .map(|(address, owner)| (owner.expires_at_millis, address.clone()))
            .collect();
        // In the order they expired, so events follow time.
        due.sort_unstable();
        due.into_iter()
            .filter_map(|(_, address)| self.expire(&address))
            .collect()
    }

    /// Expires `address` now, whatever its time (a trigger's expired address).
    pub(crate) fn expire_address(
        &mut self,
        address: &str,
    ) -> Result<(String, PurseExpiredEvent), AdminError> {
        match self.addresses.get(address) {
            None => Err(AdminError::NotFound(format!(
                "address `{address}` was not handed out by this sandbox"
            ))),
            Some(owner) if owner.expired => Err(AdminError::Conflict(format!(
                "address `{address}` has already expired"
            ))),
            Some(_) => self.expire(address).ok_or_else(|| {
                AdminError::Conflict(format!(
                    "address `{address}` is blocked after a declined deposit, so it does not expire"
                ))
            }),
        }
    }

    fn expire(&mut self, address: &str) -> Option<(String, PurseExpiredEvent)> {
        let owner = self.addresses.get_mut(address)?;
        let book = self.books.get_mut(&owner.account)?;
        if book
            .purses_at(address)
            .any(|purse| purse.status == PurseStatus::Declined)
        {
            return None;
        }
        owner.expired = true;
        let purse_id = book.purses_at(address).next()?.id;
        book.archive_address(address);
        let blocked = book
            .customer(owner.customer_id)
            .ok()
            .and_then(|customer| customer.blocked)
            .unwrap_or(false);
        let event = PurseExpiredEvent::new()
            .with_customer_id(owner.customer_id)
            .with_customer_blocked(blocked)
            .with_purse_id(purse_id)
            .with_address(address.to_owned());
        let account = owner.account.clone();
        self.address_changed(address);
        Some((account, event))
    }
}
