//! Which items go into each subscription's next digest. Pure but for reading the store:
//! the window is `(last delivered window end, or the subscription's creation; now]`, by when
//! items were first stored; an item belongs when it matched one of the subscription's topics
//! at ingest, or matches the subscription's own query.
//!
//! How it scales: the window's items are read once for all subscriptions (from the earliest
//! window start), topic membership is a set lookup (topics were matched once per item at
//! ingest), and all the subscriptions' own queries run together against one throwaway
//! in-RAM segment of those items ([`TopicMatcher`]): one pass over the new items, one small
//! search per distinct query, however many subscribers share a topic.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::render::{CountedItem, DigestItem, FOLD_LIMIT, MAX_STORIES};
use crate::index::{IndexError, Snippet, TextSnippeter, TopicMatcher, check_topic_query};
use crate::model::Item;
use crate::store::{Store, StoreError, WindowItem};
use crate::subscriptions::Subscription;
use crate::topics::{Topic, Topics};

/// Items per digest that get a snippet: the ones it can show, with room for those that
/// folding merges into others.
const SNIPPETS_PER_DIGEST: usize = 2 * MAX_STORIES;
/// Items per digest carried in full (title, link, feed); the rest only count.
const DETAILED_PER_DIGEST: usize = FOLD_LIMIT;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("matching subscriptions' queries: {0}")]
    Index(#[from] IndexError),
}

/// One subscription's next digest content.
#[derive(Debug, Clone)]
pub struct Selection {
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// The newest matches, in full (newest first).
    pub items: Vec<DigestItem>,
    /// The older matches past what a digest can show: counted and recorded, not shown.
    pub counted: Vec<CountedItem>,
    /// Set when the subscription's own query could not be used (it no longer parses); its
    /// topics still apply.
    pub query_error: Option<String>,
}

/// Where a subscription's next window starts.
pub fn window_start(sub: &Subscription) -> DateTime<Utc> {
    sub.last_window_end.unwrap_or(sub.created_at)
}

/// The items of each subscription's window ending at `now`, in the order of `subs`.
pub fn select(
    store: &Store,
    topics: &Topics,
    subs: &[Subscription],
    now: DateTime<Utc>,
) -> Result<Vec<Selection>, SelectError> {
    let mut selector = Selector::new(store, topics, subs, now)?;
    subs.iter().map(|sub| selector.select(sub)).collect()
}

/// The work shared by every subscription of one run, done once: the window's items, their
/// topic bit sets and story numbers, and the subscriptions' own queries matched against them.
/// [`Selector::select`] then makes one subscription's selection at a time, so a run over many
/// subscribers holds one digest in memory, not all of them.
pub struct Selector<'t> {
    topics: &'t Topics,
    now: DateTime<Utc>,
    candidates: Vec<WindowItem>,
    /// What each candidate shows, shared by every digest that carries it.
    cards: Vec<Card>,
    /// The candidates, newest published first (ties by item id): the digest order. Kept
    /// compact, since every subscription walks it.
    newest_first: Vec<Slot>,
    /// Per candidate: the own-query pseudo-topic names it matched.
    query_matches: Vec<HashSet<String>>,
    /// Own query text → its pseudo-topic name (queries that parsed).
    query_names: HashMap<String, String>,
    /// Subscription id → why its own query could not be used.
    query_errors: HashMap<i64, String>,
    use_masks: bool,
    topic_bits: HashMap<String, u128>,
    story: Vec<usize>,
    snippets: SnippetCache,
}

impl<'t> Selector<'t> {
    /// Reads the items of the widest window any of `subs` needs and prepares the shared work.
    pub fn new(
        store: &Store,
        topics: &'t Topics,
        subs: &[Subscription],
        now: DateTime<Utc>,
    ) -> Result<Selector<'t>, SelectError> {
        let candidates = match subs.iter().map(window_start).min() {
            Some(earliest) => store.items_first_seen(earliest, now)?,
            None => Vec::new(),
        };

