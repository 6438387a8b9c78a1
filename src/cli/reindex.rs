//! `govwatch reindex`: rebuild the search index from the store (the source of truth).

use crate::config::Settings;
use crate::index::Index;
use crate::store::Store;

pub fn run(settings: &Settings) -> anyhow::Result<()> {
    let store = Store::open(&settings.data_dir)?;
    let mut index = Index::open_writable(&settings.index_dir())?;
    let count = crate::pipeline::rebuild_index(&store, &mut index)?;
    eprintln!("reindexed {count} items");
    Ok(())
}
