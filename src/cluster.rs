//! Story clusters: items that tell the same story, from different feeds within a few days,
//! share a cluster id (the item id of the story's first report), so search can collapse them
//! and digests fold them.
//!
//! Outlets rewrite a story in their own words ("CDAO taps four AI firms for up to $200 million
//! each" / "Pentagon awards Anthropic, Google, OpenAI and xAI frontier AI deals"), so
//! near-duplicate hashing of the text (SimHash, MinHash over shingles) only finds syndicated
//! copies. What the copies do share is what the story is about: the same vendors, agencies,
//! amounts and identifiers, and the rarer words of the headline. Each item becomes a set of
//! such features, weighted by how rare each is among the items of the window (IDF), and joins
//! the most similar earlier item's cluster when the cosine similarity of the two sets reaches
//! [`THRESHOLD`] (chosen on the labelled set in `tests/eval/`; see `govwatch eval`). The same
//! canonical URL is the same story whatever the words.
//!
//! The window is bounded in time ([`WINDOW`]) and candidates come from an inverted index over
//! features, skipping features too common to tell stories apart, so each item costs about the
//! same however many items came before it.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use chrono::{DateTime, TimeDelta, Utc};

use crate::extract::Extracted;
use crate::model::Item;

/// How far apart two reports of one story can be, by first-seen and by published time.
pub const WINDOW: TimeDelta = TimeDelta::hours(72);

/// The most items the window holds, however many arrive within [`WINDOW`]. It bounds the
/// clusterer's memory (about 1 KB an item) and the time an indexer takes to resume it from the
/// store. 72 hours of a deployment storing up to about 6,500 items a day fit. Above that the
/// window is the latest 20,000 items (hours, not days, of its feeds), and the first poll of
/// thousands of feeds does not hold their whole backlog.
pub const MAX_WINDOW_ITEMS: usize = 20_000;

/// The most earlier items an item is compared with (those sharing the most rare features).
const MAX_CANDIDATES: usize = 64;

/// The least cosine similarity of two items' features for them to be one story.
pub const THRESHOLD: f32 = 0.25;

/// A feature carried by more than this share of the window's items says nothing about which
/// story an item tells (and would make its posting list long); it is not a candidate source.
const COMMON_SHARE: f32 = 0.05;
/// …unless the window is small, where shares mean little.
const COMMON_MIN: usize = 40;
/// …and never longer than this, however large the window.
const MAX_POSTING_SCAN: usize = 200;

/// Words that carry no story.
const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "from",
    "its",
    "into",
    "will",
    "are",
    "was",
    "has",
    "have",
    "had",
    "not",
    "but",
    "our",
    "their",
    "they",
    "them",
    "his",
    "her",
    "who",
    "what",
    "when",
    "where",
    "which",
    "how",
    "why",
    "new",
    "more",
    "than",
    "over",
    "about",
    "after",
    "before",
    "says",
    "said",
    "say",
    "can",
    "could",
    "would",
    "should",
    "may",
    "also",
    "one",
    "two",
    "all",
    "any",
    "out",
    "you",
    "your",
    "his",
    "been",
    "being",
    "were",
    "first",
    "year",
    "years",
    "week",
    "today",
    "announced",
    "announces",
    "million",
    "billion",
    "per",
    "each",
    "up",
    "via",
    "amid",
    "among",
    "under",
    "other",
    "some",
    "such",
    "these",
    "those",
    "there",
    "here",
    "just",
    "now",
    "get",
    "gets",
    "how",
    "inc",
    "llc",
    "corp",
];

/// One item's features: hashed, with their kind's weight.
#[derive(Debug, Clone, Default)]
pub struct Features {
    items: Vec<(u64, f32)>,
}

/// What kind of thing a feature is, and how much sharing it says about the story.
#[derive(Clone, Copy)]
enum Feature {
    TitleWord,
    LeadWord,
    Entity,
    Amount,
    Identifier,
}

impl Feature {
    fn weight(self) -> f32 {
        match self {
            Feature::TitleWord => 1.0,
            Feature::LeadWord => 0.6,
            Feature::Entity => 1.2,
            Feature::Amount => 1.6,
            Feature::Identifier => 2.5,
        }
    }
}

impl Features {
    pub fn of(item: &Item, extracted: &Extracted) -> Features {
        let mut f = Features::default();
        let mut buffer = String::new();
        for_words(&item.title, &mut buffer, |w| {
            f.add(Feature::TitleWord, "w", w)
        });
        for_words(lead(&item.summary, 400), &mut buffer, |w| {
            f.add(Feature::LeadWord, "w", w)
        });
        for name in extracted.agencies.iter().chain(&extracted.orgs) {
            f.add(Feature::Entity, "e", name);
        }
        for amount in &extracted.amounts {
            f.add(Feature::Amount, "$", &amount.to_string());
        }
        for id in &extracted.identifiers {
            f.add(Feature::Identifier, id.kind.name(), &id.value);
        }
        f
    }

