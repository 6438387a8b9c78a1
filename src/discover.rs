//! Finding the feeds of a web page, for `govwatch feeds add` given a site's URL rather than
//! its feed's: the page's `<link rel="alternate">` declarations first (what browsers and feed
//! readers use), then the paths sites commonly serve feeds at.

use scraper::{Html, Selector};
use url::Url;

/// Paths tried, in order, when a page declares no feed.
pub const COMMON_PATHS: &[&str] = &[
    "/feed",
    "/feed/",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feeds/posts/default",
];

/// Media types of feed `<link>`s.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
];

/// A feed a page points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// Absolute.
    pub url: Url,
    pub title: Option<String>,
}

/// The feeds `html` (served from `page_url`) declares, in page order, without duplicates.
/// Relative `href`s resolve against the page's `<base href>`, else its URL.
pub fn feed_links(html: &str, page_url: &Url) -> Vec<Discovered> {
    let doc = Html::parse_document(html);
    // Both are literals that parse.
    let links = Selector::parse("link[href]").expect("valid selector");
    let base_sel = Selector::parse("base[href]").expect("valid selector");
    let base = doc
        .select(&base_sel)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut out: Vec<Discovered> = Vec::new();
    for link in doc.select(&links) {
        let el = link.value();
        let rel_alternate = el.attr("rel").is_some_and(|r| {
            r.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case("alternate"))
        });
        let feed_type = el.attr("type").is_some_and(|t| {
            let t = t.split(';').next().unwrap_or("").trim();
            FEED_TYPES.iter().any(|f| f.eq_ignore_ascii_case(t))
        });
        if !rel_alternate || !feed_type {
            continue;
        }
        let Some(url) = el
            .attr("href")
            .and_then(|h| base.join(h.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
        else {
            continue;
        };
        if out.iter().any(|d| d.url == url) {
            continue;
        }
        let title = el
            .attr("title")
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty());
        out.push(Discovered { url, title });
    }
    out
}

/// The [`COMMON_PATHS`] on `page_url`'s site.
pub fn common_candidates(page_url: &Url) -> Vec<Url> {
    COMMON_PATHS
        .iter()
        .filter_map(|p| page_url.join(p).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn alternate_links_of_every_form_resolve_and_dedupe() {
        let page = r#"<html><head>
<link rel="stylesheet" href="/style.css" type="text/css">
<link rel="alternate" type="application/rss+xml" title="News  RSS" href="/news/rss.xml">
<LINK REL="Alternate" TYPE="application/atom+xml" HREF="feeds/atom.xml">
<link rel="alternate feed" type="application/feed+json; charset=utf-8" href="https://cdn.example.gov/feed.json">
<link rel="alternate" type="application/rss+xml" href="/news/rss.xml">
<link rel="alternate" hreflang="es" href="/es/">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><a href="/other.rss">not a link tag</a></body></html>"#;
        let found = feed_links(page, &url("https://www.example.gov/section/index.html"));
        let urls: Vec<&str> = found.iter().map(|d| d.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://www.example.gov/news/rss.xml",
                "https://www.example.gov/section/feeds/atom.xml",
                "https://cdn.example.gov/feed.json",
            ]
        );
        assert_eq!(found[0].title.as_deref(), Some("News RSS"));
        assert_eq!(found[1].title, None);
    }

    #[test]
    fn base_href_applies_and_a_page_without_feeds_has_none() {
        let page = r#"<head><base href="https://mirror.example.gov/a/"><link rel="alternate" type="application/rss+xml" href="rss"></head>"#;
        let found = feed_links(page, &url("https://www.example.gov/"));
        assert_eq!(found[0].url.as_str(), "https://mirror.example.gov/a/rss");
        assert!(feed_links("<html><body>hi</body></html>", &url("https://x.gov/")).is_empty());
        let common = common_candidates(&url("https://www.example.gov/deep/page?x=1"));
        assert_eq!(common[0].as_str(), "https://www.example.gov/feed");
        assert_eq!(common.len(), COMMON_PATHS.len());
    }
}
