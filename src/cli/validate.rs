//! `tenantrun validate PROFILE...`: load and check profiles, print every problem
//! as `FILE:LINE:COL` with the source line, a caret and a hint (exit 2).
//!
//! Each argument is checked on its own, as `plan`/`run` would load it: a file is a
//! profile, a folder with profile files is one profile (its files merged). A folder
//! *without* profile files is a collection: every subfolder holding profile files is
//! checked as its own profile, so `tenantrun validate profiles/` checks a whole
//! repository of profiles. `--merge` checks all arguments as one merged profile.
//! `--format json|github` print the same problems for tools and for GitHub pull
//! request annotations.

use super::pipe;
use crate::error::CliError;
use crate::profile::{self, diagnostic::Diagnostic, LoadError};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Profile files (.yaml, .yml, .toml), profile folders, or folders of profile folders.
    #[arg(required = true, value_name = "PROFILE")]
    pub profiles: Vec<PathBuf>,
    /// Check all arguments as ONE merged profile (as `plan`/`run` load them).
    #[arg(long)]
    pub merge: bool,
    /// How problems are printed: `human` (source excerpts), `json` (one document on
    /// stdout), or `github` (workflow commands that annotate the pull request).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    Github,
}

/// What one checked unit was.
struct Unit {
    label: String,
    files: Vec<PathBuf>,
    early: Vec<Diagnostic>,
}

pub fn execute(args: ValidateArgs) -> Result<(), CliError> {
    let units = if args.merge {
        let mut early = Vec::new();
        let files = profile::profile_files(&args.profiles, &mut early);
        let label = args.profiles.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" + ");
        vec![Unit { label, files, early }]
    } else {
        args.profiles.iter().flat_map(units_of).collect()
    };
    let mut problems = 0usize;
    let mut out = String::new();
    let mut err = String::new();
    let mut all: Vec<Diagnostic> = Vec::new();
    let mut checked: Vec<serde_json::Value> = Vec::new();
    let mut warnings: Vec<Diagnostic> = Vec::new();
    for unit in units {
        match profile::load_files(&unit.files, unit.early) {
            Ok(p) => {
                warnings.extend(p.warnings.iter().cloned());
                let checks: usize = p.commands.iter().flat_map(|c| &c.steps).map(|s| s.expect.len()).sum();
                checked.push(serde_json::json!({
                    "profile": unit.label, "ok": true, "files": p.sources.len(), "tenants": p.tenants.len(),
                    "identities": p.identities.len(), "command_lists": p.commands.len(), "checks": checks,
                }));
                out.push_str(&format!(
                    "ok: {} ({} file{}, {} tenant{}, {} identit{}, {} command list{}{})\n",
                    unit.label,
                    p.sources.len(),
                    plural(p.sources.len()),
                    p.tenants.len(),
                    plural(p.tenants.len()),
                    p.identities.len(),
                    if p.identities.len() == 1 { "y" } else { "ies" },
                    p.commands.len(),
                    plural(p.commands.len()),
                    match checks {
                        0 => String::new(),
                        n => format!(", {n} check{}", plural(n)),
                    },
                ));
            }
            Err(LoadError { problems: rendered, diagnostics, .. }) => {
                checked.push(
                    serde_json::json!({ "profile": unit.label, "ok": false, "problems": rendered.len() }),
                );
                all.extend(diagnostics);
                problems += rendered.len();
                for r in rendered {
                    err.push_str(&r);
                    err.push('\n');
                }
            }
        }
    }
    match args.format {
        ReportFormat::Human => {
            for w in &warnings {
                pipe::err(&format!("{}\n", warning_text(w)));
            }
            pipe::out(&out);
            if problems > 0 {
                pipe::err(&format!("{err}{problems} problem{} found\n", plural(problems)));
            }
        }
        ReportFormat::Json => {
            let doc = serde_json::json!({
                "ok": problems == 0,
                "profiles": checked,
                "problems": all.iter().map(diagnostic_json).collect::<Vec<_>>(),
                "warnings": warnings.iter().map(diagnostic_json).collect::<Vec<_>>(),
            });
            pipe::out(&format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
        }
        ReportFormat::Github => {
            let annotations: String = all
                .iter()
                .map(|d| github_annotation(d) + "\n")
                .chain(
                    warnings
                        .iter()
                        .map(|w| github_annotation(w).replacen("::error ", "::warning ", 1) + "\n"),
                )
                .collect();
            pipe::out(&format!("{out}{annotations}"));
            if problems > 0 {
                pipe::err(&format!("{problems} problem{} found\n", plural(problems)));
            }
        }
    }
    if problems > 0 {
        return Err(CliError::InvalidProfile(format!("{problems} problems")));
    }
    Ok(())
}

/// A diagnostic rendered as a warning (same excerpt, `warning:` instead of `error:`).
/// A diagnostic rendered as a warning (`warning: …`).
pub(crate) fn warning_text(d: &Diagnostic) -> String {
    let text = d.to_string();
    match text.strip_prefix("error:") {
        Some(rest) => format!("warning:{rest}"),
        None => text,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The profiles one argument stands for.
fn units_of(path: &PathBuf) -> Vec<Unit> {
    let unit = |path: &PathBuf| {
        let mut early = Vec::new();
        let files = profile::profile_files(std::slice::from_ref(path), &mut early);
        Unit { label: path.display().to_string(), files, early }
    };
    if path.is_dir() {
        let has_files = crate::profile::load_files_in(path).is_ok_and(|f| !f.is_empty());
        if !has_files {
            let folders = profile::profile_folders(path);
            if !folders.is_empty() {
                return folders.iter().map(unit).collect();
            }
        }
    }
    vec![unit(path)]
}

fn location_json(l: &crate::profile::diagnostic::Location) -> serde_json::Value {
    serde_json::json!({
        "file": l.file.display().to_string(),
        "line": l.pos.map(|p| p.line),
        "column": l.pos.map(|p| p.col),
    })
}

/// A problem as JSON: message, location, hint and notes (never the source text,
/// which may hold a secret written inline).
fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    let mut v = location_json(&d.location);
    v["message"] = d.message.clone().into();
    v["hint"] = d.hint.clone().into();
    v["notes"] = d
        .notes
        .iter()
        .map(|n| {
            let mut note = location_json(&n.location);
            note["message"] = n.message.clone().into();
            note
        })
        .collect::<Vec<_>>()
        .into();
    v
}

/// A GitHub Actions workflow command: `::error file=F,line=L,col=C::MESSAGE`.
fn github_annotation(d: &Diagnostic) -> String {
    // Workflow-command escaping: `%`, CR and LF in the message; also `:` and `,` in properties.
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut message = d.message.clone();
    for n in &d.notes {
        message.push_str(&format!("\n{}: {}", n.message, place(&n.location)));
    }
    if let Some(h) = &d.hint {
        message.push_str(&format!("\nhint: {h}"));
    }
    let mut props = format!("file={}", prop(&d.location.file.display().to_string()));
    if let Some(p) = d.location.pos {
        props.push_str(&format!(",line={},col={}", p.line, p.col));
    }
    format!("::error {props}::{}", data(&message))
}

fn place(l: &crate::profile::diagnostic::Location) -> String {
    match l.pos {
        Some(p) => format!("{}:{}:{}", l.file.display(), p.line, p.col),
        None => l.file.display().to_string(),
    }
}
