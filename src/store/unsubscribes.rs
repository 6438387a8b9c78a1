//! Leaving: a subscription is deleted, its unsent digests are cancelled, and the departure is
//! recorded, in one transaction. One-click links, the unsubscribe page and
//! `govwatch subscribers remove` all come through here.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::{Store, StoreError, micros, sql_err};

/// How a subscriber left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A mail provider's RFC 8058 POST.
    OneClick,
    /// The confirm button on the unsubscribe page.
    Page,
    /// An operator's `govwatch subscribers remove`.
    Cli,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::OneClick => "one-click",
            Via::Page => "page",
            Via::Cli => "cli",
        }
    }
}

/// One departure, as the ledger keeps it. Field names are an interface (`--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unsubscribed {
    pub subscription_id: i64,
    pub email: String,
    pub at: DateTime<Utc>,
    pub via: String,
}

impl Store {
    /// Removes subscription `id` and records how. Its pending digests are marked failed (they
    /// must not go out after the subscriber left). `None` when there is no such subscription
    /// (already gone: a repeated click is not an error).
    pub fn unsubscribe(
        &mut self,
        id: i64,
        via: Via,
        at: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        self.check_writable("unsubscribe")?;
        let path = self.path.clone();
        let err = |e| sql_err(&path, "unsubscribe", e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let email: Option<String> = tx
            .query_row("SELECT email FROM subscriptions WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(err)?;
        let Some(email) = email else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE digests SET status = 'failed', next_attempt_at = NULL,
               reply = 'not sent: the subscriber unsubscribed'
             WHERE subscription_id = ?1 AND status = 'pending'",
            [id],
        )
        .map_err(err)?;
        tx.execute("DELETE FROM subscriptions WHERE id = ?1", [id])
            .map_err(err)?;
        tx.execute(
            "INSERT INTO unsubscribes (subscription_id, email, at, via) VALUES (?1, ?2, ?3, ?4)",
            params![id, email, micros(at), via.as_str()],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(email))
    }

    /// The address of subscription `id`, if it still exists.
    pub fn subscription_email(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT email FROM subscriptions WHERE id = ?1")
            .and_then(|mut stmt| stmt.query_row([id], |r| r.get(0)).optional())
            .map_err(|e| sql_err(&self.path, "read a subscription", e))
    }

    /// Departures, newest first; only `email`'s when given (compared case-insensitively).
    pub fn unsubscribe_log(
        &self,
        email: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Unsubscribed>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let raws = self
            .conn
            .prepare_cached(
                "SELECT subscription_id, email, at, via FROM unsubscribes
                 WHERE ?1 IS NULL OR lower(email) = lower(?1)
                 ORDER BY id DESC LIMIT ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![email, limit], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| sql_err(&self.path, "read the unsubscribe log", e))?;
        raws.into_iter()
            .map(|(subscription_id, email, at, via)| {
                Ok(Unsubscribed {
                    subscription_id,
                    email,
                    at: self.date(at, "unsubscribes.at")?,
                    via,
                })
            })
            .collect()
    }
}
