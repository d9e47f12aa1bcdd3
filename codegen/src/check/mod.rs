//! Validation: turns the spec model into the checked model, or names the first problem.
//!
//! Every rule here is about the spec's shape, never about one API's names: the same
//! checks serve any spec written in this style. This file checks the document as a whole
//! (version, package, servers, signing); `security` reads the two headers from the security
//! schemes, `operations` checks each operation, `webhooks` each webhook, and `schemas`
//! resolves schemas into Rust types.

mod body;
mod json_schema;
mod operations;
mod pagination;
mod params;
mod refusals;
mod schemas;
mod security;
pub mod signing;
mod webhooks;

pub use pagination::PAGED_METHOD_SUFFIXES;
pub use schemas::{OTHER_PROPERTIES_FIELD, UNKNOWN_VARIANT};
pub use webhooks::{OTHER_EVENT_VARIANT, UNTYPED_EVENT_VARIANT};

use indexmap::IndexMap;

use crate::error::{Problem, SpecPath};
use crate::model::{Api, Package, RustType, Signing, Uses};
use crate::spec::{self, Document, Schema};

pub(crate) type Result<T> = std::result::Result<T, Problem>;

pub(crate) const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// The OpenAPI version a spec declares: each writes some things its own way (3.0's
/// `nullable` and `x-webhooks`, 3.1's type lists, `const` and `webhooks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V3_0,
    V3_1,
}

impl Version {
    /// Where the version's webhooks are: 3.0's extension, or 3.1's own field.
    pub(crate) fn webhooks_key(self) -> &'static str {
        match self {
            Version::V3_0 => "x-webhooks",
            Version::V3_1 => "webhooks",
        }
    }
}

/// Checks the whole document and resolves it into the model the emitters read.
pub fn check(doc: &Document) -> Result<Api> {
    let root = SpecPath::root();
    let version = check_version(doc)?;
    let package = check_package(doc.rust_crate.as_ref())?;
    let default_base_url = check_servers(&doc.servers)?;

    let signing_path = root.key("x-request-signing");
    let signing_spec = &signing::read(doc.request_signing.as_ref())?;
    let envelope_name = match &signing_spec.envelope {
        Some(envelope) => Some(component_name(
            &envelope.schema,
            &signing_path.key("envelope").key("schema"),
            &doc.components.schemas,
        )?),
        None => None,
    };
    let headers = security::signing_headers(doc, signing_spec)?;
    let signing = signing::check_signing(
        signing_spec,
        headers,
        envelope_name.map(|name| &doc.components.schemas[name]),
    )?;

    let mut types = schemas::Types::new(&doc.components.schemas, envelope_name, version);
    types.define_components()?;
    let mut error_body = None;
    let operations = operations::check_operations(doc, &mut types, &signing, &mut error_body)?;
    types.reject_unrepresentable_cycles()?;
    let webhooks =
        webhooks::check_webhooks(doc, version, signing_spec.webhooks.as_ref(), &mut types)?;
    let error_body = error_body.map(|(ty, _)| ty);
    check_timestamp_rejected(&signing, error_body.as_ref(), &types)?;
    let mut signing = signing;
    signing.refusals = refusals::check_refusals(
        signing_spec.refusals.as_ref(),
        &signing,
        error_body.as_ref(),
        &types,
    )?;

    let types = types.into_sorted();
    Ok(Api {
        uses: Uses::of(&operations, &types),
        title: doc.info.title.clone(),
        api_version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        package,
        default_base_url,
        signing,
        operations,
        types,
        error_body,
        webhooks,
    })
}

/// OpenAPI 3.0.x or 3.1.x, with the webhooks where that version keeps them.
fn check_version(doc: &Document) -> Result<Version> {
    let version = if doc.openapi.starts_with("3.0.") {
        Version::V3_0
    } else if doc.openapi.starts_with("3.1.") {
        Version::V3_1
    } else {
        return Err(Problem::new(
            &SpecPath::root().key("openapi"),
            format!(
                "unsupported OpenAPI version `{}`: the generator reads OpenAPI 3.0.x and 3.1.x",
                doc.openapi
            ),
        ));
    };
    let misplaced = match version {
        Version::V3_0 => doc.webhooks.is_some().then_some((
            "webhooks",
            "`webhooks` is OpenAPI 3.1; a 3.0 spec lists its webhooks under `x-webhooks`, \
             or declares `openapi: 3.1.0`",
        )),
        Version::V3_1 => doc.x_webhooks.is_some().then_some((
            "x-webhooks",
            "`x-webhooks` is the OpenAPI 3.0 extension; a 3.1 spec lists its webhooks under \
             `webhooks`",
        )),
    };
    match misplaced {
        Some((key, message)) => Err(Problem::new(&SpecPath::root().key(key), message)),
        None => Ok(version),
    }
}

