//! The full-text index: the stage after `store` in the pipeline. Items the store hands over
//! ([`StoredItem`]) are upserted into a tantivy index, and `govwatch search` queries it.
//!
//! The index is derived data: SQLite is the source of truth and `govwatch reindex` rebuilds the
//! index from it. Each commit records, in its payload, the store sequence number of the last
//! item indexed ([`Index::last_indexed_seq`]), so after a crash the indexer resumes from the
//! store exactly where the last durable commit left off: nothing lost, nothing duplicated
//! (upserts are keyed by `item_id`).
//!
//! One process writes (tantivy's directory lock; a second writer gets [`IndexError::Locked`]);
//! any number of processes search, each through one long-lived reader and a fresh searcher per
//! query.

mod analyzer;
mod query;
mod schema;
mod snippet;
mod topics;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::error::{LockError, OpenReadError};
use tantivy::directory::{INDEX_WRITER_LOCK, MmapDirectory};
use tantivy::indexer::IndexWriterOptions;
use tantivy::query::{QueryParser, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::{
    Directory, DocAddress, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument,
    TantivyError, Term,
};

use crate::model::StoredItem;
use schema::Fields;

pub use schema::SCHEMA_VERSION;
pub(crate) use schema::ident_term;

/// The text an item is searched and snippeted by: its summary and body, without repeating
/// the summary when the body starts with it.
pub fn body_text(item: &crate::model::Item) -> String {
    schema::body_text(&item.summary, &item.body)
}
pub use crate::extract::Extracted;
pub use snippet::{SNIPPET_MAX_CHARS, Snippet};
pub use topics::{TextSnippeter, TopicMatcher, check_topic_query};

/// Total indexing memory. Each indexing thread flushes a segment when its share is full: larger
/// budgets mean fewer, larger segments and fewer merges. 96 MiB made a cold 10,000-feed poll
/// no faster than 64 MiB within the noise, and held 32 MiB more.
pub const DEFAULT_WRITER_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// tantivy refuses less per indexing thread (15 MiB), with a margin.
const MIN_WRITER_MEMORY_PER_THREAD: usize = 16 * 1024 * 1024;

/// Indexing threads at most; govwatch runs on small machines next to its own poller.
pub const MAX_WRITER_THREADS: usize = 2;

/// Upper bound on `SearchRequest::limit`, so a careless caller cannot make the collector
/// allocate without bound.
pub const MAX_SEARCH_LIMIT: usize = 10_000;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    #[error("no search index in {dir}: run `govwatch poll` (or `govwatch reindex`) to build it")]
    NotFound { dir: PathBuf },
    #[error(
        "the search index in {dir} is locked by another govwatch process (probably the daemon) \
         that is writing to it; let that process do the indexing, or stop it first"
    )]
    Locked { dir: PathBuf },
    #[error(
        "the search index in {dir} was built by a different version of govwatch ({found}; this \
         one expects schema {expected}): run `govwatch reindex` to rebuild it"
    )]
    SchemaMismatch {
        dir: PathBuf,
        found: String,
        expected: u32,
    },
    #[error(
        "the search index in {dir} is damaged ({message}); run `govwatch reindex` to rebuild \
         it from the store"
    )]
    Corrupted { dir: PathBuf, message: String },
    #[error("invalid search query {query:?}: {message}")]
    Query { query: String, message: String },
    #[error("the search index in {dir} was opened read-only; {operation} needs a writable index")]
    ReadOnly {
        dir: PathBuf,
        operation: &'static str,
    },
    #[error("search index in {dir}: commit payload {payload:?} is not valid: {message}")]
    Payload {
        dir: PathBuf,
        payload: String,
        message: String,
    },
    #[error("search index in {dir}: {source}")]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("topic matching: {source}")]
    Matcher {
        #[source]
        source: TantivyError,
    },
    #[error("search index in {dir}: {source}")]
    Tantivy {
        dir: PathBuf,
        #[source]
        source: TantivyError,
    },
}

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sort {
    /// BM25 relevance to the query, best first. With an empty query there is nothing to rank
    /// by, and hits come newest first.
    #[default]
    Relevance,
    /// Newest first by published date.
    Date,
}

