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
        let line_text = source.line(pos.line()).map(str::to_string);
        let pos = line_text.as_deref().map_or(pos, |line| cover_quotes(line, pos));
        Location { file: source.path.clone(), pos: Some(pos), line_text }
    }

    /// A location naming a whole file.
    pub fn file(path: &Path) -> Self {
        Location { file: path.to_path_buf(), pos: None, line_text: None }
    }

    /// Hide everything from the caret to the end of the line (an inline secret).
    fn redacted(mut self) -> Self {
        if let (Some(pos), Some(text)) = (self.pos, &self.line_text) {
            let keep: String = text.chars().take(pos.col().saturating_sub(1)).collect();
            self.line_text = Some(format!("{keep}<redacted>"));
            self.pos = Some(Pos::new(pos.line(), pos.col(), "<redacted>".len()));
        }
        self
    }
}

/// A quoted scalar's position names its opening quote and its length is the
/// content's: underline the quotes too.
fn cover_quotes(line: &str, pos: Pos) -> Pos {
    let mut chars = line.chars().skip(pos.col().saturating_sub(1));
    match chars.next() {
        Some(q @ ('"' | '\'')) if chars.nth(pos.length()) == Some(q) => {
            Pos { len: pos.len.saturating_add(2), ..pos }
        }
        _ => pos,
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

    /// A hint whose snippet is written in the file's format: `yaml` for a YAML file,
    /// `toml` for a TOML one (`version: 1` against `version = 1`).
    pub fn hint_in(mut self, yaml: impl Into<String>, toml: impl Into<String>) -> Self {
        self.set_hint_in(yaml, toml);
        self
    }

    /// [`Diagnostic::hint_in`] in place.
    pub fn set_hint_in(&mut self, yaml: impl Into<String>, toml: impl Into<String>) -> &mut Self {
        let toml_file = self.location.file.extension().and_then(|e| e.to_str()) == Some("toml");
        self.set_hint(if toml_file { toml.into() } else { yaml.into() })
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
    let (shown, caret_col) = printable_window(text, pos.col());
    let remaining = shown.chars().count().saturating_sub(caret_col).max(1);
    let carets = pos.length().clamp(1, remaining);
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
    closest(word, candidates, 1).into_iter().next()
}

/// The `candidates` closest to `word`, if close enough to be a typo of it: all those at
/// the least distance (several when tied), up to `max`, in the candidates' order.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, max: usize) -> Vec<&'a str> {
    let lower = word.to_ascii_lowercase();
    let near: Vec<(usize, &'a str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(word.chars().count()) / 3).max(1))
        .collect();
    let Some(best) = near.iter().map(|(d, _)| *d).min() else { return Vec::new() };
    near.into_iter().filter(|(d, _)| *d == best).take(max).map(|(_, c)| c).collect()
}

/// Edit distance over characters, counting a swap of neighbours as one edit
/// (optimal string alignment), so `emae` is one edit from `emea`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(did_you_mean("emae", ["emea", "us", "apac"]), Some("emea"));
    }

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let (shown, caret) = printable_window(&"x".repeat(1000), 500);
        assert!(shown.chars().count() <= MAX_EXCERPT + 2);
        assert_eq!(shown.chars().nth(caret), Some('x'));
    }
}
