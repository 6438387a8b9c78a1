//! The fixture feeds in tests/fixtures/feeds (also served over HTTP by the integration tests)
//! parse to exactly the titles, links, ids and dates they were written with.

use std::path::Path;

use govwatch::model::{Document, Enclosure, FeedFormat};
use govwatch::parse::{ParseError, ParseOptions, Parsed, parse_document};
use pretty_assertions::assert_eq;
use url::Url;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str, base: Option<&str>) -> Result<Parsed, ParseError> {
    let base = base.map(|b| Url::parse(b).expect("test base URL"));
    let opts = ParseOptions {
        http_charset: None,
        base_url: base.as_ref(),
    };
    parse_document(&fixture(name), &opts)
}

fn titles(d: &Document) -> Vec<&str> {
    d.entries
        .iter()
        .filter_map(|e| e.title.as_deref())
        .collect()
}

fn ids(d: &Document) -> Vec<Option<&str>> {
    d.entries.iter().map(|e| e.id.as_deref()).collect()
}

fn links(d: &Document) -> Vec<Option<&str>> {
    d.entries.iter().map(|e| e.link.as_deref()).collect()
}

fn published(d: &Document) -> Vec<String> {
    d.entries
        .iter()
        .map(|e| e.published.map(|t| t.to_rfc3339()).unwrap_or_default())
        .collect()
}

#[test]
fn rss2_fixture() {
    let p = parse("rss2.xml", None).expect("rss2.xml parses");
    let d = &p.document;
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.encoding, "UTF-8");
    assert_eq!(d.format, Some(FeedFormat::Rss2));
    assert_eq!(d.title.as_deref(), Some("Federal AI Oversight Digest"));
    assert_eq!(d.link.as_deref(), Some("https://oversight.example.gov/"));
    assert_eq!(
        titles(d),
        [
            "GAO finds gaps in AI acquisition oversight at civilian agencies",
            "DoD CDAO awards enterprise contract for agentic workflow pilots",
            "Senate Commerce hearing examines AI oversight of frontier models",
            "OMB memo M-25-21 implementation deadlines approach",
        ]
    );
    assert_eq!(
        ids(d),
        [
            Some("gao-26-107215"),
            Some("cdao-hq0845-26-c-0012"),
            Some("senate-commerce-2026-03-10"),
            Some("omb-m-25-21-deadlines"),
        ]
    );
    assert_eq!(
        links(d)[0],
        Some("https://oversight.example.gov/reports/gao-26-107215")
    );
    assert_eq!(
        published(d),
        [
            "2026-03-03T14:00:00+00:00",
            "2026-03-06T21:15:00+00:00",
            "2026-03-10T15:00:00+00:00",
            "2026-03-12T16:30:00+00:00",
        ]
    );
    let first = &d.entries[0];
    assert_eq!(first.authors, ["Government Accountability Office"]);
    assert_eq!(first.tags, ["acquisition", "GAO"]);
    assert_eq!(
        first.enclosures,
        [Enclosure {
            url: "https://oversight.example.gov/reports/gao-26-107215.pdf".into(),
            mime_type: Some("application/pdf".into()),
            length: Some(482133),
        }]
    );
    assert!(
        first
            .summary
            .as_deref()
            .unwrap()
            .contains("model provenance")
    );
}

#[test]
fn atom_fixture_resolves_relative_links_against_the_document_url() {
    let p = parse(
        "atom.xml",
        Some("https://standards.example.gov/feeds/atom.xml"),
    )
    .expect("atom.xml parses");
    let d = &p.document;
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(d.format, Some(FeedFormat::Atom));
    assert_eq!(d.link.as_deref(), Some("https://standards.example.gov/ai/"));
    assert_eq!(
        d.id.as_deref(),
        Some("tag:standards.example.gov,2026:ai-updates")
    );
    assert_eq!(
        titles(d),
        [
            "NIST releases AI RMF 1.1 draft with generative profile revisions",
            "Zero Trust guidance for model weights published as SP 800-231",
            "Benchmark consortium opens testbed for multimodal evaluations",
        ]
    );
    assert_eq!(
        links(d),
        [
            Some("https://standards.example.gov/ai/rmf-1-1-draft"),
            Some("https://standards.example.gov/ai/sp-800-231"),
            Some("https://standards.example.gov/ai/testbed-multimodal"),
        ]
    );
    assert_eq!(
        published(d),
        [
            "2026-04-02T14:00:00+00:00",
            "2026-04-09T20:00:00+00:00",
            "2026-04-21T13:00:00+00:00",
        ]
    );
    assert_eq!(ids(d)[1], Some("tag:standards.example.gov,2026:sp-800-231"));
    let first = &d.entries[0];
    assert_eq!(first.authors, ["Elham Tabassi"]);
    assert_eq!(first.tags, ["Risk management"]);
    assert!(
        first
            .content
            .as_deref()
            .unwrap()
            .contains("<p>Comments on the draft")
    );
    assert!(
        d.entries[2]
            .content
            .as_deref()
            .unwrap()
            .contains("<strong>multimodal</strong>")
    );
}

