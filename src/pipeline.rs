//! The two steps every entry point shares: turning fetched bytes into items (decode → parse →
//! normalize, pure) and bringing the index up to date with the store (`sync_index`). `poll`,
//! `parse`, `reindex` and (later) the daemon all go through here, so what `parse` shows an
//! operator is exactly what `poll` stores.

use chrono::{DateTime, Utc};
use url::Url;

use crate::cluster::{Clusterer, Features};
use crate::extract::{Extracted, Extractor};
use crate::index::{Index, IndexError, TopicMatcher};
use crate::model::{Document, Item};
use crate::normalize;
use crate::parse::{ParseError, ParseOptions, parse_document};
use crate::store::{Store, StoreError};
use crate::topics::Topics;
use std::sync::Arc;

/// How many items move from the store to the index per batch: bounds memory, not commits.
const INDEX_BATCH: usize = 1_000;

/// Store meta key: the topics (names and queries) every stored item was last tagged with,
/// recorded by a rebuild (or by the first run, on an empty store).
const TOPICS_META: &str = "tagged_topics";

fn topics_fingerprint(topics: &Topics) -> String {
    let pairs: Vec<(&str, &str)> = topics
        .iter()
        .map(|t| (t.name.as_str(), t.query.as_str()))
        .collect();
    // Pairs of strings always serialize.
    serde_json::to_string(&pairs).expect("strings serialize")
}

/// Whether items already stored may carry other topics than `topics` would give them (the
/// topics changed since they were tagged, or they were stored before topics existed), so that
/// only a rebuild ([`rebuild_index`]) makes the counts and `topic:` searches right. On a store
/// with no items yet, records `topics` as the ones items are tagged with.
pub fn topics_stale(store: &mut Store, topics: &Topics) -> Result<bool, StoreError> {
    let current = topics_fingerprint(topics);
    match store.get_meta(TOPICS_META)? {
        Some(recorded) => Ok(recorded != current),
        None if store.item_count()? == 0 => {
            store.set_meta(TOPICS_META, &current)?;
            Ok(false)
        }
        None => Ok(true),
    }
}

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
    Ok(normalized(
        feed_id,
        parsed.document,
        parsed.encoding,
        parsed.problems,
        fetched_at,
    ))
}

/// Reads one listing page with its selectors and normalizes its entries: the `kind =
/// "html"` counterpart of [`ingest_bytes`].
pub fn ingest_page(
    feed_id: &str,
    bytes: &[u8],
    http_charset: Option<&str>,
    page_url: &Url,
    selectors: &crate::scrape::PageSelectors,
    fetched_at: DateTime<Utc>,
) -> Result<Ingested, crate::scrape::ScrapeError> {
    let scraped = crate::scrape::scrape(bytes, http_charset, page_url, selectors)?;
    Ok(normalized(
        feed_id,
        scraped.document,
        scraped.encoding,
        scraped.problems,
        fetched_at,
    ))
}

