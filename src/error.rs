//! The top-level error of a command, and the exit codes of SPEC §2.
//!
//! Library modules return their own typed errors; the CLI converts them into a
//! [`CliError`] whose variant decides the process exit code.

use std::process::ExitCode;

/// Exit codes fixed by the contract (SPEC §2).
pub mod exit {
    /// Every selected step succeeded.
    pub const OK: u8 = 0;
    /// At least one step failed.
    pub const STEP_FAILED: u8 = 1;
    /// Bad usage or invalid profile; nothing was contacted.
    pub const USAGE: u8 = 2;
    /// Every step succeeded but at least one check did not pass (SPEC §7); `diff` found differences (SPEC §8).
    pub const CHECKS_FAILED: u8 = 3;
    /// Interrupted; output is complete up to the interruption and resumable.
    pub const INTERRUPTED: u8 = 130;
}

/// What ended a command other than plain success.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The profile(s) did not load or validate; the diagnostics were already printed.
    #[error("{0}")]
    InvalidProfile(String),
    /// The command line was wrong in a way clap could not see (e.g. a bad selector).
    #[error("{0}")]
    Usage(String),
    /// The run finished but at least one step failed.
    #[error("{failed} step(s) failed")]
    StepsFailed { failed: usize },
    /// Every step succeeded but checks failed (or could not be judged); the table said which.
    #[error("{failing} check(s) did not pass")]
    ChecksFailed { failing: usize },
    /// `diff` found differences between the two runs (already printed).
    #[error("the runs differ")]
    Differences,
    /// The run was interrupted (Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// Anything else that stopped the command (I/O on the output directory, emulator bind, ...).
    #[error("{0}")]
    Fatal(String),
}

impl CliError {
    /// The process exit code for this outcome.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::InvalidProfile(_) | CliError::Usage(_) => exit::USAGE,
            CliError::StepsFailed { .. } | CliError::Fatal(_) => exit::STEP_FAILED,
            CliError::ChecksFailed { .. } | CliError::Differences => exit::CHECKS_FAILED,
            CliError::Interrupted => exit::INTERRUPTED,
        }
    }

    /// Convert to a process exit code.
    pub fn to_exit(&self) -> ExitCode {
        ExitCode::from(self.exit_code())
    }
}
