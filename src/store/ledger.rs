//! The `store`'s digest ledger: every digest is recorded before it is sent and marked sent
//! (advancing its subscription's window, in the same transaction) only after the mail server
//! accepted it. A crash or an outage leaves a `pending` row, which is retried with the same
//! Message-ID; nothing is lost, and an accepted digest is never re-sent once marked.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use super::{Store, StoreError, micros, sql_err};

/// The state of a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestStatus {
    /// Recorded; not (yet) accepted by the mail server.
    Pending,
    /// Accepted by the mail server.
    Sent,
    /// Refused for good (a 5xx); its items go into the next digest.
    Failed,
}

impl DigestStatus {
    fn as_str(self) -> &'static str {
        match self {
            DigestStatus::Pending => "pending",
            DigestStatus::Sent => "sent",
            DigestStatus::Failed => "failed",
        }
    }
}

/// A digest about to be sent.
#[derive(Debug, Clone)]
pub struct NewDigest<'a> {
    pub subscription_id: i64,
    pub recipient: &'a str,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: DateTime<Utc>,
    pub item_ids: &'a [Arc<str>],
    pub subject: &'a str,
    pub message_id: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
}

/// A subscription with a pending digest, and when it may be retried (`None`: now).
pub type PendingRetry = (i64, Option<DateTime<Utc>>);

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestRecord {
    pub id: i64,
    /// `None` once the subscription was removed.
    pub subscription_id: Option<i64>,
    pub recipient: String,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: DateTime<Utc>,
    pub item_ids: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub status: DigestStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub reply: Option<String>,
    #[serde(skip)]
    pub text_body: String,
    #[serde(skip)]
    pub html_body: String,
}

const COLUMNS: &str = "id, subscription_id, recipient, window_start, window_end, item_ids, \
                       subject, message_id, status, attempts, created_at, last_attempt_at, \
                       next_attempt_at, sent_at, reply, text_body, html_body";

/// Longest server reply kept: enough for any SMTP reply, bounded against a hostile server.
const MAX_REPLY_BYTES: usize = 2048;

