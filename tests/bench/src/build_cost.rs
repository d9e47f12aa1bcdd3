//! What the generated crate costs a user to build: a clean build with its dependencies under
//! each TLS choice, a rebuild of the crate alone, its lines of code and its dependencies. And
//! the same clean build of the generated command-line tool, which depends on the crate.
//!
//! The crate is copied out of the workspace, with the workspace's lock file, and built there
//! as a user's project would build it: offline, from the local registry cache, in a fresh
//! target folder for every clean build.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::stats::median;

/// One way of building the crate: the cargo feature arguments and what they choose.
pub struct Variant {
    pub name: String,
    pub args: Vec<String>,
}

pub struct CleanBuild {
    pub variant: String,
    pub time: Duration,
    pub dependencies: usize,
}

pub struct BuildCost {
    pub clean: Vec<CleanBuild>,
    pub rebuild: Duration,
    pub lines: usize,
}

/// Builds the crate at `crate_dir` (with `lock_file`) in a scratch folder under `scratch`.
pub fn measure(crate_dir: &Path, lock_file: &Path, scratch: &Path) -> Result<BuildCost, String> {
    let copy = scratch.join("crate");
    if scratch.exists() {
        fs::remove_dir_all(scratch).map_err(|error| format!("{}: {error}", scratch.display()))?;
    }
    copy_dir(crate_dir, &copy)?;
    fs::copy(lock_file, copy.join("Cargo.lock")).map_err(|error| format!("Cargo.lock: {error}"))?;
    // Its own workspace, so that cargo does not look for one above the scratch folder.
    let manifest = copy.join("Cargo.toml");
    let mut text = fs::read_to_string(&manifest).map_err(|error| error.to_string())?;
    text.push_str("\n[workspace]\n");
    fs::write(&manifest, text).map_err(|error| error.to_string())?;

    let mut clean = Vec::new();
    for (index, variant) in variants(&manifest)?.iter().enumerate() {
        let target = scratch.join(format!("target-{index}"));
        let time = cargo_build(&copy, &target, &variant.args)?;
        let dependencies = dependency_count(&copy, &variant.args)?;
        eprintln!(
            "  clean build, {}: {:.1} s",
            variant.name,
            time.as_secs_f64()
        );
        clean.push(CleanBuild {
            variant: variant.name.clone(),
            time,
            dependencies,
        });
    }

    // The crate alone, as after regenerating it: its dependencies are already built (default
    // features), its own artifacts removed. (Touching a file is not enough: incremental
    // compilation would reuse everything.)
    let package = package_name(&manifest)?;
    let target = scratch.join("target-0");
    let mut rebuilds = Vec::new();
    for _ in 0..3 {
        cargo_clean_package(&copy, &target, &package)?;
        rebuilds.push(cargo_build(&copy, &target, &[])?);
    }
    Ok(BuildCost {
        clean,
        rebuild: median(&mut rebuilds),
        lines: count_lines(&copy.join("src"))?,
    })
}

/// One clean build of the command-line tool at `cli_dir`, with its default features, and its
/// dependencies (the client at `client_dir` among them). The two are copied side by side under
/// `scratch`, as the tool's path dependency on the client expects, in a workspace of their own
/// with `lock_file`.
pub fn measure_cli(
    cli_dir: &Path,
    client_dir: &Path,
    lock_file: &Path,
    scratch: &Path,
) -> Result<CleanBuild, String> {
    if scratch.exists() {
        fs::remove_dir_all(scratch).map_err(|error| format!("{}: {error}", scratch.display()))?;
    }
    let root = scratch.join("workspace");
    let name = |dir: &Path| {
        dir.file_name()
            .map(ToOwned::to_owned)
            .ok_or_else(|| format!("{} has no folder name", dir.display()))
    };
    let (cli_name, client_name) = (name(cli_dir)?, name(client_dir)?);
    copy_dir(cli_dir, &root.join(&cli_name))?;
    copy_dir(client_dir, &root.join(&client_name))?;
    fs::copy(lock_file, root.join("Cargo.lock")).map_err(|error| format!("Cargo.lock: {error}"))?;
    // Both crates are edition 2021, whose resolver a virtual workspace must name.
    let manifest = format!(
        "[workspace]\nmembers = [\"{}\"]\nresolver = \"2\"\n",
        cli_name.to_string_lossy()
    );
    fs::write(root.join("Cargo.toml"), manifest).map_err(|error| error.to_string())?;

    let cli = root.join(&cli_name);
    let time = cargo_build(&cli, &scratch.join("target"), &[])?;
    let dependencies = dependency_count(&cli, &[])?;
    eprintln!("  clean build, the CLI: {:.1} s", time.as_secs_f64());
    Ok(CleanBuild {
        variant: "the CLI, default features".into(),
        time,
        dependencies,
    })
}

