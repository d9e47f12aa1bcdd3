//! `src/types.rs`: a struct for every object schema and an open enum for every string enum.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_types::{ident, tokens};
use super::{SpecPaths, docs};
use crate::check::{OTHER_PROPERTIES_FIELD, UNKNOWN_VARIANT};
use crate::model::{Api, EnumDef, Field, RustType, StructDef, TypeDef, TypeKind};

pub fn emit(api: &Api, paths: SpecPaths) -> TokenStream {
    let module_doc = docs::inner(
        "Request and response types, one per schema of the spec.\n\n\
         Structs are `#[non_exhaustive]`: build them with `new` (the required fields) and the \
         `with_*` setters (the optional ones), so that a field added to the spec does not break \
         your code. Enums are open: a value the spec does not list is kept in `Unknown`.",
    );
    let items = api.types.iter().map(|def| match &def.kind {
        TypeKind::Struct(fields) => struct_item(def, fields, paths),
        TypeKind::Enum(variants) => enum_item(def, variants, paths),
    });
    quote! {
        #module_doc
        #(#items)*
    }
}

fn type_doc(def: &TypeDef) -> TokenStream {
    let fallback = format!("The `{}` schema.", def.name);
    docs::outer(def.doc.as_deref().unwrap_or(&fallback))
}

fn field_doc(field: &Field) -> String {
    match &field.doc {
        Some(doc) => doc.clone(),
        None => format!("The `{}` property.", field.wire_name),
    }
}

fn struct_item(def: &TypeDef, struct_def: &StructDef, paths: SpecPaths) -> TokenStream {
    let doc = type_doc(def);
    let name = ident(&def.name);
    let no_prefix = TokenStream::new();
    let required: Vec<&Field> = struct_def.fields.iter().filter(|f| !f.optional).collect();
    let optional: Vec<&Field> = struct_def.fields.iter().filter(|f| f.optional).collect();

    let spec = paths.mark(&def.spec_path);
    let fields = struct_def.fields.iter().map(|field| {
        let doc = docs::outer(&field_doc(field));
        let spec = paths.mark(&field.spec_path);
        let field_name = ident(&field.name);
        let ty = tokens(&field.ty, &no_prefix);
        let ty = if field.optional {
            quote!(Option<#ty>)
        } else {
            ty
        };
        let serde = field_serde(field);
        quote! { #doc #spec #serde pub #field_name: #ty, }
    });
    let other_properties = struct_def.keeps_other_properties.then(|| {
        let field_name = ident(OTHER_PROPERTIES_FIELD);
        let spec = paths.mark(&format!("{}.additionalProperties", def.spec_path));
        quote! {
            #spec
            /// Properties the spec does not name, kept as they were received.
            #[serde(flatten)]
            pub #field_name: serde_json::Map<String, serde_json::Value>,
        }
    });

    let derive_default = required.is_empty().then(|| quote!(Default,));
    let params = required.iter().map(|field| {
        let field_name = ident(&field.name);
        let ty = tokens(&field.ty, &no_prefix);
        quote!(#field_name: impl Into<#ty>)
    });
    let init_required = required.iter().map(|field| {
        let field_name = ident(&field.name);
        quote!(#field_name: #field_name.into(),)
    });
    let init_optional = optional.iter().map(|field| {
        let field_name = ident(&field.name);
        quote!(#field_name: None,)
    });
    let init_other = struct_def.keeps_other_properties.then(|| {
        let field_name = ident(OTHER_PROPERTIES_FIELD);
        quote!(#field_name: serde_json::Map::new(),)
    });
    // Clippy's limit is 7; a schema with more required fields still gets one constructor.
    let allow_many = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let new_doc = docs::outer(&format!(
        "Creates a `{}` from its required fields; optional fields start as `None`.",
        def.name
    ));
    let new_spec = paths.mark(&format!("{}.required", def.spec_path));
    let setters = optional.iter().map(|field| {
        let field_name = ident(&field.name);
        let setter = ident(&setter_name(field));
        let ty = tokens(&field.ty, &no_prefix);
        let doc = docs::outer(&format!(
            "Sets `{}`: {}",
            field.name,
            docs::first_line(&field_doc(field))
        ));
        let spec = paths.mark(&field.spec_path);
        quote! {
            #doc
            #spec
            #[must_use]
            pub fn #setter(mut self, #field_name: impl Into<#ty>) -> Self {
                self.#field_name = Some(#field_name.into());
                self
            }
        }
    });

    quote! {
        #doc
        #spec
        #[derive(Debug, Clone, PartialEq, #derive_default serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #other_properties
        }

        #spec
        impl #name {
            #new_doc
            #new_spec
            #allow_many
            pub fn new(#(#params),*) -> Self {
                Self {
                    #(#init_required)*
                    #(#init_optional)*
                    #init_other
                }
            }

            #(#setters)*
        }
    }
}

fn field_serde(field: &Field) -> TokenStream {
    let mut parts = Vec::new();
    if field.wire_name != field.name {
        let wire = &field.wire_name;
        parts.push(quote!(rename = #wire));
    }
    if field.optional {
        parts.push(quote!(default, skip_serializing_if = "Option::is_none"));
    }
    let with = match field.ty {
        RustType::Decimal => Some("crate::wire::decimal"),
        RustType::DateTime => Some("crate::wire::date_time"),
        RustType::StringOrNumber => Some("crate::wire::string_or_number"),
        _ => None,
    };
    if let Some(with) = with {
        parts.push(quote!(with = #with));
    }
    if parts.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[serde(#(#parts),*)])
    }
}

fn enum_item(def: &TypeDef, enum_def: &EnumDef, paths: SpecPaths) -> TokenStream {
    let doc = type_doc(def);
    let name = ident(&def.name);
    let unknown = ident(UNKNOWN_VARIANT);
    let variants = enum_def.variants.iter().map(|variant| {
        let text = match &variant.doc {
            Some(doc) => format!("`{}`: {doc}", variant.wire_value),
            None => format!("`{}`", variant.wire_value),
        };
        let doc = docs::outer(&text);
        let spec = paths.mark(&variant.spec_path);
        let variant_name = ident(&variant.name);
        quote! { #doc #spec #variant_name, }
    });
    let to_wire = enum_def.variants.iter().map(|variant| {
        let variant_name = ident(&variant.name);
        let wire = &variant.wire_value;
        quote!(Self::#variant_name => #wire,)
    });
    let from_wire = enum_def.variants.iter().map(|variant| {
        let variant_name = ident(&variant.name);
        let wire = &variant.wire_value;
        quote!(#wire => Self::#variant_name,)
    });

    let spec = paths.mark(&def.spec_path);
    quote! {
        #doc
        #spec
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value this version of the crate does not know; it is kept as received.
            #unknown(crate::UnknownValue),
        }

        #spec
        impl #name {
            /// The value as it is written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_wire)*
                    Self::#unknown(value) => value.as_str(),
                }
            }
        }

        #spec
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_wire)*
                    other => Self::#unknown(crate::UnknownValue::new(other)),
                }
            }
        }

        #spec
        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            // Not `Self::Err`: a variant named `Err` would make that ambiguous.
            fn from_str(value: &str) -> Result<Self, std::convert::Infallible> {
                Ok(Self::from(value))
            }
        }

        #spec
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #spec
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #spec
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_str()))
            }
        }
    }
}

/// The name of the setter of an optional field: `with_` and the field's name, without the
/// `_` that a keyword field name (`type_`) ends with.
pub(crate) fn setter_name(field: &Field) -> String {
    format!("with_{}", field.name.trim_end_matches('_'))
}
