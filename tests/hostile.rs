//! Hostile feeds, end to end: the real `govwatch poll` against the local feed server, with
//! the policy a production config has (no private addresses) except for the one loopback
//! address the test server listens on. Each hostile feed must fail alone with an error that
//! names it, or be stored whole and defanged; the good feed beside it must not notice.

mod common;

use common::{FeedServer, Home, by_feed, feed_entry, rss};
use pretty_assertions::assert_eq;
use serde_json::Value;

/// A home whose config refuses every non-public address but 127.0.0.1 (the test server),
/// with room for big feeds.
fn home(feeds: &str) -> Home {
    let home = Home::new(feeds, false);
    std::fs::write(
        home.path().join("govwatch.toml"),
        "data_dir = \"data\"\nfeeds_dir = \"feeds\"\n\n[fetch]\ntimeout = \"2s\"\n\
         max_body_bytes = 16777216\nallow_private_addresses = false\n\
         allow_networks = [\"127.0.0.1/32\"]\n",
    )
    .unwrap();
    home
}

/// Every stored item of feed `id`, as `search --json` shows it.
fn items_of(home: &Home, id: &str) -> Vec<Value> {
    home.json_lines(&["search", "--feed", id, "--limit", "10000", "--json"])
}

#[test]
fn dripping_endless_looping_and_misdirecting_feeds_each_fail_alone() {
    let server = FeedServer::start();
    let feeds = [
        ("good", "/rss2.xml"),
        ("drip", "/drip.xml"),
        ("endless", "/endless.xml"),
        ("loop", "/ping.xml"),
        ("metadata", "/to-metadata"),
        ("loopback", "/to-loopback"),
    ];
    let mut list: String = feeds
        .iter()
        .map(|(id, path)| feed_entry(id, &server.url(path), &[]))
        .collect();
    // A name no DNS server knows (.invalid is reserved for that).
    list.push_str(&feed_entry(
        "nxdomain",
        "http://feeds.nowhere.invalid/rss.xml",
        &[],
    ));
    let home = home(&list);
    let lines = home.json_lines(&["poll", "--json"]);

    let good = by_feed(&lines, "good");
    assert_eq!(good["outcome"], "fetched", "{good}");
    assert!(good["new"].as_u64().unwrap() > 0, "{good}");
    let expected = [
        ("drip", "timeout"),
        ("endless", "too-large"),
        ("loop", "too-many-redirects"),
        ("metadata", "private-address"),
        ("loopback", "private-address"),
        ("nxdomain", "connect"),
    ];
    for (id, kind) in expected {
        let line = by_feed(&lines, id);
        assert_eq!(
            (line["outcome"].as_str(), line["kind"].as_str()),
            (Some("failed"), Some(kind)),
            "{line}"
        );
        assert!(
            line["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{line}"
        );
    }
    let metadata = by_feed(&lines, "metadata")["error"].as_str().unwrap();
    assert!(metadata.contains("169.254.169.254"), "{metadata}");
    let nxdomain = by_feed(&lines, "nxdomain")["error"].as_str().unwrap();
    assert!(nxdomain.contains("feeds.nowhere.invalid"), "{nxdomain}");
    let loopback = by_feed(&lines, "loopback")["error"].as_str().unwrap();
    assert!(loopback.contains("127.0.0.2"), "{loopback}");

    // The failures are on record for operators, and nothing of theirs was stored.
    let listed = home.json_lines(&["feeds", "list", "--json"]);
    for (id, _) in expected {
        let feed = listed.iter().find(|f| f["id"] == id).unwrap();
        assert!(feed["last_error"].as_str().is_some(), "{feed}");
        assert!(items_of(&home, id).is_empty(), "{id}");
    }
}

#[test]
fn a_name_that_resolves_to_a_private_address_is_refused_before_any_request() {
    let server = FeedServer::start();
    let url = format!("http://localhost:{}/rss2.xml", server.addr.port());
    // No allowed networks at all: the production default.
    let home = Home::new(&feed_entry("named", &url, &[]), false);
    let lines = home.json_lines(&["poll", "--json"]);
    let line = by_feed(&lines, "named");
    assert_eq!(line["kind"], "private-address", "{line}");
    assert!(
        line["error"].as_str().unwrap().contains("localhost"),
        "{line}"
    );
    assert!(server.state.requests_to("/rss2.xml").is_empty());
}

/// An RSS document of `items` (raw XML of each `<item>`), with `prolog` before `<rss>`.
fn raw_rss(prolog: &str, items: &[String]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{prolog}<rss version=\"2.0\"><channel>\
         <title>Hostile</title><link>https://example.gov/</link><description>x</description>\n"
    );
    for item in items {
        s.push_str(item);
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

fn item(guid: &str, title: &str, extra: &str) -> String {
    format!("<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>{extra}</item>\n")
}

#[test]
fn hostile_documents_are_stored_defanged_or_refused_by_name() {
    let server = FeedServer::start();
    let mut docs: Vec<(&str, Vec<u8>)> = Vec::new();

    // Billion laughs, and an external entity pointing at a local file.
    let mut dtd = String::from("<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n");
    for n in 1..=9 {
        let prev = if n == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", n - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{n} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n");
    docs.push((
        "entities",
        raw_rss(
            &dtd,
            &[
                item("bomb", "Laughs &lol9;", "<description>bomb</description>"),
                item("xxe", "File &xxe; here", "<description>xxe</description>"),
            ],
        ),
    ));

    // Markup nested 100,000 deep, in the description's HTML and in the XML itself.
    let deep_html = format!(
        "<description><![CDATA[{}deep words{}]]></description>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let deep_xml = format!("{}{}", "<x>".repeat(100_000), "</x>".repeat(100_000));
    docs.push((
        "nested-html",
        raw_rss("", &[item("html", "Nested HTML", &deep_html)]),
    ));
    docs.push((
        "nested-xml",
        raw_rss("", &[item("xml", "Nested XML", &deep_xml)]),
    ));

    // 10,000 items in one feed.
    let many: Vec<(String, String, String)> = (0..10_000)
        .map(|n| {
            (
                format!("m{n}"),
                format!("Item number {n}"),
                "text".to_string(),
            )
        })
        .collect();
    let many_ref: Vec<(&str, &str, &str)> = many
        .iter()
        .map(|(g, t, d)| (g.as_str(), t.as_str(), d.as_str()))
        .collect();
    docs.push(("many", rss("Many", &many_ref)));

    // A 1 MB title; invalid UTF-8 and control characters; dates far off; hostile links.
    let mut odd = raw_rss(
        "",
        &[
            item("long", &"Long ".repeat(200_000), ""),
            item("bytes", "Bad \u{1}\u{1b}[31mbytes BADBYTES here", ""),
            item(
                "future",
                "From the future",
                "<pubDate>Tue, 01 Jan 2999 00:00:00 GMT</pubDate>",
            ),
            item(
                "past",
                "From the past",
                "<pubDate>Mon, 01 Jan 1001 00:00:00 GMT</pubDate>",
            ),
            item(
                "js",
                "Script link",
                "<link>javascript:alert(document.cookie)</link>",
            ),
            item(
                "data",
                "Data link",
                "<link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link>",
            ),
        ],
    );
    let at = odd.windows(8).position(|w| w == b"BADBYTES").unwrap();
    odd.splice(at..at + 8, [0xff, 0xfe, 0xc3, 0x28]);
    docs.push(("odd", odd));

    let mut list = String::new();
    for (id, body) in docs {
        server.state.set_dynamic(id, body);
        list.push_str(&feed_entry(id, &server.url(&format!("/dynamic/{id}")), &[]));
    }
    let home = home(&list);
    let lines = home.json_lines(&["poll", "--json"]);
    let now = chrono::Utc::now();

    // Entities are neither expanded nor fetched, and the feed says so.
    let entities = by_feed(&lines, "entities");
    assert_eq!(entities["new"], 2, "{entities}");
    let problems = entities["problems"].to_string();
    assert!(problems.contains("entities not expanded"), "{problems}");
    for i in items_of(&home, "entities") {
        let title = i["title"].as_str().unwrap();
        assert!(title.len() < 100 && !title.contains("root:"), "{title}");
    }

    // Deep HTML is flattened to its text; XML deeper than the parser allows fails by name.
    assert_eq!(by_feed(&lines, "nested-html")["new"], 1);
    let deep = home.json_lines(&["search", "deep", "--feed", "nested-html", "--json"]);
    assert_eq!(deep.len(), 1, "{deep:?}");
    let nested_xml = by_feed(&lines, "nested-xml");
    assert_eq!(nested_xml["kind"], "parse", "{nested_xml}");
    let error = nested_xml["error"].as_str().unwrap();
    assert!(
        error.contains("/dynamic/nested-xml") && error.contains("deeper"),
        "{error}"
    );

    // Every one of 10,000 items is stored and indexed.
    assert_eq!(by_feed(&lines, "many")["new"], 10_000);
    assert_eq!(items_of(&home, "many").len(), 10_000);

    let odd = by_feed(&lines, "odd");
    assert_eq!(odd["new"], 6, "{odd}");
    assert!(
        odd["problems"].to_string().contains("not valid UTF-8"),
        "{odd}"
    );
    let odd = items_of(&home, "odd");
    let title_of = |prefix: &str| {
        odd.iter()
            .find(|i| i["title"].as_str().unwrap().starts_with(prefix))
            .unwrap_or_else(|| panic!("no item titled {prefix}…: {odd:?}"))
    };
    // A 1 MB title is cut to the limit.
    let long = title_of("Long")["title"].as_str().unwrap();
    assert!(
        long.chars().count() <= govwatch::normalize::MAX_TITLE_CHARS + 1,
        "{} chars",
        long.chars().count()
    );
    // Invalid bytes are decoded, control characters dropped.
    let bad = title_of("Bad")["title"].as_str().unwrap();
    assert!(!bad.chars().any(char::is_control), "{bad:?}");
    assert!(bad.ends_with("here"), "{bad:?}");
    // Dates from 2999 and 1001 are no dates: the item is dated when it was fetched.
    for prefix in ["From the future", "From the past"] {
        let published = title_of(prefix)["published"].as_str().unwrap();
        let published = chrono::DateTime::parse_from_rfc3339(published).unwrap();
        let off = (now - published.to_utc()).num_seconds().abs();
        assert!(off < 3600, "{prefix}: published {published}");
    }
    // Script and data links are not links.
    for prefix in ["Script link", "Data link"] {
        assert!(title_of(prefix)["url"].is_null(), "{:?}", title_of(prefix));
    }
}
