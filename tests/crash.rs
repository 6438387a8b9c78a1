//! Crash consistency: the process dies between the SQLite write and the index commit (a
//! failpoint aborts it, as `kill -9` would); the next run indexes every item exactly once.

mod common;

use common::{FeedServer, Home, feed_entry, rss};

fn search_ids(home: &Home, query: &str) -> Vec<String> {
    home.json_lines(&["search", query, "--limit", "10000", "--json"])
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

fn status(home: &Home) -> serde_json::Value {
    home.json_lines(&["status", "--json"]).remove(0)
}

#[test]
fn killed_before_index_commit_then_restarted_indexes_every_item_exactly_once() {
    let server = FeedServer::start();
    let items: Vec<(String, String, String)> = (0..40)
        .map(|n| {
            (
                format!("guid-{n}"),
                format!("Agency AI inventory report number{n}"),
                format!("Inspector general review of algorithmic systems, batch{n}."),
            )
        })
        .collect();
    let doc = |v: &[(String, String, String)]| {
        let refs: Vec<(&str, &str, &str)> = v
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        rss("Crash feed", &refs)
    };
    server.state.set_dynamic("a.xml", doc(&items[..25]));
    server.state.set_dynamic("b.xml", doc(&items[25..]));
    let home = Home::new(
        &(feed_entry("crash-a", &server.url("/dynamic/a.xml"), &[])
            + &feed_entry("crash-b", &server.url("/dynamic/b.xml"), &[])),
        true,
    );

    // 1. Die after the store committed, before the index did.
    let out = home
        .cmd()
        .args(["poll"])
        .env("GOVWATCH_FAILPOINT", "before-index-commit")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the failpoint must kill the process");
    assert!(String::from_utf8_lossy(&out.stderr).contains("failpoint before-index-commit"));
    let s = status(&home);
    assert_eq!(s["items"], 40, "{s}");
    assert_eq!(
        s["indexed_docs"], 0,
        "nothing was committed to the index: {s}"
    );
    assert_eq!(s["index_lag"], 40, "{s}");

    // 2. Restart: the items are already stored (nothing new), and the catch-up indexes them.
    let out = home.run(&["poll"]);
    assert!(out.contains("new 0"), "{out}");
    let s = status(&home);
    assert_eq!(s["indexed_docs"], 40, "{s}");
    assert_eq!(s["index_lag"], 0, "{s}");
    let mut ids = search_ids(&home, "");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40, "every item indexed exactly once");

    // 3. An update that dies before its index commit: after the restart the index holds the new
    //    text once and the old text nowhere.
    let mut changed = items.clone();
    changed[3].2 = "Revised: the review now covers facial recognition procurement.".to_string();
    server.state.set_dynamic("a.xml", doc(&changed[..25]));
    let out = home
        .cmd()
        .args(["poll"])
        .env("GOVWATCH_FAILPOINT", "before-index-commit")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(status(&home)["index_lag"].as_u64().unwrap() > 0);
    home.run(&["poll"]);
    let s = status(&home);
    assert_eq!(s["items"], 40, "{s}");
    assert_eq!(s["indexed_docs"], 40, "{s}");
    assert_eq!(search_ids(&home, "\"facial recognition\"").len(), 1);
    assert_eq!(
        search_ids(&home, "batch3").len(),
        0,
        "the old text of the updated item is gone"
    );
    assert_eq!(search_ids(&home, "batch4").len(), 1);
}
