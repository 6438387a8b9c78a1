//! `Retry-After` (RFC 9110 §10.2.3): how long a 429 or 503 asks us to stay away. Pure: the
//! caller injects `now`, so HTTP-dates are testable without a clock.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

/// Parses a `Retry-After` value, either delta-seconds (`120`) or an HTTP-date in any of the
/// three forms RFC 9110 requires recipients to accept. A date in the past means "now"
/// (`Duration::ZERO`). Returns `None` for anything unparseable, including a delay too large
/// for a `u64`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let when = parse_http_date(value)?;
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), obsolete RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc2822(value) {
        return Some(d.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(value, fmt).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(1994, 11, 6, 8, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn delta_seconds() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999999999999999999999", now()), None);
    }

    #[test]
    fn all_three_http_date_forms() {
        let expected = Some(Duration::from_secs(49 * 60 + 37));
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_retry_after(form, now()), expected, "{form}");
        }
    }

    #[test]
    fn past_date_means_now() {
        assert_eq!(
            parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn garbage_is_none() {
        for value in [
            "",
            "soon",
            "-5",
            "1.5",
            "12 s",
            "Sun, 99 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(value, now()), None, "{value:?}");
        }
    }
}
