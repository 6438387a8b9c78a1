//! `govwatch feeds import FILE.opml [--file F]` and `govwatch feeds export`: feed lists in and
//! out of other readers (Miniflux, FreshRSS, Feedly, newsboat …) as OPML.

use std::path::{Path, PathBuf};

use url::Url;

use crate::config::Settings;
use crate::feeds::FeedKind;
use crate::feeds::edit::{self, NewEntry};
use crate::opml::{OpmlFeed, parse_opml, write_opml};

use super::add::{DEFAULT_FILE, same_url, slug, unique_id};

pub fn import(settings: &Settings, opml: &Path, file: Option<PathBuf>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(opml)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", opml.display()))?;
    let listed = parse_opml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", opml.display()))?;
    let mut existing = crate::feeds::load_dir(&settings.feeds_dir)?;
    let (mut added, mut skipped) = (Vec::new(), Vec::new());
    for feed in listed {
        let url = match Url::parse(feed.url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
            _ => {
                skipped.push(format!("{}: not an http(s) URL", feed.url));
                continue;
            }
        };
        if let Some(dup) = existing.iter().find(|f| same_url(&f.url, &url)) {
            skipped.push(format!("{url}: already configured as {}", dup.id));
            continue;
        }
        let wanted = feed
            .id
            .as_deref()
            .map(slug)
            .filter(|id| !id.is_empty() && !existing.iter().any(|f| &f.id == id));
        let id = wanted.unwrap_or_else(|| unique_id(&existing, feed.title.as_deref(), &url));
        // Folder names like "Standards & Oversight" make poor tags; govwatch's own pass as is.
        let tags: Vec<String> = feed
            .tags
            .iter()
            .map(|t| {
                if t.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c)) {
                    t.clone()
                } else {
                    slug(t)
                }
            })
            .filter(|t| !t.is_empty())
            .collect();
        let entry = NewEntry {
            id: id.clone(),
            url: url.to_string(),
            title: feed.title.clone(),
            tags: tags.clone(),
            interval: None,
        };
        // Later entries of the same file must see this one (ids and URLs stay unique).
        existing.push(crate::feeds::FeedConfig {
            id,
            url,
            title: feed.title,
            tags,
            interval: None,
            schedule: None,
            kind: FeedKind::Feed,
            full_text: false,
            document_kind: None,
            source: opml.to_path_buf(),
        });
        added.push(entry);
    }
    let file = file.unwrap_or_else(|| settings.feeds_dir.join(DEFAULT_FILE));
    if !added.is_empty() {
        edit::append(&file, &added)?;
    }
    for entry in &added {
        println!("added {} ({})", entry.id, entry.url);
    }
    for reason in &skipped {
        println!("skipped {reason}");
    }
    eprintln!(
        "imported {} feeds into {}; skipped {}",
        added.len(),
        file.display(),
        skipped.len()
    );
    Ok(())
}

pub fn export(settings: &Settings) -> anyhow::Result<()> {
    let feeds = crate::feeds::load_dir(&settings.feeds_dir)?;
    let (listed, pages): (Vec<_>, Vec<_>) = feeds
        .into_iter()
        .partition(|f| matches!(f.kind, FeedKind::Feed));
    let out: Vec<OpmlFeed> = listed
        .into_iter()
        .map(|f| OpmlFeed {
            url: f.url.to_string(),
            title: f.title,
            html_url: None,
            tags: f.tags,
            id: Some(f.id),
        })
        .collect();
    print!("{}", write_opml("govwatch feeds", &out, chrono::Utc::now()));
    if !pages.is_empty() {
        let ids: Vec<&str> = pages.iter().map(|f| f.id.as_str()).collect();
        eprintln!(
            "not exported (OPML has no place for CSS selectors): {}",
            ids.join(", ")
        );
    }
    Ok(())
}
