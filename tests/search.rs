//! Every fixture format goes through `poll` and is found by `search` with its query language,
//! filters and output forms; `parse` shows a document without storing it.

mod common;

use common::{FIXTURES, FeedServer, Home, feed_entry};
use pretty_assertions::assert_eq;
use serde_json::Value;

/// A home with every fixture feed polled once.
fn polled() -> (FeedServer, Home) {
    let server = FeedServer::start();
    let feeds = [
        ("rss2", "/rss2.xml", vec!["defense", "oversight"]),
        ("atom", "/atom.xml", vec!["standards"]),
        ("json", "/feed.json", vec!["legislation"]),
        ("entities", "/entities.xml", vec!["procurement"]),
        ("latin1", "/latin1.xml", vec!["eu"]),
        ("gzip", "/gzip.xml", vec!["legislation"]),
    ];
    let list: String = feeds
        .iter()
        .map(|(id, path, tags)| feed_entry(id, &server.url(path), tags))
        .collect();
    let home = Home::new(&list, true);
    let lines = home.json_lines(&["poll", "--json"]);
    for (id, want) in [
        ("rss2", 4),
        ("atom", 3),
        ("json", 3),
        ("entities", 3),
        ("latin1", 3),
        ("gzip", 3),
    ] {
        let line = lines.iter().find(|l| l["feed"] == id).unwrap();
        assert_eq!(line["outcome"], "fetched", "{line}");
        assert_eq!(line["new"], want, "{line}");
    }
    (server, home)
}

fn search(home: &Home, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.push("--json");
    home.json_lines(&all)
}

