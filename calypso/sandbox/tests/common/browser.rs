//! Browser tests: a Node script of `tests/browser` drives a real headless Chromium through
//! playwright-core (`tests/browser/launch.mjs` opens the page) and prints its findings as JSON.
//!
//! Runs when node, Chromium and the pinned playwright-core are installed; with
//! `SANDBOX_REQUIRE_BROWSER=1` (as in CI) a missing piece fails the test instead of skipping it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The scripts and their Node package (package.json pins playwright-core).
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");

/// A hung browser must not hang the test suite; launch.mjs's own limits are shorter.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `tests/browser/<script>` with node, giving it `args`; returns what the script printed
/// on stdout as JSON.
///
/// `None` (and an `eprintln!` saying why) when node, `/usr/bin/chromium` (or
/// `$SANDBOX_CHROMIUM`) or the installed playwright-core is missing and
/// `SANDBOX_REQUIRE_BROWSER` is not set; with it set, a missing piece is a panic saying how to
/// install it. A script that exits non-zero panics with its stderr, and one still running after
/// 60 s is killed and panics likewise.
///
/// Blocking: from an async test, call it in `tokio::task::spawn_blocking`, or the sandbox on
/// the test's runtime cannot answer the browser.
pub fn run_script(script: &str, args: &[&str]) -> Option<Value> {
    let dir = Path::new(DIR);
    let chromium = std::env::var_os("SANDBOX_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if let Some(why) = missing_piece(dir, &chromium) {
        if std::env::var_os("SANDBOX_REQUIRE_BROWSER").is_some() {
            panic!("SANDBOX_REQUIRE_BROWSER is set but {why}");
        }
        eprintln!("skipped: {why}");
        return None;
    }

    let mut child = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .current_dir(dir)
        .env("SANDBOX_CHROMIUM", &chromium)
        // Playwright's errors without terminal colours, for the panic message.
        .env("FORCE_COLOR", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("node {script} cannot start: {error}"));
    // Read while it runs: a script that fills a pipe would otherwise block and never exit.
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("node's status") {
            break status;
        }
        if Instant::now() >= deadline {
            // Chromium quits when node's end of its DevTools pipe closes (its profile folder
            // stays in the temp dir).
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{script} was killed after {TIMEOUT:?}:\n{}",
                received(stderr)
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (received(stdout), received(stderr));
    assert!(status.success(), "{script} failed ({status}):\n{stderr}");
    // What the script logged, for a run with --nocapture.
    eprint!("{stderr}");
    Some(
        serde_json::from_str(&stdout).unwrap_or_else(|error| {
            panic!("{script} printed no JSON ({error}):\n{stdout}\n{stderr}")
        }),
    )
}

/// What keeps the browser tests from running, with how to install it.
fn missing_piece(dir: &Path, chromium: &Path) -> Option<String> {
    match Command::new("node").arg("--version").output() {
        Ok(output) if output.status.success() => {}
        Ok(output) => return Some(format!("node --version failed ({})", output.status)),
        Err(error) => {
            return Some(format!(
                "node cannot run ({error}): install Node.js 20 or later"
            ));
        }
    }
    if !chromium.is_file() {
        return Some(format!(
            "there is no Chromium at {}: apt-get install chromium, or set SANDBOX_CHROMIUM to one",
            chromium.display()
        ));
    }
    // The version npm ci installs from the lock file; another one is as good as none.
    let pinned = json_text(&dir.join("package.json"), "/dependencies/playwright-core");
    let installed = json_text(
        &dir.join("node_modules/playwright-core/package.json"),
        "/version",
    );
    if pinned.is_none() || installed != pinned {
        return Some(format!(
            "playwright-core {} is not installed (found {}): npm ci --prefix {}",
            pinned.as_deref().unwrap_or("(no package.json)"),
            installed.as_deref().unwrap_or("none"),
            dir.display()
        ));
    }
    None
}

/// The string at `pointer` in the JSON file at `path`.
fn json_text(path: &Path, pointer: &str) -> Option<String> {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    Some(value.pointer(pointer)?.as_str()?.to_owned())
}

/// Reads `pipe` to its end on a thread of its own.
fn read_all(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = sender.send(bytes);
    });
    receiver
}

/// What the reader of a pipe got; after the process's end, its pipes close at once.
fn received(receiver: Receiver<Vec<u8>>) -> String {
    let bytes = receiver
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}
