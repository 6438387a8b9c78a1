//! Rendering one digest: group the window's items by topic (newest first), fold the same story
//! reported by several feeds into one entry ("also reported by …"), and write the subject, a
//! plain-text part and an HTML part.
//!
//! Nothing from a feed reaches the HTML unescaped: every text is escaped here, links are
//! emitted only for http(s) URLs, and the markup is govwatch's own (inline styles, no images,
//! no scripts, no remote resources), so there is nothing to sanitize after the fact.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::index::Snippet;

/// Longest subject we write; feeds never reach it, topic names and counts do.
const MAX_SUBJECT_CHARS: usize = 150;
/// Titles sharing this share of their words (and at least `MIN_WORDS_TO_FOLD` words) are one
/// story told twice.
const FOLD_SIMILARITY: f64 = 0.8;
const MIN_WORDS_TO_FOLD: usize = 4;
/// How many of the stories just before an item its title is compared with.
const FOLD_LOOKBACK: usize = 100;
/// Items a digest looks at closely (folds, shows): the newest. Older ones are counted.
pub const FOLD_LIMIT: usize = 3 * MAX_STORIES;
/// Most stories one digest shows; past it, each group ends with how many more there are and
/// how to see them. A digest is read by a person: hundreds of entries would bury the news.
pub const MAX_STORIES: usize = 100;
/// The group for items matched by the subscription's own query rather than a topic.
pub const QUERY_GROUP: &str = "your query";

/// One matched item, as the digest shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestItem {
    pub item_id: Arc<str>,
    pub title: Arc<str>,
    /// Canonical URL.
    pub url: Option<Arc<str>>,
    pub feed_title: Arc<str>,
    pub published: DateTime<Utc>,
    /// A short passage, and the byte ranges in it of the words that matched.
    pub snippet: Arc<Snippet>,
    /// The subscription's topics this item matched, in the subscription's order; empty when
    /// only the subscription's own query matched.
    pub topics: Vec<String>,
    /// Which story the item tells, when already known ([`story_ids`] over the whole window,
    /// computed once for every subscriber); `None` makes [`render`] work it out.
    pub story: Option<usize>,
    /// The earliest deadline its text gives (comments due, responses due).
    pub deadline: Option<NaiveDate>,
    /// Whether it carries an identifier shared with other items (worth a thread look-up).
    pub in_thread: bool,
    /// The title of an earlier item of the same thread (docket, solicitation, bill…) that
    /// this subscriber already received: this one is an update to it.
    pub update_of: Option<Arc<str>>,
}

/// An item, from this window or an earlier one, whose deadline is near.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingItem {
    pub title: String,
    pub url: Option<String>,
    pub feed_title: String,
    pub deadline: NaiveDate,
}

/// A matched item older than what a digest can show ([`FOLD_LIMIT`]): counted in its
/// group's "more" and recorded as sent, never shown.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedItem {
    pub item_id: Arc<str>,
    /// The group it counts in: a position in the subscription's topics, or `None` for the
    /// items only the subscription's own query matched.
    pub group: Option<usize>,
    /// Which story it tells, when known: copies of one story count once.
    pub story: Option<usize>,
}

impl CountedItem {
    fn of(item: &DigestItem, topic_order: &[String]) -> CountedItem {
        CountedItem {
            item_id: item.item_id.clone(),
            group: topic_order.iter().position(|t| item.topics.contains(t)),
            story: item.story,
        }
    }
}

/// Everything one digest is made of.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    pub subscriber_name: Option<&'a str>,
    pub window_start: Option<DateTime<Utc>>,
    pub window_end: DateTime<Utc>,
    /// The subscription's topics, in the order the groups appear.
    pub topic_order: &'a [String],
    pub items: Vec<DigestItem>,
    /// Matched items known up front to be past what the digest shows (older than all of
    /// `items`); items past [`FOLD_LIMIT`] in `items` are counted the same way.
    pub counted: Vec<CountedItem>,
    /// Shown in the footer: how to unsubscribe (a mailto: address or a URL).
    pub unsubscribe: Option<&'a str>,
    /// Items of the subscription's topics whose deadline is within the next days, soonest
    /// first: the "closing soon" section, above the groups.
    pub closing_soon: Vec<ClosingItem>,
}

