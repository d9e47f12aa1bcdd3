//! Running the generated command-line tools as real processes: building them once per test
//! binary (they belong to other packages, so `CARGO_BIN_EXE_*` does not name them), each run
//! with an empty environment and a throw-away HOME, and tools left running in the background
//! with their stderr read line by line.
#![allow(dead_code, reason = "cli.rs and bookshop_cli.rs use different parts")]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;

/// The longest any one run of a tool may take before its test fails.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// The packages whose binaries the tests run.
const PACKAGES: [&str; 2] = ["calypso-customer-purse-cli", "bookshop-client-cli"];

/// The folder the tools' binaries are built in: the one this test binary was built in.
fn bin_dir() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(dir) => dir,
        Err(error) => panic!("cannot build the command-line tools: {error}"),
    }
}

/// Builds the tools' packages with the cargo and profile of this test binary, so that
/// `cargo test -p integration-tests` alone runs current binaries, and returns the folder
/// cargo says it put them in. Quick when they are up to date.
fn build() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|error| format!("no current exe: {error}"))?;
    // `<target dir>/[<triple>/]<profile dir>/deps/<test>`
    let profile = match exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
    {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .ok_or("no workspace above tests/integration")?;
    let mut command = std::process::Command::new(&cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .args(PACKAGES.iter().flat_map(|package| ["-p", package]))
        .args(["--profile", profile, "--bins", "--message-format=json"]);
    let output = command
        .output()
        .map_err(|error| format!("cannot run {}: {error}", cargo.to_string_lossy()))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    // Each built binary is a `compiler-artifact` message with its `executable`.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|message| message["executable"].as_str().map(PathBuf::from))
        .find_map(|executable| executable.parent().map(Path::to_path_buf))
        .ok_or_else(|| format!("{command:?} named no binary"))
}

/// One of the tools, with a HOME of its own that no test writes a config file into unless
/// it means to.
pub struct Tool {
    path: PathBuf,
    home: tempfile::TempDir,
}

impl Tool {
    /// The Calypso Customer Purse tool.
    pub fn calypso() -> Self {
        Self::new("calypso-customer-purse")
    }

    /// The bookshop fixture's tool.
    pub fn bookshop() -> Self {
        Self::new("bookshop-client")
    }

    fn new(binary: &str) -> Self {
        let path = bin_dir().join(format!("{binary}{}", std::env::consts::EXE_SUFFIX));
        assert!(path.is_file(), "no binary at {}", path.display());
        let home = tempfile::tempdir().expect("a temporary HOME");
        Self { path, home }
    }

    /// The throw-away HOME (and XDG_CONFIG_HOME) of every run.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// A run of the tool with nothing from the test's environment: no variable of the tool's,
    /// no proxy, and HOME and XDG_CONFIG_HOME in a temporary folder, so no real config is read.
    pub fn command(&self) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::from_std(self.std_command());
        command.timeout(RUN_TIMEOUT);
        command
    }

    /// [`Tool::command`], as a std command, for runs left in the background.
    pub fn std_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(&self.path);
        command
            .env_clear()
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home())
            .env("APPDATA", self.home())
            .stdin(Stdio::null());
        command
    }

    /// Writes a config file (owner-only, as a file with secrets should be) in the temp HOME,
    /// at a path of its own, and returns the path.
    pub fn config_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home().join(name);
        std::fs::write(&path, text).expect("the config file is written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("the config file is made owner-only");
        }
        path
    }
}

/// What a finished run printed.
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
}

impl Printed {
    /// stdout and stderr together, for checks that nothing shows on either.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs `command`, checks its exit code and returns what it printed. On a wrong code the
/// panic shows the command, both outputs and the code.
pub fn run(command: &mut assert_cmd::Command, code: i32) -> Printed {
    let assert = command.assert().code(code);
    let output = assert.get_output();
    Printed {
        stdout: String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8"),
    }
}

/// Panics unless `text` contains `part`, showing both.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected {part:?} in:\n{text}");
}

/// A tool running in the background: its stderr read line by line as it comes, its stdout
/// collected. Killed when dropped before it exits.
pub struct Background {
    child: Child,
    stderr_lines: Receiver<String>,
    stderr_seen: Vec<String>,
    stderr_reader: Option<JoinHandle<()>>,
    stdout_reader: Option<JoinHandle<String>>,
}

impl Background {
    pub fn spawn(mut command: std::process::Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the tool starts");
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let stdout_reader = std::thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).expect("stdout is UTF-8");
            text
        });
        let (sender, stderr_lines) = std::sync::mpsc::channel();
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            stderr_lines,
            stderr_seen: Vec::new(),
            stderr_reader: Some(stderr_reader),
            stdout_reader: Some(stdout_reader),
        }
    }

    /// Waits (at most [`RUN_TIMEOUT`]) for a stderr line that `wanted` picks, and returns it.
    pub fn wait_for_stderr(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + RUN_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr_lines.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no {what} on stderr in time; it said:\n{:#?}",
                        self.stderr_seen
                    )
                }
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "the tool ended ({:?}) without {what}; its stderr:\n{:#?}",
                    self.child.try_wait(),
                    self.stderr_seen
                ),
            }
        }
    }

    /// The address of a `webhooks listen`, from its line `listening for webhooks on
    /// http://ADDR/ …`.
    pub fn listening_address(&mut self) -> std::net::SocketAddr {
        let line = self.wait_for_stderr("`listening for webhooks on`", |line| {
            line.starts_with("listening for webhooks on http://")
        });
        let address = line
            .strip_prefix("listening for webhooks on http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default();
        address
            .parse()
            .unwrap_or_else(|error| panic!("no address in {line:?}: {error}"))
    }

    /// Waits (at most [`RUN_TIMEOUT`]) for the tool to exit by itself, and returns how it
    /// exited and everything it printed. Kills it and panics when it does not.
    pub fn finish(mut self) -> (ExitStatus, Printed) {
        let deadline = Instant::now() + RUN_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the tool can be waited for") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the tool did not exit in time; its stderr:\n{:#?}",
                    self.stderr_seen
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = self
            .stdout_reader
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        self.stderr_seen.extend(self.stderr_lines.try_iter());
        let mut stderr = self.stderr_seen.join("\n");
        stderr.push('\n');
        (status, Printed { stdout, stderr })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The lowercase hex HMAC-SHA512 of `body` under `secret`: a webhook's or request's signature.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Panics if `text` holds a run of 128 hex digits: a signature, which no output should show.
#[track_caller]
pub fn assert_no_signature(what: &str, text: &str) {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        assert!(run < 128, "a signature shows in {what}:\n{text}");
    }
}

/// The lines of NDJSON output, each read as JSON.
#[track_caller]
pub fn ndjson(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not one JSON value per line ({error}):\n{stdout}"))
        })
        .collect()
}

/// stdout read as one JSON document.
#[track_caller]
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|error| panic!("not JSON ({error}):\n{stdout}"))
}
