//! `src/mock_operations.rs` (with the `mock` feature): the mock's typed entry point per
//! operation, and each operation's payload check. The mock itself is the runtime's `mock.rs`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use minijinja::context;

use super::operations::request_type;
use super::rust_types::{ident, tokens};
use super::template_view::OperationView;
use super::{SpecPaths, docs, templates};
use crate::model::Api;

pub fn emit(api: &Api, paths: SpecPaths) -> TokenStream {
    let types = quote!(types::);
    let lib = api.package.lib_name();
    let methods = api.operations.iter().enumerate().map(|(index, op)| {
        let doc = docs::outer(&templates::render(
            "client/docs/mock-operation.md",
            OperationView::of(op).context_with(context! { lib => &lib, first => index == 0 }),
        ));
        let spec = paths.mark(&op.spec_path);
        let method = ident(&op.method);
        let payload = request_type(op, &types);
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
    let checks = api.operations.iter().map(|op| request_type(op, &types));
    let count = Literal::usize_unsuffixed(api.operations.len());
    let checks_mark = paths.mark("paths");
    quote! {
        //! The mock's typed entry point per operation (see [`crate::mock`]).

        use crate::mock::{reads_as, MockApi, OperationMock, PayloadCheck};
        use crate::types;

        impl MockApi {
            #(#methods)*
        }

        /// Whether a payload reads as its operation's type, by operation.
        #checks_mark
        pub(crate) const PAYLOAD_CHECKS: [PayloadCheck; #count] = [#(reads_as::<#checks>),*];
    }
}
