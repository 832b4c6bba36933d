//! The tenantrun benchmark suite: runs the real `tenantrun` binary against the
//! in-process emulator and prints the figures the README quotes.
//!
//! ```text
//! cargo build --release --bins --examples
//! ./target/release/examples/bench            # full suite (< 10 minutes)
//! ./target/release/examples/bench --quick    # smoke run (< 1 minute; CI runs the debug build)
//! ./target/release/examples/bench --only fanout,memory
//! ./target/release/examples/bench --work /var/tmp   # outputs on disk instead of /dev/shm
//! ```
//! Points: fanout, overhead, memory, tokens, throttled, startup, sequential, checks, report.
//! The exit code says whether every job ran correctly (all steps ok, no protocol
//! violations); it never depends on timings.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod checks;
mod jobs;
mod measure;
mod report;
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').map(str::to_string).collect());
    let bin = match args.iter().position(|a| a == "--bin").and_then(|i| args.get(i + 1)) {
        Some(b) => std::path::PathBuf::from(b),
        None => match jobs::sibling_binary() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let work =
        args.iter().position(|a| a == "--work").and_then(|i| args.get(i + 1)).map(std::path::PathBuf::from);
    let mut bench = match Bench::new(bin, quick, work) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == name));
    let points: [(&str, Point); 9] = [
        ("startup", Bench::startup),
        ("overhead", Bench::overhead),
        ("fanout", Bench::fanout),
        ("memory", Bench::memory),
        ("throttled", Bench::throttled),
        ("sequential", Bench::sequential),
        ("tokens", Bench::tokens),
        ("checks", Bench::checks),
        ("report", Bench::report),
    ];
    let mut broken = Vec::new();
    for (name, point) in points {
        if !wanted(name) {
            continue;
        }
        eprintln!("bench: {name} ...");
        if let Err(e) = point(&mut bench) {
            eprintln!("bench: {name} FAILED: {e}");
            broken.push(name);
        }
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
    if broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("bench: broken points: {}", broken.join(", "));
        ExitCode::FAILURE
    }
}
