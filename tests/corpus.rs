//! Corpus conformance: every parser input of the shared real-world corpus goes through
//! `parse_document` (and, later, `normalize`), on its own thread with a time bound, and each
//! must meet the expectation its `MANIFEST.tsv` row records.
//!
//! Run with `GOVWATCH_CORPUS=/work/shared/corpus cargo test --test corpus -- --nocapture`.
//! Without the variable the test says it was skipped and passes; with a directory that does
//! not exist it fails.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use govwatch::decode::decode;
use govwatch::parse::{
    ParseError, ParseOptions, Parsed, charset_from_content_type, parse_document,
};

const PER_FILE_LIMIT: Duration = Duration::from_secs(10);

/// `feed` rows whose entries legitimately have neither a title nor a link (both are optional
/// in RSS 0.92+ when there is a description), checked by hand against the files.
const ENTRIES_WITHOUT_TITLE_OR_LINK: &[&str] = &[
    "feed-rs/rss0/rss_0.92_spec_1.xml",
    "feed-rs/rss2/rss_2.0_ghost_1.xml",
    "rome/core/dublin-core-date.xml",
    "rome/modules/com/rometools/modules/itunes/duration-bad.xml",
    "rome/modules/com/rometools/modules/itunes/duration-empty.xml",
    "rome/modules/com/rometools/modules/itunes/duration.xml",
    "rome/modules/org/rometools/feed/module/georss/issue-02.xml",
    "rome/modules/org/rometools/feed/module/mediarss/filesize-with-unit.xml",
    "rome/modules/org/rometools/feed/module/mediarss/issue-07.xml",
    "rome/modules/org/rometools/feed/module/mediarss/issue-08.xml",
    "rome/modules/org/rometools/feed/module/mediarss/issue-12.xml",
    "rome/modules/org/rometools/feed/module/mediarss/issue-331.xml",
];

struct Row {
    path: String,
    expect: String,
    note: String,
}

#[derive(Debug)]
enum Outcome {
    Ok(Box<Parsed>),
    Err(ParseError),
    Panicked,
    TimedOut,
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Ok(p) if p.problems.is_empty() => "ok",
            Outcome::Ok(_) => "ok-repaired",
            Outcome::Err(ParseError::NotAFeed { .. }) => "not-a-feed",
            Outcome::Err(ParseError::Malformed { .. }) => "malformed",
            Outcome::Err(ParseError::Decode(_)) => "decode-error",
            Outcome::Err(ParseError::Panicked { .. }) => "caught-panic",
            Outcome::Err(_) => "other-error",
            Outcome::Panicked => "PANIC",
            Outcome::TimedOut => "TIMEOUT",
        }
    }
}

#[test]
fn corpus_conformance() {
    let Some(dir) = std::env::var_os("GOVWATCH_CORPUS") else {
        println!("corpus_conformance skipped: set GOVWATCH_CORPUS to the corpus directory");
        return;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "GOVWATCH_CORPUS={} is not a directory",
        dir.display()
    );
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv"))
        .unwrap_or_else(|e| panic!("cannot read {}/MANIFEST.tsv: {e}", dir.display()));
    let rows = read_manifest(&manifest);
    assert!(!rows.is_empty(), "MANIFEST.tsv lists no parser inputs");

    let mut failures: Vec<String> = Vec::new();
    let mut lenient_errors: Vec<String> = Vec::new();
    let mut summary: BTreeMap<(String, &'static str), usize> = BTreeMap::new();

    for row in &rows {
        let file = dir.join(&row.path);
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{}: cannot read: {e}", row.path));
                continue;
            }
        };
        let http_charset = charset_from_note(&row.note);
        let outcome = parse_with_limit(bytes.clone(), http_charset.clone());
        *summary
            .entry((row.expect.clone(), outcome.label()))
            .or_default() += 1;
        let fail = |msg: String| format!("{} [{}]: {msg}", row.path, row.expect);
        match (&outcome, row.expect.as_str()) {
            (Outcome::Panicked | Outcome::TimedOut, _) => {
                failures.push(fail(outcome.label().to_owned()));
                continue;
            }
            (Outcome::Ok(parsed), "feed") => {
                check_feed(&row.path, &bytes, parsed, &mut failures);
            }
            (Outcome::Err(e), "feed") => failures.push(fail(format!("expected a feed: {e}"))),
            (Outcome::Ok(p), "error") => failures.push(fail(format!(
                "expected an error, got a feed with {} entries",
                p.document.entries.len()
            ))),
            (Outcome::Err(ParseError::NotAFeed { .. }), "not-feed") => {}
            (other, "not-feed") => failures.push(fail(format!("expected NotAFeed, got {other:?}"))),
            (Outcome::Err(e), "feed-lenient") => lenient_errors.push(format!("{}: {e}", row.path)),
            (Outcome::Ok(parsed), "feed-lenient") => {
                check_note_titles(&row.note, parsed, &mut failures, &row.path)
            }
            (outcome, "encoding-probe") => {
                check_probe(row, &bytes, http_charset.as_deref(), outcome, &mut failures)
            }
            _ => {}
        }
    }

    println!("\ncorpus summary (expect / outcome: count):");
    for ((expect, outcome), n) in &summary {
        println!("  {expect:15} {outcome:13} {n}");
    }
    println!(
        "feed-lenient rows that ended as errors: {}",
        lenient_errors.len()
    );
    for e in &lenient_errors {
        println!("  {e}");
    }
    assert!(
        failures.is_empty(),
        "{} corpus failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn read_manifest(manifest: &str) -> Vec<Row> {
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let [path, _source, _kind, _strict, expect, _bytes, rest @ ..] = cols.as_slice() else {
                return None;
            };
            (*expect != "aux").then(|| Row {
                path: (*path).to_owned(),
                expect: (*expect).to_owned(),
                note: rest.join("\t"),
            })
        })
        .collect()
}

