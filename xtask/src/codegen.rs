//! `cargo xtask codegen`: writes the client crate generated from a spec, or checks it is current.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codegen::GeneratedFile;

use crate::release::{self, ApiReport};

/// The checked-in generated crates, as (spec, client crate folder, command-line tool's
/// crate folder, what is generated there) from the workspace root: the client, a fixture from
/// an unrelated spec that shows the generator is not tied to one API, and the stand-in the
/// runtime crates are built and tested against. `cargo xtask codegen` with no
/// `--spec`/`--out` works on all of them.
pub const CHECKED_IN: &[(&str, &str, &str, Kind)] = &[
    (
        "spec/customer-purse.yaml",
        "generated-client",
        "calypso/cli",
        Kind::Crates,
    ),
    (
        "tests/fixtures/bookshop/spec.yaml",
        "tests/fixtures/bookshop/client",
        "tests/fixtures/bookshop/cli",
        Kind::Crates,
    ),
    (
        "codegen/client-runtime/stand-in/spec.yaml",
        "codegen/client-runtime/stand-in",
        "codegen/cli-runtime/stand-in",
        Kind::StandIn,
    ),
];

/// What a target's folders get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Whole crates, released from the spec: a client and its tool, with a changelog.
    Crates,
    /// The runtime crates' stand-in: the emitted modules and a crate root that declares the
    /// runtime's own files, in the `stand-in/` folder of each runtime crate (which keeps its
    /// own manifest). Never released.
    StandIn,
}

/// The folder inside a generated crate that the generator owns entirely.
const OWNED_DIR: &str = "src";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub check: bool,
    pub targets: Vec<Target>,
}

/// A spec and the crate folders generated from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub spec: PathBuf,
    /// The client crate's folder.
    pub out: PathBuf,
    /// The command-line tool's crate folder, if it is generated too.
    pub cli: Option<PathBuf>,
    pub kind: Kind,
}

impl Target {
    /// The crate folders, for messages (`generated-client and calypso/cli`).
    fn folders(&self) -> String {
        match &self.cli {
            Some(cli) => format!("{} and {}", display(&self.out), display(cli)),
            None => display(&self.out),
        }
    }

    /// The checked-in generated crates.
    pub fn checked_in() -> Vec<Target> {
        let root = workspace_root();
        CHECKED_IN
            .iter()
            .map(|(spec, out, cli, kind)| Target {
                spec: root.join(spec),
                out: root.join(out),
                cli: Some(root.join(cli)),
                kind: *kind,
            })
            .collect()
    }
}

impl Options {
    /// Reads `[--check] [--spec FILE] [--out DIR] [--cli-out DIR]`. Given a path, it works on
    /// one spec (the spec and client folder defaulting to the client's, and the tool
    /// generated only with `--cli-out`); given none, on every checked-in crate.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut check = false;
        let mut spec = None;
        let mut out = None;
        let mut cli = None;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--check" => check = true,
                "--spec" | "--out" | "--cli-out" => {
                    let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                    let path = std::env::current_dir()
                        .map(|cwd| cwd.join(value))
                        .unwrap_or_else(|_| PathBuf::from(value));
                    match arg.as_str() {
                        "--spec" => spec = Some(path),
                        "--out" => out = Some(path),
                        _ => cli = Some(path),
                    }
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        let targets = if spec.is_none() && out.is_none() && cli.is_none() {
            Target::checked_in()
        } else {
            let client = &Target::checked_in()[0];
            vec![Target {
                spec: spec.unwrap_or_else(|| client.spec.clone()),
                out: out.unwrap_or_else(|| client.out.clone()),
                cli,
                kind: Kind::Crates,
            }]
        };
        Ok(Options { check, targets })
    }
}

