//! Subscribers: who gets which digest, when. This module owns the domain types and the
//! validation of what an operator types (`govwatch subscribers add`); `store` keeps them in
//! SQLite (src/store/subscriptions.rs) and `digest` reads them to decide what is due and what
//! matches.
//!
//! Everything is checked before it is stored, so the digest stage can trust a subscription:
//! the address is one bare mailbox lettre can send to (no display name, no whitespace, nothing
//! that could smuggle a header), topics are known names, the query parses as a search would
//! parse it, and the schedule and zone parse.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::Address;
use serde::Serialize;

use crate::index::{self, IndexError};
use crate::schedule::{self, DEFAULT_SCHEDULE, DEFAULT_TZ, Schedule, ScheduleError};

/// Longest address accepted: RFC 5321's limit on a forward path.
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest subscriber name accepted.
pub const MAX_NAME_CHARS: usize = 200;
/// Most topics on one subscription.
pub const MAX_TOPICS: usize = 64;

/// A stored subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: i64,
    /// The bare address, domain lowercased: unique among subscriptions, case-insensitively.
    pub email: String,
    pub name: Option<String>,
    /// Topic names, sorted, without duplicates.
    pub topics: Vec<String>,
    /// The subscriber's own search query, in `govwatch search` syntax.
    pub query: Option<String>,
    pub schedule: Schedule,
    #[serde(serialize_with = "schedule::serialize_tz")]
    pub tz: Tz,
    pub paused: bool,
    pub created_at: DateTime<Utc>,
    /// End of the last window whose digest the mail server accepted; `None` before the first.
    pub last_window_end: Option<DateTime<Utc>>,
}

impl Subscription {
    /// The next time this subscription's digest is scheduled after the last delivered window
    /// (or its creation); `None` if its schedule never fires again. Paused or not.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.schedule
            .next_after(self.last_window_end.unwrap_or(self.created_at), self.tz)
    }

    /// Whether a digest is due at `now` (never while paused).
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        !self.paused
            && self
                .schedule
                .is_due(self.last_window_end, self.created_at, now, self.tz)
    }
}

/// A validated subscription, ready to be stored; built by [`NewSubscription::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    pub email: Address,
    pub name: Option<String>,
    pub topics: Vec<String>,
    pub query: Option<String>,
    pub schedule: Schedule,
    pub tz: Tz,
}

/// What an operator typed, before validation. `None`/empty fields take the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionInput {
    pub email: String,
    pub name: Option<String>,
    pub topics: Vec<String>,
    pub query: Option<String>,
    pub schedule: Option<String>,
    pub tz: Option<String>,
}

