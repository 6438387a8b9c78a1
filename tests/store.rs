//! normalize → store, as a poll does it: entries become items, a re-poll changes nothing, an
//! edited entry is updated in place with a new seq, and the index's view (`items_after`) sees
//! exactly the changes.

use chrono::{TimeZone, Utc};
use govwatch::feeds::FeedConfig;
use govwatch::model::{Document, Entry};
use govwatch::normalize::normalize_entries;
use govwatch::store::{FetchSuccess, Store, UpsertStats};

fn entry(n: u32, body: &str) -> Entry {
    Entry {
        title: Some(format!("Notice {n} &amp; guidance")),
        content: Some(format!("<p>{body}</p><script>track()</script>")),
        link: Some(format!(
            "https://www.example.gov/notices/{n}?utm_medium=feed#main"
        )),
        id: Some(format!("https://www.example.gov/?p={n}")),
        published: Some(Utc.timestamp_opt(1_780_000_000 + i64::from(n), 0).unwrap()),
        tags: vec!["AI".to_owned()],
        ..Entry::default()
    }
}

#[test]
fn poll_repoll_and_edit() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store
        .sync_feeds(&[FeedConfig {
            title: Some("Example agency".to_owned()),
            tags: vec!["federal".to_owned()],
            ..FeedConfig::new(
                "example",
                "https://www.example.gov/feed".parse().unwrap(),
                "feeds/example.toml",
            )
        }])
        .unwrap();
    let fetched = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    let success = FetchSuccess {
        status: 200,
        at: fetched,
        etag: Some("W/\"1\"".to_owned()),
        last_modified: None,
        permanent_url: None,
        feed_title: Some("Example".to_owned()),
    };

    let mut doc = Document {
        entries: vec![
            entry(1, "First."),
            entry(2, "Second."),
            entry(1, "Duplicate."),
        ],
        ..Document::default()
    };
    let items = normalize_entries("example", &doc, fetched);
    let stats = store.apply_fetch("example", &success, &items).unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            new: 2,
            updated: 0,
            unchanged: 0
        }
    );

    let stored = store.items_after(0, 10).unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].item.title, "Notice 1 & guidance");
    assert_eq!(stored[0].item.body, "First.");
    assert_eq!(
        stored[0].item.url.as_deref(),
        Some("https://www.example.gov/notices/1")
    );
    assert_eq!(stored[0].feed_title.as_deref(), Some("Example agency"));
    assert_eq!(stored[0].tags, vec!["federal"]);

    // The same document again: nothing new for the index.
    let watermark = store.max_seq().unwrap();
    let items = normalize_entries("example", &doc, fetched);
    let stats = store.apply_fetch("example", &success, &items).unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            new: 0,
            updated: 0,
            unchanged: 2
        }
    );
    assert!(store.items_after(watermark, 10).unwrap().is_empty());

    // The publisher edits entry 2: the index sees exactly that item again.
    doc.entries[1] = entry(2, "Second, corrected.");
    let items = normalize_entries("example", &doc, fetched);
    let stats = store.apply_fetch("example", &success, &items).unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            new: 0,
            updated: 1,
            unchanged: 1
        }
    );
    let changed = store.items_after(watermark, 10).unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].item.body, "Second, corrected.");
    assert_eq!(changed[0].item.item_id, stored[1].item.item_id);
    assert!(changed[0].seq > watermark);
    assert_eq!(store.item_count().unwrap(), 2);
}
