//! `govwatch topics list [--json]`: the effective topics (defaults merged with the config's
//! `[[topic]]` entries), each with how many stored items it holds in all and published in the
//! last seven days. Read-only: works while the daemon runs.

use std::io::Write;

use chrono::{Duration, Utc};
use serde::Serialize;

use crate::config::Settings;

/// The window of the "recent" count.
const RECENT_DAYS: i64 = 7;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Each topic with its query and item counts (total, last 7 days by published date).
    List {
        /// One JSON object per topic.
        #[arg(long)]
        json: bool,
    },
}

/// One JSON Lines record; field names are an interface scripts depend on.
#[derive(Serialize)]
struct JsonTopic<'a> {
    name: &'a str,
    description: &'a str,
    query: &'a str,
    items: u64,
    items_last_7_days: u64,
}

pub fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    let Command::List { json } = command;
    let counts = match super::status::open_store(settings)? {
        Some(store) => store.topic_counts(Utc::now() - Duration::days(RECENT_DAYS))?,
        None => Vec::new(),
    };
    let rows: Vec<JsonTopic<'_>> = settings
        .topics
        .iter()
        .map(|t| {
            let count = counts.iter().find(|c| c.topic == t.name);
            JsonTopic {
                name: &t.name,
                description: &t.description,
                query: &t.query,
                items: count.map_or(0, |c| c.total),
                items_last_7_days: count.map_or(0, |c| c.recent),
            }
        })
        .collect();
    let mut out = String::new();
    if json {
        for row in &rows {
            out.push_str(&serde_json::to_string(row)?);
            out.push('\n');
        }
    } else {
        let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
        out.push_str(&format!(
            "{:width$}  {:>7}  {:>7}  description\n",
            "topic", "items", "7 days"
        ));
        for row in &rows {
            out.push_str(&format!(
                "{:width$}  {:>7}  {:>7}  {}\n{:width$}  query: {}\n",
                row.name, row.items, row.items_last_7_days, row.description, "", row.query
            ));
        }
    }
    // A reader that stops early (`| head`) is not an error.
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
