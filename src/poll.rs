//! One poll cycle, read top to bottom: for each feed, check its deferral → conditional GET →
//! stop if not modified → decode/parse/normalize → store (one transaction) → and, once every
//! feed is done, bring the index up to date with one commit.
//!
//! Fetching and parsing run concurrently on a tokio runtime (bounded by the fetcher's global
//! and per-host limits); the calling thread is the single owner of the store and the index and
//! applies results as they arrive, so there is exactly one writer of each.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::mpsc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cadence::{self, LastPoll};
use crate::config::PollConfig;
use crate::extract::Extractor;
use crate::feeds::{FeedConfig, FeedKind};
use crate::fetch::{FetchError, FetchMeta, FetchOutcome, FetchRequest, Fetcher};
use crate::index::Index;
use crate::pipeline::{self, Ingested, SyncError};
use crate::redact::{mask_all, mask_url_secrets};
use crate::store::{FeedState, FetchFailure, FetchSuccess, Store, StoreError};
use crate::topics::Topics;

/// What happened to one feed in a poll.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// Fetched and parsed.
    Fetched { status: u16 },
    /// The server answered 304: nothing new.
    NotModified { status: u16 },
    /// Skipped: the server asked us (Retry-After) to wait until then.
    Deferred { until: DateTime<Utc> },
    /// Fetch or parse failed; recorded on the feed.
    Failed { status: Option<u16>, kind: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedReport {
    pub feed: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub new: usize,
    pub updated: usize,
    pub error: Option<String>,
    /// Repairs the document needed (it still yielded items).
    pub problems: Vec<String>,
    /// How long the response said it stays fresh (scheduling only).
    #[serde(skip)]
    pub max_age: Option<std::time::Duration>,
    /// When the feed is polled next by the daemon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_poll: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PollReport {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub feeds: Vec<FeedReport>,
    /// Items (re)indexed at the end of the cycle.
    pub indexed: usize,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PollError {
    #[error("unknown feed id {0:?} (see `govwatch feeds list`)")]
    UnknownFeed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

/// The result of fetching and parsing one feed, sent from a fetch task to the owner thread.
pub(crate) enum Fetched {
    NotModified {
        success: Box<FetchSuccess>,
        max_age: Option<std::time::Duration>,
    },
    Parsed {
        success: Box<FetchSuccess>,
        ingested: Box<Ingested>,
        max_age: Option<std::time::Duration>,
        /// Spool files these items came from: moved to `done/` once stored.
        spooled: Vec<std::path::PathBuf>,
    },
    Failed(FetchFailure),
}

/// Picks the feeds a poll covers: all, or those named (each must exist).
pub fn select<'a>(
    feeds: &'a [FeedConfig],
    only: &[String],
) -> Result<Vec<&'a FeedConfig>, PollError> {
    if only.is_empty() {
        return Ok(feeds.iter().collect());
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for id in only {
        let feed = feeds
            .iter()
            .find(|f| &f.id == id)
            .ok_or_else(|| PollError::UnknownFeed(id.clone()))?;
        if seen.insert(id) {
            out.push(feed);
        }
    }
    Ok(out)
}

/// Polls `feeds` once. `on_feed` is called as each feed finishes (for progress output).
/// Individual feed failures are recorded and reported; only store or index failures are errors.
///
/// Blocks the calling thread while `runtime` fetches: call it from a plain thread (the CLI's
/// main thread, or a blocking task), never from inside an async task.
#[allow(clippy::too_many_arguments)] // the poll's whole context, each a different part
pub fn poll(
    runtime: &tokio::runtime::Handle,
    fetcher: Arc<Fetcher>,
    store: &mut Store,
    index: &mut Index,
    topics: &Topics,
    extractor: &Arc<Extractor>,
    policy: &PollConfig,
    feeds: &[&FeedConfig],
    mut on_feed: impl FnMut(&FeedReport),
) -> Result<PollReport, PollError> {
    let started_at = Utc::now();
    let (tx, rx) = mpsc::channel::<(usize, Fetched, tokio::sync::OwnedSemaphorePermit)>();
    let mut reports: Vec<Option<FeedReport>> = vec![None; feeds.len()];
    let mut pending = 0;
    for (n, feed) in feeds.iter().enumerate() {
        let state = store.feed_state(&feed.id)?;
        if let Some(until) = state
            .as_ref()
            .and_then(|s| s.retry_at)
            .filter(|t| *t > started_at)
        {
            let report = FeedReport {
                feed: feed.id.clone(),
                outcome: Outcome::Deferred { until },
                new: 0,
                updated: 0,
                error: None,
                problems: Vec::new(),
                max_age: None,
                next_poll: None,
            };
            on_feed(&report);
            reports[n] = Some(report);
            continue;
        }
        pending += 1;
        let request = request_for(feed, state.as_ref());
        let (tx, fetcher, feed_id) = (tx.clone(), fetcher.clone(), feed.id.clone());
        let kind = feed.kind.clone();
        let known = if feed.full_text {
            Some(store.item_hashes(&feed.id)?)
        } else {
            None
        };
        runtime.spawn(async move {
            let admitted = fetcher.admit().await;
            let result = fetch_and_parse(&fetcher, &feed_id, &kind, request, known).await;
            // The receiver lives until every pending result arrived; a send error means the
            // owner bailed out on a store error, and then nobody needs this result.
            let _ = tx.send((n, result, admitted));
        });
    }
    drop(tx);
    // This thread stores each feed's items as they arrive; the index's writer thread tags and
    // indexes them alongside, and commits once at the end.
    let data_dir = store.data_dir();
    let (stored, indexed) =
        pipeline::index_alongside(&data_dir, index, topics, extractor, |more| {
            for _ in 0..pending {
                let Ok((n, result, admitted)) = rx.recv() else {
                    break;
                };
                let report = settle(store, feeds[n], policy, result)?;
                drop(admitted);
                more.nudge();
                on_feed(&report);
                reports[n] = Some(report);
            }
            Ok::<(), StoreError>(())
        })?;
    stored?;
    // A fetch task that died (a panic in a dependency) sent nothing: say so for its feed
    // rather than leave it out of the report.
    for (n, report) in reports.iter_mut().enumerate() {
        if report.is_none() {
            let failure = FetchFailure {
                at: Utc::now(),
                status: None,
                kind: "internal".to_string(),
                message: format!("{}: the fetch task ended without a result", feeds[n].url),
                retry_at: None,
            };
            let missing = settle(store, feeds[n], policy, Fetched::Failed(failure))?;
            on_feed(&missing);
            *report = Some(missing);
        }
    }
    let finished_at = Utc::now();
    store.set_meta(
        "last_poll",
        &finished_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )?;
    Ok(PollReport {
        started_at,
        finished_at,
        feeds: reports.into_iter().flatten().collect(),
        indexed,
    })
}

pub(crate) fn request_for(feed: &FeedConfig, state: Option<&FeedState>) -> FetchRequest {
    match state {
        Some(s) => FetchRequest {
            // The store only records URLs that parsed; should one not, the configured URL is
            // the safe choice.
            url: url::Url::parse(&s.url).unwrap_or_else(|_| feed.url.clone()),
            etag: s.etag.clone(),
            last_modified: s.last_modified.clone(),
        },
        None => FetchRequest {
            url: feed.url.clone(),
            etag: None,
            last_modified: None,
        },
    }
}

/// The items a full-text feed already has (item id → content hash); `None` for other feeds.
pub(crate) type KnownItems = Option<std::collections::HashMap<String, String>>;

pub(crate) async fn fetch_and_parse(
    fetcher: &Fetcher,
    feed_id: &str,
    kind: &FeedKind,
    request: FetchRequest,
    full_text: KnownItems,
) -> Fetched {
    let at = Utc::now();
    if let FeedKind::Spool(select) = kind {
        return read_spool(
            feed_id,
            select.clone(),
            &request.url,
            fetcher.max_body_bytes(),
            at,
        )
        .await;
    }
    let (meta, body) = match fetcher.fetch(&request).await {
        Ok(FetchOutcome::NotModified(meta)) => {
            return Fetched::NotModified {
                max_age: meta.max_age,
                success: Box::new(success(meta, at, None)),
            };
        }
        Ok(FetchOutcome::Fetched(meta, body)) => (meta, body),
        Err(e) => return Fetched::Failed(fetch_failure(&e, at)),
    };
    let feed = feed_id.to_string();
    let base = meta.final_url.clone();
    let charset = meta.charset.clone();
    let kind = kind.clone();
    // Parsing is CPU work: keep it off the async workers, and run no more parses at once than
    // there are cores (more only holds more documents in memory at a time).
    let _slot = parse_slots().acquire().await;
    let parsed = tokio::task::spawn_blocking(move || match &kind {
        // Handled above, without a fetch.
        FeedKind::Spool(_) => Err(("internal", "a spool is not fetched".to_string())),
        FeedKind::Feed => pipeline::ingest_bytes(&feed, &body, charset.as_deref(), Some(&base), at)
            .map_err(|e| ("parse", e.to_string())),
        FeedKind::Html(selectors) => {
            pipeline::ingest_page(&feed, &body, charset.as_deref(), &base, selectors, at)
                .map_err(|e| ("scrape", e.to_string()))
        }
    })
    .await;
    match parsed {
        Ok(Ok(mut ingested)) => {
            if let Some(known) = &full_text {
                fill_full_text(fetcher, &mut ingested, known).await;
            }
            Fetched::Parsed {
                max_age: meta.max_age,
                success: Box::new(success(meta, at, ingested.feed_title.clone())),
                ingested: Box::new(ingested),
                spooled: Vec::new(),
            }
        }
        Ok(Err((kind, message))) => Fetched::Failed(FetchFailure {
            at,
            status: Some(meta.status),
            kind: kind.to_string(),
            message: format!("{}: {message}", meta.final_url),
            retry_at: None,
        }),
        Err(join) => Fetched::Failed(FetchFailure {
            at,
            status: Some(meta.status),
            kind: "internal".to_string(),
            message: format!("{}: parser task failed: {join}", meta.final_url),
            retry_at: None,
        }),
    }
}

/// At most this many article pages are fetched per poll of a feed; the rest wait for the
/// next poll (they are still new then).
const MAX_FULL_TEXT_PER_POLL: usize = 25;

/// Fetches the page of each item that is new or changed since `known` and keeps its article
/// text as the body. The content hash stays the feed's own, so the next poll sees the item
/// unchanged and keeps the text. A failure keeps the feed's summary and says why in the
/// problems.
async fn fill_full_text(
    fetcher: &Fetcher,
    ingested: &mut Ingested,
    known: &std::collections::HashMap<String, String>,
) {
    let wanted: Vec<usize> = ingested
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| known.get(&i.item_id) != Some(&i.content_hash))
        .filter(|(_, i)| i.url.is_some())
        .map(|(n, _)| n)
        .collect();
    if wanted.len() > MAX_FULL_TEXT_PER_POLL {
        ingested.problems.push(format!(
            "full text: {} new items, {MAX_FULL_TEXT_PER_POLL} fetched now, the rest next poll",
            wanted.len()
        ));
    }
    // Concurrent, within the fetcher's global and per-host limits.
    let mut fetches = tokio::task::JoinSet::new();
    for n in wanted.into_iter().take(MAX_FULL_TEXT_PER_POLL) {
        let url = ingested.items[n].url.clone().unwrap_or_default();
        let fetcher = fetcher.clone();
        fetches.spawn(async move { (n, article_text(&fetcher, &url).await) });
    }
    while let Some(joined) = fetches.join_next().await {
        let Ok((n, result)) = joined else {
            ingested
                .problems
                .push("full text: an article fetch task failed".to_owned());
            continue;
        };
        let item = &mut ingested.items[n];
        match result {
            Ok(text) if text.len() > item.body.len() => item.body = text,
            Ok(_) => {}
            Err(reason) => ingested.problems.push(format!(
                "full text for {}: {reason}; kept the feed's summary",
                item.url.as_deref().unwrap_or("")
            )),
        }
    }
}

/// One article page, fetched under the same guards as a feed, reduced to its main text.
async fn article_text(fetcher: &Fetcher, url: &str) -> Result<String, String> {
    let url = url::Url::parse(url).map_err(|e| format!("bad link: {e}"))?;
    let (meta, body) = match fetcher.fetch(&FetchRequest::new(url.clone())).await {
        Ok(FetchOutcome::Fetched(meta, body)) => (meta, body),
        Ok(FetchOutcome::NotModified(_)) => return Err("not modified".into()),
        Err(e) => return Err(e.to_string()),
    };
    let _slot = parse_slots().acquire().await;
    tokio::task::spawn_blocking(move || {
        crate::fulltext::extract(&body, meta.charset.as_deref(), &meta.final_url)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| format!("the extractor task failed: {e}"))?
}

/// A spool poll: the files waiting in the directory, read off the async workers.
async fn read_spool(
    feed_id: &str,
    select: Option<crate::scrape::PageSelectors>,
    dir_url: &url::Url,
    max_bytes: u64,
    at: DateTime<Utc>,
) -> Fetched {
    let failure = |kind: &str, message: String| {
        Fetched::Failed(FetchFailure {
            at,
            status: None,
            kind: kind.to_string(),
            message,
            retry_at: None,
        })
    };
    let Ok(dir) = dir_url.to_file_path() else {
        return failure("spool", format!("{dir_url}: not a local directory"));
    };
    let feed = feed_id.to_owned();
    let read = tokio::task::spawn_blocking(move || {
        crate::spool::read(&feed, &dir, select.as_ref(), max_bytes, at)
    })
    .await;
    let local = |status| FetchSuccess {
        status,
        at,
        etag: None,
        last_modified: None,
        permanent_url: None,
        feed_title: None,
    };
    match read {
        // Nothing waiting: like a 304.
        Ok(Ok(None)) => Fetched::NotModified {
            success: Box::new(local(304)),
            max_age: None,
        },
        Ok(Ok(Some(batch))) => Fetched::Parsed {
            success: Box::new(local(200)),
            ingested: Box::new(batch.ingested),
            max_age: None,
            spooled: batch.files,
        },
        Ok(Err(e)) => failure("spool", e.to_string()),
        Err(join) => failure(
            "internal",
            format!("{dir_url}: the spool reader failed: {join}"),
        ),
    }
}

fn parse_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, usize::from))
    })
}

