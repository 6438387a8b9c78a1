//! `govwatch feeds add URL [--id ID] [--tag T]... [--interval I] [--file F] [--no-check]`:
//! checks the URL (a feed, or a page whose feeds it discovers), shows what it yields, and
//! appends the entry to `feeds/local.toml` (or F) without disturbing the file.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use url::Url;

use crate::config::Settings;
use crate::discover;
use crate::feeds::edit::{self, NewEntry};
use crate::feeds::{FeedConfig, FeedKind};
use crate::fetch::{FetchOutcome, FetchRequest, Fetcher};
use crate::poll::{Fetched, fetch_and_parse};

use super::super::UsageError;

/// Where `feeds add` and `feeds import` write unless told otherwise.
pub const DEFAULT_FILE: &str = "local.toml";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The feed's URL, or a page that links to it.
    url: String,
    /// The feed's id ([a-z0-9-]); derived from its title when not given.
    #[arg(long)]
    id: Option<String>,
    /// A tag (repeatable).
    #[arg(long = "tag", value_name = "T")]
    tags: Vec<String>,
    /// Poll interval for the daemon (e.g. 30m, 2h).
    #[arg(long, value_name = "I")]
    interval: Option<String>,
    /// The feed list to append to (default: feeds/local.toml).
    #[arg(long, value_name = "F")]
    file: Option<PathBuf>,
    /// Add it without fetching it first.
    #[arg(long)]
    no_check: bool,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let usage = |message: String| anyhow::Error::new(UsageError { message });
    let url = Url::parse(args.url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| usage(format!("{:?} is not an http(s) URL", args.url)))?;
    if let Some(i) = &args.interval {
        crate::config::parse_duration(i).map_err(|m| usage(format!("--interval: {m}")))?;
    }
    let existing = crate::feeds::load_dir(&settings.feeds_dir)?;
    let (url, title) = if args.no_check {
        (url, None)
    } else {
        let runtime = super::super::runtime()?;
        let fetcher = Fetcher::new(&settings.fetch).context("cannot build the HTTP client")?;
        runtime.block_on(resolve(&fetcher, url))?
    };
    if let Some(dup) = existing.iter().find(|f| same_url(&f.url, &url)) {
        return Err(usage(format!(
            "{url} is already configured as {} (in {})",
            dup.id,
            dup.source.display()
        )));
    }
    let id = match &args.id {
        Some(id) => {
            if let Some(dup) = existing.iter().find(|f| &f.id == id) {
                return Err(usage(format!(
                    "the id {id} is already used (in {})",
                    dup.source.display()
                )));
            }
            id.clone()
        }
        None => unique_id(&existing, title.as_deref(), &url),
    };
    let file = args
        .file
        .unwrap_or_else(|| settings.feeds_dir.join(DEFAULT_FILE));
    let tags: Vec<String> = args.tags.iter().map(|t| t.trim().to_lowercase()).collect();
    edit::append(
        &file,
        &[NewEntry {
            id: id.clone(),
            url: url.to_string(),
            title,
            tags,
            interval: args.interval,
        }],
    )?;
    println!("added {id} ({url}) to {}", file.display());
    Ok(())
}

/// Fetches `url`; when it is a page rather than a feed, finds its feed (asking on a terminal
/// when there are several). Prints what the feed yields; returns its URL and title.
async fn resolve(fetcher: &Fetcher, url: Url) -> anyhow::Result<(Url, Option<String>)> {
    let (feed_url, fetched) = match check(fetcher, &url).await {
        // Our own parse error for a readable document that is no feed (an HTML page).
        Fetched::Failed(f) if f.kind == "parse" && f.message.contains(": not a feed: ") => {
            let candidates = discover_from(fetcher, &url).await?;
            let feed_url = pick(&url, candidates)?;
            let fetched = check(fetcher, &feed_url).await;
            (feed_url, fetched)
        }
        fetched => (url, fetched),
    };
    let row = super::check::row("new", feed_url.as_str(), fetched);
    if let Some(error) = &row.error {
        anyhow::bail!("{error}");
    }
    println!(
        "{}: {} items{}",
        row.title.as_deref().unwrap_or("(untitled feed)"),
        row.items,
        row.newest_title
            .as_ref()
            .map(|t| format!("; newest: {t}"))
            .unwrap_or_default()
    );
    Ok((feed_url, row.title))
}

async fn check(fetcher: &Fetcher, url: &Url) -> Fetched {
    fetch_and_parse(
        fetcher,
        "new",
        &FeedKind::Feed,
        FetchRequest::new(url.clone()),
        None,
    )
    .await
}

