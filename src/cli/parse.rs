//! `govwatch parse FILE|URL [--charset C] [--base URL] [--json]`: the exact decode → parse →
//! normalize path (and the fetch path for a URL) on one document, storing nothing, so that an
//! operator can see why a feed misbehaves. Exits 0 even for a bad document: the document's
//! problems are the output, not a failure of the command.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::config::Settings;
use crate::fetch::{FetchOutcome, FetchRequest, Fetcher};
use crate::model::{Document, Enclosure};
use crate::normalize;
use crate::parse::{ParseOptions, parse_document};

/// The feed id used for item ids when a document is parsed outside any configured feed.
const ADHOC_FEED_ID: &str = "parse";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A file path, or an http(s) URL to fetch.
    source: String,
    /// Charset to assume, as if the server had sent it in Content-Type.
    #[arg(long, value_name = "C")]
    charset: Option<String>,
    /// Base URL for relative links (defaults to the URL fetched).
    #[arg(long, value_name = "URL")]
    base: Option<Url>,
    /// Id of the configured feed the document belongs to (item ids depend on it).
    #[arg(long = "feed", value_name = "ID", default_value = ADHOC_FEED_ID)]
    feed: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Output {
    ok: bool,
    error: Option<String>,
    source: String,
    encoding: Option<&'static str>,
    format: Option<crate::model::FeedFormat>,
    problems: Vec<String>,
    feed: Option<FeedOut>,
    entries: Vec<EntryOut>,
}

#[derive(Serialize)]
struct FeedOut {
    title: Option<String>,
    subtitle: Option<String>,
    link: Option<String>,
    links: Vec<String>,
    id: Option<String>,
    language: Option<String>,
    updated: Option<String>,
    published: Option<String>,
    authors: Vec<String>,
    generator: Option<String>,
    image: Option<String>,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct EntryOut {
    title: String,
    summary: Option<String>,
    content: Option<String>,
    link: Option<String>,
    links: Vec<String>,
    /// As the document gives it; null when it has none.
    id: Option<String>,
    /// govwatch's stable id.
    item_id: String,
    /// Canonical URL.
    url: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    authors: Vec<String>,
    tags: Vec<String>,
    enclosures: Vec<Enclosure>,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let now = Utc::now();
    let (bytes, http_charset, base) = match Url::parse(&args.source) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => fetch(settings, url)?,
        _ => {
            let bytes = std::fs::read(&args.source)
                .with_context(|| format!("cannot read {}", args.source))?;
            (bytes, None, None)
        }
    };
    let charset = args.charset.or(http_charset);
    let base = args.base.or(base);
    let out = match parse_document(
        &bytes,
        &ParseOptions {
            http_charset: charset.as_deref(),
            base_url: base.as_ref(),
        },
    ) {
        Ok(parsed) => {
            let entries = parsed
                .document
                .entries
                .iter()
                .map(|e| entry_out(&args.feed, e, now))
                .collect();
            Output {
                ok: parsed.problems.is_empty(),
                error: (!parsed.problems.is_empty()).then(|| parsed.problems.join("; ")),
                source: args.source,
                encoding: Some(parsed.encoding),
                format: parsed.document.format,
                feed: Some(feed_out(&parsed.document)),
                problems: parsed.problems,
                entries,
            }
        }
        Err(e) => Output {
            ok: false,
            error: Some(e.to_string()),
            source: args.source,
            encoding: None,
            format: None,
            problems: Vec::new(),
            feed: None,
            entries: Vec::new(),
        },
    };
    if args.json {
        super::print_json_line(&out)?;
    } else {
        print_human(&out);
    }
    Ok(())
}

fn fetch(settings: &Settings, url: Url) -> anyhow::Result<(Vec<u8>, Option<String>, Option<Url>)> {
    let fetcher = Fetcher::new(&settings.fetch).context("cannot build the HTTP client")?;
    let runtime = super::runtime()?;
    let request = FetchRequest {
        url: url.clone(),
        etag: None,
        last_modified: None,
    };
    match runtime.block_on(fetcher.fetch(&request))? {
        FetchOutcome::Fetched(meta, body) => Ok((body, meta.charset, Some(meta.final_url))),
        // Without validators a server has no reason to answer 304; say so rather than guess.
        FetchOutcome::NotModified(meta) => {
            anyhow::bail!(
                "{url}: server answered {} Not Modified to an unconditional GET",
                meta.status
            )
        }
    }
}

fn rfc3339(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

fn clean(text: Option<&str>) -> Option<String> {
    text.map(normalize::html_to_text).filter(|t| !t.is_empty())
}

fn feed_out(doc: &Document) -> FeedOut {
    FeedOut {
        title: clean(doc.title.as_deref()),
        subtitle: clean(doc.subtitle.as_deref()),
        link: doc.link.clone(),
        links: doc.links.clone(),
        id: doc.id.clone(),
        language: doc.language.clone(),
        updated: rfc3339(doc.updated),
        published: rfc3339(doc.published),
        authors: doc.authors.clone(),
        generator: doc.generator.clone(),
        image: doc.image.clone(),
        tags: doc.tags.clone(),
    }
}

fn entry_out(feed_id: &str, entry: &crate::model::Entry, now: DateTime<Utc>) -> EntryOut {
    let item = normalize::normalize_entry(feed_id, entry, now);
    EntryOut {
        title: item.title,
        summary: Some(item.summary).filter(|s| !s.is_empty()),
        content: clean(entry.content.as_deref()),
        link: entry.link.clone(),
        links: entry.links.clone(),
        id: entry.id.clone(),
        item_id: item.item_id,
        url: item.url,
        published: rfc3339(entry.published),
        updated: rfc3339(entry.updated),
        authors: item.authors,
        tags: item.categories,
        enclosures: entry.enclosures.clone(),
    }
}

fn print_human(out: &Output) {
    match (&out.feed, &out.error) {
        (None, Some(error)) => {
            println!("{}: not parsed: {error}", out.source);
            return;
        }
        (_, Some(error)) => println!("{}: parsed with problems: {error}", out.source),
        _ => println!("{}: ok", out.source),
    }
    if let Some(feed) = &out.feed {
        let format = out.format.map(|f| format!("{f:?}")).unwrap_or_default();
        println!(
            "feed: {}  [{format}, {}]",
            feed.title.as_deref().unwrap_or("(untitled)"),
            out.encoding.unwrap_or("?")
        );
        if let Some(link) = &feed.link {
            println!("link: {link}");
        }
    }
    println!("entries: {}", out.entries.len());
    for (n, e) in out.entries.iter().enumerate() {
        println!(
            "{:>3}. {}  {}",
            n + 1,
            e.published.as_deref().unwrap_or("(no date)"),
            e.title
        );
        if let Some(link) = &e.link {
            println!("     {link}");
        }
        println!(
            "     id: {}  item_id: {}",
            e.id.as_deref().unwrap_or("(none)"),
            e.item_id
        );
    }
}
