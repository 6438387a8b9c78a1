//! The `store` stage: SQLite, the source of truth. After `normalize` it keeps every [`Item`]
//! (upserted by item id, each insert or change stamped with a new, ever-growing `seq`), and
//! each feed's HTTP state (validators, redirects, errors, back-off) that `fetch` and the
//! scheduler read back. `index` catches up from it with [`Store::items_after`].
//!
//! One file, `<data_dir>/govwatch.sqlite3`, in WAL mode: one writer (the daemon or a writing
//! command) and any number of read-only openers (`status`, `search`) at once. Every write is
//! one transaction.

mod error;
mod facts;
mod ledger;
mod schema;
mod sources;
mod subscriptions;
mod topics;
mod unsubscribes;

pub use ledger::{DigestRecord, DigestStatus, NewDigest};

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use crate::feeds::FeedConfig;
use crate::model::{Item, StoredItem};

pub use error::StoreError;
pub use facts::{ClosingSoon, ItemFacts, ThreadItem};
pub use sources::{SourceStatus, StateChange};
pub use topics::TopicCount;
pub use unsubscribes::{Unsubscribed, Via};

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "govwatch.sqlite3";
/// How long a statement waits for another process's write lock before failing.
/// WAL pages between automatic checkpoints (SQLite's default is 1,000).
const WAL_CHECKPOINT_PAGES: i64 = 10_000;

/// SQLite page cache of the writing connection, in KiB (negative: SQLite's unit for KiB).
const WRITE_CACHE_KIB: i64 = -65_536;

pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest error message recorded for a feed, in bytes.
const MAX_ERROR_MESSAGE_BYTES: usize = 4 * 1024;

/// What the fetcher needs to know before polling a feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedState {
    pub feed_id: String,
    /// The URL to fetch: where the feed permanently moved to, else the configured URL.
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Not before this time (a `Retry-After` or back-off).
    pub retry_at: Option<DateTime<Utc>>,
    pub consecutive_errors: u32,
    pub last_fetch_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// When the daemon plans to poll it next.
    pub next_poll_at: Option<DateTime<Utc>>,
}

/// An item of a digest window: as stored, with its topics and when it was first stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowItem {
    pub stored: StoredItem,
    pub topics: Vec<String>,
    /// Its story: the item id of the story's first report (its own until the indexer has
    /// clustered it).
    pub cluster: String,
    /// Whether it carries an identifier that ties it to other items (a thread).
    pub in_thread: bool,
    /// The earliest deadline its text gives.
    pub deadline: Option<chrono::NaiveDate>,
}

/// One feed's health, for `govwatch status` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedHealth {
    pub id: String,
    /// The URL fetched (after a permanent redirect, the new one).
    pub url: String,
    /// The URL the operator configured.
    pub configured_url: String,
    /// Display title: the operator's, else the feed's own.
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub last_status: Option<u16>,
    pub last_fetch_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error_kind: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_errors: u32,
    pub retry_at: Option<DateTime<Utc>>,
    pub item_count: u64,
    /// When the daemon plans to poll it next.
    pub next_poll_at: Option<DateTime<Utc>>,
}

/// A fetch that returned a document (2xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSuccess {
    pub status: u16,
    pub at: DateTime<Utc>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Where the feed permanently redirected to (301/308), to fetch from now on.
    pub permanent_url: Option<String>,
    /// The feed's own title; `None` keeps the one recorded before.
    pub feed_title: Option<String>,
}

impl FetchSuccess {
    /// A plain 200 at `at`: no validators, no redirect, no feed title.
    pub fn ok(at: DateTime<Utc>) -> FetchSuccess {
        FetchSuccess {
            status: 200,
            at,
            etag: None,
            last_modified: None,
            permanent_url: None,
            feed_title: None,
        }
    }
}

