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

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The runtime files a crate holds, by path.
fn copied(files: &[codegen::GeneratedFile]) -> Vec<&str> {
    files
        .iter()
        .filter(|file| {
            codegen::runtime::FILES
                .iter()
                .any(|r| r.module.path == file.path)
        })
        .map(|file| file.path.as_str())
        .collect()
}

/// Which files the real spec's crate holds. Their text is reviewed in one place: the
/// checked-in `generated-client/`, which xtask's freshness test and `cargo xtask codegen
/// --check` keep equal to the generator's output.
#[test]
fn customer_purse_spec() {
    let text = fs::read_to_string(workspace_root().join("spec/customer-purse.yaml"))
        .expect("the spec is readable");
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
            "src/contract.rs",
            "src/error.rs",
            "src/lib.rs",
            "src/mock.rs",
            "src/mock_operations.rs",
            "src/operations.rs",
            "src/paging.rs",
            "src/params.rs",
            "src/request.rs",
            "src/retry.rs",
            "src/signing.rs",
            "src/types.rs",
            "src/webhook_axum.rs",
            "src/webhook_events.rs",
            "src/webhook_receiver.rs",
            "src/webhooks.rs",
            "src/wire/date_time.rs",
            "src/wire/decimal.rs",
            "src/wire/field.rs",
            "src/wire/string_or_number.rs",
            "src/wire/unknown_value.rs",
        ]
    );
}

/// Each runtime file is copied byte for byte after its header, into every crate that
/// needs it: the generator's output for each spec here, and the checked-in crates.
#[test]
fn runtime_files_are_copied_verbatim() {
    let specs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut specs = vec![
        workspace_root().join("spec/customer-purse.yaml"),
        workspace_root().join("tests/fixtures/bookshop/spec.yaml"),
        specs_dir.join("base.yaml"),
    ];
    let mut ok: Vec<_> = fs::read_dir(specs_dir.join("ok"))
        .expect("the ok specs are listed")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    ok.sort();
    specs.extend(ok);
    let mut copies = 0;
    for spec in &specs {
        let files = generate(spec).unwrap_or_else(|error| panic!("{error}"));
        for path in copied(&files) {
            let source =
                fs::read_to_string(workspace_root().join("codegen/client-runtime").join(path))
                    .unwrap_or_else(|error| panic!("client-runtime/{path}: {error}"));
            let expected = format!("{}\n\n{source}", codegen::runtime::header(path));
            assert!(
                file(&files, path) == expected,
                "{path} generated from {} is not the runtime's file",
                spec.display()
            );
            copies += 1;
        }
    }
    assert!(copies > 50, "only {copies} copies were compared");
    for (_, crate_dir) in [
        ("spec/customer-purse.yaml", "generated-client"),
        (
            "tests/fixtures/bookshop/spec.yaml",
            "tests/fixtures/bookshop/client",
        ),
    ] {
        for runtime_file in codegen::runtime::FILES {
            let path = runtime_file.module.path;
            let source =
                fs::read_to_string(workspace_root().join("codegen/client-runtime").join(path))
                    .expect("the runtime file is readable");
            let Ok(copy) = fs::read_to_string(workspace_root().join(crate_dir).join(path)) else {
                continue;
            };
            let body = copy
                .strip_prefix(&format!("{}\n\n", codegen::runtime::header(path)))
                .unwrap_or_else(|| panic!("{crate_dir}/{path} lacks the copy header"));
            assert!(
                body == source,
                "{crate_dir}/{path} differs from codegen/client-runtime/{path}"
            );
        }
    }
}

/// Every file of the runtime's `src/` is in the table of runtime files (the crate root and
/// the emitted modules it is built with are generated into `stand-in/`): a new runtime file
/// cannot be left behind.
#[test]
fn every_runtime_file_is_copied_where_needed() {
    let src = workspace_root().join("codegen/client-runtime/src");
    let mut found = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("the runtime's folder is listed") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(&src).expect("under src");
                found.push(format!(
                    "src/{}",
                    relative.to_string_lossy().replace('\\', "/")
                ));
            }
        }
    }
    found.sort();
    let listed: Vec<&str> = codegen::runtime::FILES
        .iter()
        .map(|f| f.module.path)
        .collect();
    assert_eq!(found, listed);
}

