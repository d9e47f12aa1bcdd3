//! `cargo xtask codegen`: writes the client crate generated from a spec, or checks it is current.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The spec and crate that `cargo xtask codegen` works on by default.
pub const DEFAULT_SPEC: &str = "spec/customer-purse.yaml";
pub const DEFAULT_OUT: &str = "generated-client";

/// The folder inside a generated crate that the generator owns entirely.
const OWNED_DIR: &str = "src";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub check: bool,
    pub spec: PathBuf,
    pub out: PathBuf,
}

impl Options {
    /// Reads `[--check] [--spec FILE] [--out DIR]`; relative paths are taken from the
    /// workspace root, so the command works from any folder.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            check: false,
            spec: workspace_root().join(DEFAULT_SPEC),
            out: workspace_root().join(DEFAULT_OUT),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--check" => options.check = true,
                "--spec" | "--out" => {
                    let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                    let path = std::env::current_dir()
                        .map(|cwd| cwd.join(value))
                        .unwrap_or_else(|_| PathBuf::from(value));
                    if arg == "--spec" {
                        options.spec = path;
                    } else {
                        options.out = path;
                    }
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(options)
    }
}

/// Runs the task and reports on stdout/stderr; the exit code says whether it succeeded.
pub fn run(options: &Options) -> ExitCode {
    match sync(options) {
        Ok(changes) if changes.is_empty() => {
            println!("{} is up to date", display(&options.out));
            ExitCode::SUCCESS
        }
        Ok(changes) if options.check => {
            eprintln!(
                "{} is stale; these files differ from what the spec generates:",
                display(&options.out)
            );
            for change in &changes {
                eprintln!("  {change}");
            }
            eprintln!("run `cargo xtask codegen` to regenerate, then review the diff");
            ExitCode::FAILURE
        }
        Ok(changes) => {
            for change in &changes {
                println!("{change}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A file that differs between the generator's output and the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Updated(String),
    Removed(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(path) => write!(f, "added   {path}"),
            Change::Updated(path) => write!(f, "updated {path}"),
            Change::Removed(path) => write!(f, "removed {path}"),
        }
    }
}

/// Generates the crate and compares it with the disk; writes the differences unless checking.
pub fn sync(options: &Options) -> Result<Vec<Change>, String> {
    let spec_text = fs::read_to_string(&options.spec)
        .map_err(|error| format!("cannot read {}: {error}", display(&options.spec)))?;
    let files = codegen::generate(&spec_text, &display(&options.spec))
        .map_err(|error| error.to_string())?;

    let mut changes = Vec::new();
    for file in &files {
        let path = options.out.join(&file.path);
        let shown = display(&path);
        match fs::read_to_string(&path) {
            Ok(current) if current == file.contents => {}
            Ok(_) => changes.push(Change::Updated(shown)),
            Err(_) => changes.push(Change::Added(shown)),
        }
    }
    for stray in files_under(&options.out.join(OWNED_DIR)) {
        let relative = stray
            .strip_prefix(&options.out)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if !files.iter().any(|file| file.path == relative) {
            changes.push(Change::Removed(display(&stray)));
        }
    }
    if options.check || changes.is_empty() {
        return Ok(changes);
    }

    for file in &files {
        let path = options.out.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|error| format!("cannot create {}: {error}", display(parent)))?;
        }
        if fs::read_to_string(&path).ok().as_deref() != Some(file.contents.as_str()) {
            fs::write(&path, &file.contents)
                .map_err(|error| format!("cannot write {}: {error}", display(&path)))?;
        }
    }
    for change in &changes {
        if let Change::Removed(path) = change {
            let path = workspace_root().join(path);
            fs::remove_file(&path)
                .map_err(|error| format!("cannot remove {}: {error}", display(&path)))?;
        }
    }
    Ok(changes)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A path relative to the workspace root when it is inside it, with `/` separators,
/// so messages and file headers read the same on every machine.
pub fn display(path: &Path) -> String {
    let root = workspace_root();
    let shown = path.strip_prefix(&root).unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}
