//! `--help` and `tenantrun man` through the real binary: every help ends with its
//! examples, every example is a command line the parser accepts, and `man --out`
//! writes one page per subcommand with EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES.
#![allow(clippy::unwrap_used)]

use crate::run_support;

use run_support::show;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use tenantrun::cli::help_pages::{page, PAGES};

fn tenantrun(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tenantrun"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

/// The subcommands users see (clap's own `help` left out).
fn subcommands() -> Vec<String> {
    let mut cmd = tenantrun::cli::command();
    cmd.build();
    cmd.get_subcommands().map(|s| s.get_name().to_string()).filter(|n| n != "help").collect()
}

/// Words of a documented command line as a POSIX shell splits them (single quotes,
/// no expansion), up to a pipe or a redirection.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            '|' | '>' if !quoted => break,
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

#[test]
fn every_subcommand_has_examples_exit_status_environment_and_files() {
    for name in std::iter::once(String::new()).chain(subcommands()) {
        let p = page(&name).unwrap_or_else(|| panic!("no help page for `{name}`"));
        assert!(!p.examples.is_empty() && !p.exit.is_empty() && !p.files.is_empty(), "`{name}`");
        assert!(p.exit.iter().any(|(code, _)| *code == "0"), "`{name}` documents exit 0");
    }
}

#[test]
fn every_example_is_a_command_line_the_parser_accepts() {
    let existing = subcommands();
    let mut parsed = 0;
    for p in PAGES {
        assert!(
            p.name.is_empty() || existing.iter().any(|n| n == p.name),
            "a help page for a subcommand that does not exist: {}",
            p.name
        );
        for (what, line) in p.examples {
            let argv = words(line);
            assert_eq!(argv[0], "tenantrun", "{line}");
            if !p.name.is_empty() {
                assert_eq!(argv[1], p.name, "an example of `{}` runs another subcommand: {line}", p.name);
            }
            if let Err(e) = tenantrun::cli::command().try_get_matches_from(&argv) {
                panic!("example `{what}` does not parse: {line}\n{e}");
            }
            parsed += 1;
        }
    }
    assert!(parsed >= 30, "{parsed}");
    assert_eq!(
        words("tenantrun plan p -t 'name:Con *' | jq"),
        ["tenantrun", "plan", "p", "-t", "name:Con *"]
    );
}

#[test]
fn every_help_ends_with_its_examples() {
    let dir = tempfile::tempdir().unwrap();
    for name in std::iter::once(String::new()).chain(subcommands()) {
        let p = page(&name).unwrap();
        let mut expected = String::from("Examples:");
        for (what, line) in p.examples {
            expected.push_str(&format!("\n  # {what}\n  {line}"));
        }
        for flag in ["--help", "-h"] {
            let args: Vec<&str> = [name.as_str(), flag].into_iter().filter(|a| !a.is_empty()).collect();
            let o = tenantrun(dir.path(), &args);
            assert_eq!(o.status.code(), Some(0), "{}", show(&o));
            let help = String::from_utf8(o.stdout).unwrap();
            assert!(help.trim_end().ends_with(&expected), "`tenantrun {}`:\n{help}", args.join(" "));
            assert!(!help.contains('\u{1b}'), "no colour codes in a pipe");
        }
    }
}

#[test]
fn man_out_writes_one_page_per_subcommand_with_the_added_sections() {
    let dir = tempfile::tempdir().unwrap();
    let o = tenantrun(dir.path(), &["man", "--out", "man1"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let mut expected: BTreeSet<String> = subcommands().iter().map(|n| format!("tenantrun-{n}.1")).collect();
    expected.insert("tenantrun.1".into());
    let written: BTreeSet<String> = std::fs::read_dir(dir.path().join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, expected);
    let listed: BTreeSet<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.strip_prefix("man1/").unwrap_or(l).to_string())
        .collect();
    assert_eq!(listed, expected, "stdout lists the pages written");
    for file in &written {
        let text = std::fs::read_to_string(dir.path().join("man1").join(file)).unwrap();
        let sections: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix(".SH ")).collect();
        let name = file.trim_end_matches(".1").trim_start_matches("tenantrun").trim_start_matches('-');
        // clap_mangen's, with a section per help heading after OPTIONS; then ours.
        assert_eq!(sections[..4], ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"], "{file}");
        let mut tail = vec!["EXAMPLES", "\"EXIT STATUS\"", "ENVIRONMENT", "FILES", "\"SEE ALSO\"", "VERSION"];
        if name.is_empty() {
            tail.insert(0, "SUBCOMMANDS");
        }
        assert_eq!(sections[sections.len() - tail.len()..], tail, "{file}");
        assert_eq!(sections.iter().filter(|s| **s == "EXAMPLES").count(), 1, "{file}");
        assert!(text.starts_with(&format!(".TH {} 1 ", file.trim_end_matches(".1"))), "{file}");
        for (code, _) in page(name).unwrap().exit {
            assert!(text.contains(&format!(".TP\n\\fB{code}\\fR\n")), "{file}: exit {code}");
        }
        assert!(text.contains("\\fBTENANTRUN_LOG\\fR") && text.contains("\\fBNO_COLOR\\fR"), "{file}");
        if name == "emulator" {
            assert!(
                text.contains(".SH NOTES\n.nf\nWell\\-known registrations"),
                "its after-help text is kept"
            );
        }
    }
}

#[test]
fn man_prints_one_page_and_names_the_subcommands_when_asked_for_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let o = tenantrun(dir.path(), &["man", "merge"]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let version = env!("CARGO_PKG_VERSION");
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout).replace(version, "[VERSION]"));
    let o = tenantrun(dir.path(), &["man"]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(".TH tenantrun 1 "), "{}", show(&o));
    let o = tenantrun(dir.path(), &["man", "rnu"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim_end(),
        "error: no subcommand `rnu` (hint: did you mean `run`?)"
    );
    let o = tenantrun(dir.path(), &["man", "frobnicate"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    let names = subcommands().join(", ");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim_end(),
        format!("error: no subcommand `frobnicate` (hint: one of {names})")
    );
}