/// A fetch that failed (network, HTTP error status, unparseable document, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    /// A short machine-readable kind (`timeout`, `http-status`, `parse`, …).
    pub kind: String,
    pub message: String,
    pub retry_at: Option<DateTime<Utc>>,
}

/// What an upsert did with a batch of items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UpsertStats {
    /// Items never seen before.
    pub new: usize,
    /// Known items whose content changed (updated in place, with a new seq).
    pub updated: usize,
    /// Known items with the same content (only their last-seen time moved).
    pub unchanged: usize,
}

/// The SQLite store. Writing methods take `&mut self`: one `Store` is one connection, owned
/// by one task (use it from `spawn_blocking` or a dedicated thread in async code).
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
}

impl Store {
    /// Opens (creating the directory and the file if needed) the database in `data_dir` for
    /// reading and writing, and migrates it to this build's schema.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let shared =
            crate::perms::create_private_dir(data_dir).map_err(|source| StoreError::CreateDir {
                path: data_dir.to_owned(),
                source,
            })?;
        if let Some(mode) = shared {
            tracing::warn!(
                dir = %data_dir.display(),
                "the data directory is open to other users (mode {mode:o}); it holds \
                 subscribers' addresses: chmod 700 it unless that is meant"
            );
        }
        let path = data_dir.join(DATABASE_FILE);
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source: Box::new(source),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(open_err)?;
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT).map_err(open_err)?;
        // The first statements to touch the file: a file that is not a database fails here.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(open_err)?;
        // NORMAL is durable across application crashes in WAL mode; only a power loss can
        // drop the last commits, which the next poll fetches again.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        // Inserts touch the item-id index at random places; a cache that holds it (instead of
        // SQLite's 2 MB default) keeps batch writes from thrashing.
        conn.pragma_update(None, "cache_size", WRITE_CACHE_KIB)
            .map_err(open_err)?;
        // Each checkpoint costs an fsync of the WAL and the database; a poll writes in
        // bursts, so checkpoint every ~40 MB rather than SQLite's default ~4 MB.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            .map_err(open_err)?;
        schema::migrate(&mut conn, &path)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            conn,
            path,
            read_only: false,
        })
    }

    /// Opens the database in `data_dir` read-only, for commands that run beside a writing
    /// daemon. Never creates nor migrates anything: a missing file or an older schema is an
    /// error.
    pub fn open_read_only(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join(DATABASE_FILE);
        if !path.is_file() {
            return Err(StoreError::NotFound { path });
        }
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source: Box::new(source),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(open_err)?;
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT).map_err(open_err)?;
        let version = schema::user_version(&conn).map_err(open_err)?;
        let expected = schema::current_version();
        if version > expected {
            return Err(StoreError::SchemaTooNew {
                path,
                found: version,
                supported: expected,
            });
        }
        if version < expected {
            return Err(StoreError::SchemaTooOld {
                path,
                found: version,
                expected,
            });
        }
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            conn,
            path,
            read_only: true,
        })
    }

    /// The database file.
    /// The data directory this store lives in (what [`Store::open`] was given).
    pub fn data_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records the operators' feed list: inserts new feeds, updates the URL, title and tags of
    /// known ones. Never deletes a feed or its items. A feed whose configured URL changed is
    /// fetched from the new URL with no validators and no back-off, as a new feed would be.
    pub fn sync_feeds(&mut self, feeds: &[FeedConfig]) -> Result<(), StoreError> {
        self.check_writable("sync the feed list")?;
        let now = micros(Utc::now());
        let path = self.path.as_path();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_err(path, "sync the feed list", e))?;
        {
            // SQLite evaluates every SET expression against the row as it was, so each CASE
            // below compares with the previous configured_url.
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO feeds (id, url, configured_url, title, tags, created_at,
                                        document_kind)
                     VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (id) DO UPDATE SET
                       title = excluded.title,
                       tags = excluded.tags,
                       document_kind = excluded.document_kind,
                       url = CASE WHEN configured_url = excluded.configured_url
                                  THEN url ELSE excluded.configured_url END,
                       etag = CASE WHEN configured_url = excluded.configured_url
                                   THEN etag ELSE NULL END,
                       last_modified = CASE WHEN configured_url = excluded.configured_url
                                            THEN last_modified ELSE NULL END,
                       retry_at = CASE WHEN configured_url = excluded.configured_url
                                       THEN retry_at ELSE NULL END,
                       consecutive_errors = CASE WHEN configured_url = excluded.configured_url
                                                 THEN consecutive_errors ELSE 0 END,
                       configured_url = excluded.configured_url",
                )
                .map_err(|e| sql_err(path, "sync the feed list", e))?;
            for feed in feeds {
                stmt.execute(params![
                    feed.id,
                    feed.url.as_str(),
                    feed.title,
                    json_list(&feed.tags),
                    now,
                    feed.document_kind.map(|k| k.name()),
                ])
                .map_err(|e| feed_err(path, &feed.id, "record the feed's configuration", e))?;
            }
        }
        tx.commit()
            .map_err(|e| sql_err(path, "sync the feed list", e))
    }

    /// The fetcher's view of a feed; `None` for a feed the store does not know.
    pub fn feed_state(&self, feed_id: &str) -> Result<Option<FeedState>, StoreError> {
        let raw = self
            .conn
            .prepare_cached(
                "SELECT url, etag, last_modified, retry_at, consecutive_errors,
                        last_fetch_at, last_success_at, next_poll_at
                 FROM feeds WHERE id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([feed_id], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, Option<i64>>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, Option<i64>>(5)?,
                        row.get::<_, Option<i64>>(6)?,
                        row.get::<_, Option<i64>>(7)?,
                    ))
                })
                .optional()
            })
            .map_err(|e| self.feed_err(feed_id, "read the feed's state", e))?;
        let Some((url, etag, last_modified, retry_at, errors, last_fetch, last_success, next_poll)) =
            raw
        else {
            return Ok(None);
        };
        Ok(Some(FeedState {
            feed_id: feed_id.to_owned(),
            url,
            etag,
            last_modified,
            retry_at: self.opt_date(retry_at, "feeds.retry_at")?,
            consecutive_errors: self.error_count(errors)?,
            last_fetch_at: self.opt_date(last_fetch, "feeds.last_fetch_at")?,
            last_success_at: self.opt_date(last_success, "feeds.last_success_at")?,
            next_poll_at: self.opt_date(next_poll, "feeds.next_poll_at")?,
        }))
    }

    /// Records a successful fetch of `feed_id` and its items, in one transaction: new items
    /// are inserted, changed ones updated in place (both with a new seq), unchanged ones only
    /// marked seen. The feed's validators, status, new permanent URL and own title are
    /// recorded, its error count and back-off reset.
    pub fn apply_fetch(
        &mut self,
        feed_id: &str,
        fetch: &FetchSuccess,
        items: &[Item],
    ) -> Result<UpsertStats, StoreError> {
        self.check_writable("record a fetch")?;
        if let Some(item) = items.iter().find(|item| item.feed_id != feed_id) {
            return Err(StoreError::ItemFeedMismatch {
                feed_id: feed_id.to_owned(),
                item_id: item.item_id.clone(),
                item_feed_id: item.feed_id.clone(),
            });
        }
        let at = micros(fetch.at);
        let path = self.path.as_path();
        let ferr = |action, source| feed_err(path, feed_id, action, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| ferr("start a transaction", e))?;
        let changed = tx
            .prepare_cached(
                "UPDATE feeds SET
                   last_status = ?2, last_fetch_at = ?3, last_success_at = ?3,
                   etag = ?4, last_modified = ?5,
                   url = COALESCE(?6, url), feed_title = COALESCE(?7, feed_title),
                   consecutive_errors = 0, retry_at = NULL,
                   last_error_kind = NULL, last_error = NULL
                 WHERE id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    feed_id,
                    fetch.status,
                    at,
                    fetch.etag,
                    fetch.last_modified,
                    fetch.permanent_url,
                    fetch.feed_title,
                ])
            })
            .map_err(|e| ferr("record the fetch", e))?;
        if changed == 0 {
            return Err(StoreError::UnknownFeed {
                feed_id: feed_id.to_owned(),
                path: path.to_owned(),
            });
        }

        let mut stats = UpsertStats::default();
        // An item arrived no later than it was first stored, nor than its own date.
        let mut newest_arrival: Option<i64> = None;
        let mut seq: i64 = tx
            .prepare_cached("SELECT value FROM counters WHERE name = 'seq'")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(|e| ferr("read the item sequence", e))?;
        {
            let mut find = tx
                .prepare_cached("SELECT seq, content_hash FROM items WHERE item_id = ?1")
                .map_err(|e| ferr("prepare the item lookup", e))?;
            // New and changed items are the same write: a fresh seq and the item's fields;
            // a changed item keeps its first_seen_at.
            let mut write = tx
                .prepare_cached(
                    "INSERT INTO items (seq, item_id, feed_id, guid, url, title, summary, body,
                        authors, categories, published, updated, content_hash,
                        first_seen_at, last_seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)
                     ON CONFLICT(item_id) DO UPDATE SET seq = excluded.seq,
                        guid = excluded.guid, url = excluded.url, title = excluded.title,
                        summary = excluded.summary, body = excluded.body,
                        authors = excluded.authors, categories = excluded.categories,
                        published = excluded.published, updated = excluded.updated,
                        content_hash = excluded.content_hash,
                        last_seen_at = excluded.last_seen_at",
                )
                .map_err(|e| ferr("prepare the item write", e))?;
            let mut touch = tx
                .prepare_cached("UPDATE items SET last_seen_at = ?2 WHERE seq = ?1")
                .map_err(|e| ferr("prepare the item touch", e))?;
            for item in items {
                let known: Option<(i64, String)> = find
                    .query_row([&item.item_id], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
                    .map_err(|e| ferr("look up an item", e))?;
                match known {
                    Some((old_seq, hash)) if hash == item.content_hash => {
                        touch
                            .execute(params![old_seq, at])
                            .map_err(|e| ferr("mark an item seen", e))?;
                        stats.unchanged += 1;
                    }
                    _ => {
                        seq += 1;
                        write
                            .execute(params![
                                seq,
                                item.item_id,
                                item.feed_id,
                                item.guid,
                                item.url,
                                item.title,
                                item.summary,
                                body_column(item),
                                json_list(&item.authors),
                                json_list(&item.categories),
                                micros(item.published),
                                item.updated.map(micros),
                                item.content_hash,
                                at,
                            ])
                            .map_err(|e| ferr("write an item", e))?;
                        if known.is_some() {
                            stats.updated += 1;
                        } else {
                            stats.new += 1;
                            let arrival = micros(item.published).min(at);
                            newest_arrival = newest_arrival.max(Some(arrival));
                        }
                    }
                }
            }
        }
        tx.prepare_cached("UPDATE counters SET value = ?1 WHERE name = 'seq'")
            .and_then(|mut stmt| stmt.execute([seq]))
            .map_err(|e| ferr("record the item sequence", e))?;
        if let Some(arrival) = newest_arrival {
            tx.prepare_cached(
                "UPDATE feeds SET last_arrival = MAX(COALESCE(last_arrival, ?2), ?2) WHERE id = ?1",
            )
            .and_then(|mut stmt| stmt.execute(params![feed_id, arrival]))
            .map_err(|e| ferr("record the newest arrival", e))?;
        }
        tx.commit().map_err(|e| ferr("commit the fetch", e))?;
        Ok(stats)
    }

    /// Records a fetch answered "not modified" (304): a success with nothing new.
    pub fn record_not_modified(
        &mut self,
        feed_id: &str,
        fetch: &FetchSuccess,
    ) -> Result<(), StoreError> {
        self.check_writable("record a fetch")?;
        // One statement: its own transaction. A 304 may carry fresh validators or follow a
        // permanent redirect; what it does not carry stays as it was.
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE feeds SET
                   last_status = ?2, last_fetch_at = ?3, last_success_at = ?3,
                   etag = COALESCE(?4, etag), last_modified = COALESCE(?5, last_modified),
                   url = COALESCE(?6, url),
                   consecutive_errors = 0, retry_at = NULL,
                   last_error_kind = NULL, last_error = NULL
                 WHERE id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    feed_id,
                    fetch.status,
                    micros(fetch.at),
                    fetch.etag,
                    fetch.last_modified,
                    fetch.permanent_url,
                ])
            })
            .map_err(|e| self.feed_err(feed_id, "record the fetch", e))?;
        if changed == 0 {
            return Err(self.unknown_feed(feed_id));
        }
        Ok(())
    }

    /// Records a failed fetch: one more consecutive error, the error, and when to retry.
    pub fn record_failure(
        &mut self,
        feed_id: &str,
        failure: &FetchFailure,
    ) -> Result<(), StoreError> {
        self.check_writable("record a fetch")?;
        let message = crate::text::prefix(&failure.message, MAX_ERROR_MESSAGE_BYTES);
        // One statement: its own transaction.
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE feeds SET
                   last_status = ?2, last_fetch_at = ?3,
                   last_error_kind = ?4, last_error = ?5,
                   consecutive_errors = consecutive_errors + 1, retry_at = ?6
                 WHERE id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    feed_id,
                    failure.status,
                    micros(failure.at),
                    failure.kind,
                    message,
                    failure.retry_at.map(micros),
                ])
            })
            .map_err(|e| self.feed_err(feed_id, "record the failure", e))?;
        if changed == 0 {
            return Err(self.unknown_feed(feed_id));
        }
        Ok(())
    }

    /// Records when the daemon will poll `feed_id` next.
    pub fn set_next_poll(&mut self, feed_id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.check_writable("plan the next poll")?;
        let changed = self
            .conn
            .prepare_cached("UPDATE feeds SET next_poll_at = ?2 WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute(params![feed_id, micros(at)]))
            .map_err(|e| self.feed_err(feed_id, "plan the next poll", e))?;
        if changed == 0 {
            return Err(self.unknown_feed(feed_id));
        }
        Ok(())
    }

    /// Up to `limit` items with a seq greater than `seq`, in seq order, with their feed's
    /// display title and tags: how an index catches up.
    pub fn items_after(&self, seq: u64, limit: usize) -> Result<Vec<StoredItem>, StoreError> {
        let action = "read items";
        let after = i64::try_from(seq).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.seq, i.item_id, i.feed_id, i.guid, i.url, i.title, i.summary, i.body,
                        i.authors, i.categories, i.published, i.updated, i.content_hash,
                        COALESCE(f.title, f.feed_title), f.tags, f.document_kind,
                        i.first_seen_at
                 FROM items i JOIN feeds f ON f.id = i.feed_id
                 WHERE i.seq > ?1 ORDER BY i.seq LIMIT ?2",
            )
            .map_err(|e| self.sql_err(action, e))?;
        let rows = stmt
            .query_map(params![after, limit], RawItem::from_row)
            .map_err(|e| self.sql_err(action, e))?;
        let mut out = Vec::new();
        for row in rows {
            let raw = row.map_err(|e| self.sql_err(action, e))?;
            out.push(self.stored_item(raw)?);
        }
        Ok(out)
    }

    /// Items first stored in `(after, until]`, oldest first, with the topics each matched:
    /// what a digest window covers.
    pub fn items_first_seen(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<WindowItem>, StoreError> {
        let action = "read a window's items";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.seq, i.item_id, i.feed_id, i.guid, i.url, i.title, i.summary, i.body,
                        i.authors, i.categories, i.published, i.updated, i.content_hash,
                        COALESCE(f.title, f.feed_title), f.tags, f.document_kind,
                        i.first_seen_at,
                        (SELECT json_group_array(t.topic) FROM item_topics t WHERE t.seq = i.seq),
                        COALESCE((SELECT x.cluster FROM item_facts x WHERE x.seq = i.seq),
                                 i.item_id),
                        EXISTS (SELECT 1 FROM item_idents d WHERE d.seq = i.seq),
                        (SELECT MIN(d.date) FROM item_dates d
                         WHERE d.seq = i.seq AND d.what = 'deadline')
                 FROM items i JOIN feeds f ON f.id = i.feed_id
                 WHERE i.first_seen_at > ?1 AND i.first_seen_at <= ?2
                 ORDER BY i.first_seen_at, i.seq",
            )
            .map_err(|e| self.sql_err(action, e))?;
        let rows = stmt
            .query_map(params![micros(after), micros(until)], |row| {
                Ok((
                    RawItem::from_row(row)?,
                    row.get::<_, String>(17)?,
                    row.get::<_, String>(18)?,
                    row.get::<_, bool>(19)?,
                    row.get::<_, Option<String>>(20)?,
                ))
            })
            .map_err(|e| self.sql_err(action, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (raw, topics, cluster, in_thread, deadline) =
                row.map_err(|e| self.sql_err(action, e))?;
            out.push(WindowItem {
                topics: self.parse_list(&topics, "item_topics.topic")?,
                stored: self.stored_item(raw)?,
                cluster,
                in_thread,
                deadline: deadline
                    .map(|d| self.day(&d, "item_dates.date"))
                    .transpose()?,
            });
        }
        Ok(out)
    }

    /// The highest seq ever given to an item (0 when none was).
    pub fn max_seq(&self) -> Result<u64, StoreError> {
        let seq: i64 = self
            .conn
            .prepare_cached("SELECT value FROM counters WHERE name = 'seq'")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(|e| self.sql_err("read the item sequence", e))?;
        self.unsigned(seq, "counters.seq")
    }

    /// How many items the store holds.
    /// Each stored item of `feed_id` and its content hash: which items a poll has seen, as they
    /// were (for feeds whose new items get their full text fetched).
    pub fn item_hashes(
        &self,
        feed_id: &str,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let action = "read a feed's item hashes";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT item_id, content_hash FROM items WHERE feed_id = ?1")
            .map_err(|e| self.sql_err(action, e))?;
        let rows = stmt
            .query_map([feed_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.sql_err(action, e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.sql_err(action, e))
    }

    pub fn item_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM items")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(|e| self.sql_err("count items", e))?;
        self.unsigned(count, "COUNT(*)")
    }

    /// Every feed's health, ordered by feed id, in one query.
    pub fn feed_health(&self) -> Result<Vec<FeedHealth>, StoreError> {
        let action = "read feed health";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT f.id, f.url, f.configured_url, COALESCE(f.title, f.feed_title), f.tags,
                        f.last_status, f.last_fetch_at, f.last_success_at, f.last_error_kind,
                        f.last_error, f.consecutive_errors, f.retry_at, COALESCE(c.n, 0),
                        f.next_poll_at
                 FROM feeds f
                 LEFT JOIN (SELECT feed_id, COUNT(*) AS n FROM items GROUP BY feed_id) c
                   ON c.feed_id = f.id
                 ORDER BY f.id",
            )
            .map_err(|e| self.sql_err(action, e))?;
        let rows = stmt
            .query_map([], RawHealth::from_row)
            .map_err(|e| self.sql_err(action, e))?;
        let mut out = Vec::new();
        for row in rows {
            let raw = row.map_err(|e| self.sql_err(action, e))?;
            out.push(FeedHealth {
                tags: self.parse_list(&raw.tags, "feeds.tags")?,
                last_status: raw
                    .last_status
                    .map(|s| u16::try_from(s).map_err(|_| self.corrupt("feeds.last_status", s)))
                    .transpose()?,
                last_fetch_at: self.opt_date(raw.last_fetch_at, "feeds.last_fetch_at")?,
                last_success_at: self.opt_date(raw.last_success_at, "feeds.last_success_at")?,
                consecutive_errors: self.error_count(raw.consecutive_errors)?,
                retry_at: self.opt_date(raw.retry_at, "feeds.retry_at")?,
                item_count: self.unsigned(raw.item_count, "item count")?,
                next_poll_at: self.opt_date(raw.next_poll_at, "feeds.next_poll_at")?,
                id: raw.id,
                url: raw.url,
                configured_url: raw.configured_url,
                title: raw.title,
                last_error_kind: raw.last_error_kind,
                last_error: raw.last_error,
            });
        }
        Ok(out)
    }

    /// A value other stages keep in the store (e.g. the index's bookkeeping).
    pub fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
            .map_err(|e| self.sql_err("read a meta value", e))
    }

    /// Sets (inserts or replaces) a meta value.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.check_writable("write a meta value")?;
        // One statement: its own transaction.
        self.conn
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut stmt| stmt.execute([key, value]))
            .map_err(|e| self.sql_err("write a meta value", e))?;
        Ok(())
    }

    fn check_writable(&self, action: &'static str) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
                action,
            });
        }
        Ok(())
    }

    fn stored_item(&self, raw: RawItem) -> Result<StoredItem, StoreError> {
        let item = Item {
            authors: self.parse_list(&raw.authors, "items.authors")?,
            categories: self.parse_list(&raw.categories, "items.categories")?,
            published: self.date(raw.published, "items.published")?,
            updated: self.opt_date(raw.updated, "items.updated")?,
            item_id: raw.item_id,
            feed_id: raw.feed_id,
            guid: raw.guid,
            url: raw.url,
            title: raw.title,
            body: raw.body.unwrap_or_else(|| raw.summary.clone()),
            summary: raw.summary,
            content_hash: raw.content_hash,
        };
        Ok(StoredItem {
            seq: self.unsigned(raw.seq, "items.seq")?,
            first_seen: self.date(raw.first_seen, "items.first_seen_at")?,
            item,
            feed_title: raw.feed_title,
            tags: self.parse_list(&raw.tags, "feeds.tags")?,
            document_kind: match raw.document_kind.as_deref() {
                None => None,
                Some(name) => {
                    Some(
                        crate::extract::Kind::parse(name).ok_or_else(|| StoreError::Corrupt {
                            path: self.path.clone(),
                            column: "feeds.document_kind",
                            detail: format!("{name:?} is not a document kind"),
                        })?,
                    )
                }
            },
        })
    }

    fn sql_err(&self, action: &'static str, source: rusqlite::Error) -> StoreError {
        sql_err(&self.path, action, source)
    }

    fn feed_err(&self, feed_id: &str, action: &'static str, source: rusqlite::Error) -> StoreError {
        feed_err(&self.path, feed_id, action, source)
    }

    fn unknown_feed(&self, feed_id: &str) -> StoreError {
        StoreError::UnknownFeed {
            feed_id: feed_id.to_owned(),
            path: self.path.clone(),
        }
    }

    fn corrupt(&self, column: &'static str, detail: impl ToString) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            column,
            detail: detail.to_string(),
        }
    }

    fn parse_list(&self, json: &str, column: &'static str) -> Result<Vec<String>, StoreError> {
        serde_json::from_str(json).map_err(|e| self.corrupt(column, e))
    }

    fn date(&self, us: i64, column: &'static str) -> Result<DateTime<Utc>, StoreError> {
        DateTime::from_timestamp_micros(us).ok_or_else(|| self.corrupt(column, us))
    }

    fn opt_date(
        &self,
        us: Option<i64>,
        column: &'static str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        us.map(|us| self.date(us, column)).transpose()
    }

    fn unsigned(&self, n: i64, column: &'static str) -> Result<u64, StoreError> {
        u64::try_from(n).map_err(|_| self.corrupt(column, n))
    }

    fn error_count(&self, n: i64) -> Result<u32, StoreError> {
        u32::try_from(n).map_err(|_| self.corrupt("feeds.consecutive_errors", n))
    }
}

