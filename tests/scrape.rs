//! `kind = "html"` sources end to end: a listing page served on 127.0.0.1, polled by the real
//! binary, its entries stored, deduplicated and searchable like any feed's; a redesigned page
//! is a failure for the feed, not silence.

mod common;

use common::{FeedServer, Home};
use serde_json::Value;

fn html_feed(id: &str, url: &str) -> String {
    format!(
        "[[feed]]\nid = {id:?}\nurl = {url:?}\nkind = \"html\"\n\n[feed.select]\nitem = \"div.element\"\ntitle = \".element-title\"\nlink = \"a\"\ndate = \"span.element-datetime\"\ndate_format = \"%m/%d/%y %I:%M%p\"\nsummary = \"p\"\n\n"
    )
}

#[test]
fn a_listing_page_is_polled_like_a_feed_and_a_redesign_is_an_error() {
    let server = FeedServer::start();
    let home = Home::new(
        &(html_feed("commerce-hearings", &server.url("/hearings"))
            + &html_feed("redesigned", &server.url("/hearings-redesigned"))),
        true,
    );
    let polled = home.json_lines(&["poll", "--json"]);
    let by_feed = |id: &str| -> Value {
        polled
            .iter()
            .find(|r| r["feed"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no report for {id}: {polled:?}"))
    };
    let ok = by_feed("commerce-hearings");
    assert_eq!(ok["outcome"], "fetched", "{ok}");
    assert_eq!(ok["new"], 3);
    let broken = by_feed("redesigned");
    assert_eq!(broken["outcome"], "failed");
    assert_eq!(broken["kind"], "scrape");
    let error = broken["error"].as_str().unwrap();
    assert!(
        error.contains("the item selector \"div.element\" matched nothing"),
        "{error}"
    );

    let hits = home.json_lines(&["search", "artificial intelligence procurement", "--json"]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    let hit = &hits[0];
    assert_eq!(
        hit["url"],
        format!(
            "http://{}/2026/11/artificial-intelligence-in-federal-procurement",
            server.addr
        )
    );
    assert_eq!(hit["published"], "2026-11-18T10:00:00+00:00");
    assert_eq!(
        hit["feed_title"],
        "Hearings | Committee on Commerce, Science, and Transportation"
    );
    // The tracking parameter is gone from the canonical link; the entity is decoded.
    let nist = home.json_lines(&["search", "title:nist", "--json"]);
    assert_eq!(
        nist[0]["url"],
        "https://www.commerce.example.gov/2026/10/ai-safety-institute-oversight"
    );
    assert_eq!(
        nist[0]["title"],
        "Oversight of the AI Safety Institute & NIST Standards"
    );

    // Polled again: the same entries, nothing new.
    let again = home.json_lines(&["poll", "--json", "--feed", "commerce-hearings"]);
    assert_eq!(
        (again[0]["new"].clone(), again[0]["updated"].clone()),
        (0.into(), 0.into())
    );
    let status = home.json_lines(&["status", "--json"]).remove(0);
    assert_eq!(status["items"], 3);
}
