//! `govwatch run` as a real subprocess: started with a systemd notify socket of the test's
//! own, its stderr kept in a file, signalled with `kill`, and its health and metrics read over
//! HTTP on 127.0.0.1.

use std::io::{Read, Write};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::Home;

pub struct Daemon {
    child: Child,
    log: PathBuf,
    notify: UnixDatagram,
    /// Notify messages received so far.
    pub notes: Vec<String>,
    pub port: u16,
}

impl Daemon {
    /// Starts `govwatch run` in `home` (whose config must set `[server] listen` to
    /// 127.0.0.1:`port`), with `env` added.
    pub fn start(home: &Home, port: u16, env: &[(&str, &str)]) -> Daemon {
        Daemon::start_with(home, port, env, &[])
    }

    /// [`Daemon::start`] with extra arguments after `run`.
    pub fn start_with(home: &Home, port: u16, env: &[(&str, &str)], args: &[&str]) -> Daemon {
        let n = std::fs::read_dir(home.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("daemon-"))
            })
            .count();
        let log = home.path().join(format!("daemon-{n}.log"));
        let socket = home.path().join(format!("notify-{n}.sock"));
        let notify = UnixDatagram::bind(&socket).unwrap();
        notify
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_govwatch"));
        cmd.arg("run")
            .args(args)
            .env("GOVWATCH_CONFIG", home.path().join("govwatch.toml"))
            .env("NOTIFY_SOCKET", &socket)
            .env("GOVWATCH_LOG", "info")
            .env_remove("GOVWATCH_FAILPOINT")
            .env_remove("JOURNAL_STREAM")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Daemon {
            child: cmd.spawn().unwrap(),
            log,
            notify,
            notes: Vec::new(),
            port,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends a signal by name (`TERM`, `HUP`, `KILL`).
    pub fn signal(&self, name: &str) {
        let status = Command::new("sh")
            .args(["-c", &format!("kill -{name} {}", self.pid())])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits until the notify socket received a message containing `text`.
    pub fn wait_for_note(&mut self, text: &str, within: Duration) {
        let until = Instant::now() + within;
        let mut buf = [0u8; 4096];
        while !self.notes.iter().any(|n| n.contains(text)) {
            assert!(
                Instant::now() < until,
                "no {text:?} from the daemon; got {:?}; log:\n{}",
                self.notes,
                self.log()
            );
            if let Ok(n) = self.notify.recv(&mut buf) {
                self.notes
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    }

    /// Waits for the process to end.
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        let until = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < until,
                "the daemon did not exit; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, then the exit status.
    pub fn stop(&mut self) -> ExitStatus {
        self.signal("TERM");
        self.wait(Duration::from_secs(60))
    }

    /// GET `path` on the daemon's listener: (status code, body).
    pub fn get(&self, path: &str) -> Option<(u16, String)> {
        http_get(self.port, path)
    }

    /// Polls `check` until it holds.
    pub fn wait_until(&self, what: &str, within: Duration, mut check: impl FnMut() -> bool) {
        let until = Instant::now() + within;
        while !check() {
            assert!(
                Instant::now() < until,
                "timed out waiting for {what}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A failed test must not leave a daemon behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.0 GET: enough for /healthz and /metrics, with no client dependency.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let (code, _, body) = http_request(port, "GET", path, None)?;
    Some((code, body))
}

/// A minimal HTTP/1.0 request: (status code, head, body). A `body` is sent as a form.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Option<(u16, String, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n").ok()?;
    if let Some(body) = body {
        write!(
            stream,
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        )
        .ok()?;
    }
    write!(stream, "\r\n{}", body.unwrap_or("")).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let code = response.split(' ').nth(1)?.parse().ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((code, head.to_string(), body.to_string()))
}

/// The value of one sample line (`name{labels} value`) in a metrics text, or 0.
pub fn metric(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}