/// Why a subscription (or an address) was refused; the message names the culprit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    #[error("invalid email address {address:?}: {reason}")]
    Email { address: String, reason: String },
    #[error("unknown topic {name:?}; known topics: {}", known.join(", "))]
    UnknownTopic { name: String, known: Vec<String> },
    #[error("too many topics ({count}); at most {max}", max = MAX_TOPICS)]
    TooManyTopics { count: usize },
    #[error("invalid query: {0}")]
    Query(#[source] IndexError),
    #[error("invalid schedule: {0}")]
    Schedule(#[source] ScheduleError),
    #[error("invalid time zone: {0}")]
    Zone(#[source] ScheduleError),
    #[error("invalid name {name:?}: {reason}")]
    Name { name: String, reason: &'static str },
    #[error("a subscription needs at least one --topic or a --query")]
    NothingToMatch,
}

impl NewSubscription {
    /// Validates what an operator typed. `known_topics` are the topic names in force.
    pub fn parse(
        input: &SubscriptionInput,
        known_topics: &[&str],
    ) -> Result<NewSubscription, SubscriptionError> {
        let email = parse_email(&input.email)?;
        let name = match input.name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(check_name(name)?.to_owned()),
        };
        let topics = check_topics(&input.topics, known_topics)?;
        let query = match input.query.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(query) => {
                index::validate_query(query).map_err(SubscriptionError::Query)?;
                Some(query.to_owned())
            }
        };
        if topics.is_empty() && query.is_none() {
            return Err(SubscriptionError::NothingToMatch);
        }
        let schedule = match input.schedule.as_deref() {
            None => DEFAULT_SCHEDULE,
            Some(text) => Schedule::parse(text).map_err(SubscriptionError::Schedule)?,
        };
        let tz = match input.tz.as_deref() {
            None => DEFAULT_TZ,
            Some(name) => schedule::parse_tz(name).map_err(SubscriptionError::Zone)?,
        };
        Ok(NewSubscription {
            email,
            name,
            topics,
            query,
            schedule,
            tz,
        })
    }
}

/// Parses one bare email address strictly, with the domain lowercased.
///
/// Refused, beyond what [`lettre::Address`] refuses: display-name and angle-bracket forms
/// (`Ann <a@b.gov>`), lists, whitespace and control characters anywhere (so no CR/LF header
/// injection), quoted local parts, IP-address domains, and more than [`MAX_EMAIL_BYTES`].
pub fn parse_email(text: &str) -> Result<Address, SubscriptionError> {
    let refuse = |reason: &str| SubscriptionError::Email {
        address: shorten(text),
        reason: reason.to_owned(),
    };
    if text.is_empty() {
        return Err(refuse("it is empty"));
    }
    if text.len() > MAX_EMAIL_BYTES {
        return Err(refuse(&format!("longer than {MAX_EMAIL_BYTES} bytes")));
    }
    if text.chars().any(char::is_control) {
        return Err(refuse(
            "it contains control characters (such as a line break)",
        ));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(refuse(
            "it contains whitespace; give the bare address, without a display name",
        ));
    }
    if text.contains(['<', '>']) {
        return Err(refuse("give the bare address, without <angle brackets>"));
    }
    if text.contains([',', ';']) {
        return Err(refuse("one address only"));
    }
    if text.contains(['"', '\\']) {
        return Err(refuse("quoted local parts are not accepted"));
    }
    let address: Address = text
        .parse()
        .map_err(|e: lettre::address::AddressError| refuse(&e.to_string().to_lowercase()))?;
    let domain = address.domain();
    let bare = domain
        .strip_prefix('[')
        .and_then(|d| d.strip_suffix(']'))
        .unwrap_or(domain);
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return Err(refuse("the domain must be a name, not an IP address"));
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(refuse("invalid email domain"));
    }
    // Domains are case-insensitive; the local part is the receiving server's business.
    Address::new(address.user(), domain.to_lowercase()).map_err(|e| refuse(&e.to_string()))
}

/// The key that makes addresses unique: case-insensitive, as people expect of email.
pub fn email_key(email: &str) -> String {
    email.to_lowercase()
}

