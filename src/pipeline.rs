//! The two steps every entry point shares: turning fetched bytes into items (decode → parse →
//! normalize, pure) and bringing the index up to date with the store (`sync_index`). `poll`,
//! `parse`, `reindex` and (later) the daemon all go through here, so what `parse` shows an
//! operator is exactly what `poll` stores.

use chrono::{DateTime, Utc};
use url::Url;

use crate::index::{Index, IndexError};
use crate::model::{Document, Item};
use crate::normalize;
use crate::parse::{ParseError, ParseOptions, parse_document};
use crate::store::{Store, StoreError};

/// How many items move from the store to the index per batch: bounds memory, not commits.
const INDEX_BATCH: usize = 5_000;

/// A document turned into items.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub document: Document,
    /// The feed's own title, as clean text.
    pub feed_title: Option<String>,
    pub items: Vec<Item>,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// Repairs and recoverable defects; empty for a clean document.
    pub problems: Vec<String>,
}

/// Decodes, parses and normalizes one document.
pub fn ingest_bytes(
    feed_id: &str,
    bytes: &[u8],
    http_charset: Option<&str>,
    base_url: Option<&Url>,
    fetched_at: DateTime<Utc>,
) -> Result<Ingested, ParseError> {
    let parsed = parse_document(
        bytes,
        &ParseOptions {
            http_charset,
            base_url,
        },
    )?;
    let items = normalize::normalize_entries(feed_id, &parsed.document, fetched_at);
    let feed_title = parsed
        .document
        .title
        .as_deref()
        .map(normalize::html_to_text)
        .filter(|t| !t.is_empty());
    Ok(Ingested {
        document: parsed.document,
        feed_title,
        items,
        encoding: parsed.encoding,
        problems: parsed.problems,
    })
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Indexes every stored item newer than the index's last commit, then commits once with the
/// new high-water mark. Returns how many items were (re)indexed.
///
/// Safe to repeat after a crash: upserts replace by item id, so an item written to SQLite whose
/// index commit never happened is indexed exactly once on the next run.
pub fn sync_index(store: &Store, index: &mut Index) -> Result<usize, SyncError> {
    let mut seq = index.last_indexed_seq()?;
    let start = seq;
    let mut count = 0;
    loop {
        let batch = store.items_after(seq, INDEX_BATCH)?;
        let Some(last) = batch.last() else { break };
        seq = last.seq;
        count += batch.len();
        index.upsert(&batch)?;
    }
    if seq != start {
        crate::failpoint::hit("before-index-commit");
        index.commit(seq)?;
    }
    Ok(count)
}

/// Rebuilds the index from scratch out of the store.
pub fn rebuild_index(store: &Store, index: &mut Index) -> Result<usize, SyncError> {
    index.clear()?;
    // A cleared index starts again from seq 0: commit that first, so a crash mid-rebuild
    // leaves an index that the next sync completes rather than one that claims to be current.
    index.commit(0)?;
    sync_index(store, index)
}
