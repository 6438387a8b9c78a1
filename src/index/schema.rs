//! The tantivy schema of the index, and how a [`StoredItem`] becomes a tantivy document.
//!
//! Any change here that alters what is indexed (a field, an option, a tokenizer, how a value is
//! normalized before indexing) must bump [`SCHEMA_VERSION`]: an index built by another version
//! is then refused with a message that says to run `govwatch reindex`.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, NumericOptions,
    STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument};

use crate::extract::Extracted;
use crate::model::StoredItem;

/// Version of what the index holds and how. Recorded in every commit payload.
pub const SCHEMA_VERSION: u32 = 7;

pub(crate) const ITEM_ID: &str = "item_id";
pub(crate) const TITLE: &str = "title";
pub(crate) const BODY: &str = "body";
pub(crate) const FEED: &str = "feed";
pub(crate) const FEED_TITLE: &str = "feed_title";
pub(crate) const TAGS: &str = "tags";
pub(crate) const CATEGORIES: &str = "categories";
pub(crate) const URL: &str = "url";
pub(crate) const PUBLISHED: &str = "published";
pub(crate) const SEQ: &str = "seq";
pub(crate) const TOPICS: &str = "topics";
pub(crate) const AMOUNT: &str = "amount";
pub(crate) const AGENCY: &str = "agency";
pub(crate) const ORG: &str = "org";
pub(crate) const KIND: &str = "kind";
pub(crate) const IDENT: &str = "ident";
pub(crate) const DEADLINE: &str = "deadline";
pub(crate) const EVENT_DATE: &str = "event_date";
pub(crate) const CLUSTER: &str = "cluster";

/// The schema's fields, resolved once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub item_id: Field,
    pub title: Field,
    pub body: Field,
    pub feed: Field,
    pub feed_title: Field,
    pub tags: Field,
    pub categories: Field,
    pub url: Field,
    pub published: Field,
    pub seq: Field,
    pub topics: Field,
    pub amount: Field,
    pub agency: Field,
    pub org: Field,
    pub kind: Field,
    pub ident: Field,
    pub deadline: Field,
    pub event_date: Field,
    pub cluster: Field,
}

/// The schema this version of govwatch writes and expects.
pub(crate) fn build_schema() -> (Schema, Fields) {
    schema_with(true)
}

/// The same fields, indexed the same way, with nothing stored: what the topic matcher's
/// throwaway per-batch index needs (queries resolve fields by name and indexing options, so
/// topic queries parsed against it behave as they do in search).
pub(crate) fn build_match_schema() -> (Schema, Fields) {
    schema_with(false)
}

fn schema_with(keep: bool) -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |stored: bool| {
        let stored = stored && keep;
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(super::analyzer::TEXT_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        item_id: builder.add_text_field(ITEM_ID, if keep { STRING | STORED } else { STRING }),
        title: builder.add_text_field(TITLE, text(true)),
        // Stored so snippets can be cut from it.
        body: builder.add_text_field(BODY, text(true)),
        feed: builder.add_text_field(FEED, if keep { STRING | STORED | FAST } else { STRING }),
        feed_title: builder.add_text_field(
            FEED_TITLE,
            if keep {
                TextOptions::from(STORED)
            } else {
                TextOptions::default()
            },
        ),
        // Indexed only: tags are filters, never shown from the index.
        tags: builder.add_text_field(TAGS, STRING),
        // The feed's own categories ("Artificial Intelligence", "Contracts"): searched like
        // text, by default and with `category:`; not shown from the index.
        categories: builder.add_text_field(CATEGORIES, text(false)),
        url: builder.add_text_field(URL, if keep { STRING | STORED } else { STRING }),
        published: builder.add_date_field(PUBLISHED, {
            let options = DateOptions::from(INDEXED)
                .set_fast()
                .set_precision(DateTimePrecision::Seconds);
            if keep { options.set_stored() } else { options }
        }),
        seq: builder.add_u64_field(SEQ, STORED | FAST),
        // The topics the item matched at ingest (`topic:`), lowercase names; stored so hits
        // can say which topics they belong to.
        // Fast too, for facet counts (`search --facets topic`).
        topics: builder.add_text_field(TOPICS, if keep { STRING | STORED | FAST } else { STRING }),
        // Agencies the text names, canonical (`agency:"Department of Defense"`, facets).
        agency: builder.add_text_field(AGENCY, if keep { STRING | STORED | FAST } else { STRING }),
        // Vendors the text names, canonical (`org:OpenAI`, facets).
        org: builder.add_text_field(ORG, if keep { STRING | STORED | FAST } else { STRING }),
        // What the document is (`kind:award`), one per item.
        kind: builder.add_text_field(KIND, if keep { STRING | STORED | FAST } else { STRING }),
        // Identifiers as `type:value` (`bill:H.R. 1234`); queries name the value alone and
        // are rewritten to this form.
        ident: builder.add_text_field(IDENT, if keep { STRING | STORED } else { STRING }),
        // Deadlines and event dates the text gives (`deadline:[now TO now+14d]`).
        deadline: builder.add_date_field(DEADLINE, day_options(keep)),
        event_date: builder.add_date_field(EVENT_DATE, day_options(keep)),
        // The story the item belongs to: the item id of its first report (`--collapse`).
        cluster: builder
            .add_text_field(CLUSTER, if keep { STRING | STORED | FAST } else { STRING }),
        // Dollar amounts in the text (`amount:[1000000000 TO *]`); stored to show them.
        amount: builder.add_u64_field(AMOUNT, {
            let options = NumericOptions::from(INDEXED);
            if keep {
                options.set_fast().set_stored()
            } else {
                options
            }
        }),
    };
    (builder.build(), fields)
}