/// One story: the item shown, and the other feeds that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    pub item: DigestItem,
    pub also_reported_by: Vec<Arc<str>>,
    /// Every item id folded into this story (the shown one first).
    pub item_ids: Vec<Arc<str>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    /// The stories shown, newest first.
    pub stories: Vec<Story>,
    /// Older stories of this group left out to keep the digest readable ([`MAX_STORIES`]).
    pub more: usize,
}

impl Group {
    pub fn total(&self) -> usize {
        self.stories.len() + self.more
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenderedDigest {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub groups: Vec<Group>,
    /// Every item the digest covers, duplicates included: what the ledger records as sent.
    pub item_ids: Vec<Arc<str>>,
}

impl RenderedDigest {
    /// Stories in the digest, shown or counted in a group's "more".
    pub fn story_count(&self) -> usize {
        self.groups.iter().map(Group::total).sum()
    }
}

pub fn render(input: &DigestInput<'_>) -> RenderedDigest {
    let mut item_ids = Vec::with_capacity(input.items.len() + input.counted.len());
    item_ids.extend(input.items.iter().map(|i| i.item_id.clone()));
    item_ids.extend(input.counted.iter().map(|c| c.item_id.clone()));
    // Only the newest items can be shown; the rest are counted in their group's "more".
    let mut order: Vec<&DigestItem> = input.items.iter().collect();
    order.sort_by(|a, b| {
        b.published
            .cmp(&a.published)
            .then_with(|| a.item_id.cmp(&b.item_id))
    });
    let rest = order.split_off(order.len().min(FOLD_LIMIT));
    let shown = order.into_iter().cloned().collect();
    let mut groups = group(fold(shown), input.topic_order);
    let rest = rest
        .iter()
        .map(|i| CountedItem::of(i, input.topic_order))
        .collect::<Vec<_>>();
    count_rest(
        &mut groups,
        rest.iter().chain(&input.counted),
        input.topic_order,
    );
    let subject = subject(&groups);
    let text = text_part(input, &groups);
    let html = html_part(input, &groups, &subject);
    RenderedDigest {
        subject,
        text,
        html,
        groups,
        item_ids,
    }
}

/// Numbers the stories told by `items` (given oldest first): the same canonical URL, the
/// same title words, or near-identical titles among the stories just before (copies of a
/// story appear close together in time; a bounded look-back keeps this linear) are one story.
/// Returns each item's story number.
pub fn story_ids<'a>(items: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Vec<usize> {
    let mut ids = Vec::new();
    let mut by_url: HashMap<&str, usize> = HashMap::new();
    let mut by_words: HashMap<Vec<String>, usize> = HashMap::new();
    let mut recent: Vec<(HashSet<String>, usize)> = Vec::new();
    let mut next = 0;
    for (title, url) in items {
        let words = title_words(title);
        let mut key: Vec<String> = words.iter().cloned().collect();
        key.sort_unstable();
        let from = recent.len().saturating_sub(FOLD_LOOKBACK);
        let same = url
            .and_then(|u| by_url.get(u).copied())
            .or_else(|| by_words.get(&key).copied())
            .or_else(|| {
                recent[from..]
                    .iter()
                    .find(|(w, _)| similar(w, &words))
                    .map(|(_, id)| *id)
            });
        let id = same.unwrap_or_else(|| {
            next += 1;
            next - 1
        });
        if let Some(u) = url {
            by_url.entry(u).or_insert(id);
        }
        if !key.is_empty() {
            by_words.entry(key).or_insert(id);
        }
        if same.is_none() {
            recent.push((words, id));
        }
        ids.push(id);
    }
    ids
}

/// Folds items that tell the same story into one entry: the earliest-published item is shown,
/// the other feeds that carried it are listed.
pub fn fold(mut items: Vec<DigestItem>) -> Vec<Story> {
    items.sort_by(|a, b| {
        a.published
            .cmp(&b.published)
            .then_with(|| a.item_id.cmp(&b.item_id))
    });
    let ids: Vec<usize> = if items.iter().all(|i| i.story.is_some()) {
        items.iter().filter_map(|i| i.story).collect()
    } else {
        story_ids(items.iter().map(|i| (&*i.title, i.url.as_deref())))
    };
    let mut stories: Vec<Story> = Vec::new();
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (item, id) in items.into_iter().zip(ids) {
        match slot.get(&id) {
            Some(&n) => {
                let story = &mut stories[n];
                story.item_ids.push(item.item_id.clone());
                if item.feed_title != story.item.feed_title
                    && !story.also_reported_by.contains(&item.feed_title)
                {
                    story.also_reported_by.push(item.feed_title.clone());
                }
                for topic in &item.topics {
                    if !story.item.topics.contains(topic) {
                        story.item.topics.push(topic.clone());
                    }
                }
            }
            None => {
                slot.insert(id, stories.len());
                stories.push(Story {
                    item_ids: vec![item.item_id.clone()],
                    item,
                    also_reported_by: Vec::new(),
                });
            }
        }
    }
    stories
}

/// Adds the items not shown to their group's "more" count (a group is created for them if
/// none of the shown stories opened it). A story counts once, and not at all when one of its
/// copies is shown.
fn count_rest<'a>(
    groups: &mut Vec<Group>,
    rest: impl Iterator<Item = &'a CountedItem>,
    topic_order: &[String],
) {
    // Story numbers are small and dense (the selector numbers a window's stories from 0), and
    // a digest may count thousands: a bit set, not a hash set.
    let mut seen = StorySet::default();
    for story in groups.iter().flat_map(|g| &g.stories) {
        if let Some(n) = story.item.story {
            seen.insert(n);
        }
    }
    for item in rest {
        if item.story.is_some_and(|story| !seen.insert(story)) {
            continue;
        }
        let name = item
            .group
            .and_then(|p| topic_order.get(p))
            .map(String::as_str)
            .unwrap_or(QUERY_GROUP);
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.more += 1,
            None => groups.push(Group {
                name: name.to_string(),
                stories: Vec::new(),
                more: 1,
            }),
        }
    }
    // Keep the subscriber's topic order, the query group last.
    let rank = |g: &Group| {
        topic_order
            .iter()
            .position(|t| *t == g.name)
            .unwrap_or(topic_order.len())
    };
    groups.sort_by_key(rank);
}

