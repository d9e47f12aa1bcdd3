//! The tool's `src/commands.rs`: a subcommand per operation, with a flag per top-level
//! payload field, and `run`, which builds the payload and calls. The runtime crate is built
//! with its output for the stand-in spec (`codegen/cli-runtime/stand-in/src/commands.rs`).

use proc_macro2::TokenStream;
use quote::quote;

use super::flags::{Flag, flag, param_flag};
use crate::emit::rust_types::{ident, tokens};
use crate::emit::{docs, templates};
use crate::model::{Api, Operation, Pagination, RustType};

pub fn emit(api: &Api) -> Result<TokenStream, String> {
    let mut variants = Vec::new();
    let mut structs = Vec::new();
    let mut arms = Vec::new();
    for op in &api.operations {
        let fields_of = |name: &str| {
            api.struct_def(name)
                .map(|def| def.fields.as_slice())
                .ok_or_else(|| {
                    format!(
                        "internal error: the type `{name}` of `{}` is not a struct",
                        op.operation_id
                    )
                })
        };
        let flags: Vec<Flag> = match &op.payload {
            Some(payload) => fields_of(payload)?
                .iter()
                .map(|field| flag(api, field))
                .collect(),
            None => Vec::new(),
        };
        // A parameter's flag is named after it, unless a payload field's flag has the name.
        let param_flags: Vec<Flag> = match &op.params {
            Some(params) => fields_of(&params.name)?
                .iter()
                .map(|field| param_flag(api, field, &flags))
                .collect(),
            None => Vec::new(),
        };
        let command = op.command.clone();
        let variant_name = crate::naming::camel_name(&command)
            .ok_or_else(|| format!("internal error: the command `{command}` has no Rust name"))?;
        let name = ident(&variant_name);
        let args = ident(&format!("{}Args", variant_name.trim_end_matches('_')));
        variants.push(variant(op, &command, &name, &args));
        structs.push(args_struct(
            &command,
            &args,
            (&param_flags, &flags),
            op.pagination.is_some(),
            op.payload.is_some(),
        ));
        arms.push(arm(api, op, &name, (&param_flags, &flags))?);
    }
    let webhooks = api.webhooks.as_ref().map(|_| {
        quote! {
            /// Receive webhooks locally, or check a saved one, with the subscription's keys
            #[command(subcommand)]
            Webhooks(crate::webhooks::Webhooks),
        }
    });
    let webhooks_arm = api.webhooks.as_ref().map(
        |_| quote!(Command::Webhooks(command) => crate::webhooks::run(command, context).await,),
    );
    let module_doc = docs::inner(&templates::render(
        "cli/docs/commands.md",
        minijinja::context! {},
    ));
    Ok(quote! {
        #module_doc

        use crate::app::Context;
        use crate::failure::Failure;

        /// Every command.
        #[derive(Debug, clap::Subcommand)]
        pub(crate) enum Command {
            #(#variants)*
            #webhooks
            /// Print a shell's completion script (bash, zsh, fish, elvish or PowerShell)
            Completions(crate::app::Completions),
        }

        #(#structs)*

        /// Runs one command.
        pub(crate) async fn run(command: Command, context: &Context) -> Result<(), Failure> {
            match command {
                #(#arms)*
                #webhooks_arm
                Command::Completions(completions) => completions.print(),
            }
        }
    })
}

fn variant(
    op: &Operation,
    command: &str,
    name: &proc_macro2::Ident,
    args: &proc_macro2::Ident,
) -> TokenStream {
    let about = op
        .summary
        .as_deref()
        .map(docs::first_line)
        .unwrap_or(&op.operation_id)
        .trim_end_matches('.')
        .to_owned();
    let paged = op
        .pagination
        .as_ref()
        .map(|_| " (one page, or --all)")
        .unwrap_or_default();
    let about = format!("{about}{paged}");
    let deprecated = if op.deprecated {
        "Deprecated: the API may remove it.\n\n"
    } else {
        ""
    };
    let long_about = format!(
        "{deprecated}{}\n\nSends {} {} (operation `{}`).",
        docs::paragraphs([op.summary.as_deref(), op.description.as_deref()]),
        op.http_method.as_str(),
        op.http_path,
        op.operation_id,
    );
    quote! {
        #[command(name = #command, about = #about, long_about = #long_about)]
        #name(#args),
    }
}

fn args_struct(
    command: &str,
    name: &proc_macro2::Ident,
    (param_flags, flags): (&[Flag], &[Flag]),
    paged: bool,
    has_body: bool,
) -> TokenStream {
    let doc = docs::outer(&format!("The flags of `{command}`."));
    let fields = param_flags.iter().chain(flags).map(|flag| {
        let (member, ty, arg, long, help) =
            (&flag.member, &flag.ty, &flag.arg, &flag.long, &flag.help);
        quote! {
            #[arg(long = #long, help = #help, #arg)]
            #member: #ty,
        }
    });
    let body = has_body.then(|| {
        quote! {
            #[command(flatten)]
            body: crate::payload::BodyArgs,
        }
    });
    let all = paged.then(|| {
        quote! {
            /// Walk every page from the payload's page (or the first) on, printing the items
            /// one per line (NDJSON) as each page arrives
            #[arg(long)]
            all: bool,
        }
    });
    quote! {
        #doc
        #[derive(Debug, clap::Args)]
        pub(crate) struct #name {
            #(#fields)*
            #all
            #body
        }
    }
}

