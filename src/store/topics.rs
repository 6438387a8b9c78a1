//! The store's record of which topics each item matched (`item_topics`), written by the
//! indexer as it stages items (see `pipeline::Indexer`) and read by `govwatch topics` and the
//! digests.

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

use super::{Store, StoreError, micros};

/// How many items one topic holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicCount {
    pub topic: String,
    pub total: u64,
    /// Items published at or after the `since` instant asked for.
    pub recent: u64,
}

impl Store {
    /// Records the topics of each `(seq, topics)` pair (the item's current seq, as
    /// [`Store::items_after`] gave it), replacing what was recorded for that item before, in
    /// one transaction. A seq that no item has is an error.
    pub fn set_item_topics(&mut self, tagged: &[(u64, &[String])]) -> Result<(), StoreError> {
        self.check_writable("record item topics")?;
        let path = self.path.as_path();
        let err = |action, source| super::sql_err(path, action, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| err("start a transaction", e))?;
        {
            let mut delete = tx
                .prepare_cached("DELETE FROM item_topics WHERE seq = ?1")
                .map_err(|e| err("prepare the item topics delete", e))?;
            let mut insert = tx
                .prepare_cached("INSERT OR IGNORE INTO item_topics (seq, topic) VALUES (?1, ?2)")
                .map_err(|e| err("prepare the item topics insert", e))?;
            for (seq, topics) in tagged {
                let seq = i64::try_from(*seq).unwrap_or(i64::MAX);
                delete
                    .execute([seq])
                    .map_err(|e| err("clear an item's topics", e))?;
                for topic in *topics {
                    insert
                        .execute(params![seq, topic])
                        .map_err(|e| err("record an item's topic", e))?;
                }
            }
        }
        tx.commit().map_err(|e| err("commit item topics", e))
    }

    /// The topics recorded for an item, by name.
    pub fn item_topics(&self, item_id: &str) -> Result<Vec<String>, StoreError> {
        let action = "read an item's topics";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.topic FROM items i JOIN item_topics t ON t.seq = i.seq
                 WHERE i.item_id = ?1 ORDER BY t.topic",
            )
            .map_err(|e| self.sql_err(action, e))?;
        let rows = stmt
            .query_map([item_id], |row| row.get(0))
            .map_err(|e| self.sql_err(action, e))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| self.sql_err(action, e))
    }

    /// Every topic that holds at least one item, by name, with its number of items and of
    /// those published at or after `since`.
    pub fn topic_counts(&self, since: DateTime<Utc>) -> Result<Vec<TopicCount>, StoreError> {
        let action = "count items per topic";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.topic, COUNT(*), COALESCE(SUM(i.published >= ?1), 0)
                 FROM item_topics t JOIN items i ON i.seq = t.seq
                 GROUP BY t.topic ORDER BY t.topic",
            )
            .map_err(|e| self.sql_err(action, e))?;
        let rows = stmt
            .query_map([micros(since)], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.sql_err(action, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (topic, total, recent) = row.map_err(|e| self.sql_err(action, e))?;
            out.push(TopicCount {
                topic,
                total: self.unsigned(total, "item_topics count")?,
                recent: self.unsigned(recent, "item_topics count")?,
            });
        }
        Ok(out)
    }
}
