//! `govwatch feeds list|check|add|remove|import|export`: the feed lists and their health.

use serde::Serialize;

mod add;
mod check;
mod opml;
mod report;

use crate::config::Settings;
use crate::redact::mask_url_secrets;
use crate::sources::State;
use crate::store::{FeedHealth, SourceStatus};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Each feed with its last status, last fetch, consecutive errors and item count.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Fetch and parse feeds (all, or the named ones) without storing anything; exits
    /// non-zero when any fails.
    Check {
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a feed (or the feed a page links to) to feeds/local.toml.
    Add(add::Args),
    /// Remove a feed from the feed list that defines it (its stored items stay).
    Remove {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Add the feeds an OPML file lists (folders become tags; feeds already configured are
    /// skipped and reported).
    Import {
        #[arg(value_name = "FILE.opml")]
        opml: std::path::PathBuf,
        /// The feed list to append to (default: feeds/local.toml).
        #[arg(long, value_name = "F")]
        file: Option<std::path::PathBuf>,
    },
    /// Print the configured feeds as OPML 2.0 (tags as categories).
    Export,
    /// Assess every feed's health now, and print (or, with --send, mail to [operators]
    /// emails) the changes of state since the last operator digest.
    Report {
        /// Mail the report and start the next window (what the daemon does on schedule).
        #[arg(long)]
        send: bool,
        #[arg(long)]
        json: bool,
    },
}

/// One feed as `feeds list --json` prints it; field names are an interface.
#[derive(Serialize)]
struct Row {
    id: String,
    /// Where the feed is fetched from: the configured URL, or where it permanently moved.
    url: String,
    configured_url: String,
    title: Option<String>,
    tags: Vec<String>,
    /// False for feeds the store knows but no feed list names any more.
    configured: bool,
    last_status: Option<u16>,
    last_fetch: Option<String>,
    last_success: Option<String>,
    last_error: Option<String>,
    consecutive_errors: u32,
    retry_at: Option<String>,
    items: u64,
    /// `ok`, `silent`, `failing` or `broken` (src/sources.rs); null before the first poll.
    health: Option<State>,
    health_since: Option<String>,
    /// The learned median gap between items, in seconds; null until enough history.
    cadence_secs: Option<i64>,
    /// Whether the cadence and silence count weekdays only.
    weekdays_only: bool,
}

pub fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    match command {
        Command::List { json } => list(settings, json),
        Command::Check { ids, json } => check::run(settings, &ids, json),
        Command::Add(args) => add::run(settings, args),
        Command::Remove { id } => remove(settings, &id),
        Command::Import { opml, file } => opml::import(settings, &opml, file),
        Command::Export => opml::export(settings),
        Command::Report { send, json } => report::run(settings, send, json),
    }
}

fn remove(settings: &Settings, id: &str) -> anyhow::Result<()> {
    let feeds = crate::feeds::load_dir(&settings.feeds_dir)?;
    let Some(feed) = feeds.iter().find(|f| f.id == id) else {
        return Err(super::UsageError {
            message: format!("no feed {id} in {}", settings.feeds_dir.display()),
        }
        .into());
    };
    crate::feeds::edit::remove(&feed.source, id)?;
    println!(
        "removed {id} from {} (its stored items stay searchable)",
        feed.source.display()
    );
    Ok(())
}

fn list(settings: &Settings, json: bool) -> anyhow::Result<()> {
    let configured = crate::feeds::load_dir(&settings.feeds_dir)?;
    let store = super::status::open_store(settings)?;
    let health = store
        .as_ref()
        .map(|s| s.feed_health())
        .transpose()?
        .unwrap_or_default();
    let sources = store
        .as_ref()
        .map(|s| s.source_health(chrono::Utc::now(), None))
        .transpose()?
        .unwrap_or_default();
    let source = |id: &str| sources.iter().find(|s| s.feed_id == id);
    let mut rows: Vec<Row> = configured
        .iter()
        .map(|f| {
            let h = health.iter().find(|h| h.id == f.id);
            // The store knows where the feed moved to and the feed's own title.
            let url = h
                .map(|h| h.url.clone())
                .unwrap_or_else(|| f.url.to_string());
            let title = f.title.clone().or_else(|| h.and_then(|h| h.title.clone()));
            row(
                f.id.clone(),
                url,
                f.url.to_string(),
                title,
                f.tags.clone(),
                true,
                h,
                source(&f.id),
            )
        })
        .collect();
    for h in health
        .iter()
        .filter(|h| !configured.iter().any(|f| f.id == h.id))
    {
        rows.push(row(
            h.id.clone(),
            h.url.clone(),
            h.configured_url.clone(),
            h.title.clone(),
            h.tags.clone(),
            false,
            Some(h),
            source(&h.id),
        ));
    }
    if json {
        for r in &rows {
            super::print_json_line(r)?;
        }
        return Ok(());
    }
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    println!(
        "{:width$}  {:<7}  {:>6}  {:<20}  {:>6}  {:>6}  LAST ERROR",
        "ID", "STATE", "STATUS", "LAST FETCH", "ERRORS", "ITEMS"
    );
    for r in &rows {
        let status = r
            .last_status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into());
        let fetched = r
            .last_fetch
            .as_deref()
            .map(short_time)
            .unwrap_or_else(|| "never".into());
        let mut line = format!(
            "{:width$}  {:<7}  {:>6}  {:<20}  {:>6}  {:>6}  {}",
            r.id,
            r.health.map_or("-", State::as_str),
            status,
            fetched,
            r.consecutive_errors,
            r.items,
            r.last_error.as_deref().unwrap_or("")
        );
        if !r.configured {
            line.push_str(" (no longer configured)");
        }
        println!("{}", line.trim_end());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // a plain constructor of a flat record
fn row(
    id: String,
    url: String,
    configured_url: String,
    title: Option<String>,
    tags: Vec<String>,
    configured: bool,
    h: Option<&FeedHealth>,
    source: Option<&SourceStatus>,
) -> Row {
    Row {
        id,
        url: mask_url_secrets(&url),
        configured_url: mask_url_secrets(&configured_url),
        title,
        tags,
        configured,
        last_status: h.and_then(|h| h.last_status),
        last_fetch: h.and_then(|h| h.last_fetch_at).map(|t| t.to_rfc3339()),
        last_success: h.and_then(|h| h.last_success_at).map(|t| t.to_rfc3339()),
        last_error: h.and_then(|h| h.last_error.as_deref().map(mask_url_secrets)),
        consecutive_errors: h.map(|h| h.consecutive_errors).unwrap_or(0),
        retry_at: h.and_then(|h| h.retry_at).map(|t| t.to_rfc3339()),
        items: h.map(|h| h.item_count).unwrap_or(0),
        health: source.map(|s| s.assessment.state),
        health_since: source.and_then(|s| s.since).map(|t| t.to_rfc3339()),
        cadence_secs: source.and_then(|s| s.assessment.cadence_secs),
        weekdays_only: source.is_some_and(|s| s.assessment.weekdays_only),
    }
}

fn short_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}
