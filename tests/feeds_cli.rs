//! `govwatch feeds add|check|remove` against a feed server on 127.0.0.1: discovery from a
//! page, duplicates refused, the operator's comments kept, checks that fail exit non-zero.

mod common;

use common::{FeedServer, Home, feed_entry};
use serde_json::Value;

const LOCAL: &str = "# Local additions, kept by hand.\n# (a second comment line)\n";

#[test]
fn add_discovers_checks_and_appends_keeping_comments_and_remove_takes_it_out() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("atom", &server.url("/atom.xml"), &[]), true);
    let local = home.path().join("feeds/local.toml");
    std::fs::write(&local, LOCAL).unwrap();

    // A page that declares one feed: that feed is added.
    let out = home.run(&["feeds", "add", &server.url("/site.html"), "--tag", "News"]);
    assert!(out.contains("items"), "{out}");
    let text = std::fs::read_to_string(&local).unwrap();
    assert!(text.starts_with(LOCAL), "{text}");
    assert!(
        text.contains(&format!("url = \"{}\"", server.url("/rss2.xml"))),
        "{text}"
    );
    assert!(text.contains("tags = [\"news\"]"), "{text}");
    let listed = home.json_lines(&["feeds", "list", "--json"]);
    let added = listed.iter().find(|f| f["id"] != "atom").unwrap();
    let id = added["id"].as_str().unwrap().to_owned();

    // The same feed again, by its own URL: refused, with the id that has it.
    let again = home
        .cmd()
        .args(["feeds", "add", &server.url("/rss2.xml")])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains(&format!("already configured as {id}")),
        "{err}"
    );
    // A page with two feeds, without a terminal to ask on: the choice is the operator's.
    let two = home
        .cmd()
        .args(["feeds", "add", &server.url("/two-feeds.html")])
        .output()
        .unwrap();
    assert_eq!(two.status.code(), Some(2));
    let err = String::from_utf8_lossy(&two.stderr);
    assert!(err.contains("links to several feeds"), "{err}");
    assert!(err.contains(&server.url("/atom.xml")), "{err}");

    // Every configured feed checks out; a broken one makes the check fail.
    let checked = home.json_lines(&["feeds", "check", "--json"]);
    assert_eq!(checked.len(), 2);
    assert!(checked.iter().all(|r| r["outcome"] == "ok"), "{checked:?}");
    home.run(&[
        "feeds",
        "add",
        &server.url("/gone.xml"),
        "--id",
        "gone",
        "--no-check",
    ]);
    let failing = home
        .cmd()
        .args(["feeds", "check", "--json", "gone", &id])
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(1));
    let rows: Vec<Value> = String::from_utf8_lossy(&failing.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["outcome"], "failed");
    assert_eq!(rows[0]["status"], 404);
    assert_eq!(rows[1]["outcome"], "ok");
    assert!(String::from_utf8_lossy(&failing.stderr).contains("1 of 2 feeds failed the check"));
    // Nothing was stored by the checks.
    assert!(!home.data_dir().join("govwatch.sqlite3").exists());

    home.run(&["feeds", "remove", "gone"]);
    let text = std::fs::read_to_string(&local).unwrap();
    assert!(text.starts_with(LOCAL), "{text}");
    assert!(!text.contains("gone"), "{text}");
    assert!(text.contains(&id), "{text}");
    let unknown = home
        .cmd()
        .args(["feeds", "remove", "gone"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn export_then_import_gives_the_same_feeds_and_duplicates_are_skipped() {
    let feeds = feed_entry(
        "gao-reports",
        "https://www.gao.gov/rss/reports.xml",
        &["oversight", "gao"],
    ) + "[[feed]]\nid = \"nist-news\"\nurl = \"https://www.nist.gov/news-events/news/rss.xml\"\ntitle = \"NIST news & updates\"\n\n"
        + "[[feed]]\nid = \"page\"\nurl = \"https://x.example.gov/list\"\nkind = \"html\"\n[feed.select]\nitem = \"li\"\ntitle = \"a\"\nlink = \"a\"\n";
    let source = Home::new(&feeds, false);
    let out = source.cmd().args(["feeds", "export"]).output().unwrap();
    assert!(out.status.success());
    let opml = String::from_utf8(out.stdout).unwrap();
    assert!(opml.contains("<opml version=\"2.0\">"), "{opml}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("not exported (OPML has no place for CSS selectors): page")
    );
    let file = source.path().join("export.opml");
    std::fs::write(&file, &opml).unwrap();

    let target = Home::new("", false);
    target.run(&["feeds", "import", file.to_str().unwrap()]);
    let list = |home: &Home| -> Vec<(String, String, Value, Value)> {
        let mut rows: Vec<_> = home
            .json_lines(&["feeds", "list", "--json"])
            .into_iter()
            .filter(|r| r["id"] != "page")
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["configured_url"].as_str().unwrap().to_owned(),
                    r["title"].clone(),
                    r["tags"].clone(),
                )
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    };
    assert_eq!(list(&target), list(&source));

    // Importing again adds nothing: every feed is reported as already configured.
    let again = target.run(&["feeds", "import", file.to_str().unwrap()]);
    assert_eq!(again.matches("already configured as").count(), 2, "{again}");
    assert!(!again.contains("added"), "{again}");
}

#[test]
fn opml_exported_by_other_readers_imports_cleanly() {
    let home = Home::new("", false);
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/opml");
    for name in ["miniflux.opml", "freshrss.opml", "feedly.opml"] {
        let path = format!("{fixtures}/{name}");
        let out = home
            .cmd()
            .args(["feeds", "import", &path])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let feeds = home.json_lines(&["feeds", "list", "--json"]);
    let gao = feeds
        .iter()
        .find(|f| f["configured_url"] == "https://www.gao.gov/rss/reports.xml")
        .expect("GAO imported from the Miniflux export");
    assert_eq!(gao["title"], "GAO's Reports");
    assert_eq!(gao["tags"], serde_json::json!(["oversight"]));
    let dod = feeds
        .iter()
        .find(|f| f["title"] == "DoD Releases")
        .expect("DoD releases imported");
    assert_eq!(
        dod["configured_url"],
        "https://www.defense.gov/DesktopModules/ArticleCS/RSS.ashx?ContentType=9&Site=945&max=10"
    );
    // Every feed of the three files is configured once, whatever file listed it first.
    let mut urls: Vec<&str> = feeds
        .iter()
        .map(|f| f["configured_url"].as_str().unwrap())
        .collect();
    let all = urls.len();
    urls.sort_unstable();
    urls.dedup();
    assert_eq!(urls.len(), all);
    // Tags are words, not folder names with spaces and ampersands.
    for f in &feeds {
        for tag in f["tags"].as_array().unwrap() {
            let tag = tag.as_str().unwrap();
            assert!(
                tag.chars()
                    .all(|c| c.is_alphanumeric() || "-_.".contains(c)),
                "{tag}"
            );
        }
    }
}
