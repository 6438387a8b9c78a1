//! Scenario 2, poll cycle: `govwatch poll` (fetch, parse, store and index every feed) over
//! the feed farm, cold (an empty data directory: every feed answers 200) and warm (the next
//! round: one feed in ten changed, the rest answer 304), against newsboat's `-x reload` (fetch,
//! parse and store in its SQLite cache) on the same farm and the same URL list. Both run as
//! child processes with the same concurrency (16 connections), measured by `wait4`: wall
//! time, CPU seconds, peak resident memory and peak anonymous memory (resident less mapped
//! files).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::farm::Farm;
use crate::proc::{self, Usage};
use crate::report::{Better, Report, Stat, thousands};
use crate::{Config, size};

/// Connections in flight, for govwatch and newsboat alike.
pub const CONCURRENCY: usize = 16;
/// One feed in this many changes between the cold and the warm poll.
const CHANGE_EVERY: usize = 10;

#[derive(Default)]
struct Runs {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    peak: Vec<f64>,
    anon: Vec<f64>,
}

impl Runs {
    fn push(&mut self, u: Usage) {
        self.wall.push(u.wall);
        self.cpu.push(u.cpu);
        self.peak.push(u.peak_mib);
        self.anon.push(u.peak_anon_mib);
    }
}

pub fn run(config: &Config, report: &mut Report) {
    let sizes: Vec<usize> = std::env::var("GOVWATCH_BENCH_POLL_FEEDS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if config.quick {
                vec![20]
            } else {
                vec![1_000, 10_000]
            }
        });
    let runs_at = |feeds: usize| {
        // newsboat takes minutes per reload of 10,000 feeds: one run there unless asked.
        let full = if feeds >= 10_000 { 1 } else { 3 };
        size(config, "GOVWATCH_BENCH_POLL_RUNS", 1, full)
    };
    // `GOVWATCH_BENCH_NEWSBOAT=off` leaves the peer out (for quick looks at govwatch alone).
    let left_out = std::env::var("GOVWATCH_BENCH_NEWSBOAT").is_ok_and(|v| v == "off");
    let newsboat = !left_out && Command::new("newsboat").arg("--version").output().is_ok();
    // A timed newsboat reload is stopped after this long: at 10,000 feeds one reload takes
    // over 20 minutes here. `GOVWATCH_BENCH_PEER_LIMIT_SECS`.
    let limit = (!config.quick).then(|| {
        Duration::from_secs(size(config, "GOVWATCH_BENCH_PEER_LIMIT_SECS", 0, 600) as u64)
    });
    let missing = if left_out {
        "left out (GOVWATCH_BENCH_NEWSBOAT=off)"
    } else {
        "not installed (benches/setup.sh debian)"
    };
    for feeds in sizes {
        let farm = Farm::start(feeds, CHANGE_EVERY);
        let (mut ours, mut theirs) = (
            [Runs::default(), Runs::default()],
            [Runs::default(), Runs::default()],
        );
        // Bytes on the wire for govwatch's last cold and warm poll.
        let mut wire = [0u64; 2];
        // newsboat passed the limit: none of its figures at this size.
        let mut stopped = false;
        for _ in 0..runs_at(feeds) {
            let dir = tempfile::tempdir().expect("temp dir");
            let (gw_dir, nb_dir) = (dir.path().join("govwatch"), dir.path().join("newsboat"));
            farm.write_govwatch_config(&gw_dir, CONCURRENCY, "");
            if newsboat {
                setup_newsboat(&nb_dir, &farm);
            }
            farm.reset();
            let items = farm.prepare();
            for warm in [false, true] {
                if warm {
                    farm.advance();
                    farm.prepare();
                }
                let expected_new = if warm {
                    farm.new_items_this_round()
                } else {
                    items
                };
                let before = farm.served();
                let (usage, stderr) = proc::run(
                    Command::new(env!("CARGO_BIN_EXE_govwatch"))
                        .arg("poll")
                        .env("GOVWATCH_CONFIG", gw_dir.join("govwatch.toml"))
                        .env("GOVWATCH_LOG", "warn"),
                )
                .unwrap_or_else(|e| panic!("govwatch poll: {e}"));
                let summary = counts(&stderr);
                let served = farm.served();
                assert_eq!(
                    summary.new, expected_new,
                    "govwatch stored every new item once: {stderr}"
                );
                assert_eq!(summary.failed, 0, "no feed failed: {stderr}");
                assert_eq!(served.requests - before.requests, feeds as u64);
                wire[warm as usize] = served.bytes - before.bytes;
                ours[warm as usize].push(usage);

                if newsboat && !stopped {
                    let before = farm.served();
                    let Some(usage) = newsboat_reload(&nb_dir, limit) else {
                        // Stopped: the limit is a lower bound of its wall time; a warm round
                        // needs a finished cold one.
                        stopped = true;
                        continue;
                    };
                    let served = farm.served();
                    assert_eq!(served.requests - before.requests, feeds as u64);
                    if warm {
                        assert!(
                            served.not_modified > before.not_modified,
                            "newsboat's warm reload sent conditional requests"
                        );
                    } else {
                        // newsboat records a feed's ETag and Last-Modified only once the feed
                        // is in its cache, so its first reload after a cold start sends no
                        // conditional request. An untimed second reload primes them, so its
                        // warm figure is a like-for-like 304 round.
                        newsboat_reload(&nb_dir, None);
                    }
                    assert_eq!(
                        stored_by_newsboat(&nb_dir),
                        items + if warm { farm.new_items_this_round() } else { 0 },
                        "newsboat stored every item"
                    );
                    theirs[warm as usize].push(usage);
                }
            }
        }
        for warm in [false, true] {
            let name = format!(
                "poll {} feeds {}",
                thousands(feeds),
                if warm {
                    "warm (90% 304)"
                } else {
                    "cold (all 200)"
                }
            );
            let stopped_note = if warm {
                format!(
                    "not run: its cold reload was stopped after {} s",
                    limit.map_or(0, |l| l.as_secs())
                )
            } else {
                format!(
                    "stopped after {} s: over {:.0}x slower",
                    limit.map_or(0, |l| l.as_secs()),
                    limit.map_or(0.0, |l| l.as_secs_f64()) / Stat::of(ours[0].wall.clone()).median
                )
            };
            rows(
                report,
                &name,
                &ours[warm as usize],
                &theirs[warm as usize],
                newsboat && !stopped,
                if stopped { &stopped_note } else { missing },
            );
            if stopped && !warm {
                report.target_on(&name, "wall", "faster than newsboat", true);
            }
            println!(
                "         govwatch's poll: {:.1} MB on the wire (gzip)",
                wire[warm as usize] as f64 / 1e6
            );
            if feeds >= 10_000 {
                let limit = if warm { 15.0 } else { 60.0 };
                let wall = Stat::of(ours[warm as usize].wall.clone()).median;
                // Held to the memory the poll takes from the machine: its private pages. The
                // resident peak also counts index files mapped while segments merge, pages
                // the kernel drops under pressure.
                let anon = Stat::of(ours[warm as usize].anon.clone()).median;
                report.target_on(&name, "wall", &format!("< {limit} s"), wall < limit);
                report.target_on(
                    &name,
                    "peak anonymous memory",
                    "< 300 MB",
                    anon * 1.048_576 < 300.0,
                );
            }
        }
    }
}

