//! What the tests that build generated crates share: a workspace of them outside this one,
//! built offline in this test's target folder, whose dependencies are already built.

// Each test file uses a part of this module.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::GeneratedFile;

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target folder this test was built into (`<target>/debug/deps/<test binary>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir().join("../target"))
}

/// Writes `crates` (folder, files) as the members of a workspace at `out`, with this
/// repository's lock file; outside the workspace, so that each is a package of its own.
pub fn write_workspace(out: &Path, crates: &[(&str, &[GeneratedFile])]) {
    let _ = fs::remove_dir_all(out);
    for (folder, files) in crates {
        for file in *files {
            let path = out.join(folder).join(&file.path);
            fs::create_dir_all(path.parent().expect("a file has a folder")).expect("writable");
            fs::write(&path, &file.contents).expect("writable");
        }
    }
    let members: Vec<String> = crates
        .iter()
        .map(|(folder, _)| format!("{folder:?}"))
        .collect();
    let manifest = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
        members.join(", ")
    );
    fs::write(out.join("Cargo.toml"), manifest).expect("writable");
    fs::copy(manifest_dir().join("../Cargo.lock"), out.join("Cargo.lock"))
        .expect("the workspace lock file is readable");
}

/// Runs cargo with `args`, offline and quiet, in `dir` with this test's target folder; fails
/// the test, keeping `dir`, when cargo fails or warns (`-D warnings` would rebuild every
/// dependency under other flags, so the warnings are read instead).
pub fn cargo(dir: &Path, args: &[&str]) {
    cargo_with_env(dir, args, ("CODEGEN_TESTS", Path::new("1")));
}

/// [`cargo`], with one more variable in cargo's environment (and so in its tests').
pub fn cargo_with_env(
    dir: &Path,
    args: &[&str],
    (variable, value): (&str, impl AsRef<std::ffi::OsStr>),
) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .env(variable, value)
        .args(["--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo {args:?} failed in {} (kept):\n{stderr}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        !stderr.contains("warning"),
        "cargo {args:?} warns in {} (kept):\n{stderr}",
        dir.display()
    );
}
