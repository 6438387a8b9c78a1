//! Stage `parse` (decode → **parse** → normalize): bytes in, one [`Document`] out.
//!
//! [`parse_document`] decodes the bytes ([`crate::decode`]), repairs the XML
//! ([`crate::decode::repair`]), hands the result to feed-rs (RSS 0.9x/1.0/2.0, Atom, JSON Feed)
//! and maps feed-rs's model into govwatch's. It detects before it parses: a document whose
//! root is not a feed (HTML, OPML, other XML, nothing) is a typed [`ParseError::NotAFeed`],
//! never an empty successful feed. A panic inside feed-rs or quick-xml is caught and becomes
//! [`ParseError::Panicked`] for that document only.

use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model as fr;
use url::Url;

use crate::decode::repair::{RootKind, repair};
use crate::decode::{DecodeError, decode};
use crate::model::{Document, Enclosure, Entry, FeedFormat};

pub(crate) mod dates;

pub use dates::parse_timestamp;

/// What feed-rs is told to use as the id of an entry that has none, so that the mapping can
/// tell "no id" from an id feed-rs invented (it would otherwise hash the link and title).
const MISSING_ID: &str = "\u{0}govwatch:missing-id";

/// Context the fetcher knows about a document.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions<'a> {
    /// The `charset` parameter of the HTTP Content-Type (see [`charset_from_content_type`]).
    pub http_charset: Option<&'a str>,
    /// The document's URL: relative links are resolved against it (and against `xml:base`).
    pub base_url: Option<&'a Url>,
}

/// A parsed document, the encoding it was decoded with, and the repairs it needed.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub document: Document,
    pub encoding: &'static str,
    /// Repairs made and recoverable defects found, in plain words; empty for a clean feed.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    #[error("cannot decode the document: {0}")]
    Decode(#[from] DecodeError),
    /// The document is readable but is not a feed.
    #[error("not a feed: {}", describe_root(root.as_deref()))]
    NotAFeed {
        /// The root element (or `JSON` for JSON that is not a JSON Feed); `None` when the
        /// document holds no element at all.
        root: Option<String>,
    },
    /// The document looks like a feed but cannot be read (truncated, broken markup…).
    #[error("malformed feed: {message}")]
    Malformed { message: String },
    /// A parsing dependency panicked on this document.
    #[error("the feed parser panicked: {message}")]
    Panicked { message: String },
}

fn describe_root(root: Option<&str>) -> String {
    match root {
        Some("JSON") => "JSON that is not a JSON Feed".to_owned(),
        Some(r) => format!("root element <{r}>"),
        None => "no root element (empty or text document)".to_owned(),
    }
}

/// The `charset` parameter of a Content-Type header value, unquoted.
pub fn charset_from_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_owned())
    })
}