/// What the store records of a fetch that succeeded (with or without a new body).
fn success(meta: FetchMeta, at: DateTime<Utc>, feed_title: Option<String>) -> FetchSuccess {
    FetchSuccess {
        status: meta.status,
        at,
        etag: meta.etag,
        last_modified: meta.last_modified,
        permanent_url: meta.permanent_url.map(|u| u.to_string()),
        feed_title,
    }
}

fn fetch_failure(e: &FetchError, at: DateTime<Utc>) -> FetchFailure {
    FetchFailure {
        at,
        status: e.status(),
        kind: e.kind().to_string(),
        message: e.to_string(),
        retry_at: e
            .retry_after()
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .and_then(|d| at.checked_add_signed(d)),
    }
}

/// Records one feed's result in the store and plans its next poll ([`cadence::next_poll`]):
/// the same step for `govwatch poll` and the daemon, so a manual poll also moves the
/// daemon's schedule.
pub(crate) fn settle(
    store: &mut Store,
    feed: &FeedConfig,
    policy: &PollConfig,
    result: Fetched,
) -> Result<FeedReport, StoreError> {
    let mut report = apply(store, &feed.id, result)?;
    if let Some(state) = store.feed_state(&feed.id)? {
        let last = LastPoll {
            at: state.last_fetch_at.unwrap_or_else(Utc::now),
            consecutive_errors: state.consecutive_errors,
            retry_at: state.retry_at,
            max_age: report.max_age,
        };
        let next = cadence::next_poll(feed, policy, &last);
        store.set_next_poll(&feed.id, next)?;
        report.next_poll = Some(next);
    }
    Ok(report)
}

