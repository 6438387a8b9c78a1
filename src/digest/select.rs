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

use chrono::{DateTime, Utc};

use super::render::{DigestItem, MAX_STORIES, story_ids};
use crate::index::{IndexError, Snippet, TextSnippeter, TopicMatcher, check_topic_query};
use crate::store::{Store, StoreError, WindowItem};
use crate::subscriptions::Subscription;
use crate::topics::{Topic, Topics};

/// Items per digest that get a snippet: the ones it can show, with room for those that
/// folding merges into others.
const SNIPPETS_PER_DIGEST: usize = 2 * MAX_STORIES;
/// Items per digest carried in full (title, link, feed); the rest only count. Matches the
/// renderer's fold limit.
const DETAILED_PER_DIGEST: usize = 3 * MAX_STORIES;

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
    pub items: Vec<DigestItem>,
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
    /// Per candidate: the own-query pseudo-topic names it matched.
    query_matches: Vec<HashSet<String>>,
    /// Own query text → its pseudo-topic name (queries that parsed).
    query_names: HashMap<String, String>,
    /// Subscription id → why its own query could not be used.
    query_errors: HashMap<i64, String>,
    use_masks: bool,
    topic_bits: HashMap<String, u128>,
    masks: Vec<u128>,
    story: Vec<usize>,
    /// Snippets depend on the queries that explain a match and on the item: subscriptions
    /// with the same topics (and query) share them; only stories a digest can show get one.
    query_sets: HashMap<Vec<String>, usize>,
    snippeters: Vec<TextSnippeter>,
    snippets: HashMap<(usize, usize), Snippet>,
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

        // Which story each item tells, worked out once for every subscriber.
        let mut by_date: Vec<usize> = (0..candidates.len()).collect();
        by_date.sort_by_key(|&n| candidates[n].stored.item.published);
        let mut story = vec![0; candidates.len()];
        let ids = story_ids(by_date.iter().map(|&n| {
            let item = &candidates[n].stored.item;
            (item.title.as_str(), item.url.as_deref())
        }));
        for (&n, id) in by_date.iter().zip(ids) {
            story[n] = id;
        }

        Ok(Selector {
            topics,
            now,
            candidates,
            query_matches,
            query_names,
            query_errors,
            use_masks,
            topic_bits,
            masks,
            story,
            query_sets: HashMap::new(),
            snippeters: Vec::new(),
            snippets: HashMap::new(),
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
        let mut queries: Vec<String> = sub
            .topics
            .iter()
            .filter_map(|t| self.topics.get(t).map(|t| t.query.clone()))
            .collect();
        if own.is_some() {
            queries.extend(sub.query.clone());
        }
        let wanted = topic_mask(&self.topic_bits, &sub.topics);
        let candidates = &self.candidates;
        let mut matched: Vec<(usize, Vec<String>)> = Vec::new();
        // Candidates are in first-stored order: the window is one contiguous run of them.
        let from = candidates.partition_point(|c| c.first_seen <= start);
        let to = candidates.partition_point(|c| c.first_seen <= now);
        for (n, c) in candidates.iter().enumerate().take(to).skip(from) {
            let by_topic = if self.use_masks {
                self.masks[n] & wanted != 0
            } else {
                sub.topics.iter().any(|t| c.topics.contains(t))
            };
            let by_query = own
                .as_ref()
                .is_some_and(|name| self.query_matches[n].contains(name));
            if by_topic || by_query {
                let matched_topics = if by_topic {
                    sub.topics
                        .iter()
                        .filter(|t| c.topics.contains(t))
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                matched.push((n, matched_topics));
            }
        }
        // Newest first, the order a digest shows them in.
        matched.sort_by(|a, b| {
            let (x, y) = (&candidates[a.0].stored.item, &candidates[b.0].stored.item);
            y.published
                .cmp(&x.published)
                .then_with(|| x.item_id.cmp(&y.item_id))
        });
        let set = match self.query_sets.get(&queries) {
            Some(&set) => set,
            None => {
                let texts: Vec<&str> = queries.iter().map(String::as_str).collect();
                self.snippeters.push(TextSnippeter::new(&texts)?);
                let set = self.snippeters.len() - 1;
                self.query_sets.insert(queries, set);
                set
            }
        };
        let mut items = Vec::with_capacity(matched.len());
        for (rank, (n, matched_topics)) in matched.into_iter().enumerate() {
            let c = &candidates[n];
            let snippet = if rank < SNIPPETS_PER_DIGEST {
                let snippeter = &self.snippeters[set];
                self.snippets
                    .entry((set, n))
                    .or_insert_with(|| {
                        let item = &c.stored.item;
                        snippeter
                            .make(&item.title, &crate::index::body_text(item))
                            .0
                    })
                    .clone()
            } else {
                Snippet::default()
            };
            items.push(if rank < DETAILED_PER_DIGEST {
                digest_item(c, matched_topics, snippet, self.story[n])
            } else {
                // Past what a digest can show, an item is only counted.
                DigestItem {
                    item_id: c.stored.item.item_id.clone(),
                    title: String::new(),
                    url: None,
                    feed_title: String::new(),
                    published: c.stored.item.published,
                    snippet: String::new(),
                    highlights: Vec::new(),
                    topics: matched_topics,
                    story: Some(self.story[n]),
                }
            });
        }
        Ok(Selection {
            window_start: start,
            window_end: now,
            items,
            query_error: self.query_errors.get(&sub.id).cloned(),
        })
    }
}

/// The bits of `names` among the configured topics.
fn topic_mask(bits: &HashMap<String, u128>, names: &[String]) -> u128 {
    names
        .iter()
        .filter_map(|n| bits.get(n))
        .fold(0, |m, b| m | b)
}

fn digest_item(c: &WindowItem, topics: Vec<String>, snippet: Snippet, story: usize) -> DigestItem {
    let item = &c.stored.item;
    DigestItem {
        item_id: item.item_id.clone(),
        title: item.title.clone(),
        url: item.url.clone(),
        feed_title: c
            .stored
            .feed_title
            .clone()
            .unwrap_or_else(|| item.feed_id.clone()),
        published: item.published,
        snippet: snippet.text,
        highlights: snippet.highlights,
        topics,
        story: Some(story),
    }
}
