//! The tool's command line: the options every command shares, the commands, and `main`,
//! which runs one command and turns its outcome into an exit code.

use std::process::ExitCode;

use clap::{Args, Parser};

use crate::commands::Command;
use crate::contract::{ABOUT, BIN_NAME, ENV_BASE_URL, ENV_FIRST_PAGE, ENV_TIMEOUT};
use crate::failure::{Failure, EXIT_CODES_HELP};
use crate::output::Output;
use crate::profile::{Credentials, ProfileArgs};

/// The whole command line.
#[derive(Debug, Parser)]
#[command(name = BIN_NAME, version, about = ABOUT, after_long_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The options every command takes, before or after its name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    #[command(flatten)]
    pub(crate) profile: ProfileArgs,
    /// The API's base URL [default: the profile's, else the spec's server]
    #[arg(long, global = true, env = ENV_BASE_URL, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// The number of the first page, when the server counts pages from another number than
    /// the spec says
    #[arg(long, global = true, env = ENV_FIRST_PAGE, value_name = "N")]
    pub(crate) first_page: Option<i64>,
    /// How long one attempt may take, in seconds
    #[arg(long, global = true, env = ENV_TIMEOUT, value_name = "SECONDS")]
    pub(crate) timeout: Option<f64>,
    /// Print JSON on one line rather than indented
    #[arg(long, global = true)]
    pub(crate) compact: bool,
    /// Show what is sent and received on stderr: -v the request line, the headers (key and
    /// signature redacted), each attempt and its timing; -vv the bodies too. The secret is
    /// never shown.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// `completions`: a shell's completion script.
#[derive(Debug, Args)]
pub(crate) struct Completions {
    /// The shell to complete in
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// What a command needs from the command line around it.
pub(crate) struct Context {
    pub(crate) global: Global,
    pub(crate) output: Output,
}

impl Context {
    /// A client with the credentials of the flags, the environment and the profile, in
    /// that order of precedence, and the first page's number if they set one.
    pub(crate) fn connect(&self) -> Result<(client::Client, Option<i64>), Failure> {
        let credentials = Credentials::resolve(&self.global.profile)?;
        let mut builder = client::Client::builder()
            .account(credentials.account)
            .api_key(credentials.api_key)
            .api_secret(credentials.api_secret)
            .trace_bodies(self.global.verbose >= 2);
        if let Some(base_url) = self.global.base_url.clone().or(credentials.base_url) {
            builder = builder.base_url(base_url);
        }
        let first_page = self.global.first_page.or(credentials.first_page);
        if let Some(first_page) = first_page {
            builder = builder.first_page(first_page);
        }
        if let Some(seconds) = self.global.timeout {
            let timeout = std::time::Duration::try_from_secs_f64(seconds)
                .map_err(|_| Failure::usage(format!("--timeout {seconds}: not a duration")))?;
            builder = builder.timeout(timeout);
        }
        let client = builder
            .build()
            .map_err(|error| Failure::usage(error.to_string()))?;
        Ok((client, first_page))
    }
}

/// Parses the command line, runs the command and exits with its code.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::verbose::init(cli.global.verbose);
    let output = Output::new(cli.global.compact);
    let context = Context {
        global: cli.global,
        output,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return Failure::local(format!("cannot start: {error}")).exit(),
    };
    match runtime.block_on(crate::commands::run(cli.command, &context)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(),
    }
}

impl Completions {
    /// Prints the script on stdout.
    pub(crate) fn print(&self) -> Result<(), Failure> {
        let mut command = <Cli as clap::CommandFactory>::command();
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut command, BIN_NAME, &mut script);
        crate::output::write_stdout(&script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own checks of the command line: no two flags or commands share a name, every
    /// `conflicts_with` names a flag. It runs in every generated tool's tests too.
    #[test]
    fn the_command_line_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
