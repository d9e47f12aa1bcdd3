//! A merchant's code, as a user of the generated client writes it: the functions the tests
//! in `tests/` exercise, with the client's mock and with the sandbox, the way a user's own
//! tests would.

use calypso_customer_purse::Uuid;
use calypso_customer_purse::types::{
    CreateCustomerRequest, Customer, ErrorCode, ExternalIdRequest, FindTransactionsRequest,
    Transaction,
};
use calypso_customer_purse::{Client, Error};

/// The customer with this external id: found, or created when the API does not know it.
///
/// # Errors
///
/// Any error of the lookup but "not found", or of the creation.
pub async fn onboard(client: &Client, external_id: &str) -> Result<Customer, Error> {
    match client
        .get_customer_by_external_id(&ExternalIdRequest::new(external_id))
        .await
    {
        Ok(customer) => Ok(customer),
        Err(Error::Api(refused)) if refused.body.error_code == Some(ErrorCode::NotFound) => {
            let create = CreateCustomerRequest::new().with_external_id(external_id);
            client.create_customer(&create).await
        }
        Err(error) => Err(error),
    }
}

/// Every deposit transaction of a customer, all pages walked.
///
/// # Errors
///
/// The first error of any page.
pub async fn deposits_of(client: &Client, customer_id: Uuid) -> Result<Vec<Transaction>, Error> {
    let query = FindTransactionsRequest::new()
        .with_customer_id(customer_id)
        .with_page_size(2);
    client.find_transactions_all(&query).await
}
