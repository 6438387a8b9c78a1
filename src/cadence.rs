//! When the daemon polls each feed next: pure arithmetic over the feed's configuration, the
//! outcome of its last poll and an injected `now`, so every rule here is tested without a
//! clock or a sleep.
//!
//! - A feed's period is its `interval`, else the gap its `schedule` (cron, UTC) gives, else
//!   `[poll] interval`.
//! - After a success the next poll is one period later (or the schedule's next time); after
//!   `n` consecutive failures it is `period × 2ⁿ` later, capped at `[poll] max_backoff` (or the
//!   period itself when that is longer), so a broken feed is not hammered and a fixed one is
//!   back on its period after one success.
//! - A server's `Retry-After` and `Cache-Control: max-age` push the next poll later, never
//!   earlier, and never past the cap: a hostile header cannot silence a feed for good.
//! - Jitter: a poll moves by up to 10% of the period (at most `[poll] jitter`), by an amount
//!   derived from the feed id and the time, so feeds on one host spread out instead of firing
//!   together; on start, overdue feeds are spread the same way rather than fetched at once.
//! - The wall clock can jump. A planned poll further ahead than any rule here can put it
//!   ([`horizon`]: the cap plus jitter) was planned under a clock that has since gone back;
//!   it is treated as overdue rather than waited for, possibly for days.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::PollConfig;
use crate::feeds::FeedConfig;

/// Share of a period a poll may move by.
const JITTER_SHARE: f64 = 0.1;
/// Doublings past this add nothing (2^20 periods is beyond any cap).
const MAX_DOUBLINGS: u32 = 20;

/// What the last poll of a feed left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastPoll {
    pub at: DateTime<Utc>,
    /// Failures in a row, this poll included; 0 after a success.
    pub consecutive_errors: u32,
    /// A server's `Retry-After`, as a time.
    pub retry_at: Option<DateTime<Utc>>,
    /// How long the response said it stays fresh.
    pub max_age: Option<Duration>,
}

/// The feed's regular period.
pub fn period(feed: &FeedConfig, policy: &PollConfig, now: DateTime<Utc>) -> Duration {
    if let Some(interval) = feed.interval {
        return interval;
    }
    if let Some(schedule) = &feed.schedule {
        let first = schedule.next_after(now, chrono_tz::UTC);
        let second = first.and_then(|t| schedule.next_after(t, chrono_tz::UTC));
        if let (Some(a), Some(b)) = (first, second) {
            return (b - a).to_std().unwrap_or(policy.interval);
        }
    }
    policy.interval
}

/// The longest any poll is put off: a failing feed's back-off, a `Retry-After`, a `max-age`.
fn cap(period: Duration, policy: &PollConfig) -> Duration {
    policy.max_backoff.max(period)
}

/// When to poll `feed` after `last`.
pub fn next_poll(feed: &FeedConfig, policy: &PollConfig, last: &LastPoll) -> DateTime<Utc> {
    let period = period(feed, policy, last.at);
    let cap = cap(period, policy);
    let mut next = if last.consecutive_errors > 0 {
        let doublings = last.consecutive_errors.min(MAX_DOUBLINGS);
        let backoff = period.saturating_mul(1 << doublings).min(cap);
        add(last.at, backoff)
    } else {
        match &feed.schedule {
            Some(schedule) if feed.interval.is_none() => schedule
                .next_after(last.at, chrono_tz::UTC)
                .unwrap_or_else(|| add(last.at, period)),
            _ => add(last.at, period),
        }
    };
    next = add(next, jitter(&feed.id, last.at, period, policy));
    if let Some(max_age) = last.max_age {
        next = next.max(add(last.at, max_age.min(cap)));
    }
    if let Some(retry_at) = last.retry_at {
        next = next.max(retry_at.min(add(last.at, cap)));
    }
    next
}

/// When to poll a feed the daemon is starting with: its stored next poll, or when it would have
/// come after its last fetch; overdue (or never polled) feeds are spread out from `now`.
pub fn first_poll(
    feed: &FeedConfig,
    policy: &PollConfig,
    stored: Option<DateTime<Utc>>,
    last: Option<&LastPoll>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let planned = stored.or_else(|| last.map(|l| next_poll(feed, policy, l)));
    match planned {
        Some(t) if t > now && !beyond_horizon(feed, policy, t, now) => t,
        _ => {
            let spread = period(feed, policy, now).min(policy.jitter);
            add(now, spread.mul_f64(fraction(&(&feed.id, "start"))))
        }
    }
}

