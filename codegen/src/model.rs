//! The checked model: everything the emitters need, resolved and named for Rust.
//!
//! Built by `check` from the spec model. Emitters read only this; none of them sees YAML.

/// A checked API, ready to be turned into a client crate.
#[derive(Debug, Clone)]
pub struct Api {
    pub title: String,
    pub api_version: String,
    pub description: Option<String>,
    pub package: Package,
    /// The first server in the spec: the client's default base URL.
    pub default_base_url: Option<String>,
    pub signing: Signing,
    /// In spec order.
    pub operations: Vec<Operation>,
    /// Sorted by name, so output order never depends on map order.
    pub types: Vec<TypeDef>,
    /// The type of the body that error responses carry; `None` when no error response has a schema.
    pub error_body: Option<RustType>,
    /// The webhooks the API sends (`x-webhooks`, or 3.1's `webhooks`).
    pub webhooks: Option<Webhooks>,
    /// What the API uses, for the emitters that include or leave out parts by it.
    pub uses: Uses,
}

/// Facts about the whole API that several emitters ask, computed once by the checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uses {
    /// Some operation is paged (`x-pagination`): the crate walks pages.
    pub paging: bool,
    /// Some type is an enum: the crate keeps unknown enum values.
    pub enums: bool,
    /// Some field holds a decimal, alone or in a list.
    pub decimals: bool,
    /// Some field holds a date-time, alone or in a list.
    pub date_times: bool,
    /// Some field holds a string that the API may send as a number.
    pub strings_or_numbers: bool,
}

impl Uses {
    /// What `operations` and `types` use.
    pub fn of(operations: &[Operation], types: &[TypeDef]) -> Self {
        let fields = || {
            types.iter().flat_map(|def| match &def.kind {
                TypeKind::Struct(s) => s.fields.as_slice(),
                TypeKind::Enum(_) => &[],
            })
        };
        Self {
            paging: operations.iter().any(|op| op.pagination.is_some()),
            enums: types
                .iter()
                .any(|def| matches!(def.kind, TypeKind::Enum(_))),
            decimals: fields().any(|field| field.ty.contains(&RustType::Decimal)),
            date_times: fields().any(|field| field.ty.contains(&RustType::DateTime)),
            strings_or_numbers: fields().any(|field| field.ty.contains(&RustType::StringOrNumber)),
        }
    }
}

impl Api {
    /// The spec path of the error body's schema, when it is a named type.
    pub fn error_body_spec_path(&self) -> Option<String> {
        let Some(RustType::Named(name)) = &self.error_body else {
            return None;
        };
        self.types
            .iter()
            .find(|def| &def.name == name)
            .map(|def| def.spec_path.clone())
    }

    /// The API sends webhooks whose signature covers the URL it delivers them to, so their
    /// verifier must be told that URL (`WebhookVerifier::with_url`, emitted for such APIs).
    pub fn webhooks_sign_url(&self) -> bool {
        self.webhooks.is_some() && self.signing.webhook_recipe.signs(&Part::Url)
    }

    /// The struct named `name`, if it is one.
    pub fn struct_def(&self, name: &str) -> Option<&StructDef> {
        self.types.iter().find_map(|def| match &def.kind {
            TypeKind::Struct(s) if def.name == name => Some(s),
            _ => None,
        })
    }
}

/// The generated crate's package metadata.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    pub version: semver::Version,
    pub description: String,
    pub license: String,
    pub repository: String,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub publish: bool,
}

impl Package {
    /// The crate's name as Rust code spells it (`my-client` → `my_client`).
    pub fn lib_name(&self) -> String {
        self.name.replace('-', "_")
    }

    /// The command-line tool's package (`my-client-cli`); its binary is named like the
    /// client crate (`my-client`).
    pub fn cli_name(&self) -> String {
        format!("{}-cli", self.name)
    }

    /// The prefix of the tool's environment variables (`my-client` → `MY_CLIENT`).
    pub fn env_prefix(&self) -> String {
        self.name.replace('-', "_").to_ascii_uppercase()
    }
}