fn apply(store: &mut Store, feed_id: &str, result: Fetched) -> Result<FeedReport, StoreError> {
    let mut report = FeedReport {
        feed: feed_id.to_string(),
        outcome: Outcome::NotModified { status: 304 },
        new: 0,
        updated: 0,
        error: None,
        problems: Vec::new(),
        max_age: None,
        next_poll: None,
    };
    match result {
        Fetched::NotModified { success, max_age } => {
            store.record_not_modified(feed_id, &success)?;
            report.outcome = Outcome::NotModified {
                status: success.status,
            };
            report.max_age = max_age;
        }
        Fetched::Parsed {
            success,
            ingested,
            max_age,
            spooled,
        } => {
            report.max_age = max_age;
            let stats = store.apply_fetch(feed_id, &success, &ingested.items)?;
            report.outcome = Outcome::Fetched {
                status: success.status,
            };
            report.new = stats.new;
            report.updated = stats.updated;
            report.problems = ingested.problems;
            // Stored: only now may the spool files leave the queue.
            report.problems.extend(crate::spool::finish(&spooled));
            report.problems = mask_all(report.problems);
        }
        Fetched::Failed(failure) => {
            store.record_failure(feed_id, &failure)?;
            report.outcome = Outcome::Failed {
                status: failure.status,
                kind: failure.kind.clone(),
            };
            report.error = Some(mask_url_secrets(&failure.message));
        }
    }
    Ok(report)
}
