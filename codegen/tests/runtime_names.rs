//! Operations and payload fields named after what the runtime and the tool already have.
//!
//! The names come from `codegen::taken`, the list the checker itself reads from the runtime's
//! code: a method added to the runtime's `Client` or `MockApi` is covered here without a change
//! to this file. Each name must give either a located error or a crate that compiles with its
//! mock, beside a tool that compiles and whose command line clap accepts.

use std::fs;

mod support;

use heck::ToLowerCamelCase;
use serde_yaml::{Mapping, Value};

/// A spec with paged operations, webhooks (so the tool has its `webhooks` command) and a
/// payload whose fields become flags.
const BASE_SPEC: &str = "tests/specs/ok/paged-and-webhooks.yaml";
/// The operation every added one copies: paged, with an optional page number.
const TEMPLATE_PATH: &str = "/widgets/search";
const PAYLOAD: &str = "SearchWidgetsRequest";

fn base_spec() -> Value {
    let text = fs::read_to_string(support::manifest_dir().join(BASE_SPEC)).expect("readable");
    serde_yaml::from_str(&text).expect("YAML")
}

/// Every name the checker counts as taken, once each, and the stems whose paged methods
/// (`<stem>_stream`, `<stem>_all`) would be taken.
fn taken_names() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for taken in codegen::taken::all() {
        let stems = codegen::check::PAGED_METHOD_SUFFIXES
            .iter()
            .filter_map(|suffix| taken.name.strip_suffix(suffix));
        for name in std::iter::once(taken.name.as_str()).chain(stems) {
            if !names.iter().any(|known| known == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// `spec` with a paged operation for each of `names`, its operationId the name in camel case
/// (whose snake case is the name again).
fn with_operations(mut spec: Value, names: &[String]) -> Value {
    let paths = spec
        .get_mut("paths")
        .and_then(Value::as_mapping_mut)
        .expect("the spec has paths");
    let template = paths
        .get(TEMPLATE_PATH)
        .cloned()
        .expect("the template operation");
    for (index, name) in names.iter().enumerate() {
        let mut operation = template.clone();
        operation["post"]["operationId"] = Value::from(name.to_lower_camel_case());
        paths.insert(Value::from(format!("/taken/{index}")), operation);
    }
    spec
}

/// `spec` with a payload property for each of the tool's own flags, in camel case (whose flag
/// is the tool's again).
fn with_flag_fields(mut spec: Value) -> Value {
    let properties = spec["components"]["schemas"][PAYLOAD]
        .as_mapping_mut()
        .expect("the payload schema")
        .entry(Value::from("properties"))
        .or_insert_with(|| Value::Mapping(Mapping::new()))
        .as_mapping_mut()
        .expect("properties");
    for flag in codegen::taken::tool_flags() {
        let mut schema = Mapping::new();
        schema.insert("type".into(), "string".into());
        schema.insert(
            "description".into(),
            format!("Named like the tool's --{flag}.").into(),
        );
        properties.insert(
            Value::from(flag.to_lower_camel_case()),
            Value::Mapping(schema),
        );
    }
    spec
}

fn text(spec: &Value) -> String {
    serde_yaml::to_string(spec).expect("serializes")
}

/// An operation named like each taken name is accepted under another name, which nothing
/// takes, or refused with the spec's line and column and the operationId.
#[test]
fn every_taken_name_is_renamed_or_refused_with_its_place() {
    let names = taken_names();
    assert!(
        names.len() > 30,
        "only {} taken names: {names:?}",
        names.len()
    );
    for name in &names {
        let spec = text(&with_operations(base_spec(), std::slice::from_ref(name)));
        match codegen::load(&spec, "taken.yaml") {
            Ok(api) => {
                let op = api
                    .operations
                    .iter()
                    .find(|op| op.operation_id == name.to_lower_camel_case())
                    .expect("the added operation");
                assert_ne!(&op.method, name, "`{name}` was kept though it is taken");
                assert!(op.renamed.is_some(), "{op:?}");
                let pagination = op.pagination.as_ref().expect("paged");
                for (owner, made) in [
                    ("Client", &op.method),
                    ("MockApi", &op.method),
                    ("Client", &pagination.stream_method),
                    ("Client", &pagination.all_method),
                    (codegen::taken::TOOL, &op.command),
                ] {
                    assert!(
                        codegen::taken::taken(owner, made).is_none(),
                        "`{name}` became `{made}` on {owner}, which is taken too"
                    );
                }
            }
            Err(error) => {
                assert!(
                    error.location.is_some() && error.message.contains("operationId"),
                    "`{name}`: {error}"
                );
            }
        }
    }
}

/// One crate with an operation for every taken name, and payload fields named like every
/// flag of the tool: the client compiles with its mock, and the tool's tests pass (among them
/// clap's check of its command line, which a flag defined twice fails).
#[test]
fn a_crate_of_every_taken_name_compiles_with_its_mock_and_tool() {
    let spec = with_flag_fields(with_operations(base_spec(), &taken_names()));
    let api = codegen::load(&text(&spec), "taken.yaml").unwrap_or_else(|error| panic!("{error}"));
    let client = codegen::generate_from(&api, "taken.yaml").unwrap_or_else(|e| panic!("{e}"));
    let tool =
        codegen::generate_cli(&api, "taken.yaml", "../client").unwrap_or_else(|e| panic!("{e}"));

    let out = std::env::temp_dir().join(format!("codegen-taken-{}", std::process::id()));
    support::write_workspace(&out, &[("client", &client), ("cli", &tool)]);
    // The client's test targets turn its `mock` feature on (it is its own dev-dependency).
    support::cargo(&out, &["check", "--all-targets", "-p", &api.package.name]);
    support::cargo(&out, &["test", "-p", &api.package.cli_name()]);
    fs::remove_dir_all(&out).expect("removable");
}