    /// Adds a feature, keeping the highest weight when it comes twice (a title word that is
    /// also in the lead counts as a title word).
    fn add(&mut self, kind: Feature, space: &str, value: &str) {
        let mut h = std::hash::DefaultHasher::new();
        space.hash(&mut h);
        value.hash(&mut h);
        let hash = h.finish();
        let weight = kind.weight();
        match self.items.iter_mut().find(|(h, _)| *h == hash) {
            Some((_, w)) => *w = w.max(weight),
            None => self.items.push((hash, weight)),
        }
    }
}

/// Calls `f` with each lowercase word of three letters or more that is not a stop word, plural
/// `s` dropped so "contract" and "contracts" are one; `buffer` is reused between words.
fn for_words(text: &str, buffer: &mut String, mut f: impl FnMut(&str)) {
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        if w.len() < 3 || w.chars().count() < 3 {
            continue;
        }
        buffer.clear();
        buffer.extend(w.chars().flat_map(char::to_lowercase));
        if buffer.len() > 4 && buffer.ends_with('s') && !buffer.ends_with("ss") {
            buffer.pop();
        }
        if !STOPWORDS.contains(&buffer.as_str()) {
            f(buffer);
        }
    }
}

fn lead(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Features weighted for one comparison, sorted by hash so two vectors merge in one pass.
#[derive(Debug)]
struct Vector {
    items: Vec<(u64, f32)>,
    norm: f32,
}

impl Vector {
    fn cosine(&self, other: &Vector) -> f32 {
        let (a, b) = (&self.items, &other.items);
        let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        dot / (self.norm * other.norm).max(f32::EPSILON)
    }
}

/// One earlier item in the window, weighted as the window stood when it arrived.
#[derive(Debug)]
struct Entry {
    first_seen: DateTime<Utc>,
    url: Option<String>,
    published: DateTime<Utc>,
    cluster: String,
    vector: Vector,
}

/// The clusters of the recent window, fed items in store order.
#[derive(Debug, Default)]
pub struct Clusterer {
    /// Oldest first; `entries[i]` has id `base + i`.
    entries: VecDeque<Entry>,
    base: u64,
    /// Feature hash → ids of the entries that have it (may hold expired ids).
    /// Ids grow, and expire oldest first: each list is in id order and loses its front.
    postings: HashMap<u64, VecDeque<u64>>,
    by_url: HashMap<String, (u64, String)>,
    threshold: Option<f32>,
    /// [`MAX_WINDOW_ITEMS`] unless a test sets a smaller one.
    max_items: Option<usize>,
}

/// Why an item joined the cluster it did (what `govwatch eval` reports on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Joined {
    /// It opened a new cluster.
    New,
    SameUrl,
    /// Similar to an earlier item with this cosine similarity.
    Similar(f32),
}

impl Clusterer {
    pub fn new() -> Clusterer {
        Clusterer::default()
    }

    /// A clusterer that joins at `threshold` instead of [`THRESHOLD`] (for the evaluation).
    pub fn with_threshold(threshold: f32) -> Clusterer {
        Clusterer {
            threshold: Some(threshold),
            ..Clusterer::default()
        }
    }

    /// Items in the window.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an item already clustered (read back from the store at start), so the items
    /// after it are clustered as they would have been without a restart.
    pub fn remember(
        &mut self,
        item: &Item,
        first_seen: DateTime<Utc>,
        features: Features,
        cluster: String,
    ) {
        self.expire(first_seen);
        self.insert(item, first_seen, features, cluster);
    }

    /// The cluster of a new item (the id of the story's first report, or its own id), and
    /// why. Items must come in the order they were first seen.
    pub fn assign(
        &mut self,
        item: &Item,
        first_seen: DateTime<Utc>,
        features: Features,
    ) -> (String, Joined) {
        self.expire(first_seen);
        let (cluster, joined) = self.best(item, &features);
        let cluster = cluster.unwrap_or_else(|| item.item_id.clone());
        self.insert(item, first_seen, features, cluster.clone());
        (cluster, joined)
    }

