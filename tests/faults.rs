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

/// A tmpfs mounted over a directory for the test's lifetime (needs root: the test says so
/// and skips without it).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, size: &str) -> Option<Tmpfs> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .unwrap();
        let ok = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_owned()))
    }

    fn resize(&self, size: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// The disk fills while storing (the whole data directory on a 1 MiB tmpfs), or while the
/// index commits (only the index directory on it: the store takes every item, the index
/// none). Either way the poll fails saying so, and once there is room the next poll leaves
/// every item stored and indexed exactly once.
#[test]
fn a_full_disk_fails_the_poll_clearly_and_the_next_one_stores_everything_once() {
    let server = FeedServer::start();
    let items: Vec<(String, String, String)> = (0..3_000)
        .map(|n| {
            (
                format!("g{n}"),
                format!("Agency publishes AI notice number {n}"),
                "Words about an artificial intelligence procurement. ".repeat(20),
            )
        })
        .collect();
    let items: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(g, t, d)| (g.as_str(), t.as_str(), d.as_str()))
        .collect();
    server
        .state
        .set_dynamic("big.xml", common::rss("Big", &items));
    for full in ["data", "data/tantivy"] {
        let home = Home::new(
            &feed_entry("big", &server.url("/dynamic/big.xml"), &[]),
            true,
        );
        let config = home.path().join("govwatch.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let text = text.replace("max_body_bytes = 65536", "max_body_bytes = 16777216");
        std::fs::write(&config, text).unwrap();
        // The store of these items takes some 4 MiB and their index about 1 MiB.
        let size = if full == "data" { "1m" } else { "256k" };
        let Some(disk) = Tmpfs::mount(&home.path().join(full), size) else {
            eprintln!("SKIPPED: mounting a tmpfs needs root; the full-disk test did not run");
            return;
        };

        let err = stderr_of(&home, &["poll"]);
        assert!(
            err.contains("No space left on device") || err.contains("database or disk is full"),
            "{full} full: {err}"
        );
        let said = err
            .lines()
            .find(|l| l.contains("error:"))
            .unwrap_or_default();
        eprintln!("{full} full: {said}");

        disk.resize("256m");
        let lines = home.json_lines(&["poll", "--json"]);
        let status = home.json_lines(&["status", "--json"]);
        assert_eq!(
            status[0]["items"].as_u64(),
            Some(3_000),
            "{lines:?} {status:?}"
        );
        let hits = home.json_lines(&["search", "notice", "--limit", "10000", "--json"]);
        let mut ids: Vec<&str> = hits.iter().map(|h| h["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            (hits.len(), ids.len()),
            (3_000, 3_000),
            "{full}: every item indexed, once"
        );
        drop(disk);
    }
}
