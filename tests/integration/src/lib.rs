//! End-to-end tests of the generated clients live in `tests/`. This crate's documentation is
//! the project README, and each page of `docs/` is the documentation of one of its modules, so
//! that their Rust examples are compiled and run as doctests by `cargo test`
//! (`tests/docs.rs` checks that every page is here).
#![doc = include_str!("../../../README.md")]

/// `docs/changing-the-spec.md`.
#[doc = include_str!("../../../docs/changing-the-spec.md")]
pub mod changing_the_spec {}

/// `docs/inside-the-generator.md`.
#[doc = include_str!("../../../docs/inside-the-generator.md")]
pub mod inside_the_generator {}

/// `docs/spec-reference.md`.
#[doc = include_str!("../../../docs/spec-reference.md")]
pub mod spec_reference {}

/// `docs/testing.md`.
#[doc = include_str!("../../../docs/testing.md")]
pub mod testing {}

/// `docs/trying-it-offline.md`.
#[doc = include_str!("../../../docs/trying-it-offline.md")]
pub mod trying_it_offline {}

/// `docs/using-the-client.md`.
#[doc = include_str!("../../../docs/using-the-client.md")]
pub mod using_the_client {}
