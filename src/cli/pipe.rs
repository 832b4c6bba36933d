//! Writing to stdout/stderr without panicking when the reader has gone away
//! (`tenantrun plan … | head`): a closed pipe ends the output quietly, as
//! `cat` and `grep` do, instead of the panic `print!` raises.

use std::io::{ErrorKind, Write};

/// Write `text` to stdout; a closed pipe is not an error.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    ignore_closed(stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()));
}

/// Write `text` to stderr; a closed pipe is not an error.
pub fn err(text: &str) {
    let mut stderr = std::io::stderr().lock();
    ignore_closed(stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush()));
}

/// Drop a broken-pipe error (and any other: there is nowhere left to report it).
pub fn ignore_closed(result: std::io::Result<()>) {
    if let Err(e) = result {
        if e.kind() != ErrorKind::BrokenPipe {
            tracing::debug!("cannot write output: {e}");
        }
    }
}