fn arm(
    api: &Api,
    op: &Operation,
    name: &proc_macro2::Ident,
    (param_flags, flags): (&[Flag], &[Flag]),
) -> Result<TokenStream, String> {
    let takes = |flags: &[Flag], into: TokenStream| -> Vec<TokenStream> {
        flags
            .iter()
            .map(|flag| {
                let (property, long, member, take) =
                    (&flag.property, &flag.long, &flag.member, &flag.take);
                quote!(#into.#take(#property, #long, args.#member)?;)
            })
            .collect()
    };
    let param_takes = takes(param_flags, quote!(params));
    let takes = takes(flags, quote!(fields));
    let types = quote!(client::types::);
    let payload_type = op
        .payload
        .as_ref()
        .map(|payload| tokens(&RustType::Named(payload.clone()), &types));
    let response = response_type(&op.response);
    let id = &op.operation_id;
    let params = op.params.as_ref().map(|params| {
        let params_type = tokens(&RustType::Named(params.name.clone()), &types);
        quote! {
            let mut params = crate::payload::Fields::new();
            #(#param_takes)*
            let params: #params_type = params.params()?;
        }
    });
    let request = match (&op.params, &op.payload) {
        (None, Some(_)) => quote!(&payload),
        (Some(_), None) => quote!(&params),
        (Some(_), Some(_)) => quote!(&(params, payload)),
        (None, None) => quote!(&()),
    };
    let call = quote! {
        crate::invoke::one::<_, #response>(context, #id, #request).await
    };
    let Some(payload_type) = payload_type else {
        // An operation that sends neither parameters nor a body has no flags to read.
        let args = match op.params {
            Some(_) => quote!(args),
            None => quote!(_),
        };
        return Ok(quote! {
            Command::#name(#args) => {
                #params
                #call
            }
        });
    };
    let op_payload = op.payload.as_deref().unwrap_or_default();
    // A required page number need not be given for --all: the walk starts at the first page.
    let page_fallback = op
        .pagination
        .as_ref()
        .filter(|p| !p.page_number_optional)
        .map(|p| {
            let property = wire_name_of(api, op_payload, &p.page_number_field);
            let first = p.first_page.to_string();
            quote!(if args.all { fields.fallback(#property, #first); })
        });
    let body = match &op.pagination {
        None => call,
        Some(pagination) => {
            let paging = paging(api, op, pagination, &payload_type)?;
            quote! {
                if !args.all {
                    return #call;
                }
                #paging
                crate::pages::all(context, #id, payload, paging).await
            }
        }
    };
    Ok(quote! {
        Command::#name(args) => {
            #params
            let mut fields = crate::payload::Fields::new();
            #(#takes)*
            #page_fallback
            let payload: #payload_type = fields.payload(&args.body)?;
            #body
        }
    })
}

/// The JSON name of struct `type_name`'s field `rust_name` (the checker made sure it exists).
fn wire_name_of(api: &Api, type_name: &str, rust_name: &str) -> String {
    api.struct_def(type_name)
        .and_then(|def| def.fields.iter().find(|field| field.name == rust_name))
        .map_or_else(|| rust_name.to_owned(), |field| field.wire_name.clone())
}

/// The response type a body is checked against: the spec's, where the client's types
/// spell it; anything, where only the client's wire formats could read it.
fn response_type(ty: &RustType) -> TokenStream {
    let spellable = |ty: &RustType| {
        matches!(
            ty,
            RustType::Named(_) | RustType::String | RustType::Bool | RustType::I32 | RustType::I64
        )
    };
    match ty {
        RustType::List(item) if spellable(item) => tokens(ty, &quote!(client::types::)),
        ty if spellable(ty) => tokens(ty, &quote!(client::types::)),
        _ => quote!(serde::de::IgnoredAny),
    }
}

/// The walk's facts: where the page number goes, where the items and the page count are.
fn paging(
    api: &Api,
    op: &Operation,
    pagination: &Pagination,
    payload_type: &TokenStream,
) -> Result<TokenStream, String> {
    let RustType::Named(response) = &op.response else {
        return Err(format!(
            "internal error: the paged `{}` has no struct response",
            op.operation_id
        ));
    };
    let items = wire_name_of(api, response, &pagination.items_field);
    let total_pages = match &pagination.total_pages {
        Some((field, _)) => {
            let name = wire_name_of(api, response, field);
            quote!(Some(#name))
        }
        None => quote!(None),
    };
    let page = ident(&pagination.page_number_field);
    let page_type = tokens(&pagination.page_number_type, &TokenStream::new());
    let first_page = proc_macro2::Literal::i64_unsuffixed(pagination.first_page);
    let is_i64 = pagination.page_number_type == RustType::I64;
    // A required page number that neither a flag nor the body gave holds the spec's first
    // page (the fallback): the walk then starts at the first page in force, which
    // --first-page or the profile may change.
    let property = wire_name_of(
        api,
        op.payload.as_deref().unwrap_or_default(),
        &pagination.page_number_field,
    );
    let (start, set) = match (pagination.page_number_optional, is_i64) {
        (true, true) => (quote!(payload.#page), quote!(payload.#page = Some(page))),
        (true, false) => (
            quote!(payload.#page.map(i64::from)),
            quote!(payload.#page = Some(page)),
        ),
        (false, true) => (
            quote!((!fields.fell_back(#property)).then_some(payload.#page)),
            quote!(payload.#page = page),
        ),
        (false, false) => (
            quote!((!fields.fell_back(#property)).then_some(i64::from(payload.#page))),
            quote!(payload.#page = page),
        ),
    };
    let set_page = if is_i64 {
        quote!({ #set; true })
    } else {
        quote!(#page_type::try_from(page).map(|page| #set).is_ok())
    };
    Ok(quote! {
        let paging = crate::pages::Paging {
            start: #start,
            first_page: #first_page,
            items: #items,
            total_pages: #total_pages,
            set_page: |payload: &mut #payload_type, page| #set_page,
        };
    })
}
