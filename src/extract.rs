//! What an item is about, beyond its words: the agencies and vendors it names, the money, the
//! identifiers (bills, dockets, contract numbers…), what kind of document it is, and the
//! deadlines and event dates it gives. Computed once per item at ingest ([`Extractor::extract`])
//! and shared by the topic matcher's document, the index's document and the store's facts.
//! Every extractor is pure and fast enough to run on every item.

pub mod amount;
pub mod dates;
pub mod gazetteer;
pub mod identifiers;
pub mod kind;

use std::sync::{Arc, LazyLock};

use chrono::NaiveDate;

use crate::model::Item;
pub use gazetteer::{Entry, Gazetteer};
pub use identifiers::{IdKind, Identifier};
pub use kind::Kind;

/// The lists extraction matches against: the shipped ones, extended by the operator's
/// `[[agency]]` and `[[org]]` entries.
#[derive(Debug, Clone)]
pub struct Extractor {
    /// Agencies (list 0) and vendors (list 1), matched in one pass.
    names: Gazetteer,
    /// The operator's entries, as given (to tell whether a reload changed them).
    extensions: (Vec<Entry>, Vec<Entry>),
    /// Off only to measure what extraction costs (the pipeline bench).
    enabled: bool,
}

impl Extractor {
    /// The shipped lists, built once per process.
    pub fn shipped() -> Arc<Extractor> {
        static SHIPPED: LazyLock<Arc<Extractor>> = LazyLock::new(|| {
            // The shipped lists are part of the build and load in a test; this cannot fail.
            Arc::new(Extractor::with(&[], &[]).expect("the shipped entity lists load"))
        });
        SHIPPED.clone()
    }

    /// The shipped lists extended by `agencies` and `orgs` (an entry with a shipped name adds
    /// forms to it). The error names the list and the entry.
    pub fn with(agencies: &[Entry], orgs: &[Entry]) -> Result<Extractor, String> {
        let load = |shipped: &str, table: &str, extra: &[Entry]| {
            let base = gazetteer::parse_list(shipped, table)
                .map_err(|e| format!("the shipped {table} list: {e}"))?;
            let merged = gazetteer::merge(base, extra);
            // Each list on its own first, so an error names the list it is in.
            Gazetteer::new(&merged).map_err(|e| format!("[[{table}]]: {e}"))?;
            Ok::<_, String>(merged)
        };
        let agency_list = load(gazetteer::SHIPPED_AGENCIES, "agency", agencies)?;
        let org_list = load(gazetteer::SHIPPED_ORGS, "org", orgs)?;
        Ok(Extractor {
            names: Gazetteer::combined(&[&agency_list, &org_list])?,
            extensions: (agencies.to_vec(), orgs.to_vec()),
            enabled: true,
        })
    }

    /// The operator's `[[agency]]` and `[[org]]` entries it was built with.
    pub fn extensions(&self) -> (&[Entry], &[Entry]) {
        (&self.extensions.0, &self.extensions.1)
    }

    /// An extractor that finds nothing and calls everything news, with which the indexer
    /// neither clusters nor records facts: the baseline the pipeline bench measures
    /// extraction and clustering against.
    pub fn disabled() -> Extractor {
        let mut none = (*Extractor::shipped()).clone();
        none.enabled = false;
        none
    }

    /// Whether it extracts at all ([`Extractor::disabled`] does not, nor do clusters and
    /// facts get recorded with it).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Everything extraction finds in `item`, whose feed declares `declared` as the kind of
    /// all its items (if it does).
    pub fn extract(&self, item: &Item, declared: Option<Kind>) -> Extracted {
        if !self.enabled {
            return Extracted::default();
        }
        let texts = texts(item);
        let mut out = Extracted {
            kind: kind::classify(
                declared,
                item.url.as_deref(),
                &item.title,
                &item.categories,
                &item.summary,
            ),
            ..Extracted::default()
        };
        let published = item.published.date_naive();
        for text in texts.into_iter().flatten() {
            for amount in amount::amounts(text) {
                push_new(&mut out.amounts, amount);
            }
            let mut found = [
                std::mem::take(&mut out.agencies),
                std::mem::take(&mut out.orgs),
            ];
            self.names.find_each(text, &mut found);
            let [agencies, orgs] = found;
            out.agencies = agencies;
            out.orgs = orgs;
            for id in identifiers::identifiers(text) {
                push_new(&mut out.identifiers, id);
            }
            let dates = dates::event_dates(text, published);
            for date in dates.deadlines {
                push_new(&mut out.deadlines, date);
            }
            for date in dates.events {
                push_new(&mut out.events, date);
            }
        }
        out
    }
}

