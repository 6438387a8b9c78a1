//! `govwatch poll` end to end: the real binary fetches fixture feeds from a local HTTP server,
//! stores them in SQLite and indexes them; `search`, `feeds list` and `status` read them back.

mod common;

use common::{ETAG, FeedServer, Home, LAST_MODIFIED, by_feed, feed_entry, rss};
use pretty_assertions::assert_eq;
use serde_json::Value;

fn poll_json(home: &Home) -> Vec<Value> {
    home.json_lines(&["poll", "--json"])
}

fn feeds_list(home: &Home) -> Vec<Value> {
    home.json_lines(&["feeds", "list", "--json"])
}

fn search(home: &Home, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.push("--json");
    home.json_lines(&all)
}

#[test]
fn second_poll_sends_validators_and_adds_no_duplicates() {
    let server = FeedServer::start();
    let home = Home::new(
        &(feed_entry("etag", &server.url("/etag.xml"), &[])
            + &feed_entry("dated", &server.url("/dated.xml"), &[])),
        true,
    );
    let first = poll_json(&home);
    let (etag, dated) = (by_feed(&first, "etag"), by_feed(&first, "dated"));
    assert_eq!(etag["outcome"], "fetched");
    assert_eq!(etag["status"], 200);
    assert!(etag["new"].as_u64().unwrap() > 0, "{etag}");
    assert!(dated["new"].as_u64().unwrap() > 0, "{dated}");
    let items = home.json_lines(&["status", "--json"])[0]["items"]
        .as_u64()
        .unwrap();

    let second = poll_json(&home);
    for id in ["etag", "dated"] {
        let line = by_feed(&second, id);
        assert_eq!(line["outcome"], "not-modified", "{line}");
        assert_eq!(line["status"], 304, "{line}");
        assert_eq!(line["new"], 0);
    }
    let seen = server.state.requests_to("/etag.xml");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].if_none_match, None);
    assert_eq!(seen[1].if_none_match.as_deref(), Some(ETAG));
    let seen = server.state.requests_to("/dated.xml");
    assert_eq!(seen[1].if_modified_since.as_deref(), Some(LAST_MODIFIED));
    assert!(seen[0].user_agent.as_deref().unwrap().contains("govwatch/"));

    let status = &home.json_lines(&["status", "--json"])[0];
    assert_eq!(status["items"].as_u64().unwrap(), items, "no duplicates");
    assert_eq!(status["indexed_docs"].as_u64().unwrap(), items);
    assert!(status["last_poll"].is_string());
}

#[test]
fn unchanged_content_without_validators_adds_nothing_and_a_changed_item_updates_in_place() {
    let server = FeedServer::start();
    let v1 = rss(
        "Oversight feed",
        &[
            (
                "g1",
                "GAO reviews agency chatbot pilots",
                "Auditors examined twelve pilots.",
            ),
            (
                "g2",
                "Senate hearing on model evaluations",
                "Witnesses from NIST testified.",
            ),
        ],
    );
    server.state.set_dynamic("feed.xml", v1.clone());
    let home = Home::new(
        &feed_entry(
            "oversight",
            &server.url("/dynamic/feed.xml"),
            &["oversight"],
        ),
        true,
    );
    let first = poll_json(&home);
    assert_eq!(by_feed(&first, "oversight")["new"], 2);

    // Same bytes again (no validators on this feed): nothing new, nothing updated.
    let again = poll_json(&home);
    assert_eq!(by_feed(&again, "oversight")["new"], 0);
    assert_eq!(by_feed(&again, "oversight")["updated"], 0);

    // g2's text changes; g3 is new.
    let v2 = rss(
        "Oversight feed",
        &[
            (
                "g1",
                "GAO reviews agency chatbot pilots",
                "Auditors examined twelve pilots.",
            ),
            (
                "g2",
                "Senate hearing on model evaluations postponed",
                "The hearing moved to December.",
            ),
            (
                "g3",
                "OMB issues memo on AI procurement",
                "Memo M-26-03 sets purchasing rules.",
            ),
        ],
    );
    server.state.set_dynamic("feed.xml", v2);
    let third = poll_json(&home);
    assert_eq!(by_feed(&third, "oversight")["new"], 1);
    assert_eq!(by_feed(&third, "oversight")["updated"], 1);

    assert_eq!(search(&home, &["postponed"]).len(), 1);
    assert_eq!(
        search(&home, &["testified"]).len(),
        0,
        "the old text is gone from the index"
    );
    assert_eq!(
        search(&home, &["hearing"]).len(),
        1,
        "updated in place, not duplicated"
    );
    let status = &home.json_lines(&["status", "--json"])[0];
    assert_eq!(status["items"], 3);
    assert_eq!(status["indexed_docs"], 3);
}

