//! What a request sends besides its body: its HTTP method, and its path and query parameters,
//! written as OpenAPI's simple style (path: `a,b`) and exploded form style (query:
//! `name=a&name=b`) say, each value percent-encoded; and, for the mock, read back.
//!
//! The parameters reach the client as the JSON object of the operation's generated
//! `<Operation>Params` struct: a value is a string (a date-time too), an integer, a number (a
//! decimal, written as its exact digits), a boolean, an array of them, or `null` (an
//! optional one left out). They are read as raw JSON text, so that a number is sent exactly
//! as the struct writes it.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// The params struct's JSON object: each property's raw JSON text.
pub(crate) type Values<'a> = BTreeMap<String, &'a RawValue>;

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
    /// A JSON string: text, an enum's value, a uuid, a date-time.
    Text,
    Integer,
    /// A JSON number, kept as its digits: a decimal.
    Number,
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

/// The text of a scalar value, as a parameter writes it: a string's characters, a number's
/// digits as the JSON has them, `true` or `false`.
fn scalar_text(value: &RawValue) -> Option<String> {
    let json = value.get();
    match json.as_bytes().first()? {
        b'"' => serde_json::from_str(json).ok(),
        b't' | b'f' | b'-' | b'0'..=b'9' => Some(json.to_owned()),
        _ => None,
    }
}

