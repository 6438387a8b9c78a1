//! Source health: whether each feed is doing what it normally does, so operators hear of a
//! source that went quiet, keeps failing or changed its page before a subscriber notices.
//!
//! - **Cadence** is learned per feed from the last [`CADENCE_WINDOW`]: the median gap between
//!   its items' dates (distinct instants, so a batch published at once counts once). Fewer
//!   than [`MIN_GAPS`] gaps: not learned yet, and the feed cannot be called silent.
//! - **Calendar.** A feed that (almost) never publishes on a weekend, in Washington time where
//!   federal sources publish, is a weekday source: its gaps and its silence are counted in
//!   weekday time, so Friday to Monday is not three days of silence.
//! - **States**, most serious first: `broken` (an HTML source whose selectors stopped
//!   matching), `failing` ([`FAILING_AFTER`] errors in a row), `silent` (nothing new for
//!   [`SILENT_FACTOR`] times the cadence, and at least [`MIN_SILENCE`]), else `ok`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

pub const CADENCE_WINDOW: TimeDelta = TimeDelta::days(30);
pub const MIN_GAPS: usize = 4;
pub const SILENT_FACTOR: i32 = 4;
pub const MIN_SILENCE: TimeDelta = TimeDelta::hours(6);
pub const FAILING_AFTER: u32 = 3;
/// The error kind a scrape whose selectors match nothing fails with.
pub const BROKEN_KIND: &str = "scrape";
/// At most this share of a weekday source's items fall on a weekend.
const WEEKEND_SHARE: f64 = 0.1;
/// Where federal sources keep office hours.
const CALENDAR_TZ: Tz = chrono_tz::America::New_York;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Ok,
    Silent,
    Failing,
    Broken,
}

impl State {
    pub const ALL: [State; 4] = [State::Ok, State::Silent, State::Failing, State::Broken];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Silent => "silent",
            State::Failing => "failing",
            State::Broken => "broken",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Feeds per state, every state present (zero when none): for `status`, the operator digest
/// and the metrics alike.
pub fn tally(states: impl IntoIterator<Item = State>) -> BTreeMap<State, usize> {
    let mut counts: BTreeMap<State, usize> = State::ALL.into_iter().map(|s| (s, 0)).collect();
    for s in states {
        *counts.entry(s).or_default() += 1;
    }
    counts
}

/// What the store knows about one feed, as assessment needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signals {
    pub consecutive_errors: u32,
    pub last_error_kind: Option<String>,
    /// When the feed's newest item arrived (its date, or when it was first stored if that is
    /// earlier); `None` before the first.
    pub last_new_at: Option<DateTime<Utc>>,
    /// The dates of the feed's items within [`CADENCE_WINDOW`] before now, in any order.
    pub recent_dates: Vec<DateTime<Utc>>,
}

/// The verdict on one feed at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub state: State,
    /// The learned median gap between items, in seconds (weekday time for a weekday source).
    pub cadence_secs: Option<i64>,
    pub weekdays_only: bool,
    /// For `silent`: how long nothing new has come, in the same time as the cadence.
    pub quiet_secs: Option<i64>,
}

pub fn assess(signals: &Signals, now: DateTime<Utc>) -> Assessment {
    let kind = signals.last_error_kind.as_deref();
    let mut dates = signals.recent_dates.clone();
    dates.sort_unstable();
    dates.dedup();
    let weekdays_only = weekday_source(&dates);
    let cadence = median_gap(&dates, weekdays_only);
    let quiet = signals
        .last_new_at
        .map(|t| business_time(t, now, weekdays_only));
    let state = if signals.consecutive_errors > 0 && kind == Some(BROKEN_KIND) {
        State::Broken
    } else if signals.consecutive_errors >= FAILING_AFTER {
        State::Failing
    } else if let (Some(cadence), Some(quiet)) = (cadence, quiet)
        && quiet > (cadence * SILENT_FACTOR).max(MIN_SILENCE)
    {
        State::Silent
    } else {
        State::Ok
    };
    Assessment {
        state,
        cadence_secs: cadence.map(|c| c.num_seconds()),
        weekdays_only,
        quiet_secs: quiet.map(|q| q.num_seconds()),
    }
}

