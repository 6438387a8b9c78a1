//! Errors of the `store`: each names the database file, or the feed it was working on.

use std::path::PathBuf;

/// An error of the SQLite store.
// The rusqlite errors are boxed: unboxed, they would make every `Result` of the store large.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("cannot create the data directory {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: Box<rusqlite::Error>,
    },
    #[error("no database at {path} (nothing has been stored yet)")]
    NotFound { path: PathBuf },
    #[error(
        "the database {path} has schema version {found}, newer than this govwatch supports \
         ({supported}); upgrade govwatch"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "the database {path} has schema version {found}, older than this govwatch's \
         ({expected}); run a writing command (e.g. `govwatch poll`) once to migrate it"
    )]
    SchemaTooOld {
        path: PathBuf,
        found: i64,
        expected: i64,
    },
    #[error("cannot migrate the database {path} to schema version {version}")]
    Migrate {
        path: PathBuf,
        version: i64,
        #[source]
        source: Box<rusqlite::Error>,
    },
    #[error("the database {path} was opened read-only; cannot {action}")]
    ReadOnly { path: PathBuf, action: &'static str },
    #[error("database {path}: cannot {action}")]
    Sqlite {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: Box<rusqlite::Error>,
    },
    #[error("feed {feed_id} (database {path}): cannot {action}")]
    Feed {
        feed_id: String,
        path: PathBuf,
        action: &'static str,
        #[source]
        source: Box<rusqlite::Error>,
    },
    #[error("feed {feed_id} is not in the database {path} (sync the feed list first)")]
    UnknownFeed { feed_id: String, path: PathBuf },
    #[error("feed {feed_id}: item {item_id} belongs to feed {item_feed_id}")]
    ItemFeedMismatch {
        feed_id: String,
        item_id: String,
        item_feed_id: String,
    },
    #[error("{email} is already subscribed (database {path}); remove it first to change it")]
    DuplicateSubscription { email: String, path: PathBuf },
    #[error("database {path}: corrupt value in {column}: {detail}")]
    Corrupt {
        path: PathBuf,
        column: &'static str,
        detail: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_error_is_send_sync_static() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<StoreError>();
    }

    #[test]
    fn store_can_move_to_a_blocking_thread() {
        fn check<T: Send>() {}
        check::<crate::store::Store>();
    }
}
