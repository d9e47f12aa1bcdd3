//! `cargo xtask <task>`: the project's tasks. See `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec FILE] [--out DIR]

  codegen        regenerate the client crate from the spec and list the files that changed
  --check        write nothing; fail and name the stale files if the crate is out of date
  --spec FILE    the spec to read (default: spec/customer-purse.yaml)
  --out DIR      the crate folder to write (default: generated-client)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((task, rest)) if task == "codegen" => match xtask::codegen::Options::parse(rest) {
            Ok(options) => xtask::codegen::run(&options),
            Err(message) => {
                eprintln!("error: {message}\n\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some((task, _)) if task == "help" || task == "--help" || task == "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