    fn best(&self, item: &Item, features: &Features) -> (Option<String>, Joined) {
        if let Some(url) = &item.url
            && let Some((id, cluster)) = self.by_url.get(url)
            && self
                .live(*id)
                .is_some_and(|e| close(e.published, item.published))
        {
            return (Some(cluster.clone()), Joined::SameUrl);
        }
        let mine = self.weigh(features);
        // Candidates share at least one rare feature: a story's reports always do (its
        // vendors, amounts, identifiers, unusual headline words), and rare postings are short,
        // so an item costs the same however full the window is.
        let mut candidates: Vec<u64> = Vec::new();
        for &(hash, _) in &mine.items {
            if let Some(posting) = self.postings.get(&hash)
                && posting.len() <= self.rare_limit()
            {
                candidates.extend(posting.iter().copied());
            }
        }
        candidates.sort_unstable();
        let candidates = most_shared(&candidates, MAX_CANDIDATES);
        let threshold = self.threshold.unwrap_or(THRESHOLD);
        let mut best: Option<(f32, u64)> = None;
        // In id order, and only a strictly better score replaces the best: ties go to the
        // earliest item, whatever the order of hashes.
        for id in candidates {
            let Some(entry) = self.live(id) else { continue };
            if !close(entry.published, item.published) {
                continue;
            }
            let cosine = mine.cosine(&entry.vector);
            if cosine >= threshold && best.is_none_or(|(s, _)| cosine > s) {
                best = Some((cosine, id));
            }
        }
        match best.and_then(|(s, id)| self.live(id).map(|e| (s, e))) {
            Some((s, entry)) => (Some(entry.cluster.clone()), Joined::Similar(s)),
            None => (None, Joined::New),
        }
    }

    /// The longest posting list that still makes its feature a candidate source.
    fn rare_limit(&self) -> usize {
        ((self.entries.len() as f32 * COMMON_SHARE) as usize).clamp(COMMON_MIN, MAX_POSTING_SCAN)
    }

    /// `features` weighted by how rare each is in the window now (IDF), sorted by hash.
    fn weigh(&self, features: &Features) -> Vector {
        let n = self.entries.len().max(1) as f32;
        let mut items: Vec<(u64, f32)> = features
            .items
            .iter()
            .map(|&(hash, weight)| {
                let df = self.postings.get(&hash).map_or(0, VecDeque::len).max(1);
                (hash, weight * (1.0 + n / df as f32).ln())
            })
            .collect();
        items.sort_unstable_by_key(|&(h, _)| h);
        let norm = items.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        Vector { items, norm }
    }

    fn live(&self, id: u64) -> Option<&Entry> {
        id.checked_sub(self.base)
            .and_then(|i| self.entries.get(usize::try_from(i).ok()?))
    }

    fn insert(
        &mut self,
        item: &Item,
        first_seen: DateTime<Utc>,
        features: Features,
        cluster: String,
    ) {
        let id = self.base + self.entries.len() as u64;
        for &(hash, _) in &features.items {
            self.postings.entry(hash).or_default().push_back(id);
        }
        let vector = self.weigh(&features);
        if let Some(url) = &item.url {
            self.by_url.insert(url.clone(), (id, cluster.clone()));
        }
        self.entries.push_back(Entry {
            first_seen,
            url: item.url.clone(),
            published: item.published,
            cluster,
            vector,
        });
    }

    /// Drops the entries first seen more than [`WINDOW`] before `now`, and the oldest beyond
    /// [`MAX_WINDOW_ITEMS`] less one (room for the item about to come), and their postings.
    fn expire(&mut self, now: DateTime<Utc>) {
        while self.entries.front().is_some_and(|e| {
            now - e.first_seen > WINDOW
                || self.entries.len() >= self.max_items.unwrap_or(MAX_WINDOW_ITEMS)
        }) {
            if let Some(entry) = self.entries.pop_front() {
                // A later item with the same URL took its place: that one stays.
                if let Some(url) = &entry.url
                    && self.by_url.get(url).is_some_and(|(id, _)| *id == self.base)
                {
                    self.by_url.remove(url);
                }
                for (hash, _) in &entry.vector.items {
                    if let Some(posting) = self.postings.get_mut(hash) {
                        if posting.front() == Some(&self.base) {
                            posting.pop_front();
                        }
                        if posting.is_empty() {
                            self.postings.remove(hash);
                        }
                    }
                }
            }
            self.base += 1;
        }
    }
}

/// The ids of `sorted` (a sorted list with one entry per rare feature an earlier item shares)
/// that share the most features, at most `most` of them, in id order. A story's reports share
/// several rare features, so this loses none of them; it bounds the cosines computed per item
/// when a window's vocabulary is narrow and every posting list is near its limit.
fn most_shared(sorted: &[u64], most: usize) -> Vec<u64> {
    let mut counted: Vec<(u64, usize)> = Vec::new();
    for &id in sorted {
        match counted.last_mut() {
            Some((last, n)) if *last == id => *n += 1,
            _ => counted.push((id, 1)),
        }
    }
    if counted.len() > most {
        // Most shared first; among equals the earliest, as the tie-break of `best` prefers.
        counted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counted.truncate(most);
        counted.sort_unstable_by_key(|&(id, _)| id);
    }
    counted.into_iter().map(|(id, _)| id).collect()
}

