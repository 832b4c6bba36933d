//! `tenantrun man [SUBCOMMAND] [--out DIR]`: man pages (roff) from the command-line
//! definition. clap_mangen renders NAME, SYNOPSIS, DESCRIPTION, OPTIONS and
//! SUBCOMMANDS; this adds EXAMPLES, EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO from
//! [`super::help_pages`]. One page prints to stdout; `--out` writes `tenantrun.1` and
//! `tenantrun-SUBCOMMAND.1` for every subcommand.

use super::help_pages::{self, Page, COMMON_ENV};
use super::pipe;
use crate::error::CliError;
use clap::Args;
use clap_mangen::roff::{bold, roman, Inline, Roff};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (default: the top-level page, tenantrun.1).
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
    /// Write every page (tenantrun.1, tenantrun-run.1, ...) into DIR instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "subcommand")]
    pub out: Option<PathBuf>,
}

pub fn execute(args: ManArgs) -> Result<(), CliError> {
    let mut root = super::args::command();
    root.build();
    let subcommands: Vec<&clap::Command> =
        root.get_subcommands().filter(|s| s.get_name() != "help").collect();
    let Some(dir) = args.out else {
        let text = match args.subcommand.as_deref() {
            None => render(&root, &subcommands),
            Some(name) => {
                let Some(sub) = subcommands.iter().find(|s| s.get_name() == name) else {
                    let names: Vec<&str> = subcommands.iter().map(|s| s.get_name()).collect();
                    let hint = match crate::profile::diagnostic::did_you_mean(name, names.iter().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("one of {}", names.join(", ")),
                    };
                    return Err(CliError::Usage(format!("no subcommand `{name}` (hint: {hint})")));
                };
                render(sub, &[])
            }
        };
        pipe::out(&String::from_utf8_lossy(&text?));
        return Ok(());
    };
    let failed =
        |path: &std::path::Path, e: std::io::Error| CliError::Fatal(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(&dir).map_err(|e| failed(&dir, e))?;
    let pages =
        std::iter::once((&root, subcommands.clone())).chain(subcommands.iter().map(|s| (*s, Vec::new())));
    for (cmd, subs) in pages {
        let path = dir.join(format!("{}.1", display_name(cmd)));
        std::fs::write(&path, render(cmd, &subs)?).map_err(|e| failed(&path, e))?;
        pipe::out(&format!("{}\n", path.display()));
    }
    Ok(())
}

/// `tenantrun` or `tenantrun-run` (clap sets it when the root is built).
fn display_name(cmd: &clap::Command) -> &str {
    cmd.get_display_name().unwrap_or(cmd.get_name())
}

/// One page: clap_mangen's sections, then ours; `subs` are the top page's subcommands.
fn render(cmd: &clap::Command, subs: &[&clap::Command]) -> Result<Vec<u8>, CliError> {
    let version = env!("CARGO_PKG_VERSION");
    let man = clap_mangen::Man::new(cmd.clone());
    // The title by hand: roff drops an empty argument, which would shift the source into
    // the date's place (pages carry no date, so the same version renders the same bytes).
    let mut out = format!(".TH {} 1 \"\" \"tenantrun {version}\" \"tenantrun manual\"\n", display_name(cmd))
        .into_bytes();
    let failed = |e: std::io::Error| CliError::Fatal(format!("cannot render the man page: {e}"));
    man.render_name_section(&mut out).map_err(failed)?;
    man.render_synopsis_section(&mut out).map_err(failed)?;
    man.render_description_section(&mut out).map_err(failed)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out).map_err(failed)?;
    }
    if !subs.is_empty() {
        man.render_subcommands_section(&mut out).map_err(failed)?;
    }
    let name = if subs.is_empty() { cmd.get_name() } else { "" };
    let fallback = help_pages::page("");
    let Some(page) = help_pages::page(name).or(fallback) else {
        return Err(CliError::Fatal("no documentation for the top level".into()));
    };
    let mut roff = Roff::new();
    if let Some(notes) = notes(cmd) {
        roff.control("SH", ["NOTES"]).control("nf", []).text([roman(notes)]).control("fi", []);
    }
    examples(&mut roff, page);
    definitions(&mut roff, "EXIT STATUS", page.exit.iter());
    definitions(&mut roff, "ENVIRONMENT", page.env.iter().chain(COMMON_ENV));
    definitions(&mut roff, "FILES", page.files.iter());
    see_also(&mut roff, subs);
    roff.control("SH", ["VERSION"]).text([roman(version)]);
    roff.to_writer(&mut out).map_err(failed)?;
    Ok(once_preamble(&out))
}

/// Each section rendered on its own repeats roff's apostrophe preamble; keep the first.
fn once_preamble(page: &[u8]) -> Vec<u8> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8_lossy(page);
    let mut parts = text.split(PREAMBLE);
    let mut out = parts.next().unwrap_or_default().to_string();
    let rest: String = parts.collect();
    if text.contains(PREAMBLE) {
        out.push_str(PREAMBLE);
    }
    out.push_str(&rest);
    out.into_bytes()
}

/// The text a subcommand shows after its options, examples aside (the emulator's
/// well-known registrations and endpoints), taken from the definition without them.
fn notes(cmd: &clap::Command) -> Option<String> {
    use clap::CommandFactory;
    let plain = super::Cli::command();
    let plain = plain.find_subcommand(cmd.get_name())?;
    plain.get_after_long_help().or(plain.get_after_help()).map(|text| text.to_string())
}

fn examples(roff: &mut Roff, page: &Page) {
    roff.control("SH", ["EXAMPLES"]);
    for (what, line) in page.examples {
        roff.control("PP", []).text(code_spans(&format!("{what}:")));
        roff.control("RS", ["4"]).control("nf", []).text([roman(*line)]).control("fi", []).control("RE", []);
    }
}

/// A section of `.TP` entries: the term in bold, then its description.
fn definitions<'a>(roff: &mut Roff, title: &str, items: impl Iterator<Item = &'a (&'a str, &'a str)>) {
    roff.control("SH", [title]);
    for (term, text) in items {
        roff.control("TP", []).text([bold(*term)]).text(code_spans(text));
    }
}

fn see_also(roff: &mut Roff, subs: &[&clap::Command]) {
    let pages: Vec<String> = if subs.is_empty() {
        vec!["tenantrun".into()]
    } else {
        subs.iter().map(|s| display_name(s).to_string()).collect()
    };
    roff.control("SH", ["SEE ALSO"]);
    let mut inlines = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            inlines.push(roman(", "));
        }
        inlines.push(bold(page.as_str()));
        inlines.push(roman("(1)"));
    }
    roff.text(inlines);
}

/// Text with `code` spans set in bold (the backticks dropped).
fn code_spans(text: &str) -> Vec<Inline> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| if i % 2 == 1 { bold(part) } else { roman(part) })
        .collect()
}
