//! End-to-end benchmarks: govwatch beside the raw speed of the libraries it is built on and
//! beside the tools a user would otherwise run, on the same generated data, in the same run,
//! as ratios (the machine is noisy: ratios travel, absolute times do not).
//!
//! `cargo bench --bench e2e` runs the full sizes; `cargo test --bench e2e` (what `.ci/run`
//! does) runs a quick mode with small sizes that checks every scenario ran and produced sane
//! figures, never times. Sizes: `GOVWATCH_BENCH_FEEDS`, `GOVWATCH_BENCH_ITEMS`,
//! `GOVWATCH_BENCH_QUERIES`, `GOVWATCH_BENCH_RUNS`. Peers that are not installed
//! (`benches/setup.sh` installs them) are reported as such. Results are printed as a markdown
//! table and written, with every run's figures, to `target/bench-results/e2e.{md,json}`.

mod corpus;
mod daemon;
mod digest;
mod farm;
mod ingest;
mod parse;
mod poll;
mod postgres;
mod proc;
mod report;
mod search;

use std::path::PathBuf;

use report::Report;

/// What to run, and how big.
pub struct Config {
    pub quick: bool,
    pub feeds: usize,
    pub items: usize,
    pub queries: usize,
    pub runs: usize,
    /// `GOVWATCH_BENCH_ONLY=poll,digest`: just these scenarios (all when unset).
    pub only: Option<Vec<String>>,
    pub out: PathBuf,
}

/// A size from the environment, or the mode's default.
pub fn size(config: &Config, name: &str, quick: usize, full: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if config.quick { quick } else { full })
}

impl Config {
    fn from_env() -> Config {
        // `cargo bench` passes `--bench`; `cargo test --bench e2e` does not.
        let quick = !std::env::args().any(|a| a == "--bench")
            || std::env::var("GOVWATCH_BENCH_QUICK").is_ok_and(|v| v == "1");
        let mut config = Config {
            quick,
            feeds: 0,
            items: 0,
            queries: 0,
            runs: 0,
            only: std::env::var("GOVWATCH_BENCH_ONLY")
                .ok()
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect()),
            out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-results"),
        };
        config.feeds = size(&config, "GOVWATCH_BENCH_FEEDS", 10, 400);
        config.items = size(&config, "GOVWATCH_BENCH_ITEMS", 3_000, 1_000_000);
        config.queries = size(&config, "GOVWATCH_BENCH_QUERIES", 60, 1_000);
        config.runs = size(&config, "GOVWATCH_BENCH_RUNS", 1, 5);
        config
    }

    /// Whether `scenario` is to run.
    pub fn wants(&self, scenario: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|s| s == scenario))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == proc::MEASURE_FLAG) {
        proc::measure_child(&args[2..]);
    }
    if let Some(feeds) = std::env::var("GOVWATCH_BENCH_SERVE")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        serve(feeds);
        return;
    }
    let config = Config::from_env();
    let mut report = Report::new(&config);
    println!(
        "govwatch e2e bench ({} mode): {} logical CPUs, {} feeds, {} items, {} queries, {} runs",
        if config.quick { "quick" } else { "full" },
        report.cpus,
        config.feeds,
        config.items,
        config.queries,
        config.runs
    );
    if config.wants("parse") {
        parse::run(&config, &mut report);
    }
    if config.wants("poll") {
        poll::run(&config, &mut report);
    }
    if config.wants("ingest") || config.wants("search") {
        let built = ingest::run(&config, &mut report);
        if config.wants("search") {
            search::run(&config, &built, &mut report);
        }
    }
    if config.wants("digest") {
        digest::run(&config, &mut report);
    }
    if config.wants("daemon") {
        daemon::run(&config, &mut report);
    }
    report.finish(&config);
}

/// `GOVWATCH_BENCH_SERVE=N`: only the feed farm, with N feeds, for runs by hand (profiling,
/// soak tests): writes a govwatch config and feed list for it to `target/bench-farm/`, then
/// advances a round each time a line is read from stdin, until stdin closes.
fn serve(feeds: usize) {
    let farm = farm::Farm::start(feeds, 10);
    let items = farm.prepare();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-farm");
    farm.write_govwatch_config(&dir, poll::CONCURRENCY, "");
    println!(
        "serving {feeds} feeds ({items} items) at http://{}/f/N.xml\n\
         GOVWATCH_CONFIG={}/govwatch.toml govwatch poll\n\
         press Enter for the next round (one feed in ten changes), Ctrl-D to stop",
        farm.addr,
        dir.display()
    );
    for _ in std::io::stdin().lines() {
        farm.advance();
        let items = farm.prepare();
        println!(
            "next round: {items} items, {} new",
            farm.new_items_this_round()
        );
    }
}
