//! The public Rust API that a checked model generates, item by item: what [`super::between`]
//! compares. Each item says how Rust spells it, its docs, what it means on the wire, and the
//! spec path it comes from. Names and types are spelled by the emitters' own functions, so
//! the surface cannot drift from the code.

use crate::check::{OTHER_PROPERTIES_FIELD, PAGED_METHOD_SUFFIXES};
use crate::emit::{rust_types, setter_name};
use crate::model::{Api, EnumDef, Operation, RustType, StructDef, TypeDef, TypeKind, Webhooks};

/// What kind of Rust item it is: it decides how an addition is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Package,
    Module,
    ReExport,
    Constant,
    Struct,
    Field,
    Constructor,
    Setter,
    TraitImpl,
    Enum,
    Variant,
    Method,
}

impl Item {
    /// How a change names it: ``field `types::Widget::name` ``.
    pub(super) fn name(&self) -> String {
        match self.kind {
            Kind::Package => "the crate".to_owned(),
            Kind::TraitImpl => format!("`{}`", self.path),
            kind => format!("{} `{}`", kind.word(), self.path),
        }
    }
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Package => "package",
            Kind::Module => "module",
            Kind::ReExport => "re-export",
            Kind::Constant => "constant",
            Kind::Struct => "struct",
            Kind::Field => "field",
            Kind::Constructor => "constructor",
            Kind::Setter => "setter",
            Kind::TraitImpl => "trait impl",
            Kind::Enum => "enum",
            Kind::Variant => "variant",
            Kind::Method => "method",
        }
    }
}

/// One public item of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Item {
    /// Its path from the crate root: `types::Widget::name`, `Client::get_widget`.
    pub path: String,
    pub kind: Kind,
    /// The item that holds it (a field's struct, a variant's enum), when the two come and go
    /// together: a new struct is one change, not one per field.
    pub parent: Option<String>,
    /// Its Rust signature: what code that uses it depends on.
    pub signature: String,
    pub deprecated: bool,
    pub doc: String,
    /// What it means on the wire where the signature does not show it (a JSON name, a path).
    pub wire: String,
    /// The spec path it comes from.
    pub spec_path: String,
}

/// Every public item that `api` decides, in a stable order. Items the runtime always has
/// (`Client::builder`, `Error`) are left out: no spec edit changes them.
pub(super) fn of(api: &Api) -> Vec<Item> {
    let mut items = vec![package(api), signing(api), mock(api)];
    if let Some(url) = &api.default_base_url {
        items.push(Item {
            wire: format!("`{url}`"),
            ..item(
                "DEFAULT_BASE_URL",
                Kind::Constant,
                "pub const DEFAULT_BASE_URL: &str",
                "servers[0].url",
            )
        });
    }
    if api.uses.enums {
        items.push(item(
            "UnknownValue",
            Kind::ReExport,
            "pub use wire::unknown_value::UnknownValue",
            "components.schemas (an enum)",
        ));
    }
    // The runtime's `ApiError` holds the error body: JSON when the spec gives no schema.
    let error_body = api.error_body.clone().unwrap_or(RustType::Json);
    items.push(item(
        "ApiError::body",
        Kind::Field,
        &format!("pub body: {}", spelled(&error_body)),
        &named_spec_path(api, &error_body)
            .unwrap_or_else(|| "paths (the error responses' schema)".to_owned()),
    ));
    for op in &api.operations {
        items.extend(operation(op));
    }
    if let Some(webhooks) = &api.webhooks {
        items.extend(webhook_items(webhooks));
    }
    for def in &api.types {
        match &def.kind {
            TypeKind::Struct(fields) => items.extend(struct_items(def, fields)),
            TypeKind::Enum(variants) => items.extend(enum_items(def, variants)),
        }
    }
    items
}

fn item(path: &str, kind: Kind, signature: &str, spec_path: &str) -> Item {
    Item {
        path: path.to_owned(),
        kind,
        parent: None,
        signature: signature.to_owned(),
        deprecated: false,
        doc: String::new(),
        wire: String::new(),
        spec_path: spec_path.to_owned(),
    }
}

/// The crate itself: its name is part of every path users write; the rest is metadata.
fn package(api: &Api) -> Item {
    let package = &api.package;
    Item {
        doc: format!(
            "{} ({}) {:?} {:?} {} {:?} {:?} {:?} publish: {}",
            api.title,
            api.api_version,
            api.description,
            package.description,
            package.license,
            package.repository,
            package.keywords,
            package.categories,
            package.publish,
        ),
        ..item(
            "crate",
            Kind::Package,
            &format!(
                "package {} (`{}` in code)",
                package.name,
                package.lib_name()
            ),
            "x-rust-crate",
        )
    }
}

