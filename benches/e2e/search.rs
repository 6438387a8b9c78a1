//! Scenario 4, search: a fixed mix of queries (1–3 terms, phrases, field queries, date
//! ranges, sorted by date) over the ingested items, p50/p95/p99, against SQLite FTS5 with its
//! index built over the same items and the same queries translated (bm25 ranking, porter
//! stemming, the same filters and limit).

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use govwatch::index::{Index, SearchRequest, Sort};
use govwatch::model::Item;

use crate::Config;
use crate::corpus::{self, Rng};
use crate::ingest::Built;
use crate::report::{Better, Report, Stat};

const LIMIT: usize = 20;

/// Words queries are made of: the corpus's own vocabulary.
const WORDS: &[&str] = &[
    "contract",
    "guidance",
    "pilot",
    "agency",
    "models",
    "testing",
    "cloud",
    "oversight",
    "officials",
    "industry",
    "solicitation",
    "privacy",
    "acquisition",
    "inventories",
    "logistics",
    "cybersecurity",
    "translation",
    "fraud",
    "benefits",
    "drones",
    "chatbots",
    "partnership",
    "appropriations",
    "watchdog",
    "vendor",
    "hearing",
    "rule",
    "memo",
];
const PHRASES: &[&str] = &[
    "generative AI",
    "computer vision",
    "predictive maintenance",
    "facial recognition",
    "task order",
    "industry day",
    "human review",
    "option years",
    "civil rights",
    "data governance",
    "federal register",
    "risk management",
];

/// One query of the mix, in govwatch's language and in FTS5's.
#[derive(Clone)]
struct Query {
    kind: &'static str,
    govwatch: String,
    fts: String,
    since: Option<DateTime<Utc>>,
    by_date: bool,
}

impl Query {
    /// The query as Miniflux-style PostgreSQL full-text SQL (the words come from fixed lists:
    /// nothing to escape).
    fn postgres(&self) -> String {
        let tsquery = if let Some(word) = self.govwatch.strip_prefix("title:") {
            format!("to_tsquery('english', '{word}:A')")
        } else {
            format!("websearch_to_tsquery('english', '{}')", self.govwatch)
        };
        let since = self
            .since
            .map(|s| format!(" AND published >= '{}'", s.to_rfc3339()))
            .unwrap_or_default();
        let order = if self.by_date {
            "published DESC".to_owned()
        } else {
            format!("ts_rank(tsv, {tsquery}) DESC")
        };
        format!("SELECT id FROM items WHERE tsv @@ {tsquery}{since} ORDER BY {order} LIMIT {LIMIT}")
    }
}

fn mix(n: usize, last: DateTime<Utc>) -> Vec<Query> {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let quote = |w: &str| format!("\"{w}\"");
    (0..n)
        .map(|k| {
            let words: Vec<&str> = (0..3).map(|_| rng.pick(WORDS)).collect();
            match k % 7 {
                0 => Query {
                    kind: "1 term",
                    govwatch: words[0].to_owned(),
                    fts: quote(words[0]),
                    since: None,
                    by_date: false,
                },
                1 => Query {
                    kind: "2 terms",
                    govwatch: words[..2].join(" "),
                    fts: words[..2]
                        .iter()
                        .map(|w| quote(w))
                        .collect::<Vec<_>>()
                        .join(" "),
                    since: None,
                    by_date: false,
                },
                2 => Query {
                    kind: "3 terms",
                    govwatch: words.join(" "),
                    fts: words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" "),
                    since: None,
                    by_date: false,
                },
                3 => {
                    let p = rng.pick(PHRASES);
                    Query {
                        kind: "phrase",
                        govwatch: quote(p),
                        fts: quote(p),
                        since: None,
                        by_date: false,
                    }
                }
                4 => Query {
                    kind: "field",
                    govwatch: format!("title:{}", words[0]),
                    fts: format!("title : {}", quote(words[0])),
                    since: None,
                    by_date: false,
                },
                5 => Query {
                    kind: "date range",
                    govwatch: words[0].to_owned(),
                    fts: quote(words[0]),
                    since: Some(last - Duration::days(30)),
                    by_date: false,
                },
                _ => Query {
                    kind: "sorted by date",
                    govwatch: words[0].to_owned(),
                    fts: quote(words[0]),
                    since: None,
                    by_date: true,
                },
            }
        })
        .collect()
}

