//! Progress reporters (bars, plain lines, none) that consume runner events.