/// How every request is signed: not in any signature, all on the wire.
fn signing(api: &Api) -> Item {
    let signing = &api.signing;
    Item {
        wire: format!(
            "headers `{}` and `{}`, clock skew {} s, envelope `{}`/`{}` ({:?})/`{}`, \
             timestamp refused when {:?}",
            signing.key_header,
            signing.signature_header,
            signing.max_clock_skew_seconds,
            signing.account_field,
            signing.timestamp_field,
            signing.timestamp_unit,
            signing.payload_field,
            signing.timestamp_rejected,
        ),
        ..item(
            "Client",
            Kind::Struct,
            "pub struct Client",
            "x-request-signing",
        )
    }
}

/// The mock (feature `mock`): how it refuses requests is all the spec decides of it.
fn mock(api: &Api) -> Item {
    let wire = match &api.signing.refusals {
        None => "refusals as the runtime's fallback".to_owned(),
        Some(refusals) => [
            ("unknown key", &refusals.unknown_key),
            ("bad signature", &refusals.bad_signature),
            ("bad request", &refusals.bad_request),
            ("stale timestamp", &refusals.stale_timestamp),
        ]
        .iter()
        .map(|(what, refusal)| format!("{what}: {} {}", refusal.status, refusal.body_json))
        .collect::<Vec<_>>()
        .join(", "),
    };
    Item {
        wire,
        ..item(
            "mock::MockApi",
            Kind::Struct,
            "pub struct MockApi",
            "x-request-signing.refusals",
        )
    }
}

fn operation(op: &Operation) -> Vec<Item> {
    let payload = spelled(&RustType::Named(op.payload.clone()));
    let doc = format!("{:?} {:?}", op.summary, op.description);
    let method = Item {
        deprecated: op.deprecated,
        doc: doc.clone(),
        wire: format!(
            "`POST {}`, {}",
            op.http_path,
            if op.idempotent {
                "retried (x-idempotent)"
            } else {
                "not retried"
            }
        ),
        ..item(
            &format!("Client::{}", op.method),
            Kind::Method,
            &format!(
                "pub async fn {}(&self, payload: &{payload}) -> Result<{}, Error>",
                op.method,
                spelled(&op.response)
            ),
            &op.spec_path,
        )
    };
    let mock = item(
        &format!("mock::MockApi::{}", op.method),
        Kind::Method,
        &format!(
            "pub fn {}(&self) -> OperationMock<'_, {payload}, {}>",
            op.method,
            spelled(&op.response)
        ),
        &op.spec_path,
    );
    let mut items = vec![method, mock];
    if let Some(pagination) = &op.pagination {
        let item_type = spelled(&pagination.item);
        let [stream, all] = PAGED_METHOD_SUFFIXES.map(|suffix| format!("{}{suffix}", op.method));
        let wire = format!(
            "pages from {} (inferred: {}) in `{}`, items in `{}`, number of pages in {:?}",
            pagination.first_page,
            pagination.first_page_inferred,
            pagination.page_number_field,
            pagination.items_field,
            pagination.total_pages,
        );
        let spec_path = format!("{}.x-pagination", op.spec_path);
        for (name, returns) in [
            (
                &stream,
                format!("impl Stream<Item = Result<{item_type}, Error>>"),
            ),
            (&all, format!("Result<Vec<{item_type}>, Error>")),
        ] {
            let asynchronous = if name == &all { "async " } else { "" };
            items.push(Item {
                deprecated: op.deprecated,
                doc: doc.clone(),
                wire: wire.clone(),
                ..item(
                    &format!("Client::{name}"),
                    Kind::Method,
                    &format!(
                        "pub {asynchronous}fn {name}(&self, payload: &{payload}) -> {returns}"
                    ),
                    &spec_path,
                )
            });
        }
    }
    items
}

