//! How model types are spelled in generated code.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::RustType;

/// An identifier; the checker has made sure every name is a valid one.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type for `ty`, with generated types reached through `named_prefix`
/// (empty inside the types module, `crate::types::` elsewhere).
pub fn tokens(ty: &RustType, named_prefix: &TokenStream) -> TokenStream {
    match ty {
        RustType::String | RustType::StringOrNumber => quote!(String),
        RustType::Bool => quote!(bool),
        RustType::I32 => quote!(i32),
        RustType::I64 => quote!(i64),
        RustType::Decimal => quote!(rust_decimal::Decimal),
        RustType::Uuid => quote!(uuid::Uuid),
        RustType::DateTime => quote!(time::OffsetDateTime),
        RustType::Json => quote!(serde_json::Value),
        RustType::Named(name) => {
            let name = ident(name);
            quote!(#named_prefix #name)
        }
        RustType::List(item) => {
            let item = tokens(item, named_prefix);
            quote!(Vec<#item>)
        }
    }
}

/// A Rust type on one line as the generated code spells it (`Vec<types::Widget>`), with
/// generated types behind `named_prefix`: for docs and reports.
pub(crate) fn spelled(ty: &RustType, named_prefix: &str) -> String {
    match ty {
        RustType::Named(name) => format!("{named_prefix}{name}"),
        RustType::List(item) => format!("Vec<{}>", spelled(item, named_prefix)),
        other => tokens(other, &TokenStream::new())
            .to_string()
            .replace(" :: ", "::"),
    }
}