/// How requests are stamped and signed (from `x-request-signing`).
#[derive(Debug, Clone)]
pub struct Signing {
    pub key_header: String,
    pub signature_header: String,
    pub max_clock_skew_seconds: u32,
    /// The body every request extends; `None`: each request body is its payload.
    pub envelope: Option<Envelope>,
    /// How requests are signed: the `recipe`, or the legacy form read as one.
    pub recipe: Recipe,
    /// How webhooks are signed: `webhooks.recipe`, or the requests' recipe.
    pub webhook_recipe: Recipe,
    /// The error body property and value that mean "timestamp outside the window".
    pub timestamp_rejected: Option<(String, String)>,
    pub example: Option<SigningExample>,
    /// How the API answers the requests it refuses before running them, for the mock.
    pub refusals: Option<Refusals>,
}

/// The request envelope's property names (`x-request-signing.envelope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub account_field: String,
    pub payload_field: String,
}

/// A signing recipe: what is signed, how, and where the values it makes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    pub algorithm: Algorithm,
    pub encoding: Encoding,
    /// In order; never empty.
    pub parts: Vec<Part>,
    /// Between two parts.
    pub separator: String,
    /// The separator after the last part too.
    pub terminated: bool,
    pub timestamp: Option<RecipeTimestamp>,
    /// Where the nonce goes, when the recipe has one.
    pub nonce: Option<Place>,
}

impl Recipe {
    /// Whether the recipe signs `part`.
    pub fn signs(&self, part: &Part) -> bool {
        self.parts.contains(part)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha256,
    HmacSha512,
}

impl Algorithm {
    /// The HMAC's length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::HmacSha256 => 32,
            Algorithm::HmacSha512 => 64,
        }
    }

    /// As the spec names it.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "HMAC-SHA256",
            Algorithm::HmacSha512 => "HMAC-SHA512",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    LowercaseHex,
    UppercaseHex,
    Base64,
}

/// A signed part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Body,
    Method,
    PathWithQuery,
    Url,
    Timestamp,
    Nonce,
    Key,
    Text(String),
}

/// A recipe's timestamp: how it is written and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeTimestamp {
    pub format: TimestampFormat,
    pub place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    UnixSeconds,
    UnixMilliseconds,
    /// `2025-03-01T02:30:00`, UTC.
    Iso8601,
    /// `2025-03-01T02:30:00Z`.
    Iso8601Utc,
}

/// Where a value the recipe makes goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A header, named as the spec writes it.
    Header(String),
    /// A property of the request envelope.
    Envelope(String),
}

/// The answer to each check a request can fail (`x-request-signing.refusals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusals {
    pub unknown_key: Refusal,
    pub bad_signature: Refusal,
    pub bad_request: Refusal,
    pub stale_timestamp: Refusal,
}

/// An HTTP status and the error body, as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub body_json: String,
}

/// A published signature: the secret, the parts signed, and the signature they make.
#[derive(Debug, Clone)]
pub struct SigningExample {
    pub secret: String,
    pub body: String,
    pub signature: String,
    /// The other parts, as the example gives them (`None`: empty).
    pub method: Option<String>,
    pub path_with_query: Option<String>,
    pub url: Option<String>,
    pub timestamp: Option<String>,
    pub nonce: Option<String>,
    pub key: Option<String>,
}

/// An operation's HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    /// As HTTP writes it: `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether HTTP calls the method idempotent (RFC 9110, 9.2.2): what the client retries
    /// when the spec gives no `x-idempotent`.
    pub fn is_idempotent(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete)
    }
}

/// An operation's path and query parameters, and the struct that holds them.
#[derive(Debug, Clone)]
pub struct Params {
    /// The struct's name: `<Operation>Params`.
    pub name: String,
    /// In the struct's order: the path's first, then the query's, each in spec order.
    pub list: Vec<Param>,
}

/// One path or query parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// As the spec names it: in the path's `{name}`, or the query's `name=`.
    pub wire_name: String,
    /// Its field in the params struct.
    pub field: String,
    pub place: ParamPlace,
    /// How the mock and the tool read its text back.
    pub kind: ParamKind,
    /// An array: several values.
    pub list: bool,
    /// An `Option` field (a query parameter not required).
    pub optional: bool,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamPlace {
    Path,
    Query,
}

/// A parameter value's JSON kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A string, a uuid, a date-time or an enum value.
    Text,
    Integer,
    /// A decimal, sent with its exact digits.
    Number,
    Boolean,
}