/// A parameter's values: none for `null` or absent, one for a scalar, each item of an array.
fn texts(name: &str, value: Option<&RawValue>) -> Result<Vec<String>, String> {
    let not_scalar = || format!("the parameter `{name}` is not a string, number or boolean");
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    match value.get().as_bytes().first() {
        Some(b'n') => Ok(Vec::new()),
        Some(b'[') => {
            let items: Vec<&RawValue> =
                serde_json::from_str(value.get()).map_err(|_| not_scalar())?;
            items
                .into_iter()
                .map(|item| scalar_text(item).ok_or_else(not_scalar))
                .collect()
        }
        _ => scalar_text(value)
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
    values: &Values<'_>,
) -> Result<String, String> {
    let mut url = String::with_capacity(base_url.len() + template.len() + 32);
    url.push_str(base_url);
    for (index, segment) in template.split('/').enumerate() {
        if index > 0 {
            url.push('/');
        }
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let values = texts(name, values.get(name).copied())?;
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
        for text in texts(param.name, values.get(param.name).copied())? {
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
) -> Result<String, String> {
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
    // Each parameter's values as JSON texts, in the order first given.
    let mut object: Vec<(&Param, Vec<String>)> = Vec::new();
    for (name, raw) in sent {
        let Some(param) = params.iter().find(|param| param.name == name) else {
            return Err(format!("`{name}` is not a parameter of the operation"));
        };
        let text = decode(&raw).ok_or_else(|| format!("`{raw}` is not percent-encoded text"))?;
        let json = match param.kind {
            Kind::Text => serde_json::Value::String(text).to_string(),
            Kind::Integer => match text.parse::<i64>() {
                // As JSON writes it: `+5` is 5.
                Ok(number) => number.to_string(),
                Err(_) => return Err(format!("`{name}`: `{text}` is not an integer")),
            },
            // JSON's grammar for a number; its digits are kept as sent.
            Kind::Number => {
                let number = serde_json::from_str::<serde_json::Number>(&text).is_ok();
                match number && text.trim() == text {
                    true => text,
                    false => return Err(format!("`{name}`: `{text}` is not a number")),
                }
            }
            Kind::Boolean => match text.as_str() {
                "true" | "false" => text,
                _ => return Err(format!("`{name}`: `{text}` is not true or false")),
            },
        };
        match object
            .iter_mut()
            .find(|(known, _)| known.name == param.name)
        {
            Some((known, values)) if known.list => values.push(json),
            Some(_) => return Err(format!("`{name}` is given twice")),
            None => object.push((param, vec![json])),
        }
    }
    let properties: Vec<String> = object
        .into_iter()
        .map(|(param, values)| {
            let value = match param.list {
                true => format!("[{}]", values.join(",")),
                false => values.concat(),
            };
            format!("{}:{value}", serde_json::Value::from(param.name))
        })
        .collect();
    Ok(format!("{{{}}}", properties.join(",")))
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
        Param {
            name: "amount",
            place: Place::Query,
            kind: Kind::Number,
            list: false,
        },
        Param {
            name: "from",
            place: Place::Query,
            kind: Kind::Text,
            list: false,
        },
    ];

    /// `url` of the params struct whose JSON is `json`.
    fn url_of(template: &str, json: &str) -> Result<String, String> {
        let values: Values<'_> = serde_json::from_str(json).expect("a JSON object");
        url("http://h", template, PARAMS, &values)
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
        let url = url_of(
            "/v1/orders/{orderId}",
            r#"{"orderId":"o 1/2","expand":["lines","pay&ments"],"limit":10,"open":null}"#,
        );
        assert_eq!(
            url.as_deref(),
            Ok("http://h/v1/orders/o%201%2F2?limit=10&expand=lines&expand=pay%26ments")
        );
    }

    #[test]
    fn leaves_out_the_query_without_values_and_joins_path_arrays() {
        let url = url_of("/o/{orderId}/x", r#"{"orderId":["a","b"],"expand":[]}"#);
        assert_eq!(url.as_deref(), Ok("http://h/o/a,b/x"));
    }

    #[test]
    fn refuses_a_missing_path_value_and_an_object() {
        let none = url_of("/o/{orderId}", "{}");
        assert_eq!(
            none,
            Err("the path parameter `orderId` has no value".to_owned())
        );
        let object = url_of("/o/{orderId}", r#"{"orderId":"a","limit":{"x":1}}"#);
        assert!(object.is_err_and(|error| error.contains("`limit`")));
        let nested = url_of("/o/{orderId}", r#"{"orderId":"a","expand":[["x"]]}"#);
        assert!(nested.is_err_and(|error| error.contains("`expand`")));
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
        let json = r#"{"orderId":"o 1","limit":-3,"expand":["a","b,c"],"open":true,"amount":-0.50,"from":"2025-03-01T02:30:00Z"}"#;
        let written = url_of("/o/{orderId}", json).unwrap_or_default();
        let written = written.trim_start_matches("http://h");
        let (path, query) = written.split_once('?').unwrap_or((written, ""));
        let read = read("/o/{orderId}", PARAMS, path, Some(query)).expect("it reads");
        let as_value = |json: &str| serde_json::from_str::<serde_json::Value>(json).ok();
        assert_eq!(as_value(&read), as_value(json));
        // A number's digits as written: `-0.50`, not the float `-0.5`.
        assert!(read.contains(r#""amount":-0.50"#), "{read}");
    }

    #[test]
    fn numbers_are_sent_with_their_exact_digits() {
        let url = url_of(
            "/o/{orderId}",
            r#"{"orderId":"a","amount":12345678901234567890.123456789012}"#,
        );
        assert_eq!(
            url.as_deref(),
            Ok("http://h/o/a?amount=12345678901234567890.123456789012")
        );
        let read = read(
            "/o/{orderId}",
            PARAMS,
            "/o/a",
            Some("amount=0.1000000000000000055511"),
        );
        assert_eq!(
            read.as_deref(),
            Ok(r#"{"orderId":"a","amount":0.1000000000000000055511}"#)
        );
    }

    #[test]
    fn refuses_what_does_not_read_as_its_kind() {
        let read = |query: &str| read("/o/{orderId}", PARAMS, "/o/x", Some(query));
        assert!(read("limit=ten").is_err_and(|e| e.contains("not an integer")));
        assert!(read("open=yes").is_err_and(|e| e.contains("not true or false")));
        assert!(read("other=1").is_err_and(|e| e.contains("not a parameter")));
        assert!(read("limit=1&limit=2").is_err_and(|e| e.contains("twice")));
        for not_a_number in ["1.2.3", "%201", "1%20", "ten", "%2B1", "1e"] {
            let query = format!("amount={not_a_number}");
            assert!(
                read(&query).is_err_and(|e| e.contains("not a number")),
                "{not_a_number}"
            );
        }
        assert!(read("amount=-1.5e3").is_ok());
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
