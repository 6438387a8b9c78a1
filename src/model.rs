//! The shared model every pipeline stage speaks: what a feed document says ([`Document`],
//! [`Entry`]) and what govwatch keeps ([`Item`]).
//!
//! `parse` produces a `Document` (the feed's own words, links already resolved against the
//! document URL, markup still in place); `normalize` turns its entries into `Item`s (clean text,
//! canonical URL, stable id); `store` and `index` only ever see `Item`s.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The syndication format a document was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedFormat {
    Rss0,
    Rss1,
    Rss2,
    Atom,
    JsonFeed,
    /// A listing page read with CSS selectors (`kind = "html"`).
    Html,
}

/// A parsed feed document. Text fields may still contain HTML; `normalize` cleans them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Document {
    pub format: Option<FeedFormat>,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    /// The feed's main (alternate/HTML) link.
    pub link: Option<String>,
    /// Every link the feed declares, absolute.
    pub links: Vec<String>,
    pub id: Option<String>,
    pub language: Option<String>,
    pub updated: Option<DateTime<Utc>>,
    pub published: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    pub generator: Option<String>,
    pub image: Option<String>,
    pub tags: Vec<String>,
    pub entries: Vec<Entry>,
}

/// One entry (item) of a document, as the document gives it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Entry {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub content: Option<String>,
    /// The entry's main (alternate/HTML) link, absolute.
    pub link: Option<String>,
    pub links: Vec<String>,
    /// The id/GUID exactly as the document gives it; `None` when it has none.
    pub id: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub enclosures: Vec<Enclosure>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Enclosure {
    pub url: String,
    pub mime_type: Option<String>,
    pub length: Option<u64>,
}

/// An item as govwatch keeps it: normalized, identified, ready to store and index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Stable id: derived from the feed id and the GUID (else canonical link, else a content
    /// hash), so re-polling a feed always maps an entry to the same item.
    pub item_id: String,
    pub feed_id: String,
    /// The GUID/id the document gave, if any.
    pub guid: Option<String>,
    /// Canonical URL (lowercase host, no fragment, tracking parameters removed).
    pub url: Option<String>,
    /// Clean text.
    pub title: String,
    /// Clean text of the summary/description.
    pub summary: String,
    /// Clean text of the full content (the summary when the entry has no content).
    pub body: String,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    /// Published date, else updated, else fetch time.
    pub published: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    /// Hash of everything above that a reader would see; a change means "updated in place".
    pub content_hash: String,
}

/// An item as the store hands it to the index: with its store sequence number (which grows on
/// every insert and every in-place update) and the feed facts the index files it under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredItem {
    pub seq: u64,
    /// When the store first saw the item (an update keeps it).
    pub first_seen: DateTime<Utc>,
    pub item: Item,
    /// The feed's display title (operator's title, else the feed's own).
    pub feed_title: Option<String>,
    /// The operator's tags for the feed.
    pub tags: Vec<String>,
    /// What the feed declares every item of it to be (`document_kind`), if it does.
    pub document_kind: Option<crate::extract::Kind>,
}