/// A search: a query in govwatch's query language plus filters.
///
/// Query language: words (all must match: `ai contracts`), `"exact phrases"`, `AND`, `OR`,
/// `NOT`, `+required`, `-excluded`, parentheses, and fields `title:`, `body:`, `feed:` (feed
/// id), `tag:` (feed tag, case-insensitive), `topic:` (a topic the item matched at ingest,
/// case-insensitive), `published:[2024-01-01T00:00:00Z TO *]`. Words are
/// stemmed (`contracts` finds `contract`). An empty query matches every item the filters let
/// through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    pub query: String,
    /// Items published at or after this instant (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// Items published before this instant (exclusive), so `since`/`until` of consecutive
    /// windows never overlap.
    pub until: Option<DateTime<Utc>>,
    /// Items of any of these feed ids (no filter when empty).
    pub feeds: Vec<String>,
    /// Items of feeds carrying any of these tags, case-insensitively (no filter when empty).
    pub tags: Vec<String>,
    /// At most this many hits (capped at [`MAX_SEARCH_LIMIT`]); 0 returns none.
    pub limit: usize,
    pub sort: Sort,
    /// One hit per story (cluster), with the story's other reports in [`Hit::also`].
    pub collapse: bool,
}

/// With `collapse`, how many hits are read per story asked for.
const COLLAPSE_OVERFETCH: usize = 4;
/// Most other reports listed under a collapsed hit.
const MAX_ALSO_REPORTED: usize = 10;

/// Most values listed per facet.
pub const MAX_FACET_VALUES: usize = 50;

/// What `search --facets` can count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Topic,
    Feed,
    Agency,
    Org,
    Kind,
}

impl Facet {
    pub fn name(self) -> &'static str {
        match self {
            Facet::Topic => "topic",
            Facet::Feed => "feed",
            Facet::Agency => "agency",
            Facet::Org => "org",
            Facet::Kind => "kind",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Facet::Topic => schema::TOPICS,
            Facet::Feed => schema::FEED,
            Facet::Agency => schema::AGENCY,
            Facet::Org => schema::ORG,
            Facet::Kind => schema::KIND,
        }
    }

    pub fn parse(name: &str) -> Option<Facet> {
        match name.trim() {
            "topic" | "topics" => Some(Facet::Topic),
            "feed" | "feeds" => Some(Facet::Feed),
            "agency" | "agencies" => Some(Facet::Agency),
            "org" | "orgs" => Some(Facet::Org),
            "kind" | "kinds" => Some(Facet::Kind),
            _ => None,
        }
    }
}

/// One facet's counts over a result set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCounts {
    pub facet: &'static str,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// One search result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub item_id: String,
    pub title: String,
    pub url: Option<String>,
    pub feed: String,
    pub feed_title: Option<String>,
    pub published: DateTime<Utc>,
    /// BM25 score for relevance-sorted hits; 0 when sorted by date.
    pub score: f32,
    pub snippet: Snippet,
    /// Byte ranges of the matched words in `title` (a hit can match on its title alone).
    pub title_highlights: Vec<std::ops::Range<usize>>,
    /// The topics the item matched when it was indexed.
    pub topics: Vec<String>,
    /// Dollar amounts found in its text.
    pub amounts: Vec<u64>,
    /// Agencies its text names (canonical names).
    pub agencies: Vec<String>,
    /// Vendors its text names (canonical names).
    pub orgs: Vec<String>,
    /// What kind of document it is (`award`, `proposed_rule`, …).
    pub kind: String,
    /// Identifiers in its text.
    pub identifiers: Vec<HitIdentifier>,
    /// Deadlines and event dates its text gives.
    pub deadlines: Vec<chrono::NaiveDate>,
    pub events: Vec<chrono::NaiveDate>,
    /// Its story: the item id of the story's first report.
    pub cluster: String,
    /// With `collapse`: the story's other reports, newest first.
    pub also: Vec<AlsoReported>,
}

