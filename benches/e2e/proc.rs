//! What a process costs: wall time, CPU seconds and peak resident memory of a child that runs
//! to its end (from `wait4`'s resource usage, so the figures are that child's alone), and
//! CPU and resident memory of a running one, or of this process (from /proc).

use std::process::{Child, Command, Stdio};
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct Usage {
    pub wall: f64,
    /// User + system seconds.
    pub cpu: f64,
    pub peak_mib: f64,
    /// Anonymous (private) resident memory at its peak, sampled every 10 ms: what the peak
    /// costs the machine, without file pages mapped from disk (an index being merged), which
    /// the kernel can drop.
    pub peak_anon_mib: f64,
}

/// The first argument that makes this bench binary the measuring parent of a command
/// (`measure_child`), instead of the bench.
pub const MEASURE_FLAG: &str = "--measure-child";

/// Runs `cmd` to its end with stdout discarded; returns its usage and its stderr, or what
/// went wrong (it failed to start, or exited unsuccessfully, with its stderr).
///
/// The command is started by a fresh copy of this binary that does nothing else: at exec,
/// Linux carries the spawning process's memory high-water mark into the child's
/// `ru_maxrss`, and this process holds the feed farm's documents (a gigabyte at 10,000
/// feeds), which would be reported as the child's peak.
pub fn run(cmd: &mut Command) -> Result<(Usage, String), String> {
    match run_within(cmd, None)? {
        (usage, stderr, true) => Ok((usage, stderr)),
        (_, stderr, false) => Err(format!("{cmd:?} did not finish: {stderr}")),
    }
}

/// [`run`], with the command stopped (SIGKILL) once it has run for `limit`: the last value
/// says whether it finished. A stopped command's usage is what it used until then.
pub fn run_within(
    cmd: &mut Command,
    limit: Option<std::time::Duration>,
) -> Result<(Usage, String, bool), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this bench: {e}"))?;
    let mut outer = Command::new(exe);
    outer
        .arg(MEASURE_FLAG)
        .arg(limit.map_or(0.0, |l| l.as_secs_f64()).to_string())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => outer.env(key, v),
            None => outer.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        outer.current_dir(dir);
    }
    let output = outer
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = String::from_utf8_lossy(&output.stdout);
    let figures: Vec<f64> = report
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let usage = |wall, cpu, peak_kib: f64, anon_kib: f64| Usage {
        wall,
        cpu,
        peak_mib: peak_kib / 1024.0,
        peak_anon_mib: anon_kib / 1024.0,
    };
    match figures[..] {
        [wall, cpu, peak, anon, 0.0] => Ok((usage(wall, cpu, peak, anon), stderr, true)),
        [wall, cpu, peak, anon, status] if status == STOPPED => {
            Ok((usage(wall, cpu, peak, anon), stderr, false))
        }
        _ => Err(format!("{cmd:?} failed ({}): {stderr}", report.trim())),
    }
}

/// The status `measure_child` reports for a command it stopped at the limit.
const STOPPED: f64 = -2.0;

/// The measuring parent: runs `args` (a program and its arguments) with stdout discarded
/// and stderr passed through, and prints its wall seconds, CPU seconds, peak resident KiB,
/// peak anonymous resident KiB (sampled) and exit status (-1 when a signal ended it) on one
/// line.
pub fn measure_child(args: &[String]) -> ! {
    let limit: f64 = args.first().and_then(|l| l.parse().ok()).unwrap_or(0.0);
    let Some((program, rest)) = args.get(1..).and_then(|a| a.split_first()) else {
        println!("0 0 0 0 -1");
        std::process::exit(2);
    };
    let start = Instant::now();
    let child = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start {program}: {e}");
            println!("0 0 0 0 -1");
            std::process::exit(2);
        }
    };
    let mut status = 0;
    // SAFETY: all-zero bytes are a valid `rusage` (plain integers and timevals).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let child_pid = child.id() as libc::pid_t;
    let mut stopped = false;
    let mut anon_kib = 0.0f64;
    // `wait4` on this one pid: std's `wait` would reap it without its resource usage.
    // SAFETY (each call): `child` is ours and not yet reaped; the pointers are to live locals.
    let pid = loop {
        let pid = unsafe { libc::wait4(child_pid, &mut status, libc::WNOHANG, &mut usage) };
        if pid != 0 {
            break pid;
        }
        // Not reaped yet, so the pid is still the child's.
        anon_kib = anon_kib.max(status_mib(child_pid, "RssAnon:") * 1024.0);
        if limit > 0.0 && start.elapsed().as_secs_f64() >= limit && !stopped {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe {
                libc::kill(child_pid, libc::SIGKILL);
            }
            stopped = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let wall = start.elapsed().as_secs_f64();
    if pid < 0 {
        eprintln!("wait4 failed: {}", std::io::Error::last_os_error());
        println!("0 0 0 0 -1");
        std::process::exit(2);
    }
    let code = if stopped {
        STOPPED as i32
    } else if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // Linux reports ru_maxrss in KiB.
    println!(
        "{wall} {} {} {anon_kib} {code}",
        seconds(usage.ru_utime) + seconds(usage.ru_stime),
        usage.ru_maxrss
    );
    std::process::exit(0);
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