/// The default features, none at all (plain HTTP), and each other feature alone.
fn variants(manifest: &Path) -> Result<Vec<Variant>, String> {
    let text = fs::read_to_string(manifest).map_err(|error| error.to_string())?;
    let mut variants = vec![Variant {
        name: "default features".into(),
        args: Vec::new(),
    }];
    let mut default = Vec::new();
    let mut others = Vec::new();
    let mut in_features = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        let Some((name, value)) = line.split_once('=').filter(|_| in_features) else {
            continue;
        };
        let name = name.trim();
        if name == "default" {
            default = value
                .split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect();
        } else if !name.starts_with('_') && !name.starts_with('#') {
            others.push(name.to_owned());
        }
    }
    variants.push(Variant {
        name: "no TLS (plain HTTP)".into(),
        args: vec!["--no-default-features".into()],
    });
    for feature in others
        .into_iter()
        .filter(|feature| !default.contains(feature))
    {
        variants.push(Variant {
            name: format!("`{feature}` instead"),
            args: vec!["--no-default-features".into(), "--features".into(), feature],
        });
    }
    Ok(variants)
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.env_remove("CARGO_TARGET_DIR");
    command
}

/// Runs `cargo build` in `dir` with its own target folder; the time it took.
fn cargo_build(dir: &Path, target: &Path, args: &[String]) -> Result<Duration, String> {
    let start = Instant::now();
    let output = cargo()
        .current_dir(dir)
        .args(["build", "--offline", "--quiet"])
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    let time = start.elapsed();
    if !output.status.success() {
        return Err(format!(
            "cargo build {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(time)
}

/// The number of distinct packages the crate depends on, directly or not, to build it.
fn dependency_count(dir: &Path, args: &[String]) -> Result<usize, String> {
    let output = cargo()
        .current_dir(dir)
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p}"])
        .args(args)
        .output()
        .map_err(|error| format!("cannot run cargo tree: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut packages: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.trim_end_matches(" (*)").to_owned())
        .filter(|line| !line.is_empty())
        .collect();
    packages.sort();
    packages.dedup();
    // Not counting the crate itself.
    Ok(packages.len().saturating_sub(1))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|error| format!("{}: {error}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|error| format!("{}: {error}", from.display()))? {
        let entry = entry.map_err(|error| error.to_string())?;
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(&name))?;
        } else {
            fs::copy(&path, to.join(&name))
                .map_err(|error| format!("{}: {error}", path.display()))?;
        }
    }
    Ok(())
}

/// The `name` of the `[package]` in `manifest`.
fn package_name(manifest: &Path) -> Result<String, String> {
    let text = fs::read_to_string(manifest).map_err(|error| error.to_string())?;
    text.lines()
        .find_map(|line| line.strip_prefix("name = "))
        .map(|name| name.trim_matches('"').to_owned())
        .ok_or_else(|| format!("{} names no package", manifest.display()))
}

fn cargo_clean_package(dir: &Path, target: &Path, package: &str) -> Result<(), String> {
    let output = cargo()
        .current_dir(dir)
        .args(["clean", "--offline", "--quiet", "--package", package])
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|error| format!("cannot run cargo clean: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo clean failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Lines of Rust under `dir`.
fn count_lines(dir: &Path) -> Result<usize, String> {
    let mut lines = 0;
    let mut folders: Vec<PathBuf> = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).map_err(|error| error.to_string())? {
            let path = entry.map_err(|error| error.to_string())?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                lines += fs::read_to_string(&path)
                    .map_err(|error| error.to_string())?
                    .lines()
                    .count();
            }
        }
    }
    Ok(lines)
}
