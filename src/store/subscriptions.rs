//! The `store`'s subscriptions table: what `govwatch subscribers …` manages and what the
//! digest stage reads. Rows are validated before they get here ([`NewSubscription::parse`]);
//! reading one back re-parses its schedule and zone, and a row that no longer parses is
//! [`StoreError::Corrupt`], never a panic.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, micros, sql_err};
use crate::schedule::{self, Schedule};
use crate::subscriptions::{NewSubscription, Subscription, email_key};

const COLUMNS: &str = "id, email, name, topics, query, schedule, tz, paused, created_at, \
                       last_window_end";

impl Store {
    /// Stores a new subscription. An address already subscribed (compared case-insensitively)
    /// is [`StoreError::DuplicateSubscription`].
    pub fn add_subscription(&mut self, new: &NewSubscription) -> Result<Subscription, StoreError> {
        self.check_writable("add a subscription")?;
        let email = new.email.to_string();
        let created_at = Utc::now();
        let topics = super::json_list(&new.topics);
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO subscriptions
                   (email, email_key, name, topics, query, schedule, tz, paused, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    email,
                    email_key(&email),
                    new.name,
                    topics,
                    new.query,
                    new.schedule.to_string(),
                    new.tz.name(),
                    micros(created_at),
                ])
            });
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                return Err(StoreError::DuplicateSubscription {
                    email,
                    path: self.path.clone(),
                });
            }
            Err(e) => return Err(sql_err(&self.path, "add a subscription", e)),
        }
        Ok(Subscription {
            id: self.conn.last_insert_rowid(),
            email,
            name: new.name.clone(),
            topics: new.topics.clone(),
            query: new.query.clone(),
            schedule: new.schedule.clone(),
            tz: new.tz,
            paused: false,
            // Stored as microseconds: return what a read gives back.
            created_at: self.date(micros(created_at), "subscriptions.created_at")?,
            last_window_end: None,
        })
    }

    /// Every subscription, paused or not, oldest first.
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let raws = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM subscriptions ORDER BY id"))
            .and_then(|mut stmt| {
                stmt.query_map([], RawSubscription::from_row)?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| sql_err(&self.path, "read the subscriptions", e))?;
        raws.into_iter()
            .map(|raw| self.subscription_from(raw))
            .collect()
    }

    /// The subscription of `email` (compared case-insensitively), if any.
    pub fn subscription(&self, email: &str) -> Result<Option<Subscription>, StoreError> {
        let raw = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM subscriptions WHERE email_key = ?1"
            ))
            .and_then(|mut stmt| {
                stmt.query_row([email_key(email)], RawSubscription::from_row)
                    .optional()
            })
            .map_err(|e| sql_err(&self.path, "read a subscription", e))?;
        raw.map(|raw| self.subscription_from(raw)).transpose()
    }

    /// Removes the subscription of `email` as an operator's doing ([`Store::unsubscribe`]);
    /// `false` if there was none.
    pub fn remove_subscription(&mut self, email: &str) -> Result<bool, StoreError> {
        self.check_writable("remove a subscription")?;
        match self.subscription(email)? {
            Some(sub) => Ok(self
                .unsubscribe(sub.id, super::Via::Cli, Utc::now())?
                .is_some()),
            None => Ok(false),
        }
    }

    /// Pauses (no digests are due) or resumes the subscription of `email`; `false` if there
    /// was none. Resuming does not send what accumulated while paused as one digest at once:
    /// the window still starts at the last delivered one, so nothing is lost.
    pub fn set_paused(&mut self, email: &str, paused: bool) -> Result<bool, StoreError> {
        self.check_writable("pause or resume a subscription")?;
        self.conn
            .prepare_cached("UPDATE subscriptions SET paused = ?2 WHERE email_key = ?1")
            .and_then(|mut stmt| stmt.execute(params![email_key(email), paused]))
            .map(|n| n > 0)
            .map_err(|e| sql_err(&self.path, "pause or resume a subscription", e))
    }

    /// Records the end of the last window whose digest the mail server accepted, for the
    /// subscription `id`; `false` if there is no such subscription. The digest ledger calls
    /// this in the same breath as it marks the digest sent.
    pub fn set_last_window_end(&mut self, id: i64, end: DateTime<Utc>) -> Result<bool, StoreError> {
        self.check_writable("advance a subscription's window")?;
        self.conn
            .prepare_cached("UPDATE subscriptions SET last_window_end = ?2 WHERE id = ?1")
            .and_then(|mut stmt| stmt.execute(params![id, micros(end)]))
            .map(|n| n > 0)
            .map_err(|e| sql_err(&self.path, "advance a subscription's window", e))
    }

    fn subscription_from(&self, raw: RawSubscription) -> Result<Subscription, StoreError> {
        let schedule = Schedule::parse(&raw.schedule)
            .map_err(|e| self.corrupt("subscriptions.schedule", e))?;
        let tz = schedule::parse_tz(&raw.tz).map_err(|e| self.corrupt("subscriptions.tz", e))?;
        Ok(Subscription {
            id: raw.id,
            email: raw.email,
            name: raw.name,
            topics: self.parse_list(&raw.topics, "subscriptions.topics")?,
            query: raw.query,
            schedule,
            tz,
            paused: raw.paused,
            created_at: self.date(raw.created_at, "subscriptions.created_at")?,
            last_window_end: self.opt_date(raw.last_window_end, "subscriptions.last_window_end")?,
        })
    }
}

