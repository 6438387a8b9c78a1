//! The sendmail transport: pipes the message to `command -i -f FROM -- TO…` (the interface
//! every MTA's sendmail shim implements) and reads its exit status as sysexits(3) codes.
//!
//! Done here with `std::process` on a blocking thread rather than lettre's
//! `sendmail-transport` feature, so that the crate's lettre feature set stays the agreed one;
//! it also gives us a timeout and the program's stderr in the error.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lettre::address::Envelope;

use super::SendError;
use crate::config::SendmailConfig;

/// A sendmail that has not finished after this long is killed (a transient failure).
pub const SENDMAIL_TIMEOUT: Duration = Duration::from_secs(60);

/// sysexits(3) codes that mean "this message will never go": bad data, unknown user or host,
/// no permission. Every other failure (EX_TEMPFAIL, EX_UNAVAILABLE, EX_CONFIG, a missing
/// program, …) is transient: the digest stays queued until the operator fixes things.
const PERMANENT_EXITS: [i32; 4] = [65, 67, 68, 77];

pub(super) async fn send(
    cfg: &SendmailConfig,
    envelope: &Envelope,
    message: Vec<u8>,
) -> Result<String, SendError> {
    let mut args = vec!["-i".to_string()];
    if let Some(from) = envelope.from() {
        args.push("-f".to_string());
        args.push(from.to_string());
    }
    args.push("--".to_string());
    args.extend(envelope.to().iter().map(ToString::to_string));
    let command = cfg.command.clone();
    let outcome =
        tokio::task::spawn_blocking(move || run(&command, &args, message, SENDMAIL_TIMEOUT))
            .await
            .map_err(|e| SendError::Transient {
                reason: format!("the sendmail task failed: {e}"),
            })?;
    let program = cfg.command.display();
    match outcome {
        Err(e) => Err(SendError::Transient {
            reason: format!("cannot run {program}: {e}"),
        }),
        Ok(Outcome::TimedOut) => Err(SendError::Transient {
            reason: format!("{program} did not finish within {SENDMAIL_TIMEOUT:?}; killed"),
        }),
        Ok(Outcome::Exited { code, output }) => {
            let output = output.trim().to_string();
            match code {
                Some(0) if output.is_empty() => Ok(format!("accepted by {program} (exit 0)")),
                Some(0) => Ok(format!("accepted by {program} (exit 0): {output}")),
                Some(c) if PERMANENT_EXITS.contains(&c) => Err(SendError::Permanent {
                    reason: format!("{program} exited with {c}: {output}"),
                    code: None,
                }),
                Some(c) => Err(SendError::Transient {
                    reason: format!("{program} exited with {c}: {output}"),
                }),
                None => Err(SendError::Transient {
                    reason: format!("{program} was killed by a signal: {output}"),
                }),
            }
        }
    }
}

enum Outcome {
    Exited { code: Option<i32>, output: String },
    TimedOut,
}

/// Runs the program with `message` on stdin. Stdin, stdout and stderr each get a thread, so
/// a program that writes a lot before reading (or never reads) cannot deadlock us.
fn run(
    program: &std::path::Path,
    args: &[String],
    message: Vec<u8>,
    timeout: Duration,
) -> std::io::Result<Outcome> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            // A program that exits early closes the pipe; its exit status tells why.
            let _ = stdin.write_all(&message);
        }
    });
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|mut r| {
        std::thread::spawn(move || {
            // Read to the end (so the program never blocks on a full pipe) but keep only
            // the first 4 KiB: that is what the ledger records.
            let mut kept = Vec::new();
            let mut chunk = [0u8; 8192];
            while let Ok(n) = r.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let room = 4096usize.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    })
    .collect();
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let Some(status) = status else {
        // Not joined: a grandchild may still hold the pipes open.
        return Ok(Outcome::TimedOut);
    };
    let _ = writer.join();
    let output: Vec<String> = readers
        .into_iter()
        .filter_map(|r| r.join().ok())
        .filter(|s| !s.trim().is_empty())
        .collect();
    Ok(Outcome::Exited {
        code: status.code(),
        output: output.join(" "),
    })
}
