// Copied by `cargo xtask codegen` from codegen/client-runtime/src/params.rs. Do not edit: change that file and regenerate.

//! What a request sends besides its body: its HTTP method, and its path and query parameters,
//! written as OpenAPI's simple style (path: `a,b`) and exploded form style (query:
//! `name=a&name=b`) say, each value percent-encoded; and, for the mock, read back.
//!
//! The parameters reach the client as the JSON object of the operation's generated
//! `<Operation>Params` struct: a value is a string, an integer, a boolean, an array of them,
//! or `null` (an optional one left out).

use serde_json::{Map, Value};

/// An operation's HTTP method.
#[allow(dead_code)] // Which methods a crate uses is its spec's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// As HTTP writes it, and a recipe's `method` part signs it: `GET`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// As reqwest sends it.
    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// One path or query parameter of an operation, as the contract lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Param {
    /// Its name in the spec: the path's `{name}`, the query's `name=`, and its property in
    /// the params struct's JSON.
    pub(crate) name: &'static str,
    pub(crate) place: Place,
    /// The JSON kind of its values, to read them back from text.
    pub(crate) kind: Kind,
    /// An array: several values.
    pub(crate) list: bool,
}

/// Where a parameter travels.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Path,
    Query,
}

/// A parameter value's JSON kind.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Integer,
    Boolean,
}

/// Writes `text` percent-encoded: every byte but the unreserved `A-Z a-z 0-9 - . _ ~` as
/// `%XX`, so that the URL is sent, and signed, exactly as written.
pub(crate) fn encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
}

/// The text of a scalar value, as a parameter writes it.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A parameter's values: none for `null` or absent, one for a scalar, each item of an array.
fn texts(name: &str, value: Option<&Value>) -> Result<Vec<String>, String> {
    let not_scalar = || format!("the parameter `{name}` is not a string, number or boolean");
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| scalar_text(item).ok_or_else(not_scalar))
            .collect(),
        Some(value) => scalar_text(value)
            .map(|text| vec![text])
            .ok_or_else(not_scalar),
    }
}

/// The URL of a request: `base_url`, the `template` path with each `{name}` replaced by its
/// parameter's values (joined with `,`), and the query parameters that have a value, in the
/// contract's order (`?a=1&b=x&b=y`). `values` is the params struct's JSON.
pub(crate) fn url(
    base_url: &str,
    template: &str,
    params: &[Param],
    values: &Map<String, Value>,
) -> Result<String, String> {
    let mut url = String::with_capacity(base_url.len() + template.len() + 32);
    url.push_str(base_url);
    for (index, segment) in template.split('/').enumerate() {
        if index > 0 {
            url.push('/');
        }
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let values = texts(name, values.get(name))?;
                if values.is_empty() {
                    return Err(format!("the path parameter `{name}` has no value"));
                }
                for (at, text) in values.iter().enumerate() {
                    if at > 0 {
                        url.push(',');
                    }
                    encode(text, &mut url);
                }
            }
            None => url.push_str(segment),
        }
    }
    let mut separator = '?';
    for param in params.iter().filter(|param| param.place == Place::Query) {
        for text in texts(param.name, values.get(param.name))? {
            url.push(separator);
            separator = '&';
            encode(param.name, &mut url);
            url.push('=');
            encode(&text, &mut url);
        }
    }
    Ok(url)
}

/// Undoes [`encode`] (and reads `%xx` in either case); `None` for a bad escape or text that
/// is not UTF-8.
#[cfg(any(test, feature = "mock"))]
pub(crate) fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                at += 3;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// How well `path` fits `template`: `None` when it does not, else the number of literal
/// segments (the mock prefers `/orders/search` to `/orders/{id}`).
#[cfg(any(test, feature = "mock"))]
pub(crate) fn fits(template: &str, path: &str) -> Option<usize> {
    let (mut wanted, mut given) = (template.split('/'), path.split('/'));
    let mut literal = 0;
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(literal),
            (Some(want), Some(segment)) if want.starts_with('{') => {
                if segment.is_empty() {
                    return None;
                }
            }
            (Some(want), Some(segment)) if want == segment => literal += 1,
            _ => return None,
        }
    }
}