/// The charset of the HTTP Content-Type the note says the file was served with.
fn charset_from_note(note: &str) -> Option<String> {
    let at = note.find("charset=")?;
    let start = note[..at].rfind(['"', ':']).map_or(0, |i| i + 1);
    let end = at + note[at..].find(['"', ';', ')']).unwrap_or(note.len() - at);
    charset_from_content_type(&format!("x/y;{}", &note[start..end].trim()))
        .or_else(|| charset_from_content_type(&format!("x/y; {}", &note[at..end])))
}

fn parse_with_limit(bytes: Vec<u8>, http_charset: Option<String>) -> Outcome {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let opts = ParseOptions {
            http_charset: http_charset.as_deref(),
            base_url: None,
        };
        let result = parse_document(&bytes, &opts);
        // Normalization is part of the path every document takes; a panic or hang in it
        // shows up here as Panicked or TimedOut, like one in the parser.
        if let Ok(parsed) = &result {
            let items = govwatch::normalize::normalize_entries(
                "corpus",
                &parsed.document,
                chrono::Utc::now(),
            );
            assert!(items.len() <= parsed.document.entries.len());
        }
        let _ = tx.send(result);
    });
    match rx.recv_timeout(PER_FILE_LIMIT) {
        Ok(Ok(parsed)) => Outcome::Ok(Box::new(parsed)),
        Ok(Err(e)) => Outcome::Err(e),
        Err(mpsc::RecvTimeoutError::Timeout) => Outcome::TimedOut,
        Err(mpsc::RecvTimeoutError::Disconnected) => Outcome::Panicked,
    }
}

fn check_feed(path: &str, bytes: &[u8], parsed: &Parsed, failures: &mut Vec<String>) {
    let doc = &parsed.document;
    if doc.entries.is_empty() && declares_entries(bytes) {
        failures.push(format!("{path}: the file has items but none were parsed"));
    }
    if !ENTRIES_WITHOUT_TITLE_OR_LINK.contains(&path) {
        let bare = doc
            .entries
            .iter()
            .filter(|e| e.title.is_none() && e.link.is_none())
            .count();
        if bare > 0 {
            failures.push(format!(
                "{path}: {bare} entries have neither title nor link"
            ));
        }
    }
}

/// Whether the raw file holds at least one item/entry element (or JSON Feed item).
fn declares_entries(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    [
        "<item>", "<item ", "<entry>", "<entry ", ":item>", ":entry>", ":entry ",
    ]
    .iter()
    .any(|m| text.contains(m))
        || text.contains("\"items\":[{")
        || text.contains("\"items\": [\n")
        || text.contains("\"items\": [{")
}

