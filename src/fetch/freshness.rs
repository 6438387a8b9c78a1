//! How long a response stays fresh (RFC 9111 §4.2.1): `Cache-Control: max-age` less the
//! `Age` the response already has. The daemon waits at least that long before polling the feed
//! again: the publisher said nothing will change before then. Pure.

use std::time::Duration;

/// The remaining freshness of a response, from its `Cache-Control` and `Age` values. `None`
/// when it gives none (no `max-age`, or `no-cache`/`no-store`, which ask for revalidation).
pub fn freshness(cache_control: Option<&str>, age: Option<&str>) -> Option<Duration> {
    let mut max_age = None;
    for directive in cache_control?.split(',') {
        let (name, value) = match directive.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
            None => (directive.trim(), None),
        };
        if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
            return None;
        }
        if name.eq_ignore_ascii_case("max-age") {
            // A malformed max-age makes the response stale (RFC 9111 §4.2.1): no hint.
            max_age = Some(value.and_then(delta_seconds)?);
        }
    }
    let age = age.and_then(delta_seconds).unwrap_or(0);
    max_age
        .map(|m| m.saturating_sub(age))
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
}

fn delta_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Past u64 it means "forever"; the caller caps it anyway.
    Some(text.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_less_age() {
        let s = Duration::from_secs;
        assert_eq!(freshness(Some("max-age=600"), None), Some(s(600)));
        assert_eq!(
            freshness(Some("public, max-age=600"), Some("100")),
            Some(s(500))
        );
        assert_eq!(
            freshness(Some("Max-Age=\"60\", must-revalidate"), None),
            Some(s(60))
        );
        assert_eq!(
            freshness(Some("max-age=60"), Some("90")),
            None,
            "already stale"
        );
        assert_eq!(
            freshness(Some("max-age=99999999999999999999999"), None),
            Some(s(u64::MAX))
        );
    }

    #[test]
    fn no_hint_when_absent_malformed_or_revalidation_asked() {
        assert_eq!(freshness(None, None), None);
        assert_eq!(freshness(Some("public"), None), None);
        assert_eq!(freshness(Some("max-age=soon"), None), None);
        assert_eq!(freshness(Some("max-age=-5"), None), None);
        assert_eq!(freshness(Some("max-age=600, no-cache"), None), None);
        assert_eq!(freshness(Some("no-store, max-age=600"), None), None);
    }
}
