//! The standalone emulator under hostile clients (issue #9 item 8), over raw sockets to the
//! real `tenantrun emulator` process: a half-sent request head or body is closed after its
//! timeout (not held forever), a flood of idle connections under a 1,024-descriptor limit
//! is held to the connection cap (the oldest idle ones are closed) while the emulator keeps
//! answering, and binding a
//! non-loopback address warns on stderr.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

/// A `tenantrun emulator` child, killed when dropped.
struct Emulator {
    child: Child,
    addr: String,
    stderr: BufReader<ChildStderr>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `tenantrun emulator ARGS` (under `ulimit -n LIMIT` when given) and read its URL.
fn start(args: &[&str], fd_limit: Option<u32>) -> Emulator {
    let script = match fd_limit {
        Some(n) => format!("ulimit -n {n} && exec \"$0\" \"$@\""),
        None => "exec \"$0\" \"$@\"".to_string(),
    };
    let mut child = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_tenantrun"), "emulator"])
        .args(args)
        .env_remove("TENANTRUN_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let addr = url.trim().trim_start_matches("http://").trim_end_matches('/').to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{url:?}");
    let stderr = BufReader::new(child.stderr.take().unwrap());
    Emulator { child, addr, stderr }
}

/// Everything the server sends until it closes; a hang (no close within the safety bound)
/// is an error, which is what the code before the timeouts did.
fn read_until_closed(stream: &mut TcpStream) -> std::io::Result<String> {
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut got = Vec::new();
    stream.read_to_end(&mut got)?;
    Ok(String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let emulator = start(&["--addr", "127.0.0.1:0", "--header-timeout-ms", "200"], None);
    let mut half = TcpStream::connect(&emulator.addr).unwrap();
    half.write_all(b"GET /_stats HTTP/1.1\r\nhost: x\r\n").unwrap();
    let answer = read_until_closed(&mut half).expect("the emulator closes a half-sent request head");
    assert_eq!(answer, "", "closed without an answer");
    // An idle connection (nothing sent) is not held either.
    let mut idle = TcpStream::connect(&emulator.addr).unwrap();
    assert_eq!(read_until_closed(&mut idle).expect("the emulator closes an idle connection"), "");
}

#[test]
fn a_half_sent_request_body_gets_408_after_the_body_timeout() {
    let emulator = start(&["--addr", "127.0.0.1:0", "--body-timeout-ms", "200"], None);
    let mut half = TcpStream::connect(&emulator.addr).unwrap();
    half.write_all(b"POST /_admin/reset HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{").unwrap();
    let answer = read_until_closed(&mut half).expect("the emulator closes a half-sent body");
    let body = r#"{"error":{"code":"RequestTimeout","message":"The request body did not arrive in time."}}"#;
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
    assert!(answer.ends_with(&format!("\r\n\r\n{body}")), "{answer}");
}

/// `GET /_stats` on a fresh connection: the whole answer.
fn probe(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /_stats HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    read_until_closed(&mut s).expect("the emulator answers")
}

#[test]
fn eleven_hundred_idle_connections_under_1024_descriptors_leave_the_emulator_answering() {
    let emulator = start(&["--addr", "127.0.0.1:0", "--header-timeout-ms", "600000"], Some(1024));
    let mut idle: Vec<TcpStream> = (0..1100).map(|_| TcpStream::connect(&emulator.addr).unwrap()).collect();
    // The default cap (the descriptor limit less 64: 960) made room for each newer
    // connection past it by closing the oldest idle one: 1,100 - 960 = 140 of them...
    assert_eq!(read_until_closed(&mut idle[0]).unwrap(), "", "the oldest idle connection is closed");
    assert_eq!(read_until_closed(&mut idle[139]).unwrap(), "");
    // ...and no more: the 141st oldest is still open (nothing to read, no end of stream).
    idle[140].set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let kept = idle[140].read(&mut [0u8; 1]).unwrap_err().kind();
    assert!(matches!(kept, std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{kept:?}");
    // ...so a client still gets its answer, not a hang on a full descriptor table.
    let answer = probe(&emulator.addr);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let answer = probe(&emulator.addr);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
}

/// stderr lines up to and including the "listening on" one.
fn banner(emulator: &mut Emulator) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(emulator.stderr.read_line(&mut line).unwrap() > 0, "stderr closed: {lines:?}");
        let done = line.contains("listening on");
        lines.push(line.trim_end().to_string());
        if done {
            return lines;
        }
    }
}

#[test]
fn binding_every_interface_warns_and_loopback_does_not() {
    let mut open = start(&["--addr", "0.0.0.0:0"], None);
    let port = open.addr.rsplit(':').next().unwrap().to_string();
    assert_eq!(
        banner(&mut open),
        [
            format!(
                "warning: the emulator listens on 0.0.0.0:{port} (every network interface): anyone who can reach it \
                 gets tokens for its well-known public credentials; it is a development tool, bind 127.0.0.1 unless \
                 other machines must reach it"
            ),
            format!("tenantrun emulator listening on http://127.0.0.1:{port}/ — Ctrl-C to stop"),
        ]
    );
    let mut local = start(&["--addr", "127.0.0.1:0"], None);
    let port = local.addr.rsplit(':').next().unwrap().to_string();
    assert_eq!(
        banner(&mut local),
        [format!("tenantrun emulator listening on http://127.0.0.1:{port}/ — Ctrl-C to stop")]
    );
}
