//! The runtime of every generated command-line tool, built here as a tool for the
//! hand-written stand-in API of `client-runtime` (`stand_in/`), so that it compiles, is
//! linted and is tested where it lives. `cargo xtask codegen` copies each file but this
//! one and `stand_in/` into every generated CLI crate, which has its own `main.rs`,
//! `commands.rs` and `contract.rs`.

#![forbid(unsafe_code)]

mod app;
#[path = "stand_in/commands.rs"]
mod commands;
#[path = "stand_in/contract.rs"]
mod contract;
mod failure;
mod invoke;
mod output;
mod pages;
mod payload;
mod profile;
mod verbose;
mod webhooks;

fn main() -> std::process::ExitCode {
    app::main()
}
