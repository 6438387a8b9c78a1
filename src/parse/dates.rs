//! The timestamp parser handed to feed-rs: strict RFC 3339 and RFC 2822 first (the fast path
//! for well-behaved feeds), then a tolerant reading of what feeds really contain — localised
//! or misspelt weekdays, month names in a few European languages, missing seconds or time
//! zones (read as UTC), zone abbreviations, ISO dates with a space or without a zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Parses a feed timestamp to UTC; `None` when it does not look like a date at all.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    parse_iso_lenient(s).or_else(|| parse_words(s))
}

/// `2026-03-04`, `2026-03-04 10:20`, `2026-03-04T10:20:30.5+0100`, `2026-03-04T10:20:30 Z`…
fn parse_iso_lenient(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 10 || !b[..4].iter().all(u8::is_ascii_digit) || !matches!(b[4], b'-' | b'/') {
        return None;
    }
    let sep = b[4] as char;
    // `get` rather than indexing: byte 10 may fall inside a multi-byte character.
    let mut parts = s.get(..10)?.split(sep);
    let (y, m, d) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let rest = s.get(10..)?.trim_start_matches(['T', 't', ' ']);
    if rest.is_empty() {
        return Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
    }
    let time_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.' || c == ','))
        .unwrap_or(rest.len());
    let time = parse_time(&rest[..time_len])?;
    let offset = parse_zone(rest[time_len..].trim())?;
    offset
        .from_local_datetime(&date.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// RFC 822-ish dates with words in them, in any token order: `Mi, 4 Mär 2026 10:20 MEZ`,
/// `Thurs, 13 Jul 2026 07:38:00 GMT`, `March 4, 2026 10:20 AM EST`, `04.03.2026 10:20`.
fn parse_words(s: &str) -> Option<DateTime<Utc>> {
    let mut year: Option<i32> = None;
    let mut month: Option<u32> = None;
    let mut numbers: Vec<u32> = Vec::new();
    let mut time: Option<NaiveTime> = None;
    let mut offset: Option<FixedOffset> = None;
    let mut pm: Option<bool> = None;
    for raw in s.split([' ', ',', '\t', '\n']).filter(|t| !t.is_empty()) {
        let token = raw.trim_end_matches('.');
        if token.contains(':') && token.starts_with(|c: char| c.is_ascii_digit()) {
            // A time, possibly with a zone glued on ("10:20:30Z", "10:20+0100").
            let end = token
                .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
                .unwrap_or(token.len());
            time = Some(parse_time(&token[..end])?);
            if end < token.len() {
                offset = Some(parse_zone(&token[end..])?);
            }
        } else if token.starts_with(['+', '-']) && token.len() > 2 {
            offset = Some(parse_zone(token)?);
        } else if token.chars().all(|c| c.is_ascii_digit()) {
            let n: u32 = token.parse().ok()?;
            if token.len() == 4 {
                year = Some(n as i32);
            } else {
                numbers.push(n);
            }
        } else if let Some((d, m, y)) = numeric_date(token) {
            numbers.push(d);
            month = Some(m);
            year = Some(y);
        } else if token.chars().all(char::is_alphabetic) {
            let lower = token.to_lowercase();
            if lower == "am" || lower == "pm" {
                pm = Some(lower == "pm");
            } else if let Some(m) = month_number(&lower) {
                // The last month-like word wins: a leading weekday abbreviation such as
                // Italian "mar" (martedì) can look like a month, the real month follows it.
                month = Some(m);
            } else if let Some(z) = zone_abbreviation(&lower) {
                offset = Some(z);
            }
            // Anything else is a weekday (in some language) or filler such as "at".
        } else if let Some(z) = parse_zone(token) {
            offset = Some(z);
        }
    }
    let month = month?;
    let (day, year) = match (year, numbers.as_slice()) {
        (Some(y), [d, ..]) => (*d, y),
        // Two-digit years (RFC 822): day first, then year.
        (None, [d, y, ..]) if *y < 100 => (*d, 2000 + *y as i32 - if *y >= 70 { 100 } else { 0 }),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let mut time = time.unwrap_or(NaiveTime::MIN);
    if let Some(pm) = pm {
        use chrono::Timelike;
        let h = time.hour() % 12 + if pm { 12 } else { 0 };
        time = time.with_hour(h)?;
    }
    offset
        .unwrap_or_else(utc)
        .from_local_datetime(&date.and_time(time))
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn utc() -> FixedOffset {
    // Zero is always a valid offset.
    FixedOffset::east_opt(0).expect("zero offset")
}

/// `DD.MM.YYYY` or `DD/MM/YYYY` (day first, as everywhere outside the US).
fn numeric_date(token: &str) -> Option<(u32, u32, i32)> {
    let mut parts = token.split(['.', '/']);
    let d = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let y = parts.next()?;
    if y.len() != 4 || parts.next().is_some() {
        return None;
    }
    Some((d, m, y.parse().ok()?))
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let mut parts = s.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let (sec, nanos) = match parts.next() {
        Some(sec) => {
            let (whole, frac) = sec.split_once(['.', ',']).unwrap_or((sec, ""));
            let whole: u32 = whole.parse().ok()?;
            let digits: String = frac.chars().take(9).collect();
            let nanos = if digits.is_empty() {
                0
            } else {
                digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32)
            };
            (whole, nanos)
        }
        None => (0, 0),
    };
    // "24:00" and leap seconds: clamp rather than drop the whole date.
    NaiveTime::from_hms_nano_opt(h.min(23), m, sec.min(59), nanos)
}

/// A zone: empty (UTC), `Z`, `+01:00`, `+0100`, `+01`, `GMT+1`, or an abbreviation.
fn parse_zone(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.is_empty() {
        return Some(utc());
    }
    let lower = s.to_ascii_lowercase();
    if let Some(z) = zone_abbreviation(&lower) {
        return Some(z);
    }
    let s = lower
        .strip_prefix("gmt")
        .or_else(|| lower.strip_prefix("utc"))
        .unwrap_or(&lower);
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(char::is_ascii_digit).collect();
    let (h, m): (i32, i32) = match digits.len() {
        1 | 2 => (digits.parse().ok()?, 0),
        3 | 4 => {
            let split = digits.len() - 2;
            (digits[..split].parse().ok()?, digits[split..].parse().ok()?)
        }
        _ => return None,
    };
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

fn zone_abbreviation(lower: &str) -> Option<FixedOffset> {
    let hours = match lower {
        "z" | "ut" | "utc" | "gmt" | "wet" => 0.0,
        "bst" | "cet" | "mez" | "wat" | "west" => 1.0,
        "cest" | "mesz" | "eet" | "sast" => 2.0,
        "eest" | "msk" => 3.0,
        "ist" => 5.5,
        "sgt" | "hkt" | "awst" => 8.0,
        "jst" | "kst" => 9.0,
        "aest" => 10.0,
        "aedt" => 11.0,
        "nzst" => 12.0,
        "nzdt" => 13.0,
        "ast" | "edt" => -4.0,
        "est" | "cdt" => -5.0,
        "cst" | "mdt" => -6.0,
        "mst" | "pdt" => -7.0,
        "pst" | "akdt" => -8.0,
        "akst" => -9.0,
        "hst" => -10.0,
        _ => return None,
    };
    FixedOffset::east_opt((hours * 3600.0) as i32)
}

/// Month names and abbreviations in English, German, French, Italian, Spanish, Dutch and
/// Portuguese, matched on a prefix long enough to be unambiguous.
fn month_number(lower: &str) -> Option<u32> {
    const MONTHS: &[(&str, u32)] = &[
        ("jan", 1),
        ("gen", 1),
        ("ene", 1),
        ("feb", 2),
        ("fév", 2),
        ("fev", 2),
        ("mar", 3),
        ("mär", 3),
        ("mrz", 3),
        ("maa", 3),
        ("apr", 4),
        ("avr", 4),
        ("abr", 4),
        ("may", 5),
        ("mai", 5),
        ("mag", 5),
        ("mei", 5),
        ("juin", 6),
        ("juil", 7),
        ("jun", 6),
        ("giu", 6),
        ("jul", 7),
        ("lug", 7),
        ("aug", 8),
        ("aoû", 8),
        ("aou", 8),
        ("ago", 8),
        ("sep", 9),
        ("set", 9),
        ("oct", 10),
        ("okt", 10),
        ("ott", 10),
        ("out", 10),
        ("nov", 11),
        ("dec", 12),
        ("dez", 12),
        ("déc", 12),
        ("dic", 12),
    ];
    if lower.chars().count() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .find(|(p, _)| lower.starts_with(p))
        .map(|(_, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> String {
        parse_timestamp(s)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn standard_formats() {
        assert_eq!(ts("2026-03-04T10:20:30Z"), "2026-03-04T10:20:30+00:00");
        assert_eq!(
            ts("Wed, 04 Mar 2026 10:20:30 -0500"),
            "2026-03-04T15:20:30+00:00"
        );
    }

    #[test]
    fn lenient_formats() {
        for (input, want) in [
            (
                "Mer, 04 Mar 2026 10:20:30 +0100",
                "2026-03-04T09:20:30+00:00",
            ),
            (
                "Thurs, 13 Jul 2026 07:38:00 GMT",
                "2026-07-13T07:38:00+00:00",
            ),
            ("Wed, 04 Mar 2026 10:20:30", "2026-03-04T10:20:30+00:00"),
            ("04 Mar 2026 10:20 EST", "2026-03-04T15:20:00+00:00"),
            ("2026-03-04", "2026-03-04T00:00:00+00:00"),
            ("2026-03-04 10:20:30", "2026-03-04T10:20:30+00:00"),
            ("2026-03-04T10:20:30+0100", "2026-03-04T09:20:30+00:00"),
            ("March 4, 2026 10:20 PM EST", "2026-03-05T03:20:00+00:00"),
            ("Mi, 4 Mär 2026 10:20:00 MEZ", "2026-03-04T09:20:00+00:00"),
            ("04.03.2026 10:20", "2026-03-04T10:20:00+00:00"),
            ("Tue, 3 Mar 26 08:00:00 UT", "2026-03-03T08:00:00+00:00"),
            ("Wed, 04 Mar 2026 24:00:00 GMT", "2026-03-04T23:00:00+00:00"),
        ] {
            assert_eq!(ts(input), want, "{input}");
        }
    }

    #[test]
    fn non_dates_are_none() {
        for input in ["", "soon", "2026", "42 things", "2026-03-0é", "2026-03-04é"] {
            assert_eq!(ts(input), "none", "{input}");
        }
    }
}