/// One signed operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operation's Rust name: the client method's and the mock entry point's. The snake
    /// case of the operationId, unless the runtime or the tool already has a name it would
    /// make: then with `_operation` after it (see `renamed`).
    pub method: String,
    /// Why `method` is not the snake case of the operationId, when it is not: what has a
    /// name the operation would have made (``the subcommand `help` is taken by the tool's own
    /// `help` command``).
    pub renamed: Option<String>,
    /// The tool's subcommand: `method` in kebab case.
    pub command: String,
    pub operation_id: String,
    pub http_path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub http_method: HttpMethod,
    /// Its path and query parameters, if it has any.
    pub params: Option<Params>,
    /// The payload struct's name, when it sends a body.
    pub payload: Option<String>,
    pub response: RustType,
    /// Safe to repeat (`x-idempotent`, or else its method): the client retries it.
    pub idempotent: bool,
    pub pagination: Option<Pagination>,
    /// Where the spec defines it (`paths./widgets/get.post`), for reports.
    pub spec_path: String,
}

/// How to walk a paged operation's pages (from `x-pagination`).
#[derive(Debug, Clone)]
pub struct Pagination {
    /// The payload field (Rust name) that holds the page number.
    pub page_number_field: String,
    /// `I32` or `I64`.
    pub page_number_type: RustType,
    pub page_number_optional: bool,
    pub first_page: i64,
    /// The first page's number is inferred, not documented (`x-pagination.firstPageInferred`).
    pub first_page_inferred: bool,
    /// The response field (Rust name) that holds the items, and whether it is an `Option`.
    pub items_field: String,
    pub items_optional: bool,
    pub item: RustType,
    /// The response field (Rust name) that holds the number of pages, and whether it is an `Option`.
    pub total_pages: Option<(String, bool)>,
    /// The client's methods that stream every item and that collect them
    /// (`<method>_stream`, `<method>_all`).
    pub stream_method: String,
    pub all_method: String,
}

/// The events an API POSTs to its users, signed like its requests.
#[derive(Debug, Clone)]
pub struct Webhooks {
    /// The envelope struct's name.
    pub envelope: String,
    /// The envelope field (Rust name) that names the event, and whether it is an `Option`.
    pub event_type_field: String,
    pub event_type_wire_name: String,
    pub event_type_optional: bool,
    /// The envelope field (Rust name, JSON value) that holds the event's data, and its JSON name.
    pub data_field: String,
    pub data_wire_name: String,
    pub data_optional: bool,
    /// The JSON names of the envelope properties that identify a delivery, in the spec's
    /// order (`identityProperties`); empty when the spec names none.
    pub identity_wire_names: Vec<String>,
    /// In spec order.
    pub events: Vec<WebhookEvent>,
}

#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// The event type as sent.
    pub event_type: String,
    /// The variant of the generated event enum.
    pub variant: String,
    /// The data struct's name.
    pub data: String,
    pub description: Option<String>,
    /// Where the spec defines it (`x-webhooks.WIDGET_CREATED`), for reports.
    pub spec_path: String,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    pub kind: TypeKind,
    /// The schema it comes from (`components.schemas.Widget`), for reports.
    pub spec_path: String,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct(StructDef),
    Enum(EnumDef),
}

#[derive(Debug, Clone)]
pub struct StructDef {
    pub fields: Vec<Field>,
    /// `additionalProperties: true`: properties the spec does not name are kept in a map.
    pub keeps_other_properties: bool,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub wire_name: String,
    pub doc: Option<String>,
    pub ty: RustType,
    /// Not in `required`, or `nullable`: the field is an `Option`.
    pub optional: bool,
    /// The property it comes from (`components.schemas.Widget.properties.name`), for reports.
    pub spec_path: String,
}

/// A string enum. Generated enums are open: unknown values are kept, not rejected.
#[derive(Debug, Clone)]
pub struct EnumDef {
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub wire_value: String,
    pub doc: Option<String>,
    /// The enum value it comes from (`components.schemas.Colour.enum[0]`), for reports.
    pub spec_path: String,
}

/// The Rust type of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustType {
    String,
    Bool,
    I32,
    I64,
    /// Every JSON number: exact, never a float.
    Decimal,
    Uuid,
    DateTime,
    /// Any JSON value (a schema with no type).
    Json,
    /// Text the API sends as a JSON string or a JSON number (`type: [string, number]`, or
    /// `anyOf` the two): a `String`, a number kept as its exact digits.
    StringOrNumber,
    /// A generated struct or enum.
    Named(String),
    List(Box<RustType>),
}

impl RustType {
    /// Whether this type, or any type inside it, is `t`.
    pub fn contains(&self, t: &RustType) -> bool {
        self == t || matches!(self, RustType::List(item) if item.contains(t))
    }
}
