//! `src/mock_operations.rs` (with the `mock` feature): the mock's typed entry point per
//! operation, and each operation's payload check. The mock itself is the runtime's `mock.rs`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::rust_types::{ident, tokens};
use super::{docs, spec_path};
use crate::model::{Api, RustType};

pub fn emit(api: &Api) -> TokenStream {
    let types = quote!(types::);
    let lib = api.package.lib_name();
    let methods = api.operations.iter().enumerate().map(|(index, op)| {
        let mut text = format!(
            "Stubs and calls of operation `{}` (`POST {}`), mocking \
             [`Client::{}`](crate::Client::{}).",
            op.operation_id, op.http_path, op.method, op.method
        );
        if index == 0 {
            text.push_str(&typed_stubs_doc(&lib, &op.method));
        }
        let doc = docs::outer(&text);
        let spec = spec_path(&op.spec_path);
        let method = ident(&op.method);
        let payload = tokens(&RustType::Named(op.payload.clone()), &types);
        let response = tokens(&op.response, &types);
        let index = Literal::usize_unsuffixed(index);
        quote! {
            #doc
            #spec
            pub fn #method(&self) -> OperationMock<'_, #payload, #response> {
                self.operation(#index)
            }
        }
    });
    let checks = api
        .operations
        .iter()
        .map(|op| tokens(&RustType::Named(op.payload.clone()), &types));
    let count = Literal::usize_unsuffixed(api.operations.len());
    quote! {
        //! The mock's typed entry point per operation (see [`crate::mock`]).

        use crate::mock::{reads_as, MockApi, OperationMock, PayloadCheck};
        use crate::types;

        impl MockApi {
            #(#methods)*
        }

        /// Whether a payload reads as its operation's type, by operation.
        #[spec_path = "paths"]
        pub(crate) const PAYLOAD_CHECKS: [PayloadCheck; #count] = [#(reads_as::<#checks>),*];
    }
}

/// Doctests that a stub is typed by its operation: a response or a payload of another type
/// does not compile. (The crate docs' example compiles with the right types.)
fn typed_stubs_doc(lib: &str, method: &str) -> String {
    let wrong = |line: &str| {
        format!(
            "\n\n```compile_fail\n\
             # async fn f(mock: &{lib}::mock::MockApi) {{\n\
             {line}\n\
             # }}\n\
             ```"
        )
    };
    format!(
        "\n\nA stub is typed by its operation: it answers with the operation's response type \
         and its predicate reads the operation's payload type; anything else does not \
         compile.{}{}",
        wrong(&format!(
            "mock.{method}().respond_with(&\"not the response type\");"
        )),
        wrong(&format!(
            "mock.{method}().when(|payload: &String| payload.is_empty());"
        )),
    )
}
