//! Generates a Rust client crate for a signed JSON-over-POST HTTP API from its OpenAPI 3.0 or 3.1 spec.
//!
//! Data flows one way: YAML text → [`spec`] model (serde) → [`check`]ed [`model`] →
//! token streams ([`emit`]) → formatted files, beside the [`runtime`]'s files, copied as
//! they are. [`generate`] runs the whole pipeline.

pub mod changes;
pub mod check;
pub mod emit;
pub mod error;
mod locate;
pub mod model;
pub(crate) mod naming;
pub mod outline;
pub mod runtime;
pub mod spec;
pub mod taken;
mod yaml;

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
    generate_from(&load(spec_yaml, spec_name)?, spec_name)
}

/// Generates the client crate's files from a checked model, sorted by path.
pub fn generate_from(api: &model::Api, spec_name: &str) -> Result<Vec<GeneratedFile>, SpecError> {
    emit::crate_files(api, spec_name).map_err(unplaced(spec_name))
}

/// Generates the command-line tool's crate from a checked model, sorted by path.
/// `client_path` is the client crate's folder, relative to the tool's.
pub fn generate_cli(
    api: &model::Api,
    spec_name: &str,
    client_path: &str,
) -> Result<Vec<GeneratedFile>, SpecError> {
    emit::cli::crate_files(api, spec_name, client_path).map_err(unplaced(spec_name))
}

/// The generated part of the client runtime's crate (`codegen/client-runtime`), from its stand-in
/// spec: the emitted modules, and a crate root that declares the runtime's own files where they
/// are, `runtime_root` (`../..`) away from its folder, instead of copies. Sorted by path.
pub fn generate_stand_in(
    api: &model::Api,
    spec_name: &str,
    runtime_root: &str,
) -> Result<Vec<GeneratedFile>, SpecError> {
    emit::stand_in_files(api, spec_name, runtime_root).map_err(unplaced(spec_name))
}

/// The generated part of the tools' runtime crate (`codegen/cli-runtime`), from the same
/// stand-in spec, as [`generate_stand_in`] does for the client runtime.
pub fn generate_cli_stand_in(
    api: &model::Api,
    spec_name: &str,
    runtime_root: &str,
) -> Result<Vec<GeneratedFile>, SpecError> {
    emit::cli::stand_in_files(api, spec_name, runtime_root).map_err(unplaced(spec_name))
}

/// An error of the generator's own that no place in the spec explains.
fn unplaced(spec_name: &str) -> impl FnOnce(String) -> SpecError + '_ {
    move |message| SpecError {
        spec_name: spec_name.to_owned(),
        location: None,
        message,
    }
}

/// The text of a spec file: its bytes must be UTF-8 (a byte-order mark is allowed).
///
/// On other bytes the error gives the line and column of the first one that is not UTF-8.
pub fn spec_text<'a>(bytes: &'a [u8], spec_name: &str) -> Result<&'a str, SpecError> {
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        let line_start = valid
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |at| at + 1);
        // Every byte before the error is valid UTF-8; columns count characters.
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        SpecError {
            spec_name: spec_name.to_owned(),
            location: Some(Location {
                line: valid.iter().filter(|&&byte| byte == b'\n').count() + 1,
                column,
            }),
            message: format!(
                "the file is not UTF-8 text (byte 0x{:02x} here); save the spec as UTF-8",
                bytes[error.valid_up_to()]
            ),
        }
    })
}

/// Parses and checks spec text into the model that code is generated from.
pub fn load(spec_yaml: &str, spec_name: &str) -> Result<model::Api, SpecError> {
    let yaml_error = |error: serde_yaml::Error| {
        let location = error.location().map(|at| Location {
            line: at.line(),
            column: at.column(),
        });
        SpecError {
            spec_name: spec_name.to_owned(),
            // The errors serde_yaml cannot place concern the whole file.
            location: location.or(Some(Location { line: 1, column: 1 })),
            message: readable(&error.to_string()),
        }
    };
    if let Some(location) = yaml::too_deep_flow(spec_yaml) {
        return Err(SpecError {
            spec_name: spec_name.to_owned(),
            location: Some(location),
            message: readable("recursion limit exceeded"),
        });
    }
    yaml::check(spec_yaml).map_err(yaml_error)?;
    let document: spec::Document = serde_yaml::from_str(spec_yaml).map_err(yaml_error)?;
    check::check(&document).map_err(|problem| SpecError {
        spec_name: spec_name.to_owned(),
        location: locate::locate(spec_yaml, &problem.path),
        message: format!("{}: {}", problem.path, problem.message),
    })
}

/// serde_yaml's message in a spec author's words: without the " at line L column C" it
/// writes (we print the position first), and naming the model's structs as YAML mappings.
fn readable(message: &str) -> String {
    let mut message = message.to_owned();
    while let Some(at) = message.find(" at line ") {
        let rest = &message[at + " at line ".len()..];
        let line_digits = rest.chars().take_while(char::is_ascii_digit).count();
        let Some(after_column) = rest[line_digits..].strip_prefix(" column ") else {
            break;
        };
        let column_digits = after_column
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        if line_digits == 0 || column_digits == 0 {
            break;
        }
        let end = message.len() - after_column.len() + column_digits;
        message.replace_range(at..end, "");
    }
    if let Some(at) = message.find("expected struct ") {
        let name_start = at + "expected struct ".len();
        let name_len = message[name_start..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .count();
        let name = message[name_start..name_start + name_len].to_owned();
        message.replace_range(
            at..name_start + name_len,
            &format!("expected a mapping ({name})"),
        );
    }
    // libyaml's syntax errors name what it was reading, which is rarely where the mistake is.
    let syntax = [
        ", while parsing ",
        ", while scanning ",
        " not allowed in this context",
    ];
    if syntax.iter().any(|part| message.contains(part)) {
        message.push_str(" (a YAML syntax error: check the quotes, brackets and indentation here and on the lines before)");
    }
    match message.as_str() {
        "recursion limit exceeded" => {
            "the YAML nests deeper than the 128 levels the generator reads".to_owned()
        }
        "repetition limit exceeded" => {
            "the YAML aliases (`*name`) expand too far (an alias bomb?)".to_owned()
        }
        _ => message,
    }
}
