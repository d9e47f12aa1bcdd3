//! `cargo xtask mutants`: mutation testing of the runtimes with cargo-mutants, checked against
//! the list of the mutants known to survive (`codegen/mutants-survivors.md`).
//!
//! The runtimes' files are built in their crates through the stand-ins' `#[path]`
//! declarations, so cargo-mutants names them `codegen/client-runtime/stand-in/src/../../src/…`,
//! and a diff that names `codegen/client-runtime/src/…` matches none of its mutants: the diff
//! is rewritten to its names first.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use crate::codegen::{display, workspace_root};

/// A runtime crate: its package, the folder of its files, and how cargo-mutants names that
/// folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    pub package: &'static str,
    pub src: &'static str,
    pub named: &'static str,
}

pub const RUNTIMES: &[Runtime] = &[
    Runtime {
        package: "client-runtime",
        src: "codegen/client-runtime/src/",
        named: "codegen/client-runtime/stand-in/src/../../src/",
    },
    Runtime {
        package: "cli-runtime",
        src: "codegen/cli-runtime/src/",
        named: "codegen/cli-runtime/stand-in/src/../../src/",
    },
];

/// The generated stand-ins' own files: generated code, tested where it is generated.
const STAND_INS: &str = "**/stand-in/src/*.rs";
/// The mutants that survive, each with the reason.
pub const SURVIVORS: &str = "codegen/mutants-survivors.md";
/// The commit whose runtime sources mutation testing last covered.
pub const BASE: &str = "codegen/mutants-base";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Every mutant of both runtimes, rather than those in code changed since the base.
    pub full: bool,
    /// At most this many mutants; more fails without testing any.
    pub cap: Option<usize>,
}

impl Options {
    /// Reads `[--full] [--cap N]`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            full: false,
            cap: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--full" => options.full = true,
                "--cap" => {
                    let value = args.next().ok_or("--cap needs a number")?;
                    let cap = value
                        .parse()
                        .map_err(|_| format!("--cap needs a number, not `{value}`"))?;
                    options.cap = Some(cap);
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        if options.full && options.cap.is_some() {
            return Err("--cap is for the run of a diff, not --full".to_owned());
        }
        Ok(options)
    }
}

/// The names of the listed survivors: the text between the backquotes that open each list
/// item.
pub fn listed_survivors(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// A mutant's name without its line and column: `file:12:5: replace …` becomes
/// `file: replace …`, as `cargo mutants --line-col=false` names it.
pub fn without_line_col(name: &str) -> String {
    let Some((location, mutation)) = name.split_once(": ") else {
        return name.to_owned();
    };
    let mut file = location;
    for _ in 0..2 {
        match file.rsplit_once(':') {
            Some((before, number))
                if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) =>
            {
                file = before;
            }
            _ => break,
        }
    }
    format!("{file}: {mutation}")
}

/// The missed mutants (named as in `missed.txt`) that the list does not explain, without
/// their line and column.
pub fn unexplained(missed: &[String], listed: &[String]) -> Vec<String> {
    missed
        .iter()
        .map(|name| without_line_col(name))
        .filter(|name| !listed.contains(name))
        .collect()
}

/// A diff of a runtime's files (from `git diff`) with their names as cargo-mutants gives
/// them: in each file's header, not in its hunks, where a line may read the same.
pub fn with_mutants_names(diff: &str, runtime: &Runtime) -> String {
    let mut out = String::with_capacity(diff.len());
    let mut header = true;
    for line in diff.split_inclusive('\n') {
        if line.starts_with("diff --git ") {
            header = true;
        } else if line.starts_with("@@") {
            header = false;
        }
        let renamed = ["--- a/", "+++ b/"]
            .iter()
            .filter(|_| header)
            .find_map(|prefix| {
                let path = line.strip_prefix(prefix)?.strip_prefix(runtime.src)?;
                Some(format!("{prefix}{}{path}", runtime.named))
            });
        out.push_str(renamed.as_deref().unwrap_or(line));
    }
    out
}