/// Strings a probe's note says the decoded text must contain.
fn expected_strings(path: &str, note: &str) -> Vec<String> {
    if path.ends_with("iso88591_utf8_mismatch.xml") {
        // Declared UTF-8, Latin-1 bytes: we decode like feedparser (windows-1252 fallback,
        // problem recorded) rather than dropping the bytes as miniflux does ("Anas").
        return vec!["Anaïs".into(), "Jürgen".into()];
    }
    let Some(at) = note.find("expect") else {
        return Vec::new();
    };
    // What follows "expect" up to an aside: "(honouring … gives mojibake "CafÃ©")" is not
    // an expectation.
    let seg = &note[at..];
    let seg = &seg[..seg.find(['(', ';']).unwrap_or(seg.len())];
    let quoted: Vec<String> = seg
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    if !quoted.is_empty() {
        return quoted;
    }
    seg.split('>')
        .skip(1)
        .filter_map(|s| s.split_once("</").map(|(t, _)| t.to_owned()))
        .filter(|t| !t.trim().is_empty())
        .collect()
}

fn check_probe(
    row: &Row,
    bytes: &[u8],
    http_charset: Option<&str>,
    outcome: &Outcome,
    failures: &mut Vec<String>,
) {
    let decoded = match decode(bytes, http_charset) {
        Ok(d) => d,
        Err(e) => {
            failures.push(format!("{}: does not decode: {e}", row.path));
            return;
        }
    };
    let titles: Vec<String> = match outcome {
        Outcome::Ok(p) => p
            .document
            .entries
            .iter()
            .filter_map(|e| e.title.clone())
            .chain(p.document.title.clone())
            .collect(),
        _ => Vec::new(),
    };
    for want in expected_strings(&row.path, &row.note) {
        if !decoded.text.contains(&want) && !titles.iter().any(|t| t.contains(&want)) {
            failures.push(format!(
                "{}: expected {want:?} in the decoded text (decoded as {})",
                row.path, decoded.encoding
            ));
        }
    }
}

/// Checks `entries[N].title == "…"` assertions that some notes carry.
fn check_note_titles(note: &str, parsed: &Parsed, failures: &mut Vec<String>, path: &str) {
    let Some(at) = note.find("entries[") else {
        return;
    };
    let rest = &note[at + "entries[".len()..];
    let Some((index, rest)) = rest.split_once(']') else {
        return;
    };
    let (Ok(index), Some(want)) = (index.parse::<usize>(), rest.split('"').nth(1)) else {
        return;
    };
    let got = parsed
        .document
        .entries
        .get(index)
        .and_then(|e| e.title.as_deref());
    if got != Some(want) {
        failures.push(format!(
            "{path}: entries[{index}].title is {got:?}, expected {want:?}"
        ));
    }
}

#[test]
fn note_parsing_helpers() {
    assert_eq!(
        charset_from_note("served with Content-Type: text/html; charset=iso-8859-15; must decode")
            .as_deref(),
        Some("iso-8859-15")
    );
    assert_eq!(
        charset_from_note("needs \"application/xml; charset=ISO-8859-1\"").as_deref(),
        Some("ISO-8859-1")
    );
    assert_eq!(charset_from_note("served as \"text/html\""), None);
    assert_eq!(
        expected_strings(
            "x",
            "declares ISO-8859-1 but bytes are UTF-8; miniflux expects \"Café\" (honouring the declaration gives mojibake \"CafÃ©\", no error)"
        ),
        ["Café"]
    );
    assert_eq!(
        expected_strings(
            "x",
            "declares the label \"iso8859-1\" (no hyphen); expect <to>Anaïs</to>, <from>Jürgen</from>"
        ),
        ["Anaïs", "Jürgen"]
    );
}

/// Full-text extraction on a real saved article page from the corpus (an af.mil print view
/// captured by HTTrack in 2016): the article comes out whole, the mirroring comment and the
/// byline furniture do not dominate it.
#[test]
fn full_text_extracts_a_real_saved_article() {
    let Some(dir) = std::env::var_os("GOVWATCH_CORPUS") else {
        println!("full_text_extracts_a_real_saved_article skipped: set GOVWATCH_CORPUS");
        return;
    };
    let path = std::path::Path::new(&dir).join("gov/af.mil-2016/html/Print31c8.html");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let url = url::Url::parse(
        "https://www.af.mil/DesktopModules/ArticleCS/Print.aspx?PortalId=1&ModuleId=850&Article=643126",
    )
    .unwrap();
    let text = govwatch::fulltext::extract(&bytes, None, &url).unwrap();
    for phrase in [
        "Critical Care Transport Teams",
        "1,200-bed Air Force 1702nd Contingency Hospital",
        "We needed critical care in the air.",
    ] {
        assert!(text.contains(phrase), "{phrase} missing from\n{text}");
    }
    assert!(!text.contains("HTTrack"), "{text}");
    assert!(text.len() > 3000, "{} chars", text.len());
}