/// An items row as SQLite gives it, before JSON and dates are decoded.
/// What the `body` column holds: NULL when the body repeats the summary, as it does for
/// every entry without full content.
fn body_column(item: &Item) -> Option<&str> {
    (item.body != item.summary).then_some(item.body.as_str())
}

struct RawItem {
    seq: i64,
    item_id: String,
    feed_id: String,
    guid: Option<String>,
    url: Option<String>,
    title: String,
    summary: String,
    body: Option<String>,
    authors: String,
    categories: String,
    published: i64,
    updated: Option<i64>,
    content_hash: String,
    feed_title: Option<String>,
    tags: String,
    document_kind: Option<String>,
    first_seen: i64,
}

impl RawItem {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<RawItem> {
        Ok(RawItem {
            seq: row.get(0)?,
            item_id: row.get(1)?,
            feed_id: row.get(2)?,
            guid: row.get(3)?,
            url: row.get(4)?,
            title: row.get(5)?,
            summary: row.get(6)?,
            body: row.get(7)?,
            authors: row.get(8)?,
            categories: row.get(9)?,
            published: row.get(10)?,
            updated: row.get(11)?,
            content_hash: row.get(12)?,
            feed_title: row.get(13)?,
            tags: row.get(14)?,
            document_kind: row.get(15)?,
            first_seen: row.get(16)?,
        })
    }
}

