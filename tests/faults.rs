//! Faults around the stores: a damaged index and a database another process holds locked.
//! Each is reported with a message that says what to do, and nothing committed is lost.

mod common;

use common::{FeedServer, Home, feed_entry};
use serde_json::Value;

/// The ids a search finds, sorted (equal scores may come in either order).
fn search(home: &Home, query: &str) -> Vec<String> {
    let mut ids: Vec<String> = home
        .json_lines(&["search", query, "--limit", "100", "--json"])
        .iter()
        .map(|hit: &Value| hit["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn stderr_of(home: &Home, args: &[&str]) -> String {
    let out = home.cmd().args(args).output().unwrap();
    assert!(!out.status.success(), "govwatch {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_damaged_index_is_reported_and_rebuilt_from_the_store_by_reindex() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("rss", &server.url("/rss2.xml"), &[]), true);
    home.run(&["poll"]);
    let before = search(&home, "oversight");
    assert!(!before.is_empty());
    let index = home.data_dir().join("tantivy");

    // Damage of two kinds: the index's own metadata, then one segment file's bytes.
    let segment_file = |ext: &str| {
        std::fs::read_dir(&index)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap()
    };
    let damages: [Box<dyn Fn()>; 2] = [
        Box::new(|| std::fs::write(index.join("meta.json"), "{garbage").unwrap()),
        Box::new(|| {
            let term = segment_file("term");
            let len = std::fs::metadata(&term).unwrap().len();
            let file = std::fs::OpenOptions::new().write(true).open(&term).unwrap();
            file.set_len(len / 2).unwrap();
        }),
    ];
    for damage in damages {
        damage();
        for args in [&["search", "oversight"][..], &["poll"][..]] {
            let err = stderr_of(&home, args);
            assert!(
                err.contains("is damaged") && err.contains("run `govwatch reindex`"),
                "{args:?}: {err}"
            );
        }
        let out = home.run(&["reindex"]);
        assert!(out.is_empty() || !out.contains("error"), "{out}");
        assert_eq!(
            search(&home, "oversight"),
            before,
            "the rebuilt index answers as before"
        );
    }
}

#[test]
fn a_database_locked_by_another_process_is_waited_for_then_reported_and_nothing_is_lost() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("rss", &server.url("/rss2.xml"), &[]), true);
    std::fs::create_dir(home.data_dir()).unwrap();
    let db = home.data_dir().join("govwatch.sqlite3");
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let err = stderr_of(&home, &["poll"]);
    assert!(err.contains("locked"), "{err}");
    assert!(err.contains("govwatch.sqlite3"), "names the file: {err}");

    // Once the other process lets go, the poll stores every item, once.
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    let lines = home.json_lines(&["poll", "--json"]);
    let new = lines[0]["new"].as_u64().unwrap();
    assert!(new > 0, "{lines:?}");
    let status = home.json_lines(&["status", "--json"]);
    assert_eq!(status[0]["items"].as_u64(), Some(new), "{status:?}");
}
