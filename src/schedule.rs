//! When a subscriber's digest is due: the schedule arithmetic of the `digest` stage, pure
//! functions of a schedule, a time zone and an injected `now` (no clock, no I/O).
//!
//! A schedule is `hourly` (every hour on the hour, local time), `daily` (07:00 local),
//! `weekly` (Monday 07:00 local) or a cron expression. Cron expressions come in the standard
//! 5-field crontab form people type (`*/15 * * * *`, `0 7 * * 1-5`), which is translated to the
//! `cron` crate's form with a seconds field, or in the crate's own 6/7-field form
//! (`sec min hour day-of-month month day-of-week [year]`), taken as is. The `@hourly`,
//! `@daily`, `@weekly`, `@monthly` and `@yearly` shorthands are passed to the crate.
//!
//! Local times are DST-correct: `daily` is 07:00 on the subscriber's wall clock in summer and
//! winter alike. A local time that does not exist (skipped by a spring-forward change) fires
//! at the first wall-clock time after it that does; one that happens twice (fall-back) fires
//! once for `daily`/`weekly`, at the first of the two.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono::{Timelike, Weekday};
use chrono_tz::Tz;

/// The schedule of a subscription that names none.
pub const DEFAULT_SCHEDULE: Schedule = Schedule::Daily;
/// The zone of a subscription that names none.
pub const DEFAULT_TZ: Tz = Tz::UTC;
/// Local time of day of the `daily` and `weekly` digests.
pub const DIGEST_HOUR: u32 = 7;
/// Weekday of the `weekly` digest.
pub const WEEKLY_DAY: Weekday = Weekday::Mon;
/// Longest schedule text accepted; far above any real expression.
const MAX_SCHEDULE_BYTES: usize = 256;

/// Day-of-week names as the `cron` crate reads them, indexed by crontab number (0 = Sunday).
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Why a schedule or zone was refused; the message names the text and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    #[error("empty schedule: use hourly, daily, weekly or a cron expression")]
    Empty,
    #[error("schedule {text:?} is longer than {max} bytes", max = MAX_SCHEDULE_BYTES)]
    TooLong { text: String },
    #[error(
        "schedule {text:?} has {fields} fields: use hourly, daily, weekly, a 5-field crontab \
         expression (min hour day month weekday) or a 6/7-field one with seconds first"
    )]
    FieldCount { text: String, fields: usize },
    #[error("invalid cron expression {text:?}: {message}")]
    Cron { text: String, message: String },
    #[error(
        "unknown time zone {name:?}: use an IANA zone name such as UTC, America/New_York or \
         Europe/Berlin (case matters)"
    )]
    UnknownZone { name: String },
}

/// When a subscriber's digests go out.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Schedule {
    /// Every hour on the hour, local time.
    Hourly,
    /// Every day at 07:00 local time.
    Daily,
    /// Every Monday at 07:00 local time.
    Weekly,
    /// A cron expression.
    Cron(CronSchedule),
}

/// A parsed cron expression and the text it was given as.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    /// The expression as given (whitespace collapsed): what `Display` gives back.
    text: String,
    /// The same expression in the `cron` crate's form (seconds first). Boxed: it is ~250
    /// bytes, and every `Subscription` carries a `Schedule`.
    cron: Box<cron::Schedule>,
}

impl CronSchedule {
    /// The expression as the subscriber gave it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The expression in the `cron` crate's 6/7-field form (identical for a 6/7-field input).
    pub fn crate_form(&self) -> &str {
        self.cron.source()
    }
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Schedule) -> bool {
        // Two schedules are the same when they read the same: the canonical text.
        self.to_string() == other.to_string()
    }
}

impl Eq for Schedule {}

