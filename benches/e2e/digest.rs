//! Scenario 5, digest: 5,000 new items (from the shared corpus generator) against 10,000
//! subscriptions of one to three topics (one in ten with its own query too), every digest
//! selected and rendered as the daemon does before sending: topics, the subscriber's query,
//! stories folded, threads and "closing soon" looked up in the store. No peer: the feed
//! readers compared elsewhere send no per-topic digests.

use std::time::Instant;

use chrono::Utc;
use govwatch::digest::render::{DigestInput, render};
use govwatch::digest::select::Selector;
use govwatch::feeds::FeedConfig;
use govwatch::index::Index;
use govwatch::store::{FetchSuccess, Store};
use govwatch::subscriptions::{NewSubscription, SubscriptionInput};
use govwatch::topics::{DEFAULT_TOPIC_NAMES, Topics};

use crate::corpus::{self, Rng};
use crate::report::{Better, Report, Stat, thousands};
use crate::{Config, proc, size};

/// Subscribers' own queries, in the corpus's vocabulary.
const QUERIES: &[&str] = &[
    "\"large language models\" contract",
    "chatbots",
    "\"facial recognition\"",
    "fraud AND detection",
    "Palantir OR Anduril",
    "\"AI safety testing\"",
    "cybersecurity -cloud",
    "benefits processing",
];
const FEEDS: usize = 10;

pub fn run(config: &Config, report: &mut Report) {
    let items_n = size(config, "GOVWATCH_BENCH_DIGEST_ITEMS", 100, 5_000);
    let subs_n = size(config, "GOVWATCH_BENCH_SUBSCRIPTIONS", 100, 10_000);
    let mut times = Vec::new();
    let mut peaks = Vec::new();
    let mut pairs = 0;
    for _ in 0..config.runs.min(3) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = prepare(dir.path(), items_n, subs_n);
        let topics = Topics::default();
        let before = proc::own_mib();
        proc::reset_own_peak();
        let now = Utc::now();
        let start = Instant::now();
        let subs = store.subscriptions().expect("subscriptions");
        let mut selector = Selector::new(&store, &topics, &subs, now).expect("selector");
        let mut bytes = 0;
        pairs = 0;
        for sub in &subs {
            let sel = selector.select(sub).expect("selected");
            pairs += sel.items.len() + sel.counted.len();
            let mut items = sel.items;
            let closing_soon =
                govwatch::digest::deliver::context(&store, sub, &mut items, sel.window_start, now)
                    .expect("context");
            let d = render(&DigestInput {
                subscriber_name: sub.name.as_deref(),
                window_start: Some(sel.window_start),
                window_end: sel.window_end,
                topic_order: &sub.topics,
                items,
                counted: sel.counted,
                unsubscribe: Some("mailto:unsubscribe@example.gov"),
                closing_soon,
            });
            bytes += d.text.len() + d.html.len();
        }
        times.push(start.elapsed().as_secs_f64());
        peaks.push(proc::own_peak_mib() - before);
        assert!(bytes > 0, "digests were rendered");
    }
    assert!(
        pairs > subs_n,
        "subscriptions matched items: {pairs} (subscription, item) pairs"
    );
    let scenario = format!(
        "digest {} subscriptions × {} items",
        thousands(subs_n),
        thousands(items_n)
    );
    let no_peer = "no peer sends per-topic digests";
    report.row(
        &scenario,
        "select + render all",
        "s",
        Better::Lower,
        Stat::of(times),
        "-",
        None,
        no_peer,
    );
    if !config.quick {
        let median = report.rows.last().map_or(f64::NAN, |r| r.govwatch.median);
        report.target("< 10 s", median < 10.0);
    }
    report.row(
        &scenario,
        "memory added at peak",
        "MiB",
        Better::Lower,
        Stat::of(peaks),
        "-",
        None,
        no_peer,
    );
    println!("         {pairs} (subscription, item) pairs matched");
}

/// A store with `items` new items over ten feeds, tagged and indexed, and `subs`
/// subscriptions.
fn prepare(dir: &std::path::Path, items: usize, subs: usize) -> Store {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut store = Store::open(dir).expect("store");
    let feeds: Vec<FeedConfig> = (0..FEEDS)
        .map(|n| corpus::feed_config(format!("feed-{n}"), n))
        .collect();
    store.sync_feeds(&feeds).expect("feeds");
    for n in 0..subs {
        let mut chosen: Vec<String> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let t = DEFAULT_TOPIC_NAMES[rng.below(DEFAULT_TOPIC_NAMES.len())].to_string();
            if !chosen.contains(&t) {
                chosen.push(t);
            }
        }
        let query = (n % 10 == 0).then(|| QUERIES[rng.below(QUERIES.len())].to_string());
        let new = NewSubscription::parse(
            &SubscriptionInput {
                email: format!("user{n}@example.gov"),
                topics: chosen,
                query,
                ..SubscriptionInput::default()
            },
            DEFAULT_TOPIC_NAMES,
        )
        .expect("valid subscription");
        store.add_subscription(&new).expect("stored");
    }
    let generated = corpus::items(&mut rng, items);
    let now = Utc::now();
    for (f, chunk) in generated.chunks(items.div_ceil(FEEDS)).enumerate() {
        let feed = &feeds[f].id;
        let parsed =
            govwatch::pipeline::ingest_bytes(feed, &corpus::rss(f, chunk), None, None, now)
                .expect("govwatch parses the corpus");
        let success = FetchSuccess::ok(now);
        store
            .apply_fetch(feed, &success, &parsed.items)
            .expect("stored");
    }
    let mut index = Index::open_writable(&dir.join("tantivy")).expect("index");
    govwatch::pipeline::sync_index(
        &mut store,
        &mut index,
        &Topics::default(),
        &govwatch::extract::Extractor::shipped(),
    )
    .expect("tagged");
    store
}
