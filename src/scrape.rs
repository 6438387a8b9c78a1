//! Sources without a feed: a listing page read with the operator's CSS selectors
//! (`kind = "html"` with a `[feed.select]` table) into the same [`Document`] a feed parses
//! to, so its entries go through the same normalize/store/index path and the same dedup.
//!
//! A page that changed shape must not look like a quiet source: an item selector that matches
//! nothing, or items none of which yields a title and a link, is an error for the feed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::decode::{DecodeError, decode};
use crate::model::{Document, Entry, FeedFormat};

/// The selectors of one source, as validated text (`feeds/*.toml`'s `[feed.select]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSelectors {
    /// One element per entry.
    pub item: String,
    /// Within the item: the entry's title (its text).
    pub title: String,
    /// Within the item: the element whose `href` is the entry's link (or that contains one).
    pub link: String,
    /// Within the item: the date, from a `datetime` attribute, else its text.
    pub date: Option<String>,
    /// A chrono format for dates the lenient parser cannot read (e.g. `%m/%d/%Y`).
    pub date_format: Option<String>,
    /// Within the item: a summary (its text).
    pub summary: Option<String>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScrapeError {
    #[error("cannot decode the page: {0}")]
    Decode(#[from] DecodeError),
    #[error("selector `{field}` = {selector:?} is not valid CSS: {message}")]
    Selector {
        field: &'static str,
        selector: String,
        message: String,
    },
    #[error(
        "the item selector {selector:?} matched nothing: the page changed, or this is not the listing page"
    )]
    NoItems { selector: String },
    #[error(
        "{items} items matched {item:?}, but none had a {field} ({selector:?}): the page changed"
    )]
    NoField {
        items: usize,
        item: String,
        field: &'static str,
        selector: String,
    },
}

/// Checks that `selector` parses; the error names the field.
pub fn check_selector(field: &'static str, selector: &str) -> Result<Selector, ScrapeError> {
    Selector::parse(selector).map_err(|e| ScrapeError::Selector {
        field,
        selector: selector.to_owned(),
        message: e.to_string(),
    })
}

/// A listing page read into a document.
#[derive(Debug, Clone)]
pub struct Scraped {
    pub document: Document,
    /// Items skipped, dates not understood, decoding repairs.
    pub problems: Vec<String>,
    /// The encoding the page was decoded from.
    pub encoding: &'static str,
}

/// Reads the listing page `bytes` (fetched from `page_url`) into a document whose entries
/// are the page's items. Items without a title or a link are skipped and counted in the
/// problems.
pub fn scrape(
    bytes: &[u8],
    http_charset: Option<&str>,
    page_url: &Url,
    sel: &PageSelectors,
) -> Result<Scraped, ScrapeError> {
    let decoded = decode(bytes, http_charset)?;
    let mut problems = decoded.problems;
    let html = Html::parse_document(&decoded.text);
    let item_sel = check_selector("item", &sel.item)?;
    let title_sel = check_selector("title", &sel.title)?;
    let link_sel = check_selector("link", &sel.link)?;
    let date_sel = sel
        .date
        .as_deref()
        .map(|s| check_selector("date", s))
        .transpose()?;
    let summary_sel = sel
        .summary
        .as_deref()
        .map(|s| check_selector("summary", s))
        .transpose()?;
    // Relative links resolve against the page's own <base href>, else its URL.
    let base = check_selector("base", "base[href]")
        .ok()
        .and_then(|b| html.select(&b).next())
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href).ok())
        .unwrap_or_else(|| page_url.clone());

    let items: Vec<ElementRef<'_>> = html.select(&item_sel).collect();
    if items.is_empty() {
        return Err(ScrapeError::NoItems {
            selector: sel.item.clone(),
        });
    }
    let (mut no_title, mut no_link) = (0, 0);
    let mut entries = Vec::new();
    for item in &items {
        let title = item.select(&title_sel).next().map(text_of);
        let Some(title) = title.filter(|t| !t.is_empty()) else {
            no_title += 1;
            continue;
        };
        let Some(link) = item
            .select(&link_sel)
            .next()
            .and_then(href_of)
            .and_then(|href| base.join(href).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
        else {
            no_link += 1;
            continue;
        };
        let date_text = date_sel
            .as_ref()
            .and_then(|s| item.select(s).next())
            .map(|d| {
                d.value()
                    .attr("datetime")
                    .map_or_else(|| text_of(d), str::to_owned)
            });
        let published = date_text
            .as_deref()
            .and_then(|t| parse_date(t, sel.date_format.as_deref()));
        if date_text.is_some() && published.is_none() {
            problems.push(format!(
                "{link}: cannot read the date {:?}",
                crate::text::prefix(date_text.as_deref().unwrap_or(""), 80)
            ));
        }
        let summary = summary_sel
            .as_ref()
            .and_then(|s| item.select(s).next())
            .map(text_of)
            .filter(|s| !s.is_empty());
        entries.push(Entry {
            title: Some(title),
            summary,
            link: Some(link.to_string()),
            links: vec![link.to_string()],
            // The link is the identity of a scraped entry: normalize derives the item id
            // from it, so a re-scrape updates in place rather than duplicating.
            id: None,
            published,
            ..Entry::default()
        });
    }
    if entries.is_empty() {
        let (field, selector) = if no_title >= no_link {
            ("title", sel.title.clone())
        } else {
            ("link", sel.link.clone())
        };
        return Err(ScrapeError::NoField {
            items: items.len(),
            item: sel.item.clone(),
            field,
            selector,
        });
    }
    if no_title + no_link > 0 {
        problems.push(format!(
            "{} of {} items skipped ({no_title} without a title, {no_link} without an http(s) link)",
            no_title + no_link,
            items.len()
        ));
    }
    let page_title = check_selector("title", "head > title")
        .ok()
        .and_then(|t| html.select(&t).next())
        .map(text_of)
        .filter(|t| !t.is_empty());
    let document = Document {
        format: Some(FeedFormat::Html),
        title: page_title,
        link: Some(page_url.to_string()),
        links: vec![page_url.to_string()],
        entries,
        ..Document::default()
    };
    Ok(Scraped {
        document,
        problems,
        encoding: decoded.encoding,
    })
}