/// The page's declared feeds, else those of the common paths that parse as feeds.
async fn discover_from(fetcher: &Fetcher, page: &Url) -> anyhow::Result<Vec<discover::Discovered>> {
    let body = match fetcher.fetch(&FetchRequest::new(page.clone())).await? {
        FetchOutcome::Fetched(meta, body) => {
            let decoded = crate::decode::decode(&body, meta.charset.as_deref())?;
            (decoded.text, meta.final_url)
        }
        FetchOutcome::NotModified(_) => (String::new(), page.clone()),
    };
    let found = discover::feed_links(&body.0, &body.1);
    if !found.is_empty() {
        return Ok(found);
    }
    let mut found = Vec::new();
    for candidate in discover::common_candidates(&body.1) {
        if let Fetched::Parsed { ingested, .. } = check(fetcher, &candidate).await {
            found.push(discover::Discovered {
                url: candidate,
                title: ingested.feed_title,
            });
            break;
        }
    }
    Ok(found)
}

/// The only candidate, or the operator's choice on a terminal; otherwise a usage error that
/// lists them.
fn pick(page: &Url, candidates: Vec<discover::Discovered>) -> anyhow::Result<Url> {
    let list = |c: &[discover::Discovered]| {
        c.iter()
            .enumerate()
            .map(|(n, d)| {
                format!(
                    "  {}. {}{}",
                    n + 1,
                    d.url,
                    d.title
                        .as_ref()
                        .map(|t| format!("  ({t})"))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    match candidates.len() {
        0 => Err(UsageError {
            message: format!(
                "{page} is a page, and it links to no feed (none declared, none at the usual paths)"
            ),
        }
        .into()),
        1 => {
            let only = candidates.into_iter().next().map(|d| d.url);
            // One element: `next` is `Some`.
            Ok(only.expect("one candidate"))
        }
        _ if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            eprintln!("{page} links to several feeds:\n{}", list(&candidates));
            eprint!("which one? [1-{}] ", candidates.len());
            std::io::stderr().flush().ok();
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            let n: usize = answer.trim().parse().unwrap_or(0);
            candidates
                .get(n.wrapping_sub(1))
                .map(|d| d.url.clone())
                .ok_or_else(|| {
                    UsageError {
                        message: format!("no feed number {:?}", answer.trim()),
                    }
                    .into()
                })
        }
        _ => Err(UsageError {
            message: format!(
                "{page} links to several feeds; add the one you want by its URL:\n{}",
                list(&candidates)
            ),
        }
        .into()),
    }
}

/// URLs equal once canonical (scheme and host case, default port, tracking parameters).
pub fn same_url(a: &Url, b: &Url) -> bool {
    let canonical =
        |u: &Url| crate::normalize::canonical_url(u.as_str()).unwrap_or_else(|| u.to_string());
    canonical(a) == canonical(b)
}

/// An id from the title (else the host and path), made unique among `existing`.
pub fn unique_id(existing: &[FeedConfig], title: Option<&str>, url: &Url) -> String {
    let base = title
        .map(slug)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            slug(&format!(
                "{}{}",
                url.host_str().unwrap_or("feed"),
                url.path()
            ))
        });
    let base = if base.is_empty() {
        "feed".to_owned()
    } else {
        base
    };
    let taken = |id: &str| existing.iter().any(|f| f.id == id);
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        // The range is endless and ids finite: `find` returns.
        .expect("a free id")
}

/// `[a-z0-9-]`, at most 48 characters, no leading, trailing or doubled dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_unique_ids() {
        assert_eq!(
            slug("GAO: Reports & Testimonies"),
            "gao-reports-testimonies"
        );
        assert_eq!(slug("  ---  "), "");
        assert_eq!(slug("Économie numérique"), "conomie-num-rique");
        let url = Url::parse("https://www.gao.gov/rss/reports.xml").unwrap();
        let feed = |id: &str| FeedConfig::new(id, url.clone(), "feeds/x.toml");
        assert_eq!(unique_id(&[], Some("GAO reports"), &url), "gao-reports");
        assert_eq!(
            unique_id(
                &[feed("gao-reports"), feed("gao-reports-2")],
                Some("GAO reports"),
                &url
            ),
            "gao-reports-3"
        );
        assert_eq!(unique_id(&[], None, &url), "www-gao-gov-rss-reports-xml");
        assert!(same_url(
            &Url::parse("HTTPS://WWW.gao.gov:443/rss/reports.xml?utm_source=x").unwrap(),
            &url
        ));
    }
}
