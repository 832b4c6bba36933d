//! File names derived from tenant ids and command list names: nothing a profile
//! says can escape `items/` (no separators, no `..`, no hidden or empty names), and
//! two different values never map to the same name.

use sha2::{Digest, Sha256};

/// A safe single path component for `value`. Values made only of `[A-Za-z0-9._@+-]`
/// that do not start with `.` are kept as they are; anything else has the offending
/// characters replaced by `_` and a short hash of the original appended.
pub fn safe_component(value: &str) -> String {
    let clean = !value.is_empty()
        && value.len() <= 120
        && !value.starts_with('.')
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'+' | b'-'));
    if clean {
        return value.to_string();
    }
    let mut out: String = value
        .chars()
        .take(80)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '+' | '-') { c } else { '_' })
        .collect();
    let digest = Sha256::digest(value.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    if out.is_empty() {
        out.push('_');
    }
    format!("{out}~{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_ids_are_kept() {
        for v in ["contoso.onmicrosoft.com", "8e3b2b9c-0000-4000-8000-00000000fab1", "labels", "Get-Label"] {
            assert_eq!(safe_component(v), v);
        }
    }

    #[test]
    fn nothing_escapes() {
        for v in ["../../etc/passwd", "..", ".", "", "a/b", "a\\b", ".hidden", "c:\\x", "a\0b", "ü"] {
            let s = safe_component(v);
            assert!(
                !s.contains('/') && !s.contains('\\') && !s.starts_with('.') && !s.is_empty(),
                "{v:?} -> {s:?}"
            );
            assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{v:?} -> {s:?}");
        }
        assert_ne!(safe_component("a/b"), safe_component("a_b"));
        assert_ne!(safe_component("a/b"), safe_component("a\\b"));
    }
}
