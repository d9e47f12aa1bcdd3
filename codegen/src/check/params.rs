//! An operation's path and query parameters: the path's and its own, each a scalar (text,
//! integer, number, boolean, date-time, uuid, string enum) or an array of scalars, in the
//! simple style (path) or the exploded form style (query), gathered into the operation's
//! `<Operation>Params` struct.

use super::Result;
use super::schemas::Types;
use crate::error::{Problem, SpecPath};
use crate::model::{Field, Param, ParamKind, ParamPlace, Params, RustType};
use crate::naming::{camel_name, snake_name};
use crate::spec::Parameter;

/// The parameters of an operation: `path_level` (the path's, for each of its operations) and
/// `own` (the operation's, which replace the path's of the same name and place), each with
/// where it is. `None` when there are none.
pub(crate) fn check_params(
    (path_level, path): (Option<&[Parameter]>, &SpecPath),
    (own, op_path): (Option<&[Parameter]>, &SpecPath),
    http_path: &str,
    struct_name: &str,
    request_line: &str,
    operation_id: &str,
    types: &mut Types,
) -> Result<Option<Params>> {
    let mut gathered: Vec<(&Parameter, SpecPath, (&str, ParamPlace))> = Vec::new();
    for (list, owner) in [(path_level, path), (own, op_path)] {
        let own_start = gathered.len();
        for (index, parameter) in list.unwrap_or_default().iter().enumerate() {
            let at = owner.key("parameters").index(index);
            let key = identity(parameter, &at)?;
            if gathered[own_start..]
                .iter()
                .any(|(_, _, other)| *other == key)
            {
                return Err(Problem::new(
                    &at,
                    format!(
                        "duplicate parameter `{}` in the {}",
                        key.0,
                        place_name(key.1)
                    ),
                ));
            }
            match gathered[..own_start]
                .iter()
                .position(|(_, _, other)| *other == key)
            {
                Some(overridden) => gathered[overridden] = (parameter, at, key),
                None => gathered.push((parameter, at, key)),
            }
        }
    }
    for name in template_names(http_path) {
        let named = gathered
            .iter()
            .any(|(_, _, (other, place))| *other == name && *place == ParamPlace::Path);
        if !named {
            return Err(Problem::new(
                path,
                format!(
                    "the path's `{{{name}}}` has no path parameter: add `{{name: {name}, in: \
                     path, required: true, schema: ...}}` to the operation's or the path's \
                     `parameters`"
                ),
            ));
        }
    }
    if gathered.is_empty() {
        return Ok(None);
    }
    // The path's first, then the query's: the order of `new`'s arguments.
    gathered.sort_by_key(|(_, _, (_, place))| *place == ParamPlace::Query);
    let mut list: Vec<Param> = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    for (parameter, at, (name, place)) in gathered {
        let (param, field) =
            check_param(parameter, &at, name, place, http_path, struct_name, types)?;
        if let Some(other) = list.iter().find(|other| other.field == param.field) {
            return Err(Problem::new(
                &at.key("name"),
                format!(
                    "parameters `{}` and `{name}` both become the Rust field `{}`",
                    other.wire_name, param.field
                ),
            ));
        }
        list.push(param);
        fields.push(field);
    }
    types.define_struct(
        struct_name,
        format!("The path and query parameters of `{operation_id}` (`{request_line}`)."),
        fields,
        op_path,
    )?;
    Ok(Some(Params {
        name: struct_name.to_owned(),
        list,
    }))
}

/// A parameter's name and place, checked to be one the generator sends.
fn identity<'p>(parameter: &'p Parameter, at: &SpecPath) -> Result<(&'p str, ParamPlace)> {
    if parameter.reference.is_some() {
        return Err(Problem::new(
            &at.key("$ref"),
            "unsupported construct: a $ref parameter; write the parameter inline",
        ));
    }
    let Some(name) = parameter.name.as_deref() else {
        return Err(Problem::new(at, "the parameter has no `name`"));
    };
    let place = match parameter.location.as_deref() {
        Some("path") => ParamPlace::Path,
        Some("query") => ParamPlace::Query,
        None => {
            return Err(Problem::new(
                at,
                "the parameter has no `in`: `path` or `query`",
            ));
        }
        Some(other) => {
            return Err(Problem::new(
                &at.key("in"),
                format!(
                    "unsupported construct: a parameter `in: {other}`; the client sends path \
                     and query parameters (the headers are the signing recipe's)"
                ),
            ));
        }
    };
    Ok((name, place))
}