/// An identifier as a hit shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HitIdentifier {
    /// `bill`, `docket`, `piid`, … (see [`crate::extract::IdKind::name`]).
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// Another report of a collapsed hit's story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlsoReported {
    pub item_id: String,
    pub title: String,
    pub url: Option<String>,
    pub feed: String,
    pub feed_title: Option<String>,
    pub published: DateTime<Utc>,
}

/// The commit payload: what the index holds, so a restart knows where to resume.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    seq: u64,
    schema: u32,
}

/// The govwatch search index in one directory, open for searching and, if opened writable,
/// for indexing.
pub struct Index {
    dir: PathBuf,
    index: tantivy::Index,
    fields: Fields,
    reader: IndexReader,
    parser: QueryParser,
    /// `None` when opened read-only.
    writer: Option<IndexWriter>,
    /// Hashes of the item ids added since the last commit (see [`Index::upsert_extracted`]).
    added: std::collections::HashSet<u64>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("dir", &self.dir)
            .field("writable", &self.writer.is_some())
            .finish_non_exhaustive()
    }
}

impl Index {
    /// Opens the index in `dir` for writing, creating the directory and an empty index if
    /// missing. Takes the index's writer lock for as long as the value lives.
    pub fn open_writable(dir: &Path) -> Result<Index, IndexError> {
        Index::open_writable_with_memory(dir, DEFAULT_WRITER_MEMORY_BYTES)
    }

