//! A hand-written stand-in for the commands module the generator writes for each spec's
//! tool (`codegen/src/emit/cli/commands.rs`): a subcommand per operation, with a flag per
//! top-level payload field.

use clap::{Args, Subcommand};

use crate::app::{Completions, Context};
use crate::failure::Failure;
use crate::payload::{BodyArgs, Fields};

/// Every command.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Get a thing
    GetThing(GetThing),
    /// Create a thing
    CreateThing(CreateThing),
    /// Find things, one page or --all
    FindThings(FindThings),
    /// Receive and check webhooks
    #[command(subcommand)]
    Webhooks(crate::webhooks::Webhooks),
    /// Print a shell's completion script
    Completions(Completions),
}

/// `get-thing`.
#[derive(Debug, Args)]
pub(crate) struct GetThing {
    /// The thing's id [required]
    #[arg(long, value_name = "UUID")]
    id: Option<client::Uuid>,
    #[command(flatten)]
    body: BodyArgs,
}

/// `create-thing`.
#[derive(Debug, Args)]
pub(crate) struct CreateThing {
    /// An amount of money, exact [required]
    #[arg(long, value_name = "DECIMAL", value_parser = crate::payload::decimal)]
    amount: Option<String>,
    /// A description
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    #[command(flatten)]
    body: BodyArgs,
}

/// `find-things`.
#[derive(Debug, Args)]
pub(crate) struct FindThings {
    /// The page, from 1
    #[arg(long, value_name = "INTEGER")]
    page_number: Option<i32>,
    /// Walk every page from the payload's page (or the first) on, printing the items one
    /// per line (NDJSON)
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    body: BodyArgs,
}

/// Runs one command.
pub(crate) async fn run(command: Command, context: &Context) -> Result<(), Failure> {
    match command {
        Command::GetThing(args) => {
            let mut fields = Fields::new();
            fields.value("id", "id", args.id)?;
            let payload: client::types::ThingIdRequest = fields.payload(&args.body)?;
            crate::invoke::one::<_, client::types::Thing>(context, "getThing", &payload).await
        }
        Command::CreateThing(args) => {
            let mut fields = Fields::new();
            fields.json("amount", "amount", args.amount)?;
            fields.value("description", "description", args.description)?;
            let payload: client::types::CreateThingRequest = fields.payload(&args.body)?;
            crate::invoke::one::<_, client::types::Thing>(context, "createThing", &payload).await
        }
        Command::FindThings(args) => {
            let mut fields = Fields::new();
            fields.value("pageNumber", "page-number", args.page_number)?;
            let payload: client::types::FindThingsRequest = fields.payload(&args.body)?;
            if !args.all {
                return crate::invoke::one::<_, client::types::ThingPage>(
                    context,
                    "findThings",
                    &payload,
                )
                .await;
            }
            let paging = crate::pages::Paging {
                start: payload.page_number.map(i64::from),
                first_page: 1,
                items: "result",
                total_pages: Some("total"),
                set_page: |payload: &mut client::types::FindThingsRequest, page| {
                    i32::try_from(page)
                        .map(|page| payload.page_number = Some(page))
                        .is_ok()
                },
            };
            crate::pages::all(context, "findThings", payload, paging).await
        }
        Command::Webhooks(command) => crate::webhooks::run(command, context).await,
        Command::Completions(completions) => completions.print(),
    }
}