/// A growable bit set of story numbers.
#[derive(Default)]
struct StorySet(Vec<u64>);

impl StorySet {
    /// Adds `n`; false when it was already there.
    fn insert(&mut self, n: usize) -> bool {
        let (word, bit) = (n / 64, 1u64 << (n % 64));
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }
}

fn title_words(title: &str) -> HashSet<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn similar(a: &HashSet<String>, b: &HashSet<String>) -> bool {
    if a.len() < MIN_WORDS_TO_FOLD || b.len() < MIN_WORDS_TO_FOLD {
        return !a.is_empty() && a == b;
    }
    let shared = a.intersection(b).count() as f64;
    let all = a.union(b).count() as f64;
    shared / all >= FOLD_SIMILARITY
}

/// Puts each story under the first of the subscription's topics it matched (so it appears
/// once), items matched only by the subscription's query last; newest first within a group.
fn group(stories: Vec<Story>, topic_order: &[String]) -> Vec<Group> {
    let mut groups: Vec<Group> = topic_order
        .iter()
        .map(|t| Group {
            name: t.clone(),
            stories: Vec::new(),
            more: 0,
        })
        .collect();
    let mut query_group = Vec::new();
    for story in stories {
        let slot = topic_order
            .iter()
            .position(|t| story.item.topics.contains(t));
        match slot {
            Some(n) => groups[n].stories.push(story),
            None => query_group.push(story),
        }
    }
    if !query_group.is_empty() {
        groups.push(Group {
            name: QUERY_GROUP.to_string(),
            stories: query_group,
            more: 0,
        });
    }
    groups.retain(|g| !g.stories.is_empty());
    for g in &mut groups {
        g.stories.sort_by(|a, b| {
            b.item
                .published
                .cmp(&a.item.published)
                .then_with(|| a.item.item_id.cmp(&b.item.item_id))
        });
    }
    cap(&mut groups);
    groups
}

/// Keeps at most [`MAX_STORIES`] stories in all: each group gets an equal share, and what a
/// small group leaves unused goes to the others.
fn cap(groups: &mut [Group]) {
    let mut budget = MAX_STORIES;
    let mut open: Vec<usize> = (0..groups.len()).collect();
    open.sort_by_key(|&i| groups[i].stories.len());
    let mut keep = vec![0; groups.len()];
    for (n, &i) in open.iter().enumerate() {
        let share = budget / (open.len() - n);
        keep[i] = groups[i].stories.len().min(share);
        budget -= keep[i];
    }
    for (g, keep) in groups.iter_mut().zip(keep) {
        g.more = g.stories.len() - keep;
        g.stories.truncate(keep);
    }
}