struct RawHealth {
    id: String,
    url: String,
    configured_url: String,
    title: Option<String>,
    tags: String,
    last_status: Option<i64>,
    last_fetch_at: Option<i64>,
    last_success_at: Option<i64>,
    last_error_kind: Option<String>,
    last_error: Option<String>,
    consecutive_errors: i64,
    retry_at: Option<i64>,
    item_count: i64,
    next_poll_at: Option<i64>,
}

impl RawHealth {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<RawHealth> {
        Ok(RawHealth {
            id: row.get(0)?,
            url: row.get(1)?,
            configured_url: row.get(2)?,
            title: row.get(3)?,
            tags: row.get(4)?,
            last_status: row.get(5)?,
            last_fetch_at: row.get(6)?,
            last_success_at: row.get(7)?,
            last_error_kind: row.get(8)?,
            last_error: row.get(9)?,
            consecutive_errors: row.get(10)?,
            retry_at: row.get(11)?,
            item_count: row.get(12)?,
            next_poll_at: row.get(13)?,
        })
    }
}

fn sql_err(path: &Path, action: &'static str, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_owned(),
        action,
        source: Box::new(source),
    }
}

fn feed_err(
    path: &Path,
    feed_id: &str,
    action: &'static str,
    source: rusqlite::Error,
) -> StoreError {
    StoreError::Feed {
        feed_id: feed_id.to_owned(),
        path: path.to_owned(),
        action,
        source: Box::new(source),
    }
}

/// Timestamps are stored as microseconds since the epoch; see `schema`.
fn micros(date: DateTime<Utc>) -> i64 {
    date.timestamp_micros()
}

fn json_list<S: AsRef<str>>(list: &[S]) -> String {
    let list: Vec<&str> = list.iter().map(AsRef::as_ref).collect();
    // Serializing a list of strings to JSON cannot fail.
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests;