/// A parsed or scraped document's entries normalized into items, with its title as text.
fn normalized(
    feed_id: &str,
    document: Document,
    encoding: &'static str,
    problems: Vec<String>,
    fetched_at: DateTime<Utc>,
) -> Ingested {
    let items = normalize::normalize_entries(feed_id, &document, fetched_at);
    let feed_title = document
        .title
        .as_deref()
        .map(normalize::html_to_text)
        .filter(|t| !t.is_empty());
    Ingested {
        document,
        feed_title,
        items,
        encoding,
        problems,
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Panicked(#[from] IndexerPanicked),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Moves items from the store into the index, keyed by the store's sequence numbers: `stage`
/// after each store write (tantivy's indexing threads then work on one core while the next
/// feed is stored on the other), `commit` once per cycle, recording the high-water mark in the
/// commit payload.
///
/// Each item is tagged with the topics it matches as it is staged: the tags go to the store
/// (`item_topics`, replacing the item's earlier ones) and into its index document. Every way
/// items reach the index (poll, catch-up after a crash, reindex) goes through here, so every
/// indexed item is tagged, and an updated item (which gets a new seq) is tagged afresh.
///
/// Safe to repeat after a crash: upserts replace by item id, so an item written to SQLite whose
/// index commit never happened is indexed (and tagged) exactly once by the next run.
pub struct Indexer<'a> {
    index: &'a mut Index,
    matcher: TopicMatcher,
    extractor: Arc<Extractor>,
    /// Filled from the store on the first `stage`, so clustering resumes where it stopped.
    clusterer: Option<Clusterer>,
    staged: u64,
    committed: u64,
    count: usize,
}

impl<'a> Indexer<'a> {
    pub fn new(index: &'a mut Index, topics: &Topics) -> Result<Indexer<'a>, SyncError> {
        let committed = index.last_indexed_seq()?;
        Ok(Indexer {
            index,
            matcher: TopicMatcher::new(topics)?,
            extractor: Extractor::shipped(),
            clusterer: None,
            staged: committed,
            committed,
            count: 0,
        })
    }

    /// Extracts with `extractor` (the configured entity lists) instead of the shipped one.
    pub fn with_extractor(mut self, extractor: Arc<Extractor>) -> Indexer<'a> {
        self.extractor = extractor;
        self
    }

    /// Tags every stored item newer than the last staged one with its topics and facts
    /// (recorded in the store at once) and hands it to the index (not yet durable).
    pub fn stage(&mut self, store: &mut Store) -> Result<usize, SyncError> {
        let mut staged = 0;
        loop {
            let batch = store.items_after(self.staged, INDEX_BATCH)?;
            let Some(last) = batch.last() else { break };
            let last_seq = last.seq;
            // Extracted once, for the matcher's documents, the index's and the store's alike.
            let mut extracted: Vec<Extracted> = batch
                .iter()
                .map(|s| self.extractor.extract(&s.item, s.document_kind))
                .collect();
            if self.extractor.enabled() {
                let clusterer = match &mut self.clusterer {
                    Some(clusterer) => clusterer,
                    None => {
                        self.clusterer
                            .insert(resume_clusters(store, self.staged, &self.extractor)?)
                    }
                };
                for (stored, facts) in batch.iter().zip(&mut extracted) {
                    let features = Features::of(&stored.item, facts);
                    let (cluster, _) = clusterer.assign(&stored.item, stored.first_seen, features);
                    facts.cluster = Some(cluster);
                }
            }
            let topics = self.matcher.match_extracted(&batch, &extracted)?;
            let tagged: Vec<(u64, &[String])> = batch
                .iter()
                .zip(&topics)
                .map(|(stored, names)| (stored.seq, names.as_slice()))
                .collect();
            store.set_item_topics(&tagged)?;
            if self.extractor.enabled() {
                let facts: Vec<(u64, &Extracted)> =
                    batch.iter().map(|s| s.seq).zip(&extracted).collect();
                store.set_item_facts(&facts)?;
            }
            self.index.upsert_extracted(&batch, &topics, &extracted)?;
            self.staged = last_seq;
            staged += batch.len();
        }
        self.count += staged;
        Ok(staged)
    }

    /// Tags items staged from now on with `topics` and extracts with `extractor` (the
    /// daemon's reload). Items already stored keep theirs until `govwatch reindex`.
    pub fn set_rules(
        &mut self,
        topics: &Topics,
        extractor: Arc<Extractor>,
    ) -> Result<(), SyncError> {
        self.matcher = TopicMatcher::new(topics)?;
        self.extractor = extractor;
        Ok(())
    }

    /// Items staged and not yet committed.
    pub fn uncommitted(&self) -> u64 {
        self.staged - self.committed
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

/// A clusterer holding the window as it stood after seq `staged`.
fn resume_clusters(
    store: &Store,
    staged: u64,
    extractor: &Extractor,
) -> Result<Clusterer, SyncError> {
    let mut clusterer = Clusterer::new();
    if staged == 0 {
        return Ok(clusterer);
    }
    for (stored, cluster) in store.cluster_window(staged)? {
        let facts = extractor.extract(&stored.item, stored.document_kind);
        let features = Features::of(&stored.item, &facts);
        clusterer.remember(&stored.item, stored.first_seen, features, cluster);
    }
    Ok(clusterer)
}

/// Tells the indexing thread of [`index_alongside`] that more items were stored.
#[derive(Debug)]
pub struct StoredMore {
    tx: std::sync::mpsc::Sender<()>,
}

impl StoredMore {
    pub fn nudge(&self) {
        // The indexing thread only stops receiving when it failed; its error is returned by
        // `index_alongside`, so a lost nudge loses nothing.
        let _ = self.tx.send(());
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the indexing thread panicked")]
pub struct IndexerPanicked;

/// Runs `work` (which writes to the store in `data_dir` and calls [`StoredMore::nudge`] after
/// each write) on this thread, while a second thread, the index's one writer, tags and stages
/// what was stored through its own store connection. When `work` returns, the indexer stages
/// what is left and commits once. Store writes (mostly I/O) and tagging plus indexing (CPU)
/// overlap instead of taking turns. Returns `work`'s result and how many items were indexed.
pub fn index_alongside<R>(
    data_dir: &std::path::Path,
    index: &mut Index,
    topics: &Topics,
    extractor: &Arc<Extractor>,
    work: impl FnOnce(&StoredMore) -> R,
) -> Result<(R, usize), SyncError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let indexer = scope.spawn(move || -> Result<usize, SyncError> {
            let mut store = Store::open(data_dir)?;
            let mut indexer = Indexer::new(index, topics)?.with_extractor(extractor.clone());
            // Also picks up items a crashed earlier run stored but never indexed.
            indexer.stage(&mut store)?;
            while rx.recv().is_ok() {
                // Several feeds stored meanwhile: one pass covers them all.
                while rx.try_recv().is_ok() {}
                indexer.stage(&mut store)?;
            }
            indexer.stage(&mut store)?;
            indexer.commit()
        });
        let more = StoredMore { tx };
        let result = work(&more);
        drop(more);
        let indexed = indexer
            .join()
            .map_err(|_| SyncError::Panicked(IndexerPanicked))??;
        Ok((result, indexed))
    })
}

/// Indexes every stored item newer than the index's last commit, then commits once. Returns
/// how many items were (re)indexed.
pub fn sync_index(
    store: &mut Store,
    index: &mut Index,
    topics: &Topics,
    extractor: &Arc<Extractor>,
) -> Result<usize, SyncError> {
    let mut indexer = Indexer::new(index, topics)?.with_extractor(extractor.clone());
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

/// Rebuilds the index from scratch out of the store, tagging every item with `topics` anew
/// (the way to apply changed topics to items already stored).
pub fn rebuild_index(
    store: &mut Store,
    index: &mut Index,
    topics: &Topics,
    extractor: &Arc<Extractor>,
) -> Result<usize, SyncError> {
    index.clear()?;
    // A cleared index starts again from seq 0: commit that first, so a crash mid-rebuild
    // leaves an index that the next sync completes rather than one that claims to be current.
    index.commit(0)?;
    let count = sync_index(store, index, topics, extractor)?;
    store.set_meta(TOPICS_META, &topics_fingerprint(topics))?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::FeedConfig;
    use crate::index::{SearchRequest, Sort};
    use crate::store::FetchSuccess;

    fn feed() -> FeedConfig {
        FeedConfig::new(
            "f",
            Url::parse("https://example.gov/feed").unwrap(),
            "test.toml",
        )
    }

    fn store_with(dir: &std::path::Path, titles: &[&str]) -> Store {
        let items: Vec<(&str, &str)> = titles.iter().map(|t| (*t, *t)).collect();
        store_items(dir, &items)
    }

    /// A store holding the feed's (guid, title) items, stored (or updated) now.
    fn store_items(dir: &std::path::Path, items: &[(&str, &str)]) -> Store {
        let mut store = Store::open(dir).unwrap();
        store.sync_feeds(&[feed()]).unwrap();
        let rss: String = items
            .iter()
            .map(|(g, t)| format!("<item><guid>{g}</guid><title>{t}</title></item>"))
            .collect();
        let doc = format!("<rss version=\"2.0\"><channel><title>T</title>{rss}</channel></rss>");
        let got = ingest_bytes("f", doc.as_bytes(), None, None, Utc::now()).unwrap();
        let success = FetchSuccess::ok(Utc::now());
        store.apply_fetch("f", &success, &got.items).unwrap();
        store
    }

    fn count(index: &Index, query: &str) -> usize {
        hits(index, query).len()
    }

    fn hits(index: &Index, query: &str) -> Vec<crate::index::Hit> {
        index
            .search(&SearchRequest {
                query: query.into(),
                since: None,
                until: None,
                feeds: vec![],
                tags: vec![],
                limit: 100,
                sort: Sort::Relevance,
                collapse: false,
            })
            .unwrap()
    }

    #[test]
    fn sync_catches_up_once_and_rebuild_matches() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_with(dir.path(), &["alpha", "bravo", "charlie"]);
        let mut index = Index::open_writable(&dir.path().join("tantivy")).unwrap();
        assert_eq!(
            sync_index(
                &mut store,
                &mut index,
                &Topics::default(),
                &Extractor::shipped()
            )
            .unwrap(),
            3
        );
        assert_eq!(
            sync_index(
                &mut store,
                &mut index,
                &Topics::default(),
                &Extractor::shipped()
            )
            .unwrap(),
            0,
            "nothing new"
        );
        assert_eq!(index.last_indexed_seq().unwrap(), 3);
        assert_eq!(
            rebuild_index(
                &mut store,
                &mut index,
                &Topics::default(),
                &Extractor::shipped()
            )
            .unwrap(),
            3
        );
        assert_eq!(index.num_docs().unwrap(), 3);
        assert_eq!(count(&index, "bravo"), 1);
    }

    /// A store that lost its last commits (power cut under synchronous=NORMAL) hands out
    /// sequence numbers the index already passed; those items must still be indexed.
    #[test]
    fn index_ahead_of_the_store_still_indexes_reissued_sequence_numbers() {
        let ahead = tempfile::tempdir().unwrap();
        let mut store = store_with(ahead.path(), &["alpha", "bravo", "charlie"]);
        let index_dir = ahead.path().join("tantivy");
        let mut index = Index::open_writable(&index_dir).unwrap();
        sync_index(
            &mut store,
            &mut index,
            &Topics::default(),
            &Extractor::shipped(),
        )
        .unwrap();
        assert_eq!(index.last_indexed_seq().unwrap(), 3);

        // The store kept only its first commit (alpha, seq 1); the next poll stores a new
        // item that gets seq 2 again.
        let behind = tempfile::tempdir().unwrap();
        let store = store_with(behind.path(), &["alpha"]);
        assert!(reconcile(&store, &mut index).unwrap());
        assert!(!reconcile(&store, &mut index).unwrap(), "once is enough");
        let mut store = store_with(behind.path(), &["alpha", "delta"]);
        assert_eq!(store.max_seq().unwrap(), 2);
        assert_eq!(
            sync_index(
                &mut store,
                &mut index,
                &Topics::default(),
                &Extractor::shipped()
            )
            .unwrap(),
            1
        );
        assert_eq!(count(&index, "delta"), 1);
        assert_eq!(count(&index, "alpha"), 1, "not duplicated");
        assert_eq!(index.last_indexed_seq().unwrap(), 2);
    }

    /// Facts reach the store as items are indexed, and a new indexer (a restart) resumes the
    /// story window: a later report of a story joins the cluster of one indexed before it,
    /// and a reindex gives every item the same cluster again.
    #[test]
    fn clusters_resume_after_a_restart_and_a_reindex_gives_the_same_ones() {
        let dir = tempfile::tempdir().unwrap();
        let first = (
            "a",
            "GSA signs OneGov agreement with Anthropic for Claude at $1 per agency",
        );
        let mut store = store_items(dir.path(), &[first]);
        let mut index = Index::open_writable(&dir.path().join("tantivy")).unwrap();
        let (topics, x) = (Topics::default(), Extractor::shipped());
        sync_index(&mut store, &mut index, &topics, &x).unwrap();
        let facts = |store: &Store, n: usize| {
            let id = &store.items_after(0, 10).unwrap()[n].item.item_id;
            store.item_facts(id).unwrap().unwrap()
        };
        let a = facts(&store, 0);
        assert_eq!(a.kind, crate::extract::Kind::Award);

        let second = (
            "b",
            "Anthropic OneGov agreement with GSA brings Claude to agencies for $1 per agency",
        );
        let mut store = store_items(dir.path(), &[first, second]);
        sync_index(&mut store, &mut index, &topics, &x).unwrap();
        let b = facts(&store, 1);
        assert_eq!(
            b.cluster, a.cluster,
            "the second report joins the first's story"
        );
        let unrelated = ("c", "NIST releases draft guidance on AI red-teaming");
        let mut store = store_items(dir.path(), &[first, second, unrelated]);
        sync_index(&mut store, &mut index, &topics, &x).unwrap();
        assert_ne!(facts(&store, 2).cluster, a.cluster);

        rebuild_index(&mut store, &mut index, &topics, &x).unwrap();
        assert_eq!(facts(&store, 1).cluster, a.cluster);
        let hits = hits(&index, "anthropic");
        assert_eq!(hits.len(), 2);
        assert!(
            hits.iter()
                .all(|h| h.cluster == a.cluster && h.orgs == ["Anthropic"])
        );
    }

    /// An item is tagged as it is indexed, in the store and the index alike; an update that
    /// changes what it is about changes its topics, and a reindex applies changed topics.
    #[test]
    fn items_are_tagged_at_ingest_and_retagged_when_updated() {
        let dir = tempfile::tempdir().unwrap();
        let topics = Topics::default();
        let mut store = store_items(
            dir.path(),
            &[
                ("a", "Army awards $45 million contract for AI targeting"),
                ("b", "Rousseau and the social contract"),
            ],
        );
        let mut index = Index::open_writable(&dir.path().join("tantivy")).unwrap();
        sync_index(&mut store, &mut index, &topics, &Extractor::shipped()).unwrap();
        let ids: Vec<String> = hits(&index, "topic:contracts")
            .into_iter()
            .map(|h| h.item_id)
            .collect();
        assert_eq!(ids.len(), 1);
        assert_eq!(store.item_topics(&ids[0]).unwrap(), ["contracts"]);
        assert_eq!(hits(&index, "topic:Contracts")[0].topics, ["contracts"]);
        assert_eq!(count(&index, "social -topic:contracts"), 1);

        // The same item (guid "a"), edited: now about a hearing, no longer an award.
        let mut store = store_items(
            dir.path(),
            &[("a", "Senate committee hearing on AI targeting")],
        );
        assert_eq!(
            sync_index(&mut store, &mut index, &topics, &Extractor::shipped()).unwrap(),
            1
        );
        assert_eq!(count(&index, "topic:contracts"), 0);
        assert_eq!(store.item_topics(&ids[0]).unwrap(), ["hearings"]);
        let hearing = hits(&index, "topic:hearings");
        assert_eq!(hearing.len(), 1);
        assert_eq!(hearing[0].item_id, ids[0]);
        assert_eq!(hearing[0].topics, ["hearings"]);

        // Changed topics reach items already stored through a rebuild.
        let mine = Topics::new(vec![crate::topics::Topic {
            name: "philosophy".into(),
            description: String::new(),
            query: "rousseau".into(),
        }])
        .unwrap();
        rebuild_index(&mut store, &mut index, &mine, &Extractor::shipped()).unwrap();
        assert_eq!(count(&index, "topic:hearings"), 0);
        assert_eq!(store.item_topics(&ids[0]).unwrap(), Vec::<String>::new());
        let counts = store
            .topic_counts(Utc::now() - chrono::Duration::days(7))
            .unwrap();
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].topic, "philosophy");
        assert_eq!(counts[0].total, 1);
    }

    #[test]
    fn changed_topics_are_stale_until_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let defaults = Topics::default();
        let mut store = Store::open(dir.path()).unwrap();
        assert!(!topics_stale(&mut store, &defaults).unwrap(), "empty store");
        let mut store = store_with(dir.path(), &["alpha"]);
        assert!(!topics_stale(&mut store, &defaults).unwrap());
        let mine = Topics::with_overrides(vec![crate::topics::Topic {
            name: "contracts".into(),
            description: String::new(),
            query: "\"task order\"".into(),
        }])
        .unwrap();
        assert!(topics_stale(&mut store, &mine).unwrap());
        let mut index = Index::open_writable(&dir.path().join("tantivy")).unwrap();
        rebuild_index(&mut store, &mut index, &mine, &Extractor::shipped()).unwrap();
        assert!(!topics_stale(&mut store, &mine).unwrap());
        assert!(topics_stale(&mut store, &defaults).unwrap());

        // Items stored before topics existed were never tagged.
        let old = tempfile::tempdir().unwrap();
        let mut store = store_with(old.path(), &["alpha"]);
        assert!(topics_stale(&mut store, &defaults).unwrap());
    }
}