fn check_package(rust_crate: Option<&spec::RustCrate>) -> Result<Package> {
    let path = SpecPath::root().key("x-rust-crate");
    let krate = rust_crate.ok_or_else(|| {
        Problem::new(
            &path,
            "missing extension `x-rust-crate`: it gives the generated crate's name, version \
             and publishing metadata",
        )
    })?;
    let valid_name = krate.name.len() <= 64
        && krate.name.starts_with(|c: char| c.is_ascii_alphabetic())
        && krate
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_name {
        return Err(Problem::new(
            &path.key("name"),
            format!(
                "`{}` is not a crate name: use ASCII letters, digits, `-` and `_`, starting \
                 with a letter",
                krate.name
            ),
        ));
    }
    let version = semver::Version::parse(&krate.version).map_err(|error| {
        Problem::new(
            &path.key("version"),
            format!(
                "`{}` is not a semantic version such as 0.1.0 ({error})",
                krate.version
            ),
        )
    })?;
    if krate.keywords.len() > 5 {
        return Err(Problem::new(
            &path.key("keywords"),
            "crates.io allows at most 5 keywords",
        ));
    }
    Ok(Package {
        name: krate.name.clone(),
        version,
        description: krate.description.clone(),
        license: krate.license.clone(),
        repository: krate.repository.clone(),
        keywords: krate.keywords.clone(),
        categories: krate.categories.clone(),
        publish: krate.publish,
    })
}

fn check_servers(servers: &[spec::Server]) -> Result<Option<String>> {
    let Some(first) = servers.first() else {
        return Ok(None);
    };
    if !(first.url.starts_with("https://") || first.url.starts_with("http://")) {
        return Err(Problem::new(
            &SpecPath::root().key("servers").index(0).key("url"),
            format!(
                "`{}` is not an absolute http(s) URL; the first server is the client's \
                 default base URL",
                first.url
            ),
        ));
    }
    Ok(Some(first.url.trim_end_matches('/').to_owned()))
}

/// The error body must have the property that says "timestamp outside the window".
fn check_timestamp_rejected(
    signing: &Signing,
    error_body: Option<&RustType>,
    types: &schemas::Types,
) -> Result<()> {
    let Some((property, _)) = &signing.timestamp_rejected else {
        return Ok(());
    };
    if error_body_properties(error_body, types).contains(&property.as_str()) {
        return Ok(());
    }
    Err(Problem::new(
        &SpecPath::root()
            .key("x-request-signing")
            .key("timestampRejected")
            .key("errorProperty"),
        format!("the error responses' body has no property `{property}`"),
    ))
}

/// The JSON properties of the error body: none when it is not an object schema.
pub(crate) fn error_body_properties<'t>(
    error_body: Option<&RustType>,
    types: &'t schemas::Types,
) -> Vec<&'t str> {
    match error_body {
        Some(RustType::Named(name)) => types
            .struct_def(name)
            .map(|def| def.fields.iter().map(|f| f.wire_name.as_str()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The component name of a `#/components/schemas/NAME` reference that exists.
pub(crate) fn component_name<'a>(
    reference: &str,
    path: &SpecPath,
    schemas: &'a IndexMap<String, Schema>,
) -> Result<&'a str> {
    let Some(name) = reference.strip_prefix(SCHEMA_REF_PREFIX) else {
        return Err(Problem::new(
            path,
            format!(
                "unsupported $ref `{reference}`: only local references to \
                 `{SCHEMA_REF_PREFIX}...` are supported"
            ),
        ));
    };
    if name.contains('/') {
        return Err(Problem::new(
            path,
            format!(
                "unsupported $ref `{reference}`: it points inside a schema, but only whole \
                 schemas can be referenced; move that part into a schema of its own (a `/` \
                 in a schema's name is written `~1`)"
            ),
        ));
    }
    // A JSON pointer writes `/` in a name as `~1` and `~` as `~0`.
    let name = name.replace("~1", "/").replace("~0", "~");
    match schemas.get_key_value(&name) {
        Some((name, _)) => Ok(name),
        None => Err(Problem::new(
            path,
            format!(
                "unknown $ref `{reference}`: there is no schema `{name}` in components.schemas"
            ),
        )),
    }
}
