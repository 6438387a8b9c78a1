//! What a process costs: wall time, CPU seconds and peak resident memory of a child that runs
//! to its end (from `wait4`'s resource usage, so the figures are that child's alone), and
//! CPU and resident memory of a running one, or of this process (from /proc).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct Usage {
    pub wall: f64,
    /// User + system seconds.
    pub cpu: f64,
    pub peak_mib: f64,
}

/// Runs `cmd` to its end with stdout discarded; returns its usage and its stderr, or what
/// went wrong (it failed to start, or exited unsuccessfully, with its stderr).
pub fn run(cmd: &mut Command) -> Result<(Usage, String), String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let mut pipe = child.stderr.take().expect("stderr was piped");
    // Read while it runs, so a chatty child never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let mut status = 0;
    // SAFETY: all-zero bytes are a valid `rusage` (plain integers and timevals).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // `wait4` on this one pid: std's `wait` would reap it without its resource usage, and
    // RUSAGE_CHILDREN would mix it with every other child this bench ran.
    // SAFETY: `child` is ours and not yet reaped; both pointers are to live locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    let stderr = reader.join().unwrap_or_default();
    if pid < 0 {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{cmd:?} failed (wait status {status}): {stderr}"));
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok((
        Usage {
            wall,
            cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            // Linux reports ru_maxrss in KiB.
            peak_mib: usage.ru_maxrss as f64 / 1024.0,
        },
        stderr,
    ))
}

/// (CPU seconds used so far, resident MiB) of a running process.
pub fn sample(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').expect(")") + 2..].split(' ').collect();
    // utime and stime are fields 14 and 15 (1-based), 12 and 13 after the name.
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    // Linux reports in USER_HZ, 100 on every mainstream architecture.
    let cpu = ticks / 100.0;
    (cpu, status_mib(pid, "VmRSS:"))
}

fn status_mib(pid: impl std::fmt::Display, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

/// Starts a new peak for `own_peak_mib` (writing 5 to clear_refs resets VmHWM).
pub fn reset_own_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak resident MiB since the last `reset_own_peak`.
pub fn own_peak_mib() -> f64 {
    status_mib("self", "VmHWM:")
}

/// This process's resident MiB now.
pub fn own_mib() -> f64 {
    status_mib("self", "VmRSS:")
}

/// A running child that gets SIGTERM (as systemd stops a service) and is reaped when this
/// is dropped, however the bench ends.
pub struct Stopping(pub Child);

impl Drop for Stopping {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid, which is not yet reaped.
        unsafe {
            libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.0.wait();
    }
}
