//! The store's record of what extraction found in each item (`item_facts`, `item_idents`):
//! written by the indexer as it stages items, beside their topics, and read by digests (the
//! "closing soon" section, clusters, threads) and by the clusterer when it starts.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{TransactionBehavior, params};

use super::{Store, StoreError, micros};
use crate::extract::{Extracted, Kind};
use crate::model::StoredItem;

/// What a digest needs to know of an item beyond its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFacts {
    pub kind: Kind,
    /// The item id of its story's first report.
    pub cluster: String,
    pub deadlines: Vec<NaiveDate>,
    pub events: Vec<NaiveDate>,
}

/// An item whose deadline is near.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingSoon {
    pub item_id: String,
    pub title: String,
    pub url: Option<String>,
    pub feed_title: String,
    pub deadline: NaiveDate,
}

/// An earlier item of the same thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadItem {
    pub item_id: String,
    pub title: String,
    /// The identifier the two share (`type:value`).
    pub ident: String,
}

impl Store {
    /// Records each `(seq, facts)` pair (the item's current seq, as [`Store::items_after`]
    /// gave it), replacing what was recorded for that item before, in one transaction. Only
    /// identifiers that tie a thread are kept as rows.
    pub fn set_item_facts(&mut self, facts: &[(u64, &Extracted)]) -> Result<(), StoreError> {
        self.check_writable("record item facts")?;
        let path = self.path.as_path();
        let err = |action, source| super::sql_err(path, action, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| err("start a transaction", e))?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO item_facts (seq, kind, cluster)
                     SELECT ?1, ?2, COALESCE(?3, item_id) FROM items WHERE seq = ?1
                     ON CONFLICT (seq) DO UPDATE SET kind = excluded.kind,
                       cluster = excluded.cluster",
                )
                .map_err(|e| err("prepare the item facts insert", e))?;
            let mut clear = tx
                .prepare_cached("DELETE FROM item_idents WHERE seq = ?1")
                .map_err(|e| err("prepare the identifiers delete", e))?;
            let mut clear_dates = tx
                .prepare_cached("DELETE FROM item_dates WHERE seq = ?1")
                .map_err(|e| err("prepare the dates delete", e))?;
            let mut date = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO item_dates (what, date, seq) VALUES (?1, ?2, ?3)",
                )
                .map_err(|e| err("prepare the dates insert", e))?;
            let mut ident = tx
                .prepare_cached("INSERT OR IGNORE INTO item_idents (ident, seq) VALUES (?1, ?2)")
                .map_err(|e| err("prepare the identifiers insert", e))?;
            for (seq, facts) in facts {
                let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
                upsert
                    .execute(params![seq, facts.kind.name(), facts.cluster])
                    .map_err(|e| err("record an item's facts", e))?;
                clear_dates
                    .execute([seq])
                    .map_err(|e| err("clear an item's dates", e))?;
                let dated = (facts.deadlines.iter().map(|d| ("deadline", d)))
                    .chain(facts.events.iter().map(|d| ("event", d)));
                for (what, day) in dated {
                    date.execute(params![what, day_text(*day), seq])
                        .map_err(|e| err("record an item's date", e))?;
                }
                clear
                    .execute([seq])
                    .map_err(|e| err("clear an item's identifiers", e))?;
                for id in facts.strong_identifiers() {
                    ident
                        .execute(params![crate::index::ident_term(id), seq])
                        .map_err(|e| err("record an item's identifier", e))?;
                }
            }
        }
        tx.commit().map_err(|e| err("commit item facts", e))
    }

    /// The facts recorded for an item; `None` before the indexer has seen it.
    pub fn item_facts(&self, item_id: &str) -> Result<Option<ItemFacts>, StoreError> {
        let action = "read an item's facts";
        let row = self
            .conn
            .prepare_cached(
                "SELECT f.kind, f.cluster,
                   (SELECT json_group_array(date) FROM item_dates d
                    WHERE d.seq = i.seq AND d.what = 'deadline'),
                   (SELECT json_group_array(date) FROM item_dates d
                    WHERE d.seq = i.seq AND d.what = 'event')
                 FROM items i JOIN item_facts f ON f.seq = i.seq WHERE i.item_id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([item_id], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                })
            });
        let (kind, cluster, deadlines, events) = match row {
            Ok(row) => row,
            Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(None),
            Err(e) => return Err(self.sql_err(action, e)),
        };
        Ok(Some(ItemFacts {
            kind: self.kind(&kind)?,
            cluster,
            deadlines: self.dates(&deadlines, "item_dates.date")?,
            events: self.dates(&events, "item_dates.date")?,
        }))
    }

    /// The items of the clusterer's window as it stood after the item with seq `up_to` (the
    /// items first seen within [`crate::cluster::WINDOW`] of it, at most
    /// [`crate::cluster::MAX_WINDOW_ITEMS`] of them), in store order, with their
    /// recorded cluster: how an indexer resumes clustering where the last one stopped.
    pub fn cluster_window(&self, up_to: u64) -> Result<Vec<(StoredItem, String)>, StoreError> {
        let action = "read the clusters of recent items";
        let up_to = i64::try_from(up_to).unwrap_or(i64::MAX);
        let window = crate::cluster::WINDOW
            .num_microseconds()
            .unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.seq, i.item_id, i.feed_id, i.guid, i.url, i.title, i.summary, i.body,
                        i.authors, i.categories, i.published, i.updated, i.content_hash,
                        COALESCE(f.title, f.feed_title), f.tags, f.document_kind,
                        i.first_seen_at, x.cluster
                 FROM items i JOIN feeds f ON f.id = i.feed_id
                      JOIN item_facts x ON x.seq = i.seq
                 WHERE i.seq <= ?1
                   AND i.first_seen_at >= (SELECT MAX(first_seen_at) FROM items
                                           WHERE seq <= ?1) - ?2
                 ORDER BY i.seq DESC
                 LIMIT ?3",
            )
            .map_err(|e| self.sql_err(action, e))?;
        let most = crate::cluster::MAX_WINDOW_ITEMS as i64;
        let rows = stmt
            .query_map(params![up_to, window, most], |row| {
                Ok((super::RawItem::from_row(row)?, row.get::<_, String>(17)?))
            })
            .map_err(|e| self.sql_err(action, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (raw, cluster) = row.map_err(|e| self.sql_err(action, e))?;
            out.push((self.stored_item(raw)?, cluster));
        }
        // Read newest first for the limit; the clusterer takes them in store order.
        out.reverse();
        Ok(out)
    }

    /// The latest item before `item_id` that shares a thread identifier with it and that an
    /// earlier digest of `subscription_id` carried (so the subscriber knows it), first stored
    /// before `before`.
    pub fn thread_received(
        &self,
        subscription_id: i64,
        item_id: &str,
        before: DateTime<Utc>,
    ) -> Result<Option<ThreadItem>, StoreError> {
        let action = "look up an item's thread";
        let row = self
            .conn
            .prepare_cached(
                "SELECT e.item_id, e.title, b.ident
                 FROM items i JOIN item_idents a ON a.seq = i.seq
                      JOIN item_idents b ON b.ident = a.ident AND b.seq <> a.seq
                      JOIN items e ON e.seq = b.seq
                 WHERE i.item_id = ?1 AND e.first_seen_at < ?3
                   AND EXISTS (SELECT 1 FROM digests d, json_each(d.item_ids) j
                               WHERE d.subscription_id = ?2 AND d.status = 'sent'
                                 AND j.value = e.item_id)
                 ORDER BY e.first_seen_at DESC LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![item_id, subscription_id, micros(before)], |row| {
                    Ok(ThreadItem {
                        item_id: row.get(0)?,
                        title: row.get(1)?,
                        ident: row.get(2)?,
                    })
                })
            });
        match row {
            Ok(thread) => Ok(Some(thread)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(self.sql_err(action, e)),
        }
    }

    fn kind(&self, name: &str) -> Result<Kind, StoreError> {
        Kind::parse(name).ok_or_else(|| StoreError::Corrupt {
            path: self.path.clone(),
            column: "item_facts.kind",
            detail: format!("{name:?} is not a document kind"),
        })
    }

    fn dates(&self, json: &str, column: &'static str) -> Result<Vec<NaiveDate>, StoreError> {
        let texts: Vec<String> = serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            column,
            detail: e.to_string(),
        })?;
        let mut days = texts
            .iter()
            .map(|t| self.day(t, column))
            .collect::<Result<Vec<_>, _>>()?;
        days.sort_unstable();
        Ok(days)
    }

    pub(super) fn day(&self, text: &str, column: &'static str) -> Result<NaiveDate, StoreError> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            column,
            detail: format!("{text:?}: {e}"),
        })
    }

    /// Items with a deadline in `[from, to]` that matched any of `topics` at ingest, soonest
    /// first (at most `limit`): a digest's "closing soon" section.
    pub fn closing_soon(
        &self,
        topics: &[String],
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<ClosingSoon>, StoreError> {
        let action = "read items closing soon";
        if topics.is_empty() {
            return Ok(Vec::new());
        }
        let topics_json = super::json_list(topics);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT i.item_id, i.title, i.url, COALESCE(f.title, f.feed_title, i.feed_id),
                        MIN(d.date)
                 FROM item_dates d JOIN items i ON i.seq = d.seq
                      JOIN feeds f ON f.id = i.feed_id
                 WHERE d.what = 'deadline' AND d.date BETWEEN ?1 AND ?2
                   AND EXISTS (SELECT 1 FROM item_topics t, json_each(?3) w
                               WHERE t.seq = i.seq AND t.topic = w.value)
                 GROUP BY i.seq
                 ORDER BY MIN(d.date), i.seq LIMIT ?4",
            )
            .map_err(|e| self.sql_err(action, e))?;
        let rows = stmt
            .query_map(
                params![
                    day_text(from),
                    day_text(to),
                    topics_json,
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                    ))
                },
            )
            .map_err(|e| self.sql_err(action, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (item_id, title, url, feed_title, deadline) =
                row.map_err(|e| self.sql_err(action, e))?;
            out.push(ClosingSoon {
                item_id,
                title,
                url,
                feed_title,
                deadline: self.day(&deadline, "item_dates.date")?,
            });
        }
        Ok(out)
    }
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}