fn check_name(name: &str) -> Result<&str, SubscriptionError> {
    let refuse = |reason| SubscriptionError::Name {
        name: shorten(name),
        reason,
    };
    if name.chars().any(char::is_control) {
        return Err(refuse(
            "it contains control characters (such as a line break)",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(refuse("longer than 200 characters"));
    }
    Ok(name)
}

/// Known topic names only; sorted and deduplicated so the stored list is canonical.
fn check_topics(topics: &[String], known: &[&str]) -> Result<Vec<String>, SubscriptionError> {
    let mut out: Vec<String> = Vec::with_capacity(topics.len());
    for topic in topics {
        let name = topic.trim();
        if !known.contains(&name) {
            return Err(SubscriptionError::UnknownTopic {
                name: shorten(name),
                known: known.iter().map(|k| (*k).to_owned()).collect(),
            });
        }
        out.push(name.to_owned());
    }
    out.sort();
    out.dedup();
    if out.len() > MAX_TOPICS {
        return Err(SubscriptionError::TooManyTopics { count: out.len() });
    }
    Ok(out)
}

/// Hostile input is quoted in messages, but not at any length.
fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    if text.len() <= MAX {
        return text.to_owned();
    }
    format!("{}…", crate::text::prefix(text, MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["contracts", "hearings"];

    /// Ticks missed while the daemon was down are one digest at start, not one per tick:
    /// delivering ends the window at `now`, and the next due time is the first tick after it.
    #[test]
    fn missed_ticks_come_due_once() {
        use chrono::TimeZone;
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        let mut sub = Subscription {
            id: 1,
            email: "ann@example.gov".into(),
            name: None,
            topics: vec!["contracts".into()],
            query: None,
            schedule: Schedule::parse("daily").unwrap(),
            tz: "Europe/Paris".parse().unwrap(),
            paused: false,
            created_at: at(1, 12, 0),
            last_window_end: Some(at(20, 6, 0)),
        };
        // Down from the 20th to the 25th at 09:30: five 07:00 ticks missed.
        let now = at(25, 9, 30);
        assert!(sub.is_due(now));
        assert_eq!(
            sub.next_due(),
            Some(at(21, 6, 0)),
            "07:00 Paris is 06:00 UTC in November"
        );
        sub.last_window_end = Some(now);
        assert!(!sub.is_due(now));
        assert_eq!(sub.next_due(), Some(at(26, 6, 0)));
        sub.paused = true;
        assert!(!sub.is_due(at(27, 0, 0)), "never while paused");
    }

    fn input(email: &str) -> SubscriptionInput {
        SubscriptionInput {
            email: email.to_owned(),
            topics: vec!["contracts".to_owned()],
            ..SubscriptionInput::default()
        }
    }

    fn email_reason(text: &str) -> String {
        match parse_email(text) {
            Err(SubscriptionError::Email { reason, .. }) => reason,
            other => panic!("{text:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn bare_addresses_parse_with_the_domain_lowercased() {
        let a = parse_email("Ann.Lee+gov@Example.GOV").unwrap();
        assert_eq!(a.to_string(), "Ann.Lee+gov@example.gov");
        assert_eq!(email_key(a.as_ref()), "ann.lee+gov@example.gov");
        assert!(parse_email("ops@agency.example").is_ok());
    }

    #[test]
    fn display_names_whitespace_controls_and_injections_are_refused() {
        assert!(email_reason("Ann Lee <ann@example.gov>").contains("whitespace"));
        assert!(email_reason("<ann@example.gov>").contains("angle brackets"));
        assert!(email_reason("ann@example.gov\r\nBcc: x@evil.example").contains("control"));
        assert!(email_reason("a@b.c\r\nBcc: x").contains("control"));
        assert!(email_reason("ann@example.gov\n").contains("control"));
        assert!(email_reason(" ann@example.gov").contains("whitespace"));
        assert!(email_reason("ann@exa mple.gov").contains("whitespace"));
        assert!(email_reason("ann\u{0}@example.gov").contains("control"));
        assert!(email_reason("a@example.gov,b@example.gov").contains("one address"));
        assert!(email_reason("\"ann lee\"@example.gov").contains("whitespace"));
        assert!(email_reason("\"ann\"@example.gov").contains("quoted"));
        assert!(email_reason("ann@1.2.3.4").contains("IP address"));
        assert!(email_reason("ann@[127.0.0.1]").contains("IP address"));
        assert!(email_reason("").contains("empty"));
        assert!(email_reason(&format!("{}@example.gov", "a".repeat(260))).contains("longer"));
        for bad in [
            "ann",
            "ann@",
            "@example.gov",
            "ann@@example.gov",
            "ann@-x-.gov",
            "ann@x..gov",
        ] {
            email_reason(bad);
        }
        // The message quotes the address, escaped.
        let message = parse_email("a@b.c\r\nBcc: x").unwrap_err().to_string();
        assert!(message.contains(r#""a@b.c\r\nBcc: x""#), "{message}");
    }

    #[test]
    fn a_valid_input_takes_the_defaults() {
        let s = NewSubscription::parse(&input("ann@example.gov"), KNOWN).unwrap();
        assert_eq!(s.schedule, Schedule::Daily);
        assert_eq!(s.tz, Tz::UTC);
        assert_eq!(s.topics, ["contracts"]);
        assert_eq!(s.query, None);
        assert_eq!(s.name, None);
    }

    #[test]
    fn every_field_is_checked() {
        let full = SubscriptionInput {
            email: "ann@example.gov".to_owned(),
            name: Some(" Ann Lee ".to_owned()),
            topics: vec!["hearings".into(), "contracts".into(), "hearings".into()],
            query: Some("  \"large language model\" AND tag:dod ".to_owned()),
            schedule: Some("0 7 * * 1-5".to_owned()),
            tz: Some("America/New_York".to_owned()),
        };
        let s = NewSubscription::parse(&full, KNOWN).unwrap();
        assert_eq!(s.name.as_deref(), Some("Ann Lee"));
        assert_eq!(s.topics, ["contracts", "hearings"]);
        assert_eq!(
            s.query.as_deref(),
            Some("\"large language model\" AND tag:dod")
        );
        assert_eq!(s.schedule.to_string(), "0 7 * * 1-5");
        assert_eq!(s.tz.name(), "America/New_York");

        let with = |f: &dyn Fn(&mut SubscriptionInput)| {
            let mut i = full.clone();
            f(&mut i);
            NewSubscription::parse(&i, KNOWN).unwrap_err()
        };
        let e = with(&|i| i.topics = vec!["contract".into()]);
        assert!(matches!(e, SubscriptionError::UnknownTopic { .. }));
        assert!(e.to_string().contains("\"contract\""), "{e}");
        assert!(e.to_string().contains("contracts, hearings"), "{e}");
        let e = with(&|i| i.query = Some("(ai OR".into()));
        assert!(matches!(e, SubscriptionError::Query(_)), "{e}");
        assert!(e.to_string().contains("(ai OR"), "{e}");
        let e = with(&|i| i.schedule = Some("every day".into()));
        assert!(matches!(e, SubscriptionError::Schedule(_)), "{e}");
        let e = with(&|i| i.tz = Some("Eastern".into()));
        assert!(matches!(e, SubscriptionError::Zone(_)), "{e}");
        assert!(e.to_string().contains("\"Eastern\""), "{e}");
        let e = with(&|i| i.name = Some("Ann\r\nBcc: x".into()));
        assert!(matches!(e, SubscriptionError::Name { .. }), "{e}");
        let e = with(&|i| i.email = "Ann <ann@example.gov>".into());
        assert!(matches!(e, SubscriptionError::Email { .. }), "{e}");
        let e = with(&|i| {
            i.topics.clear();
            i.query = Some("   ".into());
        });
        assert!(matches!(e, SubscriptionError::NothingToMatch), "{e}");
        // A query alone is enough.
        let mut only_query = full.clone();
        only_query.topics.clear();
        assert!(NewSubscription::parse(&only_query, KNOWN).is_ok());
    }

    #[test]
    fn due_respects_pause() {
        let created: DateTime<Utc> = "2026-11-25T10:00:00Z".parse().unwrap();
        let mut s = Subscription {
            id: 1,
            email: "ann@example.gov".into(),
            name: None,
            topics: vec!["contracts".into()],
            query: None,
            schedule: Schedule::Daily,
            tz: Tz::UTC,
            paused: false,
            created_at: created,
            last_window_end: None,
        };
        let now: DateTime<Utc> = "2026-11-26T08:00:00Z".parse().unwrap();
        assert_eq!(s.next_due(), Some("2026-11-26T07:00:00Z".parse().unwrap()));
        assert!(s.is_due(now));
        s.paused = true;
        assert!(!s.is_due(now));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["schedule"], "daily");
        assert_eq!(json["tz"], "UTC");
    }
}
