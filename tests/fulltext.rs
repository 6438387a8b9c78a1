//! `full_text = true`: each new item's page is fetched from the local server and its article
//! text becomes the item's body; a page that fails keeps the feed's summary and says why; a
//! known item is not fetched again and keeps its text.

mod common;

use common::{FeedServer, Home};

#[test]
fn new_items_get_their_article_text_and_failures_keep_the_summary() {
    let server = FeedServer::start();
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title><link>{home}</link><description>d</description>\
         <item><guid>a</guid><title>Army awards AI logistics task order</title><link>{article}</link><description>Acme wins an Army order.</description></item>\
         <item><guid>b</guid><title>Pentagon AI office reorganized</title><link>{missing}</link><description>One-line summary of the reorganization.</description></item>\
         </channel></rss>",
        home = server.url("/"),
        article = server.url("/article/contract"),
        missing = server.url("/article/missing"),
    );
    server.state.set_dynamic("ft.xml", feed.into_bytes());
    let home = Home::new(
        &format!(
            "[[feed]]\nid = \"wire\"\nurl = {:?}\nfull_text = true\n",
            server.url("/dynamic/ft.xml")
        ),
        true,
    );

    let polled = home.json_lines(&["poll", "--json"]);
    assert_eq!(polled[0]["new"], 2, "{polled:?}");
    let problems = polled[0]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| {
            let p = p.as_str().unwrap();
            p.contains("/article/missing")
                && p.contains("404")
                && p.contains("kept the feed's summary")
        }),
        "{problems:?}"
    );
    // Words only the article body has are searchable; the ad and comments around it are not.
    let hits = home.json_lines(&[
        "search",
        "\"independent verification and validation\"",
        "--json",
    ]);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(
        home.json_lines(&["search", "sponsored", "--json"])
            .is_empty()
    );
    let kept = home.json_lines(&["search", "reorganization", "--json"]);
    assert_eq!(kept.len(), 1, "the summary stays searchable");

    // Polled again (the feed is unchanged): no article is fetched twice, the text stays.
    let again = home.json_lines(&["poll", "--json"]);
    assert_eq!(
        (again[0]["new"].clone(), again[0]["updated"].clone()),
        (0.into(), 0.into())
    );
    assert_eq!(server.state.requests_to("/article/contract").len(), 1);
    assert_eq!(
        home.json_lines(&[
            "search",
            "\"independent verification and validation\"",
            "--json"
        ])
        .len(),
        1
    );
}
