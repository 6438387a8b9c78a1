//! Scenario 6, daemon: `govwatch run` with 10,000 feeds on the farm (30-minute interval).
//! Once the first round of polls is stored and indexed and the process has settled, its CPU
//! time and resident memory over a quiet stretch: what it costs to leave running. No peer:
//! newsboat has no daemon, and the hosted readers are not installed here.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::farm::Farm;
use crate::report::{Better, Report, Stat, thousands};
use crate::{Config, proc, size};

pub fn run(config: &Config, report: &mut Report) {
    let feeds = size(config, "GOVWATCH_BENCH_DAEMON_FEEDS", 20, 10_000);
    let idle = Duration::from_secs(size(config, "GOVWATCH_BENCH_IDLE_SECS", 3, 60) as u64);
    let farm = Farm::start(feeds, 10);
    farm.prepare();
    let dir = tempfile::tempdir().expect("temp dir");
    farm.write_govwatch_config(
        dir.path(),
        crate::poll::CONCURRENCY,
        // No start-up spread (5 minutes by default): the first round at once, then quiet.
        "[poll]\ninterval = \"30m\"\njitter = \"0s\"\n[server]\nlisten = \"off\"\n",
    );
    let config_file = dir.path().join("govwatch.toml");
    let daemon = proc::Stopping(
        Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .arg("run")
            .env("GOVWATCH_CONFIG", &config_file)
            .env("GOVWATCH_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start govwatch run"),
    );
    let pid = daemon.0.id();

    // The first round: every feed fetched, then stored and indexed.
    let started = Instant::now();
    let limit = Duration::from_secs(600);
    while farm.served().requests < feeds as u64 {
        assert!(
            started.elapsed() < limit,
            "the first round of polls did not finish"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Settled: under 2% of a core over a second (the round's storing and indexing done).
    let mut last = proc::sample(pid).0;
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = proc::sample(pid).0;
        if now - last < 0.02 {
            break;
        }
        last = now;
        assert!(started.elapsed() < limit, "the daemon did not settle");
    }
    let first_round = started.elapsed().as_secs_f64();

    let (cpu0, _) = proc::sample(pid);
    let t0 = Instant::now();
    let mut rss = Vec::new();
    while t0.elapsed() < idle {
        std::thread::sleep(Duration::from_millis(500));
        rss.push(proc::sample(pid).1);
    }
    let (cpu1, _) = proc::sample(pid);
    let share = (cpu1 - cpu0) / t0.elapsed().as_secs_f64() * 100.0;
    let requests = farm.served().requests;
    drop(daemon);

    let scenario = format!("daemon idle, {} feeds", thousands(feeds));
    let no_peer = "no peer: newsboat has no daemon";
    report.row(
        &scenario,
        "CPU, % of one core",
        "%",
        Better::Lower,
        Stat::of(vec![share]),
        "-",
        None,
        no_peer,
    );
    report.target("< 1%", share < 1.0);
    let resident = Stat::of(rss);
    let peak = resident.max;
    report.row(
        &scenario,
        "resident memory",
        "MiB",
        Better::Lower,
        resident,
        "-",
        None,
        no_peer,
    );
    report.target("< 100 MiB", peak < 100.0);
    println!(
        "         first round stored and indexed, process settled after {first_round:.1} s; {requests} requests served in all"
    );
}