/// Decodes, repairs and parses one feed document.
pub fn parse_document(bytes: &[u8], opts: &ParseOptions) -> Result<Parsed, ParseError> {
    let decoded = decode(bytes, opts.http_charset)?;
    let mut problems = decoded.problems;
    let text = decoded.text;
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if start.is_empty() {
        return Err(ParseError::NotAFeed { root: None });
    }

    let (feed, format) = if start.starts_with('{') {
        let feed = run_feed_rs(start.as_bytes(), opts.base_url).map_err(|e| match e {
            FeedRsFailure::Json if serde_json::from_str::<serde_json::Value>(start).is_ok() => {
                ParseError::NotAFeed {
                    root: Some("JSON".to_owned()),
                }
            }
            other => other.into_error(),
        })?;
        (feed, FeedFormat::JsonFeed)
    } else {
        let repaired = repair(&text);
        problems.extend(repaired.problems);
        let root = repaired.root.ok_or(ParseError::NotAFeed { root: None })?;
        let format = match &root.kind {
            RootKind::Other => {
                return Err(ParseError::NotAFeed {
                    root: Some(root.name),
                });
            }
            RootKind::Rss { version } => match version.as_deref().map(str::trim) {
                Some(v) if v.starts_with("0.9") => FeedFormat::Rss0,
                _ => FeedFormat::Rss2,
            },
            RootKind::Rdf { rss090: true } => FeedFormat::Rss0,
            RootKind::Rdf { rss090: false } => FeedFormat::Rss1,
            RootKind::Atom { .. } | RootKind::AtomEntry { .. } => FeedFormat::Atom,
        };
        let feed = match run_feed_rs(repaired.text.as_bytes(), opts.base_url) {
            // feed-rs 3.0 slices a contact field ("addr@host¬ (name)") inside a character
            // and panics; the rest of the feed is worth having without its contacts.
            Err(FeedRsFailure::Panicked(message)) => {
                let retried = without_elements(&repaired.text, RSS_CONTACTS)
                    .map(|text| run_feed_rs(text.as_bytes(), opts.base_url));
                match retried {
                    Some(Ok(feed)) => {
                        problems.push(format!(
                            "the feed parser failed on a contact field ({message}); parsed \
                             without managingEditor, webMaster and author"
                        ));
                        feed
                    }
                    _ => return Err(FeedRsFailure::Panicked(message).into_error()),
                }
            }
            other => other.map_err(FeedRsFailure::into_error)?,
        };
        (feed, format)
    };
    Ok(Parsed {
        document: map_feed(feed, format, opts.base_url),
        encoding: decoded.encoding,
        problems,
    })
}

enum FeedRsFailure {
    Json,
    Other(String),
    Panicked(String),
}

impl FeedRsFailure {
    fn into_error(self) -> ParseError {
        match self {
            FeedRsFailure::Json => ParseError::Malformed {
                message: "invalid JSON".to_owned(),
            },
            FeedRsFailure::Other(message) => ParseError::Malformed { message },
            FeedRsFailure::Panicked(message) => ParseError::Panicked { message },
        }
    }
}

fn run_feed_rs(bytes: &[u8], base: Option<&Url>) -> Result<fr::Feed, FeedRsFailure> {
    let parser = feed_rs::parser::Builder::new()
        // Sanitising is the renderer's job and costs 2-3x here (CRATES.md pitfall 5).
        .sanitize_content(false)
        .base_uri(base.map(Url::as_str))
        .timestamp_parser(parse_timestamp)
        .id_generator(|_, _, _| MISSING_ID.to_owned())
        .build();
    match guarded(|| parser.parse(bytes)) {
        Ok(Ok(feed)) => Ok(feed),
        Ok(Err(feed_rs::parser::ParseFeedError::JsonSerde(_))) => Err(FeedRsFailure::Json),
        Ok(Err(feed_rs::parser::ParseFeedError::JsonUnsupportedVersion(v))) => Err(
            FeedRsFailure::Other(format!("unsupported JSON Feed version {v:?}")),
        ),
        Ok(Err(e)) => Err(FeedRsFailure::Other(e.to_string())),
        Err(message) => Err(FeedRsFailure::Panicked(message)),
    }
}

thread_local! {
    /// Set while [`guarded`] runs the feed parser on this thread.
    static IN_GUARDED_PARSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Wraps the panic hook so that a panic inside the feed parser, which [`guarded`] turns into
/// a parse error carrying its message, prints nothing: a hostile feed must not write a
/// backtrace into the log at every poll. Every other panic goes to the hook as before. Call
/// once, early (the binary's `main`; the fuzz targets, after libFuzzer's own hook).
pub fn quiet_contained_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_GUARDED_PARSER.get() {
            previous(info);
        }
    }));
}

/// RSS's contact elements, which feed-rs splits into a name and an address.
const RSS_CONTACTS: &[&str] = &["managingEditor", "webMaster", "author"];

