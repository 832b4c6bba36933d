//! The `@adminapi.warnings` kept for one step (SPEC §9): cleaned of terminal control
//! sequences, scrubbed of secrets, each cut at 8 KiB, and at most [`MAX_WARNINGS`] of
//! them; the rest are counted, not kept, so a server that sends a warning per page
//! forever (or a million per page) cannot grow memory.

use super::error::cap;
use crate::server_text;

/// Warnings kept per step; one more line says how many were left out.
pub const MAX_WARNINGS: usize = 100;

/// A step's warnings, bounded.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WarningLog {
    kept: Vec<String>,
    skipped: u64,
}

impl WarningLog {
    /// No more warnings are kept (they are only counted).
    pub fn is_full(&self) -> bool {
        self.kept.len() >= MAX_WARNINGS
    }

    /// A warning as the server wrote it.
    pub fn push(&mut self, text: &str) {
        if self.is_full() {
            self.skip();
            return;
        }
        let clean = server_text::clean(text);
        let scrubbed = crate::redact::scrub(&clean, &[]).into_owned();
        self.kept.push(cap(scrubbed));
    }

    /// A warning left out unread.
    pub fn skip(&mut self) {
        self.skipped += 1;
    }

    /// The warnings kept, and a last line counting those left out.
    pub fn into_vec(self) -> Vec<String> {
        let mut all = self.kept;
        if self.skipped > 0 {
            all.push(format!(
                "… {} more warnings not kept (at most {MAX_WARNINGS} are kept per step)",
                self.skipped
            ));
        }
        all
    }

    /// A copy of [`WarningLog::into_vec`].
    pub fn to_vec(&self) -> Vec<String> {
        self.clone().into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adminapi::error::MAX_MESSAGE_BYTES;

    #[test]
    fn warnings_are_cleaned_cut_and_counted() {
        let mut log = WarningLog::default();
        log.push("\u{1b}]0;title\u{7}careful");
        log.push(&"x".repeat(100_000));
        for _ in 0..MAX_WARNINGS + 10 {
            log.push("again");
        }
        let all = log.into_vec();
        assert_eq!(all.len(), MAX_WARNINGS + 1);
        assert_eq!(all[0], "careful");
        assert!(all[1].len() <= MAX_MESSAGE_BYTES && all[1].ends_with('…'));
        assert_eq!(all[MAX_WARNINGS], "… 12 more warnings not kept (at most 100 are kept per step)");
    }
}