fn webhook_items(webhooks: &Webhooks) -> Vec<Item> {
    // `x-webhooks` (3.0) or `webhooks` (3.1): where the events are.
    let root = webhooks
        .events
        .first()
        .and_then(|event| event.spec_path.split('.').next())
        .unwrap_or("x-webhooks");
    let mut items = vec![Item {
        wire: format!(
            "envelope `{}`, event type in `{}`, data in `{}`",
            webhooks.envelope, webhooks.event_type_wire_name, webhooks.data_wire_name
        ),
        ..item("webhooks", Kind::Module, "pub mod webhooks", root)
    }];
    for name in ["Webhook", "WebhookError", "WebhookEvent", "WebhookVerifier"] {
        items.push(Item {
            parent: Some("webhooks".to_owned()),
            ..item(
                name,
                Kind::ReExport,
                &format!("pub use webhooks::{name}"),
                root,
            )
        });
    }
    for event in &webhooks.events {
        items.push(Item {
            parent: Some("WebhookEvent".to_owned()),
            doc: format!("{:?}", event.description),
            wire: format!("event type `{}`", event.event_type),
            ..item(
                &format!("WebhookEvent::{}", event.variant),
                Kind::Variant,
                &format!(
                    "{}({})",
                    event.variant,
                    spelled(&RustType::Named(event.data.clone()))
                ),
                &event.spec_path,
            )
        });
    }
    items
}

fn struct_items(def: &TypeDef, struct_def: &StructDef) -> Vec<Item> {
    let path = format!("types::{}", def.name);
    let member = |name: &str, kind: Kind, signature: String, spec_path: &str| Item {
        parent: Some(path.clone()),
        ..item(&format!("{path}::{name}"), kind, &signature, spec_path)
    };
    let mut items = vec![Item {
        doc: format!("{:?}", def.doc),
        ..item(
            &path,
            Kind::Struct,
            &format!("#[non_exhaustive] pub struct {}", def.name),
            &def.spec_path,
        )
    }];
    let required_path = format!("{}.required", def.spec_path);
    let params: Vec<String> = struct_def
        .fields
        .iter()
        .filter(|field| !field.optional)
        .map(|field| format!("{}: impl Into<{}>", field.name, spelled(&field.ty)))
        .collect();
    items.push(member(
        "new",
        Kind::Constructor,
        format!("pub fn new({}) -> Self", params.join(", ")),
        &required_path,
    ));
    if params.is_empty() {
        items.push(Item {
            parent: Some(path.clone()),
            ..item(
                &format!("impl Default for {path}"),
                Kind::TraitImpl,
                &format!("impl Default for {}", def.name),
                &required_path,
            )
        });
    }
    for field in &struct_def.fields {
        let ty = spelled(&field.ty);
        let field_ty = if field.optional {
            format!("Option<{ty}>")
        } else {
            ty.clone()
        };
        items.push(Item {
            doc: format!("{:?}", field.doc),
            // The Debug form tells a string from a string-or-number, which read alike in Rust.
            wire: format!("JSON property `{}` ({:?})", field.wire_name, field.ty),
            ..member(
                &field.name,
                Kind::Field,
                format!("pub {}: {field_ty}", field.name),
                &field.spec_path,
            )
        });
        if field.optional {
            let setter = setter_name(field);
            items.push(Item {
                // The setter comes and goes with its field: one change, not two.
                parent: Some(format!("{path}::{}", field.name)),
                ..member(
                    &setter,
                    Kind::Setter,
                    format!(
                        "pub fn {setter}(self, {}: impl Into<{ty}>) -> Self",
                        field.name
                    ),
                    &field.spec_path,
                )
            });
        }
    }
    if struct_def.keeps_other_properties {
        items.push(member(
            OTHER_PROPERTIES_FIELD,
            Kind::Field,
            format!("pub {OTHER_PROPERTIES_FIELD}: serde_json::Map<String, serde_json::Value>"),
            &format!("{}.additionalProperties", def.spec_path),
        ));
    }
    items
}

fn enum_items(def: &TypeDef, enum_def: &EnumDef) -> Vec<Item> {
    let path = format!("types::{}", def.name);
    let mut items = vec![Item {
        doc: format!("{:?}", def.doc),
        ..item(
            &path,
            Kind::Enum,
            &format!("#[non_exhaustive] pub enum {}", def.name),
            &def.spec_path,
        )
    }];
    for variant in &enum_def.variants {
        items.push(Item {
            parent: Some(path.clone()),
            doc: format!("{:?}", variant.doc),
            wire: format!("`{}`", variant.wire_value),
            ..item(
                &format!("{path}::{}", variant.name),
                Kind::Variant,
                &variant.name,
                &variant.spec_path,
            )
        });
    }
    items
}

/// A Rust type as the generated code spells it, on one line (`Vec<types::Widget>`).
fn spelled(ty: &RustType) -> String {
    rust_types::spelled(ty, "types::")
}

/// The spec path of a named type.
fn named_spec_path(api: &Api, ty: &RustType) -> Option<String> {
    let RustType::Named(name) = ty else {
        return None;
    };
    api.types
        .iter()
        .find(|def| &def.name == name)
        .map(|def| def.spec_path.clone())
}