/// Each focused spec exercises one feature. Snapshotted: what the checker resolved (the
/// operations, the error body, what the API uses, and any timestamp-rejected rule and
/// webhooks), the contract and types emitted, and which runtime files the crate copies;
/// with its operations and events when it has paged operations or webhooks.
#[test]
fn focused_specs() {
    insta::glob!("specs/ok/*.yaml", |path| {
        let text = fs::read_to_string(path).expect("test spec is readable");
        let api = codegen::load(&text, "focused.yaml").unwrap_or_else(|error| panic!("{error}"));
        let files = generate(path).unwrap_or_else(|error| panic!("{error}"));
        let mut shown = format!(
            "=== operations\n{:#?}\n=== error body\n{:?}\n=== uses\n{:?}\n=== copied from client-runtime\n{}\n=== src/contract.rs\n{}\n=== src/types.rs\n{}",
            api.operations,
            api.error_body,
            api.uses,
            copied(&files).join("\n"),
            file(&files, "src/contract.rs"),
            file(&files, "src/types.rs"),
        );
        if api.uses.paging {
            shown += &format!(
                "\n=== src/operations.rs\n{}",
                file(&files, "src/operations.rs")
            );
        }
        if let Some(rejected) = &api.signing.timestamp_rejected {
            shown += &format!("\n=== timestamp rejected\n{rejected:?}");
        }
        if let Some(webhooks) = &api.webhooks {
            shown += &format!(
                "\n=== webhooks\n{webhooks:#?}\n=== src/webhook_events.rs\n{}",
                file(&files, "src/webhook_events.rs")
            );
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

/// A generated file names the spec it comes from; a copied one, the runtime file.
#[test]
fn every_generated_file_names_its_source_and_says_do_not_edit() {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/base.yaml"))
            .expect("base spec is readable");
    let files = codegen::generate(&text, "specs/base.yaml").expect("base is valid");
    let copies = copied(&files);
    for file in &files {
        let first_line = file.contents.lines().next().unwrap_or_default();
        let source = if copies.contains(&file.path.as_str()) {
            format!("from codegen/client-runtime/{}", file.path)
        } else {
            "from specs/base.yaml".to_owned()
        };
        assert!(
            first_line.contains(&source) && first_line.contains("Do not edit"),
            "{}: {first_line}",
            file.path
        );
    }
}

/// The Customer Purse spec written in OpenAPI 3.1 (`webhooks`, `const`, type lists,
/// `examples`) makes the same crate as the 3.0 spec, but for the header line that names it.
#[test]
fn the_3_1_spec_generates_the_same_crate_as_the_3_0_spec() {
    let generate = |path: &str| {
        let text = fs::read_to_string(workspace_root().join(path)).expect("the spec is readable");
        codegen::generate(&text, path).unwrap_or_else(|error| panic!("{error}"))
    };
    let from_3_0 = generate("spec/customer-purse.yaml");
    let from_3_1 = generate("tests/fixtures/openapi-3.1/customer-purse.yaml");
    let paths = |files: &[codegen::GeneratedFile]| -> Vec<String> {
        files.iter().map(|file| file.path.clone()).collect()
    };
    assert_eq!(paths(&from_3_0), paths(&from_3_1));
    for (a, b) in from_3_0.iter().zip(&from_3_1) {
        let (header_a, body_a) = a.contents.split_once('\n').expect("a header line");
        let (header_b, body_b) = b.contents.split_once('\n').expect("a header line");
        assert!(
            body_a == body_b,
            "{} differs between the 3.0 and the 3.1 spec",
            a.path
        );
        if header_a.starts_with("// Copied") {
            assert_eq!(header_a, header_b);
        } else {
            assert!(
                header_b.contains("tests/fixtures/openapi-3.1/customer-purse.yaml"),
                "{header_b}"
            );
        }
    }
}

/// The runtime crate compiles every runtime file against its stand-in, so a stand-in spec
/// that leaves one out is refused, naming the file; the real stand-in declares each file
/// where it is, and the emitted ones for rustfmt to skip.
#[test]
fn a_stand_in_declares_every_runtime_file_where_it_is() {
    let load = |path: &Path| {
        let text = fs::read_to_string(path).expect("the spec is readable");
        codegen::load(&text, "spec.yaml").unwrap_or_else(|error| panic!("{error}"))
    };
    let base = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/base.yaml"));
    let error = codegen::generate_stand_in(&base, "base.yaml", "../..")
        .expect_err("base.yaml has no paged operation");
    assert!(
        error.message.contains("does not use src/paging.rs"),
        "{error}"
    );

    let stand_in = load(&workspace_root().join("codegen/client-runtime/stand-in/spec.yaml"));
    let files = codegen::generate_stand_in(&stand_in, "spec.yaml", "../..")
        .unwrap_or_else(|error| panic!("{error}"));
    let lib = file(&files, "src/lib.rs");
    for runtime_file in codegen::runtime::FILES {
        let path = runtime_file.module.path;
        assert!(
            files.iter().all(|file| file.path != path),
            "{path} is copied into the stand-in"
        );
        let declared = match path.strip_prefix("src/wire/") {
            Some(_) => "#[path = \"../../src/wire\"]".to_owned(),
            None => format!("#[path = \"../../{path}\"]"),
        };
        assert!(lib.contains(&declared), "{path} is not declared: {lib}");
    }
    for emitted in [
        "contract",
        "operations",
        "types",
        "mock_operations",
        "webhook_events",
    ] {
        assert!(
            files
                .iter()
                .any(|file| file.path == format!("src/{emitted}.rs"))
        );
        let skipped = [
            format!("#[rustfmt::skip]\nmod {emitted};"),
            format!("#[rustfmt::skip]\npub mod {emitted};"),
        ];
        assert!(
            skipped.iter().any(|declaration| lib.contains(declaration)),
            "{emitted} is not declared for rustfmt to skip: {lib}"
        );
    }
}