/// `text` without the elements named `names` (unprefixed, with their content), or `None`
/// when it has none of them.
fn without_elements(text: &str, names: &[&str]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut removed = false;
    while let Some(lt) = rest.find('<') {
        let after = &rest[lt + 1..];
        let name = names.iter().find(|n| {
            after
                .strip_prefix(**n)
                .is_some_and(|r| r.starts_with(|c: char| c == '>' || c == '/' || c.is_whitespace()))
        });
        let end = name.and_then(|n| {
            let open_end = lt + 1 + after.find('>')?;
            if rest[..open_end].ends_with('/') {
                return Some(open_end + 1);
            }
            let close = format!("</{n}>");
            Some(open_end + rest[open_end..].find(&close)? + close.len())
        });
        match end {
            Some(end) => {
                out.push_str(&rest[..lt]);
                rest = &rest[end..];
                removed = true;
            }
            None => {
                out.push_str(&rest[..=lt]);
                rest = &rest[lt + 1..];
            }
        }
    }
    out.push_str(rest);
    removed.then_some(out)
}

/// Runs `f`, turning a panic into its message. The parser state is thrown away after a
/// panic, so nothing observes a broken invariant (hence `AssertUnwindSafe`).
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    IN_GUARDED_PARSER.set(true);
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_GUARDED_PARSER.set(false);
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned())
    })
}

fn map_feed(feed: fr::Feed, format: FeedFormat, base_url: Option<&Url>) -> Document {
    let links = link_hrefs(&feed.links, base_url);
    let link = main_link(&feed.links).map(|l| absolutize(&l.href, base_url));
    // Item links that are still relative (no document URL given) resolve against the site.
    let site = link.as_deref().and_then(|l| Url::parse(l).ok());
    let entry_base = base_url.or(site.as_ref());
    let entries = feed
        .entries
        .into_iter()
        .map(|e| map_entry(e, entry_base, format))
        .collect();
    Document {
        format: Some(format),
        title: text(feed.title),
        subtitle: text(feed.description),
        link,
        links,
        id: real_id(feed.id),
        language: feed.language.filter(|l| !l.trim().is_empty()),
        updated: feed.updated,
        published: feed.published,
        authors: people(&feed.authors),
        generator: feed
            .generator
            .map(|g| g.content.trim().to_owned())
            .filter(|g| !g.is_empty()),
        image: feed
            .logo
            .or(feed.icon)
            .map(|i| absolutize(&i.uri, base_url))
            .filter(|u| !u.is_empty()),
        tags: tags(&feed.categories),
        entries,
    }
}

fn map_entry(e: fr::Entry, base: Option<&Url>, format: FeedFormat) -> Entry {
    let id = real_id(e.id);
    let mut link = main_link(&e.links).map(|l| absolutize(&l.href, base));
    if link.is_none() {
        // An RSS guid that is a URL is the item's permalink when no <link> is given.
        link = id
            .as_deref()
            .filter(|id| id.starts_with("http://") || id.starts_with("https://"))
            .map(str::to_owned);
    }
    let mut enclosures: Vec<Enclosure> = Vec::new();
    let mut add = |enc: Enclosure| {
        if !enc.url.is_empty() && !enclosures.iter().any(|x| x.url == enc.url) {
            enclosures.push(enc);
        }
    };
    for media in &e.media {
        for c in &media.content {
            if let Some(url) = &c.url {
                add(Enclosure {
                    url: url.to_string(),
                    mime_type: c.content_type.as_ref().map(ToString::to_string),
                    length: c.size,
                });
            }
        }
    }
    // feed-rs files JSON Feed attachments as links without a rel, but with a media type
    // (an item's own `url` has none).
    let attachment =
        |l: &fr::Link| format == FeedFormat::JsonFeed && l.rel.is_none() && l.media_type.is_some();
    for l in e
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("enclosure") || attachment(l))
    {
        add(Enclosure {
            url: absolutize(&l.href, base),
            mime_type: l.media_type.clone(),
            length: l.length,
        });
    }
    let content = e.content.and_then(|c| {
        let readable = c.content_type.ty() == "text"
            || c.content_type.subty() == "xhtml"
            || c.content_type.suffix().is_some_and(|s| s == "xml");
        c.body.filter(|b| readable && !b.trim().is_empty())
    });
    Entry {
        title: text(e.title),
        summary: text(e.summary),
        content,
        link,
        links: link_hrefs(&e.links, base),
        id,
        published: e.published,
        updated: e.updated,
        authors: people(&e.authors),
        tags: tags(&e.categories),
        enclosures,
    }
}

