//! `src/operations.rs`: one client method per operation (plus, for a paged operation, one
//! that streams every item and one that collects them). Each runs through the runtime's
//! `Client::call` with the operation's place in the contract's `OPERATIONS`.

use minijinja::Value;
use proc_macro2::TokenStream;
use quote::quote;

use super::rust_types::{ident, tokens};
use super::template_view::OperationView;
use super::{SpecPaths, docs, templates};
use crate::model::{Api, Operation, Pagination, RustType};

pub fn emit(api: &Api, paths: SpecPaths) -> TokenStream {
    let types = quote!(crate::types::);
    let methods = api
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| operation_methods(index, op, &types, paths));
    quote! {
        //! The client's methods: one per operation of the API, each sending its payload signed.

        use crate::client::Client;
        use crate::error::Error;

        impl Client {
            #(#methods)*
        }
    }
}

fn operation_methods(
    index: usize,
    op: &Operation,
    types: &TokenStream,
    paths: SpecPaths,
) -> TokenStream {
    let context = OperationView::of(op).context();
    let doc = docs::outer(&templates::render(
        "client/docs/operation.md",
        context.clone(),
    ));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let spec = paths.mark(&op.spec_path);
    let method = ident(&op.method);
    let response = tokens(&op.response, types);
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    let paged = match (&op.pagination, &op.payload) {
        (Some(pagination), Some(payload)) => Some(paged_methods(
            op, payload, pagination, types, paths, &context,
        )),
        _ => None,
    };
    // What the operation sends, as the method takes it and as `call` takes it.
    let (args, request) = match (&op.params, &op.payload) {
        (None, Some(payload)) => {
            let payload = ident(payload);
            (quote!(payload: &#types #payload), quote!(payload))
        }
        (Some(params), None) => {
            let params = ident(&params.name);
            (quote!(params: &#types #params), quote!(params))
        }
        (Some(params), Some(payload)) => {
            let (params, payload) = (ident(&params.name), ident(payload));
            (
                quote!(params: &#types #params, payload: &#types #payload),
                quote!(&(params, payload)),
            )
        }
        (None, None) => (quote!(), quote!(&())),
    };
    quote! {
        #doc
        #spec
        #deprecated
        pub async fn #method(&self, #args) -> Result<#response, Error> {
            self.call(#index, #request).await
        }

        #paged
    }
}

/// Every item of a paged operation as a stream, and all of them collected.
fn paged_methods(
    op: &Operation,
    payload: &str,
    pagination: &Pagination,
    types: &TokenStream,
    paths: SpecPaths,
    context: &Value,
) -> TokenStream {
    let method = ident(&op.method);
    let stream_method = ident(&pagination.stream_method);
    let all_method = ident(&pagination.all_method);
    let payload = ident(payload);
    let response = tokens(&op.response, types);
    let item = tokens(&pagination.item, types);
    let page_field = ident(&pagination.page_number_field);
    let items_field = ident(&pagination.items_field);
    let first_page = pagination.first_page;

    let page_value = match pagination.page_number_type {
        RustType::I64 => quote!(page),
        _ => quote!(match i32::try_from(page) {
            Ok(page) => page,
            Err(_) => return false,
        }),
    };
    let (set_page, start) = if pagination.page_number_optional {
        (
            quote!(payload.#page_field = Some(#page_value);),
            quote!(payload.#page_field.map_or(first_page, crate::paging::wide)),
        )
    } else {
        (
            quote!(payload.#page_field = #page_value;),
            quote!(crate::paging::wide(payload.#page_field)),
        )
    };
    let items = if pagination.items_optional {
        quote!(page.#items_field.unwrap_or_default())
    } else {
        quote!(page.#items_field)
    };
    let total_pages = match &pagination.total_pages {
        Some((field, false)) => {
            let field = ident(field);
            quote!(Some(crate::paging::wide(page.#field)))
        }
        Some((field, true)) => {
            let field = ident(field);
            quote!(page.#field.map(crate::paging::wide))
        }
        None => quote!(None),
    };
    // How the walk starts, goes and ends; and what collecting it gives.
    let stream_doc = docs::outer(&templates::render("client/docs/stream.md", context.clone()));
    let all_doc = docs::outer(&templates::render("client/docs/all.md", context.clone()));
    let spec = paths.mark(&format!("{}.x-pagination", op.spec_path));
    // A page payload whose page number cannot be represented ends the walk (`false`).
    quote! {
        #stream_doc
        #spec
        pub fn #stream_method(
            &self,
            payload: &#types #payload,
        ) -> impl futures_util::Stream<Item = Result<#item, Error>> + Send + 'static {
            let client = self.clone();
            let first_page = self.first_page(#first_page);
            let start = #start;
            crate::paging::items(
                payload.clone(),
                start,
                first_page,
                move |payload: #types #payload| {
                    let client = client.clone();
                    async move { client.#method(&payload).await }
                },
                |payload: &mut #types #payload, page: i64| {
                    #set_page
                    true
                },
                |page: #response| (#items, #total_pages),
            )
        }

        #all_doc
        #spec
        pub async fn #all_method(&self, payload: &#types #payload) -> Result<Vec<#item>, Error> {
            futures_util::TryStreamExt::try_collect(self.#stream_method(payload)).await
        }
    }
}

/// The type of what `op` sends, as its mock's stubs read it: the payload, the params struct,
/// the pair of them, or `()`.
pub(super) fn request_type(op: &Operation, types: &TokenStream) -> TokenStream {
    let named = |name: &str| tokens(&RustType::Named(name.to_owned()), types);
    match (&op.params, &op.payload) {
        (None, Some(payload)) => named(payload),
        (Some(params), None) => named(&params.name),
        (Some(params), Some(payload)) => {
            let (params, payload) = (named(&params.name), named(payload));
            quote!((#params, #payload))
        }
        (None, None) => quote!(()),
    }
}