impl Schedule {
    /// Parses `hourly`, `daily`, `weekly` (any case), a 5-field crontab expression, a
    /// 6/7-field `cron` crate expression, or an `@`-shorthand.
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(ScheduleError::Empty);
        }
        if collapsed.len() > MAX_SCHEDULE_BYTES {
            return Err(ScheduleError::TooLong {
                text: crate::text::prefix(&collapsed, MAX_SCHEDULE_BYTES).to_owned(),
            });
        }
        match collapsed.to_ascii_lowercase().as_str() {
            "hourly" => return Ok(Schedule::Hourly),
            "daily" => return Ok(Schedule::Daily),
            "weekly" => return Ok(Schedule::Weekly),
            _ => {}
        }
        let fields: Vec<&str> = collapsed.split(' ').collect();
        let crate_form = if collapsed.starts_with('@') {
            collapsed.to_ascii_lowercase()
        } else {
            match fields.len() {
                5 => translate_crontab(&collapsed, &fields)?,
                6 | 7 => collapsed.clone(),
                n => {
                    return Err(ScheduleError::FieldCount {
                        text: collapsed,
                        fields: n,
                    });
                }
            }
        };
        let cron = cron::Schedule::from_str(&crate_form).map_err(|e| ScheduleError::Cron {
            text: collapsed.clone(),
            message: e.to_string(),
        })?;
        Ok(Schedule::Cron(CronSchedule {
            text: collapsed,
            cron: Box::new(cron),
        }))
    }

    /// The first scheduled instant strictly after `after`, in zone `tz`; `None` when the
    /// schedule never fires again (a cron expression whose years are all past).
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Hourly => Some(next_local_hour(after, tz)),
            Schedule::Daily => next_local_time(after, tz, None),
            Schedule::Weekly => next_local_time(after, tz, Some(WEEKLY_DAY)),
            Schedule::Cron(c) => {
                // The crate walks local wall-clock times: at a fall-back change it can yield
                // the earlier of two ambiguous instants, which may lie before `after`; the
                // next one it yields is the later. A handful of steps always suffices.
                c.cron
                    .after(&after.with_timezone(&tz))
                    .take(4)
                    .map(|t| t.with_timezone(&Utc))
                    .find(|t| *t > after)
            }
        }
    }

    /// Whether a digest is due at `now`: the next scheduled instant after the end of the last
    /// delivered window (or, before any delivery, after the subscription was created) has come.
    pub fn is_due(
        &self,
        last_window_end: Option<DateTime<Utc>>,
        created: DateTime<Utc>,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> bool {
        let from = last_window_end.unwrap_or(created);
        self.next_after(from, tz).is_some_and(|next| next <= now)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Hourly => f.write_str("hourly"),
            Schedule::Daily => f.write_str("daily"),
            Schedule::Weekly => f.write_str("weekly"),
            Schedule::Cron(c) => f.write_str(&c.text),
        }
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Schedule, ScheduleError> {
        Schedule::parse(text)
    }
}

impl serde::Serialize for Schedule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Parses an IANA zone name (`UTC`, `America/New_York`).
pub fn parse_tz(name: &str) -> Result<Tz, ScheduleError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| ScheduleError::UnknownZone {
            name: crate::text::prefix(name, MAX_SCHEDULE_BYTES).to_owned(),
        })
}

/// Serializes a zone as its IANA name (chrono-tz's own serde support is a feature we leave
/// off to keep the dependency lean).
pub fn serialize_tz<S: serde::Serializer>(tz: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(tz.name())
}

/// Translates a 5-field crontab expression to the `cron` crate's form: a `0` seconds field in
/// front, and the day-of-week field rewritten as day names, because crontab numbers days
/// 0–7 from Sunday (0 and 7 both Sunday) while the crate numbers them 1–7 from Sunday.
fn translate_crontab(text: &str, fields: &[&str]) -> Result<String, ScheduleError> {
    let invalid = |message: String| ScheduleError::Cron {
        text: text.to_owned(),
        message,
    };
    let (dom, dow) = (fields[2], fields[4]);
    let restricted = |f: &str| f != "*" && f != "?";
    if restricted(dom) && restricted(dow) {
        // crontab fires when EITHER field matches; the crate requires both. Rather than run
        // on different days than the subscriber expects, refuse.
        return Err(invalid(
            "both day-of-month and day-of-week are restricted, which crontab reads as \"either\" \
             and govwatch cannot: set one of them to *"
                .to_owned(),
        ));
    }
    let dow = if restricted(dow) {
        let days = crontab_weekdays(dow).map_err(invalid)?;
        days.iter()
            .map(|&d| DAY_NAMES[d])
            .collect::<Vec<_>>()
            .join(",")
    } else {
        dow.to_owned()
    };
    Ok(format!(
        "0 {} {} {} {} {}",
        fields[0], fields[1], fields[2], fields[3], dow
    ))
}

