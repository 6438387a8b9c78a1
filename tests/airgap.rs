//! Air-gapped sources: a `file:///` feed and a spool directory, polled by the real binary
//! with no server at all and private addresses refused (nothing here touches a network).

mod common;

use common::{Home, fixture, rss};

#[test]
fn file_feeds_and_a_spool_directory_flow_through_the_pipeline() {
    let outside = tempfile::tempdir().unwrap();
    let feed_file = outside.path().join("carried-in.xml");
    std::fs::write(&feed_file, fixture("rss2.xml")).unwrap();
    let spool = outside.path().join("spool");
    std::fs::create_dir(&spool).unwrap();
    let feeds = format!(
        "[[feed]]\nid = \"carried\"\nurl = \"file://{}\"\n\n[[feed]]\nid = \"drop\"\nkind = \"spool\"\npath = \"{}\"\n",
        feed_file.display(),
        spool.display()
    );
    let home = Home::new(&feeds, false);
    let outcome = |rows: &[serde_json::Value], id: &str| {
        let row = rows.iter().find(|r| r["feed"] == id).unwrap();
        (
            row["outcome"].as_str().unwrap().to_owned(),
            row["new"].as_u64().unwrap(),
        )
    };

    let first = home.json_lines(&["poll", "--json"]);
    let (carried, carried_new) = outcome(&first, "carried");
    assert_eq!(carried, "fetched", "{first:?}");
    assert!(carried_new > 0);
    assert_eq!(
        outcome(&first, "drop").0,
        "not-modified",
        "an empty spool is not an error"
    );

    // Unchanged file: not modified. Files dropped into the spool: read once, then done.
    std::fs::write(
        spool.join("batch-1.xml"),
        rss(
            "Transfer",
            &[
                (
                    "t1",
                    "DHS publishes AI use case inventory",
                    "The inventory lists 158 uses.",
                ),
                ("t2", "CISA guidance on AI data security", "Joint guidance."),
            ],
        ),
    )
    .unwrap();
    std::fs::write(spool.join("batch-2.txt"), "garbled transfer").unwrap();
    let second = home.json_lines(&["poll", "--json"]);
    assert_eq!(outcome(&second, "carried").0, "not-modified", "{second:?}");
    assert_eq!(outcome(&second, "drop"), ("fetched".to_owned(), 2));
    assert!(spool.join("done/batch-1.xml").exists());
    assert!(!spool.join("batch-1.xml").exists());
    let reason = std::fs::read_to_string(spool.join("failed/batch-2.txt.reason")).unwrap();
    assert!(reason.contains("not a feed"), "{reason}");
    let hits = home.json_lines(&["search", "inventory", "--feed", "drop", "--json"]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["feed"], "drop");

    // The same batch carried in twice: nothing duplicated.
    std::fs::copy(spool.join("done/batch-1.xml"), spool.join("batch-1.xml")).unwrap();
    let third = home.json_lines(&["poll", "--json", "--feed", "drop"]);
    assert_eq!(third[0]["new"], 0, "{third:?}");
    assert_eq!(
        home.json_lines(&["search", "inventory", "--feed", "drop", "--json"])
            .len(),
        1
    );
}
