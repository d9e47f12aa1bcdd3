//! Rust names for spec names: case conversion, keywords, and name checks.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict and reserved, all editions). A spec name equal to one gets a
/// trailing underscore (`type` → `type_`), which unlike `r#type` works for every keyword.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Prelude names the generated types module uses unqualified, so a spec type may not take
/// them: a struct `Into` would hide the trait in every `impl Into<...>` parameter.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Box", "Err", "From", "Into", "None", "Ok", "Option", "Result", "Self", "Some", "String", "Vec",
];

/// snake_case for fields and methods; `None` if the result is not a Rust identifier.
pub fn snake_name(spec_name: &str) -> Option<String> {
    identifier(spec_name.to_snake_case())
}

/// UpperCamelCase for types and variants; `None` if the result is not a Rust identifier.
pub fn camel_name(spec_name: &str) -> Option<String> {
    identifier(spec_name.to_upper_camel_case())
}

/// `name` as an identifier: a keyword gets a trailing underscore; `None` if it cannot be one.
fn identifier(name: String) -> Option<String> {
    let name = if KEYWORDS.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    };
    let valid = !name.is_empty() && syn::parse_str::<syn::Ident>(&name).is_ok();
    valid.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_get_a_trailing_underscore() {
        assert_eq!(snake_name("type").as_deref(), Some("type_"));
        assert_eq!(snake_name("in").as_deref(), Some("in_"));
        assert_eq!(snake_name("self").as_deref(), Some("self_"));
        assert_eq!(camel_name("self").as_deref(), Some("Self_"));
    }

    #[test]
    fn names_that_cannot_be_identifiers_are_refused() {
        assert_eq!(camel_name("000"), None);
        assert_eq!(snake_name("2fa"), None);
        assert_eq!(snake_name("€"), None);
        assert_eq!(snake_name("€uro").as_deref(), Some("uro"));
        assert_eq!(snake_name(""), None);
    }

    #[test]
    fn cases_convert() {
        assert_eq!(
            snake_name("transactionId").as_deref(),
            Some("transaction_id")
        );
        assert_eq!(
            camel_name("MEM_POOL_FOUND").as_deref(),
            Some("MemPoolFound")
        );
        assert_eq!(camel_name("non-fiction").as_deref(), Some("NonFiction"));
    }
}
