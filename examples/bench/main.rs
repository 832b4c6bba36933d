//! The tenantrun benchmark suite: runs the real `tenantrun` binary against the
//! in-process emulator and prints the figures the README quotes.
//!
//! ```text
//! cargo build --release --bins --examples
//! ./target/release/examples/bench            # full suite (< 10 minutes)
//! ./target/release/examples/bench --quick    # smoke run (< 1 minute; CI runs the debug build)
//! ./target/release/examples/bench --only fanout,memory
//! ./target/release/examples/bench --only scale   # 100,000 tenants (a few minutes)
//! ./target/release/examples/bench --work /var/tmp   # outputs on disk instead of /dev/shm
//! ./target/release/examples/bench --help
//! ```
//! Points: see [`POINTS`]; each prints the command that reproduces it alone.
//! The exit code says whether every job ran correctly (all steps ok, no protocol
//! violations, refusals refused); it never depends on timings.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod adaptive;
mod alias_bomb;
mod checks;
mod jobs;
mod measure;
mod report;
mod scale;
mod scenario;
mod sequential;

use jobs::Bench;
use std::process::ExitCode;

/// One benchmark point: runs its jobs and adds rows.
type Point = fn(&mut Bench) -> Result<(), String>;

/// A line of the final table.
pub struct Row {
    pub point: String,
    pub figure: String,
    pub target: String,
    pub met: Option<bool>,
}

/// The points in the order they run, with what each measures (for `--help`).
const POINTS: [(&str, Point, &str); 12] = [
    ("startup", Bench::startup, "validate and plan of a 10,000-tenant folder and of one file"),
    ("alias-bomb", Bench::alias_bomb, "CPU and peak RSS of refusing the billion-laughs profile"),
    ("overhead", Bench::overhead, "steps/s, CPU per step and peak RSS at L=0, C=256"),
    ("fanout", Bench::fanout, "wall time against the ideal N*M*L/C at L=50 ms"),
    ("memory", Bench::memory, "peak RSS at 10,000 tenants (C=64) and for a 100,000-object result"),
    (
        "scale",
        Bench::scale,
        "100,000 tenants: validate and plan (wall, CPU, RSS), and peak RSS of a run at C=64",
    ),
    ("throttled", Bench::throttled, "429 with Retry-After on every 3rd call: waited out, not more"),
    (
        "adaptive",
        Bench::adaptive,
        "-j auto vs -j 256 vs -j 8 under a token bucket and a per-tenant limit of 3",
    ),
    ("sequential", Bench::sequential, "the one-tenant-at-a-time loop against tenantrun -j 64"),
    ("tokens", Bench::tokens, "token requests per (tenant, resource)"),
    ("checks", Bench::checks, "objects judged per second; a run with 10 checks per step"),
    ("report", Bench::report, "HTML report of 10,000 tenants: build time, size, load in Chromium"),
];

fn usage() -> String {
    let mut text = [
        "usage: bench [--quick] [--only POINT[,POINT...]] [--bin PATH] [--work DIR]",
        "",
        "Runs the real tenantrun binary against the in-process emulator and prints the",
        "figures the README quotes. Exit 0 when every job ran correctly (timings never",
        "change the exit code), 1 when a point broke, 2 on bad usage.",
        "",
        "  --quick       small sizes (seconds; CI runs it on the debug build)",
        "  --only LIST   run only these points (comma-separated)",
        "  --bin PATH    the tenantrun binary (default: target/<profile>/tenantrun)",
        "  --work DIR    where profiles and runs go (default: /dev/shm)",
        "",
        "points:",
    ]
    .join("\n");
    text.push('\n');
    for (name, _, what) in POINTS {
        text.push_str(&format!("  {name:<11} {what}\n"));
    }
    text
}

/// The command line that runs `point` alone, with this run's mode and paths.
fn reproduce(point: &str, quick: bool, bin: Option<&String>, work: Option<&String>) -> String {
    let me = std::env::args().next().unwrap_or_else(|| "bench".into());
    let mut cmd = format!("{me} --only {point}");
    if quick {
        cmd.push_str(" --quick");
    }
    for (flag, value) in [("--bin", bin), ("--work", work)] {
        if let Some(v) = value {
            cmd.push_str(&format!(" {flag} {v}"));
        }
    }
    cmd
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(measure::MEASURE_FLAG) {
        return measure::measurer(&args[1..]);
    }
    let mut quick = false;
    let (mut only, mut bin, mut work): (Option<String>, Option<String>, Option<String>) = (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let slot = match arg.as_str() {
            "-h" | "--help" => {
                print!("{}", usage());
                return ExitCode::SUCCESS;
            }
            "--quick" => {
                quick = true;
                continue;
            }
            "--only" => &mut only,
            "--bin" => &mut bin,
            "--work" => &mut work,
            other => {
                eprintln!("bench: unknown argument `{other}`\n\n{}", usage());
                return ExitCode::from(2);
            }
        };
        match it.next() {
            Some(v) => *slot = Some(v.clone()),
            None => {
                eprintln!("bench: {arg} needs a value\n\n{}", usage());
                return ExitCode::from(2);
            }
        }
    }
    let only: Option<Vec<String>> = only.map(|v| v.split(',').map(str::to_string).collect());
    if let Some(unknown) = only.iter().flatten().find(|o| POINTS.iter().all(|(name, _, _)| name != o)) {
        eprintln!("bench: unknown point `{unknown}`\n\n{}", usage());
        return ExitCode::from(2);
    }
    let binary = match &bin {
        Some(b) => std::path::PathBuf::from(b),
        None => match jobs::sibling_binary() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let mut bench = match Bench::new(binary, quick, work.as_ref().map(std::path::PathBuf::from)) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == name));
    let mut broken = Vec::new();
    let mut ran = Vec::new();
    for (name, point, _) in POINTS {
        if !wanted(name) {
            continue;
        }
        let alone = reproduce(name, quick, bin.as_ref(), work.as_ref());
        eprintln!("bench: {name} ... (alone: {alone})");
        if let Err(e) = point(&mut bench) {
            eprintln!("bench: {name} FAILED: {e}");
            broken.push(name);
        }
        ran.push((name, alone));
    }
    println!("\n| point | measured | target | met |\n|---|---|---|---|");
    for row in &bench.rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "—",
        };
        println!("| {} | {} | {} | {met} |", row.point, row.figure, row.target);
    }
    println!("\nmode: {}; machine: {} cores", if quick { "quick" } else { "full" }, jobs::cores());
    println!("each point alone:");
    for (name, alone) in &ran {
        println!("  {name:<11} {alone}");
    }
    if broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("bench: broken points: {}", broken.join(", "));
        ExitCode::FAILURE
    }
}
