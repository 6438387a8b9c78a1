//! The `store`'s schema as numbered migrations: `MIGRATIONS[i]` takes a database from
//! `PRAGMA user_version = i` to `i + 1`. Append new steps; never edit a released one.
//!
//! Timestamps are INTEGER microseconds since the Unix epoch (UTC): they sort as numbers, cover
//! every date chrono can hold, and keep an item's dates exactly as `normalize` made them.
//! Lists (tags, authors, categories) are JSON arrays of strings.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// The migration steps, in order.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: feeds, items, meta, counters.
    r#"
CREATE TABLE feeds (
    id                 TEXT PRIMARY KEY NOT NULL,
    -- The URL to fetch: the configured one, or where it permanently redirected to.
    url                TEXT NOT NULL,
    configured_url     TEXT NOT NULL,
    -- The operator's title; the feed's own is feed_title.
    title              TEXT,
    feed_title         TEXT,
    tags               TEXT NOT NULL DEFAULT '[]',
    etag               TEXT,
    last_modified      TEXT,
    last_status        INTEGER,
    last_fetch_at      INTEGER,
    last_success_at    INTEGER,
    last_error_kind    TEXT,
    last_error         TEXT,
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    retry_at           INTEGER,
    created_at         INTEGER NOT NULL
) STRICT;

-- seq is the rowid: items are laid out in the order an index catches up with them, and
-- "everything after seq N" is a range scan of the table itself.
CREATE TABLE items (
    seq           INTEGER PRIMARY KEY NOT NULL,
    item_id       TEXT NOT NULL UNIQUE,
    feed_id       TEXT NOT NULL REFERENCES feeds(id),
    guid          TEXT,
    url           TEXT,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    -- NULL when the body is the summary (entries without full content): half the bytes.
    body          TEXT,
    authors       TEXT NOT NULL DEFAULT '[]',
    categories    TEXT NOT NULL DEFAULT '[]',
    published     INTEGER NOT NULL,
    updated       INTEGER,
    content_hash  TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX items_feed ON items(feed_id);
CREATE INDEX items_published ON items(published);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- Internal counters, apart from meta so no caller can overwrite them. 'seq' is the highest
-- item seq ever given: seqs are never reused, even if items are deleted one day.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) STRICT;
INSERT INTO counters (name, value) VALUES ('seq', 0);
"#,
    // 2: subscriptions.
    r#"
-- AUTOINCREMENT: an id is never reused, so the digest ledger's records of a removed
-- subscription can never be mistaken for a new one's.
CREATE TABLE subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email           TEXT NOT NULL,
    -- email lowercased (in Rust, Unicode-aware; NOCASE folds ASCII only): one subscription
    -- per address, case-insensitively.
    email_key       TEXT NOT NULL UNIQUE,
    name            TEXT,
    topics          TEXT NOT NULL DEFAULT '[]',
    query           TEXT,
    -- Canonical schedule text (`daily`, `0 7 * * 1-5`, …) and IANA zone name.
    schedule        TEXT NOT NULL,
    tz              TEXT NOT NULL,
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    created_at      INTEGER NOT NULL,
    -- End of the last window whose digest was accepted; NULL until the first.
    last_window_end INTEGER
) STRICT;
"#,
    // 3: the digest ledger.
    r#"
-- One row per digest, written before it is sent. A subscription's window advances only in
-- the same transaction that marks its digest sent. Rows outlive their subscription (the
-- recipient is kept here): they are the audit trail of what was sent to whom.
CREATE TABLE digests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    subscription_id INTEGER REFERENCES subscriptions(id) ON DELETE SET NULL,
    recipient       TEXT NOT NULL,
    window_start    INTEGER,
    window_end      INTEGER NOT NULL,
    item_ids        TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    last_attempt_at INTEGER,
    next_attempt_at INTEGER,
    sent_at         INTEGER,
    -- The mail server's last reply (or the transport's error).
    reply           TEXT,
    -- What was (or will be) sent, so that a retry sends exactly the same message.
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL
) STRICT;
CREATE INDEX digests_subscription ON digests(subscription_id, status);
CREATE INDEX digests_recipient ON digests(recipient);
-- Digest windows select items by when they were first stored.
CREATE INDEX items_first_seen ON items(first_seen_at);
"#,
    // 4: item topics: the topics each item matched when it was last indexed, replaced whenever
    // the item is (re)indexed. Keyed by the item's seq, not its id: seqs grow, so rows are
    // appended at the end of both b-trees (random item ids made tagging cost as much as
    // storing). An in-place update gives the item a new seq; the cascade carries its rows
    // along until the indexer re-tags it.
    r#"
