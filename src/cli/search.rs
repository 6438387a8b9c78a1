//! `govwatch search QUERY [filters] [--json]`: ranked results with highlighted snippets.

use std::io::IsTerminal;

use chrono::Utc;
use serde::Serialize;

use super::dates::{DayEnd, parse_when};
use crate::config::Settings;
use crate::index::{Facet, Hit, Index, SearchRequest, Sort};

pub const DEFAULT_LIMIT: u64 = 20;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SortArg {
    Relevance,
    Date,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Terms, "phrases", AND/OR/NOT, +term/-term, and fields (title:, body:, feed:, tag:,
    /// category:, topic:, agency:, org:, kind:, ident:, amount:[A TO B], deadline:[now TO now+14d],
    /// event_date:, published:).
    /// Empty matches everything (use the filters).
    #[arg(default_value = "")]
    query: String,
    /// Only items published at or after D: a date (2026-11-01) or an age (7d, 24h).
    #[arg(long, value_name = "D")]
    since: Option<String>,
    /// Only items published before the end of D: a date (2026-11-01) or an age (7d, 24h).
    #[arg(long, value_name = "D")]
    until: Option<String>,
    /// Only items from this feed (repeatable: any of them).
    #[arg(long = "feed", value_name = "ID")]
    feeds: Vec<String>,
    /// Only items from feeds with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "T")]
    tags: Vec<String>,
    /// At most N results.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    limit: u64,
    #[arg(long, value_enum, default_value = "relevance")]
    sort: SortArg,
    /// JSON Lines: one object per result.
    #[arg(long)]
    json: bool,
    /// One result per story: reports of the same story from other feeds are listed under it.
    #[arg(long)]
    collapse: bool,
    /// Count the matching items per value of these fields (comma-separated: topic, feed,
    /// agency, org, kind);
    /// printed after the results (with --json, as a last line `{"facets": …}`).
    #[arg(long, value_name = "F,…", value_delimiter = ',')]
    facets: Vec<String>,
}

/// One JSON Lines record; field names are an interface scripts depend on.
#[derive(Serialize)]
struct JsonHit<'a> {
    rank: usize,
    id: &'a str,
    title: &'a str,
    url: Option<&'a str>,
    feed: &'a str,
    feed_title: Option<&'a str>,
    published: String,
    score: f32,
    snippet: &'a str,
    /// Byte ranges of the matched terms in `snippet`.
    highlights: Vec<[usize; 2]>,
    /// Byte ranges of the matched terms in `title`.
    title_highlights: Vec<[usize; 2]>,
    /// The topics the item matched at ingest.
    topics: &'a [String],
    /// Dollar amounts in the item's text.
    amounts: &'a [u64],
    /// Agencies the item names (canonical names).
    agencies: &'a [String],
    /// Vendors the item names (canonical names).
    orgs: &'a [String],
    /// What kind of document it is.
    kind: &'a str,
    /// `{"type", "value"}` of each identifier in its text.
    identifiers: &'a [crate::index::HitIdentifier],
    /// Deadlines and event dates in its text (YYYY-MM-DD).
    deadlines: &'a [chrono::NaiveDate],
    events: &'a [chrono::NaiveDate],
    /// The story it belongs to (the item id of the story's first report).
    cluster: &'a str,
    /// With --collapse: the story's other reports.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    also: &'a [crate::index::AlsoReported],
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let now = Utc::now();
    let usage = |message: String| super::UsageError { message };
    let since = args
        .since
        .as_deref()
        .map(|s| parse_when(s, DayEnd::Start, now).map_err(|m| usage(format!("--since: {m}"))))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_when(s, DayEnd::End, now).map_err(|m| usage(format!("--until: {m}"))))
        .transpose()?;
    let facets = args
        .facets
        .iter()
        .map(|f| {
            Facet::parse(f).ok_or_else(|| {
                usage(format!(
                    "--facets: {f:?} is not a facet (topic, feed, agency, org, kind)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = Index::open_read_only(&settings.index_dir())?;
    let request = SearchRequest {
        query: args.query,
        since,
        until,
        feeds: args.feeds,
        tags: args.tags.into_iter().map(|t| t.to_lowercase()).collect(),
        // The parser bounds it to 10,000.
        limit: args.limit as usize,
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
        },
        collapse: args.collapse,
    };
    let hits = index.search(&request)?;
    let counts = index.facet_counts(&request, &facets)?;
    if args.json {
        for (n, hit) in hits.iter().enumerate() {
            super::print_json_line(&json_hit(n + 1, hit))?;
        }
        if !counts.is_empty() {
            let facets: serde_json::Map<String, serde_json::Value> = counts
                .iter()
                .map(|c| (c.facet.to_owned(), serde_json::json!(c.values)))
                .collect();
            super::print_json_line(&serde_json::json!({ "facets": facets }))?;
        }
    } else {
        let bold = std::io::stdout().is_terminal();
        if hits.is_empty() {
            eprintln!("no results");
        }
        for (n, hit) in hits.iter().enumerate() {
            print_hit(n + 1, hit, bold);
        }
        for c in &counts {
            let values: Vec<String> = c
                .values
                .iter()
                .map(|v| format!("{} {}", v.value, v.count))
                .collect();
            println!("{}: {}", c.facet, values.join(", "));
        }
    }
    Ok(())
}

fn json_hit(rank: usize, hit: &Hit) -> JsonHit<'_> {
    JsonHit {
        rank,
        id: &hit.item_id,
        title: &hit.title,
        url: hit.url.as_deref(),
        feed: &hit.feed,
        feed_title: hit.feed_title.as_deref(),
        published: hit.published.to_rfc3339(),
        score: hit.score,
        snippet: &hit.snippet.text,
        highlights: hit
            .snippet
            .highlights
            .iter()
            .map(|r| [r.start, r.end])
            .collect(),
        title_highlights: hit
            .title_highlights
            .iter()
            .map(|r| [r.start, r.end])
            .collect(),
        topics: &hit.topics,
        amounts: &hit.amounts,
        agencies: &hit.agencies,
        orgs: &hit.orgs,
        kind: &hit.kind,
        identifiers: &hit.identifiers,
        deadlines: &hit.deadlines,
        events: &hit.events,
        cluster: &hit.cluster,
        also: &hit.also,
    }
}

fn print_hit(rank: usize, hit: &Hit, bold: bool) {
    println!(
        "{rank:>3}. {}  {}  {}",
        hit.published.format("%Y-%m-%d"),
        hit.feed,
        one_line(&highlight(&hit.title, &hit.title_highlights, bold))
    );
    if let Some(url) = &hit.url {
        println!("     {url}");
    }
    let snippet = highlight(&hit.snippet.text, &hit.snippet.highlights, bold);
    if !snippet.is_empty() {
        println!("     {}", one_line(&snippet));
    }
    println!("     {}", facts_line(hit));
    for other in &hit.also {
        println!(
            "     also: {}  {}  {}",
            other.published.format("%Y-%m-%d"),
            other.feed_title.as_deref().unwrap_or(&other.feed),
            one_line(&other.title)
        );
    }
}

/// What extraction found, on one line: "award · Department of Defense · Anthropic · $200M ·
/// deadline 2026-12-01".
fn facts_line(hit: &Hit) -> String {
    let mut parts: Vec<String> = vec![hit.kind.clone()];
    parts.extend(hit.agencies.iter().cloned());
    parts.extend(hit.orgs.iter().cloned());
    parts.extend(
        hit.amounts
            .iter()
            .map(|&a| crate::extract::amount::short(a)),
    );
    parts.extend(hit.identifiers.iter().map(|i| i.value.clone()));
    parts.extend(hit.deadlines.iter().map(|d| format!("deadline {d}")));
    parts.extend(hit.events.iter().map(|d| format!("event {d}")));
    parts.join(" · ")
}

/// Marks the highlighted ranges: bold on a terminal, plain text otherwise. Ranges that are out
/// of bounds or not on char boundaries are ignored rather than trusted.
fn highlight(text: &str, ranges: &[std::ops::Range<usize>], bold: bool) -> String {
    if !bold {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + ranges.len() * 8);
    let mut at = 0;
    for r in ranges {
        if r.start < at
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str("\x1b[1m");
        out.push_str(&text[r.start..r.end]);
        out.push_str("\x1b[0m");
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Folds line breaks so that each result keeps its shape.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlight_marks_ranges_only_on_a_terminal() {
        assert_eq!(
            highlight("AI rule", std::slice::from_ref(&(0..2)), false),
            "AI rule"
        );
        assert_eq!(
            highlight("AI rule", &[0..2, 3..7], true),
            "\x1b[1mAI\x1b[0m \x1b[1mrule\x1b[0m"
        );
        // Out-of-range and overlapping ranges are skipped.
        assert_eq!(highlight("café", &[4..5, 0..99], true), "café");
    }
}
