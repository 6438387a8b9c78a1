//! Tests of the store against real SQLite files in temporary directories.

use super::*;

use chrono::{SubsecRound, TimeZone};
use pretty_assertions::assert_eq;
use tempfile::TempDir;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

fn feed(id: &str, url: &str) -> FeedConfig {
    FeedConfig {
        tags: vec!["ai".to_owned(), "us".to_owned()],
        ..FeedConfig::new(id, url::Url::parse(url).unwrap(), "feeds/test.toml")
    }
}

fn item(feed_id: &str, n: u32, hash: &str) -> Item {
    Item {
        item_id: format!("{feed_id}-item-{n}"),
        feed_id: feed_id.to_owned(),
        guid: Some(format!("guid-{n}")),
        url: Some(format!("https://example.gov/{feed_id}/{n}")),
        title: format!("Item {n}"),
        summary: format!("Summary {n}"),
        body: format!("Body {n}"),
        authors: vec!["Jane Doe".to_owned()],
        categories: vec!["Policy".to_owned(), "AI".to_owned()],
        published: at(1_780_000_000 + i64::from(n)),
        updated: n.is_multiple_of(2).then(|| at(1_780_000_500)),
        content_hash: hash.to_owned(),
    }
}

fn ok(status: u16, secs: i64) -> FetchSuccess {
    FetchSuccess {
        status,
        at: at(secs),
        etag: None,
        last_modified: None,
        permanent_url: None,
        feed_title: None,
    }
}

fn failure(secs: i64, retry: Option<i64>) -> FetchFailure {
    FetchFailure {
        at: at(secs),
        status: Some(503),
        kind: "http-status".to_owned(),
        message: "503 Service Unavailable".to_owned(),
        retry_at: retry.map(at),
    }
}

/// A store in a fresh directory with feeds `a` and `b`.
fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    store
        .sync_feeds(&[
            feed("a", "https://a.example.gov/feed.xml"),
            feed("b", "https://b.example.gov/rss"),
        ])
        .unwrap();
    (dir, store)
}

fn seqs(store: &Store) -> Vec<(u64, String)> {
    store
        .items_after(0, 1000)
        .unwrap()
        .into_iter()
        .map(|s| (s.seq, s.item.item_id))
        .collect()
}

#[test]
fn fresh_file_is_migrated_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("nested/data");
    {
        let mut store = Store::open(&data_dir).unwrap();
        assert_eq!(store.path(), data_dir.join(DATABASE_FILE));
        assert_eq!(
            schema::user_version(&store.conn).unwrap(),
            schema::current_version()
        );
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        assert_eq!(store.max_seq().unwrap(), 0);
        assert_eq!(store.item_count().unwrap(), 0);
        store
            .sync_feeds(&[feed("a", "https://a.example.gov/feed.xml")])
            .unwrap();
        store
            .apply_fetch("a", &ok(200, 10), &[item("a", 1, "h1")])
            .unwrap();
    }
    assert!(data_dir.join(DATABASE_FILE).is_file());
    let store = Store::open(&data_dir).unwrap();
    assert_eq!(
        schema::user_version(&store.conn).unwrap(),
        schema::current_version()
    );
    assert_eq!(store.item_count().unwrap(), 1);
    assert_eq!(store.max_seq().unwrap(), 1);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let path = dir.path().join(DATABASE_FILE);
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", schema::current_version() + 1)
        .unwrap();
    drop(conn);

    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("newer"), "{msg}");
    let err = Store::open_read_only(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err:?}");
}

#[test]
fn errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // The data directory is a file.
    let file = dir.path().join("occupied");
    std::fs::write(&file, "x").unwrap();
    let err = Store::open(&file).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
    // The database file is not a database.
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join(DATABASE_FILE), vec![b'z'; 4096]).unwrap();
    let err = Store::open(&bad).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&bad.join(DATABASE_FILE).display().to_string()),
        "{err}"
    );
    // Nothing to read.
    let empty = dir.path().join("empty");
    let err = Store::open_read_only(&empty).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&empty.display().to_string()),
        "{err}"
    );
    assert!(!empty.exists(), "a read-only open must not create anything");
}