        // The subscriptions' own queries, deduplicated, as pseudo-topics of one matcher.
        let mut query_names: HashMap<String, String> = HashMap::new();
        let mut query_errors: HashMap<i64, String> = HashMap::new();
        let mut pseudo: Vec<Topic> = Vec::new();
        for sub in subs {
            let Some(q) = sub.query.as_deref() else {
                continue;
            };
            if query_names.contains_key(q) {
                continue;
            }
            match check_topic_query(q) {
                Ok(()) => {
                    let name = format!("q{}", pseudo.len());
                    pseudo.push(Topic {
                        name: name.clone(),
                        description: String::new(),
                        query: q.to_owned(),
                    });
                    query_names.insert(q.to_owned(), name);
                }
                Err(e) => {
                    query_errors.insert(sub.id, e.to_string());
                }
            }
        }
        let query_matches: Vec<HashSet<String>> = if pseudo.is_empty() || candidates.is_empty() {
            vec![HashSet::new(); candidates.len()]
        } else {
            let pseudo = Topics::new(pseudo).map_err(|e| IndexError::Query {
                query: String::new(),
                message: e.to_string(),
            })?;
            let matcher = TopicMatcher::new(&pseudo)?;
            let stored: Vec<_> = candidates.iter().map(|c| c.stored.clone()).collect();
            matcher
                .match_items(&stored)?
                .into_iter()
                .map(|names| names.into_iter().collect())
                .collect()
        };

        // Topic membership as bit sets: one AND per (subscription, item) pair (up to 128
        // topics; past that, a plain comparison).
        let use_masks = topics.len() <= 128;
        let topic_bits: HashMap<String, u128> = topics
            .iter()
            .take(128)
            .enumerate()
            .map(|(i, t)| (t.name.clone(), 1u128 << i))
            .collect();
        let masks: Vec<u128> = candidates
            .iter()
            .map(|c| topic_mask(&topic_bits, &c.topics))
            .collect();

        // Which story each item tells: its cluster, assigned at ingest, numbered once for
        // every subscriber.
        let mut by_date: Vec<usize> = (0..candidates.len()).collect();
        by_date.sort_by_key(|&n| candidates[n].stored.item.published);
        let mut numbers: HashMap<&str, usize> = HashMap::new();
        let story: Vec<usize> = candidates
            .iter()
            .map(|c| {
                let next = numbers.len();
                *numbers.entry(c.cluster.as_str()).or_insert(next)
            })
            .collect();

        let cards = candidates.iter().map(Card::of).collect();
        let mut newest = by_date;
        newest.sort_by(|&a, &b| {
            let (x, y) = (&candidates[a].stored.item, &candidates[b].stored.item);
            y.published
                .cmp(&x.published)
                .then_with(|| x.item_id.cmp(&y.item_id))
        });
        let newest_first = newest
            .into_iter()
            .map(|n| Slot {
                n,
                first_seen: candidates[n].stored.first_seen,
                mask: masks[n],
            })
            .collect();

