//! The signals that stop a run: Ctrl-C (SIGINT), SIGTERM (Kubernetes, systemd) and
//! SIGHUP (a closed terminal). Registered once, up front, so a second signal that
//! arrives quickly is counted rather than lost between two listeners.

/// A stream of "stop" signals.
pub struct Interrupts {
    #[cfg(unix)]
    streams: [tokio::signal::unix::Signal; 3],
}

impl Interrupts {
    /// Start listening now (inside a Tokio runtime).
    #[cfg(unix)]
    pub fn listen() -> std::io::Result<Interrupts> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Interrupts {
            streams: [
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
                signal(SignalKind::hangup())?,
            ],
        })
    }

    #[cfg(not(unix))]
    pub fn listen() -> std::io::Result<Interrupts> {
        Ok(Interrupts {})
    }

    /// The next signal.
    #[cfg(unix)]
    pub async fn next(&mut self) {
        let [int, term, hup] = &mut self.streams;
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }

    #[cfg(not(unix))]
    pub async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
