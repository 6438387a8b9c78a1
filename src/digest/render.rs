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

use chrono::{DateTime, Utc};

/// Longest subject we write; feeds never reach it, topic names and counts do.
const MAX_SUBJECT_CHARS: usize = 150;
/// Titles sharing this share of their words (and at least `MIN_WORDS_TO_FOLD` words) are one
/// story told twice.
const FOLD_SIMILARITY: f64 = 0.8;
const MIN_WORDS_TO_FOLD: usize = 4;
/// The group for items matched by the subscription's own query rather than a topic.
pub const QUERY_GROUP: &str = "your query";

/// One matched item, as the digest shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestItem {
    pub item_id: String,
    pub title: String,
    /// Canonical URL.
    pub url: Option<String>,
    pub feed_title: String,
    pub published: DateTime<Utc>,
    /// A short passage, and the byte ranges in it of the words that matched.
    pub snippet: String,
    pub highlights: Vec<Range<usize>>,
    /// The subscription's topics this item matched, in the subscription's order; empty when
    /// only the subscription's own query matched.
    pub topics: Vec<String>,
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
    /// Shown in the footer: how to unsubscribe (a mailto: address or a URL).
    pub unsubscribe: Option<&'a str>,
}

/// One story: the item shown, and the other feeds that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    pub item: DigestItem,
    pub also_reported_by: Vec<String>,
    /// Every item id folded into this story (the shown one first).
    pub item_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub stories: Vec<Story>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenderedDigest {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub groups: Vec<Group>,
    /// Every item the digest covers, duplicates included: what the ledger records as sent.
    pub item_ids: Vec<String>,
}

impl RenderedDigest {
    pub fn story_count(&self) -> usize {
        self.groups.iter().map(|g| g.stories.len()).sum()
    }
}

pub fn render(input: &DigestInput<'_>) -> RenderedDigest {
    let item_ids = input.items.iter().map(|i| i.item_id.clone()).collect();
    let groups = group(fold(input.items.clone()), input.topic_order);
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

/// Folds items that are the same story: the same canonical URL, or near-identical titles.
/// The earliest-published item is shown; the others' feeds are listed.
pub fn fold(mut items: Vec<DigestItem>) -> Vec<Story> {
    items.sort_by(|a, b| {
        a.published
            .cmp(&b.published)
            .then_with(|| a.item_id.cmp(&b.item_id))
    });
    let mut stories: Vec<Story> = Vec::new();
    let mut by_url: HashMap<String, usize> = HashMap::new();
    let mut words: Vec<HashSet<String>> = Vec::new();
    for item in items {
        let item_words = title_words(&item.title);
        let same = item
            .url
            .as_ref()
            .and_then(|u| by_url.get(u).copied())
            .or_else(|| words.iter().position(|w| similar(w, &item_words)));
        match same {
            Some(n) => {
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
                if let Some(u) = item.url {
                    by_url.insert(u, n);
                }
            }
            None => {
                if let Some(u) = &item.url {
                    by_url.insert(u.clone(), stories.len());
                }
                words.push(item_words);
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
    groups
}

fn counts(groups: &[Group]) -> String {
    groups
        .iter()
        .map(|g| format!("{} {}", g.name, g.stories.len()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn subject(groups: &[Group]) -> String {
    let total: usize = groups.iter().map(|g| g.stories.len()).sum();
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
    let flat: String = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match flat.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
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
    for g in groups {
        let _ = writeln!(out, "\n== {} ({}) ==", g.name, g.stories.len());
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
            if !i.snippet.trim().is_empty() {
                let _ = writeln!(out, "  {}", one_line(&i.snippet, 400));
            }
            if !s.also_reported_by.is_empty() {
                let _ = writeln!(out, "  Also reported by {}", s.also_reported_by.join(", "));
            }
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
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
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
    for g in groups {
        let _ = writeln!(
            out,
            "<h2 style=\"font-size:18px;margin:24px 0 8px;padding-bottom:4px;border-bottom:2px solid #1f4e79;color:#1f4e79\">{} ({})</h2>",
            escape(&g.name),
            g.stories.len()
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
            if !i.snippet.trim().is_empty() {
                let _ = writeln!(
                    out,
                    "<div style=\"font-size:15px;color:#333;margin-top:4px\">{}</div>",
                    highlighted_html(&i.snippet, &i.highlights)
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
            url: Some(format!("https://example.gov/{id}")),
            feed_title: feed.into(),
            published: at(day),
            snippet: format!("About {title}."),
            highlights: vec![],
            topics: topics.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn topics(names: &[&str]) -> Vec<String> {
        names.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn groups_by_topic_newest_first_and_counts_in_the_subject() {
        let order = topics(&["contracts", "hearings"]);
        let input = DigestInput {
            subscriber_name: Some("Ana"),
            window_start: Some(at(1)),
            window_end: at(20),
            topic_order: &order,
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
            .map(|s| s.item.item_id.as_str())
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
            subscriber_name: None,
            window_start: None,
            window_end: at(20),
            topic_order: &order,
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
        let folded = stories.iter().find(|s| s.item.item_id == "a").unwrap();
        assert_eq!(folded.also_reported_by, ["Nextgov", "FedScoop"]);
        assert_eq!(folded.item_ids, ["a", "b", "c"]);
        assert!(d.text.contains("Also reported by Nextgov, FedScoop"));
        assert!(d.html.contains("Also reported by Nextgov, FedScoop"));
        assert_eq!(d.subject, "govwatch: 2 new items (contracts 2)");
        assert_eq!(d.item_ids.len(), 4, "the ledger records every folded item");
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
        evil.snippet = "<img src=https://tracker.example/p.gif> & more".into();
        evil.highlights = vec![0..4, 100..200];
        let input = DigestInput {
            subscriber_name: Some("<b>Eve</b>"),
            window_start: None,
            window_end: at(20),
            topic_order: &order,
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
            subscriber_name: None,
            window_start: None,
            window_end: at(20),
            topic_order: &order,
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
        let empty = DigestInput {
            items: vec![],
            ..input
        };
        assert_eq!(render(&empty).subject, "govwatch: no new items");
    }
}
