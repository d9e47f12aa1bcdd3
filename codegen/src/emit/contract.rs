//! `src/contract.rs`: everything the runtime (the files copied from
//! `codegen/client-runtime/src/`) must know of the spec, in one module. The runtime crate is
//! built against its output for the stand-in spec.

use proc_macro2::TokenStream;
use quote::quote;

use super::rust_types::{ident, tokens};
use super::{SpecPaths, docs};
use crate::model::{
    Algorithm, Api, Encoding, HttpMethod, ParamKind, ParamPlace, Part, Place, Recipe, Refusal,
    Refusals, RustType, Signing, SigningExample, TimestampFormat, Webhooks,
};

pub fn emit(api: &Api, paths: SpecPaths) -> TokenStream {
    let operations_mark = paths.mark("paths");
    let module_doc = docs::inner(
        "The contract between the runtime and the spec: header names, the envelope's \
         property names, the operations, the error body and the other facts of the spec that \
         the runtime's files (copied from the generator's `client-runtime`) read.",
    );
    let signing = signing(&api.signing, paths);
    let base_url = base_url(api.default_base_url.as_deref(), paths);
    let operations = api.operations.iter().map(|op| {
        let (id, path, idempotent) = (&op.operation_id, &op.http_path, op.idempotent);
        let method = match op.http_method {
            HttpMethod::Get => quote!(Get),
            HttpMethod::Post => quote!(Post),
            HttpMethod::Put => quote!(Put),
            HttpMethod::Patch => quote!(Patch),
            HttpMethod::Delete => quote!(Delete),
        };
        let params = op
            .params
            .iter()
            .flat_map(|params| &params.list)
            .map(|param| {
                let name = &param.wire_name;
                let place = match param.place {
                    ParamPlace::Path => quote!(Path),
                    ParamPlace::Query => quote!(Query),
                };
                let kind = match param.kind {
                    ParamKind::Text => quote!(Text),
                    ParamKind::Integer => quote!(Integer),
                    ParamKind::Number => quote!(Number),
                    ParamKind::Boolean => quote!(Boolean),
                };
                let list = param.list;
                quote! {
                    params::Param {
                        name: #name,
                        place: params::Place::#place,
                        kind: params::Kind::#kind,
                        list: #list,
                    }
                }
            });
        let body = op.payload.is_some();
        quote! {
            Operation {
                id: #id,
                method: params::Method::#method,
                path: #path,
                params: &[#(#params),*],
                body: #body,
                idempotent: #idempotent,
            }
        }
    });
    let operation_count = proc_macro2::Literal::usize_unsuffixed(api.operations.len());
    let error_body = error_body(api, paths);
    let webhooks = api
        .webhooks
        .as_ref()
        .map(|webhooks| webhooks_contract(&api.signing, webhooks, paths));
    let example_test = api.signing.example.as_ref().map(example_test);
    quote! {
        #module_doc

        use crate::call::Operation;
        use crate::params;
        use crate::signing;

        #signing

        #base_url

        /// Every operation, in the order of the client's URLs; a method calls `OPERATIONS[i]`.
        #operations_mark
        pub(crate) const OPERATIONS: [Operation; #operation_count] = [#(#operations),*];

        #error_body

        #webhooks

        #example_test
    }
}

fn signing(signing: &Signing, paths: SpecPaths) -> TokenStream {
    let key_mark = paths.mark("x-request-signing.keySecurityScheme");
    let signature_mark = paths.mark("x-request-signing.signatureSecurityScheme");
    let skew_mark = paths.mark("x-request-signing.maxClockSkewSeconds");
    let envelope_mark = paths.mark("x-request-signing.envelope");
    let recipe_mark = paths.mark("x-request-signing");
    let key_header = signing.key_header.to_ascii_lowercase();
    let signature_header = signing.signature_header.to_ascii_lowercase();
    let key_doc = docs::outer(&format!(
        "The header that carries the API key (`{}`).",
        signing.key_header
    ));
    let signature_doc = docs::outer(&format!(
        "The header that carries the body's signature (`{}`).",
        signing.signature_header
    ));
    let skew = proc_macro2::Literal::u64_unsuffixed(u64::from(signing.max_clock_skew_seconds));
    let skew_doc = docs::outer(&format!(
        "How far a request's timestamp may be from the server's clock: {skew} seconds either way."
    ));
    let envelope = match &signing.envelope {
        Some(envelope) => {
            let (account, payload) = (&envelope.account_field, &envelope.payload_field);
            quote!(Some(crate::request::EnvelopeNames { account: #account, payload: #payload }))
        }
        None => quote!(None),
    };
    let recipe = recipe(&signing.recipe);
    quote! {
        #key_doc
        #key_mark
        pub const KEY_HEADER: &str = #key_header;

        #signature_doc
        #signature_mark
        pub const SIGNATURE_HEADER: &str = #signature_header;

        #skew_doc
        #skew_mark
        pub const MAX_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(#skew);

        /// The property names of the envelope every request body extends; `None` when each
        /// body is its payload itself.
        #envelope_mark
        pub(crate) const ENVELOPE: Option<crate::request::EnvelopeNames> = #envelope;

        /// How requests are signed: the parts, the HMAC, its encoding, and where the
        /// timestamp and the nonce go.
        #recipe_mark
        pub(crate) const REQUEST_RECIPE: signing::Recipe = #recipe;
    }
}

/// A recipe as the runtime's `signing::Recipe`.
fn recipe(recipe: &Recipe) -> TokenStream {
    let algorithm = match recipe.algorithm {
        Algorithm::HmacSha256 => quote!(HmacSha256),
        Algorithm::HmacSha512 => quote!(HmacSha512),
    };
    let encoding = match recipe.encoding {
        Encoding::LowercaseHex => quote!(LowercaseHex),
        Encoding::UppercaseHex => quote!(UppercaseHex),
        Encoding::Base64 => quote!(Base64),
    };
    let parts = recipe.parts.iter().map(|part| match part {
        Part::Body => quote!(signing::Part::Body),
        Part::Method => quote!(signing::Part::Method),
        Part::PathWithQuery => quote!(signing::Part::PathWithQuery),
        Part::Url => quote!(signing::Part::Url),
        Part::Timestamp => quote!(signing::Part::Timestamp),
        Part::Nonce => quote!(signing::Part::Nonce),
        Part::Key => quote!(signing::Part::Key),
        Part::Text(text) => quote!(signing::Part::Text(#text)),
    });
    let (separator, terminated) = (&recipe.separator, recipe.terminated);
    let timestamp = match &recipe.timestamp {
        Some(timestamp) => {
            let format = match timestamp.format {
                TimestampFormat::UnixSeconds => quote!(UnixSeconds),
                TimestampFormat::UnixMilliseconds => quote!(UnixMilliseconds),
                TimestampFormat::Iso8601 => quote!(Iso8601),
                TimestampFormat::Iso8601Utc => quote!(Iso8601Utc),
            };
            let place = place(&timestamp.place);
            quote!(Some(signing::Timestamp {
                format: signing::TimestampFormat::#format,
                place: #place,
            }))
        }
        None => quote!(None),
    };
    let nonce = match &recipe.nonce {
        Some(nonce) => {
            let place = place(nonce);
            quote!(Some(#place))
        }
        None => quote!(None),
    };
    quote! {
        signing::Recipe {
            algorithm: signing::Algorithm::#algorithm,
            encoding: signing::Encoding::#encoding,
            parts: &[#(#parts),*],
            separator: #separator,
            terminated: #terminated,
            timestamp: #timestamp,
            nonce: #nonce,
        }
    }
}

/// Where a value goes; a header's name in lowercase, as `HeaderName::from_static` takes it.
fn place(place: &Place) -> TokenStream {
    match place {
        Place::Header(name) => {
            let name = name.to_ascii_lowercase();
            quote!(signing::Place::Header(#name))
        }
        Place::Envelope(property) => quote!(signing::Place::Envelope(#property)),
    }
}

fn base_url(default: Option<&str>, paths: SpecPaths) -> TokenStream {
    let servers_mark = paths.mark("servers");
    match default {
        Some(url) => {
            let doc = docs::outer(&format!("The base URL used when none is given: `{url}`."));
            quote! {
                #doc
                #servers_mark
                pub const DEFAULT_BASE_URL: &str = #url;

                /// The base URL the client falls back to, if the spec names a server.
                #servers_mark
                pub(crate) const BASE_URL: Option<&str> = Some(DEFAULT_BASE_URL);
            }
        }
        None => quote! {
            /// The base URL the client falls back to: none, since the spec names no server.
            #servers_mark
            pub(crate) const BASE_URL: Option<&str> = None;
        },
    }
}

fn error_body(api: &Api, paths: SpecPaths) -> TokenStream {
    let rejected_mark = paths.mark("x-request-signing.timestampRejected");
    let ty = match &api.error_body {
        Some(ty) => tokens(ty, &quote!(crate::types::)),
        None => quote!(serde_json::Value),
    };
    let properties = match &api.error_body {
        Some(RustType::Named(name)) => api.struct_def(name).map(|def| {
            let names = def.fields.iter().map(|field| &field.wire_name);
            quote!(Some(&[#(#names),*]))
        }),
        _ => None,
    }
    .unwrap_or_else(|| quote!(None));
    let refusals = refusals(api.signing.refusals.as_ref(), paths);
    let timestamp_rejected = match &api.signing.timestamp_rejected {
        Some((property, value)) => quote!(Some((#property, #value))),
        None => quote!(None),
    };
    let spec = paths.mark(
        &api.error_body_spec_path()
            .unwrap_or_else(|| "paths (the error responses' schema)".to_owned()),
    );
    quote! {
        /// The body of the API's error responses.
        #spec
        pub(crate) type ErrorBody = #ty;

        /// The properties of the error body; JSON with none of them is someone else's. `None`
        /// when the error body is not an object schema: then any JSON that parses as it counts.
        #spec
        pub(crate) const ERROR_BODY_PROPERTIES: Option<&[&str]> = #properties;

        /// The error body property, and its value, that mean "timestamp outside the window".
        #rejected_mark
        pub(crate) const TIMESTAMP_REJECTED: Option<(&str, &str)> = #timestamp_rejected;

        #refusals
    }
}

/// How the API answers the requests it refuses (`x-request-signing.refusals`), for the mock.
fn refusals(refusals: Option<&Refusals>, paths: SpecPaths) -> TokenStream {
    let refusals_mark = paths.mark("x-request-signing.refusals");
    let answer = |refusal: Option<&Refusal>| match refusal {
        Some(Refusal { status, body_json }) => {
            let status = proc_macro2::Literal::u16_unsuffixed(*status);
            quote!(Some((#status, #body_json)))
        }
        None => quote!(None),
    };
    let [unknown_key, bad_signature, bad_request, stale_timestamp] = [
        refusals.map(|r| &r.unknown_key),
        refusals.map(|r| &r.bad_signature),
        refusals.map(|r| &r.bad_request),
        refusals.map(|r| &r.stale_timestamp),
    ]
    .map(answer);
    quote! {
        /// How the API answers the requests it refuses before running them
        /// (`x-request-signing.refusals`), for the mock.
        #[cfg(feature = "mock")]
        #refusals_mark
        pub(crate) const REFUSALS: crate::mock::Refusals = crate::mock::Refusals {
            unknown_key: #unknown_key,
            bad_signature: #bad_signature,
            bad_request: #bad_request,
            stale_timestamp: #stale_timestamp,
        };
    }
}

fn webhooks_contract(signing: &Signing, webhooks: &Webhooks, paths: SpecPaths) -> TokenStream {
    let webhooks_mark = paths.mark("x-request-signing.webhooks");
    let (key, sign) = (&signing.key_header, &signing.signature_header);
    let envelope = ident(&webhooks.envelope);
    let data = &webhooks.data_wire_name;
    let identity = &webhooks.identity_wire_names;
    let event_type = ident(&webhooks.event_type_field);
    let event_type = if webhooks.event_type_optional {
        quote!(envelope.#event_type.as_deref())
    } else {
        quote!(Some(&envelope.#event_type))
    };
    let recipe = recipe(&signing.webhook_recipe);
    quote! {
        /// How webhooks are signed: the parts, the HMAC and its encoding.
        #webhooks_mark
        pub(crate) const WEBHOOK_RECIPE: signing::Recipe = #recipe;

        /// The key header as the spec writes it, for messages.
        #webhooks_mark
        pub(crate) const KEY_HEADER_AS_WRITTEN: &str = #key;

        /// The signature header as the spec writes it, for messages.
        #webhooks_mark
        pub(crate) const SIGNATURE_HEADER_AS_WRITTEN: &str = #sign;

        /// The body every webhook shares.
        #webhooks_mark
        pub(crate) type WebhookEnvelope = crate::types::#envelope;

        /// The envelope property that holds the event's data.
        #webhooks_mark
        pub(crate) const WEBHOOK_DATA_PROPERTY: &str = #data;

        /// The envelope properties whose values, in this order, identify a delivery
        /// (`identityProperties`); empty when the spec names none.
        #webhooks_mark
        pub(crate) const WEBHOOK_IDENTITY_PROPERTIES: &[&str] = &[#(#identity),*];

        /// The event type a webhook names, if it names one.
        #webhooks_mark
        pub(crate) fn webhook_event_type(envelope: &WebhookEnvelope) -> Option<&str> {
            #event_type
        }
    }
}

/// The provider's published signature (`x-request-signing.example`), as a test.
fn example_test(example: &SigningExample) -> TokenStream {
    let (secret, body, signature) = (&example.secret, &example.body, &example.signature);
    let others = [
        ("method", &example.method),
        ("path_with_query", &example.path_with_query),
        ("url", &example.url),
        ("timestamp", &example.timestamp),
        ("nonce", &example.nonce),
    ]
    .into_iter()
    .filter_map(|(field, value)| {
        let field = ident(field);
        value.as_ref().map(|value| quote!(#field: #value,))
    })
    .chain(
        example
            .key
            .as_ref()
            .map(|key| quote!(key: #key.as_bytes(),)),
    )
    .collect::<Vec<_>>();
    // A recipe of the body alone signs as it always did; other parts go in a message.
    let (signs, signs_changed) = if others.is_empty() {
        (
            quote!(signer.sign(#body.as_bytes())),
            quote!(signer.sign(changed.as_bytes())),
        )
    } else {
        (
            quote!(signer.sign_message(&crate::signing::Message {
                #(#others)*
                ..crate::signing::Message::of_body(#body.as_bytes())
            })),
            quote!(signer.sign_message(&crate::signing::Message {
                #(#others)*
                ..crate::signing::Message::of_body(changed.as_bytes())
            })),
        )
    };
    quote! {
        #[cfg(test)]
        mod tests {
            use crate::signing::Signer;

            /// The example the API's provider publishes, from `x-request-signing.example`.
            #[test]
            fn signs_the_published_example() {
                let signer = Signer::new(&secrecy::SecretString::from(#secret));
                let signature = #signs;
                assert_eq!(signature.as_bytes(), #signature.as_bytes());
            }

            #[test]
            fn any_change_to_the_body_changes_the_signature() {
                let signer = Signer::new(&secrecy::SecretString::from(#secret));
                let changed = format!("{} ", #body);
                let signature = #signs_changed;
                assert_ne!(signature.as_bytes(), #signature.as_bytes());
            }
        }
    }
}
