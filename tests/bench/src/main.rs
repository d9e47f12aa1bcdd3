//! `cargo xtask bench`: measures the generator, the generated client, the sandbox's ledger
//! lookups, the generated command-line tool's start-to-exit time, and what the client and the
//! tool cost to build, and prints one table. Every ratio compares two things measured side by
//! side in the same run, as a median over alternating rounds, because the machine is shared
//! and noisy.
//!
//! Options: `--quick` (fewer rounds: a smoke run, not figures to record) and `--skip-build`
//! (no clean builds, which take minutes).

mod build_cost;
mod cli;
mod console;
mod generator;
mod hand_signed;
mod mock;
mod overhead;
mod sandbox;
mod stats;
mod throughput;
mod webhooks;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use stats::{Row, duration, print_table};

/// The bench's allocator: the system's, which counts the bytes allocated and freed while a
/// memory row asks it to ([`Counting::held_by`]), and otherwise only reads a flag.
#[global_allocator]
static ALLOCATED: Counting = Counting {
    on: AtomicBool::new(false),
    bytes: AtomicIsize::new(0),
};

struct Counting {
    on: AtomicBool,
    bytes: AtomicIsize,
}

impl Counting {
    /// What `make` returns, and the bytes allocated and not freed while it ran: what the
    /// value holds when it allocates nothing else that outlives `make`. One thread at a time.
    fn held_by<T>(&self, make: impl FnOnce() -> T) -> (T, isize) {
        self.bytes.store(0, Ordering::SeqCst);
        self.on.store(true, Ordering::SeqCst);
        let made = make();
        self.on.store(false, Ordering::SeqCst);
        (made, self.bytes.load(Ordering::SeqCst))
    }

