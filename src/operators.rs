//! The operator digest: one mail to each `[operators] emails` address, on `[operators]
//! schedule`, listing the feeds whose state (src/sources.rs) changed since the last one, with
//! the last error and since when. Nothing changed: no mail. The window advances only once
//! every address was accepted, so a failed send is reported again, never lost.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use lettre::message::Mailbox;
use serde::Serialize;

use crate::config::OperatorsConfig;
use crate::digest::render::escape;
use crate::mail::{Mailer, OutgoingMessage, RetryPolicy};
use crate::redact::mask_url_secrets;
use crate::sources::State;
use crate::store::{SourceStatus, StateChange, Store, StoreError};

/// The end of the last window reported, and when reports started (the schedule's origin).
const WINDOW_END_KEY: &str = "operators_window_end";
const STARTED_KEY: &str = "operators_started";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the operator digest was not accepted for {failed} of {total} addresses: {reason}")]
    Send {
        failed: usize,
        total: usize,
        reason: String,
    },
}

/// One feed's changes within the window, first state to last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedChange {
    pub feed_id: String,
    pub title: Option<String>,
    /// Every state it went through, in order (`["ok", "failing"]`, or a flap like
    /// `["ok", "failing", "ok"]`).
    pub states: Vec<State>,
    pub at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// For a feed silent now: how long nothing new came and its usual gap, in seconds.
    pub quiet_secs: Option<i64>,
    pub cadence_secs: Option<i64>,
    pub weekdays_only: bool,
}

/// What a report says.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: DateTime<Utc>,
    pub changes: Vec<FeedChange>,
    /// Feeds per state now.
    pub counts: BTreeMap<State, usize>,
}

/// The report of the window after the last one sent, up to `now`.
pub fn report(
    store: &Store,
    statuses: &[SourceStatus],
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let window_start = meta_time(store, WINDOW_END_KEY)?;
    let mut by_feed: BTreeMap<String, FeedChange> = BTreeMap::new();
    for c in store.state_changes(window_start, now)? {
        let StateChange {
            feed_id,
            title,
            at,
            from,
            to,
            last_error,
        } = c;
        let entry = by_feed
            .entry(feed_id.clone())
            .or_insert_with(|| FeedChange {
                feed_id,
                title,
                states: vec![from],
                at,
                last_error: None,
                quiet_secs: None,
                cadence_secs: None,
                weekdays_only: false,
            });
        entry.states.push(to);
        entry.at = at;
        entry.last_error = last_error.as_deref().map(mask_url_secrets);
    }
    let counts = crate::sources::tally(statuses.iter().map(|s| s.assessment.state));
    for s in statuses {
        if let Some(change) = by_feed.get_mut(&s.feed_id)
            && s.assessment.state == State::Silent
        {
            change.quiet_secs = s.assessment.quiet_secs;
            change.cadence_secs = s.assessment.cadence_secs;
            change.weekdays_only = s.assessment.weekdays_only;
        }
    }
    Ok(Report {
        window_start,
        window_end: now,
        changes: by_feed.into_values().collect(),
        counts,
    })
}

/// Whether a report is due at `now` by the schedule (the first check starts the schedule).
pub fn is_due(
    store: &mut Store,
    cfg: &OperatorsConfig,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let started = match meta_time(store, STARTED_KEY)? {
        Some(t) => t,
        None => {
            store.set_meta(STARTED_KEY, &now.to_rfc3339())?;
            now
        }
    };
    let last = meta_time(store, WINDOW_END_KEY)?;
    Ok(cfg.schedule.is_due(last, started, now, cfg.tz))
}

/// Mails `report` to every operator address (nothing when no feed changed) and then moves
/// the window to its end. Returns how many addresses it was sent to.
pub async fn send(
    store: &mut Store,
    mailer: &Mailer,
    cfg: &OperatorsConfig,
    report: &Report,
) -> Result<usize, ReportError> {
    if report.changes.is_empty() || cfg.emails.is_empty() {
        store.set_meta(WINDOW_END_KEY, &report.window_end.to_rfc3339())?;
        return Ok(0);
    }
    let (subject, text, html) = render(report);
    let mut failures = Vec::new();
    for address in &cfg.emails {
        let message = OutgoingMessage::new(
            Mailbox::new(None, address.clone()),
            subject.clone(),
            text.clone(),
            html.clone(),
        );
        if let Err(e) = mailer
            .send_with_retry(&message, RetryPolicy::default())
            .await
        {
            failures.push(format!("{address}: {e}"));
        }
    }
    if !failures.is_empty() {
        return Err(ReportError::Send {
            failed: failures.len(),
            total: cfg.emails.len(),
            reason: failures.join("; "),
        });
    }
    store.set_meta(WINDOW_END_KEY, &report.window_end.to_rfc3339())?;
    Ok(cfg.emails.len())
}

fn meta_time(store: &Store, key: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .get_meta(key)?
        .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
        .map(|t| t.with_timezone(&Utc)))
}

