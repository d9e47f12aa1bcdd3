//! End-to-end tests of the generated clients live in `tests/`. This crate's documentation is
//! the project README, so that the README's example is compiled by `cargo test`.
#![doc = include_str!("../../../README.md")]