impl Store {
    /// Records a digest as pending, before it is sent. Returns `None`, recording nothing,
    /// when another digest of the subscription is already pending or its window no longer
    /// starts at `window_start` (another govwatch process, say `digest send` beside the
    /// daemon, got there first): one statement checks and inserts, so two senders can never
    /// both record, and so never both send, the same window.
    pub fn record_digest(
        &mut self,
        new: &NewDigest<'_>,
    ) -> Result<Option<DigestRecord>, StoreError> {
        self.check_writable("record a digest")?;
        let now = Utc::now();
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO digests (subscription_id, recipient, window_start, window_end,
                   item_ids, subject, message_id, status, created_at, text_body, html_body)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?10
                 WHERE NOT EXISTS (SELECT 1 FROM digests
                                   WHERE subscription_id = ?1 AND status = 'pending')
                   AND (?3 IS NULL OR EXISTS (
                         SELECT 1 FROM subscriptions
                         WHERE id = ?1 AND COALESCE(last_window_end, created_at) = ?3))",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    new.subscription_id,
                    new.recipient,
                    new.window_start.map(micros),
                    micros(new.window_end),
                    super::json_list(new.item_ids),
                    new.subject,
                    new.message_id,
                    micros(now),
                    new.text_body,
                    new.html_body,
                ])
            })
            .map_err(|e| sql_err(&self.path, "record a digest", e))?;
        if inserted == 0 {
            return Ok(None);
        }
        let id = self.conn.last_insert_rowid();
        let record = self.digest(id)?.ok_or_else(|| StoreError::Corrupt {
            path: self.path.clone(),
            column: "digests.id",
            detail: format!("digest {id} vanished right after it was recorded"),
        })?;
        Ok(Some(record))
    }

    /// The subscription's digest still waiting to be accepted, if any: it must be retried
    /// (same window, same Message-ID) before a new one is made.
    pub fn pending_digest(&self, subscription_id: i64) -> Result<Option<DigestRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM digests WHERE subscription_id = ?1 AND status = 'pending'
             ORDER BY id LIMIT 1"
        );
        let raw = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_row([subscription_id], RawDigest::from_row)
                    .optional()
            })
            .map_err(|e| sql_err(&self.path, "read a pending digest", e))?;
        raw.map(|r| self.digest_from(r)).transpose()
    }

    /// Each subscription with a pending digest, and when it may be retried (`None`: now);
    /// the daemon's cheap look at what is due, without the bodies.
    pub fn pending_retries(&self) -> Result<Vec<PendingRetry>, StoreError> {
        let action = "read pending digests";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT subscription_id, next_attempt_at FROM digests
                 WHERE status = 'pending' AND subscription_id IS NOT NULL",
            )
            .map_err(|e| sql_err(&self.path, action, e))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Option<i64>>(1)?))
            })
            .map_err(|e| sql_err(&self.path, action, e))?;
        let mut out = Vec::new();
        for row in rows {
            let (sub, next) = row.map_err(|e| sql_err(&self.path, action, e))?;
            out.push((sub, self.opt_date(next, "digests.next_attempt_at")?));
        }
        Ok(out)
    }

    pub fn digest(&self, id: i64) -> Result<Option<DigestRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM digests WHERE id = ?1");
        let raw = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| stmt.query_row([id], RawDigest::from_row).optional())
            .map_err(|e| sql_err(&self.path, "read a digest", e))?;
        raw.map(|r| self.digest_from(r)).transpose()
    }

    /// Marks a digest accepted by the server and advances its subscription's window to the
    /// digest's end, in one transaction.
    pub fn mark_digest_sent(
        &mut self,
        id: i64,
        reply: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.check_writable("mark a digest sent")?;
        let path = self.path.clone();
        let err = |e| sql_err(&path, "mark a digest sent", e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let changed = tx
            .execute(
                "UPDATE digests SET status = 'sent', sent_at = ?2, last_attempt_at = ?2,
                   attempts = attempts + 1, next_attempt_at = NULL, reply = ?3
                 WHERE id = ?1 AND status = 'pending'",
                params![id, micros(at), crate::text::prefix(reply, MAX_REPLY_BYTES)],
            )
            .map_err(err)?;
        if changed == 0 {
            return Err(not_pending(&path, id));
        }
        tx.execute(
            "UPDATE subscriptions SET last_window_end = (SELECT window_end FROM digests WHERE id = ?1)
             WHERE id = (SELECT subscription_id FROM digests WHERE id = ?1)
               AND (last_window_end IS NULL
                    OR last_window_end < (SELECT window_end FROM digests WHERE id = ?1))",
            [id],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Records a failed attempt. With `retry_at`, the digest stays pending (a transient
    /// failure); without, it is marked failed for good and the window does not advance.
    pub fn mark_digest_attempt_failed(
        &mut self,
        id: i64,
        reply: &str,
        at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.check_writable("record a digest attempt")?;
        let status = match retry_at {
            Some(_) => DigestStatus::Pending,
            None => DigestStatus::Failed,
        };
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE digests SET status = ?2, attempts = attempts + 1, last_attempt_at = ?3,
                   next_attempt_at = ?4, reply = ?5
                 WHERE id = ?1 AND status = 'pending'",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    id,
                    status.as_str(),
                    micros(at),
                    retry_at.map(micros),
                    crate::text::prefix(reply, MAX_REPLY_BYTES)
                ])
            })
            .map_err(|e| sql_err(&self.path, "record a digest attempt", e))?;
        if changed == 0 {
            return Err(not_pending(&self.path, id));
        }
        Ok(())
    }

    /// The ledger, newest first; only one recipient's when `recipient` is given (compared
    /// case-insensitively).
    pub fn digest_log(
        &self,
        recipient: Option<&str>,
        limit: usize,
    ) -> Result<Vec<DigestRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM digests
             WHERE ?1 IS NULL OR lower(recipient) = lower(?1)
             ORDER BY id DESC LIMIT ?2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let raws = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_map(params![recipient, limit], RawDigest::from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| sql_err(&self.path, "read the digest log", e))?;
        raws.into_iter().map(|r| self.digest_from(r)).collect()
    }

    fn digest_from(&self, raw: RawDigest) -> Result<DigestRecord, StoreError> {
        let status = match raw.status.as_str() {
            "pending" => DigestStatus::Pending,
            "sent" => DigestStatus::Sent,
            "failed" => DigestStatus::Failed,
            other => {
                return Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    column: "digests.status",
                    detail: format!("unknown status {other:?}"),
                });
            }
        };
        Ok(DigestRecord {
            id: raw.id,
            subscription_id: raw.subscription_id,
            recipient: raw.recipient,
            window_start: self.opt_date(raw.window_start, "digests.window_start")?,
            window_end: self.date(raw.window_end, "digests.window_end")?,
            item_ids: self.parse_list(&raw.item_ids, "digests.item_ids")?,
            subject: raw.subject,
            message_id: raw.message_id,
            status,
            attempts: u32::try_from(raw.attempts).unwrap_or(u32::MAX),
            created_at: self.date(raw.created_at, "digests.created_at")?,
            last_attempt_at: self.opt_date(raw.last_attempt_at, "digests.last_attempt_at")?,
            next_attempt_at: self.opt_date(raw.next_attempt_at, "digests.next_attempt_at")?,
            sent_at: self.opt_date(raw.sent_at, "digests.sent_at")?,
            reply: raw.reply,
            text_body: raw.text_body,
            html_body: raw.html_body,
        })
    }
}

