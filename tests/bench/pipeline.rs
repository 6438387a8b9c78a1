//! `cargo bench`: throughput and latency of the ingest and search path on generated data.
//!
//! 1. parse + normalize: items/s and MB/s over generated RSS documents;
//! 2. store + index: 100,000 items into a fresh SQLite store and tantivy index;
//! 3. search: p50/p99 latency over a mix of 1–3 term, phrase and date-filtered queries.
//!
//! `GOVWATCH_BENCH_ITEMS` changes the item count (default 100,000). Figures depend on the
//! machine; report them with its context (cores, memory).

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use govwatch::feeds::FeedConfig;
use govwatch::index::{Index, SearchRequest, Sort};
use govwatch::pipeline;
use govwatch::store::{FetchSuccess, Store};

const ITEMS_PER_DOC: usize = 500;

const VOCAB: &[&str] = &[
    "artificial",
    "intelligence",
    "agency",
    "contract",
    "award",
    "procurement",
    "hearing",
    "senate",
    "house",
    "committee",
    "oversight",
    "inspector",
    "general",
    "report",
    "rule",
    "proposed",
    "notice",
    "comment",
    "docket",
    "federal",
    "register",
    "defense",
    "department",
    "army",
    "navy",
    "air",
    "force",
    "model",
    "models",
    "governance",
    "risk",
    "management",
    "framework",
    "nist",
    "standards",
    "safety",
    "security",
    "cloud",
    "data",
    "privacy",
    "algorithm",
    "automated",
    "decision",
    "systems",
    "workforce",
    "training",
    "budget",
    "appropriations",
    "bill",
    "act",
    "congress",
    "memo",
    "omb",
    "guidance",
    "chief",
    "officer",
    "acquisition",
    "vendor",
    "software",
    "license",
    "enterprise",
    "agreement",
    "pilot",
    "program",
    "million",
    "billion",
    "funding",
    "research",
    "development",
    "testing",
    "evaluation",
    "deployment",
    "generative",
    "language",
    "chatbot",
    "public",
    "sector",
    "state",
    "local",
    "government",
    "policy",
    "executive",
    "order",
    "memorandum",
    "compliance",
    "audit",
    "transparency",
    "accountability",
    "civil",
    "rights",
    "bias",
    "fairness",
    "the",
    "of",
    "and",
    "to",
    "in",
    "for",
    "on",
    "with",
    "by",
    "from",
    "at",
    "as",
    "new",
    "will",
    "its",
    "that",
    "this",
    "an",
    "be",
    "are",
    "was",
    "has",
    "have",
    "said",
    "year",
];

