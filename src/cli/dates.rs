//! `--since`/`--until` values: a date (`2026-11-01`), a timestamp (RFC 3339), or an age
//! (`7d`, `24h`, `90m`) counted back from now.

use chrono::{DateTime, Days, NaiveDate, Utc};

/// Which end of a day a bare date stands for.
#[derive(Debug, Clone, Copy)]
pub enum DayEnd {
    /// The day's first instant (for `--since`).
    Start,
    /// The next day's first instant (for `--until`, so that the whole day is included).
    End,
}

pub fn parse_when(text: &str, end: DayEnd, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = match end {
            DayEnd::Start => Some(day),
            DayEnd::End => day.checked_add_days(Days::new(1)),
        };
        return day
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| format!("date {text:?} is out of range"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if text.chars().next().is_some_and(|c| c.is_ascii_digit())
        && let Ok(age) = humantime::parse_duration(text)
    {
        return chrono::Duration::from_std(age)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
            .ok_or_else(|| format!("age {text:?} is too large"));
    }
    Err(format!(
        "{text:?} is not a date (2026-11-01), a timestamp (2026-11-01T09:00:00Z) or an age (7d, 24h)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dates_ages_and_timestamps() {
        assert_eq!(
            parse_when("2026-11-01", DayEnd::Start, now()).unwrap(),
            at("2026-11-01T00:00:00Z")
        );
        assert_eq!(
            parse_when("2026-11-01", DayEnd::End, now()).unwrap(),
            at("2026-11-02T00:00:00Z")
        );
        assert_eq!(
            parse_when("7d", DayEnd::Start, now()).unwrap(),
            at("2026-11-18T12:00:00Z")
        );
        assert_eq!(
            parse_when("24h", DayEnd::End, now()).unwrap(),
            at("2026-11-24T12:00:00Z")
        );
        assert_eq!(
            parse_when("2026-11-01T09:30:00-05:00", DayEnd::Start, now()).unwrap(),
            at("2026-11-01T14:30:00Z")
        );
        for bad in ["yesterday", "2026-13-01", "", "-7d"] {
            assert!(parse_when(bad, DayEnd::Start, now()).is_err(), "{bad}");
        }
    }
}
