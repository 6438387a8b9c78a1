//! `cargo bench --bench daemon`: the soak. (The daemon's cost at rest is scenario 6 of
//! `cargo bench --bench e2e`.)
//!
//! `govwatch run` with 5,000 feeds on the e2e bench's feed farm for ten minutes, polled every
//! `FAST_INTERVAL_SECS` (120 rounds: more than two days at a 30-minute interval), one feed in
//! ten gaining an item each round, ETag 304s for the rest. Resident memory and open file
//! descriptors are sampled throughout: both must level off, not grow. At the end the daemon
//! is stopped (SIGTERM) and the store and index must hold every item the farm published,
//! each exactly once.
//!
//! Figures are read from /proc (utime + stime, VmRSS, fd/) of the real binary; report them
//! with the machine's context. Env: `GOVWATCH_BENCH_FEEDS` (5,000),
//! `GOVWATCH_BENCH_DAY_SECS` (600).

#[path = "../../benches/e2e/corpus.rs"]
#[allow(dead_code)] // the e2e bench uses the rest
mod corpus;
#[path = "../../benches/e2e/farm.rs"]
#[allow(dead_code)]
mod farm;
#[path = "../../benches/e2e/proc.rs"]
#[allow(dead_code)]
mod proc;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FAST_INTERVAL_SECS: u64 = 5;

/// One sample: seconds since start, CPU seconds, resident MiB, open file descriptors.
type Sample = (u64, f64, f64, usize);
/// Share of feeds (one in N) that gain an item every round.
const CHANGING_ONE_IN: usize = 10;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn start_daemon(farm: &farm::Farm, dir: &std::path::Path, interval: &str) -> proc::Stopping {
    farm.write_govwatch_config(
        dir,
        16,
        &format!(
            "[poll]\ninterval = \"{interval}\"\njitter = \"0s\"\n[server]\nlisten = \"off\"\n"
        ),
    );
    let child = Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .arg("run")
        .env("GOVWATCH_CONFIG", dir.join("govwatch.toml"))
        .env("GOVWATCH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start govwatch run");
    proc::Stopping(child)
}

fn main() {
    let feeds = env_or("GOVWATCH_BENCH_FEEDS", 5000) as usize;
    let day_secs = env_or("GOVWATCH_BENCH_DAY_SECS", 600);
    println!(
        "daemon bench ({} logical CPUs): {feeds} feeds on a local farm",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let farm = std::sync::Arc::new(farm::Farm::start(feeds, CHANGING_ONE_IN));
    let first_items = farm.prepare();
    let dir = tempfile::tempdir().expect("temp dir");
    let run = start_daemon(&farm, dir.path(), &format!("{FAST_INTERVAL_SECS}s"));
    let pid = run.0.id();
    let rounds = farm.clone();
    let advancing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let keep_going = advancing.clone();
    let advancer = std::thread::spawn(move || {
        // Rounds start once the daemon has fetched every feed: an item that slid out of a
        // feed before its first fetch was never there to store.
        while !rounds.all_requested() && keep_going.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(200));
        }
        let mut advanced = 0usize;
        while keep_going.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_secs(FAST_INTERVAL_SECS));
            rounds.advance();
            advanced += 1;
        }
        advanced
    });
    let started = Instant::now();
    let mut samples: Vec<Sample> = Vec::new();
    while started.elapsed() < Duration::from_secs(day_secs) {
        std::thread::sleep(Duration::from_secs(10));
        let (cpu, rss) = proc::sample(pid);
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
        samples.push((started.elapsed().as_secs(), cpu, rss, fds));
    }
    advancing.store(false, std::sync::atomic::Ordering::SeqCst);
    let advanced = advancer.join().expect("advancer");
    // Two more intervals to poll the last round, then SIGTERM: the daemon commits and exits.
    std::thread::sleep(Duration::from_secs(2 * FAST_INTERVAL_SECS));
    let polls = farm.served().requests;
    drop(run);

    let (_, cpu, _, _) = samples.last().copied().unwrap_or_default();
    println!(
        "{day_secs} s of polling every {FAST_INTERVAL_SECS} s: {polls} polls ({:.1} per feed; a day at 30 min is 48), {:.0} polls/s, {cpu:.1} CPU s ({:.0}% of one core)",
        polls as f64 / feeds as f64,
        polls as f64 / day_secs as f64,
        cpu / day_secs as f64 * 100.0
    );
    let over_time =
        |f: &dyn Fn(&Sample) -> String| samples.iter().map(f).collect::<Vec<_>>().join(", ");
    println!(
        "resident MiB over time: {}",
        over_time(&|(t, _, r, _)| format!("{t}s {r:.0}"))
    );
    println!(
        "open file descriptors over time: {}",
        over_time(&|(t, _, _, f)| format!("{t}s {f}"))
    );
    let half = samples.len() / 2;
    let peak = |part: &[Sample]| part.iter().map(|s| s.2).fold(0.0, f64::max);
    let (peak_first, peak_second) = (peak(&samples[..half]), peak(&samples[half..]));
    println!(
        "peak resident, first half {peak_first:.1} MiB, second half {peak_second:.1} MiB ({:+.1}%)",
        (peak_second / peak_first - 1.0) * 100.0
    );
    let fds = |part: &[Sample]| part.iter().map(|s| s.3).max().unwrap_or(0);
    println!(
        "most open file descriptors, first half {}, second half {}",
        fds(&samples[..half]),
        fds(&samples[half..])
    );

    // Exactly once: every published item stored and indexed, none twice. A last `poll`
    // catches a round the daemon had not fetched before it stopped (it says how many).
    let published = first_items + advanced * feeds.div_ceil(CHANGING_ONE_IN);
    let govwatch = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .args(args)
            .env("GOVWATCH_CONFIG", dir.path().join("govwatch.toml"))
            .output()
            .expect("govwatch");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let catch_up: u64 = govwatch(&["poll", "--json"])
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|l| l["new"].as_u64())
        .sum();
    let status: serde_json::Value =
        serde_json::from_str(govwatch(&["status", "--json"]).trim()).expect("status JSON");
    let (items, indexed) = (
        status["items"].as_u64().unwrap_or(0) as usize,
        status["indexed_docs"].as_u64().unwrap_or(0) as usize,
    );
    println!(
        "published {published} items ({first_items} at the start, {advanced} rounds); stored {items}, indexed {indexed}; the last poll found {catch_up} the daemon had not"
    );
    assert_eq!(items, published, "every published item stored, once");
    assert_eq!(indexed, items, "every stored item indexed, once");
}
