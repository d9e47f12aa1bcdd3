//! `transaction/find`: JHipster-style filters, sort and paging over an account's transactions.

use std::cmp::Ordering;

use calypso_customer_purse::Uuid;
use calypso_customer_purse::types::{
    FindTransactionsRequest, SortDirection, StringFilter, Transaction, TransactionPage,
    TransactionState, TransactionStateFilter,
};

use crate::failure::Failure;

/// How pages are numbered and sized. The real API's page base and size limits are unknown, so
/// the sandbox makes them settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The number of the first page (the provider's example asks for page 1).
    pub first_page: i32,
    /// The page size when the request gives none.
    pub default_size: i32,
    /// The largest page size a request may ask for.
    pub max_size: i32,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            first_page: 1,
            default_size: 20,
            max_size: 100,
        }
    }
}

/// One stored transaction as `find` sees it.
pub(crate) struct Listed<'a> {
    pub(crate) transaction: &'a Transaction,
    pub(crate) customer_id: Uuid,
    /// Order of creation, which breaks ties so that pages never overlap.
    pub(crate) sequence: u64,
}

/// The properties a request may sort by, as named in the JSON of a transaction.
const SORTABLE: &[&str] = &[
    "createdDate",
    "amount",
    "currency",
    "addressFrom",
    "transactionHash",
    "transactionState",
    "complianceState",
    "translationToAccountCompleted",
    "id",
];

/// The page `request` asks for, out of `listed` (all of one account's transactions).
pub(crate) fn find(
    mut listed: Vec<Listed<'_>>,
    request: &FindTransactionsRequest,
    paging: Paging,
) -> Result<TransactionPage, Failure> {
    let page = request.page_number.unwrap_or(paging.first_page);
    if page < paging.first_page {
        return Err(Failure::invalid_input(format!(
            "pageNumber {page} is before the first page, {}",
            paging.first_page
        )));
    }
    let size = request.page_size.unwrap_or(paging.default_size);
    if !(1..=paging.max_size).contains(&size) {
        return Err(Failure::invalid_input(format!(
            "pageSize {size} is outside 1..={}",
            paging.max_size
        )));
    }
    let property = match request.properties.as_deref() {
        None | Some("") => "createdDate",
        Some(name) if SORTABLE.contains(&name) => name,
        Some(name) => {
            return Err(Failure::invalid_input(format!(
                "cannot sort by `{name}`; sortable properties: {}",
                SORTABLE.join(", ")
            )));
        }
    };
    let descending = match &request.sort {
        None | Some(SortDirection::Asc) => false,
        Some(SortDirection::Desc) => true,
        Some(other) => {
            return Err(Failure::invalid_input(format!(
                "sort must be ASC or DESC, not `{other}`"
            )));
        }
    };

    listed.retain(|item| {
        request
            .customer_id
            .is_none_or(|customer| customer == item.customer_id)
            && request
                .currency_filter
                .as_ref()
                .is_none_or(|filter| string_matches(filter, &item.transaction.currency))
            && request
                .transaction_state_filter
                .as_ref()
                .is_none_or(|filter| state_matches(filter, &item.transaction.transaction_state))
    });
    listed.sort_by(|a, b| {
        let order =
            compare(a.transaction, b.transaction, property).then(a.sequence.cmp(&b.sequence));
        if descending { order.reverse() } else { order }
    });

    let total_elements = listed.len();
    let size_usize = usize::try_from(size).unwrap_or(usize::MAX);
    // In i64: `page - first_page` overflows i32 when the first page is negative.
    let skip = usize::try_from(i64::from(page) - i64::from(paging.first_page))
        .unwrap_or(usize::MAX)
        .saturating_mul(size_usize);
    let result: Vec<Transaction> = listed
        .iter()
        .skip(skip)
        .take(size_usize)
        .map(|item| item.transaction.clone())
        .collect();
    let total_pages = i32::try_from(total_elements.div_ceil(size_usize)).unwrap_or(i32::MAX);
    let total_elements = i64::try_from(total_elements).unwrap_or(i64::MAX);
    Ok(TransactionPage::new(page, size, total_pages, total_elements).with_result(result))
}

/// Whether a (always present) string value meets every member of `filter`.
fn string_matches(filter: &StringFilter, value: &str) -> bool {
    filter.specified.is_none_or(|specified| specified)
        && filter
            .equals
            .as_deref()
            .is_none_or(|equals| value == equals)
        && filter
            .not_equals
            .as_deref()
            .is_none_or(|other| value != other)
        && filter
            .in_
            .as_ref()
            .is_none_or(|values| values.iter().any(|v| v == value))
        && filter
            .not_in
            .as_ref()
            .is_none_or(|values| values.iter().all(|v| v != value))
        && filter
            .contains
            .as_deref()
            .is_none_or(|part| value.contains(part))
        && filter
            .does_not_contain
            .as_deref()
            .is_none_or(|part| !value.contains(part))
}

