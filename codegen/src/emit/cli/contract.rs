//! The tool's `src/contract.rs`: the names the runtime prints and reads, from the spec.
//! The runtime is built against its output for the stand-in spec.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use crate::model::Api;

/// The settings that have an environment variable, as (constant, variable suffix).
const ENV_SETTINGS: &[(&str, &str)] = &[
    ("ENV_PROFILE", "PROFILE"),
    ("ENV_CONFIG", "CONFIG"),
    ("ENV_BASE_URL", "BASE_URL"),
    ("ENV_ACCOUNT", "ACCOUNT"),
    ("ENV_API_KEY", "API_KEY"),
    ("ENV_API_SECRET", "API_SECRET"),
    ("ENV_FIRST_PAGE", "FIRST_PAGE"),
    ("ENV_TIMEOUT", "TIMEOUT"),
];

/// The settings of `webhooks listen` and `webhooks verify`, for APIs that send webhooks.
const ENV_WEBHOOK_SETTINGS: &[(&str, &str)] = &[
    ("ENV_WEBHOOK_KEY", "WEBHOOK_KEY"),
    ("ENV_WEBHOOK_SECRET", "WEBHOOK_SECRET"),
];

pub fn emit(api: &Api) -> TokenStream {
    let module_doc = docs::inner(
        "The names the tool's runtime (the files copied from the generator's `cli-runtime`) \
         uses: the tool's, its environment variables', the headers' and the operations' paths.",
    );
    let bin = &api.package.name;
    let about = about(api);
    let (key, signature) = (&api.signing.key_header, &api.signing.signature_header);
    let operations = api.operations.iter().map(|op| {
        let (id, path) = (&op.operation_id, &op.http_path);
        let method = op.http_method.as_str();
        let body = op.payload.is_some();
        quote!((#id, #method, #path, #body))
    });
    let has_account = api.signing.envelope.is_some();
    let prefix = api.package.env_prefix();
    let webhook_settings = api
        .webhooks
        .as_ref()
        .map_or(&[][..], |_| ENV_WEBHOOK_SETTINGS);
    let env = ENV_SETTINGS
        .iter()
        .chain(webhook_settings)
        .map(|(constant, suffix)| {
            let constant = super::super::rust_types::ident(constant);
            let variable = format!("{prefix}_{suffix}");
            let doc = format!("The environment variable `{variable}`.");
            quote! {
                #[doc = #doc]
                pub(crate) const #constant: &str = #variable;
            }
        });
    let webhook_url = api.webhooks.as_ref().map(|_| {
        let signs_url = api.webhooks_sign_url();
        let with_url = match signs_url {
            true => quote!(verifier.with_url(url)),
            false => quote! {
                let _ = url;
                verifier
            },
        };
        quote! {
            /// Whether the webhook signature covers the URL the API delivers to: the
            /// `webhooks` commands then need `--webhook-url`.
            pub(crate) const WEBHOOKS_SIGN_URL: bool = #signs_url;

            /// `verifier`, told the URL the API delivers to when its webhook signature covers
            /// it; unchanged otherwise.
            pub(crate) fn with_webhook_url(
                verifier: client::WebhookVerifier,
                url: &str,
            ) -> client::WebhookVerifier {
                #with_url
            }
        }
    });
    quote! {
        #module_doc

        /// The tool's name: its binary, its config folder.
        pub(crate) const BIN_NAME: &str = #bin;

        /// What `--help` says the tool is.
        pub(crate) const ABOUT: &str = #about;

        /// The key header, as the spec writes it.
        pub(crate) const KEY_HEADER: &str = #key;

        /// The signature header, as the spec writes it.
        pub(crate) const SIGNATURE_HEADER: &str = #signature;

        /// Each operation's id, method, path (a template when it has path parameters) and
        /// whether it sends a JSON body, for `--verbose`.
        pub(crate) const OPERATIONS: &[(&str, &str, &str, bool)] = &[#(#operations),*];

        /// Whether requests carry an account (in the spec's request envelope): without one,
        /// the tool neither asks for an account nor shows `--account`.
        pub(crate) const HAS_ACCOUNT: bool = #has_account;

        #webhook_url

        #(#env)*
    }
}

fn about(api: &Api) -> String {
    format!(
        "Calls the {} ({}) from a shell: every operation, signed.",
        api.title, api.api_version
    )
}