/// Expands a crontab day-of-week field (`1-5`, `0,6`, `*/2`, `MON-FRI`, `5-7`) into sorted
/// crontab day numbers 0–6 (Sunday 0).
fn crontab_weekdays(field: &str) -> Result<Vec<usize>, String> {
    let mut set = [false; 7];
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: usize = step
                    .parse()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("invalid step {step:?} in day-of-week {part:?}"))?;
                (range, step)
            }
            None => (part, 1),
        };
        let (start, end) = if range == "*" {
            (0, 6)
        } else if let Some((a, b)) = range.split_once('-') {
            (crontab_day(a)?, crontab_day(b)?)
        } else {
            let day = crontab_day(range)?;
            // `5/2` means from 5 to the end of the week in steps of 2.
            (day, if step > 1 { 7 } else { day })
        };
        if start > end {
            return Err(format!(
                "day-of-week range {range:?} runs backwards (crontab ranges go low to high)"
            ));
        }
        for day in (start..=end).step_by(step) {
            set[day % 7] = true;
        }
    }
    Ok((0..7).filter(|&d| set[d]).collect())
}

/// One crontab day: 0–7 (0 and 7 are Sunday) or a three-letter English name.
fn crontab_day(text: &str) -> Result<usize, String> {
    if let Ok(n) = text.parse::<usize>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!("day of week {n} is out of range 0-7"))
        };
    }
    DAY_NAMES
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
        .ok_or_else(|| format!("{text:?} is not a day of the week (0-7 or SUN-SAT)"))
}

/// The next instant strictly after `after` at which the local clock shows a whole hour.
fn next_local_hour(after: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    // Every zone in use today is offset from UTC by a multiple of 15 minutes, so local whole
    // hours fall on UTC quarter hours: test the next eight of those (two hours, enough to
    // cross any DST change).
    let quarter = Duration::minutes(15);
    let base = after
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .and_then(|t| t.with_minute(t.minute() / 15 * 15))
        // Truncating an existing UTC time to its quarter hour always exists.
        .unwrap_or(after);
    (1..=8)
        .map(|k| base + quarter * k)
        .find(|t| {
            let local = t.with_timezone(&tz);
            local.minute() == 0 && local.second() == 0
        })
        // Only historical zones with odd-second offsets (before ~1900) get here.
        .unwrap_or_else(|| base + quarter * 4)
}

/// The next instant strictly after `after` at 07:00 local time, on `weekday` if given.
fn next_local_time(
    after: DateTime<Utc>,
    tz: Tz,
    weekday: Option<Weekday>,
) -> Option<DateTime<Utc>> {
    let time = NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0)?;
    let mut date = after.with_timezone(&tz).date_naive().pred_opt()?;
    // Starting a day early covers a local time already past in UTC but not yet locally; eight
    // days more cover any weekday.
    for _ in 0..10 {
        if weekday.is_none_or(|w| date.weekday() == w) {
            let at = resolve_local(tz, date.and_time(time))?;
            if at > after {
                return Some(at);
            }
        }
        date = date.succ_opt()?;
    }
    None
}