/// Whether a (always present) transaction state meets every member of `filter`.
fn state_matches(filter: &TransactionStateFilter, value: &TransactionState) -> bool {
    filter.specified.is_none_or(|specified| specified)
        && filter.equals.as_ref().is_none_or(|equals| value == equals)
        && filter
            .not_equals
            .as_ref()
            .is_none_or(|other| value != other)
        && filter
            .in_
            .as_ref()
            .is_none_or(|values| values.contains(value))
        && filter
            .not_in
            .as_ref()
            .is_none_or(|values| !values.contains(value))
}

fn compare(a: &Transaction, b: &Transaction, property: &str) -> Ordering {
    match property {
        "amount" => a.amount.cmp(&b.amount),
        "currency" => a.currency.cmp(&b.currency),
        "addressFrom" => a.address_from.cmp(&b.address_from),
        "transactionHash" => a.transaction_hash.cmp(&b.transaction_hash),
        "transactionState" => a
            .transaction_state
            .as_str()
            .cmp(b.transaction_state.as_str()),
        "complianceState" => a.compliance_state.as_str().cmp(b.compliance_state.as_str()),
        "translationToAccountCompleted" => a
            .translation_to_account_completed
            .cmp(&b.translation_to_account_completed),
        "id" => a.id.cmp(&b.id),
        _ => a.created_date.cmp(&b.created_date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calypso_customer_purse::types::{ComplianceState, ErrorCode};
    use calypso_customer_purse::{Decimal, OffsetDateTime};

    fn transaction(n: u8, currency: &str, state: TransactionState) -> Transaction {
        Transaction::new(
            Uuid::from_bytes([n; 16]),
            Decimal::from(u32::from(n) * 10),
            format!("0xfrom{n}"),
            currency,
            state,
            ComplianceState::Unchecked,
            false,
            OffsetDateTime::from_unix_timestamp(1_700_000_000 + i64::from(n % 3)).unwrap(),
        )
    }

    fn store() -> Vec<(Transaction, Uuid)> {
        let alice = Uuid::from_bytes([1; 16]);
        let bob = Uuid::from_bytes([2; 16]);
        vec![
            (transaction(1, "ETH", TransactionState::MemPoolFound), alice),
            (
                transaction(2, "USDT_BSC", TransactionState::Confirmed),
                alice,
            ),
            (
                transaction(3, "USDT_TRC20", TransactionState::Declined),
                bob,
            ),
            (transaction(4, "BTC", TransactionState::Confirmed), bob),
            (
                transaction(5, "ETH", TransactionState::PendingComplianceCheck),
                bob,
            ),
        ]
    }

    fn run(request: FindTransactionsRequest) -> Result<TransactionPage, Failure> {
        let store = store();
        let listed = store
            .iter()
            .enumerate()
            .map(|(sequence, (transaction, customer_id))| Listed {
                transaction,
                customer_id: *customer_id,
                sequence: sequence as u64,
            })
            .collect();
        find(listed, &request, Paging::default())
    }

    /// The ids' first byte (1..=5) of the transactions on the page, in order.
    fn numbers(request: FindTransactionsRequest) -> Vec<u8> {
        let page = run(request).unwrap_or_else(|failure| panic!("{failure:?}"));
        page.result
            .unwrap()
            .iter()
            .map(|t| t.id.as_bytes()[0])
            .collect()
    }

    fn currency(filter: StringFilter) -> FindTransactionsRequest {
        FindTransactionsRequest::new().with_currency_filter(filter)
    }

    fn state(filter: TransactionStateFilter) -> FindTransactionsRequest {
        FindTransactionsRequest::new().with_transaction_state_filter(filter)
    }

    #[test]
    fn no_criteria_lists_everything_by_creation_date_then_creation_order() {
        // createdDate seconds: 1→+1, 2→+2, 3→+0, 4→+1, 5→+2.
        assert_eq!(numbers(FindTransactionsRequest::new()), [3, 1, 4, 2, 5]);
    }

    #[test]
    fn each_string_filter_member() {
        assert_eq!(
            numbers(currency(StringFilter::new().with_equals("ETH"))),
            [1, 5]
        );
        assert_eq!(
            numbers(currency(StringFilter::new().with_not_equals("ETH"))),
            [3, 4, 2]
        );
        assert_eq!(
            numbers(currency(
                StringFilter::new().with_in(vec!["BTC".into(), "ETH".into()])
            )),
            [1, 4, 5]
        );
        assert_eq!(
            numbers(currency(
                StringFilter::new().with_not_in(vec!["BTC".into(), "ETH".into()])
            )),
            [3, 2]
        );
        assert_eq!(
            numbers(currency(StringFilter::new().with_contains("USDT"))),
            [3, 2]
        );
        assert_eq!(
            numbers(currency(StringFilter::new().with_does_not_contain("USDT"))),
            [1, 4, 5]
        );
        assert_eq!(
            numbers(currency(StringFilter::new().with_specified(true))).len(),
            5
        );
        assert!(numbers(currency(StringFilter::new().with_specified(false))).is_empty());
        assert!(numbers(currency(StringFilter::new().with_in(Vec::<String>::new()))).is_empty());
        // Members combine with AND.
        assert_eq!(
            numbers(currency(
                StringFilter::new()
                    .with_contains("USDT")
                    .with_not_equals("USDT_BSC")
            )),
            [3]
        );
    }

    #[test]
    fn each_state_filter_member() {
        use TransactionState::*;
        assert_eq!(
            numbers(state(TransactionStateFilter::new().with_equals(Confirmed))),
            [4, 2]
        );
        assert_eq!(
            numbers(state(
                TransactionStateFilter::new().with_not_equals(Confirmed)
            )),
            [3, 1, 5]
        );
        assert_eq!(
            numbers(state(
                TransactionStateFilter::new().with_in(vec![Declined, MemPoolFound])
            )),
            [3, 1]
        );
        assert_eq!(
            numbers(state(
                TransactionStateFilter::new().with_not_in(vec![Declined, MemPoolFound])
            )),
            [4, 2, 5]
        );
        assert!(numbers(state(TransactionStateFilter::new().with_specified(false))).is_empty());
        assert_eq!(
            numbers(state(
                TransactionStateFilter::new().with_equals(TransactionState::from("NEW"))
            )),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn customer_and_filters_combine() {
        let bob = Uuid::from_bytes([2; 16]);
        let request = currency(StringFilter::new().with_equals("ETH")).with_customer_id(bob);
        assert_eq!(numbers(request), [5]);
    }

    #[test]
    fn sorts_by_any_listed_property_in_either_direction() {
        let by = |property: &str, sort| {
            numbers(
                FindTransactionsRequest::new()
                    .with_properties(property)
                    .with_sort(sort),
            )
        };
        assert_eq!(by("amount", SortDirection::Asc), [1, 2, 3, 4, 5]);
        assert_eq!(by("amount", SortDirection::Desc), [5, 4, 3, 2, 1]);
        assert_eq!(by("currency", SortDirection::Asc), [4, 1, 5, 2, 3]);
        assert_eq!(by("createdDate", SortDirection::Desc), [5, 2, 4, 1, 3]);
        assert_eq!(by("transactionState", SortDirection::Asc), [2, 4, 3, 1, 5]);
    }

    #[test]
    fn pages_count_from_one_and_report_totals() {
        let page = |number: i32| {
            run(FindTransactionsRequest::new()
                .with_properties("amount")
                .with_page_number(number)
                .with_page_size(2))
            .unwrap()
        };
        let first = page(1);
        assert_eq!(
            (first.page, first.size, first.total, first.total_elements),
            (1, 2, 3, 5)
        );
        assert_eq!(first.result.unwrap().len(), 2);
        let last = page(3);
        assert_eq!(last.result.unwrap()[0].id.as_bytes()[0], 5);
        let beyond = page(4);
        assert_eq!(beyond.result, Some(vec![]));
        assert_eq!((beyond.total, beyond.total_elements), (3, 5));
    }

    #[test]
    fn any_page_base_and_page_number_is_safe() {
        let store = store();
        let listed = || {
            store
                .iter()
                .map(|(transaction, customer_id)| Listed {
                    transaction,
                    customer_id: *customer_id,
                    sequence: 0,
                })
                .collect()
        };
        let paging = Paging {
            first_page: -5,
            ..Paging::default()
        };
        let far = FindTransactionsRequest::new().with_page_number(i32::MAX);
        let page = find(listed(), &far, paging).unwrap();
        assert_eq!((page.page, page.result), (i32::MAX, Some(vec![])));
        let first = find(listed(), &FindTransactionsRequest::new(), paging).unwrap();
        assert_eq!((first.page, first.result.unwrap().len()), (-5, 5));
    }

    #[test]
    fn bad_paging_or_sort_is_invalid_input() {
        let refused = |request: FindTransactionsRequest| {
            let failure = run(request).expect_err("should be refused");
            assert_eq!(failure.code, ErrorCode::InvalidInput);
            failure.message
        };
        assert!(refused(FindTransactionsRequest::new().with_page_number(0)).contains("first page"));
        assert!(refused(FindTransactionsRequest::new().with_page_size(0)).contains("1..=100"));
        assert!(refused(FindTransactionsRequest::new().with_page_size(101)).contains("1..=100"));
        assert!(refused(FindTransactionsRequest::new().with_properties("nope")).contains("nope"));
        assert!(
            refused(FindTransactionsRequest::new().with_sort(SortDirection::from("UP")))
                .contains("UP")
        );
    }
}