fn real_id(id: String) -> Option<String> {
    (id != MISSING_ID && !id.is_empty()).then_some(id)
}

fn text(t: Option<fr::Text>) -> Option<String> {
    t.map(|t| t.content.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The alternate (HTML) link: `rel` absent or `alternate`, preferring an HTML media type.
fn main_link(links: &[fr::Link]) -> Option<&fr::Link> {
    let alternate = |l: &&fr::Link| {
        matches!(l.rel.as_deref(), None | Some("alternate")) && !l.href.trim().is_empty()
    };
    links
        .iter()
        .filter(alternate)
        .find(|l| l.media_type.as_deref().is_none_or(|t| t.contains("html")))
        .or_else(|| links.iter().find(alternate))
}

fn link_hrefs(links: &[fr::Link], base: Option<&Url>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(links.len());
    for l in links {
        let href = absolutize(&l.href, base);
        if !href.is_empty() && !out.contains(&href) {
            out.push(href);
        }
    }
    out
}

/// Resolves a link against `base` when it is relative; leaves it as given when it cannot.
fn absolutize(href: &str, base: Option<&Url>) -> String {
    let href = href.trim();
    match Url::parse(href) {
        Ok(u) => u.to_string(),
        Err(url::ParseError::RelativeUrlWithoutBase) => base
            .and_then(|b| b.join(href).ok())
            .map_or_else(|| href.to_owned(), |u| u.to_string()),
        Err(_) => href.to_owned(),
    }
}

fn people(persons: &[fr::Person]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in persons {
        let name = p
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .or_else(|| p.email.as_deref().map(str::trim).filter(|e| !e.is_empty()));
        if let Some(name) = name
            && !out.iter().any(|o| o == name)
        {
            out.push(name.to_owned());
        }
    }
    out
}

fn tags(categories: &[fr::Category]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in categories {
        let tag = c
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| c.term.trim());
        if !tag.is_empty() && !out.iter().any(|o| o == tag) {
            out.push(tag.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Parsed, ParseError> {
        parse_document(s.as_bytes(), &ParseOptions::default())
    }

    fn ok(s: &str) -> Parsed {
        parse(s).expect("parses")
    }

    #[test]
    fn charset_parameter_is_extracted() {
        assert_eq!(
            charset_from_content_type("application/xml; charset=\"ISO-8859-1\"").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(
            charset_from_content_type("text/xml;Charset=utf-8;q=1").as_deref(),
            Some("utf-8")
        );
        assert_eq!(charset_from_content_type("text/html"), None);
        assert_eq!(charset_from_content_type("text/html; charset="), None);
    }

    #[test]
    fn rss2_maps_ids_links_dates_authors_tags_enclosures() {
        let p = ok(
            r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
            <title>GAO</title><link>https://www.gao.gov/</link>
            <item><title>One</title><link>/products/gao-26-1</link><guid isPermaLink="false">gao-26-1</guid>
              <pubDate>Tue, 03 Mar 2026 14:00:00 EST</pubDate><dc:creator>J. Doe</dc:creator>
              <category>AI</category><enclosure url="https://www.gao.gov/a.pdf" type="application/pdf" length="1234"/></item>
            <item><title>Two</title><link>https://www.gao.gov/products/gao-26-2</link></item>
            </channel></rss>"#,
        );
        let d = &p.document;
        assert_eq!(d.format, Some(FeedFormat::Rss2));
        assert_eq!(d.link.as_deref(), Some("https://www.gao.gov/"));
        let e = &d.entries[0];
        assert_eq!(e.id.as_deref(), Some("gao-26-1"));
        assert_eq!(
            e.link.as_deref(),
            Some("https://www.gao.gov/products/gao-26-1")
        );
        assert_eq!(
            e.published.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-03-03T19:00:00+00:00")
        );
        assert_eq!(e.authors, ["J. Doe"]);
        assert_eq!(e.tags, ["AI"]);
        assert_eq!(
            e.enclosures,
            [Enclosure {
                url: "https://www.gao.gov/a.pdf".into(),
                mime_type: Some("application/pdf".into()),
                length: Some(1234)
            }]
        );
        assert_eq!(
            d.entries[1].id, None,
            "no guid means no id, not an invented one"
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }

    #[test]
    fn base_url_and_xml_base_resolve_relative_links() {
        let base = Url::parse("https://example.gov/feeds/ai.atom").unwrap();
        let opts = ParseOptions {
            base_url: Some(&base),
            ..Default::default()
        };
        let p = parse_document(
            br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><title>a</title><id>tag:a</id><link href="a.html"/></entry>
            <entry xml:base="https://other.gov/dir/"><title>b</title><id>tag:b</id><link href="b.html"/></entry></feed>"#,
            &opts,
        )
        .unwrap();
        let links: Vec<_> = p.document.entries.iter().map(|e| e.link.clone()).collect();
        assert_eq!(
            links,
            [
                Some("https://example.gov/feeds/a.html".to_owned()),
                Some("https://other.gov/dir/b.html".to_owned())
            ]
        );
    }

    #[test]
    fn unknown_formats_are_typed_errors() {
        for (doc, root) in [
            ("<html><body>hi</body></html>", Some("html")),
            (
                "<?xml version=\"1.0\"?><opml version=\"2.0\"><body/></opml>",
                Some("opml"),
            ),
            ("", None),
            ("just words", None),
            ("{\"hello\": 1}", Some("JSON")),
        ] {
            match parse(doc) {
                Err(ParseError::NotAFeed { root: r }) => assert_eq!(r.as_deref(), root, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
        }
    }

    #[test]
    fn truncated_feed_is_malformed() {
        let r = parse("<rss version=\"2.0\"><channel><title>x</title><item><title>a</ti");
        assert!(matches!(r, Err(ParseError::Malformed { .. })), "{r:?}");
    }

    #[test]
    fn gzip_bytes_are_a_decode_error() {
        let r = parse_document(b"\x1f\x8b\x08\x00\x00\x00", &ParseOptions::default());
        assert!(matches!(r, Err(ParseError::Decode(_))), "{r:?}");
    }

    #[test]
    fn billion_laughs_is_not_expanded() {
        let mut doc =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n");
        doc.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
        for i in 2..10 {
            let prev = format!("&lol{};", i - 1).repeat(10);
            doc.push_str(&format!("<!ENTITY lol{i} \"{prev}\">\n"));
        }
        doc.push_str("]>\n<rss version=\"2.0\"><channel><title>&lol9;</title>");
        doc.push_str(
            "<item><title>&lol9;</title><link>https://x.gov/1</link></item></channel></rss>",
        );
        let p = ok(&doc);
        assert_eq!(p.document.title.as_deref(), Some("&lol9;"));
        assert_eq!(p.document.entries.len(), 1);
        assert!(!p.problems.is_empty());
    }

    #[test]
    fn external_entities_are_not_fetched() {
        let doc = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss version=\"2.0\"><channel><title>&xxe;</title><item><title>a</title></item></channel></rss>";
        let p = ok(doc);
        assert_eq!(p.document.title.as_deref(), Some("&xxe;"));
    }

    #[test]
    fn json_feed_goes_through_feed_rs() {
        let p = ok(
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://j.gov/",
            "items":[{"id":"1","url":"https://j.gov/1","title":"A","content_text":"x","date_published":"2026-02-01T10:00:00Z"}]}"#,
        );
        assert_eq!(p.document.format, Some(FeedFormat::JsonFeed));
        assert_eq!(p.document.entries[0].id.as_deref(), Some("1"));
        assert_eq!(
            p.document.entries[0].link.as_deref(),
            Some("https://j.gov/1")
        );
    }

    #[test]
    fn atom03_feed_has_dates_and_content() {
        let p = ok(
            r#"<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">
            <title>Old</title><tagline>Sub</tagline><modified>2026-01-05T00:00:00Z</modified>
            <entry><title>E</title><link rel="alternate" type="text/html" href="https://a.gov/e"/>
            <id>tag:a.gov,2026:e</id><issued>2026-01-04T10:00:00-05:00</issued><modified>2026-01-05T00:00:00Z</modified>
            <author><name>Ann</name></author>
            <content type="text/html" mode="escaped">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"#,
        );
        let d = &p.document;
        assert_eq!(d.subtitle.as_deref(), Some("Sub"));
        let e = &d.entries[0];
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2026-01-04T15:00:00+00:00"
        );
        assert_eq!(e.updated.unwrap().to_rfc3339(), "2026-01-05T00:00:00+00:00");
        assert_eq!(e.content.as_deref(), Some("<p>Body</p>"));
        assert_eq!(e.authors, ["Ann"]);
        assert_eq!(e.link.as_deref(), Some("https://a.gov/e"));
    }

    #[test]
    fn elements_are_removed_whole_and_only_by_their_exact_name() {
        let text = "<rss><author>a@b¬ (x)</author><authority>k</authority><webMaster/>\
                    <managingEditor a=\"1\">m</managingEditor><title>t</title></rss>";
        assert_eq!(
            without_elements(text, RSS_CONTACTS).as_deref(),
            Some("<rss><authority>k</authority><title>t</title></rss>")
        );
        assert_eq!(
            without_elements("<rss><title>t</title></rss>", RSS_CONTACTS),
            None
        );
        // An element left open removes nothing.
        assert_eq!(without_elements("<rss><author>x", RSS_CONTACTS), None);
    }

    #[test]
    fn a_panic_becomes_an_error_value() {
        assert_eq!(guarded(|| 7), Ok(7));
        let msg = format!("boom {}", 42);
        assert_eq!(
            guarded(move || -> u8 { panic!("{msg}") }),
            Err("boom 42".into())
        );
    }

    #[test]
    fn every_truncation_of_a_tricky_document_is_handled_without_panicking() {
        let doc = "\u{feff}  <!-- x --><?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE feed [<!ENTITY e \"&#233;\">]>\n<feed xmlns=\"http://purl.org/atom/ns#\"><title mode=\"escaped\">Caf&eacute; &e; & Zürich</title><entry><title>Ümlaut &#146;</title><issued>2026-01-02T03:04:05Z</issued><link href=\"/a?b=1&c=2\"/><content type=\"text/html\" mode=\"base64\">PHA+SGk8L3A+</content><summary type=\"xhtml\"><div>x<![CDATA[<y>]]></div></summary></entry></feed>";
        let bytes = doc.as_bytes();
        let full = parse_document(bytes, &ParseOptions::default()).expect("full document parses");
        assert_eq!(
            full.document.entries[0].content.as_deref(),
            Some("<p>Hi</p>")
        );
        for end in 0..bytes.len() {
            // Err or Ok are both fine for a truncated document; a panic fails the test.
            let _ = parse_document(&bytes[..end], &ParseOptions::default());
        }
    }

    #[test]
    fn parse_error_is_send_sync_static() {
        fn check<T: Send + Sync + 'static + std::error::Error>() {}
        check::<ParseError>();
    }
}