fn when(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// "3d 4h": whole days and hours.
fn span(secs: i64) -> String {
    let (days, hours) = (secs / 86_400, (secs % 86_400) / 3_600);
    match (days, hours) {
        (0, 0) => format!("{}m", (secs / 60).max(1)),
        (0, h) => format!("{h}h"),
        (d, 0) => format!("{d}d"),
        (d, h) => format!("{d}d {h}h"),
    }
}

fn path(states: &[State]) -> String {
    states
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// What is wrong, in a line: the last error, or how long the feed has been quiet.
fn detail(c: &FeedChange) -> Option<String> {
    if c.states.last() == Some(&State::Silent)
        && let (Some(quiet), Some(cadence)) = (c.quiet_secs, c.cadence_secs)
    {
        let days = if c.weekdays_only { " (weekdays)" } else { "" };
        return Some(format!(
            "nothing new for {}{days}; usually every {}",
            span(quiet),
            span(cadence)
        ));
    }
    match c.states.last() {
        Some(State::Failing | State::Broken) => {
            c.last_error.as_ref().map(|e| format!("last error: {e}"))
        }
        _ => None,
    }
}

/// Subject, plain text and HTML of a report.
pub fn render(report: &Report) -> (String, String, String) {
    let changed = report.changes.len();
    let now_bad: Vec<String> = [State::Broken, State::Failing, State::Silent]
        .into_iter()
        .filter_map(|s| {
            let n = report
                .changes
                .iter()
                .filter(|c| c.states.last() == Some(&s))
                .count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let subject = format!(
        "govwatch: {changed} feed{} changed state{}",
        if changed == 1 { "" } else { "s" },
        if now_bad.is_empty() {
            String::new()
        } else {
            format!(" ({})", now_bad.join(", "))
        }
    );
    let since = report
        .window_start
        .map_or_else(|| "the start".to_string(), when);
    let totals = report
        .counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");

    let mut text = format!("Feeds that changed state since {since}:\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;font-size:15px\">\
         <p>Feeds that changed state since {}:</p><ul style=\"padding-left:20px\">",
        escape(&since)
    );
    for c in &report.changes {
        let name = c.title.as_deref().unwrap_or(&c.feed_id);
        let _ = writeln!(
            text,
            "  {} ({})  {}  since {}",
            c.feed_id,
            name,
            path(&c.states),
            when(c.at)
        );
        let _ = write!(
            html,
            "<li style=\"margin-bottom:8px\"><strong>{}</strong> ({}): {} since {}",
            escape(&c.feed_id),
            escape(name),
            escape(&path(&c.states)),
            escape(&when(c.at))
        );
        if let Some(d) = detail(c) {
            let _ = writeln!(text, "    {d}");
            let _ = write!(
                html,
                "<br><span style=\"color:#555;word-break:break-word\">{}</span>",
                escape(&d)
            );
        }
        html.push_str("</li>");
    }
    let _ = write!(
        text,
        "\nAll feeds now: {totals}.\n`govwatch feeds list` shows each feed's state.\n"
    );
    let _ = write!(
        html,
        "</ul><p>All feeds now: {}.</p></body></html>",
        escape(&totals)
    );
    (subject, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str, states: &[State], error: Option<&str>) -> FeedChange {
        FeedChange {
            feed_id: id.into(),
            title: Some(format!("{id} title")),
            states: states.to_vec(),
            at: "2026-11-26T05:00:00Z".parse().unwrap(),
            last_error: error.map(str::to_string),
            quiet_secs: None,
            cadence_secs: None,
            weekdays_only: false,
        }
    }

    #[test]
    fn a_report_names_each_feed_its_states_and_why() {
        let mut silent = change("nist", &[State::Ok, State::Silent], None);
        silent.quiet_secs = Some(5 * 86_400 + 3 * 3_600);
        silent.cadence_secs = Some(86_400);
        silent.weekdays_only = true;
        let report = Report {
            window_start: Some("2026-11-25T07:00:00Z".parse().unwrap()),
            window_end: "2026-11-26T07:00:00Z".parse().unwrap(),
            changes: vec![
                change(
                    "dod",
                    &[State::Ok, State::Failing],
                    Some("https://x/f: HTTP status 404"),
                ),
                silent,
                change("gao", &[State::Failing, State::Ok], Some("old")),
            ],
            counts: [(State::Ok, 40), (State::Silent, 1), (State::Failing, 1)].into(),
        };
        let (subject, text, html) = render(&report);
        assert_eq!(
            subject,
            "govwatch: 3 feeds changed state (1 failing, 1 silent)"
        );
        assert!(
            text.contains("dod (dod title)  ok → failing  since 2026-11-26T05:00:00Z"),
            "{text}"
        );
        assert!(text.contains("last error: https://x/f: HTTP status 404"));
        assert!(text.contains("nothing new for 5d 3h (weekdays); usually every 1d"));
        assert!(text.contains("gao (gao title)  failing → ok"));
        assert!(
            !text.contains("old"),
            "a recovered feed's old error is not news"
        );
        assert!(text.contains("All feeds now: 40 ok, 1 silent, 1 failing."));
        assert!(html.contains("<strong>dod</strong>"));
    }
}
