//! A flag per top-level payload field: its name, its Rust type, how clap parses it and how
//! the runtime's `payload::Fields` takes its value.

use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

use super::super::rust_types::ident;
use crate::model::{Api, Field, RustType, TypeKind};

/// One field's flag.
pub struct Flag {
    /// The long flag, without `--`.
    pub long: String,
    /// The field of the generated `Args` struct.
    pub member: proc_macro2::Ident,
    /// The field's JSON name.
    pub property: String,
    /// The `Args` field's type.
    pub ty: TokenStream,
    /// What goes in `#[arg(...)]` besides `long` and the help.
    pub arg: TokenStream,
    /// The `Fields` method that takes its value.
    pub take: proc_macro2::Ident,
    /// The help line.
    pub help: String,
}

/// How a value of a type is given on the command line.
enum Given {
    /// Parsed by clap into this type, then serialized (`Fields::value`).
    Typed(TokenStream, &'static str),
    /// Text checked by a parser of the runtime's `payload` module, then taken as JSON text
    /// (`Fields::json`) or as a JSON string (`Fields::value`).
    Checked(&'static str, &'static str, bool),
}

fn given(api: &Api, ty: &RustType) -> Given {
    match ty {
        RustType::String | RustType::StringOrNumber => Given::Typed(quote!(String), "TEXT"),
        RustType::Bool => Given::Typed(quote!(bool), "BOOL"),
        RustType::I32 => Given::Typed(quote!(i32), "INTEGER"),
        RustType::I64 => Given::Typed(quote!(i64), "INTEGER"),
        RustType::Uuid => Given::Typed(quote!(client::Uuid), "UUID"),
        RustType::Decimal => Given::Checked("decimal", "DECIMAL", true),
        RustType::DateTime => Given::Checked("date_time", "DATE-TIME", false),
        RustType::Named(_) if enum_values(api, ty).is_some() => {
            Given::Typed(quote!(String), "VALUE")
        }
        RustType::Named(_) | RustType::Json | RustType::List(_) => {
            Given::Checked("json_text", "JSON", true)
        }
    }
}

/// The values an enum field takes, for its help; `None` when `ty` is no enum.
fn enum_values(api: &Api, ty: &RustType) -> Option<String> {
    let RustType::Named(name) = ty else {
        return None;
    };
    api.types.iter().find_map(|def| match &def.kind {
        TypeKind::Enum(e) if def.name == *name => Some(
            e.variants
                .iter()
                .map(|variant| variant.wire_value.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    })
}

pub fn flag(api: &Api, field: &Field) -> Flag {
    made_flag(api, field, "field")
}

/// The flag of `field`, its clap id and `Args` member marked with `kind` (`field`, `param`).
fn made_flag(api: &Api, field: &Field, kind: &str) -> Flag {
    let base = field.name.trim_end_matches('_').to_kebab_case();
    // A field named like one of the tool's own flags gets a `payload-` prefix.
    let long = if crate::taken::tool_flags().contains(&base) {
        format!("payload-{base}")
    } else {
        base
    };
    let member = ident(&format!("{kind}_{}", field.name.trim_end_matches('_')));
    let mut help = field
        .doc
        .as_deref()
        .map(super::super::docs::first_line)
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_owned();
    if help.is_empty() {
        help = format!("`{}`", field.wire_name);
    }
    let list_item = match &field.ty {
        RustType::List(item) => match given(api, item) {
            Given::Typed(ty, value_name) => Some((ty, value_name, &**item)),
            Given::Checked(..) => None,
        },
        _ => None,
    };
    if let Some(values) = enum_values(
        api,
        list_item.as_ref().map_or(&field.ty, |(_, _, item)| item),
    ) {
        help.push_str(&format!(" (one of {values}, or another the API adds)"));
    }
    if list_item.is_some() {
        help.push_str("; repeat the flag for each");
    }
    if !field.optional {
        help.push_str(" [required]");
    }
    let id = format!("{kind}:{}", field.wire_name);
    let (ty, arg, take) = match (list_item, given(api, &field.ty)) {
        (Some((ty, value_name, _)), _) => (
            quote!(Vec<#ty>),
            quote!(id = #id, value_name = #value_name, action = clap::ArgAction::Append),
            "list",
        ),
        (None, Given::Typed(ty, value_name)) => (
            quote!(Option<#ty>),
            quote!(id = #id, value_name = #value_name),
            "value",
        ),
        (None, Given::Checked(parser, value_name, as_json)) => {
            let parser = ident(parser);
            (
                quote!(Option<String>),
                quote!(id = #id, value_name = #value_name, value_parser = crate::payload::#parser),
                if as_json { "json" } else { "value" },
            )
        }
    };
    Flag {
        long,
        member,
        property: field.wire_name.clone(),
        ty,
        arg,
        take: ident(take),
        help,
    }
}

/// A path or query parameter's flag: named after it, or `--param-<name>` when one of
/// `payload_flags` (or the tool) has that name already.
pub fn param_flag(api: &Api, field: &Field, payload_flags: &[Flag]) -> Flag {
    let mut made = made_flag(api, field, "param");
    let base = field.name.trim_end_matches('_').to_kebab_case();
    if made.long != base || payload_flags.iter().any(|other| other.long == base) {
        made.long = format!("param-{base}");
    }
    made
}
