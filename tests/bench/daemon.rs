//! `cargo bench --bench daemon`: the daemon over a long run. (Its cost at rest is scenario 6
//! of `cargo bench --bench e2e`.)
//!
//! A day, compressed: `govwatch run` with 1,000 feeds on the e2e bench's feed farm, polled
//! every `FAST_INTERVAL` (a day at a 30-minute interval is 48 polls per feed), one feed in ten
//! with a new item each round, ETag 304s for the rest. Resident memory sampled throughout: it
//! must level off, not grow.
//!
//! Figures are read from /proc (utime + stime, VmRSS) of the real binary; report them with
//! the machine's context. Env: `GOVWATCH_BENCH_FEEDS`, `GOVWATCH_BENCH_DAY_SECS`.

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
    let feeds = env_or("GOVWATCH_BENCH_FEEDS", 1000) as usize;
    let day_secs = env_or("GOVWATCH_BENCH_DAY_SECS", 240);
    println!(
        "daemon bench ({} logical CPUs): {feeds} feeds on a local farm",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let farm = std::sync::Arc::new(farm::Farm::start(feeds, CHANGING_ONE_IN));
    farm.prepare();
    let dir = tempfile::tempdir().expect("temp dir");
    let run = start_daemon(&farm, dir.path(), &format!("{FAST_INTERVAL_SECS}s"));
    let pid = run.0.id();
    let rounds = farm.clone();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(FAST_INTERVAL_SECS));
            rounds.advance();
        }
    });
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(day_secs) {
        std::thread::sleep(Duration::from_secs(10));
        let (cpu, rss) = proc::sample(pid);
        samples.push((started.elapsed().as_secs(), cpu, rss));
    }
    let polls = farm.served().requests;
    let (_, cpu, _) = samples.last().copied().unwrap_or_default();
    println!(
        "{day_secs} s of polling every {FAST_INTERVAL_SECS} s: {polls} polls ({:.1} per feed; a day at 30 min is 48), {:.0} polls/s, {cpu:.1} CPU s",
        polls as f64 / feeds as f64,
        polls as f64 / day_secs as f64
    );
    let rss: Vec<String> = samples
        .iter()
        .map(|(t, _, r)| format!("{t}s {r:.0}"))
        .collect();
    println!("resident MiB over time: {}", rss.join(", "));
    let half = samples.len() / 2;
    let peak_first = samples[..half].iter().map(|s| s.2).fold(0.0, f64::max);
    let peak_second = samples[half..].iter().map(|s| s.2).fold(0.0, f64::max);
    println!(
        "peak resident, first half {peak_first:.1} MiB, second half {peak_second:.1} MiB ({:+.1}%)",
        (peak_second / peak_first - 1.0) * 100.0
    );
    drop(run);
}
