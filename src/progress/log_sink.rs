//! Where log lines (`tracing`) go: straight to stderr, or — while progress bars are
//! drawn — through indicatif's [`MultiProgress::suspend`], which clears the bars, writes
//! the line and redraws them, so a warning never lands inside a frame and no stale
//! frame is left on screen. Colour only when stderr is a terminal and `NO_COLOR` is unset.

use indicatif::MultiProgress;
use std::io::Write;
use std::sync::Mutex;

/// The bars currently on screen, if any.
static BARS: Mutex<Option<MultiProgress>> = Mutex::new(None);

fn bars() -> std::sync::MutexGuard<'static, Option<MultiProgress>> {
    BARS.lock().unwrap_or_else(|p| p.into_inner())
}

/// From now on, log lines are written above `multi`'s bars.
pub fn attach(multi: &MultiProgress) {
    *bars() = Some(multi.clone());
}

/// Log lines go straight to stderr again (the bars are finished).
pub fn detach() {
    *bars() = None;
}

/// Whether log lines and bars may carry ANSI colour: stderr is a terminal and
/// `NO_COLOR` (<https://no-color.org>) is unset or empty.
pub fn colour_allowed() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && console::Term::stderr().features().is_attended()
}

/// Print one line on stderr without tearing the bars (for notices outside `tracing`).
pub fn eprint_line(text: &str) {
    let mut line = LogLine { buf: text.as_bytes().to_vec() };
    if !text.ends_with('\n') {
        line.buf.push(b'\n');
    }
    drop(line);
}

/// The `tracing_subscriber` writer: one [`LogLine`] per event.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> Self::Writer {
        LogLine { buf: Vec::new() }
    }
}

/// One formatted event, buffered and written whole when dropped.
pub struct LogLine {
    buf: Vec<u8>,
}

impl Write for LogLine {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let write = |buf: &[u8]| {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(buf);
            let _ = err.flush();
        };
        let guard = bars();
        match guard.as_ref() {
            Some(multi) if !multi.is_hidden() => multi.suspend(|| write(&self.buf)),
            _ => write(&self.buf),
        }
    }
}
