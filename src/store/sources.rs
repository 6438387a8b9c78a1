//! Source health in the store: the signals [`crate::sources::assess`] needs, read for every
//! feed in two queries (the dates of the last 30 days' items, and the feeds table), and the
//! states it reaches, kept with the changes between them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

use super::{Store, StoreError, micros, sql_err};
use crate::sources::{self, Assessment, CADENCE_WINDOW, Signals, State};

/// One feed's health now. Field names are an interface (`feeds list --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    pub feed_id: String,
    #[serde(flatten)]
    pub assessment: Assessment,
    /// Since when the feed has been in this state (as far as the store knows).
    pub since: Option<DateTime<Utc>>,
    /// The state last recorded, when it differs.
    #[serde(skip)]
    pub was: Option<State>,
    #[serde(skip)]
    pub last_error: Option<String>,
}

/// A recorded change of state, as the operator digest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateChange {
    pub feed_id: String,
    pub title: Option<String>,
    pub at: DateTime<Utc>,
    pub from: State,
    pub to: State,
    pub last_error: Option<String>,
}

impl Store {
    /// Every feed's health at `now` (only those in `feeds`, when given). Reads only.
    pub fn source_health(
        &self,
        now: DateTime<Utc>,
        feeds: Option<&[&str]>,
    ) -> Result<Vec<SourceStatus>, StoreError> {
        let action = "read source health";
        let err = |e| sql_err(&self.path, action, e);
        let mut dates: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT feed_id, published FROM items WHERE published >= ?1 AND published <= ?2",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map(params![micros(now - CADENCE_WINDOW), micros(now)], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
                .map_err(err)?;
            for row in rows {
                let (feed, at) = row.map_err(err)?;
                let at = self.date(at, "items.published")?;
                dates.entry(feed).or_default().push(at);
            }
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, consecutive_errors, last_error_kind, last_error, health, health_since,
                        last_arrival
                 FROM feeds ORDER BY id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, errors, kind, last_error, stored, since, last_arrival) = row.map_err(err)?;
            if feeds.is_some_and(|f| !f.contains(&id.as_str())) {
                continue;
            }
            let stored =
                State::parse(&stored).ok_or_else(|| self.corrupt("feeds.health", stored))?;
            let signals = Signals {
                consecutive_errors: self.error_count(errors)?,
                last_error_kind: kind,
                last_new_at: self.opt_date(last_arrival, "feeds.last_arrival")?,
                recent_dates: dates.remove(&id).unwrap_or_default(),
            };
            let assessment = sources::assess(&signals, now);
            let changed = assessment.state != stored;
            out.push(SourceStatus {
                feed_id: id,
                since: if changed {
                    Some(now)
                } else {
                    self.opt_date(since, "feeds.health_since")?
                },
                was: changed.then_some(stored),
                assessment,
                last_error,
            });
        }
        Ok(out)
    }

    /// [`Store::source_health`], recording each change of state. Returns every feed's status;
    /// those that changed have `was` set.
    pub fn update_source_health(
        &mut self,
        now: DateTime<Utc>,
        feeds: Option<&[&str]>,
    ) -> Result<Vec<SourceStatus>, StoreError> {
        let statuses = self.source_health(now, feeds)?;
        if statuses.iter().all(|s| s.was.is_none()) {
            return Ok(statuses);
        }
        self.check_writable("record source health")?;
        let path = self.path.clone();
        let err = |e| sql_err(&path, "record source health", e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        for s in statuses.iter() {
            let Some(was) = s.was else { continue };
            tx.execute(
                "UPDATE feeds SET health = ?2, health_since = ?3 WHERE id = ?1",
                params![s.feed_id, s.assessment.state.as_str(), micros(now)],
            )
            .map_err(err)?;
            tx.execute(
                "INSERT INTO feed_state_changes (feed_id, at, from_state, to_state, last_error)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    s.feed_id,
                    micros(now),
                    was.as_str(),
                    s.assessment.state.as_str(),
                    s.last_error
                ],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(statuses)
    }

    /// Changes of state recorded after `after` and up to `until`, oldest first.
    pub fn state_changes(
        &self,
        after: Option<DateTime<Utc>>,
        until: DateTime<Utc>,
    ) -> Result<Vec<StateChange>, StoreError> {
        let action = "read source state changes";
        let err = |e| sql_err(&self.path, action, e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.feed_id, COALESCE(f.title, f.feed_title), c.at, c.from_state,
                        c.to_state, c.last_error
                 FROM feed_state_changes c LEFT JOIN feeds f ON f.id = c.feed_id
                 WHERE c.at > ?1 AND c.at <= ?2 ORDER BY c.id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(
                params![after.map_or(i64::MIN, micros), micros(until)],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (feed_id, title, at, from, to, last_error) = row.map_err(err)?;
            let state = |s: String, column| State::parse(&s).ok_or_else(|| self.corrupt(column, s));
            out.push(StateChange {
                feed_id,
                title,
                at: self.date(at, "feed_state_changes.at")?,
                from: state(from, "feed_state_changes.from_state")?,
                to: state(to, "feed_state_changes.to_state")?,
                last_error,
            });
        }
        Ok(out)
    }
}