/// An element's text, whitespace collapsed.
fn text_of(el: ElementRef<'_>) -> String {
    el.text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The element's `href`, or the first one inside it.
fn href_of(el: ElementRef<'_>) -> Option<&str> {
    if let Some(href) = el.value().attr("href") {
        return Some(href.trim());
    }
    let a = check_selector("link", "a[href]").ok()?;
    el.select(&a)
        .next()
        .and_then(|a| a.value().attr("href"))
        .map(str::trim)
}

/// With `format`, a chrono format (date and time, or date only, read as UTC midnight); else
/// the tolerant feed-date parser.
fn parse_date(text: &str, format: Option<&str>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    match format {
        Some(f) => NaiveDateTime::parse_from_str(text, f)
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, f)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .map(|t| Utc.from_utc_datetime(&t)),
        None => crate::parse::dates::parse_timestamp(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors() -> PageSelectors {
        PageSelectors {
            item: "div.element".into(),
            title: ".element-title".into(),
            link: "a".into(),
            date: Some("span.element-datetime".into()),
            date_format: Some("%m/%d/%y".into()),
            summary: Some("p".into()),
        }
    }

    const PAGE: &str = r#"<!DOCTYPE html><html><head><title>Hearings | Committee</title></head>
<body><nav><a href="/">Home</a></nav>
<div class="elements">
  <div class="element"><a href="/2026/11/ai-in-government">
    <div class="element-title">  Artificial Intelligence
      in Government </div></a>
    <span class="element-datetime">11/18/26</span><p>Full committee hearing.</p></div>
  <div class="element"><a href="https://other.example.gov/x?utm_source=a">
    <div class="element-title">Nominations</div></a>
    <span class="element-datetime">Nov 4, 2026</span></div>
  <div class="element"><div class="element-title">No link here</div></div>
  <div class="element"><a href="javascript:alert(1)"><div class="element-title">Bad</div></a></div>
</div></body></html>"#;

    #[test]
    fn items_titles_links_dates_and_summaries() {
        let url = Url::parse("https://www.commerce.example.gov/hearings").unwrap();
        let Scraped {
            document: doc,
            problems,
            ..
        } = scrape(PAGE.as_bytes(), None, &url, &selectors()).unwrap();
        assert_eq!(doc.title.as_deref(), Some("Hearings | Committee"));
        assert_eq!(doc.entries.len(), 2);
        let first = &doc.entries[0];
        assert_eq!(
            first.title.as_deref(),
            Some("Artificial Intelligence in Government")
        );
        assert_eq!(
            first.link.as_deref(),
            Some("https://www.commerce.example.gov/2026/11/ai-in-government")
        );
        assert_eq!(
            first.published,
            Some(Utc.with_ymd_and_hms(2026, 11, 18, 0, 0, 0).unwrap())
        );
        assert_eq!(first.summary.as_deref(), Some("Full committee hearing."));
        // The format does not fit the second date: no date, and a problem that says so.
        assert_eq!(doc.entries[1].published, None);
        assert!(
            problems.iter().any(|p| p.contains("Nov 4, 2026")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p
                .contains("2 of 4 items skipped (0 without a title, 2 without an http(s) link)")),
            "{problems:?}"
        );
    }

    #[test]
    fn base_href_and_datetime_attributes_are_used() {
        let page = r#"<html><head><base href="https://mirror.example.gov/news/"></head><body>
<ul><li class="release"><a href="item-1.html">Award to Acme</a><time datetime="2026-11-20T14:00:00Z">Nov 20</time></li></ul></body></html>"#;
        let sel = PageSelectors {
            item: "li.release".into(),
            title: "a".into(),
            link: "a".into(),
            date: Some("time".into()),
            date_format: None,
            summary: None,
        };
        let url = Url::parse("https://www.example.gov/list").unwrap();
        let Scraped {
            document: doc,
            problems,
            ..
        } = scrape(page.as_bytes(), None, &url, &sel).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            doc.entries[0].link.as_deref(),
            Some("https://mirror.example.gov/news/item-1.html")
        );
        assert_eq!(
            doc.entries[0].published,
            Some(Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap())
        );
    }

    #[test]
    fn a_changed_page_is_an_error_not_silence() {
        let url = Url::parse("https://www.example.gov/hearings").unwrap();
        let mut sel = selectors();
        sel.item = "li.hearing".into();
        let err = scrape(PAGE.as_bytes(), None, &url, &sel).unwrap_err();
        assert!(matches!(err, ScrapeError::NoItems { .. }), "{err}");
        assert!(
            err.to_string().contains("\"li.hearing\" matched nothing"),
            "{err}"
        );
        let mut sel = selectors();
        sel.title = "h3".into();
        let err = scrape(PAGE.as_bytes(), None, &url, &sel).unwrap_err();
        assert_eq!(
            err.to_string(),
            "4 items matched \"div.element\", but none had a title (\"h3\"): the page changed"
        );
        let mut sel = selectors();
        sel.link = "div[".into();
        let err = scrape(PAGE.as_bytes(), None, &url, &sel).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("selector `link` = \"div[\" is not valid CSS"),
            "{err}"
        );
    }
}
