//! Scenario 3, ingest: govwatch's store + index (SQLite, then tantivy with topics and
//! extraction, as a poll does it) against a bare tantivy index of the same documents with a
//! comparable schema (the limit).

use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use govwatch::feeds::FeedConfig;
use govwatch::model::Item;
use govwatch::store::{FetchSuccess, Store};
use tantivy::schema::{INDEXED, STORED, STRING, Schema, TEXT};
use tantivy::{TantivyDocument, doc};

use crate::corpus::{self, Rng};
use crate::report::{Better, Report, Stat};
use crate::{Config, proc};

/// Items per stored batch: one feed's worth, as a poll stores them.
const BATCH: usize = 500;

/// What the search scenario reuses: the items and govwatch's data directory.
pub struct Built {
    pub items: Vec<Item>,
    pub dir: tempfile::TempDir,
}

pub fn run(config: &Config, report: &mut Report) -> Built {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let generated = corpus::items(&mut rng, config.items);
    // Parsed before the clock starts: this scenario measures storing and indexing.
    let now = Utc::now();
    let mut items = Vec::with_capacity(generated.len());
    for (n, chunk) in generated.chunks(BATCH).enumerate() {
        let doc = corpus::rss(n, chunk);
        let got = govwatch::pipeline::ingest_bytes(&feed_id(n), &doc, None, None, now)
            .expect("govwatch parses the corpus");
        items.extend(got.items);
    }
    assert_eq!(items.len(), config.items, "every generated item survives");

    // Each system once at full size: a 1M-item ingest is minutes, and the two run
    // back to back on the same machine state.
    // Memory is what each adds at its peak to this process, which already holds the items.
    let added_peak = |run: &mut dyn FnMut() -> (f64, u64)| {
        let before = proc::own_mib();
        proc::reset_own_peak();
        let (seconds, bytes) = run();
        (seconds, bytes, proc::own_peak_mib() - before)
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (ours, ours_bytes, ours_mib) = added_peak(&mut || govwatch_ingest(dir.path(), &items));
    let bare_dir = tempfile::tempdir().expect("temp dir");
    let (bare, bare_bytes, bare_mib) = added_peak(&mut || tantivy_ingest(bare_dir.path(), &items));
    let n = items.len() as f64;
    let ratio = report.row(
        "ingest",
        "items/s (store + index)",
        "items/s",
        Better::Higher,
        Stat::of(vec![n / ours]),
        "bare tantivy",
        Some(Stat::of(vec![n / bare])),
        "",
    );
    if let Some(r) = ratio {
        report.target("≥ 0.6x bare tantivy", r >= 0.6);
    }
    report.row(
        "ingest",
        "memory added at peak",
        "MiB",
        Better::Lower,
        Stat::of(vec![ours_mib]),
        "bare tantivy",
        Some(Stat::of(vec![bare_mib])),
        "",
    );
    report.row(
        "ingest",
        "bytes on disk",
        "MB",
        Better::Lower,
        Stat::of(vec![ours_bytes as f64 / 1e6]),
        "bare tantivy",
        Some(Stat::of(vec![bare_bytes as f64 / 1e6])),
        "",
    );
    Built { items, dir }
}

fn feed_id(n: usize) -> String {
    format!("bench-{}", n % 20)
}

/// Stores the items a feed's batch at a time while the index writer tags and indexes them
/// alongside, then commits: `govwatch poll`'s path. Returns seconds and bytes on disk.
fn govwatch_ingest(dir: &Path, items: &[Item]) -> (f64, u64) {
    let mut store = Store::open(dir).expect("store opens");
    let feeds: Vec<FeedConfig> = (0..20)
        .map(|n| corpus::feed_config(feed_id(n), n))
        .collect();
    store.sync_feeds(&feeds).expect("feeds sync");
    let mut index = govwatch::index::Index::open_writable(&dir.join("tantivy")).expect("index");
    let topics = govwatch::topics::Topics::default();
    let extractor = govwatch::extract::Extractor::shipped();
    let start = Instant::now();
    let ((), indexed) =
        govwatch::pipeline::index_alongside(dir, &mut index, &topics, &extractor, |more| {
            for batch in items.chunks(BATCH) {
                let success = FetchSuccess::ok(Utc::now());
                store
                    .apply_fetch(&batch[0].feed_id, &success, batch)
                    .expect("store write");
                more.nudge();
            }
        })
        .expect("indexed");
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(indexed, items.len(), "every item indexed once");
    drop(store);
    index.close().expect("index closes");
    (seconds, dir_size(dir))
}

/// The same documents in a bare tantivy index: title and body stemmed with positions,
/// published date, URL and feed; one writer, default threads, one commit.
fn tantivy_ingest(dir: &Path, items: &[Item]) -> (f64, u64) {
    let mut builder = Schema::builder();
    let title = builder.add_text_field("title", TEXT | STORED);
    let body = builder.add_text_field("body", TEXT | STORED);
    let url = builder.add_text_field("url", STRING | STORED);
    let feed = builder.add_text_field("feed", STRING | STORED);
    let published = builder.add_date_field("published", INDEXED | STORED);
    let index = tantivy::Index::create_in_dir(dir, builder.build()).expect("bare index");
    let start = Instant::now();
    let mut writer: tantivy::IndexWriter<TantivyDocument> =
        index.writer(100_000_000).expect("writer");
    for item in items {
        writer
            .add_document(doc!(
                title => item.title.as_str(),
                body => item.body.as_str(),
                url => item.url.as_deref().unwrap_or_default(),
                feed => item.feed_id.as_str(),
                published => tantivy::DateTime::from_timestamp_secs(item.published.timestamp()),
            ))
            .expect("document added");
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merges finish");
    (start.elapsed().as_secs_f64(), dir_size(dir))
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}
