//! Consumers of run events that report to the terminal: indicatif bars when stderr
//! is a terminal, one plain line per finished tenant otherwise, or nothing; and the
//! final summary table printed on stdout.

mod bar;
pub mod checks_table;
pub mod failure_groups;
pub mod log_sink;
mod plain;
pub mod table;

pub use checks_table::render_checks;
pub use table::render_summary;

use crate::runner::RunEvent;

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bar,
    Plain,
    None,
}

impl Mode {
    /// `auto`: bars when stderr is a terminal, plain lines otherwise.
    pub fn auto() -> Mode {
        if console::Term::stderr().features().is_attended() {
            Mode::Bar
        } else {
            Mode::Plain
        }
    }
}

/// The terminal reporter.
pub enum Progress {
    Bar(bar::BarView),
    Plain(plain::PlainView),
    None,
}

impl Progress {
    pub fn new(mode: Mode) -> Progress {
        match mode {
            Mode::Bar => Progress::Bar(bar::BarView::new()),
            Mode::Plain => Progress::Plain(plain::PlainView::default()),
            Mode::None => Progress::None,
        }
    }

    pub fn on_event(&mut self, event: &RunEvent) {
        match self {
            Progress::Bar(b) => b.on_event(event),
            Progress::Plain(p) => p.on_event(event),
            Progress::None => {}
        }
    }

    /// A one-off message (run directory, interruption notice) that does not tear the bars.
    pub fn note(&self, text: &str) {
        match self {
            Progress::Bar(b) => b.note(text),
            Progress::Plain(_) => plain::note(text),
            Progress::None => {}
        }
    }

    pub fn finish(&mut self) {
        if let Progress::Bar(b) = self {
            b.finish();
        }
    }
}
