//! The headless-browser peer in tests/browser (puppeteer-core driving Debian's chromium),
//! shared by the report's browser test and the benchmark's report point (included by path).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Debian's headless Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The peer's folder (its package.json and lockfile).
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Chromium present, and `npm ci` in tests/browser unless a complete install is there
/// (npm writes `node_modules/.package-lock.json` last).
pub fn ready() -> Result<(), String> {
    if !Path::new(CHROMIUM).is_file() {
        return Err(format!("no headless Chromium at {CHROMIUM} (Debian: apt-get install chromium)"));
    }
    let root = dir();
    if root.join("node_modules/.package-lock.json").is_file()
        && root.join("node_modules/puppeteer-core/package.json").is_file()
    {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&root)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("the browser peer needs Node.js 20+ and npm to install tests/browser: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm ci in tests/browser failed: {status}"))
    }
}
