//! `cargo bench --bench digest`: matching 5,000 new items against 10,000 subscriptions and
//! rendering every digest (no sending). Figures depend on the machine; report them with its
//! context (cores, memory).

use std::time::Instant;

use chrono::Utc;
use govwatch::digest::render::{DigestInput, render};
use govwatch::digest::select::Selector;
use govwatch::feeds::FeedConfig;
use govwatch::index::Index;
use govwatch::model::Entry;
use govwatch::model::Item;
use govwatch::normalize::normalize_entry;
use govwatch::store::{FetchSuccess, Store};
use govwatch::subscriptions::{NewSubscription, SubscriptionInput};
use govwatch::topics::{DEFAULT_TOPIC_NAMES, Topics};

const HEADLINES: &[&str] = &[
    "Army awards $45 million contract to {v} for AI logistics",
    "Navy issues task order to {v} for machine learning maintenance",
    "Senate committee hearing examines {v} and autonomous weapons",
    "House subcommittee holds hearing on AI in federal benefits",
    "Agency publishes proposed rule on automated decision systems",
    "Commerce issues request for comment on AI model reporting",
    "OMB memo directs agencies on AI governance and risk",
    "White House executive order on AI infrastructure",
    "GSA releases solicitation for generative AI services",
    "Sources sought notice for AI-enabled cybersecurity tools",
    "Bill would require AI impact assessments for agencies",
    "GAO report finds gaps in agency AI inventories",
    "Inspector general audit faults {v} chatbot pilot",
    "{v} partners with cloud provider to sell models to government",
    "Appropriations bill adds funding for AI research",
    "Vulnerability in {v} AI assistant exposes agency data",
    "Weather service upgrades its forecast models",
    "Local library hosts community reading night",
];
const VENDORS: &[&str] = &[
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne",
];
const QUERIES: &[&str] = &[
    "\"machine learning\" maintenance",
    "chatbot",
    "autonomous weapons",
    "cloud provider",
    "risk AND governance",
    "\"decision systems\"",
    "cybersecurity",
    "benefits",
];

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn main() {
    let items_n = 5_000;
    let subs_n = 10_000;
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path()).expect("store");
    let feeds: Vec<FeedConfig> = (0..10)
        .map(|n| FeedConfig {
            id: format!("feed-{n}"),
            url: url::Url::parse(&format!("https://bench.example/{n}")).expect("url"),
            title: Some(format!("Feed {n}")),
            tags: vec![],
            interval: None,
            schedule: None,
            kind: Default::default(),
            full_text: false,
            document_kind: None,
            source: "bench".into(),
        })
        .collect();
    store.sync_feeds(&feeds).expect("feeds");
    let topics = Topics::default();
    for n in 0..subs_n {
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
    let at = Utc::now();
    for (f, feed) in feeds.iter().enumerate() {
        let items: Vec<Item> = (0..items_n / feeds.len())
            .map(|i| {
                let n = f * 10_000 + i;
                let title = HEADLINES[rng.below(HEADLINES.len())]
                    .replace("{v}", VENDORS[rng.below(VENDORS.len())]);
                let entry = Entry {
                    id: Some(format!("item-{n}")),
                    title: Some(format!("{title} ({n})")),
                    summary: Some(format!(
                        "{title}. Officials said the work on artificial intelligence continues; details in the notice number {n}."
                    )),
                    link: Some(format!("https://bench.example/items/{n}")),
                    published: Some(at),
                    ..Entry::default()
                };
                normalize_entry(&feed.id, &entry, at)
            })
            .collect();
        let success = FetchSuccess {
            status: 200,
            at,
            etag: None,
            last_modified: None,
            permanent_url: None,
            feed_title: None,
        };
        store
            .apply_fetch(&feed.id, &success, &items)
            .expect("stored");
    }
    let mut index = Index::open_writable(&dir.path().join("tantivy")).expect("index");
    govwatch::pipeline::sync_index(
        &mut store,
        &mut index,
        &topics,
        &govwatch::extract::Extractor::shipped(),
    )
    .expect("tagged");

    let now = Utc::now();
    let start = Instant::now();
    let subs = store.subscriptions().expect("subscriptions");
    let mut selector = Selector::new(&store, &topics, &subs, now).expect("selector");
    let shared = start.elapsed();
    let (mut select_time, mut render_time) = (shared, std::time::Duration::ZERO);
    let (mut pairs, mut bytes) = (0, 0);
    for sub in &subs {
        let t = Instant::now();
        let sel = selector.select(sub).expect("selected");
        select_time += t.elapsed();
        pairs += sel.items.len() + sel.counted.len();
        let t = Instant::now();
        let mut items = sel.items;
        // Threads and "closing soon" come from the subscriber's history in the store.
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
        render_time += t.elapsed();
        bytes += d.text.len() + d.html.len();
    }
    println!(
        "digest bench ({} logical CPUs): {items_n} new items x {subs_n} subscriptions, {pairs} matched (subscription, item) pairs",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!(
        "select: {:.2} s (of which shared window read, own queries, stories: {:.2} s); render: {:.2} s ({:.0} MB of mail); total {:.2} s",
        select_time.as_secs_f64(),
        shared.as_secs_f64(),
        render_time.as_secs_f64(),
        bytes as f64 / 1e6,
        (select_time + render_time).as_secs_f64()
    );
}
