//! What the generator emits for the command-line tool: the runtime's files copied byte for
//! byte, each listed, and snapshots of the commands emitted for the focused specs.
//!
//! The tools of the two checked-in specs are reviewed as files (`calypso/cli/`,
//! `tests/fixtures/bookshop/cli/`); `compile_generated.rs` builds every focused spec's tool.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn specs() -> Vec<PathBuf> {
    let specs_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut ok: Vec<_> = fs::read_dir(specs_dir.join("ok"))
        .expect("the ok specs are listed")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    ok.sort();
    let mut specs = vec![
        workspace_root().join("spec/customer-purse.yaml"),
        workspace_root().join("tests/fixtures/bookshop/spec.yaml"),
        specs_dir.join("base.yaml"),
    ];
    specs.extend(ok);
    specs
}

fn cli_files(spec: &Path) -> (codegen::model::Api, Vec<codegen::GeneratedFile>) {
    let bytes = fs::read(spec).expect("the spec is readable");
    let name = spec.file_name().expect("a file").to_string_lossy();
    let text = codegen::spec_text(&bytes, &name).unwrap_or_else(|error| panic!("{error}"));
    let api = codegen::load(text, &name).unwrap_or_else(|error| panic!("{error}"));
    let files =
        codegen::generate_cli(&api, &name, "../client").unwrap_or_else(|error| panic!("{error}"));
    (api, files)
}

#[test]
fn cli_runtime_files_are_copied_verbatim_where_needed() {
    let mut copies = 0;
    for spec in specs() {
        let (api, files) = cli_files(&spec);
        for runtime_file in codegen::runtime::CLI_FILES {
            let path = runtime_file.module.path;
            let copy = files.iter().find(|file| file.path == path);
            assert_eq!(
                copy.is_some(),
                runtime_file.copied_for(&api),
                "{path} for {}",
                spec.display()
            );
            let Some(copy) = copy else { continue };
            let source =
                fs::read_to_string(workspace_root().join("codegen/cli-runtime").join(path))
                    .expect("the runtime file is readable");
            let body = copy
                .contents
                .split_once("\n\n")
                .map(|(header, body)| {
                    assert!(
                        header.contains(&format!("from codegen/cli-runtime/{path}")),
                        "{header}"
                    );
                    body
                })
                .expect("a header");
            assert!(
                body == source,
                "{path} for {} is not the runtime's file",
                spec.display()
            );
            copies += 1;
        }
    }
    assert!(copies > 60, "only {copies} copies were compared");
}

/// Every file of `cli-runtime/src/` is in the table of runtime files (its `main.rs` and the
/// emitted modules are generated into `stand-in/`).
#[test]
fn every_cli_runtime_file_is_listed() {
    let src = workspace_root().join("codegen/cli-runtime/src");
    let mut found: Vec<String> = fs::read_dir(&src)
        .expect("listed")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            format!(
                "src/{}",
                path.file_name().expect("a name").to_string_lossy()
            )
        })
        .collect();
    found.sort();
    let listed: Vec<&str> = codegen::runtime::CLI_FILES
        .iter()
        .map(|f| f.module.path)
        .collect();
    assert_eq!(found, listed);
}

/// The generated files of a tool: its manifest names the binary after the client crate and
/// depends on exactly the client's version; its modules are those the runtime needs.
#[test]
fn the_tool_is_named_after_the_client_and_pinned_to_its_version() {
    let (api, files) = cli_files(&workspace_root().join("tests/fixtures/bookshop/spec.yaml"));
    let manifest = &files
        .iter()
        .find(|file| file.path == "Cargo.toml")
        .expect("a manifest")
        .contents;
    let version = api.package.version.to_string();
    for expected in [
        format!("name = \"{}-cli\"", api.package.name),
        format!("[[bin]]\nname = \"{}\"", api.package.name),
        format!(
            "client = {{ package = \"{}\", version = \"={version}\", path = \"../client\" }}",
            api.package.name
        ),
    ] {
        assert!(
            manifest.contains(&expected),
            "{expected} not in\n{manifest}"
        );
    }
    let main = &files
        .iter()
        .find(|file| file.path == "src/main.rs")
        .expect("main")
        .contents;
    assert!(
        main.contains("mod pages;") && main.contains("mod webhooks;"),
        "{main}"
    );

    let (_, files) =
        cli_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/base.yaml"));
    let main = &files
        .iter()
        .find(|file| file.path == "src/main.rs")
        .expect("main")
        .contents;
    assert!(
        !main.contains("mod pages;") && !main.contains("mod webhooks;"),
        "{main}"
    );
    assert!(!files.iter().any(|file| file.path == "src/webhooks.rs"));
}

/// The commands of each focused spec: a flag per payload field, typed, named without
/// clashing with the tool's own flags and commands.
#[test]
fn focused_specs_commands() {
    insta::glob!("specs/ok/*.yaml", |path| {
        let (_, files) = cli_files(path);
        let commands = &files
            .iter()
            .find(|file| file.path == "src/commands.rs")
            .expect("commands")
            .contents;
        insta::assert_snapshot!(commands);
    });
}