#[test]
fn json_feed_fixture() {
    let p = parse("feed.json", None).expect("feed.json parses");
    let d = &p.document;
    assert_eq!(d.format, Some(FeedFormat::JsonFeed));
    assert_eq!(d.title.as_deref(), Some("Congressional AI Tracker"));
    assert_eq!(
        titles(d),
        [
            "House passes H.R. 4821 on algorithmic accountability in benefits programs",
            "Senate HSGAC marks up S. 2290 on chief AI officers",
            "CRS report surveys watermarking mandates in state legislatures",
        ]
    );
    assert_eq!(
        ids(d),
        [
            Some("hr-4821-2026"),
            Some("s-2290-markup"),
            Some("crs-r48117")
        ]
    );
    assert_eq!(
        links(d)[1],
        Some("https://tracker.example.gov/bills/s-2290-markup")
    );
    assert_eq!(
        published(d),
        [
            "2026-05-05T18:45:00+00:00",
            "2026-05-07T18:00:00+00:00",
            "2026-05-11T12:00:00+00:00",
        ]
    );
    assert_eq!(d.entries[0].tags, ["legislation", "benefits"]);
    assert!(
        d.entries[0]
            .content
            .as_deref()
            .unwrap()
            .contains("impact assessments")
    );
}

#[test]
fn entities_fixture_is_repaired_and_reported() {
    let p = parse("entities.xml", None).expect("entities.xml parses");
    let d = &p.document;
    assert_eq!(
        d.title.as_deref(),
        Some("Procurement\u{a0}Watch — AI contracts")
    );
    assert_eq!(
        titles(d),
        [
            "DHS awards biometric triage contract\u{a0}to Acme Analytics",
            "Café de la Régulation: EU–US dialogue on AI procurement",
            "Research & Development set-aside for trustworthy AI — GSA",
        ]
    );
    assert_eq!(
        links(d)[1],
        Some("https://procurement.example.gov/news/eu-us-dialogue?lang=en&ref=rss")
    );
    assert_eq!(
        ids(d),
        [
            Some("70RSAT26C00000041"),
            Some("eu-us-dialogue-2026"),
            Some("gsa-ai-setaside-2026")
        ]
    );
    // CDATA is copied untouched: its HTML and its entity text reach the normalizer as is.
    assert_eq!(
        d.entries[0].summary.as_deref(),
        Some(
            "<p>Award of <b>$12.5M</b> for triage tooling &amp; model audits; R&D follows &nbsp;in 2027.</p>"
        )
    );
    assert_eq!(
        d.entries[2].summary.as_deref(),
        Some("GSA reserves §\u{a0}8(a) set-asides for evaluation services © 2026.")
    );
    assert_eq!(published(d)[2], "2026-02-20T17:45:00+00:00");
    let problems = p.problems.join("\n");
    assert!(problems.contains("HTML entity"), "{problems}");
    assert!(problems.contains("stray '&'"), "{problems}");
}

#[test]
fn latin1_fixture_decodes_non_ascii_text() {
    let bytes = fixture("latin1.xml");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must hold real Latin-1 bytes"
    );
    let p = parse("latin1.xml", None).expect("latin1.xml parses");
    let d = &p.document;
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.encoding, "windows-1252");
    assert_eq!(d.title.as_deref(), Some("Europäische KI-Aufsicht"));
    assert_eq!(
        titles(d),
        [
            "Café-Gespräch in Zürich über KI-Aufsicht",
            "Réglementation: la CNIL publie ses recommandations",
            "Öffentliche Beschaffung von KI: Leitfaden für Behörden",
        ]
    );
    assert_eq!(
        ids(d),
        [
            Some("ki-2026-0412"),
            Some("ki-2026-0419"),
            Some("ki-2026-0426")
        ]
    );
    assert_eq!(
        published(d),
        [
            "2026-04-12T07:00:00+00:00",
            "2026-04-19T09:30:00+00:00",
            "2026-04-26T06:15:00+00:00",
        ]
    );
    assert!(
        d.entries[1]
            .summary
            .as_deref()
            .unwrap()
            .contains("systèmes d'IA générative: «prudence»")
    );
}

#[test]
fn malformed_fixture_is_an_error() {
    match parse("malformed.xml", None) {
        Err(ParseError::Malformed { message }) => assert!(!message.is_empty()),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

/// Inputs the fuzzer (fuzz/run.sh) found crashing, minimized or rewritten by hand (its raw
/// finds can carry pieces of the outside corpus), kept as regressions: each must come back
/// as items or an error, with no panic, escaped or caught inside the parser.
#[test]
fn inputs_the_fuzzer_crashed_on_parse_or_fail_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/fuzz") {
        let path = entry.expect("dir entry").path();
        let bytes = std::fs::read(&path).expect("fixture");
        let at = chrono::Utc::now();
        let result = govwatch::pipeline::ingest_bytes("fuzz", &bytes, None, None, at);
        if let Err(e) = result {
            assert!(
                !e.to_string().contains("panicked"),
                "{}: {e}",
                path.display()
            );
        }
        seen += 1;
    }
    assert!(seen >= 2, "the regression inputs are there");
}
