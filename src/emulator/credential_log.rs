//! The credentials the emulator handed out (access, refresh and id tokens it signed) and
//! the client assertions it was handed, kept only when `EmulatorConfig::record_credentials`
//! is on, so a leak test can search a client's logs and files for every one of them.

use parking_lot::Mutex;

/// Recorded credential texts, in the order they were seen.
#[derive(Debug, Default)]
pub struct CredentialLog {
    enabled: bool,
    texts: Mutex<Vec<String>>,
}

impl CredentialLog {
    pub fn new(enabled: bool) -> Self {
        CredentialLog { enabled, texts: Mutex::new(Vec::new()) }
    }

    /// Keep `text` (a no-op unless recording is on).
    pub fn record(&self, text: &str) {
        if self.enabled {
            self.texts.lock().push(text.to_string());
        }
    }

    /// Everything recorded so far.
    pub fn snapshot(&self) -> Vec<String> {
        self.texts.lock().clone()
    }
}
