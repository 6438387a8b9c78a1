//! Canonical URLs, for `normalize`: one spelling per page, so that an item's link compares,
//! deduplicates and identifies reliably, without the click-tracking parameters marketing tools
//! append.

use url::Url;

/// Query parameters that only track clicks and never select content; removed from canonical
/// URLs. Matched case-insensitively against the parameter name; an entry ending in `*` matches
/// every name with that prefix. Sources: Google Analytics/Ads (`utm_*`, `gclid`, `gclsrc`,
/// `dclid`, `gbraid`, `wbraid`, `_ga`, `_gl`), Meta (`fbclid`, `igshid`), Microsoft
/// (`msclkid`), Mailchimp (`mc_cid`, `mc_eid`), HubSpot (`_hsenc`, `_hsmi`, `__hstc`,
/// `__hssc`, `__hsfp`), Marketo (`mkt_tok`), Yandex (`yclid`), X/Twitter (`ref_src`,
/// `ref_url`, `twclid`), TikTok (`ttclid`), LinkedIn (`li_fat_id`), Matomo/Piwik (`mtm_*`,
/// `pk_*`), Omniture (`s_cid`), Vero (`vero_*`), Oracle Eloqua (`elqtrackid`, `elqtrack`),
/// Olytics (`oly_anon_id`, `oly_enc_id`), Rakuten (`rb_clickid`). Generic names (`ref`,
/// `source`, `si`) are deliberately absent: on some sites they select content.
pub const TRACKING_PARAMETERS: &[&str] = &[
    "utm_*",
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "mkt_tok",
    "igshid",
    "yclid",
    "ref_src",
    "ref_url",
    "twclid",
    "ttclid",
    "li_fat_id",
    "mtm_*",
    "pk_*",
    "s_cid",
    "vero_*",
    "elqtrackid",
    "elqtrack",
    "oly_anon_id",
    "oly_enc_id",
    "rb_clickid",
    "_ga",
    "_gl",
];

/// URLs longer than this are not links a reader follows; they get no canonical form.
pub const MAX_URL_LEN: usize = 8 * 1024;

/// The canonical form of an absolute http(s) URL: lowercase host, no default port, no
/// fragment, no credentials, no tracking parameters ([`TRACKING_PARAMETERS`]), the other
/// parameters kept in their order and spelling, no empty `?`. `None` for anything that is not
/// an absolute http/https URL (or is longer than [`MAX_URL_LEN`]).
pub fn canonical_url(url: &str) -> Option<String> {
    let url = url.trim();
    if url.len() > MAX_URL_LEN {
        return None;
    }
    let mut parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return None;
    }
    // Both cannot fail on an http(s) URL with a host (they only fail on cannot-be-a-base URLs).
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_fragment(None);
    let query = parsed.query().map(strip_tracking);
    // Done on the raw query so the kept parameters keep their exact encoding: re-serializing
    // through `query_pairs` would respell them (`+` vs `%20`, `a` vs `a=`).
    match query {
        Some(q) if !q.is_empty() => parsed.set_query(Some(&q)),
        _ => parsed.set_query(None),
    }
    Some(parsed.into())
}

fn strip_tracking(query: &str) -> String {
    let mut kept = String::with_capacity(query.len());
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        if is_tracking(name) {
            continue;
        }
        if !kept.is_empty() {
            kept.push('&');
        }
        kept.push_str(pair);
    }
    kept
}

fn is_tracking(name: &str) -> bool {
    TRACKING_PARAMETERS
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => {
                name.len() >= prefix.len()
                    && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            }
            None => name.eq_ignore_ascii_case(pattern),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(url: &str) -> Option<String> {
        canonical_url(url)
    }

    #[test]
    fn only_http_and_https() {
        assert_eq!(c("ftp://example.com/a"), None);
        assert_eq!(c("mailto:a@example.com"), None);
        assert_eq!(c("javascript:alert(1)"), None);
        assert_eq!(c("data:text/plain,hi"), None);
        assert_eq!(c("/relative/path"), None);
        assert_eq!(c("not a url"), None);
        assert_eq!(c(""), None);
        assert_eq!(
            c("http://example.com/a").as_deref(),
            Some("http://example.com/a")
        );
        assert_eq!(
            c("HTTPS://example.com/a").as_deref(),
            Some("https://example.com/a")
        );
    }

    #[test]
    fn host_is_lowercased_and_default_port_dropped() {
        assert_eq!(
            c("https://WWW.Example.GOV:443/Path/Case").as_deref(),
            Some("https://www.example.gov/Path/Case")
        );
        assert_eq!(
            c("http://example.com:80").as_deref(),
            Some("http://example.com/")
        );
        assert_eq!(
            c("http://example.com:8080/x").as_deref(),
            Some("http://example.com:8080/x")
        );
        assert_eq!(
            c("https://example.com:80/x").as_deref(),
            Some("https://example.com:80/x")
        );
    }

    #[test]
    fn fragment_and_credentials_dropped() {
        assert_eq!(
            c("https://example.com/a#section-2").as_deref(),
            Some("https://example.com/a")
        );
        assert_eq!(
            c("https://user:pw@example.com/a").as_deref(),
            Some("https://example.com/a")
        );
    }

    #[test]
    fn tracking_parameters_removed_order_kept() {
        assert_eq!(
            c("https://example.com/a?b=2&utm_source=x&a=1&UTM_Medium=y&fbclid=z&c=3").as_deref(),
            Some("https://example.com/a?b=2&a=1&c=3")
        );
        assert_eq!(
            c("https://example.com/?gclid=1&mc_cid=2&mc_eid=3&_hsenc=4&_hsmi=5&mkt_tok=6&igshid=7&yclid=8&ref_src=9&msclkid=10&dclid=11")
                .as_deref(),
            Some("https://example.com/")
        );
        // A name that merely contains a tracking name is kept.
        assert_eq!(
            c("https://example.com/?utm=1&xfbclid=2&reference=3").as_deref(),
            Some("https://example.com/?utm=1&xfbclid=2&reference=3")
        );
    }

    #[test]
    fn empty_query_dropped() {
        assert_eq!(
            c("https://example.com/a?").as_deref(),
            Some("https://example.com/a")
        );
        assert_eq!(
            c("https://example.com/a?utm_source=x").as_deref(),
            Some("https://example.com/a")
        );
        assert_eq!(
            c("https://example.com/a?&&").as_deref(),
            Some("https://example.com/a")
        );
        assert_eq!(
            c("https://example.com/a?x=1&&y=2").as_deref(),
            Some("https://example.com/a?x=1&y=2")
        );
    }

    #[test]
    fn kept_parameters_keep_their_spelling() {
        assert_eq!(
            c("https://example.com/s?q=a+b&flag&r=%20x&utm_campaign=z").as_deref(),
            Some("https://example.com/s?q=a+b&flag&r=%20x")
        );
    }

    #[test]
    fn surrounding_whitespace_and_absurd_length() {
        assert_eq!(
            c("  https://example.com/a \n").as_deref(),
            Some("https://example.com/a")
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(c(&long), None);
    }
}