/// Whether two published times are close enough for one story.
fn close(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).abs() <= WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Extractor;
    use chrono::TimeZone;

    fn item(id: &str, url: &str, title: &str, summary: &str, hours: i64) -> Item {
        Item {
            item_id: id.into(),
            feed_id: "f".into(),
            guid: None,
            url: Some(url.into()),
            title: title.into(),
            summary: summary.into(),
            body: summary.into(),
            authors: vec![],
            categories: vec![],
            published: Utc.with_ymd_and_hms(2025, 7, 14, 0, 0, 0).unwrap()
                + TimeDelta::hours(hours),
            updated: None,
            content_hash: String::new(),
        }
    }

    fn run(c: &mut Clusterer, item: &Item) -> String {
        let x = Extractor::shipped().extract(item, None);
        c.assign(item, item.published, Features::of(item, &x)).0
    }

    #[test]
    fn rewrites_of_one_story_join_and_other_stories_do_not() {
        let mut c = Clusterer::new();
        let a = item(
            "a",
            "https://www.defense.gov/a",
            "CDAO Announces Partnerships with Frontier AI Companies",
            "The Chief Digital and Artificial Intelligence Office awarded Anthropic, Google, OpenAI and xAI contracts with a ceiling of $200 million each to develop agentic AI workflows.",
            0,
        );
        let b = item(
            "b",
            "https://defensescoop.com/b",
            "Pentagon taps Anthropic, Google, OpenAI and xAI for frontier AI work",
            "The CDAO will award up to $200 million to each of four frontier AI companies for agentic workflows.",
            5,
        );
        let other = item(
            "c",
            "https://www.gsa.gov/c",
            "GSA adds Meta's Llama to OneGov",
            "The General Services Administration signed a OneGov agreement with Meta for Llama models.",
            6,
        );
        let later = item(
            "d",
            "https://example.com/d",
            "Pentagon taps Anthropic, Google, OpenAI and xAI for frontier AI work",
            "Months later, a different story with the same words.",
            24 * 30,
        );
        assert_eq!(run(&mut c, &a), "a");
        assert_eq!(run(&mut c, &b), "a");
        assert_eq!(run(&mut c, &other), "c");
        assert_eq!(run(&mut c, &later), "d", "outside the window");
        assert_eq!(c.len(), 1, "the window dropped the old items");
    }

    #[test]
    fn the_window_holds_at_most_its_item_limit() {
        let mut c = Clusterer {
            max_items: Some(3),
            ..Clusterer::default()
        };
        let story = |id: &str, hours| {
            item(
                id,
                &format!("https://x.gov/{id}"),
                "Army awards Palantir $480 million Maven contract",
                "The Army awarded Palantir a $480 million contract for Maven Smart System.",
                hours,
            )
        };
        assert_eq!(run(&mut c, &story("a", 0)), "a");
        // Unrelated items push the first report out of a window of three.
        for (n, id) in ["b", "c", "d"].into_iter().enumerate() {
            let filler = item(
                id,
                "https://y.gov",
                "GSA OneGov deal for Llama",
                "Meta.",
                n as i64,
            );
            run(&mut c, &filler);
        }
        assert_eq!(c.len(), 3);
        assert_eq!(
            run(&mut c, &story("e", 4)),
            "e",
            "the first report left the window"
        );
        assert_eq!(
            run(&mut c, &story("f", 5)),
            "e",
            "within the window it still joins"
        );
    }

    #[test]
    fn candidates_are_those_sharing_most_features_in_id_order() {
        // 7 shares three features, 3 and 9 two, 1 and 5 one.
        let sorted = [1, 3, 3, 5, 7, 7, 7, 9, 9];
        assert_eq!(most_shared(&sorted, 10), [1, 3, 5, 7, 9]);
        assert_eq!(most_shared(&sorted, 3), [3, 7, 9]);
        // Ties go to the earliest.
        assert_eq!(most_shared(&sorted, 4), [1, 3, 7, 9]);
    }

    #[test]
    fn the_same_url_is_the_same_story() {
        let mut c = Clusterer::new();
        let a = item("a", "https://x.gov/1", "One title", "Words", 0);
        let b = item("b", "https://x.gov/1", "Entirely different", "Other", 1);
        assert_eq!(run(&mut c, &a), "a");
        assert_eq!(run(&mut c, &b), "a");
    }
}
