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

/// Moves items from the store into the index, keyed by the store's sequence numbers: `stage`
/// after each store write (tantivy's indexing threads then work on one core while the next
/// feed is stored on the other), `commit` once per cycle, recording the high-water mark in the
/// commit payload.
///
/// Safe to repeat after a crash: upserts replace by item id, so an item written to SQLite whose
/// index commit never happened is indexed exactly once by the next run.
pub struct Indexer<'a> {
    index: &'a mut Index,
    staged: u64,
    committed: u64,
    count: usize,
}

impl<'a> Indexer<'a> {
    pub fn new(index: &'a mut Index) -> Result<Indexer<'a>, SyncError> {
        let committed = index.last_indexed_seq()?;
        Ok(Indexer {
            index,
            staged: committed,
            committed,
            count: 0,
        })
    }

    /// Hands every stored item newer than the last staged one to the index (not yet durable).
    pub fn stage(&mut self, store: &Store) -> Result<usize, SyncError> {
        let mut staged = 0;
        loop {
            let batch = store.items_after(self.staged, INDEX_BATCH)?;
            let Some(last) = batch.last() else { break };
            self.staged = last.seq;
            staged += batch.len();
            self.index.upsert(&batch)?;
        }
        self.count += staged;
        Ok(staged)
    }

    /// Makes everything staged durable. Returns how many items this indexer staged in all.
    pub fn commit(&mut self) -> Result<usize, SyncError> {
        if self.staged != self.committed {
            crate::failpoint::hit("before-index-commit");
            self.index.commit(self.staged)?;
            self.committed = self.staged;
        }
        Ok(self.count)
    }
}

/// Indexes every stored item newer than the index's last commit, then commits once. Returns
/// how many items were (re)indexed.
pub fn sync_index(store: &Store, index: &mut Index) -> Result<usize, SyncError> {
    let mut indexer = Indexer::new(index)?;
    indexer.stage(store)?;
    indexer.commit()
}

/// Run when a writer opens both, before anything is stored: the index can be ahead of the
/// store only if the store lost its last commits after the index committed (SQLite runs with
/// synchronous=NORMAL, so a power cut may drop them). The store then hands those sequence
/// numbers out again; lowering the index's high-water mark to the store's makes the next sync
/// index them instead of skipping them. Returns whether it had to.
pub fn reconcile(store: &Store, index: &mut Index) -> Result<bool, SyncError> {
    let stored = store.max_seq()?;
    if index.last_indexed_seq()? <= stored {
        return Ok(false);
    }
    tracing::warn!(
        index_seq = index.last_indexed_seq()?,
        store_seq = stored,
        "the search index is ahead of the store (lost store commits?); re-syncing from the store"
    );
    index.commit(stored)?;
    Ok(true)
}

/// Rebuilds the index from scratch out of the store.
pub fn rebuild_index(store: &Store, index: &mut Index) -> Result<usize, SyncError> {
    index.clear()?;
    // A cleared index starts again from seq 0: commit that first, so a crash mid-rebuild
    // leaves an index that the next sync completes rather than one that claims to be current.
    index.commit(0)?;
    sync_index(store, index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::FeedConfig;
    use crate::index::{SearchRequest, Sort};
    use crate::store::FetchSuccess;

    fn feed() -> FeedConfig {
        FeedConfig {
            id: "f".into(),
            url: Url::parse("https://example.gov/feed").unwrap(),
            title: None,
            tags: vec![],
            interval: None,
            source: "test.toml".into(),
        }
    }

    fn store_with(dir: &std::path::Path, titles: &[&str]) -> Store {
        let mut store = Store::open(dir).unwrap();
        store.sync_feeds(&[feed()]).unwrap();
        let rss: String = titles
            .iter()
            .map(|t| format!("<item><guid>{t}</guid><title>{t}</title></item>"))
            .collect();
        let doc = format!("<rss version=\"2.0\"><channel><title>T</title>{rss}</channel></rss>");
        let got = ingest_bytes("f", doc.as_bytes(), None, None, Utc::now()).unwrap();
        let success = FetchSuccess {
            status: 200,
            at: Utc::now(),
            etag: None,
            last_modified: None,
            permanent_url: None,
            feed_title: None,
        };
        store.apply_fetch("f", &success, &got.items).unwrap();
        store
    }

    fn count(index: &Index, query: &str) -> usize {
        index
            .search(&SearchRequest {
                query: query.into(),
                since: None,
                until: None,
                feeds: vec![],
                tags: vec![],
                limit: 100,
                sort: Sort::Relevance,
            })
            .unwrap()
            .len()
    }

    #[test]
    fn sync_catches_up_once_and_rebuild_matches() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), &["alpha", "bravo", "charlie"]);
        let mut index = Index::open_writable(&dir.path().join("tantivy")).unwrap();
        assert_eq!(sync_index(&store, &mut index).unwrap(), 3);
        assert_eq!(sync_index(&store, &mut index).unwrap(), 0, "nothing new");
        assert_eq!(index.last_indexed_seq().unwrap(), 3);
        assert_eq!(rebuild_index(&store, &mut index).unwrap(), 3);
        assert_eq!(index.num_docs().unwrap(), 3);
        assert_eq!(count(&index, "bravo"), 1);
    }

    /// A store that lost its last commits (power cut under synchronous=NORMAL) hands out
    /// sequence numbers the index already passed; those items must still be indexed.
    #[test]
    fn index_ahead_of_the_store_still_indexes_reissued_sequence_numbers() {
        let ahead = tempfile::tempdir().unwrap();
        let store = store_with(ahead.path(), &["alpha", "bravo", "charlie"]);
        let index_dir = ahead.path().join("tantivy");
        let mut index = Index::open_writable(&index_dir).unwrap();
        sync_index(&store, &mut index).unwrap();
        assert_eq!(index.last_indexed_seq().unwrap(), 3);

        // The store kept only its first commit (alpha, seq 1); the next poll stores a new
        // item that gets seq 2 again.
        let behind = tempfile::tempdir().unwrap();
        let store = store_with(behind.path(), &["alpha"]);
        assert!(reconcile(&store, &mut index).unwrap());
        assert!(!reconcile(&store, &mut index).unwrap(), "once is enough");
        let store = store_with(behind.path(), &["alpha", "delta"]);
        assert_eq!(store.max_seq().unwrap(), 2);
        assert_eq!(sync_index(&store, &mut index).unwrap(), 1);
        assert_eq!(count(&index, "delta"), 1);
        assert_eq!(count(&index, "alpha"), 1, "not duplicated");
        assert_eq!(index.last_indexed_seq().unwrap(), 2);
    }
}