        Ok(Selector {
            snippets: SnippetCache::new(candidates.len()),
            topics,
            now,
            candidates,
            cards,
            newest_first,
            query_matches,
            query_names,
            query_errors,
            use_masks,
            topic_bits,
            story,
        })
    }

    /// One subscription's items: its window, by topic or own query, newest first.
    pub fn select(&mut self, sub: &Subscription) -> Result<Selection, SelectError> {
        let start = window_start(sub);
        let now = self.now;
        let own = sub
            .query
            .as_deref()
            .and_then(|q| self.query_names.get(q))
            .cloned();
        // Each of the subscription's topics as a bit, in the subscription's order.
        let sub_bits: Vec<u128> = sub
            .topics
            .iter()
            .map(|t| self.topic_bits.get(t).copied().unwrap_or(0))
            .collect();
        let wanted = sub_bits.iter().fold(0, |m, b| m | b);
        // ... and as positions among the configured topics, which name snippet query sets.
        let sub_topics: Vec<Option<usize>> = sub
            .topics
            .iter()
            .map(|t| self.topics.iter().position(|c| &c.name == t))
            .collect();

        let mut items = Vec::new();
        let mut counted = Vec::new();
        // Candidates in newest-first order: what matches comes out in the digest's order.
        for &Slot {
            n,
            first_seen,
            mask,
        } in &self.newest_first
        {
            if first_seen <= start || first_seen > now {
                continue;
            }
            let c = &self.candidates[n];
            // The subscription's topics this item matched, as positions in its list.
            let by_topic: Vec<usize> = if self.use_masks {
                if mask & wanted == 0 {
                    Vec::new()
                } else if items.len() < DETAILED_PER_DIGEST {
                    (0..sub_bits.len())
                        .filter(|&p| mask & sub_bits[p] != 0)
                        .collect()
                } else {
                    // Counted items need only their group: the first topic matched.
                    sub_bits
                        .iter()
                        .position(|&b| mask & b != 0)
                        .into_iter()
                        .collect()
                }
            } else {
                (0..sub.topics.len())
                    .filter(|&p| c.topics.contains(&sub.topics[p]))
                    .collect()
            };
            let by_query = own
                .as_ref()
                .is_some_and(|name| self.query_matches[n].contains(name));
            if by_topic.is_empty() && !by_query {
                continue;
            }
            if items.len() < DETAILED_PER_DIGEST {
                let snippet = if items.len() < SNIPPETS_PER_DIGEST {
                    // The snippet shows why this item is in this digest: the words of the
                    // topics it matched and of the own query if that matched, not of every
                    // topic the subscriber follows. Subscribers whose match is explained
                    // the same way share it.
                    let mut explained: Vec<usize> =
                        by_topic.iter().filter_map(|&p| sub_topics[p]).collect();
                    explained.sort_unstable();
                    let query = if by_query { sub.query.as_deref() } else { None };
                    let set = self.snippets.query_set(self.topics, explained, query)?;
                    self.snippets.get(set, n, &c.stored.item)
                } else {
                    self.snippets.none.clone()
                };
                let card = &self.cards[n];
                items.push(DigestItem {
                    item_id: card.item_id.clone(),
                    title: card.title.clone(),
                    url: card.url.clone(),
                    feed_title: card.feed_title.clone(),
                    published: c.stored.item.published,
                    snippet,
                    topics: by_topic.iter().map(|&p| sub.topics[p].clone()).collect(),
                    story: Some(self.story[n]),
                    deadline: c.deadline,
                    in_thread: c.in_thread,
                    update_of: None,
                });
            } else {
                // Past what a digest can show, an item is only counted and recorded.
                counted.push(CountedItem {
                    item_id: self.cards[n].item_id.clone(),
                    group: by_topic.first().copied(),
                    story: Some(self.story[n]),
                });
            }
        }
        Ok(Selection {
            window_start: start,
            window_end: now,
            items,
            counted,
            query_error: self.query_errors.get(&sub.id).cloned(),
        })
    }
}

/// A candidate's fields as digests show them, made once and shared.
struct Card {
    item_id: Arc<str>,
    title: Arc<str>,
    url: Option<Arc<str>>,
    feed_title: Arc<str>,
}

impl Card {
    fn of(c: &WindowItem) -> Card {
        let item = &c.stored.item;
        Card {
            item_id: item.item_id.as_str().into(),
            title: item.title.as_str().into(),
            url: item.url.as_deref().map(Arc::from),
            feed_title: c
                .stored
                .feed_title
                .as_deref()
                .unwrap_or(&item.feed_id)
                .into(),
        }
    }
}

/// A candidate as every subscription's walk sees it.
#[derive(Debug, Clone, Copy)]
struct Slot {
    n: usize,
    first_seen: DateTime<Utc>,
    /// Its topics as bits of the configured topics.
    mask: u128,
}

/// Snippets depend on the queries that explain a match and on the item: matches explained
/// by the same topics (and own query) share them; only items a digest can show get one.
struct SnippetCache {
    /// (configured topics' positions, sorted; own query) → the set's number.
    query_sets: HashMap<(Vec<usize>, Option<String>), usize>,
    snippeters: Vec<TextSnippeter>,
    /// Per query set, per candidate.
    snippets: Vec<Vec<Option<Arc<Snippet>>>>,
    candidates: usize,
    /// The snippet of items past what a digest shows.
    none: Arc<Snippet>,
}

