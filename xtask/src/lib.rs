//! The project's tasks, as a library so that tests can run them.

pub mod codegen;
pub mod mutants;
pub mod release;
