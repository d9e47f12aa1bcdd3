//! A hand-written stand-in for the generated `mock_operations.rs`
//! (`codegen/src/emit/mock_operations.rs`): the mock's typed entry point per operation.

use crate::mock::{reads_as, MockApi, OperationMock, PayloadCheck};
use crate::types;

impl MockApi {
    /// Stubs and calls of operation `getThing`.
    pub fn get_thing(&self) -> OperationMock<'_, types::ThingIdRequest, types::Thing> {
        self.operation(0)
    }

    /// Stubs and calls of operation `createThing`.
    pub fn create_thing(&self) -> OperationMock<'_, types::CreateThingRequest, types::Thing> {
        self.operation(1)
    }

    /// Stubs and calls of operation `findThings`.
    pub fn find_things(&self) -> OperationMock<'_, types::FindThingsRequest, types::ThingPage> {
        self.operation(2)
    }
}

/// Whether a payload reads as its operation's type, by operation.
pub(crate) const PAYLOAD_CHECKS: [PayloadCheck; 3] = [
    reads_as::<types::ThingIdRequest>,
    reads_as::<types::CreateThingRequest>,
    reads_as::<types::FindThingsRequest>,
];