    /// [`Index::open_writable`] with a writer memory budget of `bytes` (split over the
    /// indexing threads; tantivy needs at least 15 MiB per thread, so a small budget means
    /// fewer threads). A long-running process that indexes a poll's worth at a time needs
    /// far less than a bulk rebuild, and keeps what it is given resident.
    pub fn open_writable_with_memory(dir: &Path, bytes: usize) -> Result<Index, IndexError> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            dir: dir.to_owned(),
            source,
        })?;
        let (expected, fields) = schema::build_schema();
        let directory = MmapDirectory::open(dir).map_err(|e| tantivy_err(dir, e.into()))?;
        let exists = tantivy::Index::exists(&directory).map_err(|e| tantivy_err(dir, e.into()))?;
        let index = if exists {
            tantivy::Index::open(directory).map_err(|e| tantivy_err(dir, e))?
        } else {
            tantivy::Index::create(directory, expected.clone(), Default::default())
                .map_err(|e| tantivy_err(dir, e))?
        };
        check_schema(dir, &index, &expected)?;
        analyzer::register(&index);
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_WRITER_THREADS)
            .min((bytes / MIN_WRITER_MEMORY_PER_THREAD).max(1));
        let bytes = bytes.max(MIN_WRITER_MEMORY_PER_THREAD);
        let options = IndexWriterOptions::builder()
            .num_worker_threads(threads)
            .memory_budget_per_thread(bytes / threads)
            // Merges run beside indexing and polling on a small machine: one at a time.
            .num_merge_threads(1)
            .build();
        let writer = index.writer_with_options(options).map_err(|e| match e {
            TantivyError::LockFailure(LockError::LockBusy, _) => IndexError::Locked {
                dir: dir.to_owned(),
            },
            other => tantivy_err(dir, other),
        })?;
        // The writer's own process reloads explicitly after each commit: no watcher needed.
        Index::assemble(dir, index, fields, ReloadPolicy::Manual, Some(writer))
    }

    /// Opens the index in `dir` for searching only; works while another process writes.
    /// Searches see that process's commits shortly after they happen (or after [`Index::reload`]).
    pub fn open_read_only(dir: &Path) -> Result<Index, IndexError> {
        let not_found = || IndexError::NotFound {
            dir: dir.to_owned(),
        };
        if !dir.is_dir() {
            return Err(not_found());
        }
        let directory = MmapDirectory::open(dir).map_err(|e| tantivy_err(dir, e.into()))?;
        if !tantivy::Index::exists(&directory).map_err(|e| tantivy_err(dir, e.into()))? {
            return Err(not_found());
        }
        let index = tantivy::Index::open(directory).map_err(|e| tantivy_err(dir, e))?;
        let (expected, fields) = schema::build_schema();
        check_schema(dir, &index, &expected)?;
        analyzer::register(&index);
        Index::assemble(dir, index, fields, ReloadPolicy::OnCommitWithDelay, None)
    }

    /// Deletes whatever index is in `dir` (of any schema; only tantivy's files) and opens a new,
    /// empty one for writing: what `govwatch reindex` does when [`IndexError::SchemaMismatch`] says the
    /// index is from another version. Refuses with [`IndexError::Locked`] while another process
    /// writes to it.
    pub fn recreate(dir: &Path) -> Result<Index, IndexError> {
        let io = |source| IndexError::Io {
            dir: dir.to_owned(),
            source,
        };
        if dir.is_dir() {
            let directory = MmapDirectory::open(dir).map_err(|e| tantivy_err(dir, e.into()))?;
            // Holding the writer lock while deleting means no writer is working on the files.
            let lock = directory
                .acquire_lock(&INDEX_WRITER_LOCK)
                .map_err(|e| match e {
                    LockError::LockBusy => IndexError::Locked {
                        dir: dir.to_owned(),
                    },
                    other => tantivy_err(dir, other.into()),
                })?;
            for entry in std::fs::read_dir(dir).map_err(io)? {
                let entry = entry.map_err(io)?;
                // Only tantivy's own files: a directory given by mistake (the data directory
                // with the SQLite database in it) loses nothing else.
                if is_index_file(&entry.file_name().to_string_lossy())
                    && entry.file_type().map_err(io)?.is_file()
                {
                    std::fs::remove_file(entry.path()).map_err(io)?;
                }
            }
            drop(lock);
        }
        Index::open_writable(dir)
    }

    fn assemble(
        dir: &Path,
        index: tantivy::Index,
        fields: Fields,
        policy: ReloadPolicy,
        writer: Option<IndexWriter>,
    ) -> Result<Index, IndexError> {
        let reader = index
            .reader_builder()
            .reload_policy(policy)
            .try_into()
            .map_err(|e| tantivy_err(dir, e))?;
        let parser = query::query_parser(&index, &fields);
        Ok(Index {
            dir: dir.to_owned(),
            index,
            fields,
            reader,
            parser,
            writer,
            added: Default::default(),
        })
    }

    /// The directory the index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether this handle holds the writer.
    pub fn is_writable(&self) -> bool {
        self.writer.is_some()
    }

    /// The store sequence number of the last item included in the last commit; 0 for an index
    /// that was never committed.
    pub fn last_indexed_seq(&self) -> Result<u64, IndexError> {
        let metas = self.index.load_metas().map_err(|e| self.err(e))?;
        match metas.payload {
            None => Ok(0),
            Some(text) => Ok(parse_payload(&self.dir, &text)?.seq),
        }
    }

    /// Stages the items for the next commit, replacing any earlier version of each (by
    /// `item_id`). Nothing is visible or durable before [`Index::commit`].
    pub fn upsert(&mut self, items: &[StoredItem]) -> Result<(), IndexError> {
        self.upsert_with_topics(items, &[])
    }

    /// [`Index::upsert`], filing each item under its topics: `topics[i]` are the names of the
    /// topics `items[i]` matched (see [`TopicMatcher`]); items past the end of `topics` have
    /// none.
    pub fn upsert_with_topics(
        &mut self,
        items: &[StoredItem],
        topics: &[Vec<String>],
    ) -> Result<(), IndexError> {
        self.upsert_extracted(items, topics, &crate::extract::Extracted::all(items))
    }

    /// [`Index::upsert_with_topics`] with each item's extraction already done
    /// (`extracted[i]` is `items[i]`'s).
    pub fn upsert_extracted(
        &mut self,
        items: &[StoredItem],
        topics: &[Vec<String>],
        extracted: &[crate::extract::Extracted],
    ) -> Result<(), IndexError> {
        let fields = self.fields;
        // Only an item the index may hold already (committed, or added since the last commit)
        // needs its old document deleted. Most items are new, and tantivy keeps every delete
        // as a query (about 1 KB) until the commit applies it to every segment.
        let searcher = self.reader.searcher();
        let mut held = Vec::with_capacity(items.len());
        for stored in items {
            let id = &stored.item.item_id;
            let mut hasher = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(id.as_str(), &mut hasher);
            // A hash collision only costs a needless delete.
            let added_before = !self.added.insert(std::hash::Hasher::finish(&hasher));
            let committed = searcher
                .doc_freq(&Term::from_field_text(fields.item_id, id))
                .map_err(|e| self.err(e))?
                > 0;
            held.push(added_before || committed);
        }
        let writer = self.writer_mut("upsert")?;
        for (n, (stored, extracted)) in items.iter().zip(extracted).enumerate() {
            if held[n] {
                writer.delete_term(Term::from_field_text(fields.item_id, &stored.item.item_id));
            }
            let names = topics.get(n).map_or(&[][..], Vec::as_slice);
            let doc = schema::to_document(&fields, stored, names, extracted);
            if let Err(e) = writer.add_document(doc) {
                return Err(self.err(e));
            }
        }
        Ok(())
    }

    /// Makes everything staged durable and visible, recording `last_seq` as the last store
    /// sequence number indexed. Costs tens of milliseconds: commit once per batch, not per item.
    pub fn commit(&mut self, last_seq: u64) -> Result<(), IndexError> {
        let payload = serde_json::to_string(&Payload {
            seq: last_seq,
            schema: SCHEMA_VERSION,
        })
        .expect("serializing two integers cannot fail");
        let writer = self.writer_mut("commit")?;
        let result = writer.prepare_commit().and_then(|mut prepared| {
            prepared.set_payload(&payload);
            prepared.commit()
        });
        if let Err(e) = result {
            return Err(self.err(e));
        }
        self.reload()?;
        // The reloaded searcher now answers for what was added.
        self.added.clear();
        Ok(())
    }

    /// Stages the deletion of every document (for `govwatch reindex`); the next commit makes it
    /// durable, so a reindex that fails halfway leaves the old index in place.
    pub fn clear(&mut self) -> Result<(), IndexError> {
        let writer = self.writer_mut("clear")?;
        if let Err(e) = writer.delete_all_documents() {
            return Err(self.err(e));
        }
        Ok(())
    }

    /// Lets background segment merges finish and releases the writer lock: for a graceful
    /// shutdown, after the last [`Index::commit`]. Anything staged and not committed is
    /// discarded (as it is when the value is simply dropped).
    pub fn close(self) -> Result<(), IndexError> {
        let Index { dir, writer, .. } = self;
        match writer {
            Some(writer) => writer
                .wait_merging_threads()
                .map_err(|e| tantivy_err(&dir, e)),
            None => Ok(()),
        }
    }

    /// Makes searches see the latest commit now, rather than shortly after it.
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(|e| self.err(e))
    }

    /// Number of items searchable (as of the last commit this handle has seen).
    pub fn num_docs(&self) -> Result<u64, IndexError> {
        Ok(self.reader.searcher().num_docs())
    }

    /// Runs a search. An invalid query is [`IndexError::Query`], whose message says what is
    /// wrong with it.
    pub fn search(&self, req: &SearchRequest) -> Result<Vec<Hit>, IndexError> {
        let user_query = query::parse_user_query(&self.parser, &req.query)?;
        let limit = req.limit.min(MAX_SEARCH_LIMIT);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let by_date = req.sort == Sort::Date || user_query.is_none();
        let snippet_query = user_query.as_ref().map(|q| q.box_clone());
        let query = query::with_filters(&self.fields, user_query, req);

        let searcher = self.reader.searcher();
        // Collapsing keeps the best hit of each story: fetch enough to fill `limit` stories
        // when several reports of one story rank together.
        let fetch = if req.collapse {
            (limit * COLLAPSE_OVERFETCH).min(MAX_SEARCH_LIMIT * COLLAPSE_OVERFETCH)
        } else {
            limit
        };
        let top: Vec<(f32, DocAddress)> = if by_date {
            let collector = TopDocs::with_limit(fetch)
                .order_by_fast_field::<tantivy::DateTime>(schema::PUBLISHED, Order::Desc);
            let docs = searcher
                .search(&query, &collector)
                .map_err(|e| self.err(e))?;
            docs.into_iter().map(|(_, addr)| (0.0, addr)).collect()
        } else {
            let collector = TopDocs::with_limit(fetch).order_by_score();
            searcher
                .search(&query, &collector)
                .map_err(|e| self.err(e))?
        };

        let snippets = snippet::Snippeter::new(&searcher, snippet_query.as_deref(), &self.fields)
            .map_err(|e| self.err(e))?;
        if !req.collapse {
            return top
                .into_iter()
                .map(|(score, addr)| {
                    let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.err(e))?;
                    Ok(self.hit(&doc, score, &snippets))
                })
                .collect();
        }
        let mut hits: Vec<Hit> = Vec::new();
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.err(e))?;
            let cluster = doc
                .get_first(self.fields.cluster)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            if hits.iter().any(|h| h.cluster == cluster) {
                continue;
            }
            hits.push(self.hit(&doc, score, &snippets));
            if hits.len() == limit {
                break;
            }
        }
        for hit in &mut hits {
            hit.also = self.also_reported(&searcher, hit)?;
        }
        Ok(hits)
    }

    /// The other reports of `hit`'s story (whatever the query), newest first.
    fn also_reported(
        &self,
        searcher: &tantivy::Searcher,
        hit: &Hit,
    ) -> Result<Vec<AlsoReported>, IndexError> {
        let f = &self.fields;
        let query = TermQuery::new(
            Term::from_field_text(f.cluster, &hit.cluster),
            IndexRecordOption::Basic,
        );
        let collector = TopDocs::with_limit(MAX_ALSO_REPORTED + 1)
            .order_by_fast_field::<tantivy::DateTime>(schema::PUBLISHED, Order::Desc);
        let docs = searcher
            .search(&query, &collector)
            .map_err(|e| self.err(e))?;
        let mut also = Vec::new();
        for (_, addr) in docs {
            let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.err(e))?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            let item_id = text(f.item_id).unwrap_or_default();
            if item_id == hit.item_id || also.len() == MAX_ALSO_REPORTED {
                continue;
            }
            also.push(AlsoReported {
                item_id,
                title: text(f.title).unwrap_or_default(),
                url: text(f.url),
                feed: text(f.feed).unwrap_or_default(),
                feed_title: text(f.feed_title),
                published: doc
                    .get_first(f.published)
                    .and_then(|v| v.as_datetime())
                    .map(schema::from_tantivy_date)
                    .unwrap_or_default(),
            });
        }
        Ok(also)
    }

    /// For each of `facets`, how many of the items `req` matches (all of them, not just the
    /// first `limit`) carry each value, most frequent first (at most [`MAX_FACET_VALUES`]).
    pub fn facet_counts(
        &self,
        req: &SearchRequest,
        facets: &[Facet],
    ) -> Result<Vec<FacetCounts>, IndexError> {
        if facets.is_empty() {
            return Ok(Vec::new());
        }
        let user_query = query::parse_user_query(&self.parser, &req.query)?;
        let query = query::with_filters(&self.fields, user_query, req);
        let mut request = serde_json::Map::new();
        for facet in facets {
            request.insert(
                facet.name().to_owned(),
                serde_json::json!({ "terms": { "field": facet.field(), "size": MAX_FACET_VALUES } }),
            );
        }
        let aggs: tantivy::aggregation::agg_req::Aggregations =
            serde_json::from_value(serde_json::Value::Object(request)).map_err(|e| {
                IndexError::Query {
                    query: req.query.clone(),
                    message: format!("facets: {e}"),
                }
            })?;
        let collector =
            tantivy::aggregation::AggregationCollector::from_aggs(aggs, Default::default());
        let searcher = self.reader.searcher();
        let results = searcher
            .search(&query, &collector)
            .map_err(|e| self.err(e))?;
        // The results' documented JSON form: `{name: {buckets: [{key, doc_count}]}}`.
        let json = serde_json::to_value(&results).unwrap_or_default();
        Ok(facets
            .iter()
            .map(|facet| FacetCounts {
                facet: facet.name(),
                values: json[facet.name()]["buckets"]
                    .as_array()
                    .map(|buckets| {
                        buckets
                            .iter()
                            .filter_map(|b| {
                                Some(FacetValue {
                                    value: b["key"].as_str()?.to_owned(),
                                    count: b["doc_count"].as_u64()?,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect())
    }

    fn hit(&self, doc: &TantivyDocument, score: f32, snippets: &snippet::Snippeter) -> Hit {
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let strings = |field| {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        };
        let days = |field| {
            doc.get_all(field)
                .filter_map(|v| v.as_datetime())
                .map(|d| schema::from_tantivy_date(d).date_naive())
                .collect::<Vec<_>>()
        };
        let title = text(f.title).unwrap_or_default();
        let body = text(f.body).unwrap_or_default();
        let published = doc
            .get_first(f.published)
            .and_then(|v| v.as_datetime())
            .map(schema::from_tantivy_date)
            .unwrap_or_default();
        Hit {
            item_id: text(f.item_id).unwrap_or_default(),
            snippet: snippets.make(&title, &body),
            title_highlights: snippets.title_highlights(&title),
            title,
            url: text(f.url),
            feed: text(f.feed).unwrap_or_default(),
            feed_title: text(f.feed_title),
            topics: doc
                .get_all(f.topics)
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            amounts: doc.get_all(f.amount).filter_map(|v| v.as_u64()).collect(),
            agencies: strings(f.agency),
            orgs: strings(f.org),
            kind: text(f.kind).unwrap_or_default(),
            identifiers: doc
                .get_all(f.ident)
                .filter_map(|v| {
                    let (kind, value) = v.as_str()?.split_once(':')?;
                    Some(HitIdentifier {
                        kind: kind.to_owned(),
                        value: value.to_owned(),
                    })
                })
                .collect(),
            deadlines: days(f.deadline),
            events: days(f.event_date),
            cluster: text(f.cluster).unwrap_or_default(),
            also: Vec::new(),
            published,
            score,
        }
    }

    fn writer_mut(&mut self, operation: &'static str) -> Result<&mut IndexWriter, IndexError> {
        match self.writer.as_mut() {
            Some(writer) => Ok(writer),
            None => Err(IndexError::ReadOnly {
                dir: self.dir.clone(),
                operation,
            }),
        }
    }

    fn err(&self, source: TantivyError) -> IndexError {
        tantivy_err(&self.dir, source)
    }
}

/// Checks that `text` is a valid query in govwatch's query language (see [`SearchRequest`]),
/// exactly as [`Index::search`] would parse it, without an index directory: what stored
/// queries (subscriptions, topics) are validated with before they are saved. An empty query is
/// valid (it matches everything the filters let through).
pub fn validate_query(text: &str) -> Result<(), IndexError> {
    // The parser needs an index for its schema and analyzers; an empty one in RAM costs
    // microseconds and touches no disk.
    let (schema, fields) = schema::build_schema();
    let index = tantivy::Index::create_in_ram(schema);
    analyzer::register(&index);
    let parser = query::query_parser(&index, &fields);
    query::parse_user_query(&parser, text).map(drop)
}

/// Whether a file name is one tantivy writes: its metadata, or a segment file named by the
/// segment's UUID (32 hex digits) and a component extension.
fn is_index_file(name: &str) -> bool {
    if name == "meta.json" || name == ".managed.json" {
        return true;
    }
    let (stem, _ext) = name.split_once('.').unwrap_or((name, ""));
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
}

fn tantivy_err(dir: &Path, source: TantivyError) -> IndexError {
    match source {
        // The store is the source of truth: a damaged index is rebuilt, not repaired.
        TantivyError::DataCorruption(corruption) => IndexError::Corrupted {
            dir: dir.to_owned(),
            message: format!("{corruption:?}"),
        },
        // A segment file that is gone, or whose bytes fail tantivy's checks, is damage too;
        // other I/O errors (permissions, a full disk) are not.
        TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(file)) => {
            IndexError::Corrupted {
                dir: dir.to_owned(),
                message: format!("{} is missing", file.display()),
            }
        }
        TantivyError::OpenReadError(OpenReadError::IoError { io_error, filepath })
            if io_error.kind() == std::io::ErrorKind::InvalidData =>
        {
            IndexError::Corrupted {
                dir: dir.to_owned(),
                message: format!("{}: {io_error}", filepath.display()),
            }
        }
        source => IndexError::Tantivy {
            dir: dir.to_owned(),
            source,
        },
    }
}

fn parse_payload(dir: &Path, text: &str) -> Result<Payload, IndexError> {
    serde_json::from_str(text).map_err(|e| IndexError::Payload {
        dir: dir.to_owned(),
        payload: text.to_owned(),
        message: e.to_string(),
    })
}

/// Refuses an index whose schema, or whose recorded schema version, is not this version's.
fn check_schema(
    dir: &Path,
    index: &tantivy::Index,
    expected: &tantivy::schema::Schema,
) -> Result<(), IndexError> {
    let mismatch = |found: String| IndexError::SchemaMismatch {
        dir: dir.to_owned(),
        found,
        expected: SCHEMA_VERSION,
    };
    if index.schema() != *expected {
        return Err(mismatch("different fields".to_owned()));
    }
    let metas = index.load_metas().map_err(|e| tantivy_err(dir, e))?;
    if let Some(text) = metas.payload {
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("schema").and_then(serde_json::Value::as_u64));
        match version {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => return Err(mismatch(format!("schema {v}"))),
            None => return Err(mismatch(format!("unrecognized commit payload {text:?}"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_query_accepts_what_search_accepts_and_names_the_fault() {
        for ok in [
            "",
            "ai contracts",
            "\"task order\" OR idiq",
            "tag:DoD -draft",
            "title:gao",
        ] {
            assert!(validate_query(ok).is_ok(), "{ok}");
        }
        for bad in ["nosuchfield:x", "(ai OR", "\"unclosed"] {
            match validate_query(bad) {
                Err(IndexError::Query { query, message }) => {
                    assert_eq!(query, bad.trim());
                    assert!(!message.is_empty());
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn only_tantivy_files_are_index_files() {
        for ours in [
            "meta.json",
            ".managed.json",
            "0123456789abcdef0123456789abcdef.idx",
            "0123456789abcdef0123456789abcdef.12.del",
        ] {
            assert!(is_index_file(ours), "{ours}");
        }
        for theirs in [
            "govwatch.sqlite",
            "govwatch.sqlite-wal",
            "outbox",
            "0123456789abcdef.idx",
            "0123456789abcdef0123456789abcdeg.idx",
        ] {
            assert!(!is_index_file(theirs), "{theirs}");
        }
    }

    #[test]
    fn payload_round_trips_and_garbage_is_an_error_naming_it() {
        let dir = Path::new("/data/tantivy");
        let text = serde_json::to_string(&Payload { seq: 42, schema: 1 }).unwrap();
        assert_eq!(parse_payload(dir, &text).unwrap().seq, 42);
        let err = parse_payload(dir, "{\"seq\":-1}").unwrap_err();
        assert!(err.to_string().contains("/data/tantivy"), "{err}");
    }
}
