//! Generates a Rust client crate for a signed JSON-over-POST HTTP API from its OpenAPI 3.0 spec.
//!
//! Data flows one way: YAML text → [`spec`] model (serde) → [`check`]ed [`model`] →
//! token streams ([`emit`]) → formatted files. [`generate`] runs the whole pipeline.

pub mod check;
pub mod emit;
pub mod error;
mod locate;
pub mod model;
mod naming;
pub mod spec;

pub use error::{Location, SpecError};

/// One file of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the crate's root, with `/` separators (`src/client.rs`).
    pub path: String,
    pub contents: String,
}

/// Generates the client crate's files from spec text, sorted by path.
///
/// `spec_name` names the spec in error messages and in each file's do-not-edit header.
pub fn generate(spec_yaml: &str, spec_name: &str) -> Result<Vec<GeneratedFile>, SpecError> {
    let api = load(spec_yaml, spec_name)?;
    emit::crate_files(&api, spec_name).map_err(|message| SpecError {
        spec_name: spec_name.to_owned(),
        location: None,
        message,
    })
}

/// Parses and checks spec text into the model that code is generated from.
pub fn load(spec_yaml: &str, spec_name: &str) -> Result<model::Api, SpecError> {
    let document: spec::Document = serde_yaml::from_str(spec_yaml).map_err(|error| {
        let location = error.location().map(|at| Location {
            line: at.line(),
            column: at.column(),
        });
        SpecError {
            spec_name: spec_name.to_owned(),
            location,
            message: without_position(&error.to_string()),
        }
    })?;
    check::check(&document).map_err(|problem| SpecError {
        spec_name: spec_name.to_owned(),
        location: locate::locate(spec_yaml, &problem.path),
        message: format!("{}: {}", problem.path, problem.message),
    })
}

/// serde_yaml ends its messages with " at line L column C"; we print the position first.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_owned(),
        _ => message.to_owned(),
    }
}
