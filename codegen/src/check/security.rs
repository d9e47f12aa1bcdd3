//! Security schemes: the two headers every request carries, declared where standard tools
//! read them (`components.securitySchemes`, required together by `security`), and named by
//! `x-request-signing`, which says how the signature is computed.

use super::Result;
use crate::error::{Problem, SpecPath};
use crate::spec::{self, Document, SecurityRequirement};

/// The header names of the key and signature schemes `x-request-signing` names.
pub(crate) fn signing_headers(
    doc: &Document,
    signing: &spec::RequestSigning,
) -> Result<(String, String)> {
    let signing_path = SpecPath::root().key("x-request-signing");
    let (key, signature) = (
        &signing.key_security_scheme,
        &signing.signature_security_scheme,
    );
    if key == signature {
        return Err(Problem::new(
            &signing_path.key("signatureSecurityScheme"),
            format!(
                "the key and the signature are two headers, so two security schemes; both name \
                 `{key}`"
            ),
        ));
    }
    let key_header = header_of(doc, key, &signing_path.key("keySecurityScheme"))?;
    let signature_header = header_of(doc, signature, &signing_path.key("signatureSecurityScheme"))?;
    if key_header.eq_ignore_ascii_case(&signature_header) {
        return Err(Problem::new(
            &SpecPath::root()
                .key("components")
                .key("securitySchemes")
                .key(signature)
                .key("name"),
            format!("the key and the signature schemes both name the header `{key_header}`"),
        ));
    }
    check_required_together(doc, key, signature)?;
    Ok((key_header, signature_header))
}

/// The header of the security scheme `name`: an API key sent in a header.
fn header_of(doc: &Document, name: &str, named_at: &SpecPath) -> Result<String> {
    let schemes = &doc.components.security_schemes;
    let Some(scheme) = schemes.get(name) else {
        let known: Vec<&str> = schemes.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "it has none".to_owned()
        } else {
            format!("it has {}", known.join(", "))
        };
        return Err(Problem::new(
            named_at,
            format!("there is no security scheme `{name}` in components.securitySchemes ({known})"),
        ));
    };
    let path = SpecPath::root()
        .key("components")
        .key("securitySchemes")
        .key(name);
    if scheme.scheme_type != "apiKey" || scheme.location.as_deref() != Some("header") {
        return Err(Problem::new(
            &path,
            format!(
                "the security scheme `{name}` must be `type: apiKey` with `in: header`: the \
                 client sends it as a header"
            ),
        ));
    }
    match scheme.name.as_deref() {
        Some(header) if is_header_name(header) => Ok(header.to_owned()),
        Some(header) => Err(Problem::new(
            &path.key("name"),
            format!("`{header}` is not a valid HTTP header name"),
        )),
        None => Err(Problem::new(
            &path,
            format!("the security scheme `{name}` names no header (`name`)"),
        )),
    }
}

/// Every operation (through `security` at the root, or its own) must require the key and
/// the signature together, as the client always sends both.
fn check_required_together(doc: &Document, key: &str, signature: &str) -> Result<()> {
    let together = |requirements: &[SecurityRequirement]| {
        requirements
            .iter()
            .any(|scheme| scheme.contains_key(key) && scheme.contains_key(signature))
    };
    let hint = format!(
        "every request carries both headers, so the operations must require the two schemes \
         together: `security: [{{{key}: [], {signature}: []}}]`"
    );
    let operations = doc.paths.iter().flat_map(|(http_path, item)| {
        item.operations()
            .into_iter()
            .filter_map(move |(method, op)| Some((http_path, method, op?)))
    });
    for (http_path, method, op) in operations {
        let (requirements, path) = match op.security.as_deref() {
            Some(own) => (
                Some(own),
                SpecPath::root()
                    .key("paths")
                    .key(http_path)
                    .key(method)
                    .key("security"),
            ),
            None => (doc.security.as_deref(), SpecPath::root().key("security")),
        };
        match requirements {
            Some(requirements) if together(requirements) => {}
            Some(_) => return Err(Problem::new(&path, hint.clone())),
            None => {
                return Err(Problem::new(
                    &SpecPath::root(),
                    format!("no `security`: {hint}"),
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}