/// The furthest ahead of `now` any rule plans a poll of `feed`: the longest wait (its period,
/// or the backoff cap when longer) plus the most jitter can add.
pub fn horizon(feed: &FeedConfig, policy: &PollConfig, now: DateTime<Utc>) -> Duration {
    cap(period(feed, policy, now), policy) + policy.jitter
}

/// Whether a poll planned for `at` lies past the [`horizon`]: the clock went back since.
pub fn beyond_horizon(
    feed: &FeedConfig,
    policy: &PollConfig,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    // The daemon asks for every feed at every wake-up: settle the common case without the
    // period, which costs two cron evaluations for a scheduled feed. The horizon is never
    // nearer than the backoff cap plus jitter.
    if at <= add(now, policy.max_backoff + policy.jitter) {
        return false;
    }
    at > add(now, horizon(feed, policy, now))
}

/// How far a poll of `feed_id` planned from `at` moves: up to [`JITTER_SHARE`] of the period,
/// at most `policy.jitter`. Deterministic, so a test (and an operator reading `status`) can
/// reproduce it, but different for each feed and each poll.
pub fn jitter(feed_id: &str, at: DateTime<Utc>, period: Duration, policy: &PollConfig) -> Duration {
    let most = period.mul_f64(JITTER_SHARE).min(policy.jitter);
    most.mul_f64(fraction(&(feed_id, at.timestamp())))
}