fn not_pending(path: &std::path::Path, id: i64) -> StoreError {
    StoreError::Corrupt {
        path: path.to_owned(),
        column: "digests.status",
        detail: format!("digest {id} is not pending (already sent or failed?)"),
    }
}

struct RawDigest {
    id: i64,
    subscription_id: Option<i64>,
    recipient: String,
    window_start: Option<i64>,
    window_end: i64,
    item_ids: String,
    subject: String,
    message_id: String,
    status: String,
    attempts: i64,
    created_at: i64,
    last_attempt_at: Option<i64>,
    next_attempt_at: Option<i64>,
    sent_at: Option<i64>,
    reply: Option<String>,
    text_body: String,
    html_body: String,
}

impl RawDigest {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<RawDigest> {
        Ok(RawDigest {
            id: row.get(0)?,
            subscription_id: row.get(1)?,
            recipient: row.get(2)?,
            window_start: row.get(3)?,
            window_end: row.get(4)?,
            item_ids: row.get(5)?,
            subject: row.get(6)?,
            message_id: row.get(7)?,
            status: row.get(8)?,
            attempts: row.get(9)?,
            created_at: row.get(10)?,
            last_attempt_at: row.get(11)?,
            next_attempt_at: row.get(12)?,
            sent_at: row.get(13)?,
            reply: row.get(14)?,
            text_body: row.get(15)?,
            html_body: row.get(16)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Via;
    use crate::subscriptions::{NewSubscription, SubscriptionInput};
    use crate::topics::DEFAULT_TOPIC_NAMES;
    use chrono::TimeZone;
    use tempfile::TempDir;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, hour, 0, 0).unwrap()
    }

    fn subscribed(store: &mut Store, email: &str) -> i64 {
        let new = NewSubscription::parse(
            &SubscriptionInput {
                email: email.to_owned(),
                topics: vec!["contracts".to_owned()],
                ..SubscriptionInput::default()
            },
            DEFAULT_TOPIC_NAMES,
        )
        .unwrap();
        store.add_subscription(&new).unwrap().id
    }

