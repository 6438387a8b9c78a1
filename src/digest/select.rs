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
    let Some(earliest) = subs.iter().map(window_start).min() else {
        return Ok(Vec::new());
    };
    let candidates = store.items_first_seen(earliest, now)?;

    // The subscriptions' own queries, deduplicated, as pseudo-topics of one matcher.
    let mut query_names: HashMap<&str, String> = HashMap::new();
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
                query_names.insert(q, name);
            }
            Err(e) => {
                query_errors.insert(sub.id, e.to_string());
            }
        }
    }
    let query_matches: Vec<HashSet<String>> = if pseudo.is_empty() || candidates.is_empty() {
        vec![HashSet::new(); candidates.len()]
    } else {
        let matcher = TopicMatcher::new(&Topics::new(pseudo).map_err(|e| IndexError::Query {
            query: String::new(),
            message: e.to_string(),
        })?)?;
        let stored: Vec<_> = candidates.iter().map(|c| c.stored.clone()).collect();
        matcher
            .match_items(&stored)?
            .into_iter()
            .map(|names| names.into_iter().collect())
            .collect()
    };

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

    // Snippets depend on the queries that explain a match and on the item: subscriptions with
    // the same topics (and query) share them, and only the stories a digest can show get one.
    let mut snippeters: HashMap<Vec<&str>, TextSnippeter> = HashMap::new();
    let mut snippets: HashMap<(Vec<&str>, usize), Snippet> = HashMap::new();
    let mut out = Vec::with_capacity(subs.len());
    for sub in subs {
        let start = window_start(sub);
        let own = sub.query.as_deref().and_then(|q| query_names.get(q));
        let mut queries: Vec<&str> = sub
            .topics
            .iter()
            .filter_map(|t| topics.get(t).map(|t| t.query.as_str()))
            .collect();
        if own.is_some() {
            queries.extend(sub.query.as_deref());
        }
        let mut matched: Vec<(usize, Vec<String>)> = Vec::new();
        for (n, c) in candidates.iter().enumerate() {
            if c.first_seen <= start || c.first_seen > now {
                continue;
            }
            let matched_topics: Vec<String> = sub
                .topics
                .iter()
                .filter(|t| c.topics.contains(t))
                .cloned()
                .collect();
            let by_query = own.is_some_and(|name| query_matches[n].contains(name));
            if !matched_topics.is_empty() || by_query {
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
        let mut items = Vec::with_capacity(matched.len());
        for (rank, (n, matched_topics)) in matched.into_iter().enumerate() {
            let c = &candidates[n];
            let snippet = if rank < SNIPPETS_PER_DIGEST {
                let key = (queries.clone(), n);
                match snippets.get(&key) {
                    Some(s) => s.clone(),
                    None => {
                        let snippeter = match snippeters.get(&queries) {
                            Some(s) => s,
                            None => snippeters
                                .entry(queries.clone())
                                .or_insert(TextSnippeter::new(&queries)?),
                        };
                        let item = &c.stored.item;
                        let (s, _) = snippeter.make(&item.title, &crate::index::body_text(item));
                        snippets.insert(key, s.clone());
                        s
                    }
                }
            } else {
                Snippet::default()
            };
            items.push(if rank < DETAILED_PER_DIGEST {
                digest_item(c, matched_topics, snippet, story[n])
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
                    story: Some(story[n]),
                }
            });
        }
        out.push(Selection {
            window_start: start,
            window_end: now,
            items,
            query_error: query_errors.get(&sub.id).cloned(),
        });
    }
    Ok(out)
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