fn counts(groups: &[Group]) -> String {
    groups
        .iter()
        .map(|g| format!("{} {}", g.name, g.total()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn subject(groups: &[Group]) -> String {
    let total: usize = groups.iter().map(Group::total).sum();
    let noun = if total == 1 { "item" } else { "items" };
    let subject = if total == 0 {
        "govwatch: no new items".to_string()
    } else {
        format!("govwatch: {total} new {noun} ({})", counts(groups))
    };
    one_line(&subject, MAX_SUBJECT_CHARS)
}

/// Collapses whitespace and control characters (no header can be smuggled through a topic or
/// feed name) and caps the length at a char boundary.
pub fn one_line(text: &str, max_chars: usize) -> String {
    // Most titles are already one short ASCII line: copy them without splitting.
    let bytes = text.as_bytes();
    if bytes.len() <= max_chars
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && bytes.windows(2).all(|w| w != b"  ")
        && bytes.iter().all(|&b| (b' '..0x7f).contains(&b))
    {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    let mut chars = 0;
    let words = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty());
    for word in words {
        if chars > 0 {
            if chars == max_chars {
                out.push('…');
                return out;
            }
            out.push(' ');
            chars += 1;
        }
        // A word that fits is copied whole; only the one that crosses the limit is cut.
        let left = max_chars - chars;
        match word.char_indices().nth(left) {
            None => {
                out.push_str(word);
                chars += word.chars().count();
            }
            Some((cut, _)) => {
                out.push_str(&word[..cut]);
                out.push('…');
                return out;
            }
        }
    }
    out
}

/// How to see the stories a capped group left out.
fn more_hint(g: &Group, input: &DigestInput<'_>) -> String {
    let since = input
        .window_start
        .map(|t| format!(" --since {}", t.format("%Y-%m-%d")))
        .unwrap_or_default();
    if g.name == QUERY_GROUP {
        format!("(govwatch search with your query{since})")
    } else {
        format!("(govwatch search 'topic:{}'{since})", g.name)
    }
}

fn window_line(input: &DigestInput<'_>) -> String {
    let end = input.window_end.format("%Y-%m-%d %H:%M UTC");
    match input.window_start {
        Some(start) => format!(
            "New since {} (to {end})",
            start.format("%Y-%m-%d %H:%M UTC")
        ),
        None => format!("New items up to {end}"),
    }
}

fn text_part(input: &DigestInput<'_>, groups: &[Group]) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{}", window_line(input));
    if groups.is_empty() {
        let _ = writeln!(out, "\nNothing new matched your topics.");
    } else {
        let _ = writeln!(out, "{}", counts(groups));
    }
    if !input.closing_soon.is_empty() {
        let _ = writeln!(out, "\n== Closing soon ==");
        for c in &input.closing_soon {
            let _ = writeln!(
                out,
                "\n* {} · {}",
                c.deadline.format("%a %Y-%m-%d"),
                one_line(&c.title, 300)
            );
            let _ = writeln!(out, "  {}", one_line(&c.feed_title, 100));
            if let Some(url) = &c.url {
                let _ = writeln!(out, "  {url}");
            }
        }
    }
    for g in groups {
        let _ = writeln!(out, "\n== {} ({}) ==", g.name, g.total());
        for s in &g.stories {
            let i = &s.item;
            let _ = writeln!(out, "\n* {}", one_line(&i.title, 300));
            let _ = writeln!(
                out,
                "  {} · {}",
                one_line(&i.feed_title, 100),
                i.published.format("%Y-%m-%d")
            );
            if let Some(url) = &i.url {
                let _ = writeln!(out, "  {url}");
            }
            if let Some(earlier) = &i.update_of {
                let _ = writeln!(out, "  Update to: {}", one_line(earlier, 200));
            }
            if let Some(deadline) = i.deadline {
                let _ = writeln!(out, "  Deadline: {}", deadline.format("%a %Y-%m-%d"));
            }
            if !i.snippet.text.trim().is_empty() {
                let _ = writeln!(out, "  {}", one_line(&i.snippet.text, 400));
            }
            if !s.also_reported_by.is_empty() {
                let _ = writeln!(out, "  Also reported by {}", s.also_reported_by.join(", "));
            }
        }
        if g.more > 0 {
            let _ = writeln!(out, "\n  …and {} more {}", g.more, more_hint(g, input));
        }
    }
    let _ = writeln!(out, "\n-- ");
    let _ = writeln!(
        out,
        "You get this because you subscribed to govwatch digests."
    );
    if let Some(u) = input.unsubscribe {
        let _ = writeln!(out, "Unsubscribe: {u}");
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut plain = 0;
    // Runs of ordinary characters are copied whole; only the rare special one is looked at.
    for (at, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            c if c.is_control() && c != '\n' && c != '\t' => "",
            _ => continue,
        };
        out.push_str(&text[plain..at]);
        out.push_str(replacement);
        plain = at + c.len_utf8();
    }
    out.push_str(&text[plain..]);
    out
}

/// Only plain web links become anchors: no `javascript:`, `data:` or other schemes.
fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| escape(parsed.as_str()))
}

/// The snippet with its highlighted ranges in <strong>; ranges that are out of bounds or not
/// on char boundaries are ignored.
fn highlighted_html(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for r in ranges {
        if r.start < at
            || r.end > text.len()
            || r.start >= r.end
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&escape(&text[at..r.start]));
        out.push_str("<strong>");
        out.push_str(&escape(&text[r.start..r.end]));
        out.push_str("</strong>");
        at = r.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

fn html_part(input: &DigestInput<'_>, groups: &[Group], subject: &str) -> String {
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head>\n\
         <body style=\"margin:0;padding:16px;background:#ffffff;color:#1a1a1a;\
         font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.45\">\n\
         <div style=\"max-width:640px;margin:0 auto\">\n",
        escape(subject)
    );
    if let Some(name) = input.subscriber_name {
        let _ = writeln!(
            out,
            "<p style=\"margin:0 0 8px\">Hello {},</p>",
            escape(name)
        );
    }
    let _ = writeln!(
        out,
        "<p style=\"margin:0 0 4px;color:#555;font-size:14px\">{}</p>",
        escape(&window_line(input))
    );
    if groups.is_empty() {
        let _ = writeln!(out, "<p>Nothing new matched your topics.</p>");
    } else {
        let _ = writeln!(
            out,
            "<p style=\"margin:0 0 16px;font-weight:600\">{}</p>",
            escape(&counts(groups))
        );
    }
    if !input.closing_soon.is_empty() {
        let _ = writeln!(
            out,
            "<h2 style=\"font-size:18px;margin:24px 0 8px;padding-bottom:4px;border-bottom:2px solid #b3261e;color:#b3261e\">Closing soon</h2>"
        );
        for c in &input.closing_soon {
            let title = escape(&one_line(&c.title, 300));
            let linked = match c.url.as_deref().and_then(safe_href) {
                Some(href) => format!(
                    "<a href=\"{href}\" style=\"color:#0b57d0;text-decoration:none\">{title}</a>"
                ),
                None => title,
            };
            let _ = writeln!(
                out,
                "<div style=\"margin:0 0 12px\"><div style=\"font-size:13px;font-weight:600;color:#b3261e\">{}</div>\
                 <div style=\"font-size:16px\">{linked}</div>\
                 <div style=\"font-size:13px;color:#666\">{}</div></div>",
                c.deadline.format("%a %Y-%m-%d"),
                escape(&one_line(&c.feed_title, 100))
            );
        }
    }
    for g in groups {
        let _ = writeln!(
            out,
            "<h2 style=\"font-size:18px;margin:24px 0 8px;padding-bottom:4px;border-bottom:2px solid #1f4e79;color:#1f4e79\">{} ({})</h2>",
            escape(&g.name),
            g.total()
        );
        for s in &g.stories {
            let i = &s.item;
            let title = escape(&one_line(&i.title, 300));
            let _ = write!(
                out,
                "<div style=\"margin:0 0 16px\">\n<div style=\"font-size:17px;font-weight:600\">"
            );
            match i.url.as_deref().and_then(safe_href) {
                Some(href) => {
                    let _ = write!(
                        out,
                        "<a href=\"{href}\" style=\"color:#0b57d0;text-decoration:none\">{title}</a>"
                    );
                }
                None => out.push_str(&title),
            }
            let _ = writeln!(
                out,
                "</div>\n<div style=\"font-size:13px;color:#666\">{} · {}</div>",
                escape(&one_line(&i.feed_title, 100)),
                i.published.format("%Y-%m-%d")
            );
            if let Some(earlier) = &i.update_of {
                let _ = writeln!(
                    out,
                    "<div style=\"font-size:13px;color:#1f4e79;margin-top:2px\">Update to: {}</div>",
                    escape(&one_line(earlier, 200))
                );
            }
            if let Some(deadline) = i.deadline {
                let _ = writeln!(
                    out,
                    "<div style=\"font-size:13px;color:#b3261e;margin-top:2px\">Deadline: {}</div>",
                    deadline.format("%a %Y-%m-%d")
                );
            }
            if !i.snippet.text.trim().is_empty() {
                let _ = writeln!(
                    out,
                    "<div style=\"font-size:15px;color:#333;margin-top:4px\">{}</div>",
                    highlighted_html(&i.snippet.text, &i.snippet.highlights)
                );
            }
            if !s.also_reported_by.is_empty() {
                let _ = writeln!(
                    out,
                    "<div style=\"font-size:13px;color:#666;margin-top:2px\">Also reported by {}</div>",
                    escape(&s.also_reported_by.join(", "))
                );
            }
            out.push_str("</div>\n");
        }
        if g.more > 0 {
            let _ = writeln!(
                out,
                "<p style=\"font-size:14px;color:#555\">…and {} more {}</p>",
                g.more,
                escape(&more_hint(g, input))
            );
        }
    }
    let _ = write!(
        out,
        "<p style=\"margin-top:32px;font-size:12px;color:#888\">You get this because you subscribed to govwatch digests."
    );
    if let Some(u) = input.unsubscribe {
        match safe_href(u).or_else(|| mailto_href(u)) {
            Some(href) => {
                let _ = write!(
                    out,
                    " <a href=\"{href}\" style=\"color:#888\">Unsubscribe</a>."
                );
            }
            None => {
                let _ = write!(out, " Unsubscribe: {}.", escape(u));
            }
        }
    }
    out.push_str("</p>\n</div>\n</body></html>\n");
    out
}

fn mailto_href(u: &str) -> Option<String> {
    u.strip_prefix("mailto:")
        .filter(|rest| !rest.is_empty() && !rest.contains(['<', '>', '"', '\n', '\r']))
        .map(|_| escape(u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
    }

    fn item(id: &str, title: &str, feed: &str, day: u32, topics: &[&str]) -> DigestItem {
        DigestItem {
            item_id: id.into(),
            title: title.into(),
            url: Some(format!("https://example.gov/{id}").into()),
            feed_title: feed.into(),
            published: at(day),
            snippet: Arc::new(Snippet {
                text: format!("About {title}."),
                highlights: vec![],
            }),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            story: None,
            deadline: None,
            in_thread: false,
            update_of: None,
        }
    }

    fn topics(names: &[&str]) -> Vec<String> {
        names.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn groups_by_topic_newest_first_and_counts_in_the_subject() {
        let order = topics(&["contracts", "hearings"]);
        let input = DigestInput {
            closing_soon: Vec::new(),
            subscriber_name: Some("Ana"),
            window_start: Some(at(1)),
            window_end: at(20),
            topic_order: &order,
            counted: Vec::new(),
            items: vec![
                item(
                    "a",
                    "Army awards AI logistics contract",
                    "DoD",
                    3,
                    &["contracts"],
                ),
                item(
                    "b",
                    "Senate hearing on AI safety",
                    "Senate",
                    4,
                    &["hearings"],
                ),
                item(
                    "c",
                    "Navy task order for model evaluation",
                    "DoD",
                    5,
                    &["contracts"],
                ),
                item(
                    "d",
                    "House markup of AI bill",
                    "House",
                    2,
                    &["hearings", "contracts"],
                ),
                item("e", "Other query match", "Blog", 6, &[]),
            ],
            unsubscribe: Some("mailto:unsubscribe@example.gov"),
        };
        let d = render(&input);
        let names: Vec<&str> = d.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["contracts", "hearings", QUERY_GROUP]);
        let contracts: Vec<&str> = d.groups[0]
            .stories
            .iter()
            .map(|s| &*s.item.item_id)
            .collect();
        // d matched both topics: it appears once, under the first of the subscriber's topics.
        assert_eq!(contracts, ["c", "a", "d"], "newest first");
        assert_eq!(d.groups[1].stories.len(), 1);
        assert_eq!(d.story_count(), 5);
        assert_eq!(
            d.subject,
            "govwatch: 5 new items (contracts 3, hearings 1, your query 1)"
        );
        assert!(d.text.contains("contracts 3, hearings 1, your query 1"));
        assert!(d.html.contains("Hello Ana,"));
        assert!(d.html.contains("href=\"mailto:unsubscribe@example.gov\""));
        assert_eq!(d.item_ids.len(), 5);
    }

    #[test]
    fn the_same_story_from_several_feeds_appears_once() {
        let order = topics(&["contracts"]);
        let mut mirror = item(
            "b",
            "Pentagon awards $200M AI contract to Acme",
            "Nextgov",
            4,
            &["contracts"],
        );
        mirror.url = Some("https://example.gov/a".into()); // same canonical URL as `a`
        let input = DigestInput {
            closing_soon: Vec::new(),
            subscriber_name: None,
            window_start: None,
            window_end: at(20),
            topic_order: &order,
            counted: Vec::new(),
            items: vec![
                item(
                    "a",
                    "Pentagon awards $200M AI contract to Acme",
                    "DefenseScoop",
                    3,
                    &["contracts"],
                ),
                mirror,
                item(
                    "c",
                    "Pentagon awards $200M AI contract to Acme Corp",
                    "FedScoop",
                    5,
                    &["contracts"],
                ),
                item("d", "Acme", "Tiny", 5, &["contracts"]),
            ],
            unsubscribe: None,
        };
        let d = render(&input);
        let stories = &d.groups[0].stories;
        assert_eq!(stories.len(), 2, "{stories:#?}");
        let folded = stories.iter().find(|s| &*s.item.item_id == "a").unwrap();
        assert_eq!(
            folded.also_reported_by,
            [Arc::from("Nextgov"), "FedScoop".into()]
        );
        assert_eq!(folded.item_ids, [Arc::from("a"), "b".into(), "c".into()]);
        assert!(d.text.contains("Also reported by Nextgov, FedScoop"));
        assert!(d.html.contains("Also reported by Nextgov, FedScoop"));
        assert_eq!(d.subject, "govwatch: 2 new items (contracts 2)");
        assert_eq!(d.item_ids.len(), 4, "the ledger records every folded item");
    }

    #[test]
    fn escape_replaces_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b>&\"c'\u{7}d\té\n"),
            "a&lt;b&gt;&amp;&quot;c&#39;d\té\n"
        );
        assert_eq!(escape("<<"), "&lt;&lt;");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn nothing_from_a_feed_reaches_the_html_unescaped() {
        let order = topics(&["security"]);
        let mut evil = item(
            "x",
            "<script>alert(1)</script><img src=x onerror=alert(2)>",
            "Feed \"><b>",
            3,
            &["security"],
        );
        evil.url = Some("javascript:alert(3)".into());
        evil.snippet = Arc::new(Snippet {
            text: "<img src=https://tracker.example/p.gif> & more".into(),
            highlights: vec![0..4, 100..200],
        });
        let input = DigestInput {
            closing_soon: Vec::new(),
            subscriber_name: Some("<b>Eve</b>"),
            window_start: None,
            window_end: at(20),
            topic_order: &order,
            counted: Vec::new(),
            items: vec![evil],
            unsubscribe: Some("javascript:alert(4)"),
        };
        let d = render(&input);
        for bad in [
            "<script",
            "<img",
            "onerror=alert(2)>",
            "href=\"javascript",
            "<b>",
        ] {
            assert!(!d.html.contains(bad), "{bad} in {}", d.html);
        }
        assert!(d.html.contains("&lt;script&gt;"));
        assert!(d.html.contains("<strong>&lt;img</strong>"));
        assert!(!d.html.contains(" src=\""), "no remote images");
    }

    #[test]
    fn subject_is_one_capped_line() {
        let order = topics(&["a\r\nBcc: victim@example.com"]);
        let input = DigestInput {
            closing_soon: Vec::new(),
            subscriber_name: None,
            window_start: None,
            window_end: at(20),
            topic_order: &order,
            counted: Vec::new(),
            items: vec![item("a", "t", "f", 1, &["a\r\nBcc: victim@example.com"])],
            unsubscribe: None,
        };
        let d = render(&input);
        assert!(
            !d.subject.contains('\r') && !d.subject.contains('\n'),
            "{:?}",
            d.subject
        );
        assert_eq!(
            one_line(&"x".repeat(500), 10),
            format!("{}…", "x".repeat(10))
        );
        assert_eq!(one_line("  a\r\n\tbé \u{7}c  ", 10), "a bé c");
        assert_eq!(one_line("abc def", 7), "abc def");
        assert_eq!(one_line("abc def", 3), "abc…");
        assert_eq!(one_line("abc def", 4), "abc …");
        assert_eq!(one_line("éé", 1), "é…");
        assert_eq!(one_line("éé", 2), "éé");
        assert_eq!(one_line("Plain ASCII title", 17), "Plain ASCII title");
        assert_eq!(one_line("Plain ASCII title", 16), "Plain ASCII titl…");
        assert_eq!(one_line("two  spaces ", 20), "two spaces");
        assert_eq!(one_line("ab cd", 0), "…");
        let empty = DigestInput {
            items: vec![],
            ..input
        };
        assert_eq!(render(&empty).subject, "govwatch: no new items");
    }

    #[test]
    fn a_long_digest_is_capped_fairly_and_says_how_many_more() {
        let order = topics(&["contracts", "hearings"]);
        let mut items: Vec<DigestItem> = (0..150)
            .map(|n| {
                item(
                    &format!("c{n}"),
                    &format!("Contract award number {n} to vendor {n}"),
                    "DoD",
                    1 + n % 28,
                    &["contracts"],
                )
            })
            .collect();
        items.extend((0..10).map(|n| {
            item(
                &format!("h{n}"),
                &format!("Hearing on topic {n} in committee {n}"),
                "Senate",
                2,
                &["hearings"],
            )
        }));
        let input = DigestInput {
            closing_soon: Vec::new(),
            subscriber_name: None,
            window_start: Some(at(1)),
            window_end: at(28),
            topic_order: &order,
            items,
            counted: Vec::new(),
            unsubscribe: None,
        };
        let d = render(&input);
        assert_eq!(
            d.groups[1].stories.len(),
            10,
            "a small group is shown whole"
        );
        assert_eq!(d.groups[0].stories.len(), MAX_STORIES - 10);
        assert_eq!(d.groups[0].more, 150 - (MAX_STORIES - 10));
        assert_eq!(d.story_count(), 160);
        assert_eq!(
            d.subject,
            "govwatch: 160 new items (contracts 150, hearings 10)"
        );
        assert!(
            d.text
                .contains("…and 60 more (govwatch search 'topic:contracts' --since 2026-11-01)"),
            "{}",
            d.text
        );
        assert_eq!(d.item_ids.len(), 160, "the ledger covers every item");
    }

    #[test]
    fn counted_items_count_each_story_once_and_shown_stories_not_again() {
        let order = topics(&["contracts", "hearings"]);
        let mut shown = item("a", "Army awards AI contract", "DoD", 20, &["contracts"]);
        shown.story = Some(7);
        let counted = |id: &str, group: Option<usize>, story: usize| CountedItem {
            item_id: id.into(),
            group,
            story: Some(story),
        };
        let input = DigestInput {
            closing_soon: Vec::new(),
            subscriber_name: None,
            window_start: Some(at(1)),
            window_end: at(28),
            topic_order: &order,
            items: vec![shown],
            counted: vec![
                counted("a-copy", Some(0), 7), // an older copy of the shown story
                counted("b", Some(1), 8),
                counted("b-copy", Some(1), 8),
                counted("c", None, 9),
            ],
            unsubscribe: None,
        };
        let d = render(&input);
        let summary: Vec<(&str, usize, usize)> = d
            .groups
            .iter()
            .map(|g| (g.name.as_str(), g.stories.len(), g.more))
            .collect();
        assert_eq!(
            summary,
            [("contracts", 1, 0), ("hearings", 0, 1), (QUERY_GROUP, 0, 1)]
        );
        assert_eq!(
            d.subject,
            "govwatch: 3 new items (contracts 1, hearings 1, your query 1)"
        );
        assert_eq!(d.item_ids.len(), 5, "the ledger records every copy");
    }
}
