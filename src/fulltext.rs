//! Full text for feeds that carry only a line of summary (`full_text = true`): the article
//! page is fetched like a feed (same guards) and its main text extracted with `dom_smoothie`,
//! a port of Mozilla's Readability (the extraction Firefox's reader view uses), then cleaned
//! to plain text like every other body.
//!
//! The item keeps the content hash of the feed's own version, so the next poll sees it
//! unchanged and keeps the full text; only new or changed items are fetched again.

use url::Url;

use crate::decode::decode;

/// Blocks removed before extraction: Readability keeps a sibling of the article when it looks
/// like prose, and ad, promo, newsletter and comment blocks often do.
const CLUTTER: &str = ".ad, .ads, .advert, .advertisement, [class^=\"ad-\"], [class*=\" ad-\"], \
     [id^=\"ad-\"], [class*=sponsor], [id*=sponsor], [class*=promo], [class*=newsletter], \
     [class*=subscribe], .comments, #comments, .comment, [class*=\"related-\"], \
     [class*=\"share-\"], [class*=\"-share\"], [role=complementary]";

/// Less text than this is a failed extraction (a consent wall, a JavaScript shell, a 404
/// page served as 200), not an article.
const MIN_ARTICLE_CHARS: usize = 200;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FullTextError {
    #[error("cannot decode the page: {0}")]
    Decode(String),
    #[error("no article found: {0}")]
    NotFound(String),
    #[error("only {chars} characters of article text (a paywall, a script-only page?)")]
    TooShort { chars: usize },
    #[error("the extractor panicked: {0}")]
    Panicked(String),
}

/// The main text of the article page `bytes`, fetched from `url`, as plain text with
/// paragraphs separated by blank lines.
pub fn extract(
    bytes: &[u8],
    http_charset: Option<&str>,
    url: &Url,
) -> Result<String, FullTextError> {
    let text = decode(bytes, http_charset)
        .map_err(|e| FullTextError::Decode(e.to_string()))?
        .text;
    // A dependency's panic on hostile markup must cost this one article, not the poll.
    let article = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let document = dom_query::Document::from(text);
        document.select(CLUTTER).remove();
        let mut readability =
            dom_smoothie::Readability::with_document(document, Some(url.as_str()), None)
                .map_err(|e| FullTextError::NotFound(e.to_string()))?;
        readability
            .parse()
            .map_err(|e| FullTextError::NotFound(e.to_string()))
    }))
    .map_err(|p| {
        let message = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        FullTextError::Panicked(message)
    })??;
    let body = crate::normalize::html_to_text(&article.content);
    let chars = body.chars().count();
    if chars < MIN_ARTICLE_CHARS {
        return Err(FullTextError::TooShort { chars });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str) -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pages/");
        std::fs::read(format!("{path}{name}")).unwrap()
    }

    #[test]
    fn the_article_body_comes_out_without_navigation_ads_or_comments() {
        let url = Url::parse("https://news.example.gov/2026/11/ai-contract").unwrap();
        let text = extract(&page("article-contract.html"), None, &url).unwrap();
        assert!(text.contains("task order valued at $48 million"), "{text}");
        assert!(
            text.contains("independent verification and validation"),
            "{text}"
        );
        for noise in [
            "Subscribe to our newsletter",
            "Sponsored",
            "Great article!",
            "Privacy policy",
            "Most read",
        ] {
            assert!(!text.contains(noise), "{noise} in\n{text}");
        }
    }

    #[test]
    fn a_page_with_no_article_is_an_error() {
        let url = Url::parse("https://news.example.gov/empty").unwrap();
        let err = extract(
            b"<html><body><nav><a href=/>Home</a></nav><div id=app></div><script>boot()</script></body></html>",
            None,
            &url,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                FullTextError::TooShort { .. } | FullTextError::NotFound(_)
            ),
            "{err}"
        );
    }
}