/// The instant of a local wall-clock time: the earlier of two at a fall-back change; for a
/// time skipped by a spring-forward change, the first existing wall-clock time after it.
fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Gaps are at most a few hours; quarter-hour steps land on the first existing time.
    (0..=16)
        .map(|k| local + Duration::minutes(15 * k))
        .find_map(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ny() -> Tz {
        parse_tz("America/New_York").unwrap()
    }

    fn cron_form(text: &str) -> String {
        match Schedule::parse(text).unwrap() {
            Schedule::Cron(c) => c.crate_form().to_owned(),
            other => panic!("{text} parsed as {other:?}"),
        }
    }

    #[test]
    fn keywords_parse_in_any_case_and_display_canonically() {
        for (text, want) in [
            ("hourly", "hourly"),
            ("Daily", "daily"),
            (" WEEKLY ", "weekly"),
        ] {
            assert_eq!(Schedule::parse(text).unwrap().to_string(), want);
        }
        assert_eq!(Schedule::parse("daily").unwrap(), Schedule::Daily);
    }

    #[test]
    fn five_field_crontab_gets_a_seconds_field_and_day_names() {
        assert_eq!(cron_form("*/15 * * * *"), "0 */15 * * * *");
        assert_eq!(cron_form("0 7 * * 1-5"), "0 0 7 * * MON,TUE,WED,THU,FRI");
        assert_eq!(cron_form("0 7 * * 0"), "0 0 7 * * SUN");
        assert_eq!(cron_form("0 7 * * 7"), "0 0 7 * * SUN");
        assert_eq!(cron_form("0 7 * * 5-7"), "0 0 7 * * SUN,FRI,SAT");
        assert_eq!(
            cron_form("0 7 * * mon-fri"),
            "0 0 7 * * MON,TUE,WED,THU,FRI"
        );
        assert_eq!(cron_form("0 7 * * */2"), "0 0 7 * * SUN,TUE,THU,SAT");
        // `1/2` runs to the end of crontab's 0-7 range, as cronie reads it: 1, 3, 5 and 7,
        // and 7 is Sunday.
        assert_eq!(cron_form("0 7 * * 1/2"), "0 0 7 * * SUN,MON,WED,FRI");
        assert_eq!(cron_form("30  9 1 * *"), "0 30 9 1 * *");
        // Display gives the text back as typed (whitespace collapsed), not the crate form.
        assert_eq!(
            Schedule::parse("0  7 * * 1-5").unwrap().to_string(),
            "0 7 * * 1-5"
        );
    }

    #[test]
    fn weekday_crontab_fires_monday_to_friday_at_seven() {
        let s = Schedule::parse("0 7 * * 1-5").unwrap();
        // Friday 2026-11-27 08:00 UTC: the next is Monday the 30th at 07:00.
        let next = s.next_after(utc("2026-11-27T08:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-11-30T07:00:00Z"));
        assert_eq!(next.weekday(), Weekday::Mon);
        let next = s.next_after(utc("2026-11-30T07:00:00Z"), Tz::UTC).unwrap();
        assert_eq!(next, utc("2026-12-01T07:00:00Z"), "strictly after");
    }

    #[test]
    fn every_fifteen_minutes() {
        let s = Schedule::parse("*/15 * * * *").unwrap();
        let t = utc("2026-11-25T10:07:30Z");
        assert_eq!(s.next_after(t, Tz::UTC), Some(utc("2026-11-25T10:15:00Z")));
        assert_eq!(
            s.next_after(utc("2026-11-25T10:15:00Z"), Tz::UTC),
            Some(utc("2026-11-25T10:30:00Z"))
        );
    }

    #[test]
    fn six_and_seven_field_forms_are_taken_as_is() {
        assert_eq!(cron_form("0 30 9 * * Mon"), "0 30 9 * * Mon");
        let s = Schedule::parse("0 0 12 1 1 * 2027").unwrap();
        assert_eq!(
            s.next_after(utc("2026-01-01T00:00:00Z"), Tz::UTC),
            Some(utc("2027-01-01T12:00:00Z"))
        );
        // Once its only year has passed, it never fires again.
        assert_eq!(s.next_after(utc("2027-06-01T00:00:00Z"), Tz::UTC), None);
        assert!(!s.is_due(
            None,
            utc("2027-06-01T00:00:00Z"),
            utc("2099-01-01T00:00:00Z"),
            Tz::UTC
        ));
    }

    #[test]
    fn at_shorthands_are_supported() {
        let s = Schedule::parse("@daily").unwrap();
        assert_eq!(s.to_string(), "@daily");
        assert_eq!(
            s.next_after(utc("2026-11-25T10:00:00Z"), Tz::UTC),
            Some(utc("2026-11-26T00:00:00Z"))
        );
        let s = Schedule::parse("@weekly").unwrap();
        // crontab's @weekly: Sunday midnight. 2026-11-29 is a Sunday.
        assert_eq!(
            s.next_after(utc("2026-11-25T10:00:00Z"), Tz::UTC),
            Some(utc("2026-11-29T00:00:00Z"))
        );
        assert!(Schedule::parse("@hourly").is_ok());
        assert!(Schedule::parse("@fortnightly").is_err());
    }

    #[test]
    fn invalid_expressions_are_refused_with_the_reason() {
        for text in [
            "61 * * * *",
            "* 24 * * *",
            "0 7 * * 8",
            "0 7 * * 5-1",
            "0 7 * * funday",
            "0 7 * * */0",
            "0 7 1 * 1",
            "a b c d e",
            "0 0 7 * * Mon 1999 extra",
            "every day",
            "0 7 * *",
            "",
            "   ",
        ] {
            let err = Schedule::parse(text).unwrap_err();
            let message = err.to_string();
            assert!(!message.is_empty(), "{text:?}");
            if !text.trim().is_empty() {
                assert!(message.contains(text.trim()), "{text:?}: {message}");
            }
        }
        assert_eq!(Schedule::parse(" ").unwrap_err(), ScheduleError::Empty);
        assert!(matches!(
            Schedule::parse("every day").unwrap_err(),
            ScheduleError::FieldCount { fields: 2, .. }
        ));
        assert!(matches!(
            Schedule::parse(&"1 ".repeat(200)).unwrap_err(),
            ScheduleError::TooLong { .. }
        ));
        let both = Schedule::parse("0 7 1 * 1").unwrap_err().to_string();
        assert!(both.contains("day-of-month and day-of-week"), "{both}");
    }

    #[test]
    fn zones_parse_by_iana_name() {
        assert_eq!(parse_tz("UTC").unwrap(), Tz::UTC);
        assert_eq!(parse_tz("Europe/Berlin").unwrap().name(), "Europe/Berlin");
        let err = parse_tz("Mars/Olympus").unwrap_err().to_string();
        assert!(err.contains("Mars/Olympus"), "{err}");
        assert!(parse_tz("").is_err());
    }

    #[test]
    fn daily_is_seven_local_across_the_dst_changes() {
        let tz = ny();
        // March 8, 2026: clocks spring forward at 02:00 EST (UTC-5 → UTC-4).
        let s = Schedule::Daily;
        let before = s.next_after(utc("2026-03-07T13:00:00Z"), tz).unwrap();
        assert_eq!(
            before,
            utc("2026-03-08T11:00:00Z"),
            "07:00 EDT on the change day"
        );
        let prev = s.next_after(utc("2026-03-06T13:00:00Z"), tz).unwrap();
        assert_eq!(
            prev,
            utc("2026-03-07T12:00:00Z"),
            "07:00 EST the day before"
        );
        // November 1, 2026: clocks fall back at 02:00 EDT (UTC-4 → UTC-5).
        let oct31 = s.next_after(utc("2026-10-30T12:00:00Z"), tz).unwrap();
        assert_eq!(oct31, utc("2026-10-31T11:00:00Z"));
        let nov1 = s.next_after(oct31, tz).unwrap();
        assert_eq!(
            nov1,
            utc("2026-11-01T12:00:00Z"),
            "07:00 EST after the change"
        );
        for t in [prev, before, oct31, nov1] {
            let local = t.with_timezone(&tz);
            assert_eq!((local.hour(), local.minute()), (7, 0), "{t}");
        }
    }

    #[test]
    fn daily_considers_the_local_date_not_the_utc_date() {
        // 2026-11-25 03:00 UTC is still the 24th, 22:00, in New York: the next 07:00 is the
        // 25th at 12:00 UTC, not the 26th.
        let next = Schedule::Daily
            .next_after(utc("2026-11-25T03:00:00Z"), ny())
            .unwrap();
        assert_eq!(next, utc("2026-11-25T12:00:00Z"));
        // Tokyo is ahead: at 2026-11-24 23:00 UTC it is already the 25th, 08:00.
        let tokyo = parse_tz("Asia/Tokyo").unwrap();
        let next = Schedule::Daily
            .next_after(utc("2026-11-24T23:00:00Z"), tokyo)
            .unwrap();
        assert_eq!(next, utc("2026-11-25T22:00:00Z"));
    }

    #[test]
    fn weekly_is_monday_seven_local() {
        // 2026-11-25 is a Wednesday.
        let next = Schedule::Weekly
            .next_after(utc("2026-11-25T12:00:00Z"), ny())
            .unwrap();
        assert_eq!(next, utc("2026-11-30T12:00:00Z"));
        assert_eq!(next.with_timezone(&ny()).weekday(), Weekday::Mon);
        // Monday just before and just after 07:00 local.
        assert_eq!(
            Schedule::Weekly.next_after(utc("2026-11-30T11:59:59Z"), ny()),
            Some(utc("2026-11-30T12:00:00Z"))
        );
        assert_eq!(
            Schedule::Weekly.next_after(utc("2026-11-30T12:00:00Z"), ny()),
            Some(utc("2026-12-07T12:00:00Z"))
        );
        // Across the March change: Monday March 9, 2026 07:00 EDT.
        assert_eq!(
            Schedule::Weekly.next_after(utc("2026-03-03T00:00:00Z"), ny()),
            Some(utc("2026-03-09T11:00:00Z"))
        );
    }

    #[test]
    fn hourly_is_every_local_whole_hour_including_the_repeated_one() {
        let tz = ny();
        // Fall back: 01:00 EDT (05:00Z), 01:00 EST (06:00Z), 02:00 EST (07:00Z).
        let mut t = utc("2026-11-01T04:30:00Z");
        let mut got = Vec::new();
        for _ in 0..3 {
            t = Schedule::Hourly.next_after(t, tz).unwrap();
            got.push(t);
        }
        assert_eq!(
            got,
            [
                utc("2026-11-01T05:00:00Z"),
                utc("2026-11-01T06:00:00Z"),
                utc("2026-11-01T07:00:00Z")
            ]
        );
        // A half-hour zone: whole local hours are UTC half hours.
        let kolkata = parse_tz("Asia/Kolkata").unwrap();
        assert_eq!(
            Schedule::Hourly.next_after(utc("2026-11-25T10:05:00Z"), kolkata),
            Some(utc("2026-11-25T10:30:00Z"))
        );
        assert_eq!(
            Schedule::Hourly.next_after(utc("2026-11-25T10:30:00Z"), Tz::UTC),
            Some(utc("2026-11-25T11:00:00Z"))
        );
    }

    #[test]
    fn a_skipped_local_time_fires_when_the_clock_passes_it() {
        // Daily at 07:00 never falls in a US gap, but a cron time does: the crate skips a
        // non-existent 02:30 on the change day, so it fires next at 02:30 on March 9.
        let s = Schedule::parse("30 2 * * *").unwrap();
        let next = s.next_after(utc("2026-03-08T05:00:00Z"), ny()).unwrap();
        assert_eq!(next, utc("2026-03-09T06:30:00Z"));
        // Our own daily arithmetic shifts a skipped time forward instead: Santiago
        // (America/Santiago) springs forward at 00:00 → 01:00; a 00:00 local time on that
        // day resolves to 01:00 local. Checked through resolve_local directly.
        let santiago = parse_tz("America/Santiago").unwrap();
        let gap = NaiveDate::from_ymd_opt(2026, 9, 6)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert!(santiago.from_local_datetime(&gap).earliest().is_none());
        let at = resolve_local(santiago, gap).unwrap();
        assert_eq!(at.with_timezone(&santiago).hour(), 1);
    }

    #[test]
    fn cron_across_fall_back_never_goes_backwards() {
        let tz = ny();
        let s = Schedule::parse("*/30 * * * *").unwrap();
        // 01:30 EST (06:30Z), after the repeated hour began: the next is 02:00 EST.
        let after = utc("2026-11-01T06:30:00Z");
        let next = s.next_after(after, tz).unwrap();
        assert_eq!(next, utc("2026-11-01T07:00:00Z"));
        // 01:15 EST (06:15Z): the wall clock next shows 01:30, which happened twice; the
        // first of the two (01:30 EDT, 05:30Z) is already past, so the answer is 01:30 EST.
        let after = utc("2026-11-01T06:15:00Z");
        assert_eq!(s.next_after(after, tz), Some(utc("2026-11-01T06:30:00Z")));
    }

    #[test]
    fn due_when_the_next_time_after_the_last_window_has_come() {
        let created = utc("2026-11-25T10:00:00Z");
        let s = Schedule::Daily;
        // Created after today's 07:00: not due until tomorrow's.
        assert!(!s.is_due(None, created, utc("2026-11-25T23:59:00Z"), Tz::UTC));
        assert!(s.is_due(None, created, utc("2026-11-26T07:00:00Z"), Tz::UTC));
        // Delivered at 07:00:05 on the 26th: due again on the 27th at 07:00.
        let last = Some(utc("2026-11-26T07:00:05Z"));
        assert!(!s.is_due(last, created, utc("2026-11-26T20:00:00Z"), Tz::UTC));
        assert!(s.is_due(last, created, utc("2026-11-27T07:00:00Z"), Tz::UTC));
        // A missed run (daemon down for days) is due at once, not skipped.
        assert!(s.is_due(last, created, utc("2026-12-05T03:00:00Z"), Tz::UTC));
        // In New York, 07:00 is 12:00 UTC: delivered at 07:00:05 local on the 26th, the
        // next is due at 12:00 UTC on the 27th.
        let last = Some(utc("2026-11-26T12:00:05Z"));
        assert!(!s.is_due(last, created, utc("2026-11-27T11:59:00Z"), ny()));
        assert!(s.is_due(last, created, utc("2026-11-27T12:00:00Z"), ny()));
    }
}
