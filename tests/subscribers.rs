//! `govwatch subscribers …` end to end: the real binary adds, lists, pauses, resumes and
//! removes subscriptions in a temp data dir, and refuses invalid input with exit code 2 and a
//! message naming the culprit.

mod common;

use common::Home;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

fn list(home: &Home) -> Vec<Value> {
    home.json_lines(&["subscribers", "list", "--json"])
}

/// Runs `args`, asserts exit code 2 (invalid input) and returns stderr.
fn refused(home: &Home, args: &[&str]) -> String {
    let out = home.cmd().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "govwatch {args:?}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

#[test]
fn add_list_pause_resume_remove() {
    let home = Home::new("", true);
    assert_eq!(list(&home), Vec::<Value>::new(), "nothing stored yet");
    let out = home.run(&["subscribers", "list"]);
    assert!(out.contains("no subscribers"), "{out}");

    let out = home.run(&[
        "subscribers",
        "add",
        "Ann.Lee@Example.GOV",
        "--name",
        "Ann Lee",
        "--topic",
        "hearings",
        "--topic",
        "contracts",
        "--query",
        "\"large language model\"",
        "--schedule",
        "0 7 * * 1-5",
        "--tz",
        "America/New_York",
    ]);
    assert!(out.starts_with("subscribed Ann.Lee@example.gov: "), "{out}");
    home.run(&["subscribers", "add", "bob@example.gov", "--topic", "rules"]);

    let rows = list(&home);
    assert_eq!(rows.len(), 2);
    let ann = &rows[0];
    let created = ann["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z'), "{created}");
    let next_due = ann["next_due"].as_str().unwrap();
    // 07:00 in New York is 11:00 or 12:00 UTC, depending on DST.
    assert!(
        next_due.ends_with("T12:00:00Z") || next_due.ends_with("T11:00:00Z"),
        "{next_due}"
    );
    assert_eq!(
        ann,
        &json!({
            "id": 1,
            "email": "Ann.Lee@example.gov",
            "name": "Ann Lee",
            "topics": ["contracts", "hearings"],
            "query": "\"large language model\"",
            "schedule": "0 7 * * 1-5",
            "tz": "America/New_York",
            "paused": false,
            "created_at": created,
            "last_window_end": null,
            "next_due": next_due,
        })
    );
    let bob = &rows[1];
    assert_eq!(bob["schedule"], "daily", "the default schedule");
    assert_eq!(bob["tz"], "UTC", "the default zone");
    assert_eq!(bob["topics"], json!(["rules"]));
    assert!(bob["next_due"].as_str().unwrap().ends_with("T07:00:00Z"));

    // Addresses are matched case-insensitively.
    assert_eq!(
        home.run(&["subscribers", "pause", "BOB@example.gov"])
            .trim(),
        "paused bob@example.gov"
    );
    assert_eq!(list(&home)[1]["paused"], true);
    let human = home.run(&["subscribers", "list"]);
    let bob_line = human.lines().find(|l| l.starts_with("bob@")).unwrap();
    assert!(bob_line.contains("paused"), "{human}");
    assert!(bob_line.contains("topics rules"), "{human}");
    home.run(&["subscribers", "resume", "bob@example.gov"]);
    assert_eq!(list(&home)[1]["paused"], false);

    assert_eq!(
        home.run(&["subscribers", "remove", "ann.lee@example.gov"])
            .trim(),
        "removed Ann.Lee@example.gov"
    );
    let rows = list(&home);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["email"], "bob@example.gov");
    let err = refused(&home, &["subscribers", "remove", "ann.lee@example.gov"]);
    assert!(
        err.contains("ann.lee@example.gov is not subscribed"),
        "{err}"
    );
}

#[test]
fn invalid_input_is_refused_with_exit_code_2_and_a_clear_message() {
    let home = Home::new("", true);
    home.run(&["subscribers", "add", "ann@example.gov", "--topic", "rules"]);
    let add = |extra: &[&str]| {
        let mut args = vec!["subscribers", "add"];
        args.extend_from_slice(extra);
        refused(&home, &args)
    };
    let cases: &[(&[&str], &str)] = &[
        (
            &["Ann <ann2@example.gov>", "--topic", "rules"],
            "invalid email address \"Ann <ann2@example.gov>\": it contains whitespace",
        ),
        (
            &["a@b.c\r\nBcc: x@evil.example", "--topic", "rules"],
            "invalid email address \"a@b.c\\r\\nBcc: x@evil.example\": it contains control \
             characters",
        ),
        (
            &["not-an-address", "--topic", "rules"],
            "invalid email address \"not-an-address\"",
        ),
        (
            &["carol@example.gov", "--topic", "contract"],
            "unknown topic \"contract\"; known topics: contracts, hearings, rules",
        ),
        (
            &["carol@example.gov", "--query", "(ai OR"],
            "invalid query: invalid search query \"(ai OR\"",
        ),
        (
            &["carol@example.gov", "--query", "nosuchfield:x"],
            "invalid query: invalid search query \"nosuchfield:x\"",
        ),
        (
            &[
                "carol@example.gov",
                "--topic",
                "rules",
                "--schedule",
                "every day",
            ],
            "invalid schedule: schedule \"every day\" has 2 fields",
        ),
        (
            &[
                "carol@example.gov",
                "--topic",
                "rules",
                "--schedule",
                "61 * * * *",
            ],
            "invalid schedule: invalid cron expression \"61 * * * *\"",
        ),
        (
            &["carol@example.gov", "--topic", "rules", "--tz", "Eastern"],
            "invalid time zone: unknown time zone \"Eastern\"",
        ),
        (
            &["carol@example.gov"],
            "a subscription needs at least one --topic or a --query",
        ),
        (
            &["ANN@example.gov", "--topic", "budget"],
            "ANN@example.gov is already subscribed",
        ),
    ];
    for (args, message) in cases {
        let err = add(args);
        assert!(
            err.starts_with("govwatch: error: ") && err.contains(message),
            "{args:?}: expected {message:?} in:\n{err}"
        );
    }
    for verb in ["pause", "resume", "remove"] {
        let err = refused(&home, &["subscribers", verb, "carol@example.gov"]);
        assert!(
            err.contains("carol@example.gov is not subscribed"),
            "{verb}: {err}"
        );
        let err = refused(&home, &["subscribers", verb, "Carol <carol@example.gov>"]);
        assert!(err.contains("invalid email address"), "{verb}: {err}");
    }
    // Nothing refused was stored.
    let rows = list(&home);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["email"], "ann@example.gov");
    assert_eq!(rows[0]["topics"], json!(["rules"]));
}