impl SnippetCache {
    fn new(candidates: usize) -> SnippetCache {
        SnippetCache {
            query_sets: HashMap::new(),
            snippeters: Vec::new(),
            snippets: Vec::new(),
            candidates,
            none: Arc::default(),
        }
    }

    /// The number of the snippeter for the configured topics at positions `topic_positions`
    /// and an own query.
    fn query_set(
        &mut self,
        topics: &Topics,
        topic_positions: Vec<usize>,
        query: Option<&str>,
    ) -> Result<usize, SelectError> {
        let key = (topic_positions, query.map(str::to_owned));
        if let Some(&set) = self.query_sets.get(&key) {
            return Ok(set);
        }
        let all: Vec<&Topic> = topics.iter().collect();
        let texts: Vec<&str> = key
            .0
            .iter()
            .filter_map(|&p| all.get(p).map(|t| t.query.as_str()))
            .chain(query)
            .collect();
        self.snippeters.push(TextSnippeter::new(&texts)?);
        self.snippets.push(vec![None; self.candidates]);
        let set = self.snippeters.len() - 1;
        self.query_sets.insert(key, set);
        Ok(set)
    }

    /// Candidate `n`'s snippet for query set `set`.
    fn get(&mut self, set: usize, n: usize, item: &Item) -> Arc<Snippet> {
        let snippeter = &self.snippeters[set];
        self.snippets[set][n]
            .get_or_insert_with(|| {
                Arc::new(
                    snippeter
                        .make(&item.title, &crate::index::body_text(item))
                        .0,
                )
            })
            .clone()
    }
}