/// A small deterministic PRNG (xorshift64*), so every run benchmarks the same documents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// `min` to `min + spread - 1` words.
    fn words(&mut self, min: usize, spread: usize) -> String {
        let n = min + self.below(spread);
        (0..n)
            .map(|_| VOCAB[self.below(VOCAB.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

/// One RSS 2.0 document of `ITEMS_PER_DOC` items, with HTML in the descriptions.
fn rss_doc(rng: &mut Rng, doc: usize) -> Vec<u8> {
    let mut s = String::with_capacity(ITEMS_PER_DOC * 900);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>");
    s.push_str(&format!("<title>Bench feed {doc}</title><link>https://bench.example/{doc}</link><description>generated</description>"));
    for i in 0..ITEMS_PER_DOC {
        let n = doc * ITEMS_PER_DOC + i;
        let published = base_time() + chrono::Duration::minutes((n * 5) as i64);
        let title = rng.words(6, 7);
        let p1 = rng.words(30, 30);
        let p2 = rng.words(20, 30);
        s.push_str(&format!(
            "<item><title>{title}</title><link>https://bench.example/{doc}/items/{n}?utm_source=rss</link>\
             <guid isPermaLink=\"false\">bench-{n}</guid><pubDate>{}</pubDate>\
             <category>{}</category>\
             <description><![CDATA[<p>{p1} &amp; <a href=\"https://bench.example/x\">more</a></p><p>{p2}</p>]]></description></item>",
            published.to_rfc2822(),
            VOCAB[rng.below(20)]
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing we need.
    let total: usize = std::env::var("GOVWATCH_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let docs = total.div_ceil(ITEMS_PER_DOC);
    println!(
        "govwatch pipeline bench: {} items in {docs} documents of {ITEMS_PER_DOC}",
        docs * ITEMS_PER_DOC
    );
    println!(
        "machine: {} logical CPUs",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let documents: Vec<Vec<u8>> = (0..docs).map(|d| rss_doc(&mut rng, d)).collect();
    let bytes: usize = documents.iter().map(Vec::len).sum();

    // 1. parse + normalize
    let fetched_at = Utc::now();
    let start = Instant::now();
    let mut ingested = Vec::with_capacity(docs);
    for (d, doc) in documents.iter().enumerate() {
        let feed_id = format!("bench-{}", d % 20);
        let got = pipeline::ingest_bytes(&feed_id, doc, None, None, fetched_at)
            .expect("generated document parses");
        assert_eq!(
            got.items.len(),
            ITEMS_PER_DOC,
            "every generated item survives"
        );
        ingested.push((feed_id, got));
    }
    let parse_time = start.elapsed();
    let items: usize = ingested.iter().map(|(_, i)| i.items.len()).sum();
    println!(
        "parse+normalize: {items} items, {:.1} MB in {:.2} s = {:.0} items/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        parse_time.as_secs_f64(),
        items as f64 / parse_time.as_secs_f64(),
        bytes as f64 / 1e6 / parse_time.as_secs_f64()
    );

    // Extraction and clustering alone, on the same items.
    let x = govwatch::extract::Extractor::shipped();
    let start = Instant::now();
    let mut extracted = Vec::with_capacity(items);
    for (_, got) in &ingested {
        for item in &got.items {
            extracted.push(x.extract(item, None));
        }
    }
    let extract_time = start.elapsed();
    // Where extraction's time goes, one extractor at a time over the same texts.
    {
        use govwatch::extract::{amount, dates, identifiers};
        let texts: Vec<(&str, chrono::NaiveDate)> = ingested
            .iter()
            .flat_map(|(_, got)| &got.items)
            .flat_map(|i| {
                [
                    (i.title.as_str(), i.published.date_naive()),
                    (i.body.as_str(), i.published.date_naive()),
                ]
            })
            .collect();
        let time = |name: &str, f: &dyn Fn(&str, chrono::NaiveDate) -> usize| {
            let start = Instant::now();
            let found: usize = texts.iter().map(|&(t, d)| f(t, d)).sum();
            println!(
                "  {name}: {:.1} µs per item ({found} found)",
                start.elapsed().as_secs_f64() * 1e6 / items as f64
            );
        };
        time("amounts", &|t, _| amount::amounts(t).len());
        time("identifiers", &|t, _| identifiers::identifiers(t).len());
        time("dates", &|t, d| dates::event_dates(t, d).deadlines.len());
        time("kind", &|t, _| {
            govwatch::extract::kind::classify(None, Some("https://x.gov/"), t, &[], t) as usize
        });
    }
    let start = Instant::now();
    let mut clusterer = govwatch::cluster::Clusterer::new();
    let mut stories = std::collections::HashSet::new();
    let all = ingested.iter().flat_map(|(_, got)| &got.items);
    for (item, facts) in all.zip(&extracted) {
        let features = govwatch::cluster::Features::of(item, facts);
        stories.insert(clusterer.assign(item, item.published, features).0);
    }
    let cluster_time = start.elapsed();
    println!(
        "extract alone: {:.0} items/s; cluster alone: {:.0} items/s ({} stories)",
        items as f64 / extract_time.as_secs_f64(),
        items as f64 / cluster_time.as_secs_f64(),
        stories.len()
    );

    // 2. store + index
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path()).expect("store opens");
    let feeds: Vec<FeedConfig> = (0..20)
        .map(|n| FeedConfig {
            tags: vec![if n % 2 == 0 {
                "even".into()
            } else {
                "odd".into()
            }],
            ..FeedConfig::new(
                format!("bench-{n}"),
                url::Url::parse(&format!("https://bench.example/{n}")).expect("valid url"),
                "bench",
            )
        })
        .collect();
    store.sync_feeds(&feeds).expect("feeds sync");
    let mut index = Index::open_writable(&dir.path().join("tantivy")).expect("index opens");
    // As `poll` does it: this thread stores each feed's items while the index's writer thread
    // tags and indexes what was stored; one commit at the end.
    let topics = govwatch::topics::Topics::default();
    let extractor = govwatch::extract::Extractor::shipped();
    let start = Instant::now();
    let data_dir = dir.path().to_path_buf();
    let ((), indexed) =
        pipeline::index_alongside(&data_dir, &mut index, &topics, &extractor, |more| {
            for (feed_id, got) in &ingested {
                let success = FetchSuccess {
                    status: 200,
                    at: fetched_at,
                    etag: None,
                    last_modified: None,
                    permanent_url: None,
                    feed_title: got.feed_title.clone(),
                };
                store
                    .apply_fetch(feed_id, &success, &got.items)
                    .expect("store write");
                more.nudge();
            }
        })
        .expect("indexed");
    let both = start.elapsed();
    assert_eq!(indexed, items);
    println!(
        "store+index (as poll does it): {:.2} s = {:.0} items/s",
        both.as_secs_f64(),
        items as f64 / both.as_secs_f64()
    );
    println!(
        "end to end (parse+normalize, then store+index): {:.0} items/s",
        items as f64 / (parse_time + both).as_secs_f64()
    );
    // Extraction and clustering side by side: the same reindex with them and without, in
    // alternating runs so drift on a noisy machine hits both.
    let without = std::sync::Arc::new(govwatch::extract::Extractor::disabled());
    let mut with_rates = Vec::new();
    let mut without_rates = Vec::new();
    for run in 0..4 {
        let (label, x, rates) = if run % 2 == 0 {
            (
                "with extraction and clustering",
                &extractor,
                &mut with_rates,
            )
        } else {
            ("without them", &without, &mut without_rates)
        };
        let start = Instant::now();
        let rebuilt = pipeline::rebuild_index(&mut store, &mut index, &topics, x).expect("reindex");
        let time = start.elapsed();
        let rate = rebuilt as f64 / time.as_secs_f64();
        rates.push(rate);
        println!(
            "reindex {label} (read back from SQLite + tantivy + commit): {:.2} s = {rate:.0} items/s",
            time.as_secs_f64()
        );
    }
    let best = |r: &[f64]| r.iter().copied().fold(0.0, f64::max);
    println!(
        "extraction + clustering keep {:.0}% of ingest throughput (best of 2 each: {:.0} vs {:.0} items/s)",
        100.0 * best(&with_rates) / best(&without_rates),
        best(&with_rates),
        best(&without_rates)
    );
    // The last rebuild ran without extraction: rebuild once more with it for the searches.
    pipeline::rebuild_index(&mut store, &mut index, &topics, &extractor).expect("reindex");

    // 3. search
    let mid = base_time() + chrono::Duration::minutes((items * 5 / 2) as i64);
    let kinds: Vec<(&str, Vec<SearchRequest>)> = vec![
        (
            "1 term",
            ["contract", "hearing", "nist", "privacy", "chatbot"]
                .iter()
                .map(|q| req(q, None))
                .collect(),
        ),
        (
            "2 terms",
            [
                "artificial intelligence",
                "defense contract",
                "risk framework",
                "omb guidance",
            ]
            .iter()
            .map(|q| req(q, None))
            .collect(),
        ),
        (
            "3 terms",
            [
                "federal agency procurement",
                "senate committee hearing",
                "cloud security audit",
            ]
            .iter()
            .map(|q| req(q, None))
            .collect(),
        ),
        (
            "phrase",
            [
                "\"artificial intelligence\"",
                "\"the agency\"",
                "\"risk management\"",
            ]
            .iter()
            .map(|q| req(q, None))
            .collect(),
        ),
        (
            "date-filtered",
            ["contract", "artificial intelligence", "oversight OR audit"]
                .iter()
                .map(|q| req(q, Some(mid)))
                .collect(),
        ),
        (
            "OR",
            ["contract OR award", "bias OR fairness OR privacy"]
                .iter()
                .map(|q| req(q, None))
                .collect(),
        ),
    ];
    let rounds = 60;
    let mut all = Vec::new();
    for (name, requests) in &kinds {
        for r in requests {
            index.search(r).expect("warm-up query");
        }
        let mut times = Vec::new();
        for _ in 0..rounds {
            for r in requests {
                let t = Instant::now();
                let hits = index.search(r).expect("query runs");
                times.push(t.elapsed());
                assert!(!hits.is_empty(), "query {:?} finds something", r.query);
            }
        }
        times.sort();
        println!(
            "search {name:>13}: p50 {:.2} ms, p99 {:.2} ms ({} queries)",
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            times.len()
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "search all: p50 {:.2} ms, p99 {:.2} ms over {} queries on {indexed} items",
        ms(percentile(&all, 0.50)),
        ms(percentile(&all, 0.99)),
        all.len()
    );
}

fn req(query: &str, since: Option<DateTime<Utc>>) -> SearchRequest {
    SearchRequest {
        query: query.to_string(),
        since,
        until: None,
        feeds: Vec::new(),
        tags: Vec::new(),
        limit: 20,
        sort: Sort::Relevance,
        collapse: false,
    }
}
