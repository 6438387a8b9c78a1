//! Scenario 1, parse: govwatch's decode + parse + normalize against bare feed-rs on the same
//! bytes (the limit) and against Python feedparser (what rss2email uses).

use std::process::Command;
use std::time::Instant;

use chrono::Utc;

use crate::Config;
use crate::corpus::{self, Rng};
use crate::report::{Better, Report, Stat};

pub fn run(config: &Config, report: &mut Report) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let docs = corpus::feeds(&mut rng, config.feeds);
    let bytes: usize = docs.iter().map(Vec::len).sum();
    let mb = bytes as f64 / 1e6;

    let mut ours = Vec::new();
    let mut bare = Vec::new();
    let mut items = 0;
    for _ in 0..config.runs {
        // Alternating, so drift on a noisy machine hits both.
        let start = Instant::now();
        let mut n = 0;
        for doc in &docs {
            // The generated documents are valid RSS: a failure here is a bug to see.
            let feed = feed_rs::parser::parse(&doc[..]).expect("feed-rs parses the corpus");
            n += feed.entries.len();
        }
        bare.push(start.elapsed().as_secs_f64());
        items = n;

        let start = Instant::now();
        let mut m = 0;
        let now = Utc::now();
        for doc in &docs {
            let got = govwatch::pipeline::ingest_bytes("bench", doc, None, None, now)
                .expect("govwatch parses the corpus");
            m += got.items.len();
        }
        ours.push(start.elapsed().as_secs_f64());
        assert_eq!(m, items, "govwatch and feed-rs see the same items");
    }
    let rate = |times: &[f64], per: f64| Stat::of(times.iter().map(|t| per / t).collect());
    let feedparser = feedparser_times(&docs, config.runs);

    let ratio = report.row(
        "parse",
        "items/s",
        "items/s",
        Better::Higher,
        rate(&ours, items as f64),
        "bare feed-rs",
        Some(rate(&bare, items as f64)),
        "",
    );
    if let Some(r) = ratio {
        report.target("≥ 0.5x bare feed-rs", r >= 0.5);
    }
    report.row(
        "parse",
        "MB/s",
        "MB/s",
        Better::Higher,
        rate(&ours, mb),
        "bare feed-rs",
        Some(rate(&bare, mb)),
        "",
    );
    let (theirs, note) = match feedparser {
        Ok(times) => (Some(rate(&times, items as f64)), String::new()),
        Err(why) => (None, why),
    };
    let ratio = report.row(
        "parse",
        "items/s",
        "items/s",
        Better::Higher,
        rate(&ours, items as f64),
        "Python feedparser",
        theirs,
        &note,
    );
    if let Some(r) = ratio {
        report.target("≥ 20x feedparser", r >= 20.0);
    }
}

/// feedparser's time per run over the same documents, from `benches/peers/feedparser_bench.py`.
fn feedparser_times(docs: &[Vec<u8>], runs: usize) -> Result<Vec<f64>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("no temp dir: {e}"))?;
    for (n, doc) in docs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{n:05}.xml")), doc)
            .map_err(|e| format!("cannot write the corpus: {e}"))?;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/peers/feedparser_bench.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .arg(runs.to_string())
        .output()
        .map_err(|e| format!("not run: python3: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(if err.contains("No module named 'feedparser'") {
            "not installed (benches/setup.sh)".to_owned()
        } else {
            format!("failed: {}", err.lines().last().unwrap_or_default())
        });
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("bad output {line:?}: {e}"))?;
            v["seconds"]
                .as_f64()
                .ok_or_else(|| format!("bad output {line:?}"))
        })
        .collect()
}