pub fn run(config: &Config, built: &Built, report: &mut Report) {
    let index =
        Index::open_read_only(&built.dir.path().join("tantivy")).expect("the ingested index");
    let last = corpus::base_time() + Duration::minutes(10 * built.items.len() as i64);
    let queries = mix(config.queries, last);

    let fts_dir = tempfile::tempdir().expect("temp dir");
    let fts = fts_build(fts_dir.path(), &built.items);

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut empty = (0, 0);
    // Warm both (page cache, mmaps) before timing.
    for q in queries.iter().take(20) {
        let _ = govwatch_search(&index, q);
        let _ = fts_search(&fts, q);
    }
    for q in &queries {
        let start = Instant::now();
        let a = govwatch_search(&index, q);
        ours.push((q.kind, start.elapsed().as_secs_f64() * 1e3));
        let start = Instant::now();
        let b = fts_search(&fts, q);
        theirs.push((q.kind, start.elapsed().as_secs_f64() * 1e3));
        empty.0 += usize::from(a == 0);
        empty.1 += usize::from(b == 0);
    }
    // The same queries should find things in both, or the comparison means little.
    assert!(
        empty.0 * 5 <= queries.len() && empty.1 * 5 <= queries.len(),
        "too many queries found nothing (govwatch {}, FTS5 {} of {})",
        empty.0,
        empty.1,
        queries.len()
    );
    let fts: Result<Vec<(&'static str, f64)>, String> = Ok(theirs.clone());
    against(report, &ours, "SQLite FTS5", fts, &[0.5, 0.95, 0.99]);
    let pg = postgres_times(built, &queries)
        .map(|times| queries.iter().map(|q| q.kind).zip(times).collect());
    against(report, &ours, "PostgreSQL full text", pg, &[0.5, 0.99]);
    for kind in [
        "1 term",
        "2 terms",
        "3 terms",
        "phrase",
        "field",
        "date range",
        "sorted by date",
    ] {
        let of = |v: &[(&'static str, f64)]| -> Vec<(&'static str, f64)> {
            v.iter().filter(|(k, _)| *k == kind).copied().collect()
        };
        let (a, b) = (of(&ours), of(&theirs));
        if a.is_empty() {
            continue;
        }
        report.row(
            "search",
            &format!("p99 latency, {kind}"),
            "ms",
            Better::Lower,
            Stat::of(vec![percentile(&a, 0.99)]),
            "SQLite FTS5",
            Some(Stat::of(vec![percentile(&b, 0.99)])),
            "",
        );
        let target = if kind == "phrase" { 50.0 } else { 10.0 };
        let p99 = percentile(&a, 0.99);
        report.target(&format!("p99 < {target} ms"), p99 < target);
    }
}

/// The `p`-quantile of the times in `v` (ms).
fn percentile(v: &[(&str, f64)], p: f64) -> f64 {
    let mut t: Vec<f64> = v.iter().map(|(_, t)| *t).collect();
    t.sort_by(f64::total_cmp);
    t[((t.len() - 1) as f64 * p).round() as usize]
}

/// Rows of the whole mix's latency at each quantile, against one peer's times for the same
/// queries; a peer that did not run gets one row saying why. The target is at the median.
fn against(
    report: &mut Report,
    ours: &[(&'static str, f64)],
    peer: &str,
    theirs: Result<Vec<(&'static str, f64)>, String>,
    quantiles: &[f64],
) {
    let theirs = match theirs {
        Ok(theirs) => theirs,
        Err(why) => {
            report.row(
                "search",
                "p50 latency, all queries",
                "ms",
                Better::Lower,
                Stat::of(vec![percentile(ours, 0.5)]),
                peer,
                None,
                &why,
            );
            return;
        }
    };
    for &p in quantiles {
        let ratio = report.row(
            "search",
            &format!("p{:.0} latency, all queries", p * 100.0),
            "ms",
            Better::Lower,
            Stat::of(vec![percentile(ours, p)]),
            peer,
            Some(Stat::of(vec![percentile(&theirs, p)])),
            "",
        );
        if p == 0.5
            && let Some(r) = ratio
        {
            report.target(&format!("≥ 5x {peer} at p50"), r >= 5.0);
        }
    }
}

/// PostgreSQL's time for each query, after loading the same items and a warm-up pass.
fn postgres_times(built: &Built, queries: &[Query]) -> Result<Vec<f64>, String> {
    let server = crate::postgres::Server::start()?;
    server.load(&built.items)?;
    let sql: Vec<String> = queries.iter().map(Query::postgres).collect();
    server.time(&sql[..sql.len().min(20)])?;
    server.time(&sql)
}

fn govwatch_search(index: &Index, q: &Query) -> usize {
    index
        .search(&SearchRequest {
            query: q.govwatch.clone(),
            since: q.since,
            limit: LIMIT,
            sort: if q.by_date {
                Sort::Date
            } else {
                Sort::Relevance
            },
            ..Default::default()
        })
        .expect("the query mix parses")
        .len()
}

/// An FTS5 table of the same items (porter stemming like govwatch's analyzer), with the
/// publication time beside it for the date filter and sort.
fn fts_build(dir: &std::path::Path, items: &[Item]) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("fts.db")).expect("fts db");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE VIRTUAL TABLE items USING fts5(title, body, tokenize = 'porter unicode61');
         CREATE TABLE dates (rowid INTEGER PRIMARY KEY, published INTEGER NOT NULL);
         CREATE INDEX dates_published ON dates(published);",
    )
    .expect("fts schema");
    let tx = conn.unchecked_transaction().expect("tx");
    {
        let mut insert = tx
            .prepare("INSERT INTO items (rowid, title, body) VALUES (?1, ?2, ?3)")
            .expect("insert");
        let mut date = tx
            .prepare("INSERT INTO dates (rowid, published) VALUES (?1, ?2)")
            .expect("insert date");
        for (n, item) in items.iter().enumerate() {
            insert
                .execute(rusqlite::params![n as i64 + 1, item.title, item.body])
                .expect("row");
            date.execute(rusqlite::params![n as i64 + 1, item.published.timestamp()])
                .expect("date row");
        }
    }
    tx.commit().expect("commit");
    conn
}

fn fts_search(conn: &rusqlite::Connection, q: &Query) -> usize {
    let order = if q.by_date {
        "d.published DESC"
    } else {
        "bm25(items)"
    };
    let sql = format!(
        "SELECT items.rowid FROM items JOIN dates d ON d.rowid = items.rowid \
         WHERE items MATCH ?1 AND d.published >= ?2 ORDER BY {order} LIMIT {LIMIT}"
    );
    let since = q.since.map_or(i64::MIN, |s| s.timestamp());
    let mut stmt = conn.prepare_cached(&sql).expect("fts query");
    stmt.query_map(rusqlite::params![q.fts, since], |_| Ok(()))
        .expect("fts runs")
        .count()
}
