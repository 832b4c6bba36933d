//! One problem found in a profile, located at `FILE:LINE:COL`, and its rendering
//! in the style of `just`/`rustc`: the message, the location, the source line
//! with a caret under the offending token, and a hint.
//!
//! ```text
//! error: unknown key `tenant` in a tenant
//!  ——▶ profiles/acme.yaml:7:5
//!   │
//! 7 │     tenant: contoso
//!   │     ^^^^^^
//!   = hint: did you mean `tenants`?
//! ```

use super::syntax::{Pos, Source};
use std::fmt;
use std::path::{Path, PathBuf};

/// Longest source excerpt shown; longer lines are cut around the caret.
const MAX_EXCERPT: usize = 100;

/// A located excerpt: file, position and the source line (already made printable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// `None` when the problem concerns the whole file (unreadable, empty, ...).
    pub pos: Option<Pos>,
    /// The source line, made printable; `None` when not available.
    pub line_text: Option<String>,
}

impl Location {
    /// A location at `pos` in `source`.
    pub fn at(source: &Source, pos: Pos) -> Self {
        let line_text = source.line(pos.line).map(str::to_string);
        Location { file: source.path.clone(), pos: Some(pos), line_text }
    }

    /// A location naming a whole file.
    pub fn file(path: &Path) -> Self {
        Location { file: path.to_path_buf(), pos: None, line_text: None }
    }

    /// Hide everything from the caret to the end of the line (an inline secret).
    fn redacted(mut self) -> Self {
        if let (Some(pos), Some(text)) = (self.pos, &self.line_text) {
            let keep: String = text.chars().take(pos.col.saturating_sub(1)).collect();
            self.line_text = Some(format!("{keep}<redacted>"));
            self.pos = Some(Pos { len: "<redacted>".len(), ..pos });
        }
        self
    }
}

/// A secondary location with its own label (e.g. "first defined here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub message: String,
    pub location: Location,
}

/// One problem in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub location: Location,
    pub notes: Vec<Note>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), location, notes: Vec::new(), hint: None }
    }

    /// A problem at `pos` in `source`.
    pub fn at(source: &Source, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic::new(Location::at(source, pos), message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Set the hint in place.
    pub fn set_hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.or(self.hint);
        self
    }

    pub fn note(mut self, message: impl Into<String>, location: Location) -> Self {
        self.notes.push(Note { message: message.into(), location });
        self
    }

    /// Do not show the value at the caret (it may be a secret written inline).
    pub fn redact_value(mut self) -> Self {
        self.location = self.location.redacted();
        self
    }

    /// `FILE:LINE:COL` (or `FILE` for whole-file problems).
    pub fn place(&self) -> String {
        place(&self.location)
    }
}

fn place(location: &Location) -> String {
    match location.pos {
        Some(p) => format!("{}:{}:{}", location.file.display(), p.line, p.col),
        None => location.file.display().to_string(),
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let width = std::iter::once(&self.location)
            .chain(self.notes.iter().map(|n| &n.location))
            .filter_map(|l| l.pos)
            .map(|p| p.line.to_string().len())
            .max()
            .unwrap_or(1);
        excerpt(f, &self.location, width)?;
        for note in &self.notes {
            writeln!(f, "note: {}", note.message)?;
            excerpt(f, &note.location, width)?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "{:width$} = hint: {hint}", "")?;
        }
        Ok(())
    }
}

fn excerpt(f: &mut fmt::Formatter<'_>, location: &Location, width: usize) -> fmt::Result {
    writeln!(f, "{:width$}——▶ {}", "", place(location))?;
    let (Some(pos), Some(text)) = (location.pos, &location.line_text) else {
        return Ok(());
    };
    let (shown, caret_col) = printable_window(text, pos.col);
    let remaining = shown.chars().count().saturating_sub(caret_col).max(1);
    let carets = pos.len.clamp(1, remaining);
    writeln!(f, "{:width$} │", "")?;
    writeln!(f, "{:>width$} │ {shown}", pos.line)?;
    writeln!(f, "{:width$} │ {:caret_col$}{}", "", "", "^".repeat(carets))
}

/// Make a line printable (tabs to one space, control characters to `�`) and cut
/// it to a window around `col`. Returns the text and the 0-based caret column in it.
fn printable_window(text: &str, col: usize) -> (String, usize) {
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect();
    let caret = col.saturating_sub(1).min(chars.len());
    if chars.len() <= MAX_EXCERPT {
        return (chars.into_iter().collect(), caret);
    }
    let start = caret.saturating_sub(MAX_EXCERPT / 2);
    let end = (start + MAX_EXCERPT).min(chars.len());
    let mut shown = String::new();
    let mut caret_col = caret - start;
    if start > 0 {
        shown.push('…');
        caret_col += 1;
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret_col)
}

/// The closest of `candidates` to `word`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_just() {
        let source = Source::new("p.yaml".into(), "version: 1\ntenant: x\n".into());
        let d = Diagnostic::at(&source, Pos { line: 2, col: 1, len: 6 }, "unknown key `tenant`")
            .hint("did you mean `tenants`?");
        assert_eq!(
            d.to_string(),
            "error: unknown key `tenant`\n ——▶ p.yaml:2:1\n  │\n2 │ tenant: x\n  │ ^^^^^^\n  = hint: did you mean `tenants`?\n"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("tenant", ["tenants", "version"]), Some("tenants"));
        assert_eq!(did_you_mean("identites", ["identities", "defaults"]), Some("identities"));
        assert_eq!(did_you_mean("zzz", ["tenants", "version"]), None);
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let (shown, caret) = printable_window(&"x".repeat(1000), 500);
        assert!(shown.chars().count() <= MAX_EXCERPT + 2);
        assert_eq!(shown.chars().nth(caret), Some('x'));
    }
}