fn rows(
    report: &mut Report,
    scenario: &str,
    ours: &Runs,
    theirs: &Runs,
    newsboat: bool,
    missing: &str,
) {
    let against = "newsboat -x reload";
    let note = if newsboat { "" } else { missing };
    let other = |v: &Vec<f64>| newsboat.then(|| Stat::of(v.clone()));
    let metrics = [
        ("wall", "s", &ours.wall, &theirs.wall),
        ("CPU", "s", &ours.cpu, &theirs.cpu),
        ("peak memory", "MiB", &ours.peak, &theirs.peak),
        ("peak anonymous memory", "MiB", &ours.anon, &theirs.anon),
    ];
    for (metric, unit, mine, peer) in metrics {
        let ratio = report.row(
            scenario,
            metric,
            unit,
            Better::Lower,
            Stat::of(mine.clone()),
            against,
            other(peer),
            note,
        );
        if metric == "wall"
            && let Some(r) = ratio
        {
            report.target("faster than newsboat", r > 1.0);
        }
    }
}

fn setup_newsboat(dir: &Path, farm: &Farm) {
    std::fs::create_dir_all(dir).expect("newsboat dir");
    std::fs::write(dir.join("urls"), farm.urls().join("\n") + "\n").expect("urls");
    std::fs::write(
        dir.join("config"),
        format!("reload-threads {CONCURRENCY}\nshow-read-feeds yes\n"),
    )
    .expect("newsboat config");
}

/// One `newsboat -x reload`; `None` when it was stopped at `limit`.
fn newsboat_reload(dir: &Path, limit: Option<Duration>) -> Option<Usage> {
    let (usage, _, finished) = proc::run_within(
        Command::new("newsboat")
            .env("HOME", dir)
            .current_dir(dir)
            .args([
                "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload",
            ]),
        limit,
    )
    .unwrap_or_else(|e| panic!("newsboat: {e}"));
    finished.then_some(usage)
}

fn stored_by_newsboat(dir: &Path) -> usize {
    let db = rusqlite::Connection::open(dir.join("cache.db")).expect("newsboat's cache");
    db.query_row("SELECT count(*) FROM rss_item", [], |r| r.get::<_, i64>(0))
        .expect("newsboat's items") as usize
}

/// The figures of `govwatch poll`'s closing line ("polled 20 feeds: 20 fetched, 0 not
/// modified, 0 deferred, 0 failed; 1040 new, 0 updated, 1040 indexed").
#[derive(Debug, Default)]
struct Counts {
    new: usize,
    failed: usize,
}

fn counts(stderr: &str) -> Counts {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("polled "))
        .unwrap_or_else(|| panic!("no summary from govwatch poll: {stderr}"));
    let words: Vec<&str> = line
        .split([' ', ',', ';', ':'])
        .filter(|w| !w.is_empty())
        .collect();
    let mut counts = Counts::default();
    for pair in words.windows(2) {
        if let Ok(n) = pair[0].parse() {
            match pair[1] {
                "new" => counts.new = n,
                "failed" => counts.failed = n,
                _ => {}
            }
        }
    }
    counts
}