/// The texts of an item, each once: the title, the summary unless the body repeats it, and
/// the body.
fn texts(item: &Item) -> [Option<&str>; 3] {
    let summary = item.summary.trim();
    let body = item.body.trim();
    let summary = (!summary.is_empty() && !body.starts_with(summary)).then_some(summary);
    [Some(item.title.as_str()), summary, Some(body)]
}

fn push_new<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// What extraction finds in one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// Dollar amounts, in order of appearance.
    pub amounts: Vec<u64>,
    /// Canonical agency names.
    pub agencies: Vec<Arc<str>>,
    /// Canonical vendor names.
    pub orgs: Vec<Arc<str>>,
    pub identifiers: Vec<Identifier>,
    pub kind: Kind,
    /// Comment, response and application deadlines.
    pub deadlines: Vec<NaiveDate>,
    /// Hearing, meeting and industry-day dates.
    pub events: Vec<NaiveDate>,
    /// The story the item tells: the item id of the story's first report. Set at ingest by
    /// the clusterer, which needs the items before it; `None` counts as the item's own.
    pub cluster: Option<String>,
}

impl Default for Extracted {
    fn default() -> Self {
        Extracted {
            amounts: Vec::new(),
            agencies: Vec::new(),
            orgs: Vec::new(),
            identifiers: Vec::new(),
            kind: Kind::News,
            deadlines: Vec::new(),
            events: Vec::new(),
            cluster: None,
        }
    }
}

impl Extracted {
    /// Each stored item's, with the shipped lists (what tests and one-off indexing use; the
    /// pipeline extracts with the configured lists).
    pub fn all(items: &[crate::model::StoredItem]) -> Vec<Extracted> {
        let x = Extractor::shipped();
        items
            .iter()
            .map(|s| x.extract(&s.item, s.document_kind))
            .collect()
    }

    /// The identifiers that tie items into a thread across time.
    pub fn strong_identifiers(&self) -> impl Iterator<Item = &Identifier> {
        self.identifiers.iter().filter(|id| id.kind.is_strong())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn item(title: &str, summary: &str, body: &str) -> Item {
        Item {
            item_id: "x".into(),
            feed_id: "f".into(),
            guid: None,
            url: Some("https://www.defense.gov/News/Contracts/".into()),
            title: title.into(),
            summary: summary.into(),
            body: body.into(),
            authors: vec![],
            categories: vec![],
            published: Utc.with_ymd_and_hms(2025, 7, 14, 0, 0, 0).unwrap(),
            updated: None,
            content_hash: String::new(),
        }
    }

    #[test]
    fn one_pass_finds_every_field_without_repeats() {
        let x = Extractor::shipped();
        let e = x.extract(
            &item(
                "CDAO awards Anthropic $200 million",
                "The Pentagon's CDAO awarded Anthropic, Google, OpenAI and xAI up to $200 million each.",
                "The Pentagon's CDAO awarded Anthropic, Google, OpenAI and xAI up to $200 million each.",
            ),
            None,
        );
        assert_eq!(e.amounts, [200_000_000]);
        let names = |v: &[Arc<str>]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names(&e.agencies),
            [
                "Chief Digital and Artificial Intelligence Office",
                "Department of Defense"
            ]
        );
        assert_eq!(names(&e.orgs), ["Anthropic", "Google", "OpenAI", "xAI"]);
        assert_eq!(e.kind, Kind::Award);
    }

    #[test]
    fn disabled_finds_nothing() {
        let e = Extractor::disabled().extract(&item("CDAO awards $5M", "", ""), Some(Kind::Award));
        assert_eq!(e, Extracted::default());
    }

    #[test]
    fn operator_entries_extend_the_lists_and_bad_ones_are_named() {
        let x = Extractor::with(
            &[],
            &[Entry {
                name: "Acme Robotics".into(),
                aliases: vec![],
                acronyms: vec!["ACR".into()],
                exclude: vec![],
            }],
        )
        .unwrap();
        let e = x.extract(&item("ACR and Palantir", "", ""), None);
        assert_eq!(e.orgs.len(), 2);
        let bad = Entry {
            name: " ".into(),
            aliases: vec![],
            acronyms: vec![],
            exclude: vec![],
        };
        let err = Extractor::with(&[bad], &[]).unwrap_err();
        assert!(err.contains("[[agency]]"), "{err}");
    }
}
