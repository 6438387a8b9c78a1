//! `govwatch feeds check [ID]... [--json]`: fetch and parse the configured feeds (all, or the
//! named ones) exactly as a poll would, store nothing, and say for each whether it works.
//! Exits non-zero when any fails, so it can gate a change to the feed lists.

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::fetch::{FetchRequest, Fetcher};
use crate::poll::{Fetched, fetch_and_parse};
use crate::redact::{mask_all, mask_url_secrets};

/// One feed's check; field names are an interface.
#[derive(Debug, Serialize)]
pub struct CheckRow {
    pub id: String,
    pub url: String,
    /// `ok`, `not-modified` or `failed`.
    pub outcome: &'static str,
    pub status: Option<u16>,
    pub items: usize,
    pub title: Option<String>,
    pub newest_title: Option<String>,
    pub newest_published: Option<DateTime<Utc>>,
    pub kind: Option<String>,
    pub error: Option<String>,
    /// Repairs the document needed, or entries a page's selectors skipped.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} feeds failed the check")]
pub struct ChecksFailed {
    pub failed: usize,
    pub total: usize,
}

pub fn run(settings: &Settings, ids: &[String], json: bool) -> anyhow::Result<()> {
    let feeds = crate::feeds::load_dir(&settings.feeds_dir)?;
    let selected = crate::poll::select(&feeds, ids).map_err(|e| super::super::UsageError {
        message: e.to_string(),
    })?;
    let fetcher = Arc::new(Fetcher::new(&settings.fetch).context("cannot build the HTTP client")?);
    let runtime = super::super::runtime()?;
    let rows: Vec<CheckRow> = runtime.block_on(async {
        let tasks: Vec<_> = selected
            .iter()
            .map(|feed| {
                let (fetcher, id, kind) = (fetcher.clone(), feed.id.clone(), feed.kind.clone());
                // No validators: a check wants the document, not a 304.
                let request = FetchRequest::new(feed.url.clone());
                tokio::spawn(
                    async move { fetch_and_parse(&fetcher, &id, &kind, request, None).await },
                )
            })
            .collect();
        let mut rows = Vec::with_capacity(tasks.len());
        for (feed, task) in selected.iter().zip(tasks) {
            let fetched = task.await.unwrap_or_else(|join| {
                Fetched::Failed(crate::store::FetchFailure {
                    at: Utc::now(),
                    status: None,
                    kind: "internal".into(),
                    message: format!("{}: the check failed: {join}", feed.url),
                    retry_at: None,
                })
            });
            rows.push(row(&feed.id, feed.url.as_str(), fetched));
        }
        rows
    });
    let failed = rows.iter().filter(|r| r.outcome == "failed").count();
    if json {
        for r in &rows {
            super::super::print_json_line(r)?;
        }
    } else {
        print_table(&rows);
    }
    if failed > 0 {
        return Err(ChecksFailed {
            failed,
            total: rows.len(),
        }
        .into());
    }
    Ok(())
}

pub fn row(id: &str, url: &str, fetched: Fetched) -> CheckRow {
    let mut row = CheckRow {
        id: id.to_owned(),
        url: mask_url_secrets(url),
        outcome: "ok",
        status: None,
        items: 0,
        title: None,
        newest_title: None,
        newest_published: None,
        kind: None,
        error: None,
        problems: Vec::new(),
    };
    match fetched {
        Fetched::Parsed {
            success, ingested, ..
        } => {
            row.status = Some(success.status);
            row.items = ingested.items.len();
            row.title = ingested.feed_title.clone();
            if let Some(newest) = ingested.items.iter().max_by_key(|i| i.published) {
                row.newest_title = Some(newest.title.clone());
                row.newest_published = Some(newest.published);
            }
            row.problems = mask_all(ingested.problems);
        }
        Fetched::NotModified { success, .. } => {
            row.outcome = "not-modified";
            row.status = Some(success.status);
        }
        Fetched::Failed(failure) => {
            row.outcome = "failed";
            row.status = failure.status;
            row.kind = Some(failure.kind);
            row.error = Some(mask_url_secrets(&failure.message));
        }
    }
    row
}

fn print_table(rows: &[CheckRow]) {
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    println!(
        "{:width$}  {:<7}  {:>6}  {:>5}  NEWEST / ERROR",
        "ID", "RESULT", "STATUS", "ITEMS"
    );
    for r in rows {
        let status = r.status.map_or_else(|| "-".into(), |s| s.to_string());
        let detail = match (&r.error, &r.newest_title) {
            (Some(e), _) => format!("{}: {e}", r.kind.as_deref().unwrap_or("error")),
            (None, Some(t)) => format!(
                "{} {t}",
                r.newest_published
                    .map(|p| p.to_rfc3339_opts(SecondsFormat::Secs, true))
                    .unwrap_or_default()
            ),
            (None, None) => String::new(),
        };
        let line = format!(
            "{:width$}  {:<7}  {:>6}  {:>5}  {detail}",
            r.id,
            if r.outcome == "failed" {
                "FAILED"
            } else {
                "ok"
            },
            status,
            r.items
        );
        println!("{}", line.trim_end());
    }
}