#[test]
fn upsert_counts_new_updated_unchanged() {
    let (_dir, mut store) = store();
    let batch = vec![item("a", 1, "h1"), item("a", 2, "h2"), item("a", 3, "h3")];
    let stats = store.apply_fetch("a", &ok(200, 100), &batch).unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            new: 3,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        seqs(&store),
        vec![
            (1, "a-item-1".to_owned()),
            (2, "a-item-2".to_owned()),
            (3, "a-item-3".to_owned()),
        ]
    );

    let stats = store.apply_fetch("a", &ok(200, 200), &batch).unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            new: 0,
            updated: 0,
            unchanged: 3
        }
    );
    assert_eq!(
        store.max_seq().unwrap(),
        3,
        "unchanged items get no new seq"
    );

    let mut edited = batch.clone();
    edited[0].title = "Item 1, corrected".to_owned();
    edited[0].content_hash = "h1-v2".to_owned();
    edited.push(item("a", 4, "h4"));
    let stats = store.apply_fetch("a", &ok(200, 300), &edited).unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            new: 1,
            updated: 1,
            unchanged: 2
        }
    );
    // The edited item moved past everything given before; the new one after it.
    assert_eq!(
        seqs(&store),
        vec![
            (2, "a-item-2".to_owned()),
            (3, "a-item-3".to_owned()),
            (4, "a-item-1".to_owned()),
            (5, "a-item-4".to_owned()),
        ]
    );
    assert_eq!(store.item_count().unwrap(), 4);
    let stored = store.items_after(3, 1).unwrap();
    assert_eq!(stored[0].item, edited[0]);

    let (first, last): (i64, i64) = store
        .conn
        .query_row(
            "SELECT first_seen_at, last_seen_at FROM items WHERE item_id = 'a-item-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((first, last), (micros(at(100)), micros(at(300))));
}

#[test]
fn seq_strictly_increases_and_is_never_reused() {
    let (_dir, mut store) = store();
    let mut last = 0;
    for round in 0..5 {
        let hash = format!("h-{round}");
        store
            .apply_fetch(
                "a",
                &ok(200, round),
                &[item("a", 1, &hash), item("a", 2, &hash)],
            )
            .unwrap();
        let now = seqs(&store);
        assert_eq!(now.len(), 2);
        assert!(now[0].0 > last, "round {round}: {now:?} after {last}");
        assert!(now[1].0 > now[0].0);
        last = now[1].0;
        assert_eq!(store.max_seq().unwrap(), last);
    }
    assert_eq!(last, 10);
    // Even when the item with the highest seq disappears, its seq is not given again.
    store
        .conn
        .execute("DELETE FROM items WHERE seq = 10", [])
        .unwrap();
    store
        .apply_fetch("a", &ok(200, 9), &[item("a", 3, "x")])
        .unwrap();
    assert_eq!(store.max_seq().unwrap(), 11);
    assert_eq!(seqs(&store).last().unwrap().0, 11);
}

#[test]
fn duplicate_ids_in_one_batch() {
    let (_dir, mut store) = store();
    let stats = store
        .apply_fetch(
            "a",
            &ok(200, 1),
            &[item("a", 1, "x"), item("a", 1, "y"), item("a", 1, "y")],
        )
        .unwrap();
    assert_eq!(
        stats,
        UpsertStats {
            new: 1,
            updated: 1,
            unchanged: 1
        }
    );
    assert_eq!(seqs(&store), vec![(2, "a-item-1".to_owned())]);
}

#[test]
fn items_after_pages_in_seq_order_with_feed_facts() {
    let (_dir, mut store) = store();
    let mut titled = feed("a", "https://a.example.gov/feed.xml");
    titled.title = Some("Operator's title".to_owned());
    store
        .sync_feeds(&[titled, feed("b", "https://b.example.gov/rss")])
        .unwrap();
    let mut fetch = ok(200, 5);
    fetch.feed_title = Some("Feed's own A".to_owned());
    store
        .apply_fetch("a", &fetch, &[item("a", 1, "1"), item("a", 2, "2")])
        .unwrap();
    fetch.feed_title = Some("Feed's own B".to_owned());
    store
        .apply_fetch("b", &fetch, &[item("b", 1, "1")])
        .unwrap();

    let all = store.items_after(0, 100).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].item, item("a", 1, "1"));
    assert_eq!(all[0].feed_title.as_deref(), Some("Operator's title"));
    assert_eq!(all[0].tags, vec!["ai", "us"]);
    assert_eq!(all[2].item, item("b", 1, "1"));
    assert_eq!(all[2].feed_title.as_deref(), Some("Feed's own B"));

    let page = store.items_after(1, 1).unwrap();
    assert_eq!(page.iter().map(|s| s.seq).collect::<Vec<_>>(), vec![2]);
    assert!(store.items_after(3, 10).unwrap().is_empty());
    assert!(store.items_after(u64::MAX, usize::MAX).unwrap().is_empty());
    assert_eq!(store.items_after(0, usize::MAX).unwrap().len(), 3);
}