/// One parameter, as the params struct's field and as the contract lists it.
fn check_param(
    parameter: &Parameter,
    at: &SpecPath,
    name: &str,
    place: ParamPlace,
    http_path: &str,
    struct_name: &str,
    types: &mut Types,
) -> Result<(Param, Field)> {
    if parameter.content.is_some() {
        return Err(Problem::new(
            &at.key("content"),
            "unsupported construct: `content` in a parameter; give it a `schema`",
        ));
    }
    if parameter.allow_reserved == Some(true) {
        return Err(Problem::new(
            &at.key("allowReserved"),
            "unsupported construct: `allowReserved: true`; the client percent-encodes every \
             reserved character",
        ));
    }
    if parameter.allow_empty_value.is_some() {
        return Err(Problem::new(
            &at.key("allowEmptyValue"),
            "unsupported construct: `allowEmptyValue` (deprecated by OpenAPI); leave it out",
        ));
    }
    let wanted_style = match place {
        ParamPlace::Path => "simple",
        ParamPlace::Query => "form",
    };
    if let Some(style) = parameter
        .style
        .as_deref()
        .filter(|style| *style != wanted_style)
    {
        return Err(Problem::new(
            &at.key("style"),
            format!(
                "unsupported construct: `style: {style}` for a {} parameter; the client \
                 writes `{wanted_style}`",
                place_name(place)
            ),
        ));
    }
    if place == ParamPlace::Path {
        if !parameter.required {
            return Err(Problem::new(
                at,
                format!("the path parameter `{name}` must be `required: true`, as OpenAPI says"),
            ));
        }
        if !template_names(http_path).any(|other| other == name) {
            return Err(Problem::new(
                &at.key("name"),
                format!("the path `{http_path}` has no `{{{name}}}` for this path parameter"),
            ));
        }
    }
    let Some(schema) = &parameter.schema else {
        return Err(Problem::new(at, "the parameter has no `schema`"));
    };
    let schema_path = at.key("schema");
    let inline_name = format!("{struct_name}{}", camel_name(name).unwrap_or_default());
    let ty = types.resolve(schema, &schema_path, &inline_name)?;
    let (item, list) = match &ty {
        RustType::List(item) => (item.as_ref(), true),
        other => (other, false),
    };
    let kind = match item {
        RustType::String | RustType::Uuid | RustType::DateTime => Some(ParamKind::Text),
        RustType::I32 | RustType::I64 => Some(ParamKind::Integer),
        RustType::Decimal => Some(ParamKind::Number),
        RustType::Bool => Some(ParamKind::Boolean),
        RustType::Named(enum_name) if !types.is_struct(enum_name) => Some(ParamKind::Text),
        _ => None,
    };
    let Some(kind) = kind else {
        return Err(Problem::new(
            &schema_path,
            "unsupported construct: a parameter of this type; a parameter is a string, an \
             integer, a number, a boolean, a date-time, a uuid, a string enum, or an array \
             of one of them",
        ));
    };
    if list && place == ParamPlace::Query && parameter.explode == Some(false) {
        return Err(Problem::new(
            &at.key("explode"),
            "unsupported construct: `explode: false` for an array in the query; the client \
             writes `name=a&name=b` (`form` with `explode: true`)",
        ));
    }
    let Some(field) = snake_name(name) else {
        return Err(Problem::new(
            &at.key("name"),
            format!("parameter `{name}` does not make a Rust field name"),
        ));
    };
    let optional = !parameter.required;
    let param = Param {
        wire_name: name.to_owned(),
        field: field.clone(),
        place,
        kind,
        list,
        optional,
        description: parameter.description.clone(),
    };
    let field = Field {
        name: field,
        wire_name: name.to_owned(),
        doc: parameter.description.clone(),
        ty,
        optional,
        spec_path: at.to_string(),
    };
    Ok((param, field))
}

/// The names of a path's `{name}` segments (checked to be whole segments).
fn template_names(http_path: &str) -> impl Iterator<Item = &str> {
    http_path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn place_name(place: ParamPlace) -> &'static str {
    match place {
        ParamPlace::Path => "path",
        ParamPlace::Query => "query",
    }
}
