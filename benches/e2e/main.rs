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
mod ingest;
mod parse;
mod postgres;
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
    pub out: PathBuf,
}

impl Config {
    fn from_env() -> Config {
        // `cargo bench` passes `--bench`; `cargo test --bench e2e` does not.
        let quick = !std::env::args().any(|a| a == "--bench")
            || std::env::var("GOVWATCH_BENCH_QUICK").is_ok_and(|v| v == "1");
        let size = |name: &str, quick_size: usize, full_size: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(if quick { quick_size } else { full_size })
        };
        Config {
            quick,
            feeds: size("GOVWATCH_BENCH_FEEDS", 10, 400),
            items: size("GOVWATCH_BENCH_ITEMS", 3_000, 1_000_000),
            queries: size("GOVWATCH_BENCH_QUERIES", 60, 1_000),
            runs: size("GOVWATCH_BENCH_RUNS", 1, 5),
            out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-results"),
        }
    }
}

fn main() {
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
    parse::run(&config, &mut report);
    let built = ingest::run(&config, &mut report);
    search::run(&config, &built, &mut report);
    report.finish(&config);
}
