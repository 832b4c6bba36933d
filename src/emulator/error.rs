//! Why the emulator could not start.

/// A failure to start the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}
