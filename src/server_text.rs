//! The one sanitizer for text a server wrote (error messages, `@adminapi.warnings`,
//! `x-ms-diagnostics`, OAuth error descriptions) before it reaches a message, the journal
//! or a terminal (SPEC §9): terminal escape sequences (CSI such as colours and screen
//! clears, OSC such as window titles and hyperlinks, DCS/SOS/PM/APC strings), every other
//! C0 and C1 control character (NUL, BEL, backspace, carriage return, DEL), and the Unicode
//! bidirectional overrides that make text read differently from what it is, are removed.
//!
//! [`clean`] keeps line feeds and tabs (multi-line text is legitimate in a message);
//! [`clean_line`] turns them into spaces for one-line contexts (progress lines, log lines).
//! Both are idempotent and never panic; text without anything to remove is returned as is.

use std::borrow::Cow;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// The 8-bit String Terminator.
const ST: char = '\u{9c}';

/// `text` without escape sequences or control characters; `\n` and `\t` are kept.
pub fn clean(text: &str) -> Cow<'_, str> {
    sanitize(text, false)
}

/// `text` as one line: escape sequences and control characters removed, `\n` and `\t`
/// replaced by a space.
pub fn clean_line(text: &str) -> Cow<'_, str> {
    sanitize(text, true)
}

/// Bytes a server sent that are meant as text (a header value, a body excerpt): decoded
/// as UTF-8 (invalid sequences become U+FFFD), then [`clean_line`].
pub fn clean_bytes(bytes: &[u8]) -> String {
    clean_line(&String::from_utf8_lossy(bytes)).into_owned()
}

fn sanitize(text: &str, one_line: bool) -> Cow<'_, str> {
    let keep = |c: char| !is_removed(c) && !(one_line && (c == '\n' || c == '\t'));
    if text.chars().all(keep) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' => skip_string(&mut chars, true),
            '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars, false),
            '\n' | '\t' if one_line => out.push(' '),
            c if is_removed(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Control characters (other than `\n`, `\t`) and bidirectional embeddings, overrides and
/// isolates.
fn is_removed(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: the rest of the sequence it introduces.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') => {
            chars.next();
            skip_string(chars, true);
        }
        Some('P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars, false);
        }
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            // nF: intermediate bytes, then one final byte.
            while chars.next_if(|c| ('\u{20}'..='\u{2f}').contains(c)).is_some() {}
            chars.next_if(|c| ('\u{30}'..='\u{7e}').contains(c));
        }
        Some(c) if ('\u{30}'..='\u{7e}').contains(&c) => {
            // Fp/Fe/Fs: one final byte (`ESC c` resets the terminal, `ESC 7` saves the cursor).
            chars.next();
        }
        _ => {}
    }
}

/// After CSI: parameter and intermediate bytes up to the final byte. A character that
/// cannot be part of a CSI sequence ends it and is kept (it is text, not a parameter).
fn skip_csi(chars: &mut Chars<'_>) {
    while chars.next_if(|c| ('\u{20}'..='\u{3f}').contains(c)).is_some() {}
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// After OSC/DCS/SOS/PM/APC: everything up to the String Terminator (`ESC \` or 0x9C),
/// or BEL for OSC (the xterm form). An unterminated string runs to the end of the text,
/// as it would on a terminal.
fn skip_string(chars: &mut Chars<'_>, bel_ends: bool) {
    while let Some(c) = chars.next() {
        match c {
            ST => return,
            BEL if bel_ends => return,
            ESC if chars.next_if_eq(&'\\').is_some() => return,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        for t in ["", "Invalid Operation", "zwei\nZeilen\tmit Tab", "日本語 ü é"] {
            assert!(matches!(clean(t), Cow::Borrowed(_)), "{t:?}");
        }
        assert!(matches!(clean_line("one line"), Cow::Borrowed(_)));
    }

    #[test]
    fn csi_sequences_are_removed() {
        assert_eq!(clean("\u{1b}[2J\u{1b}[H\u{1b}[32;1mall OK\u{1b}[0m"), "all OK");
        assert_eq!(clean("a\u{1b}[?25lb\u{1b}[38;5;196mc"), "abc");
        assert_eq!(clean("a\u{9b}31mb"), "ab");
        // A CSI cut short by a line feed keeps the line feed.
        assert_eq!(clean("x\u{1b}[12\ny"), "x\ny");
    }

    #[test]
    fn osc_and_string_sequences_are_removed() {
        assert_eq!(clean("\u{1b}]0;owned\u{07}title gone"), "title gone");
        assert_eq!(clean("\u{1b}]8;;http://evil.example\u{1b}\\link\u{1b}]8;;\u{1b}\\"), "link");
        assert_eq!(clean("a\u{1b}P1$r q\u{1b}\\b"), "ab");
        assert_eq!(clean("a\u{1b}_hidden\u{9c}b"), "ab");
        assert_eq!(clean("a\u{9d}0;t\u{07}b"), "ab");
        assert_eq!(clean("text\u{1b}]0;never ends"), "text");
    }

    #[test]
    fn short_escapes_and_controls_are_removed() {
        assert_eq!(clean("\u{1b}cReset"), "Reset");
        assert_eq!(clean("\u{1b}(0box\u{1b}(B"), "box");
        assert_eq!(clean("a\u{0}\u{0}b\u{7}c\u{8}d\r\ne\u{7f}f\u{85}g"), "abcd\nefg");
        assert_eq!(clean(&"\u{0}".repeat(300)), "");
        assert_eq!(clean("trailing\u{1b}"), "trailing");
    }

    #[test]
    fn bidi_overrides_are_removed() {
        assert_eq!(clean("ok\u{202e}KO\u{202c} \u{2067}x\u{2069}"), "okKO x");
    }

    #[test]
    fn one_line_form_replaces_line_breaks() {
        assert_eq!(clean_line("a\nb\tc\r\nd"), "a b c d");
        assert_eq!(clean_bytes(b"2000008;reason=\"x\"\0\x1b[31m"), "2000008;reason=\"x\"");
        assert_eq!(clean_bytes(b"\xff\xfeab"), "\u{fffd}\u{fffd}ab");
    }

    #[test]
    fn clean_is_idempotent_and_leaves_no_control() {
        let nasty = "\u{1b}]0;t\u{1b}\\\u{1b}[1;31mred\u{1b}[0m\u{0}\u{9b}2J\u{1b}\u{1b}[m\u{1b}]x";
        let once = clean(nasty).into_owned();
        assert_eq!(clean(&once), once);
        assert!(!once.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{once:?}");
        assert_eq!(once, "red");
    }
}
