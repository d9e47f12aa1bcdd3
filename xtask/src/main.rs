//! `cargo xtask <task>`: the project's tasks. See `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec FILE] [--out DIR]
       cargo xtask bench [--quick] [--skip-build]

  codegen        regenerate the client crate from the spec and list the files that changed
  --check        write nothing; fail and name the stale files if the crate is out of date
  --spec FILE    the spec to read (default: spec/customer-purse.yaml)
  --out DIR      the crate folder to write (default: generated-client)

  bench          measure the generator, the client's per-call cost and loopback throughput
                 against hand-written baselines, the sandbox's lookups as its ledger grows,
                 and the generated crate's build cost; print one table (see BENCHMARKS.md)
  --quick        fewer rounds: a smoke run, not figures to record
  --skip-build   leave out the clean builds, which take minutes";

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
        Some((task, rest)) if task == "bench" => bench(rest),
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

/// Runs the `bench` package in release mode: it is a package of its own so that
/// `cargo xtask codegen` never has to build the generated client, which a spec edit may break.
fn bench(args: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args([
            "run",
            "--release",
            "--locked",
            "--quiet",
            "--package",
            "bench",
            "--",
        ])
        .args(args)
        .status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            ExitCode::FAILURE
        }
    }
}