/// The params struct's JSON that a request's `path` (which [`fits`] `template`) and `query`
/// write: each value read back as its kind says. An error names what does not read.
#[cfg(any(test, feature = "mock"))]
pub(crate) fn read(
    template: &str,
    params: &[Param],
    path: &str,
    query: Option<&str>,
) -> Result<Value, String> {
    let mut object = Map::new();
    let mut sent: Vec<(String, String)> = Vec::new();
    for (want, segment) in template.split('/').zip(path.split('/')) {
        if let Some(name) = want.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            for part in segment.split(',') {
                sent.push((name.to_owned(), part.to_owned()));
            }
        }
    }
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name).ok_or_else(|| format!("`{name}` is not percent-encoded text"))?;
        sent.push((name, value.to_owned()));
    }
    for (name, raw) in sent {
        let Some(param) = params.iter().find(|param| param.name == name) else {
            return Err(format!("`{name}` is not a parameter of the operation"));
        };
        let text = decode(&raw).ok_or_else(|| format!("`{raw}` is not percent-encoded text"))?;
        let value = match param.kind {
            Kind::Text => Value::String(text),
            Kind::Integer => text
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{name}`: `{text}` is not an integer"))?,
            Kind::Boolean => match text.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(format!("`{name}`: `{text}` is not true or false")),
            },
        };
        match (param.list, object.get_mut(name.as_str())) {
            (true, Some(Value::Array(items))) => items.push(value),
            (true, None) => {
                object.insert(name, Value::Array(vec![value]));
            }
            (false, None) => {
                object.insert(name, value);
            }
            (false, Some(_)) => return Err(format!("`{name}` is given twice")),
            (true, Some(_)) => return Err(format!("`{name}` is given twice")),
        }
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: &[Param] = &[
        Param {
            name: "orderId",
            place: Place::Path,
            kind: Kind::Text,
            list: false,
        },
        Param {
            name: "limit",
            place: Place::Query,
            kind: Kind::Integer,
            list: false,
        },
        Param {
            name: "expand",
            place: Place::Query,
            kind: Kind::Text,
            list: true,
        },
        Param {
            name: "open",
            place: Place::Query,
            kind: Kind::Boolean,
            list: false,
        },
    ];

    fn object(json: Value) -> Map<String, Value> {
        match json {
            Value::Object(object) => object,
            _ => unreachable!("an object"),
        }
    }

    #[test]
    fn encodes_all_but_unreserved_bytes() {
        let mut out = String::new();
        encode("a Z-._~/?&=%é+", &mut out);
        assert_eq!(out, "a%20Z-._~%2F%3F%26%3D%25%C3%A9%2B");
        assert_eq!(decode(&out).as_deref(), Some("a Z-._~/?&=%é+"));
        assert_eq!(decode("%c3%a9").as_deref(), Some("é"));
        assert_eq!(decode("%2"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%FF"), None);
    }

    #[test]
    fn writes_the_path_and_the_exploded_query_in_order() {
        let values = object(serde_json::json!({
            "orderId": "o 1/2",
            "expand": ["lines", "pay&ments"],
            "limit": 10,
            "open": null,
        }));
        let url = url("http://h", "/v1/orders/{orderId}", PARAMS, &values);
        assert_eq!(
            url.as_deref(),
            Ok("http://h/v1/orders/o%201%2F2?limit=10&expand=lines&expand=pay%26ments")
        );
    }

    #[test]
    fn leaves_out_the_query_without_values_and_joins_path_arrays() {
        let values = object(serde_json::json!({"orderId": ["a", "b"], "expand": []}));
        let url = url("http://h", "/o/{orderId}/x", PARAMS, &values);
        assert_eq!(url.as_deref(), Ok("http://h/o/a,b/x"));
    }

    #[test]
    fn refuses_a_missing_path_value_and_an_object() {
        let none = url("http://h", "/o/{orderId}", PARAMS, &Map::new());
        assert_eq!(
            none,
            Err("the path parameter `orderId` has no value".to_owned())
        );
        let values = object(serde_json::json!({"orderId": "a", "limit": {"x": 1}}));
        let object = url("http://h", "/o/{orderId}", PARAMS, &values);
        assert!(object.is_err_and(|error| error.contains("`limit`")));
    }

    #[test]
    fn fits_templates_and_counts_literal_segments() {
        assert_eq!(fits("/v1/orders/{orderId}", "/v1/orders/o1"), Some(3));
        assert_eq!(fits("/v1/orders/search", "/v1/orders/search"), Some(4));
        assert_eq!(fits("/v1/orders/{orderId}", "/v1/orders/"), None);
        assert_eq!(fits("/v1/orders/{orderId}", "/v1/orders/o1/x"), None);
        assert_eq!(fits("/v1/orders/{orderId}", "/v1/order/o1"), None);
    }

    #[test]
    fn reads_back_what_it_writes() {
        let values = serde_json::json!({
            "orderId": "o 1",
            "limit": -3,
            "expand": ["a", "b,c"],
            "open": true,
        });
        let written = url("", "/o/{orderId}", PARAMS, &object(values.clone())).unwrap_or_default();
        let (path, query) = written.split_once('?').unwrap_or((&written, ""));
        assert_eq!(read("/o/{orderId}", PARAMS, path, Some(query)), Ok(values));
    }

    #[test]
    fn refuses_what_does_not_read_as_its_kind() {
        let read = |query| read("/o/{orderId}", PARAMS, "/o/x", Some(query));
        assert!(read("limit=ten").is_err_and(|e| e.contains("not an integer")));
        assert!(read("open=yes").is_err_and(|e| e.contains("not true or false")));
        assert!(read("other=1").is_err_and(|e| e.contains("not a parameter")));
        assert!(read("limit=1&limit=2").is_err_and(|e| e.contains("twice")));
    }

    #[test]
    fn methods_are_written_as_http_writes_them() {
        for (method, text) in [
            (Method::Get, "GET"),
            (Method::Post, "POST"),
            (Method::Put, "PUT"),
            (Method::Patch, "PATCH"),
            (Method::Delete, "DELETE"),
        ] {
            assert_eq!(method.as_str(), text);
            assert_eq!(method.to_reqwest().as_str(), text);
        }
    }
}