/// A number in [0, 1) derived from `key`.
fn fraction(key: &impl Hash) -> f64 {
    // DefaultHasher::new() has fixed keys: the same input gives the same number on every run.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;
    use chrono::TimeZone;

    const MIN: Duration = Duration::from_secs(60);

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 7, h, m, 0).unwrap()
    }

    fn feed(interval: Option<Duration>, schedule: Option<&str>) -> FeedConfig {
        FeedConfig {
            interval,
            schedule: schedule.map(|s| Schedule::parse(s).unwrap()),
            ..FeedConfig::new(
                "gao",
                url::Url::parse("https://www.gao.gov/rss/reports.xml").unwrap(),
                "feeds/test.toml",
            )
        }
    }

    fn policy(jitter: Duration) -> PollConfig {
        PollConfig {
            interval: 30 * MIN,
            max_backoff: 360 * MIN,
            jitter,
        }
    }

    fn ok(at: DateTime<Utc>) -> LastPoll {
        LastPoll {
            at,
            consecutive_errors: 0,
            retry_at: None,
            max_age: None,
        }
    }

    #[test]
    fn a_success_waits_one_period() {
        let p = policy(Duration::ZERO);
        assert_eq!(next_poll(&feed(None, None), &p, &ok(at(10, 0))), at(10, 30));
        assert_eq!(
            next_poll(&feed(Some(10 * MIN), None), &p, &ok(at(10, 0))),
            at(10, 10)
        );
    }

    #[test]
    fn a_schedule_gives_the_next_cron_time_and_its_gap_is_the_period() {
        let p = policy(Duration::ZERO);
        let f = feed(None, Some("*/15 9-17 * * *"));
        assert_eq!(next_poll(&f, &p, &ok(at(10, 7))), at(10, 15));
        assert_eq!(
            next_poll(&f, &p, &ok(at(17, 50))),
            at(9, 0) + TimeDelta::days(1)
        );
        assert_eq!(period(&f, &p, at(10, 7)), 15 * MIN);
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap_and_reset_on_success() {
        let p = policy(Duration::ZERO);
        let f = feed(None, None);
        let fail = |n| LastPoll {
            consecutive_errors: n,
            ..ok(at(0, 0))
        };
        let waits: Vec<i64> = (1..=6)
            .map(|n| (next_poll(&f, &p, &fail(n)) - at(0, 0)).num_minutes())
            .collect();
        assert_eq!(waits, [60, 120, 240, 360, 360, 360]);
        assert_eq!(next_poll(&f, &p, &fail(u32::MAX)), at(6, 0), "no overflow");
        assert_eq!(next_poll(&f, &p, &ok(at(0, 0))), at(0, 30), "reset");
        // A feed polled daily backs off from its own period: the cap never shortens it.
        let daily = feed(Some(24 * 60 * MIN), None);
        assert_eq!(
            next_poll(&daily, &p, &fail(3)),
            at(0, 0) + TimeDelta::days(1)
        );
    }

    #[test]
    fn retry_after_and_max_age_push_later_never_earlier_and_are_capped() {
        let p = policy(Duration::ZERO);
        let f = feed(None, None);
        let base = ok(at(10, 0));
        let later = |l: LastPoll| next_poll(&f, &p, &l);
        assert_eq!(
            later(LastPoll {
                max_age: Some(90 * MIN),
                ..base
            }),
            at(11, 30)
        );
        assert_eq!(
            later(LastPoll {
                max_age: Some(5 * MIN),
                ..base
            }),
            at(10, 30),
            "a short max-age does not poll sooner"
        );
        assert_eq!(
            later(LastPoll {
                max_age: Some(Duration::from_secs(u64::MAX)),
                ..base
            }),
            at(16, 0),
            "capped"
        );
        assert_eq!(
            later(LastPoll {
                consecutive_errors: 1,
                retry_at: Some(at(13, 0)),
                ..base
            }),
            at(13, 0)
        );
        assert_eq!(
            later(LastPoll {
                consecutive_errors: 1,
                retry_at: Some(at(10, 0) + TimeDelta::days(365)),
                ..base
            }),
            at(16, 0),
            "a year-long Retry-After is capped"
        );
    }

    #[test]
    fn jitter_is_bounded_spreads_feeds_and_is_reproducible() {
        let p = policy(5 * MIN);
        let mut offsets = std::collections::HashSet::new();
        for n in 0..200 {
            let mut f = feed(None, None);
            f.id = format!("feed-{n}");
            let next = next_poll(&f, &p, &ok(at(10, 0)));
            let offset = next - at(10, 30);
            assert!(
                offset >= TimeDelta::zero() && offset < TimeDelta::minutes(3),
                "{offset}"
            );
            assert_eq!(next, next_poll(&f, &p, &ok(at(10, 0))), "reproducible");
            offsets.insert(offset.num_seconds());
        }
        assert!(offsets.len() > 100, "spread: {} distinct", offsets.len());
        // The cap applies when 10% of the period is more.
        let slow = feed(Some(24 * 60 * MIN), None);
        assert!(jitter("x", at(0, 0), 24 * 60 * MIN, &p) < 5 * MIN);
        assert!(next_poll(&slow, &p, &ok(at(0, 0))) < at(0, 5) + TimeDelta::days(1));
    }

    #[test]
    fn on_start_a_stored_future_time_stands_and_overdue_feeds_spread_out() {
        let p = policy(5 * MIN);
        let f = feed(None, None);
        let now = at(12, 0);
        assert_eq!(first_poll(&f, &p, Some(at(12, 20)), None, now), at(12, 20));
        // No stored time: from the last fetch.
        let last = ok(at(11, 50));
        let from_last = first_poll(&f, &p, None, Some(&last), now);
        assert_eq!(from_last, next_poll(&f, &p, &last));
        // Overdue or never polled: within the spread from now.
        for stored in [Some(at(3, 0)), None] {
            let t = first_poll(&f, &p, stored, None, now);
            assert!(t >= now && t < now + TimeDelta::minutes(5), "{t}");
        }
        let exact = policy(Duration::ZERO);
        assert_eq!(first_poll(&f, &exact, None, None, now), now);
    }

    /// A plan made before the clock went back (stored a day ahead, where no rule puts a
    /// 30-minute feed) is overdue, not a day-long silence; one within the cap stands.
    #[test]
    fn a_plan_past_the_horizon_is_from_a_clock_that_went_back_and_is_overdue() {
        let p = policy(5 * MIN);
        let f = feed(None, None);
        let now = at(12, 0);
        assert_eq!(horizon(&f, &p, now), 365 * MIN);
        let within = now + TimeDelta::minutes(365);
        assert!(!beyond_horizon(&f, &p, within, now));
        assert_eq!(first_poll(&f, &p, Some(within), None, now), within);
        let ahead = now + TimeDelta::days(1);
        assert!(beyond_horizon(&f, &p, ahead, now));
        let t = first_poll(&f, &p, Some(ahead), None, now);
        assert!(t >= now && t < now + TimeDelta::minutes(5), "{t}");
        // A weekly schedule's plan six days out is within its own period.
        let weekly = feed(None, Some("0 7 * * 1"));
        assert!(!beyond_horizon(&weekly, &p, now + TimeDelta::days(6), now));
    }
}