/// The bits of `names` among the configured topics.
fn topic_mask(bits: &HashMap<String, u128>, names: &[String]) -> u128 {
    names
        .iter()
        .filter_map(|n| bits.get(n))
        .fold(0, |m, b| m | b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::FeedConfig;
    use crate::index::Index;
    use crate::model::Entry;
    use crate::normalize::normalize_entry;
    use crate::store::FetchSuccess;
    use crate::subscriptions::{NewSubscription, SubscriptionInput};
    use crate::topics::DEFAULT_TOPIC_NAMES;
    use chrono::Duration;
    use tempfile::TempDir;

    /// Stores `items` as fetched now and tags and indexes them, as a poll does.
    fn store_and_index(
        store: &mut Store,
        dir: &std::path::Path,
        feed: &str,
        items: &[Item],
        topics: &Topics,
    ) {
        store
            .apply_fetch(feed, &FetchSuccess::ok(Utc::now()), items)
            .unwrap();
        let mut index = Index::open_writable(&dir.join("tantivy")).unwrap();
        crate::pipeline::sync_index(
            store,
            &mut index,
            topics,
            &crate::extract::Extractor::shipped(),
        )
        .unwrap();
    }

    fn subscribe(store: &mut Store, email: &str, topics: &[&str], query: Option<&str>) {
        let new = NewSubscription::parse(
            &SubscriptionInput {
                email: email.into(),
                topics: topics.iter().map(|t| t.to_string()).collect(),
                query: query.map(str::to_owned),
                ..SubscriptionInput::default()
            },
            DEFAULT_TOPIC_NAMES,
        )
        .unwrap();
        store.add_subscription(&new).unwrap();
    }

    /// More matches than a digest carries in full: the newest are detailed, newest first, and
    /// the rest are counted in their group, each item exactly once.
    #[test]
    fn matches_past_the_detail_limit_are_counted_in_their_group() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let feed = FeedConfig {
            title: Some("DoD".into()),
            ..FeedConfig::new(
                "dod",
                url::Url::parse("https://example.gov/feed").unwrap(),
                "test",
            )
        };
        store.sync_feeds(std::slice::from_ref(&feed)).unwrap();
        subscribe(&mut store, "ann@example.gov", &["contracts"], None);
        subscribe(&mut store, "bob@example.gov", &["hearings"], Some("Acme"));
        let total = DETAILED_PER_DIGEST + 30;
        let at = Utc::now();
        let items: Vec<_> = (0..total)
            .map(|n| {
                let entry = Entry {
                    id: Some(format!("award-{n}")),
                    title: Some(format!(
                        "Army awards ${n} million AI contract to Acme number {n}"
                    )),
                    link: Some(format!("https://example.gov/awards/{n}")),
                    published: Some(at - Duration::minutes(n as i64)),
                    ..Entry::default()
                };
                normalize_entry(&feed.id, &entry, at)
            })
            .collect();
        let topics = Topics::default();
        store_and_index(&mut store, dir.path(), &feed.id, &items, &topics);

        let subs = store.subscriptions().unwrap();
        let now = Utc::now() + Duration::seconds(1);
        let selections = select(&store, &topics, &subs, now).unwrap();
        for (sub, sel) in subs.iter().zip(&selections) {
            assert_eq!(sel.items.len(), DETAILED_PER_DIGEST, "{}", sub.email);
            assert_eq!(sel.counted.len(), 30, "{}", sub.email);
            let dates: Vec<_> = sel.items.iter().map(|i| i.published).collect();
            assert!(dates.is_sorted_by(|a, b| a >= b), "newest first");
            assert_eq!(
                &*sel.items[0].title,
                "Army awards $0 million AI contract to Acme number 0"
            );
            let mut ids: Vec<&str> = sel.items.iter().map(|i| &*i.item_id).collect();
            ids.extend(sel.counted.iter().map(|c| &*c.item_id));
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), total, "every match exactly once");
        }
        let (ann, bob) = (&selections[0], &selections[1]);
        assert_eq!(subs[0].email, "ann@example.gov");
        assert!(ann.items.iter().all(|i| i.topics == ["contracts"]));
        assert!(ann.counted.iter().all(|c| c.group == Some(0)));
        assert!(!ann.items[0].snippet.text.is_empty());
        // Bob's own query matches, none of his topics do: the query's group.
        assert!(bob.items.iter().all(|i| i.topics.is_empty()));
        assert!(bob.counted.iter().all(|c| c.group.is_none()));
    }

    /// A subscriber following two topics sees, in each item's snippet, the words of the topic
    /// that item matched: a word of the other topic's query that appears without making the
    /// item match it is not highlighted as if it had.
    #[test]
    fn a_snippet_highlights_the_words_of_the_topics_the_item_matched() {
        let dir = TempDir::new().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let feed = FeedConfig::new(
            "f",
            url::Url::parse("https://example.gov/feed").unwrap(),
            "test",
        );
        store.sync_feeds(std::slice::from_ref(&feed)).unwrap();
        let topic = |name: &str, query: &str| Topic {
            name: name.into(),
            description: String::new(),
            query: query.into(),
        };
        let topics = Topics::new(vec![
            topic("drones", "drones"),
            topic("budgets", "budget AND appropriations"),
        ])
        .unwrap();
        let new = NewSubscription::parse(
            &SubscriptionInput {
                email: "dee@example.gov".into(),
                topics: vec!["drones".into(), "budgets".into()],
                ..SubscriptionInput::default()
            },
            &["drones", "budgets"],
        )
        .unwrap();
        store.add_subscription(&new).unwrap();
        let at = Utc::now();
        let entry = Entry {
            id: Some("one".into()),
            title: Some("Army buys drones".into()),
            summary: Some("The budget covers drones for the border.".into()),
            link: Some("https://example.gov/one".into()),
            published: Some(at),
            ..Entry::default()
        };
        let items = vec![normalize_entry(&feed.id, &entry, at)];
        store_and_index(&mut store, dir.path(), &feed.id, &items, &topics);

        let subs = store.subscriptions().unwrap();
        let sel = select(&store, &topics, &subs, Utc::now() + Duration::seconds(1)).unwrap();
        let item = &sel[0].items[0];
        assert_eq!(item.topics, ["drones"]);
        let words: Vec<&str> = item
            .snippet
            .highlights
            .iter()
            .map(|r| &item.snippet.text[r.clone()])
            .collect();
        assert_eq!(words, ["drones"], "{:?}", item.snippet);
    }
}
