//! `x-pagination`: which payload field asks for a page, and which response fields hold the
//! items and the number of pages.

use super::Result;
use super::schemas::Types;
use crate::error::{Problem, SpecPath};
use crate::model::{Field, Pagination, RustType};
use crate::spec;

pub(crate) fn check_pagination(
    pagination: &spec::Pagination,
    path: &SpecPath,
    types: &Types,
    payload: &str,
    response: &RustType,
    method: &str,
) -> Result<Pagination> {
    let page_path = path.key("pageNumberProperty");
    let page = field(types, payload, &pagination.page_number_property, &page_path)?;
    if !is_integer(&page.ty) {
        return Err(Problem::new(
            &page_path,
            format!(
                "the page number `{}` must be an integer property",
                page.wire_name
            ),
        ));
    }

    let page_type = match response {
        RustType::Named(name) if types.struct_def(name).is_some() => name,
        _ => {
            return Err(Problem::new(
                path,
                "a paged operation's 200 response must be an object schema",
            ));
        }
    };
    let items_path = path.key("itemsProperty");
    let items = field(types, page_type, &pagination.items_property, &items_path)?;
    let RustType::List(item) = &items.ty else {
        return Err(Problem::new(
            &items_path,
            format!("the items `{}` must be an array property", items.wire_name),
        ));
    };
    let total_pages = match &pagination.total_pages_property {
        None => None,
        Some(property) => {
            let total_path = path.key("totalPagesProperty");
            let total = field(types, page_type, property, &total_path)?;
            if !is_integer(&total.ty) {
                return Err(Problem::new(
                    &total_path,
                    format!(
                        "the number of pages `{}` must be an integer property",
                        total.wire_name
                    ),
                ));
            }
            Some((total.name.clone(), total.optional))
        }
    };
    if pagination.first_page < 0 {
        return Err(Problem::new(
            &path.key("firstPage"),
            format!(
                "the first page {} is negative; pages count from 0 or 1",
                pagination.first_page
            ),
        ));
    }
    if i32::try_from(pagination.first_page).is_err() && page.ty == RustType::I32 {
        return Err(Problem::new(
            &path.key("firstPage"),
            format!(
                "the first page {} does not fit the int32 `{}`",
                pagination.first_page, page.wire_name
            ),
        ));
    }
    let [stream_method, all_method] = paged_methods(method);
    Ok(Pagination {
        page_number_field: page.name.clone(),
        page_number_type: page.ty.clone(),
        page_number_optional: page.optional,
        first_page: pagination.first_page,
        first_page_inferred: pagination.first_page_inferred,
        items_field: items.name.clone(),
        items_optional: items.optional,
        item: (**item).clone(),
        total_pages,
        stream_method,
        all_method,
    })
}

/// The suffixes of a paged operation's extra methods: every item as a stream, and collected.
pub const PAGED_METHOD_SUFFIXES: [&str; 2] = ["_stream", "_all"];

/// A paged operation's extra methods: the one that streams, and the one that collects.
pub(crate) fn paged_methods(method: &str) -> [String; 2] {
    PAGED_METHOD_SUFFIXES.map(|suffix| format!("{method}{suffix}"))
}

fn is_integer(ty: &RustType) -> bool {
    matches!(ty, RustType::I32 | RustType::I64)
}

/// The field of struct `type_name` whose JSON name is `wire_name`.
fn field<'t>(
    types: &'t Types,
    type_name: &str,
    wire_name: &str,
    path: &SpecPath,
) -> Result<&'t Field> {
    let def = types
        .struct_def(type_name)
        .ok_or_else(|| Problem::new(path, format!("`{type_name}` is not an object schema")))?;
    def.fields
        .iter()
        .find(|field| field.wire_name == wire_name)
        .ok_or_else(|| Problem::new(path, format!("`{type_name}` has no property `{wire_name}`")))
}