/// The commit named in the base file: its first line that is neither empty nor a `#`
/// comment.
pub fn base_commit(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The base file with its commit replaced.
fn with_base_commit(text: &str, commit: &str) -> String {
    let old = base_commit(text).unwrap_or_default();
    let mut out = String::new();
    let mut replaced = false;
    for line in text.lines() {
        if !replaced && !old.is_empty() && line.trim() == old {
            out.push_str(commit);
            replaced = true;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !replaced {
        out.push_str(commit);
        out.push('\n');
    }
    out
}

/// What cargo-mutants found for one runtime.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcomes {
    pub caught: Vec<String>,
    pub missed: Vec<String>,
    pub unviable: Vec<String>,
    pub timeouts: Vec<String>,
}

impl Outcomes {
    /// Reads a `mutants.out` folder's lists.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let list = |file: &str| -> Result<Vec<String>, String> {
            let path = dir.join(file);
            let text = fs::read_to_string(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            Ok(text
                .lines()
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect())
        };
        Ok(Outcomes {
            caught: list("caught.txt")?,
            missed: list("missed.txt")?,
            unviable: list("unviable.txt")?,
            timeouts: list("timeout.txt")?,
        })
    }

    /// The share of viable mutants that the tests catch, in percent: a mutant that makes
    /// them hang (a timeout) counts as caught, and an unviable one (it does not build) not
    /// at all.
    pub fn caught_percent(&self) -> f64 {
        let caught = self.caught.len() + self.timeouts.len();
        let viable = caught + self.missed.len();
        if viable == 0 {
            100.0
        } else {
            100.0 * caught as f64 / viable as f64
        }
    }

    pub fn summary(&self) -> String {
        format!(
            "{} caught, {} missed, {} unviable, {} timeouts: {:.1}% of the viable caught",
            self.caught.len(),
            self.missed.len(),
            self.unviable.len(),
            self.timeouts.len(),
            self.caught_percent()
        )
    }
}

/// One runtime to test, and the diff that limits it (none: every mutant).
struct Scope {
    runtime: Runtime,
    diff: Option<PathBuf>,
}

/// Runs the task and reports on stdout/stderr; the exit code says whether it succeeded.
pub fn run(options: &Options) -> ExitCode {
    match try_run(options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn try_run(options: &Options) -> Result<bool, String> {
    let started = Instant::now();
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let work = target.join("mutants-out");
    fs::create_dir_all(&work)
        .map_err(|error| format!("cannot create {}: {error}", work.display()))?;
    let version = cargo_mutants(&root, &["--version"])?;
    print!("{version}");

    let base_text = fs::read_to_string(root.join(BASE))
        .map_err(|error| format!("cannot read {BASE}: {error}"))?;
    let base = base_commit(&base_text).ok_or(format!("{BASE} names no commit"))?;
    let mut scopes = Vec::new();
    for runtime in RUNTIMES {
        if options.full {
            scopes.push(Scope {
                runtime: *runtime,
                diff: None,
            });
            continue;
        }
        let diff = git(
            &root,
            &[
                "diff",
                "--no-color",
                "--no-ext-diff",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                base,
                "--",
                runtime.src,
            ],
        )?;
        if diff.is_empty() {
            continue;
        }
        let file = work.join(format!("{}.diff", runtime.package));
        fs::write(&file, with_mutants_names(&diff, runtime))
            .map_err(|error| format!("cannot write {}: {error}", file.display()))?;
        scopes.push(Scope {
            runtime: *runtime,
            diff: Some(file),
        });
    }
    if scopes.is_empty() {
        println!(
            "The runtimes' sources are as at {base} ({BASE}), which mutation testing covered: \
             no mutant to test."
        );
        return Ok(true);
    }

    // Counted first, so that a capped run tests all of them or none.
    let mut total = 0;
    let mut counted = Vec::new();
    for scope in scopes {
        let listed = cargo_mutants(&root, &scope_args(&scope, &["--list"]))?;
        let count = listed.lines().filter(|line| !line.is_empty()).count();
        match &scope.diff {
            Some(_) => println!(
                "{}: {count} mutants in code changed since {base} ({BASE})",
                scope.runtime.package
            ),
            None => println!("{}: {count} mutants", scope.runtime.package),
        }
        total += count;
        if count > 0 {
            counted.push(scope);
        }
    }
    let scopes = counted;
    if let Some(cap) = options.cap.filter(|cap| total > *cap) {
        eprintln!(
            "error: {total} mutants, more than this run's cap of {cap}: run \
             `cargo xtask mutants` (no cap) or `cargo xtask mutants \
             --full`, and commit the {BASE} it writes when every survivor is explained"
        );
        return Ok(false);
    }

    if scopes.is_empty() {
        println!("No mutant in the changed code: nothing to test.");
        if options.cap.is_none() {
            record_base(&root, &base_text)?;
        }
        return Ok(true);
    }

    let listed = {
        let text = fs::read_to_string(root.join(SURVIVORS))
            .map_err(|error| format!("cannot read {SURVIVORS}: {error}"))?;
        listed_survivors(&text)
    };
    let mut passed = true;
    for scope in &scopes {
        let package = scope.runtime.package;
        let out = work.join(package);
        let out_arg = out.to_string_lossy().into_owned();
        let scope_started = Instant::now();
        println!(
            "\n{package}: cargo mutants (results in {}/mutants.out)",
            display(&out)
        );
        let status = Command::new(cargo())
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", target.join("mutants"))
            .args(["mutants"])
            .args(scope_args(scope, &["--output", &out_arg]))
            .status()
            .map_err(|error| format!("cannot run cargo mutants: {error}"))?;
        // 0: all caught; 2: some missed; 3: some timed out. Anything else (the unmutated
        // tree fails its tests, say) means no result.
        if !matches!(status.code(), Some(0 | 2 | 3)) {
            eprintln!("error: cargo mutants failed ({status})");
            passed = false;
            continue;
        }
        let outcomes = Outcomes::read(&out.join("mutants.out"))?;
        println!(
            "{package}: {} ({} s)",
            outcomes.summary(),
            scope_started.elapsed().as_secs()
        );
        let new = unexplained(&outcomes.missed, &listed);
        if !new.is_empty() {
            passed = false;
            eprintln!(
                "error: {package}: {} surviving mutants that {SURVIVORS} does not list: kill \
                 each with a test, or list it there with why it cannot or need not be caught:",
                new.len()
            );
            for name in &new {
                eprintln!("  {name}");
            }
        }
        if scope.diff.is_none() {
            let missed: Vec<String> = outcomes
                .missed
                .iter()
                .map(|m| without_line_col(m))
                .collect();
            let stale: Vec<&String> = listed
                .iter()
                .filter(|name| name.starts_with(scope.runtime.named) && !missed.contains(name))
                .collect();
            if !stale.is_empty() {
                passed = false;
                eprintln!(
                    "error: {package}: {} mutants listed in {SURVIVORS} that the tests now \
                     catch or that no longer exist: remove them there:",
                    stale.len()
                );
                for name in stale {
                    eprintln!("  {name}");
                }
            }
        }
    }
    println!("\nmutation testing took {} s", started.elapsed().as_secs());

    if passed && options.cap.is_none() {
        record_base(&root, &base_text)?;
    }
    Ok(passed)
}

/// After a run that tested every change (or everything) with no unexplained survivor:
/// writes the commit to the base file when the runtimes' sources are as committed there.
fn record_base(root: &Path, base_text: &str) -> Result<(), String> {
    let mut args = vec!["status", "--porcelain", "--"];
    args.extend(RUNTIMES.iter().map(|runtime| runtime.src));
    if !git(root, &args)?.is_empty() {
        println!(
            "The runtimes' sources have uncommitted changes: {BASE} is left as it is; run \
             again once they are committed to move it."
        );
        return Ok(());
    }
    let head = git(root, &["rev-parse", "HEAD"])?;
    let head = head.trim();
    if base_commit(base_text) == Some(head) {
        return Ok(());
    }
    fs::write(root.join(BASE), with_base_commit(base_text, head))
        .map_err(|error| format!("cannot write {BASE}: {error}"))?;
    println!("{BASE} now names {head}, whose runtime sources this run covered: commit it.");
    Ok(())
}

/// cargo-mutants' arguments for a scope, then `extra`.
fn scope_args<'a>(scope: &'a Scope, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--package",
        scope.runtime.package,
        "--exclude",
        STAND_INS,
        "--jobs",
        "1",
    ];
    if let Some(diff) = &scope.diff {
        args.push("--in-diff");
        args.push(diff.to_str().unwrap_or_default());
    }
    args.extend_from_slice(extra);
    args
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo mutants` with these arguments, and what it printed.
fn cargo_mutants(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(cargo())
        .current_dir(root)
        .arg("mutants")
        .args(args)
        .output()
        .map_err(|error| format!("cannot run cargo mutants: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo mutants {}` failed (is cargo-mutants installed? .ci/run installs the \
             version CI uses): {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETRY: &str = "codegen/client-runtime/stand-in/src/../../src/retry.rs";

    #[test]
    fn a_missed_mutant_is_explained_only_by_its_own_entry_whatever_its_line() {
        let listed = listed_survivors(&format!(
            "# Survivors\n\nOne line per mutant.\n\n\
             - `{RETRY}: replace | with ^ in decode`: equivalent.\n\
             - `{RETRY}: replace < with <= in backoff`: equivalent too.\n"
        ));
        let missed = [
            format!("{RETRY}:40:12: replace | with ^ in decode"),
            format!("{RETRY}:7:1: replace < with <= in backoff"),
            format!("{RETRY}:9:3: replace < with > in backoff"),
            format!("{RETRY}:50:3: replace | with ^ in encode"),
        ];
        assert_eq!(
            unexplained(&missed, &listed),
            [
                format!("{RETRY}: replace < with > in backoff"),
                format!("{RETRY}: replace | with ^ in encode"),
            ]
        );
        assert!(unexplained(&missed[..2], &listed).is_empty());
    }

    #[test]
    fn names_lose_line_and_column_but_nothing_else() {
        assert_eq!(
            without_line_col(&format!("{RETRY}:105:9: replace jitter -> f64 with 0.0")),
            format!("{RETRY}: replace jitter -> f64 with 0.0")
        );
        // Already without them (`--line-col=false`), or with a colon in the mutation.
        let plain = format!("{RETRY}: replace match guard x: 1 with true in f");
        assert_eq!(without_line_col(&plain), plain);
    }

    #[test]
    fn the_checked_in_list_names_runtime_mutants() {
        let text = fs::read_to_string(workspace_root().join(SURVIVORS)).expect("readable");
        let listed = listed_survivors(&text);
        assert!(!listed.is_empty());
        for name in &listed {
            assert!(
                RUNTIMES
                    .iter()
                    .any(|runtime| name.starts_with(runtime.named)),
                "{name} is no runtime file's mutant"
            );
            assert_eq!(&without_line_col(name), name, "{name} has a line or column");
        }
    }

    #[test]
    fn a_diff_gets_the_names_cargo_mutants_gives_the_runtime_files() {
        let diff = "diff --git a/codegen/client-runtime/src/retry.rs b/codegen/client-runtime/src/retry.rs\n\
                    --- a/codegen/client-runtime/src/retry.rs\n\
                    +++ b/codegen/client-runtime/src/retry.rs\n\
                    @@ -1,2 +1,2 @@\n\
                    --- a/codegen/client-runtime/src/x.rs\n\
                    +--- b/codegen/client-runtime/src/x.rs\n\
                    diff --git a/codegen/client-runtime/src/wire/new.rs b/codegen/client-runtime/src/wire/new.rs\n\
                    --- /dev/null\n\
                    +++ b/codegen/client-runtime/src/wire/new.rs\n";
        assert_eq!(
            with_mutants_names(diff, &RUNTIMES[0]),
            "diff --git a/codegen/client-runtime/src/retry.rs b/codegen/client-runtime/src/retry.rs\n\
             --- a/codegen/client-runtime/stand-in/src/../../src/retry.rs\n\
             +++ b/codegen/client-runtime/stand-in/src/../../src/retry.rs\n\
             @@ -1,2 +1,2 @@\n\
             --- a/codegen/client-runtime/src/x.rs\n\
             +--- b/codegen/client-runtime/src/x.rs\n\
             diff --git a/codegen/client-runtime/src/wire/new.rs b/codegen/client-runtime/src/wire/new.rs\n\
             --- /dev/null\n\
             +++ b/codegen/client-runtime/stand-in/src/../../src/wire/new.rs\n"
        );
        // The other runtime's files are not this one's.
        assert_eq!(with_mutants_names(diff, &RUNTIMES[1]), diff);
    }

    #[test]
    fn the_base_file_names_one_commit_among_comments() {
        let text = "# The commit mutation testing last covered.\n\nabc123\n";
        assert_eq!(base_commit(text), Some("abc123"));
        assert_eq!(base_commit("# nothing\n"), None);
        let moved = with_base_commit(text, "def456");
        assert_eq!(
            moved,
            "# The commit mutation testing last covered.\n\ndef456\n"
        );
        assert_eq!(base_commit(&moved), Some("def456"));
        assert_eq!(
            base_commit(&with_base_commit("# none\n", "def456")),
            Some("def456")
        );
    }

    #[test]
    fn the_checked_in_base_is_a_commit_of_this_repository() {
        let text = fs::read_to_string(workspace_root().join(BASE)).expect("readable");
        let commit = base_commit(&text).expect("a commit");
        git(
            &workspace_root(),
            &["cat-file", "-e", &format!("{commit}^{{commit}}")],
        )
        .expect("the commit exists");
    }

    #[test]
    fn the_share_caught_counts_timeouts_as_caught_and_leaves_unviable_out() {
        let names = |n: usize| vec![String::new(); n];
        let outcomes = Outcomes {
            caught: names(70),
            missed: names(19),
            unviable: names(24),
            timeouts: names(2),
        };
        assert_eq!(format!("{:.1}", outcomes.caught_percent()), "79.1");
        assert_eq!(Outcomes::default().caught_percent(), 100.0);
    }

    #[test]
    fn arguments() {
        let parse =
            |args: &[&str]| Options::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        assert_eq!(
            parse(&[]),
            Ok(Options {
                full: false,
                cap: None
            })
        );
        assert_eq!(
            parse(&["--full"]),
            Ok(Options {
                full: true,
                cap: None
            })
        );
        assert_eq!(
            parse(&["--cap", "40"]),
            Ok(Options {
                full: false,
                cap: Some(40)
            })
        );
        assert!(parse(&["--cap"]).is_err());
        assert!(parse(&["--cap", "many"]).is_err());
        assert!(parse(&["--full", "--cap", "3"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