/// Runs the task and reports on stdout/stderr; the exit code says whether it succeeded.
pub fn run(options: &Options) -> ExitCode {
    let mut failed = false;
    for target in &options.targets {
        let synced = match sync(target, options.check) {
            Ok(synced) => synced,
            Err(message) => {
                failed = true;
                eprintln!("error: {message}");
                continue;
            }
        };
        let gate = synced.api.as_ref().map_or(Ok(()), ApiReport::gate);
        if options.check {
            if !synced.files.is_empty() {
                failed = true;
                eprintln!(
                    "{} is stale; these files differ from what {} generates:",
                    target.folders(),
                    display(&target.spec)
                );
                for change in &synced.files {
                    eprintln!("  {change}");
                }
                eprintln!("run `cargo xtask codegen` to regenerate, then review the diff");
            }
            if let Err(message) = &gate {
                failed = true;
                eprintln!("error: {message}");
            }
            if synced.files.is_empty() && gate.is_ok() {
                println!("{}: up to date", target.folders());
            }
            continue;
        }
        if synced.files.is_empty() {
            println!("{}: up to date", target.folders());
        }
        for change in &synced.files {
            println!("{change}");
        }
        for line in synced.api.iter().flat_map(ApiReport::lines) {
            println!("{line}");
        }
        if let Err(message) = gate {
            eprintln!(
                "warning: {message}\n`cargo xtask codegen --check` (and CI) fails until this is \
                 fixed"
            );
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
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

/// What [`sync`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// The files that differ between the generator's output and the disk.
    pub files: Vec<Change>,
    /// The public API changes since the crate's last release (`None` for a stand-in, which
    /// is never released).
    pub api: Option<ApiReport>,
}

/// Generates the crate and compares it with the disk; writes the differences unless checking.
pub fn sync(options: &Target, check: bool) -> Result<Synced, String> {
    let spec_bytes = fs::read(&options.spec)
        .map_err(|error| format!("cannot read {}: {error}", display(&options.spec)))?;
    let spec_name = display(&options.spec);
    let spec_text =
        codegen::spec_text(&spec_bytes, &spec_name).map_err(|error| error.to_string())?;
    let api = codegen::load(spec_text, &spec_name).map_err(|error| error.to_string())?;
    if options.kind == Kind::StandIn {
        return sync_stand_in(options, &api, &spec_name, check);
    }
    let mut files = codegen::generate_from(&api, &spec_name).map_err(|error| error.to_string())?;
    let (api_report, changelog) = release::report(options, &api);
    if let Some(contents) = changelog {
        files.push(GeneratedFile {
            path: codegen::changes::changelog::FILE.to_owned(),
            contents,
        });
    }

    let mut changes = compare(&options.out, &files, check)?;
    if let Some(cli) = &options.cli {
        let client_path = relative(cli, &options.out);
        let cli_files = codegen::generate_cli(&api, &spec_name, &client_path)
            .map_err(|error| error.to_string())?;
        changes.extend(compare(cli, &cli_files, check)?);
    }
    Ok(Synced {
        files: changes,
        api: Some(api_report),
    })
}

/// The stand-ins of the two runtime crates, each in the `stand-in/` folder beside the
/// runtime's `src/`.
fn sync_stand_in(
    options: &Target,
    api: &codegen::model::Api,
    spec_name: &str,
    check: bool,
) -> Result<Synced, String> {
    // From the crate root's folder (`stand-in/src`) to the runtime crate's.
    let runtime_root =
        |stand_in: &Path| relative(&stand_in.join("src"), stand_in.parent().unwrap_or(stand_in));
    let files = codegen::generate_stand_in(api, spec_name, &runtime_root(&options.out))
        .map_err(|error| error.to_string())?;
    let mut changes = compare(&options.out, &files, check)?;
    if let Some(cli) = &options.cli {
        let cli_files = codegen::generate_cli_stand_in(api, spec_name, &runtime_root(cli))
            .map_err(|error| error.to_string())?;
        changes.extend(compare(cli, &cli_files, check)?);
    }
    Ok(Synced {
        files: changes,
        api: None,
    })
}

/// `to` as seen from `from`, with `/` separators (`../generated-client`).
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_owned(), from.len() - common);
    let downs = to[common..]
        .iter()
        .map(|part| part.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

/// Compares `files` with the crate folder `out` (where the generator owns `src/` entirely);
/// writes the differences unless checking.
fn compare(out: &Path, files: &[GeneratedFile], check: bool) -> Result<Vec<Change>, String> {
    // One pass decides what differs; writing then touches exactly those paths.
    let mut changes = Vec::new();
    let mut writes = Vec::new();
    for file in files {
        let path = out.join(&file.path);
        match fs::read_to_string(&path) {
            Ok(current) if current == file.contents => continue,
            Ok(_) => changes.push(Change::Updated(display(&path))),
            Err(_) => changes.push(Change::Added(display(&path))),
        }
        writes.push((path, &file.contents));
    }
    let mut removals = Vec::new();
    for stray in files_under(&out.join(OWNED_DIR)) {
        let relative = stray
            .strip_prefix(out)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if !files.iter().any(|file| file.path == relative) {
            changes.push(Change::Removed(display(&stray)));
            removals.push(stray);
        }
    }
    if check {
        return Ok(changes);
    }

    for (path, contents) in writes {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|error| format!("cannot create {}: {error}", display(parent)))?;
        }
        fs::write(&path, contents)
            .map_err(|error| format!("cannot write {}: {error}", display(&path)))?;
    }
    for path in removals {
        fs::remove_file(&path)
            .map_err(|error| format!("cannot remove {}: {error}", display(&path)))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The rust-analyzer pattern: plain `cargo test` fails when a checked-in crate is stale.
    #[test]
    fn checked_in_crates_are_fresh() {
        for target in Target::checked_in() {
            let changes = sync(&target, true).expect("the spec generates").files;
            assert!(
                changes.is_empty(),
                "{} is stale, run `cargo xtask codegen`: {changes:?}",
                display(&target.out)
            );
        }
    }

    #[test]
    fn check_mode_names_stale_files_and_writes_nothing() {
        let out = std::env::temp_dir().join(format!("xtask-check-{}", std::process::id()));
        let target = Target {
            spec: workspace_root().join("tests/fixtures/bookshop/spec.yaml"),
            out: out.clone(),
            cli: Some(out.join("cli")),
            kind: Kind::Crates,
        };
        let changes = sync(&target, true).expect("the spec generates").files;
        assert!(changes.contains(&Change::Added(display(&out.join("src/lib.rs")))));
        assert!(!out.exists(), "check mode wrote files");

        let written = sync(&target, false).expect("the spec generates").files;
        assert_eq!(written, changes);
        fs::write(out.join("src/lib.rs"), "// edited by hand\n").expect("writable");
        fs::write(out.join("src/extra.rs"), "// left over\n").expect("writable");
        let stale = sync(&target, true).expect("the spec generates").files;
        assert_eq!(
            stale,
            [
                Change::Updated(display(&out.join("src/lib.rs"))),
                Change::Removed(display(&out.join("src/extra.rs"))),
            ]
        );
        sync(&target, false).expect("regenerates");
        assert!(
            sync(&target, true)
                .expect("the spec generates")
                .files
                .is_empty()
        );
        assert!(!out.join("src/extra.rs").exists());
        fs::remove_dir_all(&out).expect("temporary folder is removable");
    }

    #[test]
    fn a_bad_spec_reports_the_generator_error_with_its_location() {
        let dir = std::env::temp_dir().join(format!("xtask-bad-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("writable");
        let spec = dir.join("bad.yaml");
        fs::write(&spec, "openapi: 3.0.3\ninfo: [oops\n").expect("writable");
        let target = Target {
            spec: spec.clone(),
            out: dir.join("out"),
            cli: None,
            kind: Kind::Crates,
        };
        let error = sync(&target, false).expect_err("a bad spec is refused");
        assert!(error.contains("bad.yaml:"), "{error}");
        assert!(
            !dir.join("out").exists(),
            "nothing is written for a bad spec"
        );
        fs::remove_dir_all(&dir).expect("temporary folder is removable");
    }

    #[test]
    fn arguments_pick_the_targets() {
        let all = Options::parse(&[]).expect("no arguments is fine");
        assert_eq!(all.targets, Target::checked_in());
        assert!(!all.check);
        let args = ["--check", "--out", "elsewhere"].map(String::from);
        let one = Options::parse(&args).expect("valid arguments");
        assert!(one.check);
        assert_eq!(one.targets.len(), 1);
        assert_eq!(one.targets[0].spec, Target::checked_in()[0].spec);
        assert!(one.targets[0].out.ends_with("elsewhere"));
        assert!(Options::parse(&["--spec".to_owned()]).is_err());
        assert!(Options::parse(&["--frobnicate".to_owned()]).is_err());
    }
}