fn titles(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn fixture_feeds_are_found_with_the_query_language_and_filters() {
    let (_server, home) = polled();

    let hits = search(&home, &["acquisition oversight"]);
    assert_eq!(
        hits[0]["title"],
        "GAO finds gaps in AI acquisition oversight at civilian agencies"
    );
    assert_eq!(hits[0]["feed"], "rss2");
    assert_eq!(
        hits[0]["url"],
        "https://oversight.example.gov/reports/gao-26-107215"
    );
    assert_eq!(hits[0]["published"], "2026-03-03T14:00:00+00:00");
    assert!(hits[0]["score"].as_f64().unwrap() > 0.0);
    assert_eq!(hits[0]["id"].as_str().unwrap().len(), 32);
    // A title-only match is highlighted in the title.
    let title = hits[0]["title"].as_str().unwrap();
    let in_title: Vec<&str> = hits[0]["title_highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &title[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize])
        .collect();
    assert_eq!(in_title, ["acquisition", "oversight"]);
    // The snippet shows why an item matched: the matched words, highlighted.
    let hits = search(&home, &["provenance", "--feed", "rss2"]);
    assert_eq!(hits.len(), 1);
    let snippet = hits[0]["snippet"].as_str().unwrap();
    let marked: Vec<&str> = hits[0]["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &snippet[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize])
        .collect();
    assert!(
        marked == ["provenance"],
        "highlights mark matched words: {marked:?} in {snippet:?}"
    );

    // Phrases, fields, boolean operators.
    assert_eq!(
        titles(&search(&home, &["\"frontier models\""])),
        ["Senate Commerce hearing examines AI oversight of frontier models"]
    );
    assert_eq!(
        search(&home, &["\"models frontier\""]).len(),
        0,
        "a phrase keeps its order"
    );
    assert_eq!(
        titles(&search(&home, &["title:hearing"])),
        ["Senate Commerce hearing examines AI oversight of frontier models"]
    );
    assert_eq!(search(&home, &["feed:atom"]).len(), 3);
    // The feeds' own categories are searchable, by default and with `category:`.
    assert_eq!(
        search(&home, &["category:committees"]).len(),
        2,
        "json and gzip feeds"
    );
    assert_eq!(search(&home, &["committees"]).len(), 2);
    assert_eq!(search(&home, &["tag:standards"]).len(), 3);
    assert_eq!(
        search(&home, &["tag:legislation"]).len(),
        6,
        "json and gzip feeds"
    );
    let contract = titles(&search(&home, &["contract"]));
    assert!(
        contract
            .iter()
            .any(|t| t.starts_with("DHS awards biometric")),
        "{contract:?}"
    );
    let without = titles(&search(&home, &["contract -biometric"]));
    assert!(
        !without.iter().any(|t| t.contains("biometric")),
        "{without:?}"
    );
    assert!(
        without.iter().any(|t| t.starts_with("DoD CDAO awards")),
        "{without:?}"
    );
    assert_eq!(
        search(&home, &["contract AND NOT biometric"]).len(),
        without.len(),
        "AND NOT means the same as -"
    );
    let either = search(&home, &["watermarking OR frontier"]).len();
    assert_eq!(
        either, 3,
        "OR: the CRS report in two feeds plus the hearing"
    );

    // Decoded text from every encoding is searchable.
    assert_eq!(
        titles(&search(&home, &["Zürich"])),
        ["Café-Gespräch in Zürich über KI-Aufsicht"]
    );
    assert!(
        titles(&search(&home, &["Régulation"]))
            .contains(&"Café de la Régulation: EU–US dialogue on AI procurement".to_string())
    );

    // Filters: feed, tag, dates (a bare --until date includes that whole day).
    assert_eq!(search(&home, &["", "--feed", "json"]).len(), 3);
    assert_eq!(
        search(&home, &["", "--feed", "json", "--feed", "atom"]).len(),
        6
    );
    assert_eq!(search(&home, &["", "--tag", "eu"]).len(), 3);
    assert_eq!(
        search(
            &home,
            &["", "--since", "2026-04-01", "--until", "2026-04-30"]
        )
        .len(),
        6
    );
    assert_eq!(
        search(&home, &["", "--until", "2026-02-20"]).len(),
        3,
        "all of entities, the last on Feb 20"
    );
    assert_eq!(search(&home, &["", "--until", "2026-02-19"]).len(), 2);
    assert_eq!(
        search(&home, &["", "--since", "1d"]).len(),
        0,
        "fixtures are older than a day"
    );

    // Sort by date, newest first; limit.
    let dated = search(&home, &["", "--sort", "date", "--limit", "4"]);
    assert_eq!(dated.len(), 4);
    let dates: Vec<&str> = dated
        .iter()
        .map(|h| h["published"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert!(dates[0].starts_with("2026-05-11"), "{dates:?}");
}

#[test]
fn human_output_and_query_errors() {
    let (_server, home) = polled();
    let out = home.run(&["search", "frontier"]);
    assert!(out.contains("  1. 2026-03-10  rss2  Senate Commerce hearing examines AI oversight of frontier models"), "{out}");
    assert!(
        out.contains("https://oversight.example.gov/hearings/senate-commerce-2026-03-10"),
        "{out}"
    );
    assert!(
        !out.contains('\x1b'),
        "no escape codes when stdout is not a terminal"
    );

    for bad in ["title:(", "\"unclosed", "nosuchfield:x"] {
        let out = home.cmd().args(["search", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("query"), "{bad}: {err}");
    }
    let out = home
        .cmd()
        .args(["search", "x", "--since", "last week"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since"));
}

#[test]
fn reindex_rebuilds_the_same_results() {
    let (_server, home) = polled();
    let before = search(&home, &["ai", "--limit", "100"]);
    assert!(!before.is_empty());
    let index_dir = home.data_dir().join("tantivy");
    std::fs::remove_dir_all(&index_dir).unwrap();
    home.run(&["reindex"]);
    let after = search(&home, &["ai", "--limit", "100"]);
    let ids = |v: &[Value]| {
        let mut ids: Vec<String> = v
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&before), ids(&after));
    home.run(&["reindex"]);
    let status = &home.json_lines(&["status", "--json"])[0];
    assert_eq!(
        status["indexed_docs"], status["items"],
        "reindexing twice does not duplicate"
    );
}

#[test]
fn parse_shows_a_document_without_storing_it() {
    let home = Home::new("", true);
    let latin1 = format!("{FIXTURES}/latin1.xml");
    let out = &home.json_lines(&["parse", &latin1, "--json"])[0];
    assert_eq!(out["ok"], true, "{out}");
    assert!(out["feed"]["title"].is_string(), "{out}");
    let entries = out["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[0]["title"],
        "Café-Gespräch in Zürich über KI-Aufsicht"
    );
    assert!(entries[0]["item_id"].as_str().unwrap().len() == 32);
    assert!(
        entries[0]["published"]
            .as_str()
            .unwrap()
            .starts_with("2026-04-12T07:00:00")
    );

    // Repaired documents say so; broken ones report the error and still exit 0.
    let entities = &home.json_lines(&["parse", &format!("{FIXTURES}/entities.xml"), "--json"])[0];
    assert_eq!(entities["ok"], false, "{entities}");
    assert_eq!(entities["entries"].as_array().unwrap().len(), 3);
    let malformed = &home.json_lines(&["parse", &format!("{FIXTURES}/malformed.xml"), "--json"])[0];
    assert_eq!(malformed["ok"], false);
    assert!(
        malformed["error"].as_str().unwrap().len() > 5,
        "{malformed}"
    );
    assert_eq!(malformed["entries"].as_array().unwrap().len(), 0);
    assert!(!home.data_dir().exists(), "parse stores nothing");

    // Over HTTP, with the fetch path and the server's base URL for relative links.
    let server = FeedServer::start();
    let atom = &home.json_lines(&["parse", &server.url("/atom.xml"), "--json"])[0];
    assert_eq!(atom["ok"], true, "{atom}");
    let links: Vec<&str> = atom["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["link"].as_str())
        .collect();
    assert!(links.iter().all(|l| l.starts_with("http")), "{links:?}");
    let json = &home.json_lines(&["parse", &server.url("/feed.json"), "--json"])[0];
    assert_eq!(
        json["entries"][2]["enclosures"][0]["url"],
        "https://tracker.example.gov/reports/crs-r48117.pdf"
    );

    let human = home.run(&["parse", &latin1]);
    assert!(human.contains("entries: 3"), "{human}");
}

/// Dollar amounts are indexed as numbers: range queries find the big awards, and `--json`
/// shows each hit's amounts.
#[test]
fn amount_ranges_find_awards_by_value() {
    let server = FeedServer::start();
    server.state.set_dynamic(
        "awards.xml",
        common::rss(
            "Awards",
            &[
                (
                    "a1",
                    "Army awards $13 billion cloud contract",
                    "A ten-year award.",
                ),
                (
                    "a2",
                    "Navy task order",
                    "The order is worth $480 million over five years.",
                ),
                ("a3", "Startup wins $250K prize", "Seed funding."),
                (
                    "a4",
                    "Policy explainer",
                    "Twenty million people use AI chatbots.",
                ),
            ],
        ),
    );
    let home = Home::new(
        &feed_entry("awards", &server.url("/dynamic/awards.xml"), &[]),
        true,
    );
    home.run(&["poll"]);
    let titles = |query: &str| -> Vec<String> {
        let mut t: Vec<String> = home
            .json_lines(&["search", query, "--json"])
            .iter()
            .map(|h| h["title"].as_str().unwrap().to_owned())
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        titles("amount:[1000000000 TO *]"),
        ["Army awards $13 billion cloud contract"]
    );
    assert_eq!(
        titles("amount:[100000000 TO *]"),
        ["Army awards $13 billion cloud contract", "Navy task order"]
    );
    assert_eq!(
        titles("amount:[* TO 1000000]"),
        ["Startup wins $250K prize"]
    );
    let hit = home.json_lines(&["search", "navy", "--json"]).remove(0);
    assert_eq!(hit["amounts"], serde_json::json!([480_000_000u64]));
}

/// `--facets feed,topic` counts every matching item (not just the first `--limit`), per value.
#[test]
fn facets_count_the_whole_result_set() {
    let (_server, home) = polled();
    let lines = home.json_lines(&[
        "search",
        "",
        "--limit",
        "1",
        "--facets",
        "feed,topic",
        "--json",
    ]);
    assert_eq!(lines.len(), 2, "one hit, then the facets: {lines:?}");
    let facets = &lines[1]["facets"];
    let feed_counts: Vec<(String, u64)> = facets["feed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_owned(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let total: u64 = feed_counts.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 19, "{feed_counts:?}");
    assert!(
        feed_counts.contains(&("rss2".to_owned(), 4)),
        "{feed_counts:?}"
    );
    assert!(facets["topic"].is_array());
    // Each topic's count is what `topic:NAME` finds.
    for v in facets["topic"].as_array().unwrap() {
        let name = v["value"].as_str().unwrap();
        let found = home
            .json_lines(&[
                "search",
                &format!("topic:{name}"),
                "--limit",
                "100",
                "--json",
            ])
            .len() as u64;
        assert_eq!(v["count"].as_u64().unwrap(), found, "{name}");
    }
    let bad = home
        .cmd()
        .args(["search", "x", "--facets", "colour"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let human = home.run(&["search", "", "--facets", "feed"]);
    assert!(human.contains("feed: "), "{human}");
}

/// Agencies are folded to one name whatever the text calls them, searchable and counted.
#[test]
fn agencies_are_found_under_one_name() {
    let server = FeedServer::start();
    server.state.set_dynamic(
        "agencies.xml",
        common::rss(
            "Agencies",
            &[
                (
                    "g1",
                    "Pentagon picks vendor for AI pilot",
                    "The CDAO will run it.",
                ),
                (
                    "g2",
                    "Department of War signs cloud deal",
                    "A DoD spokesperson confirmed.",
                ),
                (
                    "g3",
                    "GSA adds AI tools to schedule",
                    "OMB guidance applies.",
                ),
                ("g4", "Ice storm closes offices", "The ice was thick."),
            ],
        ),
    );
    let home = Home::new(
        &feed_entry("gov", &server.url("/dynamic/agencies.xml"), &[]),
        true,
    );
    home.run(&["poll"]);
    let dod = home.json_lines(&["search", "agency:\"Department of Defense\"", "--json"]);
    assert_eq!(dod.len(), 2, "{dod:?}");
    let hit = home.json_lines(&["search", "pentagon", "--json"]).remove(0);
    assert_eq!(
        hit["agencies"],
        serde_json::json!([
            "Department of Defense",
            "Chief Digital and Artificial Intelligence Office"
        ])
    );
    let lines = home.json_lines(&["search", "", "--facets", "agency", "--json"]);
    let counts = &lines.last().unwrap()["facets"]["agency"];
    assert!(
        counts
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"value": "Department of Defense", "count": 2})),
        "{counts}"
    );
    let ice = home.json_lines(&["search", "storm", "--json"]).remove(0);
    assert_eq!(ice["agencies"], serde_json::json!([]));
}

/// Kinds, vendors, identifiers and deadlines are searchable fields, and reports of one story
/// from two feeds collapse into one hit that lists the other.
#[test]
fn policy_fields_are_searchable_and_stories_collapse() {
    let server = FeedServer::start();
    let soon = (chrono::Utc::now() + chrono::TimeDelta::days(5)).format("%B %-d, %Y");
    server.state.set_dynamic(
        "contracts.xml",
        common::rss(
            "Contracts",
            &[(
                "c1",
                "Contracts For July 14, 2025",
                "Anthropic PBC, San Francisco, California, was awarded a $200,000,000 prototype \
                 other transaction agreement (HQ0883-25-9-0008) for frontier AI by the Chief \
                 Digital and Artificial Intelligence Office.",
            )],
        ),
    );
    server.state.set_dynamic(
        "news.xml",
        common::rss(
            "News",
            &[
                (
                    "n1",
                    "Pentagon taps Anthropic for $200 million frontier AI agreement",
                    "The CDAO awarded Anthropic up to $200 million under agreement \
                     HQ0883-25-9-0008 to prototype frontier AI capabilities.",
                ),
                (
                    "n2",
                    "Request for Information on AI use in permitting",
                    &format!(
                        "The agency seeks public input. Comments must be received on or before \
                         {soon}."
                    ),
                ),
            ],
        ),
    );
    let list = format!(
        "{}\ndocument_kind = \"award\"\n\n{}",
        feed_entry("dod", &server.url("/dynamic/contracts.xml"), &[]).trim_end(),
        feed_entry("news", &server.url("/dynamic/news.xml"), &[])
    );
    let home = Home::new(&list, true);
    home.run(&["poll"]);
    let ids = |query: &str| -> Vec<String> {
        let mut ids: Vec<String> = search(&home, &[query])
            .iter()
            .map(|h| h["title"].as_str().unwrap().chars().take(12).collect())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids("kind:award"), ["Contracts Fo", "Pentagon tap"]);
    assert_eq!(ids("kind:rfi"), ["Request for "]);
    assert_eq!(ids("org:Anthropic"), ["Contracts Fo", "Pentagon tap"]);
    assert_eq!(
        ids("ident:\"HQ0883-25-9-0008\""),
        ["Contracts Fo", "Pentagon tap"]
    );
    assert_eq!(ids("deadline:[now TO now+14d]"), ["Request for "]);
    assert_eq!(ids("deadline:[now+6d TO *]"), Vec::<String>::new());

    let dod = search(&home, &["kind:award AND feed:dod"]).remove(0);
    assert_eq!(dod["kind"], "award");
    assert_eq!(dod["orgs"], serde_json::json!(["Anthropic"]));
    assert_eq!(
        dod["identifiers"],
        serde_json::json!([{"type": "piid", "value": "HQ08832590008"}])
    );
    let rfi = search(&home, &["kind:rfi"]).remove(0);
    assert_eq!(rfi["deadlines"].as_array().unwrap().len(), 1, "{rfi}");

    // One story, two feeds: one hit with the other listed.
    let both = search(&home, &["anthropic"]);
    assert_eq!(both.len(), 2);
    assert_eq!(both[0]["cluster"], both[1]["cluster"]);
    let collapsed = search(&home, &["anthropic", "--collapse"]);
    assert_eq!(collapsed.len(), 1, "{collapsed:?}");
    assert_eq!(collapsed[0]["also"].as_array().unwrap().len(), 1);

    let lines = search(&home, &["", "--facets", "org,kind"]);
    let facets = &lines.last().unwrap()["facets"];
    assert_eq!(
        facets["org"],
        serde_json::json!([{"value": "Anthropic", "count": 2}])
    );
    let kinds = facets["kind"].as_array().unwrap();
    assert!(
        kinds.contains(&serde_json::json!({"value": "award", "count": 2})),
        "{kinds:?}"
    );
    let bad = home
        .cmd()
        .args(["search", "deadline:[now+2x TO *]"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
