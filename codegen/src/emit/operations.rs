//! `src/operations.rs`: one client method per operation (plus, for a paged operation, one
//! that streams every item and one that collects them). Each runs through the runtime's
//! `Client::call` with the operation's place in the contract's `OPERATIONS`.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_types::{ident, tokens};
use super::{docs, spec_path};
use crate::model::{Api, Operation, Pagination, RustType};

pub fn emit(api: &Api) -> TokenStream {
    let types = quote!(crate::types::);
    let methods = api
        .operations
        .iter()
        .enumerate()
        .map(|(index, op)| operation_methods(index, op, &types));
    quote! {
        //! The client's methods: one per operation of the API, each sending its payload signed.

        use crate::client::Client;
        use crate::error::Error;

        impl Client {
            #(#methods)*
        }
    }
}

fn operation_methods(index: usize, op: &Operation, types: &TokenStream) -> TokenStream {
    let summary = op.summary.as_deref();
    let sends = format!(
        "Sends `POST {}` (operation `{}`).",
        op.http_path, op.operation_id
    );
    let retries = if op.idempotent {
        "Safe to repeat: retried after a passing failure, as the client's [`RetryPolicy`](crate::RetryPolicy) \
         allows."
    } else {
        "Changes state: retried only when the request certainly never reached the server, \
         unless the call opts in with \
         [`RequestOptions::retry_state_changing`](crate::RequestOptions::retry_state_changing)."
    };
    let errors = "# Errors\n\nAn [`Error`] says what failed and whether the request may have \
                  reached the server.";
    let doc = docs::outer(&docs::paragraphs([
        summary,
        op.description.as_deref(),
        Some(&sends),
        Some(retries),
        Some(errors),
    ]));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let spec = spec_path(&op.spec_path);
    let method = ident(&op.method);
    let payload = ident(&op.payload);
    let response = tokens(&op.response, types);
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    let paged = op
        .pagination
        .as_ref()
        .map(|pagination| paged_methods(op, pagination, types));
    quote! {
        #doc
        #spec
        #deprecated
        pub async fn #method(&self, payload: &#types #payload) -> Result<#response, Error> {
            self.call(#index, payload).await
        }

        #paged
    }
}

/// Every item of a paged operation as a stream, and all of them collected.
fn paged_methods(op: &Operation, pagination: &Pagination, types: &TokenStream) -> TokenStream {
    let method = ident(&op.method);
    let stream_method = ident(&pagination.stream_method);
    let all_method = ident(&pagination.all_method);
    let payload = ident(&op.payload);
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
    let stream_doc = stream_doc(op, pagination);
    let all_doc = docs::outer(&format!(
        "Every item of [`{method}`](Self::{method}), all pages collected into one list; see \
         [`{stream_method}`](Self::{stream_method}) to handle items as they come.\n\n\
         # Errors\n\n\
         The first [`Error`]; the items read before it are dropped."
    ));
    let spec = spec_path(&format!("{}.x-pagination", op.spec_path));
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

/// The doc of a paged operation's `_stream` method: how the walk starts, goes and ends.
fn stream_doc(op: &Operation, pagination: &Pagination) -> TokenStream {
    let method = &op.method;
    let first_page = pagination.first_page;
    let wire_page = &pagination.page_number_field;
    let end = if pagination.total_pages.is_some() {
        "after the last page (by the number of pages the response gives), or at an empty page"
    } else {
        "at the first empty page"
    };
    let start = if pagination.page_number_optional {
        format!("at the payload's `{wire_page}` when it is set, else at the first page")
    } else {
        format!("at the payload's `{wire_page}`")
    };
    let numbered = if pagination.first_page_inferred {
        format!(
            "Pages are numbered from {first_page}, an inference: the API does not document \
             it. If the server counts otherwise, the walk skips or repeats a page; set the \
             client's [`first_page`](crate::ClientBuilder::first_page)."
        )
    } else {
        format!(
            "Pages are numbered from {first_page}, unless the client's \
             [`first_page`](crate::ClientBuilder::first_page) says otherwise."
        )
    };
    docs::outer(&format!(
        "Every item of [`{method}`](Self::{method}), page after page: a stream that asks for \
         the next page only when the items of the one before have been taken, and ends {end}.\n\n\
         {numbered} The walk starts {start}; everything else in the payload (page size, \
         filters, sort) is sent with every page. Each page is one call, retried like \
         [`{method}`](Self::{method}). An error is the stream's last item.\n\n\
         Use `futures::StreamExt` (or `TryStreamExt`) to take items from it."
    ))
}