/// Whether at most [`WEEKEND_SHARE`] of the dates fall on a Saturday or Sunday in Washington.
/// Needs enough dates to tell; otherwise every day counts.
fn weekday_source(dates: &[DateTime<Utc>]) -> bool {
    if dates.len() <= MIN_GAPS {
        return false;
    }
    let weekend = dates.iter().filter(|d| is_weekend(**d)).count();
    (weekend as f64) <= WEEKEND_SHARE * dates.len() as f64
}

fn is_weekend(t: DateTime<Utc>) -> bool {
    matches!(
        t.with_timezone(&CALENDAR_TZ).weekday(),
        Weekday::Sat | Weekday::Sun
    )
}

fn median_gap(sorted: &[DateTime<Utc>], weekdays_only: bool) -> Option<TimeDelta> {
    let mut gaps: Vec<TimeDelta> = sorted
        .windows(2)
        .map(|w| business_time(w[0], w[1], weekdays_only))
        .collect();
    if gaps.len() < MIN_GAPS {
        return None;
    }
    gaps.sort_unstable();
    Some(gaps[gaps.len() / 2])
}

/// Time from `from` to `to`, leaving out Saturdays and Sundays (Washington time) when
/// `weekdays_only`.
fn business_time(from: DateTime<Utc>, to: DateTime<Utc>, weekdays_only: bool) -> TimeDelta {
    if to <= from {
        return TimeDelta::zero();
    }
    if !weekdays_only {
        return to - from;
    }
    let mut total = TimeDelta::zero();
    let mut at = from;
    while at < to {
        let local = at.with_timezone(&CALENDAR_TZ);
        // The next local midnight (or `to`, if sooner); a zone gap at midnight falls back to
        // the next hour.
        let next_day = local.date_naive().succ_opt().and_then(|d| {
            d.and_time(NaiveTime::MIN)
                .and_local_timezone(CALENDAR_TZ)
                .earliest()
                .or_else(|| {
                    d.and_time(NaiveTime::MIN + TimeDelta::hours(1))
                        .and_local_timezone(CALENDAR_TZ)
                        .earliest()
                })
        });
        let end = next_day.map_or(to, |n| n.with_timezone(&Utc).min(to));
        if !is_weekend(at) {
            total += end - at;
        }
        if end <= at {
            break;
        }
        at = end;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("valid date")
    }

    fn signals(dates: &[&str], last_new: &str) -> Signals {
        Signals {
            consecutive_errors: 0,
            last_error_kind: None,
            last_new_at: Some(t(last_new)),
            recent_dates: dates.iter().map(|d| t(d)).collect(),
        }
    }

    /// Weekdays at 15:00 UTC (10:00 in Washington), 2026-11-02 (Mon) to 2026-11-20 (Fri).
    fn weekday_dates() -> Vec<String> {
        (2..=20)
            .map(|d| format!("2026-11-{d:02}T15:00:00Z"))
            .filter(|d| !is_weekend(t(d)))
            .collect()
    }

    #[test]
    fn a_weekday_source_is_not_silent_over_a_weekend() {
        let dates = weekday_dates();
        let dates: Vec<&str> = dates.iter().map(String::as_str).collect();
        let s = signals(&dates, "2026-11-20T15:00:00Z");
        // Monday morning, after a Friday item: one weekday's time of quiet.
        let a = assess(&s, t("2026-11-23T14:00:00Z"));
        assert!(a.weekdays_only);
        assert_eq!(a.cadence_secs, Some(86_400));
        assert_eq!(a.state, State::Ok, "{a:?}");
        // Nothing by the next Friday evening: four weekdays and more.
        let a = assess(&s, t("2026-11-27T22:00:00Z"));
        assert_eq!(a.state, State::Silent, "{a:?}");
        assert!(a.quiet_secs.unwrap() > 4 * 86_400);
    }

    #[test]
    fn an_every_day_source_counts_weekends() {
        let dates: Vec<String> = (2..=20)
            .map(|d| format!("2026-11-{d:02}T15:00:00Z"))
            .collect();
        let dates: Vec<&str> = dates.iter().map(String::as_str).collect();
        let s = signals(&dates, "2026-11-20T15:00:00Z");
        let a = assess(&s, t("2026-11-23T14:00:00Z"));
        assert!(!a.weekdays_only);
        assert_eq!(a.state, State::Ok);
        let a = assess(&s, t("2026-11-25T16:00:00Z"));
        assert_eq!(a.state, State::Silent, "{a:?}");
    }

    #[test]
    fn without_enough_history_a_feed_is_never_silent() {
        let s = signals(
            &["2026-11-02T15:00:00Z", "2026-11-03T15:00:00Z"],
            "2026-11-03T15:00:00Z",
        );
        let a = assess(&s, t("2026-12-25T00:00:00Z"));
        assert_eq!(a.cadence_secs, None);
        assert_eq!(a.state, State::Ok);
    }

    #[test]
    fn a_batch_published_at_once_is_one_instant_and_busy_feeds_get_a_floor() {
        // Twenty items every ten minutes, in three identical batches: the median gap is ten
        // minutes, but silence needs at least MIN_SILENCE.
        let mut dates = Vec::new();
        for m in 0..20 {
            let d = t("2026-11-20T10:00:00Z") + TimeDelta::minutes(10 * m);
            dates.extend([d, d, d]);
        }
        let s = Signals {
            recent_dates: dates,
            ..signals(&[], "2026-11-20T13:10:00Z")
        };
        let a = assess(&s, t("2026-11-20T18:00:00Z"));
        assert_eq!(a.cadence_secs, Some(600));
        assert_eq!(a.state, State::Ok, "{a:?}");
        assert_eq!(assess(&s, t("2026-11-20T19:30:00Z")).state, State::Silent);
    }

    #[test]
    fn errors_outrank_silence_and_a_page_that_changed_is_broken_at_once() {
        let dates = weekday_dates();
        let dates: Vec<&str> = dates.iter().map(String::as_str).collect();
        let quiet_for_long = t("2026-12-20T00:00:00Z");
        let mut s = signals(&dates, "2026-11-20T15:00:00Z");
        s.consecutive_errors = 2;
        s.last_error_kind = Some("timeout".into());
        assert_eq!(assess(&s, quiet_for_long).state, State::Silent);
        s.consecutive_errors = FAILING_AFTER;
        assert_eq!(assess(&s, quiet_for_long).state, State::Failing);
        s.consecutive_errors = 1;
        s.last_error_kind = Some(BROKEN_KIND.into());
        assert_eq!(assess(&s, quiet_for_long).state, State::Broken);
        s.consecutive_errors = 0;
        assert_eq!(assess(&s, t("2026-11-23T14:00:00Z")).state, State::Ok);
    }

    #[test]
    fn business_time_skips_weekends_across_a_clock_change() {
        // Friday 2026-10-30 12:00 to Monday 2026-11-02 12:00 in Washington (DST ends Sunday):
        // half of Friday and half of Monday.
        let from = t("2026-10-30T16:00:00Z");
        let to = t("2026-11-02T17:00:00Z");
        assert_eq!(business_time(from, to, true), TimeDelta::hours(24));
        assert_eq!(business_time(from, to, false), to - from);
        assert_eq!(business_time(to, from, true), TimeDelta::zero());
    }

    #[test]
    fn states_round_trip_through_text() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("fine"), None);
    }
}