#[test]
fn validators_and_permanent_url_round_trip() {
    let (_dir, mut store) = store();
    let state = store.feed_state("a").unwrap().unwrap();
    assert_eq!(state.url, "https://a.example.gov/feed.xml");
    assert_eq!((state.etag, state.last_modified), (None, None));
    assert!(store.feed_state("nope").unwrap().is_none());

    let fetch = FetchSuccess {
        status: 200,
        at: at(1000),
        etag: Some("\"abc\"".to_owned()),
        last_modified: Some("Wed, 25 Nov 2026 10:00:00 GMT".to_owned()),
        permanent_url: Some("https://new.example.gov/feed.xml".to_owned()),
        feed_title: Some("A feed".to_owned()),
    };
    store.apply_fetch("a", &fetch, &[]).unwrap();
    let state = store.feed_state("a").unwrap().unwrap();
    assert_eq!(
        state,
        FeedState {
            feed_id: "a".to_owned(),
            url: "https://new.example.gov/feed.xml".to_owned(),
            etag: Some("\"abc\"".to_owned()),
            last_modified: Some("Wed, 25 Nov 2026 10:00:00 GMT".to_owned()),
            retry_at: None,
            consecutive_errors: 0,
            last_fetch_at: Some(at(1000)),
            last_success_at: Some(at(1000)),
            next_poll_at: None,
        }
    );
    store.set_next_poll("a", at(2000)).unwrap();
    let state = store.feed_state("a").unwrap().unwrap();
    assert_eq!(state.next_poll_at, Some(at(2000)));
    assert_eq!(store.feed_health().unwrap()[0].next_poll_at, Some(at(2000)));
    assert!(store.set_next_poll("nope", at(2000)).is_err());

    // Re-syncing an unchanged configuration keeps the redirect and validators.
    store
        .sync_feeds(&[
            feed("a", "https://a.example.gov/feed.xml"),
            feed("b", "https://b.example.gov/rss"),
        ])
        .unwrap();
    assert_eq!(store.feed_state("a").unwrap().unwrap(), state);

    // A 200 without validators clears the old ones; no new title keeps the old title.
    store.apply_fetch("a", &ok(200, 2000), &[]).unwrap();
    let state = store.feed_state("a").unwrap().unwrap();
    assert_eq!((state.etag, state.last_modified), (None, None));
    assert_eq!(state.url, "https://new.example.gov/feed.xml");
    let health = store.feed_health().unwrap();
    assert_eq!(health[0].title.as_deref(), Some("A feed"));
}

#[test]
fn changed_configured_url_resets_url_validators_and_backoff() {
    let (_dir, mut store) = store();
    let mut fetch = ok(200, 10);
    fetch.etag = Some("e1".to_owned());
    fetch.last_modified = Some("lm".to_owned());
    fetch.permanent_url = Some("https://moved.example.gov/feed".to_owned());
    store
        .apply_fetch("a", &fetch, &[item("a", 1, "h")])
        .unwrap();
    store.record_failure("a", &failure(20, Some(5000))).unwrap();

    let mut moved = feed("a", "https://elsewhere.example.gov/atom.xml");
    moved.title = Some("Renamed".to_owned());
    moved.tags = vec!["new-tag".to_owned()];
    store.sync_feeds(&[moved]).unwrap();
    let state = store.feed_state("a").unwrap().unwrap();
    assert_eq!(state.url, "https://elsewhere.example.gov/atom.xml");
    assert_eq!((state.etag, state.last_modified), (None, None));
    assert_eq!((state.retry_at, state.consecutive_errors), (None, 0));
    // Nothing is deleted: feed b (absent from this sync) and a's items remain.
    let health = store.feed_health().unwrap();
    assert_eq!(
        health.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec!["a", "b"]
    );
    assert_eq!(health[0].title.as_deref(), Some("Renamed"));
    assert_eq!(health[0].tags, vec!["new-tag"]);
    assert_eq!(
        health[0].configured_url,
        "https://elsewhere.example.gov/atom.xml"
    );
    assert_eq!(health[0].item_count, 1);
}

