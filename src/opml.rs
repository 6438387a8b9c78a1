//! OPML feed lists in and out: `govwatch feeds import` reads the subscription lists other
//! readers export (Miniflux, FreshRSS, Feedly, agencies' own `.opml` files) and
//! `govwatch feeds export` writes ours back out in a form those readers take.
//!
//! Pure: text in, values out. Ids, URL validation and duplicates against the configured feeds
//! are the caller's business, because only it knows the config.
//!
//! Reading is lenient where exporters disagree and strict where the XML is broken:
//!
//! - Any `<opml version>`; element and attribute names match ASCII case-insensitively, since
//!   some exporters write `xmlurl`.
//! - An `<outline>` with a non-blank `xmlUrl` is a feed, whatever its `type` (exporters write
//!   `rss` for Atom feeds, or nothing). Any other outline is a folder (as Miniflux reads a blank
//!   `xmlUrl` too): its name becomes a tag of every feed inside it, at any depth, because
//!   folders are how readers categorise and tags are how we do.
//! - `category` (OPML 2.0: comma-separated, each entry possibly a `/`-path like `/Tech/AI`)
//!   adds every path segment as a tag.
//! - Feeds listing the same URL twice are all returned, in document order: the caller reports
//!   duplicates against its config, and dropping one here would hide which entry it was.
//! - Malformed XML is an error naming line and column; nothing is guessed.

use chrono::{DateTime, Utc};
use quick_xml::XmlVersion;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// One feed an OPML file lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// `xmlUrl`, trimmed; never empty, otherwise not validated (the caller parses it).
    pub url: String,
    /// The `title` attribute, else `text`; trimmed; `None` when both are blank.
    pub title: Option<String>,
    /// `htmlUrl`, trimmed; `None` when blank.
    pub html_url: Option<String>,
    /// Enclosing folders' names (outermost first), then `category` segments: trimmed,
    /// lowercased, whitespace runs as `-`, no duplicates.
    pub tags: Vec<String>,
    /// The `govwatch-id` attribute our own exports carry, so a re-import keeps feed ids.
    pub id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpmlError {
    /// Not well-formed XML (or an attribute value that cannot be unescaped).
    #[error("line {line}, column {column}: {message}")]
    Xml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("not an OPML document: the root element is <{root}>, not <opml>")]
    NotOpml { root: String },
    #[error("the OPML document has no <body>")]
    NoBody,
}

/// The attribute OPML keeps our feed ids in. Not namespaced: other readers ignore unknown
/// attributes, and a namespace declaration would only add a way to get it wrong.
const ID_ATTR: &str = "govwatch-id";

/// Reads the feeds `text` lists, in document order.
///
/// `text` is already decoded: whatever `encoding` its declaration names was the caller's to
/// honour.
pub fn parse_opml(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = Reader::from_str(text);
    // The default, stated because the folder stack relies on it: a mismatched end tag is an
    // error, so every End closes the element `Document::open` thinks it does.
    reader.config_mut().check_end_names = true;
    let mut doc = Document {
        text,
        version: XmlVersion::Implicit1_0,
        root: Root::NotSeen,
        open: Vec::new(),
        saw_body: false,
        feeds: Vec::new(),
    };
    loop {
        // Text is not trimmed, so the next event starts here: quick-xml places attribute
        // errors relative to their tag, and this is where the tag is.
        let at = offset(reader.buffer_position());
        let event = reader
            .read_event()
            .map_err(|e| xml_error(text, offset(reader.error_position()), e.to_string()))?;
        match event {
            Event::Decl(decl) => {
                // A declaration without a usable version leaves the XML 1.0 rules, which is
                // what a parser must assume anyway.
                if let Ok(version) = decl.xml_version() {
                    doc.version = version;
                }
            }
            Event::Start(tag) => doc.start(&tag, at, false)?,
            Event::Empty(tag) => doc.start(&tag, at, true)?,
            Event::End(_) => doc.end(),
            Event::Eof => return Err(doc.unexpected_eof()),
            _ => {}
        }
        if matches!(doc.root, Root::Closed) {
            // Whatever follows the root is not part of the document.
            break;
        }
    }
    if !doc.saw_body {
        return Err(OpmlError::NoBody);
    }
    Ok(doc.feeds)
}

