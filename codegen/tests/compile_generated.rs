//! The whole crate generated from a focused spec compiles, not just its snapshotted parts,
//! and so does the command-line tool generated beside it.
//!
//! `cargo check` runs offline on a copy of the workspace's lock file and with the workspace's
//! target folder, so the client's dependencies are the ones already built: seconds when warm,
//! about half a minute from a cold target folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Specs whose generated crate is compiled, its copied runtime tests included: between them
/// every optional part of the client (paged methods, webhooks, the timestamp-rejected check,
/// each wire format) is emitted or copied, and left out. `base.yaml` has no enums, decimals
/// or date-times, so it copies none of the runtime's `wire/` files.
const SPECS: &[&str] = &[
    "ok/paged-and-webhooks.yaml",
    "base.yaml",
    "ok/tricky-names.yaml",
    "ok/formats.yaml",
    "ok/openapi-3-1.yaml",
    "ok/payload-flags.yaml",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target folder this test was built into (`<target>/debug/deps/<test binary>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir().join("../target"))
}

#[test]
fn generated_crates_compile() {
    for spec in SPECS {
        let text = fs::read_to_string(manifest_dir().join("tests/specs").join(spec))
            .expect("test spec is readable");
        let api = codegen::load(&text, spec).unwrap_or_else(|error| panic!("{error}"));
        let client = codegen::generate_from(&api, spec).unwrap_or_else(|error| panic!("{error}"));
        let cli = codegen::generate_cli(&api, spec, "../client")
            .unwrap_or_else(|error| panic!("{error}"));

        // Outside the workspace, so that the generated crate is a package of its own.
        let out = std::env::temp_dir().join(format!(
            "codegen-compile-{}-{}",
            std::process::id(),
            spec.replace(['/', '.'], "-")
        ));
        let _ = fs::remove_dir_all(&out);
        let crates = [("client", &client), ("cli", &cli)];
        for (folder, files) in crates {
            for file in files {
                let path = out.join(folder).join(&file.path);
                fs::create_dir_all(path.parent().expect("a file has a folder")).expect("writable");
                fs::write(&path, &file.contents).expect("writable");
            }
        }
        fs::write(
            out.join("Cargo.toml"),
            "[workspace]\nresolver = \"3\"\nmembers = [\"client\", \"cli\"]\n",
        )
        .expect("writable");
        fs::copy(manifest_dir().join("../Cargo.lock"), out.join("Cargo.lock"))
            .expect("the workspace lock file is readable");

        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args([
                "check",
                "--offline",
                "--workspace",
                "--all-targets",
                "--quiet",
            ])
            .current_dir(&out)
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("cargo runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "the crate generated from {spec} (kept in {}) does not compile:\n{stderr}",
            out.display(),
        );
        // Generated code builds without warnings (`-D warnings` would rebuild every
        // dependency under other flags, so the warnings are read instead).
        assert!(
            !stderr.contains("warning"),
            "the crate generated from {spec} (kept in {}) builds with warnings:\n{stderr}",
            out.display(),
        );
        fs::remove_dir_all(&out).expect("temporary folder is removable");
    }
}