CREATE TABLE item_topics (
    seq   INTEGER NOT NULL REFERENCES items(seq) ON UPDATE CASCADE ON DELETE CASCADE,
    topic TEXT NOT NULL,
    PRIMARY KEY (seq, topic)
) STRICT, WITHOUT ROWID;
CREATE INDEX item_topics_topic ON item_topics(topic, seq);
"#,
    // 5: when the daemon polls each feed next, so a restart resumes the schedule instead of
    // polling everything at once.
    r#"
ALTER TABLE feeds ADD COLUMN next_poll_at INTEGER;
"#,
    // 6: what extraction found in each item, written by the indexer like item_topics: its
    // document kind and story cluster, its thread identifiers (one row each, so items sharing
    // one are found by index) and its deadlines and event dates (found by date).
    r#"
ALTER TABLE feeds ADD COLUMN document_kind TEXT;
CREATE TABLE item_facts (
    seq       INTEGER PRIMARY KEY NOT NULL
              REFERENCES items(seq) ON UPDATE CASCADE ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    -- The item id of the story's first report (the item's own when it is the first).
    cluster   TEXT NOT NULL
) STRICT;
CREATE INDEX item_facts_cluster ON item_facts(cluster);
CREATE TABLE item_idents (
    -- `type:value`, as the index's ident field holds it.
    ident TEXT NOT NULL,
    seq   INTEGER NOT NULL REFERENCES items(seq) ON UPDATE CASCADE ON DELETE CASCADE,
    PRIMARY KEY (ident, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX item_idents_seq ON item_idents(seq);
-- Deadlines and event dates (YYYY-MM-DD), found by date for "closing soon".
CREATE TABLE item_dates (
    what TEXT NOT NULL CHECK (what IN ('deadline', 'event')),
    date TEXT NOT NULL,
    seq  INTEGER NOT NULL REFERENCES items(seq) ON UPDATE CASCADE ON DELETE CASCADE,
    PRIMARY KEY (what, date, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX item_dates_seq ON item_dates(seq);
"#,
    // 7: the unsubscribe ledger. The subscription row is deleted in the same transaction, so
    // its id and address are copied here: who left, when, and how.
    r#"
CREATE TABLE unsubscribes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    subscription_id INTEGER NOT NULL,
    email           TEXT NOT NULL,
    at              INTEGER NOT NULL,
    via             TEXT NOT NULL CHECK (via IN ('one-click', 'page', 'cli'))
) STRICT;
CREATE INDEX unsubscribes_email ON unsubscribes(lower(email));
"#,
    // 8: source health (src/sources.rs): each feed's last assessed state and since when, every
    // change of state, which the operator digest reports, and when its newest item arrived
    // (its date, or when first stored if earlier), kept by each fetch so that assessing every
    // feed does not scan every item.
    r#"
ALTER TABLE feeds ADD COLUMN health TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE feeds ADD COLUMN health_since INTEGER;
ALTER TABLE feeds ADD COLUMN last_arrival INTEGER;
UPDATE feeds SET last_arrival =
    (SELECT MAX(MIN(published, first_seen_at)) FROM items WHERE items.feed_id = feeds.id);
CREATE TABLE feed_state_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    feed_id    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    last_error TEXT
) STRICT;
CREATE INDEX feed_state_changes_at ON feed_state_changes(at);
"#,
];

/// The schema version this build writes and reads.
pub(super) fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the database up to [`current_version`], one transaction per step; refuses a
/// database from a newer govwatch.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_owned(),
        source: Box::new(source),
    };
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(open_err)?;
        // Read under the write lock, so two processes opening a fresh file at once cannot
        // both apply the same step.
        let version = user_version(&tx).map_err(open_err)?;
        if version > current_version() {
            return Err(StoreError::SchemaTooNew {
                path: path.to_owned(),
                found: version,
                supported: current_version(),
            });
        }
        if version == current_version() {
            return Ok(());
        }
        if version < 0 {
            return Err(StoreError::Corrupt {
                path: path.to_owned(),
                column: "PRAGMA user_version",
                detail: format!("negative schema version {version}"),
            });
        }
        let next = version + 1;
        let migrate_err = |source| StoreError::Migrate {
            path: path.to_owned(),
            version: next,
            source: Box::new(source),
        };
        // `version` is in 0..MIGRATIONS.len() here, so the index is in bounds.
        tx.execute_batch(MIGRATIONS[version as usize])
            .map_err(migrate_err)?;
        tx.pragma_update(None, "user_version", next)
            .map_err(migrate_err)?;
        tx.commit().map_err(migrate_err)?;
    }
}
