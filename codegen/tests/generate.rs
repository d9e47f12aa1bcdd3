//! Snapshot tests of what the generator emits, and of the errors it gives for bad specs.
//!
//! Review changes with `cargo insta review`; CI fails on any snapshot that is not accepted.

use std::fs;
use std::path::Path;

/// Generates from a spec file under `tests/specs`, named in messages by its relative path.
fn generate(path: &Path) -> Result<Vec<codegen::GeneratedFile>, codegen::SpecError> {
    let bytes = fs::read(path).expect("test spec is readable");
    let specs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let name = path
        .strip_prefix(&specs_dir)
        .unwrap_or(path)
        .to_string_lossy();
    codegen::generate(codegen::spec_text(&bytes, &name)?, &name)
}

fn file<'a>(files: &'a [codegen::GeneratedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|file| file.path == path)
        .unwrap_or_else(|| panic!("{path} was not generated"))
        .contents
}

/// Every file generated from the real spec. The checked-in `generated-client/` is the same
/// output (see xtask's freshness test); these snapshots make each change show in review.
#[test]
fn customer_purse_spec() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/customer-purse.yaml");
    let text = fs::read_to_string(&spec).expect("the spec is readable");
    let files = codegen::generate(&text, "spec/customer-purse.yaml").expect("the spec is valid");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Cargo.toml",
            "README.md",
            "rustfmt.toml",
            "src/call.rs",
            "src/client.rs",
            "src/clock.rs",
            "src/error.rs",
            "src/lib.rs",
            "src/paging.rs",
            "src/retry.rs",
            "src/signing.rs",
            "src/types.rs",
            "src/webhooks.rs",
            "src/wire.rs",
        ]
    );
    for generated in &files {
        let name = format!("customer_purse__{}", generated.path.replace('/', "__"));
        insta::assert_snapshot!(name, generated.contents);
    }
}

/// Each focused spec exercises one feature. Snapshotted: the operations and error body as
/// the checker resolved them, and the types and wire formats emitted (the client runtime is
/// the same for every spec and is covered by `customer_purse_spec`). A spec with
/// `x-webhooks` or `x-request-signing.timestampRejected` also shows them as checked.
#[test]
fn focused_specs() {
    insta::glob!("specs/ok/*.yaml", |path| {
        let text = fs::read_to_string(path).expect("test spec is readable");
        let api = codegen::load(&text, "focused.yaml").unwrap_or_else(|error| panic!("{error}"));
        let files = generate(path).unwrap_or_else(|error| panic!("{error}"));
        let mut shown = format!(
            "=== operations\n{:#?}\n=== error body\n{:?}\n=== src/types.rs\n{}\n=== src/wire.rs\n{}",
            api.operations,
            api.error_body,
            file(&files, "src/types.rs"),
            file(&files, "src/wire.rs"),
        );
        if let Some(rejected) = &api.signing.timestamp_rejected {
            shown += &format!("\n=== timestamp rejected\n{rejected:?}");
        }
        if let Some(webhooks) = &api.webhooks {
            shown += &format!("\n=== webhooks\n{webhooks:#?}");
        }
        insta::assert_snapshot!(shown);
    });
}

/// Each bad spec is refused with a message that names the place and the problem.
#[test]
fn bad_specs() {
    insta::glob!("specs/bad/*.yaml", |path| {
        match generate(path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(error) => insta::assert_snapshot!(error.to_string()),
        }
    });
}

#[test]
fn errors_name_the_spec_and_a_position() {
    insta::glob!("specs/bad/*.yaml", |path| {
        let error = generate(path).expect_err("a bad spec is refused");
        assert!(error.spec_name.starts_with("bad/"), "{error}");
        let location = error
            .location
            .unwrap_or_else(|| panic!("no line:column in `{error}`"));
        assert!(location.line >= 1 && location.column >= 1, "{error}");
    });
}

#[test]
fn output_is_deterministic() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/customer-purse.yaml");
    let text = fs::read_to_string(spec).expect("the spec is readable");
    let first = codegen::generate(&text, "spec.yaml").expect("the spec is valid");
    for _ in 0..3 {
        assert_eq!(
            codegen::generate(&text, "spec.yaml").expect("still valid"),
            first
        );
    }
}

#[test]
fn every_generated_file_names_its_spec_and_says_do_not_edit() {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/base.yaml"))
            .expect("base spec is readable");
    for file in codegen::generate(&text, "specs/base.yaml").expect("base is valid") {
        let first_line = file.contents.lines().next().unwrap_or_default();
        assert!(
            first_line.contains("from specs/base.yaml") && first_line.contains("Do not edit"),
            "{}: {first_line}",
            file.path
        );
    }
}