#[test]
fn failures_count_up_and_success_resets() {
    let (_dir, mut store) = store();
    store.record_failure("a", &failure(100, None)).unwrap();
    store.record_failure("a", &failure(200, Some(900))).unwrap();
    let state = store.feed_state("a").unwrap().unwrap();
    assert_eq!(state.consecutive_errors, 2);
    assert_eq!(state.retry_at, Some(at(900)));
    assert_eq!(state.last_fetch_at, Some(at(200)));
    assert_eq!(state.last_success_at, None);
    let h = &store.feed_health().unwrap()[0];
    assert_eq!(h.last_status, Some(503));
    assert_eq!(h.last_error_kind.as_deref(), Some("http-status"));
    assert_eq!(h.last_error.as_deref(), Some("503 Service Unavailable"));
    assert_eq!(h.consecutive_errors, 2);

    store.apply_fetch("a", &ok(200, 300), &[]).unwrap();
    let h = &store.feed_health().unwrap()[0];
    assert_eq!((h.consecutive_errors, h.retry_at), (0, None));
    assert_eq!(
        (h.last_error_kind.as_deref(), h.last_error.as_deref()),
        (None, None)
    );
    assert_eq!(
        (h.last_status, h.last_success_at),
        (Some(200), Some(at(300)))
    );

    store
        .record_failure("a", &failure(400, Some(1000)))
        .unwrap();
    let not_modified = FetchSuccess {
        etag: Some("\"v2\"".into()),
        ..ok(304, 500)
    };
    store.record_not_modified("a", &not_modified).unwrap();
    let state = store.feed_state("a").unwrap().unwrap();
    assert_eq!(
        state.etag.as_deref(),
        Some("\"v2\""),
        "a 304's new validator is kept"
    );
    let h = &store.feed_health().unwrap()[0];
    assert_eq!((h.consecutive_errors, h.retry_at), (0, None));
    assert_eq!(
        (h.last_status, h.last_fetch_at, h.last_success_at),
        (Some(304), Some(at(500)), Some(at(500)))
    );

    // A huge message is truncated at a char boundary.
    let mut big = failure(600, None);
    big.message = "é".repeat(MAX_ERROR_MESSAGE_BYTES);
    store.record_failure("a", &big).unwrap();
    let h = &store.feed_health().unwrap()[0];
    assert_eq!(
        h.last_error.as_ref().map(String::len),
        Some(MAX_ERROR_MESSAGE_BYTES)
    );
}

#[test]
fn unknown_feeds_and_foreign_items_are_errors() {
    let (_dir, mut store) = store();
    let err = store
        .apply_fetch("zzz", &ok(200, 1), &[item("zzz", 1, "h")])
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownFeed { .. }), "{err:?}");
    assert!(err.to_string().contains("zzz"), "{err}");
    assert!(matches!(
        store.record_failure("zzz", &failure(1, None)).unwrap_err(),
        StoreError::UnknownFeed { .. }
    ));
    assert!(matches!(
        store.record_not_modified("zzz", &ok(304, 1)).unwrap_err(),
        StoreError::UnknownFeed { .. }
    ));
    let err = store
        .apply_fetch("a", &ok(200, 1), &[item("a", 1, "h"), item("b", 1, "h")])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::ItemFeedMismatch { .. }),
        "{err:?}"
    );
    // Nothing of the refused batch was written.
    assert_eq!(store.item_count().unwrap(), 0);
    assert_eq!(store.feed_state("a").unwrap().unwrap().last_fetch_at, None);
}

#[test]
fn feed_health_counts_items_per_feed() {
    let (_dir, mut store) = store();
    store
        .sync_feeds(&[feed("c", "https://c.example.gov/")])
        .unwrap();
    store
        .apply_fetch("a", &ok(200, 1), &[item("a", 1, "h"), item("a", 2, "h")])
        .unwrap();
    store
        .apply_fetch("b", &ok(200, 1), &[item("b", 1, "h")])
        .unwrap();
    let health = store.feed_health().unwrap();
    let counts: Vec<_> = health
        .iter()
        .map(|h| (h.id.as_str(), h.item_count))
        .collect();
    assert_eq!(counts, vec![("a", 2), ("b", 1), ("c", 0)]);
    let json = serde_json::to_value(&health[2]).unwrap();
    assert_eq!(json["id"], "c");
    assert_eq!(json["item_count"], 0);
    assert_eq!(json["last_status"], serde_json::Value::Null);
}

#[test]
fn read_only_open_sees_data_beside_a_writer() {
    let (dir, mut store) = store();
    store
        .apply_fetch("a", &ok(200, 1), &[item("a", 1, "h")])
        .unwrap();
    store.set_meta("index.last_seq", "1").unwrap();

    let mut reader = Store::open_read_only(dir.path()).unwrap();
    assert_eq!(reader.item_count().unwrap(), 1);
    assert_eq!(
        reader.items_after(0, 10).unwrap()[0].item,
        item("a", 1, "h")
    );
    assert_eq!(
        reader.get_meta("index.last_seq").unwrap().as_deref(),
        Some("1")
    );
    assert_eq!(reader.feed_health().unwrap().len(), 2);

    // The writer goes on; the reader sees its commits.
    store
        .apply_fetch("a", &ok(200, 2), &[item("a", 2, "h")])
        .unwrap();
    assert_eq!(reader.item_count().unwrap(), 2);
    assert_eq!(reader.max_seq().unwrap(), 2);

    let err = reader.set_meta("k", "v").unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert!(matches!(
        reader.apply_fetch("a", &ok(200, 3), &[]).unwrap_err(),
        StoreError::ReadOnly { .. }
    ));
    assert!(matches!(
        reader.sync_feeds(&[]).unwrap_err(),
        StoreError::ReadOnly { .. }
    ));
}

