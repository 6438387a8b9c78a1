//! `govwatch reindex`: rebuild the search index from the store (the source of truth).

use crate::config::Settings;
use crate::index::{Index, IndexError};
use crate::store::Store;

pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let mut store = Store::open(&settings.data_dir)?;
    let dir = settings.index_dir();
    let mut index = match Index::open_writable(&dir) {
        // An index from another govwatch version, or a damaged one, cannot be cleared in
        // place: start afresh from the store.
        Err(IndexError::SchemaMismatch { .. } | IndexError::Corrupted { .. }) => {
            Index::recreate(&dir)?
        }
        other => other?,
    };
    let count = crate::pipeline::rebuild_index(
        &mut store,
        &mut index,
        &settings.topics,
        &settings.extractor,
    )?;
    eprintln!("reindexed {count} items");
    Ok(())
}
