//! `cargo xtask <task>`: the project's tasks. See `cargo xtask help`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--spec FILE] [--out DIR] [--cli-out DIR]
       cargo xtask release [--date YYYY-MM-DD] [--spec FILE] [--out DIR]
       cargo xtask bench [--quick] [--skip-build]
       cargo xtask mutants [--full] [--cap N]

  codegen        regenerate the client crate and its command-line tool from the spec; list
                 the files that changed and the public API changes (major, minor, patch)
                 since the last release, which also go into the crate's CHANGELOG.md
  --check        write nothing; fail and name the stale files if the crate is out of date,
                 or the changes if x-rust-crate.version is too low for them
  --spec FILE    the spec to read (default: spec/customer-purse.yaml)
  --out DIR      the crate folder to write (default: generated-client)
  --cli-out DIR  the command-line tool's crate folder to write (with --spec or --out, the
                 tool is generated only when given)
                 (with none of the three, every checked-in crate and tool)

  release        release the crate as the spec's x-rust-crate.version: CHANGELOG.md's
                 Unreleased changes move under that version, and the spec is recorded as the
                 release (released-spec.yaml in the crate folder) that later changes are
                 compared with
  --date DATE    the release date (default: today, UTC)

  bench          measure the generator, the client's per-call cost and loopback throughput
                 against hand-written baselines, the sandbox's lookups as its ledger grows,
                 the generated CLI's start-to-exit time for one call, and the generated
                 crates' build cost; print one table (see BENCHMARKS.md)
  --quick        fewer rounds: a smoke run, not figures to record
  --skip-build   leave out the clean builds, which take minutes

  mutants        mutation testing (cargo-mutants) of the runtimes' code changed since the
                 commit codegen/mutants-base names; fails on a surviving mutant that
                 codegen/mutants-survivors.md does not list. When every change was tested and
                 the sources are committed, moves codegen/mutants-base to HEAD (docs/testing.md)
  --full         every mutant of both runtimes (its cost: docs/testing.md); fails on a
                 listed survivor that no longer survives too
  --cap N        test nothing and fail when there are more than N mutants (as CI does)";

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
        Some((task, rest)) if task == "release" => release(rest),
        Some((task, rest)) if task == "bench" => bench(rest),
        Some((task, rest)) if task == "mutants" => match xtask::mutants::Options::parse(rest) {
            Ok(options) => xtask::mutants::run(&options),
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

fn release(args: &[String]) -> ExitCode {
    let options = match xtask::release::Options::parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let date = options.date.unwrap_or_else(xtask::release::today);
    let mut failed = false;
    for target in &options.targets {
        match xtask::release::release(target, &date) {
            Ok(done) => println!("{done}"),
            Err(message) => {
                failed = true;
                eprintln!("error: {message}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs the `bench` package in release mode: it is a package of its own so that
/// `cargo xtask codegen` never has to build the generated client, which a spec edit may break.
/// The generated CLI, which it runs as a process, is built in release mode first, into the same
/// target folder. That is a cargo command of its own: built together, the two would share one
/// build of the client with the features of both, and the benchmark's client would get the
/// CLI's TLS.
fn bench(args: &[String]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let cli = std::process::Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "--quiet",
            "--package",
            "calypso-customer-purse-cli",
        ])
        .status();
    match cli {
        Ok(status) if status.success() => {}
        Ok(_) => return ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: cannot run cargo: {error}");
            return ExitCode::FAILURE;
        }
    }
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