#[test]
fn meta_round_trips() {
    let (_dir, mut store) = store();
    assert_eq!(store.get_meta("k").unwrap(), None);
    store.set_meta("k", "v1").unwrap();
    store.set_meta("k", "v2").unwrap();
    assert_eq!(store.get_meta("k").unwrap().as_deref(), Some("v2"));
}

#[test]
fn dates_round_trip_across_the_whole_range() {
    let (_dir, mut store) = store();
    let mut early = item("a", 1, "h");
    early.published = DateTime::<Utc>::MIN_UTC.trunc_subsecs(6);
    early.updated = Some(DateTime::<Utc>::MAX_UTC.trunc_subsecs(6));
    let mut precise = item("a", 2, "h");
    precise.published = Utc.timestamp_opt(1_780_000_000, 123_456_000).unwrap();
    store
        .apply_fetch("a", &ok(200, 1), &[early.clone(), precise.clone()])
        .unwrap();
    let back: Vec<Item> = store
        .items_after(0, 10)
        .unwrap()
        .into_iter()
        .map(|s| s.item)
        .collect();
    assert_eq!(back, vec![early, precise]);
    // Published dates sort as dates.
    let order: Vec<String> = store
        .conn
        .prepare("SELECT item_id FROM items ORDER BY published")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(order, vec!["a-item-1", "a-item-2"]);
}

/// Throughput of one big batch; run with
/// `cargo test --release --lib store::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore = "measurement, run by hand in release"]
fn throughput_100k_items() {
    let (_dir, mut store) = store();
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(20);
    let items: Vec<Item> = (0..100_000)
        .map(|n| {
            let mut it = item("a", n, &format!("{n:032x}"));
            it.body = body.clone();
            it
        })
        .collect();
    let start = std::time::Instant::now();
    let stats = store.apply_fetch("a", &ok(200, 1), &items).unwrap();
    let insert = start.elapsed();
    assert_eq!(stats.new, 100_000);
    let start = std::time::Instant::now();
    let stats = store.apply_fetch("a", &ok(200, 2), &items).unwrap();
    let unchanged = start.elapsed();
    assert_eq!(stats.unchanged, 100_000);
    let start = std::time::Instant::now();
    let mut read = 0;
    let mut after = 0;
    loop {
        let page = store.items_after(after, 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        read += page.len();
    }
    let read_time = start.elapsed();
    assert_eq!(read, 100_000);
    println!(
        "100k items (~1.2 KB body): insert {insert:?}, re-poll unchanged {unchanged:?}, \
         read back in pages of 1000 {read_time:?}"
    );
}

#[test]
fn each_fetch_keeps_the_newest_arrival_of_a_feed() {
    let (_dir, mut store) = store();
    store
        .sync_feeds(&[feed("a", "https://a.example.gov/feed.xml")])
        .unwrap();
    let arrival = |store: &Store| -> Option<i64> {
        store
            .conn
            .query_row("SELECT last_arrival FROM feeds WHERE id = 'a'", [], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(arrival(&store), None);
    // Items dated 1_780_000_001 and _002, fetched later: they arrived at their dates.
    let late = 1_790_000_000;
    store
        .apply_fetch("a", &ok(200, late), &[item("a", 1, "1"), item("a", 2, "2")])
        .unwrap();
    assert_eq!(arrival(&store), Some(micros(at(1_780_000_002))));
    // Nothing new (an unchanged and a changed item): the arrival stays.
    store
        .apply_fetch(
            "a",
            &ok(200, late + 60),
            &[item("a", 1, "1"), item("a", 2, "2b")],
        )
        .unwrap();
    assert_eq!(arrival(&store), Some(micros(at(1_780_000_002))));
    // A new item dated after its fetch (a clock ahead) arrived when it was fetched.
    let mut ahead = item("a", 3, "3");
    ahead.published = at(late + 10_000);
    store
        .apply_fetch("a", &ok(200, late + 120), &[ahead])
        .unwrap();
    assert_eq!(arrival(&store), Some(micros(at(late + 120))));
}
