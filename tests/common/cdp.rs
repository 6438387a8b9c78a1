//! Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
//! JSON messages ending in NUL, read from fd 3 and written to fd 4), so browser tests need no
//! driver, no port and no crate beyond serde_json.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The Chromium binary, if this machine has one (Debian's `chromium` package).
pub fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(str::to_string)
}

pub struct Browser {
    child: Child,
    to_browser: std::fs::File,
    from_browser: BufReader<std::fs::File>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe writes two new descriptors into the array it is given.
    let rc = unsafe { libc::pipe(fds.as_mut_ptr()) };
    assert_eq!(rc, 0, "pipe: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

impl Browser {
    pub fn launch(binary: &str) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        // Chromium reads commands on its fd 3 and writes replies on its fd 4.
        let (cmd_read, cmd_write) = pipe();
        let (reply_read, reply_write) = pipe();
        let (child_in, child_out) = (cmd_read.as_raw_fd(), reply_write.as_raw_fd());
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(child_in, 3) < 0 || libc::dup2(child_out, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        drop(cmd_read);
        drop(reply_write);
        Browser {
            child,
            to_browser: std::fs::File::from(cmd_write),
            from_browser: BufReader::new(std::fs::File::from(reply_read)),
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends one command (to a page when `session` is given) and returns its result.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        loop {
            let mut reply = Vec::new();
            let n = self.from_browser.read_until(0, &mut reply).unwrap();
            assert!(n > 0, "Chromium closed the pipe during {method}");
            reply.pop();
            let reply: Value = serde_json::from_slice(&reply).unwrap();
            // Events carry no id; other replies cannot come, one call is in flight at a time.
            if reply["id"] != json!(id) {
                continue;
            }
            if let Some(error) = reply.get("error") {
                panic!("{method} failed: {error}");
            }
            return reply["result"].clone();
        }
    }

    /// A new tab showing `url`; returns its session.
    pub fn open(&mut self, url: &str) -> String {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        let session = attached["sessionId"].as_str().unwrap().to_string();
        self.call(Some(&session), "Page.enable", json!({}));
        self.call(Some(&session), "Runtime.enable", json!({}));
        self.navigate(&session, url);
        session
    }

    pub fn navigate(&mut self, session: &str, url: &str) {
        self.call(Some(session), "Page.navigate", json!({"url": url}));
        self.wait_for(
            session,
            "the page to load",
            "document.readyState === 'complete'",
        );
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, session: &str, expression: &str) -> Value {
        let r = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page.
    pub fn wait_for(&mut self, session: &str, what: &str, expression: &str) {
        let until = Instant::now() + Duration::from_secs(20);
        while self.eval(session, expression) != json!(true) {
            assert!(Instant::now() < until, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A phone-sized viewport: 390 CSS pixels wide, at 3x like a current phone.
    pub fn phone(&mut self, session: &str) {
        self.call(
            Some(session),
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": true}),
        );
    }

    /// A PNG of the page, whole.
    pub fn screenshot(&mut self, session: &str) -> Vec<u8> {
        let shot = self.call(
            Some(session),
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        decode_base64(shot["data"].as_str().unwrap())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