    fn count(&self, added: usize, removed: usize) {
        if self.on.load(Ordering::Relaxed) {
            let added = isize::try_from(added).unwrap_or(isize::MAX);
            let removed = isize::try_from(removed).unwrap_or(isize::MAX);
            self.bytes
                .fetch_add(added.saturating_sub(removed), Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is passed to the system allocator as it came; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.count(layout.size(), 0);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.count(0, layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.count(new_size, layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// How much of each measurement to do.
struct Effort {
    generator_runs: usize,
    overhead_rounds: usize,
    overhead_calls: u32,
    /// Rounds of webhook deliveries, and deliveries per round.
    webhook_rounds: usize,
    webhook_deliveries: usize,
    throughput_rounds: usize,
    throughput_calls: usize,
    /// The small and the large ledger, in customers (each with a purse and a deposit).
    sandbox_customers: [usize; 2],
    sandbox_rounds: usize,
    sandbox_calls: usize,
    /// Mocks started, and rounds of sequential calls to the mock and the sandbox.
    mock_rounds: usize,
    mock_calls: usize,
    /// Runs of the command-line tool, each followed by the same call in-process.
    cli_rounds: usize,
    /// The sandbox's load with and without its request log and state file.
    console_load: console::Load,
    /// Transactions and logged requests in the sandbox whose dashboard is rendered.
    dashboard_size: usize,
    build: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, kind, calls] = args.as_slice()
        && command == "per-call"
    {
        return match overhead::per_call(kind, calls) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{error}\nusage: bench per-call client|floor CALLS");
                ExitCode::from(2)
            }
        };
    }
    let mut effort = Effort {
        generator_runs: 21,
        overhead_rounds: 21,
        overhead_calls: 20_000,
        webhook_rounds: 21,
        webhook_deliveries: 20_000,
        throughput_rounds: 7,
        throughput_calls: 6_400,
        sandbox_customers: [1_000, 100_000],
        sandbox_rounds: 11,
        sandbox_calls: 256,
        mock_rounds: 11,
        mock_calls: 1_000,
        cli_rounds: 21,
        console_load: console::Load {
            rounds: 7,
            tasks: 16,
            iterations: 40,
        },
        dashboard_size: 10_000,
        build: true,
    };
    for arg in &args {
        match arg.as_str() {
            "--quick" => {
                effort = Effort {
                    generator_runs: 3,
                    overhead_rounds: 3,
                    overhead_calls: 1_000,
                    webhook_rounds: 3,
                    webhook_deliveries: 1_000,
                    throughput_rounds: 1,
                    throughput_calls: 640,
                    sandbox_customers: [1_000, 10_000],
                    sandbox_rounds: 3,
                    sandbox_calls: 64,
                    mock_rounds: 3,
                    mock_calls: 100,
                    cli_rounds: 3,
                    console_load: console::Load {
                        rounds: 1,
                        tasks: 8,
                        iterations: 5,
                    },
                    dashboard_size: 1_000,
                    ..effort
                }
            }
            "--skip-build" => effort.build = false,
            other => {
                eprintln!(
                    "unknown argument `{other}`\nusage: cargo xtask bench [--quick] [--skip-build]"
                );
                return ExitCode::from(2);
            }
        }
    }
    match run(&effort) {
        Ok(rows) => {
            println!();
            print_machine();
            println!();
            print_table(&rows);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

fn run(effort: &Effort) -> Result<Vec<Row>, String> {
    let root = workspace_root();
    let mut rows = Vec::new();
    // Looked for first, so that a missing tool stops the run before the long measurements.
    let cli_binary = cli::binary()?;

    eprintln!("generator …");
    let spec_path = root.join("spec/customer-purse.yaml");
    let spec = std::fs::read_to_string(&spec_path)
        .map_err(|error| format!("{}: {error}", spec_path.display()))?;
    let (real, files) = generator::time_generate(&spec, effort.generator_runs)?;
    rows.push(Row::new(
        format!(
            "Generator, real spec ({} KiB → {files} files)",
            spec.len() / 1024
        ),
        duration(real),
    ));
    let loading = generator::time_load(&spec, effort.generator_runs)?;
    rows.push(
        Row::new(
            "  of which loading and checking the spec",
            duration(loading),
        )
        .against(
            format!("{} (all of it)", duration(real)),
            loading.as_secs_f64() / real.as_secs_f64(),
        ),
    );
    let scaled = generator::scaled_spec(&spec, 10)?;
    let (large, _) = generator::time_generate(&scaled, effort.generator_runs.div_ceil(3))?;
    rows.push(
        Row::new(
            format!(
                "Generator, 10× synthetic spec ({} KiB)",
                scaled.len() / 1024
            ),
            duration(large),
        )
        .against(
            format!("{} (real spec)", duration(real)),
            large.as_secs_f64() / real.as_secs_f64(),
        ),
    );

    eprintln!("client overhead per call …");
    for overhead in overhead::measure(effort.overhead_rounds, effort.overhead_calls)? {
        rows.push(
            Row::new(
                format!(
                    "Client overhead per call, {} payload ({} B body)",
                    overhead.payload, overhead.body_bytes
                ),
                duration(overhead.client),
            )
            .against(
                format!("{} (to_vec + HMAC)", duration(overhead.floor)),
                overhead.ratio,
            )
            .goal("≤ 1.20x", overhead.ratio <= 1.2),
        );
        rows.push(
            Row::new(
                format!(
                    "Same call against a hand-built signed reqwest::Request, {} payload",
                    overhead.payload
                ),
                duration(overhead.client),
            )
            .against(
                format!("{} (floor + hex + request)", duration(overhead.hand_built)),
                overhead.hand_built_ratio,
            ),
        );
        rows.push(
            Row::new(
                format!(
                    "Floor signed in one pass (HMAC fed as serde_json writes), {} payload",
                    overhead.payload
                ),
                duration(overhead.one_pass),
            )
            .against(
                format!("{} (to_vec + HMAC)", duration(overhead.floor)),
                overhead.one_pass_ratio,
            ),
        );
    }

    eprintln!("webhook deduplication …");
    let dedup = webhooks::measure(effort.webhook_rounds, effort.webhook_deliveries)?;
    let added = dedup.with_dedup.saturating_sub(dedup.verify);
    rows.push(
        Row::new(
            format!(
                "Webhook receiver: verify + identity + in-memory dedup, per delivery ({} B body)",
                dedup.body_bytes
            ),
            duration(dedup.with_dedup),
        )
        .against(
            format!("{} (verify alone)", duration(dedup.verify)),
            dedup.ratio,
        )
        .goal(
            &format!("≤ +2 µs (+{})", duration(added)),
            added <= std::time::Duration::from_micros(2),
        ),
    );
    let mib = dedup.memory_bytes as f64 / (1024.0 * 1024.0);
    rows.push(
        Row::new(
            format!(
                "In-memory deduplicator holding {} ids ({} B each)",
                webhooks::REMEMBERED_IDS,
                dedup.id_len
            ),
            format!("{mib:.1} MiB"),
        )
        .goal("≤ 16 MiB", mib <= 16.0),
    );

    eprintln!("loopback throughput …");
    for result in throughput::measure(&[1, 64], effort.throughput_rounds, effort.throughput_calls)?
    {
        rows.push(
            Row::new(
                format!("Loopback calls/s, concurrency {}", result.concurrency),
                format!("{:.0}/s", result.client),
            )
            .against(
                format!("{:.0}/s (hand-written reqwest)", result.baseline),
                result.ratio,
            )
            .goal("≥ 0.97x", result.ratio >= 0.97),
        );
    }

    eprintln!(
        "sandbox ledger ({} and {} customers) …",
        effort.sandbox_customers[0], effort.sandbox_customers[1]
    );
    rows.extend(sandbox::measure(
        effort.sandbox_customers,
        effort.sandbox_rounds,
        effort.sandbox_calls,
    )?);

    eprintln!("the sandbox's request log, state file and dashboard …");
    rows.extend(console::measure(
        &effort.console_load,
        effort.dashboard_size,
    )?);

    eprintln!("the client's mock …");
    let mock = mock::measure(effort.mock_rounds, effort.mock_calls)?;
    rows.push(
        Row::new(
            "Mock: start, stub, and the first stubbed call",
            duration(mock.first_call),
        )
        .goal(
            "≤ 10 ms",
            mock.first_call <= std::time::Duration::from_millis(10),
        ),
    );
    rows.push(
        Row::new(
            "Mock: stubbed calls/s, concurrency 1",
            format!("{:.0}/s", mock.mock_calls),
        )
        .against(
            format!("{:.0}/s (the sandbox, in-process)", mock.sandbox_calls),
            mock.ratio,
        )
        .goal("≥ 0.5x", mock.ratio >= 0.5),
    );

    eprintln!("the command-line tool, start to exit …");
    let cli = cli::measure(
        &cli_binary,
        &root.join("target/bench-cli"),
        effort.cli_rounds,
    )?;
    rows.push(
        Row::new(
            "CLI: one `get-customer` as a process, start to exit",
            duration(cli.process),
        )
        .against(
            format!(
                "{} (the call, by the client in-process)",
                duration(cli.call)
            ),
            cli.process.as_secs_f64() / cli.call.as_secs_f64(),
        ),
    );
    rows.push(
        Row::new(
            "  of which beyond the call (start, client, output, exit)",
            duration(cli.beyond_the_call()),
        )
        .goal(
            "≤ 50 ms",
            cli.beyond_the_call() <= std::time::Duration::from_millis(50),
        ),
    );

    if effort.build {
        eprintln!("build cost of the generated crates (clean builds take minutes) …");
        let cost = build_cost::measure(
            &root.join("generated-client"),
            &root.join("Cargo.lock"),
            &root.join("target/bench-build"),
        )?;
        let cli = build_cost::measure_cli(
            &root.join("calypso/cli"),
            &root.join("generated-client"),
            &root.join("Cargo.lock"),
            &root.join("target/bench-build/cli"),
        )?;
        for clean in cost.clean.iter().chain([&cli]) {
            rows.push(Row::new(
                format!(
                    "Clean debug build with dependencies, {} ({} dependencies)",
                    clean.variant, clean.dependencies
                ),
                format!("{:.1} s", clean.time.as_secs_f64()),
            ));
        }
        rows.push(Row::new(
            "Build of the generated crate alone, dependencies built",
            format!("{:.1} s", cost.rebuild.as_secs_f64()),
        ));
        rows.push(Row::new(
            "Generated crate size",
            format!("{} lines of Rust", cost.lines),
        ));
    }
    Ok(rows)
}

/// What the figures were measured on.
fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("Machine: {cpu}, {cores} cores; {rustc}; release build");
}