/// A subscriptions row as SQLite gives it, before JSON, schedule, zone and dates are decoded.
struct RawSubscription {
    id: i64,
    email: String,
    name: Option<String>,
    topics: String,
    query: Option<String>,
    schedule: String,
    tz: String,
    paused: bool,
    created_at: i64,
    last_window_end: Option<i64>,
}

impl RawSubscription {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<RawSubscription> {
        Ok(RawSubscription {
            id: row.get(0)?,
            email: row.get(1)?,
            name: row.get(2)?,
            topics: row.get(3)?,
            query: row.get(4)?,
            schedule: row.get(5)?,
            tz: row.get(6)?,
            paused: row.get(7)?,
            created_at: row.get(8)?,
            last_window_end: row.get(9)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscriptions::SubscriptionInput;
    use crate::topics::DEFAULT_TOPIC_NAMES;
    use chrono::TimeZone;
    use pretty_assertions::assert_eq;
    use tempfile::TempDir;

    fn new(email: &str, topics: &[&str]) -> NewSubscription {
        NewSubscription::parse(
            &SubscriptionInput {
                email: email.to_owned(),
                topics: topics.iter().map(|t| (*t).to_owned()).collect(),
                ..SubscriptionInput::default()
            },
            DEFAULT_TOPIC_NAMES,
        )
        .unwrap()
    }

    #[test]
    fn add_list_get_pause_and_remove() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let before = Utc::now();
        let mut full = new("Ann@Example.gov", &["hearings", "contracts"]);
        full.name = Some("Ann Lee".to_owned());
        full.query = Some("\"large language model\"".to_owned());
        full.schedule = Schedule::parse("0 7 * * 1-5").unwrap();
        full.tz = schedule::parse_tz("America/New_York").unwrap();
        let ann = store.add_subscription(&full).unwrap();
        let bob = store
            .add_subscription(&new("bob@example.gov", &["rules"]))
            .unwrap();
        assert!(bob.id > ann.id);
        assert_eq!(ann.email, "Ann@example.gov");
        assert_eq!(ann.topics, ["contracts", "hearings"]);
        assert!(ann.created_at >= before - chrono::Duration::seconds(1));
        assert!(!ann.paused);
        assert_eq!(ann.last_window_end, None);

        // What was returned is exactly what reads give back, through a fresh connection.
        drop(store);
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.subscriptions().unwrap(), [ann.clone(), bob.clone()]);
        assert_eq!(
            store.subscription("ann@EXAMPLE.GOV").unwrap(),
            Some(ann.clone())
        );
        assert_eq!(store.subscription("carol@example.gov").unwrap(), None);

        assert!(store.set_paused("ANN@example.gov", true).unwrap());
        assert!(
            store
                .subscription("ann@example.gov")
                .unwrap()
                .unwrap()
                .paused
        );
        assert!(store.set_paused("ann@example.gov", false).unwrap());
        assert!(
            !store
                .subscription("ann@example.gov")
                .unwrap()
                .unwrap()
                .paused
        );
        assert!(!store.set_paused("carol@example.gov", true).unwrap());

        assert!(store.remove_subscription("bob@example.gov").unwrap());
        assert!(!store.remove_subscription("bob@example.gov").unwrap());
        assert_eq!(store.subscriptions().unwrap(), [ann]);

        // Ids are never reused, even for the same address.
        let bob2 = store
            .add_subscription(&new("bob@example.gov", &["rules"]))
            .unwrap();
        assert!(bob2.id > bob.id);
    }

    #[test]
    fn duplicate_addresses_are_refused_case_insensitively() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .add_subscription(&new("ann@example.gov", &["rules"]))
            .unwrap();
        let err = store
            .add_subscription(&new("ANN@Example.Gov", &["budget"]))
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::DuplicateSubscription { email, .. } if email == "ANN@example.gov"),
            "{err:?}"
        );
        assert!(err.to_string().contains("already subscribed"), "{err}");
        assert_eq!(store.subscriptions().unwrap().len(), 1);
    }

    #[test]
    fn the_window_end_is_recorded_to_the_microsecond() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let s = store
            .add_subscription(&new("ann@example.gov", &["rules"]))
            .unwrap();
        let end = Utc.timestamp_opt(1_795_000_000, 123_456_000).unwrap();
        assert!(store.set_last_window_end(s.id, end).unwrap());
        assert!(!store.set_last_window_end(s.id + 100, end).unwrap());
        let read = store.subscription("ann@example.gov").unwrap().unwrap();
        assert_eq!(read.last_window_end, Some(end));
        assert_eq!(
            read.next_due(),
            Schedule::Daily.next_after(end, chrono_tz::Tz::UTC)
        );
    }

    #[test]
    fn read_only_stores_refuse_writes_and_corrupt_rows_are_errors() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .add_subscription(&new("ann@example.gov", &["rules"]))
            .unwrap();
        store
            .conn
            .execute("UPDATE subscriptions SET tz = 'Mars/Olympus'", [])
            .unwrap();
        let err = store.subscriptions().unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Corrupt {
                    column: "subscriptions.tz",
                    ..
                }
            ),
            "{err:?}"
        );
        store
            .conn
            .execute(
                "UPDATE subscriptions SET tz = 'UTC', schedule = 'fortnightly'",
                [],
            )
            .unwrap();
        let err = store.subscription("ann@example.gov").unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Corrupt {
                    column: "subscriptions.schedule",
                    ..
                }
            ),
            "{err:?}"
        );
        drop(store);
        let mut ro = Store::open_read_only(dir.path()).unwrap();
        let err = ro.set_paused("ann@example.gov", true).unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
        let err = ro
            .add_subscription(&new("bob@example.gov", &["rules"]))
            .unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    }
}
