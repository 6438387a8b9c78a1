//! `govwatch status [--json]`: how much is stored and indexed, and when the last poll ran.
//! Read-only: works while the daemon runs.

use serde::Serialize;

use crate::config::Settings;
use crate::index::{Index, IndexError};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long)]
    json: bool,
}

/// Field names are an interface scripts depend on.
#[derive(Serialize)]
struct Status {
    data_dir: String,
    feeds: u64,
    feeds_failing: u64,
    items: u64,
    indexed_docs: u64,
    /// Store sequence number the index has caught up to; `index_lag` items are not yet indexed.
    indexed_seq: u64,
    index_lag: u64,
    last_poll: Option<String>,
}

/// Opens the store read-only, or `None` when nothing has been polled into this data dir yet.
pub(super) fn open_store(settings: &Settings) -> anyhow::Result<Option<Store>> {
    if !settings.data_dir.join(crate::store::DATABASE_FILE).exists() {
        return Ok(None);
    }
    Ok(Some(Store::open_read_only(&settings.data_dir)?))
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let store = open_store(settings)?;
    let (feeds, failing, items, max_seq, last_poll) = match &store {
        Some(store) => {
            let health = store.feed_health()?;
            let failing = health.iter().filter(|h| h.consecutive_errors > 0).count() as u64;
            (
                health.len() as u64,
                failing,
                store.item_count()?,
                store.max_seq()?,
                store.get_meta("last_poll")?,
            )
        }
        None => (0, 0, 0, 0, None),
    };
    let (indexed_docs, indexed_seq) = match Index::open_read_only(&settings.index_dir()) {
        Ok(index) => (index.num_docs()?, index.last_indexed_seq()?),
        Err(IndexError::NotFound { .. }) => (0, 0),
        Err(e) => return Err(e.into()),
    };
    let status = Status {
        data_dir: settings.data_dir.display().to_string(),
        feeds,
        feeds_failing: failing,
        items,
        indexed_docs,
        indexed_seq,
        index_lag: max_seq.saturating_sub(indexed_seq),
        last_poll,
    };
    if args.json {
        return super::print_json_line(&status);
    }
    println!("data dir:      {}", status.data_dir);
    println!(
        "feeds:         {} ({} failing)",
        status.feeds, status.feeds_failing
    );
    println!("items:         {}", status.items);
    println!("indexed docs:  {}", status.indexed_docs);
    if status.index_lag > 0 {
        println!(
            "index lag:     {} items (the next poll or `govwatch reindex` catches up)",
            status.index_lag
        );
    }
    println!(
        "last poll:     {}",
        status.last_poll.as_deref().unwrap_or("never")
    );
    Ok(())
}