/// Writes `feeds` as an OPML 2.0 document titled `title`.
///
/// Flat, one `<outline type="rss">` per feed with its tags as `category`, because that is
/// the one shape every reader imports and it loses nothing [`parse_opml`] reads back. The
/// round trip is exact for feeds as `parse_opml` returns them: trimmed strings and normalized
/// tags (a tag holding `,` or `/` would come back split). Control characters other than tab
/// and line breaks are dropped: XML 1.0 forbids most of them, and one bad byte would make a
/// reader reject the whole file.
pub fn write_opml(title: &str, feeds: &[OpmlFeed], created: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(256 + 200 * feeds.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<opml version=\"2.0\">\n  <head>\n    <title>");
    push_escaped(&mut out, title);
    out.push_str("</title>\n    <dateCreated>");
    // RFC 822 in the form the OPML spec's own examples use (`GMT`, not `+0000`).
    out.push_str(&created.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
    out.push_str("</dateCreated>\n    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n");
    out.push_str("  <body>\n");
    for feed in feeds {
        out.push_str("    <outline type=\"rss\"");
        // `text` is required; left empty rather than filled with the URL when there is no
        // title, so that the feed reads back with no title instead of the URL as one.
        push_attr(&mut out, "text", feed.title.as_deref().unwrap_or(""));
        if let Some(title) = &feed.title {
            push_attr(&mut out, "title", title);
        }
        push_attr(&mut out, "xmlUrl", &feed.url);
        if let Some(html_url) = &feed.html_url {
            push_attr(&mut out, "htmlUrl", html_url);
        }
        if !feed.tags.is_empty() {
            push_attr(&mut out, "category", &feed.tags.join(","));
        }
        if let Some(id) = &feed.id {
            push_attr(&mut out, ID_ATTR, id);
        }
        out.push_str("/>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// Parsing state between events.
struct Document<'t> {
    text: &'t str,
    version: XmlVersion,
    root: Root,
    /// Elements open inside the root, outermost first.
    open: Vec<Open>,
    /// A `<body>` was seen, even an empty one: a list with no feeds is valid, one with no
    /// body is probably not OPML from a feed reader.
    saw_body: bool,
    feeds: Vec<OpmlFeed>,
}

enum Root {
    NotSeen,
    /// Open, with its name for the "not closed" error.
    Open(String),
    Closed,
}

struct Open {
    /// For the "not closed" error at the end of a truncated file.
    name: String,
    kind: OpenKind,
}

enum OpenKind {
    Body,
    /// A folder outline, with the tags it gives every feed inside it.
    Folder(Vec<String>),
    Other,
}

/// The attributes of an `<outline>` this module reads, unescaped.
#[derive(Default)]
struct OutlineAttrs {
    xml_url: Option<String>,
    title: Option<String>,
    text: Option<String>,
    html_url: Option<String>,
    category: Option<String>,
    id: Option<String>,
}

impl Document<'_> {
    fn start(&mut self, tag: &BytesStart<'_>, at: usize, empty: bool) -> Result<(), OpmlError> {
        let name = tag.name().into_inner();
        match self.root {
            Root::NotSeen => {
                if !name.eq_ignore_ascii_case("opml") {
                    return Err(OpmlError::NotOpml {
                        root: name.to_string(),
                    });
                }
                self.root = if empty {
                    Root::Closed
                } else {
                    Root::Open(name.to_string())
                };
                return Ok(());
            }
            // `parse_opml` stops reading when the root closes.
            Root::Closed => return Ok(()),
            Root::Open(_) => {}
        }
        let kind = if self.open.is_empty() && name.eq_ignore_ascii_case("body") {
            self.saw_body = true;
            OpenKind::Body
        } else if self.in_body() && name.eq_ignore_ascii_case("outline") {
            self.outline(tag, at)?
        } else {
            OpenKind::Other
        };
        if !empty {
            self.open.push(Open {
                name: name.to_string(),
                kind,
            });
        }
        Ok(())
    }

    fn end(&mut self) {
        if self.open.pop().is_none() {
            self.root = Root::Closed;
        }
    }

    fn in_body(&self) -> bool {
        matches!(
            self.open.first(),
            Some(Open {
                kind: OpenKind::Body,
                ..
            })
        )
    }

    /// Records the feed an outline is, or returns the tags of the folder it is.
    fn outline(&mut self, tag: &BytesStart<'_>, at: usize) -> Result<OpenKind, OpmlError> {
        let attrs = self.attributes(tag, at)?;
        let name = non_blank(attrs.title.as_deref()).or_else(|| non_blank(attrs.text.as_deref()));
        let Some(url) = non_blank(attrs.xml_url.as_deref()) else {
            let mut tags = Vec::new();
            if let Some(tag) = name.as_deref().and_then(normalize_tag) {
                tags.push(tag);
            }
            push_category_tags(&mut tags, attrs.category.as_deref());
            return Ok(OpenKind::Folder(tags));
        };
        let mut tags = Vec::new();
        for open in &self.open {
            if let OpenKind::Folder(folder_tags) = &open.kind {
                for tag in folder_tags {
                    push_unique(&mut tags, tag.clone());
                }
            }
        }
        push_category_tags(&mut tags, attrs.category.as_deref());
        self.feeds.push(OpmlFeed {
            url,
            title: name,
            html_url: non_blank(attrs.html_url.as_deref()),
            tags,
            id: non_blank(attrs.id.as_deref()),
        });
        // Outlines nested in a feed (some outliners keep notes there) still get the
        // enclosing folders' tags, but a feed's title is no folder name.
        Ok(OpenKind::Other)
    }

    fn attributes(&self, tag: &BytesStart<'_>, at: usize) -> Result<OutlineAttrs, OpmlError> {
        let mut out = OutlineAttrs::default();
        for attr in tag.attributes() {
            let attr = attr.map_err(|e| self.attr_error(at, &e))?;
            let key = attr.key.into_inner();
            let slot = if key.eq_ignore_ascii_case("xmlUrl") {
                &mut out.xml_url
            } else if key.eq_ignore_ascii_case("title") {
                &mut out.title
            } else if key.eq_ignore_ascii_case("text") {
                &mut out.text
            } else if key.eq_ignore_ascii_case("htmlUrl") {
                &mut out.html_url
            } else if key.eq_ignore_ascii_case("category") {
                &mut out.category
            } else if key.eq_ignore_ascii_case(ID_ATTR) {
                &mut out.id
            } else {
                continue;
            };
            // With `xmlUrl` and `xmlurl` both present (they are distinct to XML), the first
            // one written wins.
            if slot.is_some() {
                continue;
            }
            let value = attr
                .normalized_value(self.version)
                .map_err(|e| xml_error(self.text, at, format!("attribute `{key}`: {e}")))?;
            *slot = Some(value.into_owned());
        }
        Ok(out)
    }

    /// quick-xml counts attribute positions from the tag's first byte after `<`.
    fn attr_error(&self, tag_at: usize, error: &AttrError) -> OpmlError {
        let within = match *error {
            AttrError::ExpectedEq(p)
            | AttrError::ExpectedValue(p)
            | AttrError::UnquotedValue(p)
            | AttrError::ExpectedQuote(p, _)
            | AttrError::Duplicated(p, _) => p,
        };
        xml_error(self.text, tag_at + 1 + within, error.to_string())
    }

    fn unexpected_eof(&self) -> OpmlError {
        let message = match (&self.root, self.open.last()) {
            (Root::Open(_), Some(open)) => {
                format!("unexpected end of document: <{}> is not closed", open.name)
            }
            (Root::Open(root), None) => {
                format!("unexpected end of document: <{root}> is not closed")
            }
            _ => "no root element".to_string(),
        };
        xml_error(self.text, self.text.len(), message)
    }
}

/// Tags from an OPML 2.0 `category`: comma-separated entries, each a `/`-path whose
/// segments all become tags (`/Tech/AI` → `tech`, `ai`).
fn push_category_tags(tags: &mut Vec<String>, category: Option<&str>) {
    let segments = category
        .unwrap_or("")
        .split(',')
        .flat_map(|entry| entry.split('/'));
    for tag in segments.filter_map(normalize_tag) {
        push_unique(tags, tag);
    }
}

/// Trimmed, lowercased, whitespace runs as `-`, control characters dropped: the shape the
/// feed lists accept (one word, no spaces). `None` when nothing is left.
fn normalize_tag(raw: &str) -> Option<String> {
    let visible: String = raw
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    let tag = visible
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase();
    (!tag.is_empty()).then_some(tag)
}

fn push_unique(tags: &mut Vec<String>, tag: String) {
    if !tags.contains(&tag) {
        tags.push(tag);
    }
}

fn non_blank(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_escaped(out, value);
    out.push('"');
}

fn push_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Literal tabs and line breaks in an attribute read back as spaces (attribute
            // value normalization); character references survive it.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            // Most are not allowed in XML 1.0 at all, and one would make readers reject the
            // whole file.
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// A reader position as an index into the input; one beyond `usize` cannot point into a
/// `&str`, so it is clamped to the end.
fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

fn xml_error(text: &str, offset: usize, message: String) -> OpmlError {
    let (line, column) = line_column(text, offset);
    OpmlError::Xml {
        line,
        column,
        message,
    }
}

/// 1-based line and column (in characters, as editors count) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    // quick-xml's positions fall on character boundaries; stepping back keeps the slice below
    // from panicking if one ever does not.
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let mut column = before[line_start..].chars().count() + 1;
    // Editors do not show a byte-order mark as a column.
    if line == 1 && before.starts_with('\u{FEFF}') {
        column -= 1;
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;
    use pretty_assertions::assert_eq;

    use super::*;

    fn fixture(name: &str) -> String {
        let path =
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/opml")).join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn feed(url: &str, title: &str, html_url: Option<&str>, tags: &[&str]) -> OpmlFeed {
        OpmlFeed {
            url: url.to_string(),
            title: Some(title.to_string()),
            html_url: html_url.map(str::to_string),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            id: None,
        }
    }

    /// Wraps outlines in a minimal document.
    fn doc(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<opml version=\"2.0\">\n<head><title>t</title></head>\n<body>\n{body}\n</body>\n</opml>\n"
        )
    }

    fn xml_position(result: Result<Vec<OpmlFeed>, OpmlError>) -> (usize, usize, String) {
        match result {
            Err(OpmlError::Xml {
                line,
                column,
                message,
            }) => (line, column, message),
            other => panic!("expected an XML error, got {other:?}"),
        }
    }

    #[test]
    fn reads_miniflux_export() {
        let feeds = parse_opml(&fixture("miniflux.opml")).unwrap();
        assert_eq!(
            feeds,
            vec![
                feed(
                    "https://www.nist.gov/news-events/news/rss.xml",
                    "NIST News",
                    Some("https://www.nist.gov/news-events/news"),
                    &["ai-policy"],
                ),
                feed(
                    "https://www.whitehouse.gov/ostp/feed/",
                    "OSTP & the AI Bill of Rights",
                    Some("https://www.whitehouse.gov/ostp/"),
                    &["ai-policy"],
                ),
                feed(
                    "https://breakingdefense.com/feed/",
                    "Breaking Defense",
                    Some("https://breakingdefense.com/"),
                    &["defense"],
                ),
                feed(
                    "https://www.defense.gov/DesktopModules/ArticleCS/RSS.ashx?ContentType=9&Site=945&max=10",
                    "DoD Releases",
                    Some("https://www.defense.gov/News/Releases/"),
                    &["defense"],
                ),
                feed(
                    "https://www.gao.gov/rss/reports.xml",
                    "GAO's Reports",
                    Some("https://www.gao.gov/"),
                    &["oversight"],
                ),
            ]
        );
    }

    #[test]
    fn reads_freshrss_export() {
        let feeds = parse_opml(&fixture("freshrss.opml")).unwrap();
        assert_eq!(
            feeds,
            vec![
                feed(
                    "https://www.federalregister.gov/api/v1/documents.rss?conditions%5Bterm%5D=artificial+intelligence&order=newest",
                    "Federal Register: Artificial Intelligence",
                    Some("https://www.federalregister.gov/"),
                    &["uncategorized"],
                ),
                feed(
                    "https://www.nist.gov/news-events/news/rss.xml",
                    "NIST News",
                    Some("https://www.nist.gov/news-events/news"),
                    &["standards-&-oversight"],
                ),
                feed(
                    "https://www.gao.gov/rss/reports.xml?a=1&b=2",
                    "GAO Reports & Testimonies",
                    Some("https://www.gao.gov/"),
                    &["standards-&-oversight"],
                ),
            ]
        );
    }

    #[test]
    fn reads_feedly_export() {
        let feeds = parse_opml(&fixture("feedly.opml")).unwrap();
        assert_eq!(
            feeds,
            vec![
                feed(
                    "https://www.nist.gov/news-events/news/rss.xml",
                    "NIST News",
                    Some("https://www.nist.gov/news-events/news"),
                    &["gov-ai"],
                ),
                feed(
                    "https://www.cisa.gov/news.xml",
                    "CISA News & Events",
                    Some("https://www.cisa.gov/news-events/news"),
                    &["gov-ai"],
                ),
                feed(
                    "https://breakingdefense.com/feed/",
                    "Breaking Defense",
                    Some("https://breakingdefense.com"),
                    &["defense"],
                ),
                feed(
                    "https://defensescoop.com/feed/?a=1&b=2",
                    "DefenseScoop",
                    Some("https://defensescoop.com"),
                    &["defense"],
                ),
            ]
        );
    }

    /// GPO's published OPML files live outside the repository; skipped where they are absent.
    #[test]
    fn reads_gpo_opml_files() {
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/corpus/gov/usgpo-opml"
        ));
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut files = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "opml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let feeds = parse_opml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!feeds.is_empty(), "{}: no feeds", path.display());
            for f in &feeds {
                assert!(f.url.starts_with("https://"), "{}: {f:?}", path.display());
                assert!(!f.tags.is_empty(), "{}: {f:?}", path.display());
            }
            files += 1;
        }
        assert!(files > 0);

        let bills =
            parse_opml(&std::fs::read_to_string(dir.join("bills-and-statutes.opml")).unwrap())
                .unwrap();
        let tag = &["bills-and-statutes"];
        assert_eq!(
            bills,
            vec![
                feed(
                    "https://www.govinfo.gov/rss/bills.xml",
                    "Congressional Bills - New items on govinfo",
                    Some("https://www.govinfo.gov/app/collection/bills"),
                    tag,
                ),
                feed(
                    "https://www.govinfo.gov/rss/plaw.xml",
                    "Public and Private Laws - New items on govinfo",
                    Some("https://www.govinfo.gov/app/collection/plaw"),
                    tag,
                ),
                feed(
                    "https://www.govinfo.gov/rss/uscode.xml",
                    "United States Code - New items on govinfo",
                    None,
                    tag,
                ),
                feed(
                    "https://www.govinfo.gov/rss/statute.xml",
                    "United States Statutes at Large - New items on govinfo",
                    None,
                    tag,
                ),
            ]
        );
    }

    #[test]
    fn nested_folders_give_every_level_as_a_tag() {
        let text = doc(r#"<outline text="Gov">
  <outline text="AI">
    <outline type="rss" text="NIST" xmlUrl="https://www.nist.gov/news-events/news/rss.xml"/>
    <outline text="Notes"/>
  </outline>
  <outline type="rss" text="GAO" xmlUrl="https://www.gao.gov/rss/reports.xml"/>
</outline>
<outline text="Loose" xmlUrl="https://breakingdefense.com/feed/"/>"#);
        let feeds = parse_opml(&text).unwrap();
        let tags: Vec<(&str, Vec<&str>)> = feeds
            .iter()
            .map(|f| (f.url.as_str(), f.tags.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            tags,
            vec![
                (
                    "https://www.nist.gov/news-events/news/rss.xml",
                    vec!["gov", "ai"]
                ),
                ("https://www.gao.gov/rss/reports.xml", vec!["gov"]),
                ("https://breakingdefense.com/feed/", vec![]),
            ]
        );
    }

    #[test]
    fn category_paths_become_tags_after_folder_tags() {
        let text = doc(r#"<outline title="Tech  Policy" text="ignored">
  <outline type="rss" text="NIST" xmlUrl="https://www.nist.gov/news-events/news/rss.xml"
           category="/Tech/AI, Standards ,/Gov/US Congress,tech policy,,/"/>
</outline>"#);
        let feeds = parse_opml(&text).unwrap();
        assert_eq!(
            feeds[0].tags,
            vec![
                "tech-policy",
                "tech",
                "ai",
                "standards",
                "gov",
                "us-congress"
            ]
        );
    }

    #[test]
    fn tolerates_what_exporters_vary() {
        // Lower-case `xmlurl`, no `type`, a blank `title` falling back to `text`, an Atom
        // type, whitespace around values, a repeated URL (kept), unknown attributes and
        // elements, and comments.
        let text = doc(r#"<!-- exported -->
<outline text=" NIST News " title="  " xmlurl=" https://www.nist.gov/news-events/news/rss.xml " htmlurl=""/>
<outline type="atom" text="NIST again" xmlUrl="https://www.nist.gov/news-events/news/rss.xml" lang="en"/>
<outline type="rss" xmlUrl="https://www.gao.gov/rss/reports.xml" govwatch-id="gao-reports"><note/></outline>
<extra><outline text="Inside an unknown element" xmlUrl="https://example.com/x"/></extra>"#);
        let feeds = parse_opml(&text).unwrap();
        assert_eq!(
            feeds,
            vec![
                feed(
                    "https://www.nist.gov/news-events/news/rss.xml",
                    "NIST News",
                    None,
                    &[]
                ),
                feed(
                    "https://www.nist.gov/news-events/news/rss.xml",
                    "NIST again",
                    None,
                    &[]
                ),
                OpmlFeed {
                    url: "https://www.gao.gov/rss/reports.xml".to_string(),
                    title: None,
                    html_url: None,
                    tags: vec![],
                    id: Some("gao-reports".to_string()),
                },
                feed(
                    "https://example.com/x",
                    "Inside an unknown element",
                    None,
                    &[]
                ),
            ]
        );
    }

    #[test]
    fn malformed_xml_names_line_and_column() {
        // A mismatched end tag.
        let text = "<opml version=\"2.0\">\n<body>\n  <outline text=\"a\">\n  </body>\n</opml>\n";
        let (line, column, message) = xml_position(parse_opml(text));
        assert_eq!((line, column), (4, 3), "{message}");

        // An unquoted attribute value, placed at the value.
        let text = "<opml version=\"2.0\">\n<body>\n  <outline text=a xmlUrl=\"https://www.gao.gov/rss/reports.xml\"/>\n</body>\n</opml>\n";
        let (line, column, message) = xml_position(parse_opml(text));
        assert_eq!((line, column), (3, 17), "{message}");

        // An entity XML does not define, placed at its tag.
        let text = "<opml version=\"2.0\">\n<body>\n  <outline text=\"AI&nbsp;policy\" xmlUrl=\"https://www.gao.gov/rss/reports.xml\"/>\n</body>\n</opml>\n";
        let (line, column, message) = xml_position(parse_opml(text));
        assert_eq!((line, column), (3, 3), "{message}");
        assert!(message.contains("text"), "{message}");

        // A truncated file.
        let text = "<opml version=\"2.0\">\n<body>\n  <outline text=\"a\">\n";
        let (line, column, message) = xml_position(parse_opml(text));
        assert_eq!((line, column), (4, 1), "{message}");
        assert!(message.contains("<outline> is not closed"), "{message}");

        // Columns count characters, not bytes.
        let text = "<opml version=\"2.0\"><body>\n<outline text=\"Défense\"></body>";
        let (line, column, message) = xml_position(parse_opml(text));
        assert_eq!((line, column), (2, 25), "{message}");

        let (_, _, message) = xml_position(parse_opml("  \n"));
        assert_eq!(message, "no root element");
    }

    #[test]
    fn other_roots_are_not_opml() {
        let html = "<!DOCTYPE html>\n<html><head><title>Feeds</title></head><body></body></html>";
        match parse_opml(html) {
            Err(OpmlError::NotOpml { root }) => assert_eq!(root, "html"),
            other => panic!("expected NotOpml, got {other:?}"),
        }
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel/></rss>"#;
        assert!(matches!(parse_opml(rss), Err(OpmlError::NotOpml { root }) if root == "rss"));
    }

    #[test]
    fn opml_without_body_is_an_error_and_empty_body_is_not() {
        assert!(matches!(
            parse_opml(r#"<opml version="1.0"><head><title>x</title></head></opml>"#),
            Err(OpmlError::NoBody)
        ));
        assert!(matches!(
            parse_opml(r#"<opml version="1.1"/>"#),
            Err(OpmlError::NoBody)
        ));
        assert_eq!(
            parse_opml(r#"<opml version="1.0"><body/></opml>"#).unwrap(),
            vec![]
        );
    }

    #[test]
    fn write_opml_writes_opml_2() {
        let created = Utc.with_ymd_and_hms(2025, 11, 4, 9, 3, 27).unwrap();
        let feeds = vec![OpmlFeed {
            url: "https://www.gao.gov/rss/reports.xml?a=1&b=2".to_string(),
            title: Some("GAO Reports & Testimonies".to_string()),
            html_url: Some("https://www.gao.gov/".to_string()),
            tags: vec!["oversight".to_string(), "gao".to_string()],
            id: Some("gao-reports".to_string()),
        }];
        assert_eq!(
            write_opml("govwatch feeds", &feeds, created),
            r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>govwatch feeds</title>
    <dateCreated>Tue, 04 Nov 2025 09:03:27 GMT</dateCreated>
    <docs>http://opml.org/spec2.opml</docs>
  </head>
  <body>
    <outline type="rss" text="GAO Reports &amp; Testimonies" title="GAO Reports &amp; Testimonies" xmlUrl="https://www.gao.gov/rss/reports.xml?a=1&amp;b=2" htmlUrl="https://www.gao.gov/" category="oversight,gao" govwatch-id="gao-reports"/>
  </body>
</opml>
"#
        );
    }

    #[test]
    fn round_trip() {
        let created = Utc.with_ymd_and_hms(2025, 11, 4, 9, 3, 27).unwrap();
        let mut feeds = parse_opml(&fixture("miniflux.opml")).unwrap();
        feeds.extend(parse_opml(&fixture("freshrss.opml")).unwrap());
        feeds.push(OpmlFeed {
            url: "https://example.gov/feed?q=\"a<b>\"&x=1".to_string(),
            title: Some("Line one\nline\ttwo 'quoted' <b>\"R&D\"</b>".to_string()),
            html_url: None,
            tags: vec!["r&d".to_string(), "a<b>\"".to_string()],
            id: Some("weird-one".to_string()),
        });
        feeds.push(OpmlFeed {
            url: "https://breakingdefense.com/feed/".to_string(),
            title: None,
            html_url: None,
            tags: vec![],
            id: None,
        });
        let text = write_opml("R&D <feeds>", &feeds, created);
        assert_eq!(parse_opml(&text).unwrap(), feeds, "{text}");
    }

    #[test]
    fn writer_drops_characters_xml_cannot_carry() {
        let created = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let feeds = vec![OpmlFeed {
            url: "https://www.nist.gov/news-events/news/rss.xml".to_string(),
            title: Some("NIST\u{1}\u{1b} News\u{7f}".to_string()),
            html_url: None,
            tags: vec![],
            id: None,
        }];
        let text = write_opml("t\u{0}", &feeds, created);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert_eq!(
            parse_opml(&text).unwrap()[0].title.as_deref(),
            Some("NIST News")
        );
    }

    #[test]
    fn positions_count_lines_and_characters() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab\r\ncd", 5), (2, 2));
        assert_eq!(line_column("\u{FEFF}<x", 3), (1, 1));
        assert_eq!(line_column("é", 1), (1, 1));
        assert_eq!(line_column("ab", 99), (1, 3));
    }
}