fn day_options(keep: bool) -> DateOptions {
    let options = DateOptions::from(INDEXED).set_precision(DateTimePrecision::Seconds);
    if keep {
        options.set_fast().set_stored()
    } else {
        options
    }
}

/// A calendar date as the index holds it: midnight UTC.
pub(crate) fn day(date: chrono::NaiveDate) -> DateTime {
    to_tantivy_date(&date.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// An identifier as the `ident` field holds it.
pub(crate) fn ident_term(id: &crate::extract::Identifier) -> String {
    format!("{}:{}", id.kind.name(), id.value)
}

/// Tags are matched case-insensitively: stored lowercase, and filters and `tag:` terms are
/// lowercased the same way.
pub(crate) fn normalize_tag(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// tantivy dates are nanoseconds in an i64 (years 1678–2261); feed dates are not to be trusted,
/// so out-of-range seconds are clamped instead of overflowing.
pub(crate) fn to_tantivy_date(date: &chrono::DateTime<chrono::Utc>) -> DateTime {
    const MAX_SECS: i64 = i64::MAX / 1_000_000_000;
    DateTime::from_timestamp_secs(date.timestamp().clamp(-MAX_SECS, MAX_SECS))
}

pub(crate) fn from_tantivy_date(date: DateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(date.into_timestamp_secs(), 0).unwrap_or_default()
}

/// The searchable body: the summary and the full text, without repeating the summary when the
/// body already starts with it (`normalize` uses the summary as body when there is no content).
pub(crate) fn body_text(summary: &str, body: &str) -> String {
    let summary = summary.trim();
    let body = body.trim();
    if summary.is_empty() || body.starts_with(summary) {
        body.to_owned()
    } else if body.is_empty() {
        summary.to_owned()
    } else {
        format!("{summary}\n\n{body}")
    }
}

/// The document of `stored`, filed under `topics` (names, as the topic matcher gives them).
pub(crate) fn to_document(
    fields: &Fields,
    stored: &StoredItem,
    topics: &[String],
    extracted: &Extracted,
) -> TantivyDocument {
    let item = &stored.item;
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.item_id, &item.item_id);
    doc.add_text(fields.title, &item.title);
    doc.add_text(fields.body, body_text(&item.summary, &item.body));
    doc.add_text(fields.feed, &item.feed_id);
    if let Some(feed_title) = &stored.feed_title {
        doc.add_text(fields.feed_title, feed_title);
    }
    let mut tags: Vec<String> = stored
        .tags
        .iter()
        .map(|t| normalize_tag(t))
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort_unstable();
    tags.dedup();
    for tag in tags {
        doc.add_text(fields.tags, tag);
    }
    for category in &item.categories {
        doc.add_text(fields.categories, category);
    }
    if let Some(url) = &item.url {
        doc.add_text(fields.url, url);
    }
    doc.add_date(fields.published, to_tantivy_date(&item.published));
    doc.add_u64(fields.seq, stored.seq);
    for topic in topics {
        doc.add_text(fields.topics, topic);
    }
    for &amount in &extracted.amounts {
        doc.add_u64(fields.amount, amount);
    }
    for agency in &extracted.agencies {
        doc.add_text(fields.agency, agency);
    }
    for org in &extracted.orgs {
        doc.add_text(fields.org, org);
    }
    doc.add_text(fields.kind, extracted.kind.name());
    for id in &extracted.identifiers {
        doc.add_text(fields.ident, ident_term(id));
    }
    for &date in &extracted.deadlines {
        doc.add_date(fields.deadline, day(date));
    }
    for &date in &extracted.events {
        doc.add_date(fields.event_date, day(date));
    }
    let cluster = extracted.cluster.as_deref().unwrap_or(&item.item_id);
    doc.add_text(fields.cluster, cluster);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn body_text_does_not_repeat_the_summary() {
        assert_eq!(body_text("Short.", "Short. And more."), "Short. And more.");
        assert_eq!(body_text("Same", "Same"), "Same");
        assert_eq!(body_text("Lead", "Other text"), "Lead\n\nOther text");
        assert_eq!(body_text("Only summary", ""), "Only summary");
        assert_eq!(body_text("", "Only body"), "Only body");
    }

    #[test]
    fn dates_round_trip_and_extremes_are_clamped() {
        let d = chrono::Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        assert_eq!(from_tantivy_date(to_tantivy_date(&d)), d);
        let far = chrono::Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0).unwrap();
        let clamped = from_tantivy_date(to_tantivy_date(&far));
        assert!(clamped.timestamp() > 0 && clamped.timestamp() < far.timestamp());
    }

    #[test]
    fn schema_is_stable_across_builds() {
        assert_eq!(build_schema().0, build_schema().0);
    }
}