    fn digest<'a>(
        sub: i64,
        recipient: &'a str,
        ids: &'a [Arc<str>],
        mid: &'a str,
    ) -> NewDigest<'a> {
        NewDigest {
            subscription_id: sub,
            recipient,
            window_start: None,
            window_end: at(7),
            item_ids: ids,
            subject: "govwatch: 2 new items (contracts 2)",
            message_id: mid,
            text_body: "text",
            html_body: "<p>html</p>",
        }
    }

    #[test]
    fn a_digest_is_pending_until_accepted_and_acceptance_advances_the_window() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let sub = subscribed(&mut store, "ann@example.gov");
        let ids: Vec<Arc<str>> = vec!["i1".into(), "i2".into()];
        let d = store
            .record_digest(&digest(sub, "ann@example.gov", &ids, "<m1@govwatch>"))
            .unwrap()
            .unwrap();
        assert_eq!(d.status, DigestStatus::Pending);
        // While it is pending, no second digest can be recorded (another sender raced us).
        assert!(
            store
                .record_digest(&digest(sub, "ann@example.gov", &ids, "<m9@govwatch>"))
                .unwrap()
                .is_none()
        );
        assert_eq!(d.item_ids, ["i1", "i2"]);
        assert_eq!(store.pending_digest(sub).unwrap().unwrap().id, d.id);

        // A transient failure keeps it pending with a retry time; the window stays.
        store
            .mark_digest_attempt_failed(d.id, "connection refused", at(7), Some(at(8)))
            .unwrap();
        let again = store.pending_digest(sub).unwrap().unwrap();
        assert_eq!((again.attempts, again.next_attempt_at), (1, Some(at(8))));
        assert_eq!(
            store
                .subscription("ann@example.gov")
                .unwrap()
                .unwrap()
                .last_window_end,
            None
        );

        store
            .mark_digest_sent(d.id, "250 2.0.0 Ok: queued", at(8))
            .unwrap();
        let sent = store.digest(d.id).unwrap().unwrap();
        assert_eq!(sent.status, DigestStatus::Sent);
        assert_eq!(sent.attempts, 2);
        assert_eq!(sent.reply.as_deref(), Some("250 2.0.0 Ok: queued"));
        assert_eq!(sent.sent_at, Some(at(8)));
        assert!(store.pending_digest(sub).unwrap().is_none());
        assert_eq!(
            store
                .subscription("ann@example.gov")
                .unwrap()
                .unwrap()
                .last_window_end,
            Some(at(7))
        );
        // Marking it again is refused: an accepted digest is never "sent" twice.
        assert!(store.mark_digest_sent(d.id, "250", at(9)).is_err());
        // A window that no longer starts where the last one ended is refused.
        let mut stale = digest(sub, "ann@example.gov", &ids, "<m3@govwatch>");
        stale.window_start = Some(at(1));
        assert!(store.record_digest(&stale).unwrap().is_none());
        let mut next = digest(sub, "ann@example.gov", &ids, "<m4@govwatch>");
        next.window_start = Some(at(7));
        assert!(store.record_digest(&next).unwrap().is_some());
        assert!(
            store
                .mark_digest_attempt_failed(d.id, "x", at(9), None)
                .is_err()
        );
    }

    #[test]
    fn a_permanent_failure_is_recorded_and_does_not_advance_the_window() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let sub = subscribed(&mut store, "bob@example.gov");
        let ids: Vec<Arc<str>> = vec!["i1".into()];
        let d = store
            .record_digest(&digest(sub, "bob@example.gov", &ids, "<m2@govwatch>"))
            .unwrap()
            .unwrap();
        store
            .mark_digest_attempt_failed(d.id, "550 5.1.1 no such user", at(7), None)
            .unwrap();
        let failed = store.digest(d.id).unwrap().unwrap();
        assert_eq!(failed.status, DigestStatus::Failed);
        assert_eq!(failed.reply.as_deref(), Some("550 5.1.1 no such user"));
        assert!(store.pending_digest(sub).unwrap().is_none());
        assert_eq!(
            store
                .subscription("bob@example.gov")
                .unwrap()
                .unwrap()
                .last_window_end,
            None
        );
    }

    #[test]
    fn the_log_filters_by_recipient_and_outlives_the_subscription() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let ann = subscribed(&mut store, "ann@example.gov");
        let bob = subscribed(&mut store, "bob@example.gov");
        let ids: Vec<Arc<str>> = vec!["i1".into()];
        store
            .record_digest(&digest(ann, "ann@example.gov", &ids, "<a@g>"))
            .unwrap();
        store
            .record_digest(&digest(bob, "bob@example.gov", &ids, "<b@g>"))
            .unwrap();
        assert_eq!(store.digest_log(None, 10).unwrap().len(), 2);
        let anns = store.digest_log(Some("ANN@example.gov"), 10).unwrap();
        assert_eq!(anns.len(), 1);
        assert_eq!(anns[0].message_id, "<a@g>");
        // A duplicate Message-ID is refused: it identifies one digest.
        let cy = subscribed(&mut store, "cy@example.gov");
        assert!(
            store
                .record_digest(&digest(cy, "cy@example.gov", &ids, "<a@g>"))
                .is_err()
        );

        assert!(store.remove_subscription("ann@example.gov").unwrap());
        let kept = store.digest_log(Some("ann@example.gov"), 10).unwrap();
        assert_eq!(kept.len(), 1, "the audit trail stays");
        assert_eq!(kept[0].subscription_id, None);
    }

    #[test]
    fn unsubscribing_cancels_unsent_digests_and_is_recorded_once() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let ann = subscribed(&mut store, "Ann@example.gov");
        let bob = subscribed(&mut store, "bob@example.gov");
        let ids: Vec<Arc<str>> = vec!["i1".into()];
        let pending = store
            .record_digest(&digest(ann, "Ann@example.gov", &ids, "<u1@g>"))
            .unwrap()
            .unwrap();

        let left = store.unsubscribe(ann, Via::OneClick, at(9)).unwrap();
        assert_eq!(left.as_deref(), Some("Ann@example.gov"));
        assert_eq!(store.unsubscribe(ann, Via::Page, at(10)).unwrap(), None);
        assert!(store.subscription("ann@example.gov").unwrap().is_none());
        assert!(store.subscription("bob@example.gov").unwrap().is_some());
        let cancelled = store.digest(pending.id).unwrap().unwrap();
        assert_eq!(cancelled.status, DigestStatus::Failed);
        assert!(store.pending_retries().unwrap().is_empty());

        assert!(store.remove_subscription("BOB@example.gov").unwrap());
        let log = store.unsubscribe_log(None, 10).unwrap();
        let got: Vec<(i64, &str, &str)> = log
            .iter()
            .map(|u| (u.subscription_id, u.email.as_str(), u.via.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (bob, "bob@example.gov", "cli"),
                (ann, "Ann@example.gov", "one-click")
            ]
        );
        assert_eq!(log[1].at, at(9));
        assert_eq!(
            store
                .unsubscribe_log(Some("ann@EXAMPLE.gov"), 10)
                .unwrap()
                .len(),
            1
        );
    }
}
