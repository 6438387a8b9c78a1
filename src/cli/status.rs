//! `govwatch status [--json]`: how much is stored and indexed, when the last poll ran, the
//! daemon's next polls, failing feeds, and digests due.
//! Read-only: works while the daemon runs.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::index::{Index, IndexError};
use crate::redact::mask_url_secrets;
use crate::sources::State;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    json: bool,
}

/// Field names are an interface scripts depend on.
#[derive(Serialize)]
struct Status {
    data_dir: String,
    feeds: u64,
    feeds_failing: u64,
    /// Feeds per health state (`ok`, `silent`, `failing`, `broken`; src/sources.rs).
    sources: std::collections::BTreeMap<State, usize>,
    items: u64,
    indexed_docs: u64,
    /// Store sequence number the index has caught up to; `index_lag` items are not yet indexed.
    indexed_seq: u64,
    index_lag: u64,
    last_poll: Option<String>,
    /// Every feed's planned next poll (the daemon's schedule), soonest first.
    next_polls: Vec<NextPoll>,
    failing: Vec<Failing>,
    /// Subscriptions whose digest is due now (or whose retry time has come).
    digests_due: u64,
    /// The soonest time a digest is due after now.
    next_digest: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct NextPoll {
    feed: String,
    at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct Failing {
    feed: String,
    consecutive_errors: u32,
    kind: Option<String>,
    error: Option<String>,
    last_success_at: Option<DateTime<Utc>>,
}

/// Opens the store read-only, or `None` when nothing has been polled into this data dir yet.
pub(super) fn open_store(settings: &Settings) -> anyhow::Result<Option<Store>> {
    if !settings.data_dir.join(crate::store::DATABASE_FILE).exists() {
        return Ok(None);
    }
    Ok(Some(Store::open_read_only(&settings.data_dir)?))
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let store = open_store(settings)?;
    let now = Utc::now();
    let mut status = Status {
        data_dir: settings.data_dir.display().to_string(),
        feeds: 0,
        feeds_failing: 0,
        sources: crate::sources::tally([]),
        items: 0,
        indexed_docs: 0,
        indexed_seq: 0,
        index_lag: 0,
        last_poll: None,
        next_polls: Vec::new(),
        failing: Vec::new(),
        digests_due: 0,
        next_digest: None,
    };
    let mut max_seq = 0;
    if let Some(store) = &store {
        status.sources = crate::sources::tally(
            store
                .source_health(now, None)?
                .iter()
                .map(|s| s.assessment.state),
        );
        let health = store.feed_health()?;
        status.feeds = health.len() as u64;
        status.items = store.item_count()?;
        max_seq = store.max_seq()?;
        status.last_poll = store.get_meta("last_poll")?;
        let mut next: Vec<NextPoll> = health
            .iter()
            .map(|h| NextPoll {
                feed: h.id.clone(),
                at: h.next_poll_at,
            })
            .collect();
        // Planned ones first, soonest first; never planned ones last.
        next.sort_by_key(|n| (n.at.is_none(), n.at));
        status.next_polls = next;
        status.failing = health
            .into_iter()
            .filter(|h| h.consecutive_errors > 0)
            .map(|h| Failing {
                feed: h.id,
                consecutive_errors: h.consecutive_errors,
                kind: h.last_error_kind,
                error: h.last_error.as_deref().map(mask_url_secrets),
                last_success_at: h.last_success_at,
            })
            .collect();
        status.feeds_failing = status.failing.len() as u64;
        for (_, due) in crate::digest::deliver::due_times(store, now)? {
            match due {
                Some(t) if t <= now => status.digests_due += 1,
                Some(t) => status.next_digest = Some(status.next_digest.map_or(t, |n| n.min(t))),
                None => {}
            }
        }
    }
    match Index::open_read_only(&settings.index_dir()) {
        Ok(index) => {
            status.indexed_docs = index.num_docs()?;
            status.indexed_seq = index.last_indexed_seq()?;
        }
        Err(IndexError::NotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    status.index_lag = max_seq.saturating_sub(status.indexed_seq);
    if args.json {
        return super::print_json_line(&status);
    }
    print_human(&status, now);
    Ok(())
}

/// How many planned polls the human output lists.
const NEXT_POLLS_SHOWN: usize = 5;

fn print_human(status: &Status, now: DateTime<Utc>) {
    let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    println!("data dir:      {}", status.data_dir);
    println!(
        "feeds:         {} ({} failing)",
        status.feeds, status.feeds_failing
    );
    let sources: Vec<String> = status
        .sources
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    println!("sources:       {}", sources.join(", "));
    println!("items:         {}", status.items);
    println!("indexed docs:  {}", status.indexed_docs);
    if status.index_lag > 0 {
        println!(
            "index lag:     {} items (the daemon's next commit, the next poll or `govwatch reindex` catches up)",
            status.index_lag
        );
    }
    println!(
        "last poll:     {}",
        status.last_poll.as_deref().unwrap_or("never")
    );
    let planned: Vec<&NextPoll> = status
        .next_polls
        .iter()
        .filter(|n| n.at.is_some())
        .collect();
    if !planned.is_empty() {
        println!("next polls:");
        for n in planned.iter().take(NEXT_POLLS_SHOWN) {
            if let Some(at) = &n.at {
                let when = if *at <= now { " (due)" } else { "" };
                println!("  {}  {}{when}", time(at), n.feed);
            }
        }
        if planned.len() > NEXT_POLLS_SHOWN {
            println!("  … and {} more", planned.len() - NEXT_POLLS_SHOWN);
        }
    }
    if !status.failing.is_empty() {
        println!("failing feeds:");
        for f in &status.failing {
            println!(
                "  {}  {} errors in a row, last ok {}: {}",
                f.feed,
                f.consecutive_errors,
                f.last_success_at
                    .as_ref()
                    .map(time)
                    .unwrap_or_else(|| "never".into()),
                f.error.as_deref().unwrap_or("")
            );
        }
    }
    print!("digests due:   {}", status.digests_due);
    match &status.next_digest {
        Some(t) => println!(" (next {})", time(t)),
        None => println!(),
    }
}