#[test]
fn each_bad_feed_fails_alone_with_its_error_recorded() {
    let server = FeedServer::start();
    let good = rss(
        "Good",
        &[(
            "ok1",
            "NIST releases AI risk profile",
            "Generative AI profile.",
        )],
    );
    server.state.set_dynamic("good.xml", good);
    let feeds = [
        ("good", "/dynamic/good.xml"),
        ("malformed", "/malformed.xml"),
        ("huge", "/huge.xml"),
        ("slow", "/slow.xml"),
        ("limited", "/limited.xml"),
        ("missing", "/gone.xml"),
        ("looping", "/loop/0"),
    ];
    let list: String = feeds
        .iter()
        .map(|(id, path)| feed_entry(id, &server.url(path), &[]))
        .collect();
    let home = Home::new(&list, true);

    let out = home.cmd().args(["poll"]).output().unwrap();
    assert!(
        out.status.success(),
        "poll exits 0 even when feeds fail: {out:?}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        feeds.len(),
        "one line per feed:\n{stdout}"
    );

    let lines = poll_json(&home);
    let list = feeds_list(&home);
    let row = |id: &str| list.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row("good")["consecutive_errors"], 0);
    assert_eq!(row("good")["items"], 1);

    let expect = [
        ("malformed", "parse"),
        ("huge", "too-large"),
        ("slow", "timeout"),
        ("missing", "http-status"),
        ("looping", "too-many-redirects"),
    ];
    for (id, kind) in expect {
        let line = by_feed(&lines, id);
        assert_eq!(line["outcome"], "failed", "{line}");
        assert_eq!(line["kind"], kind, "{line}");
        assert!(
            line["error"].as_str().unwrap().contains("127.0.0.1"),
            "errors name the URL: {line}"
        );
        let r = row(id);
        assert_eq!(r["consecutive_errors"], 2, "{id} failed on both polls: {r}");
        assert!(r["last_error"].as_str().is_some(), "{r}");
        assert_eq!(r["items"], 0);
    }
    assert_eq!(row("missing")["last_status"], 404);

    // 429 with Retry-After: failed once, then deferred without a request.
    let limited = by_feed(&lines, "limited");
    assert_eq!(limited["outcome"], "deferred", "{limited}");
    assert_eq!(server.state.requests_to("/limited.xml").len(), 1);
    assert!(row("limited")["retry_at"].is_string());
    assert_eq!(row("limited")["last_status"], 429);

    let status = &home.json_lines(&["status", "--json"])[0];
    assert_eq!(status["items"], 1);
    assert_eq!(status["feeds_failing"], 6);
}

#[test]
fn redirects_are_followed_and_a_permanent_move_is_recorded() {
    let server = FeedServer::start();
    let home = Home::new(
        &(feed_entry("chain", &server.url("/hop1"), &[])
            + &feed_entry("moved", &server.url("/old-home.xml"), &[])),
        true,
    );
    let first = poll_json(&home);
    assert_eq!(by_feed(&first, "chain")["outcome"], "fetched");
    assert!(by_feed(&first, "chain")["new"].as_u64().unwrap() > 0);
    assert_eq!(by_feed(&first, "moved")["outcome"], "fetched");

    let list = feeds_list(&home);
    let moved = list.iter().find(|r| r["id"] == "moved").unwrap();
    assert_eq!(moved["url"], server.url("/new-home.xml"), "{moved}");
    let chain = list.iter().find(|r| r["id"] == "chain").unwrap();
    assert_eq!(
        chain["url"],
        server.url("/hop1"),
        "temporary redirects keep the URL"
    );

    // The next poll goes straight to the new home.
    poll_json(&home);
    assert_eq!(server.state.requests_to("/old-home.xml").len(), 1);
    assert_eq!(server.state.requests_to("/new-home.xml").len(), 2);
}

#[test]
fn private_addresses_are_refused_unless_allowed() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("local", &server.url("/etag.xml"), &[]), false);
    let lines = poll_json(&home);
    let line = by_feed(&lines, "local");
    assert_eq!(line["outcome"], "failed");
    assert_eq!(line["kind"], "private-address", "{line}");
    assert!(
        server.state.requests_to("/etag.xml").is_empty(),
        "no request reached the server"
    );
}

#[test]
fn unknown_feed_and_bad_config_are_errors() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("a", &server.url("/etag.xml"), &[]), true);
    let out = home
        .cmd()
        .args(["poll", "--feed", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown feed id \"nope\""));

    std::fs::write(home.path().join("feeds/bad.toml"), "[[feed]]\nid = \"b\"\n").unwrap();
    let out = home.cmd().args(["poll"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml: feed b: missing field `url`"),
        "{err}"
    );

    std::fs::write(
        home.path().join("govwatch.toml"),
        "[fetch]\ntimeout = \"soon\"\n",
    )
    .unwrap();
    let out = home.cmd().args(["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key `fetch.timeout`"));
}

#[test]
fn a_second_writer_is_told_another_process_is_writing() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("etag", &server.url("/etag.xml"), &[]), true);
    home.run(&["poll"]);
    // Hold the index writer as a running daemon would.
    let writer = govwatch::index::Index::open_writable(&home.data_dir().join("tantivy")).unwrap();
    for args in [&["poll"][..], &["reindex"][..]] {
        let out = home.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("another govwatch process"), "{args:?}: {err}");
    }
    // Readers keep working beside the writer.
    assert!(!home.json_lines(&["search", "", "--json"]).is_empty());
    assert_eq!(home.json_lines(&["status", "--json"])[0]["indexed_docs"], 4);
    drop(writer);
    home.run(&["poll"]);
}

/// Regression: an undated item took the fetch time as its date, and so looked changed (and
/// was re-indexed) on every poll.
#[test]
fn undated_items_are_not_updated_by_every_poll() {
    let server = FeedServer::start();
    server.state.set_dynamic(
        "undated.xml",
        b"<rss version=\"2.0\"><channel><title>U</title><item><guid>u1</guid><title>Undated AI notice</title></item></channel></rss>".to_vec(),
    );
    let home = Home::new(
        &feed_entry("undated", &server.url("/dynamic/undated.xml"), &[]),
        true,
    );
    assert_eq!(by_feed(&poll_json(&home), "undated")["new"], 1);
    let first = search(&home, &["notice"]);
    let again = poll_json(&home);
    assert_eq!(by_feed(&again, "undated")["updated"], 0, "{again:?}");
    assert_eq!(
        search(&home, &["notice"])[0]["published"],
        first[0]["published"],
        "the first-seen date stays"
    );
}
