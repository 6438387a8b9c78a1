//! Operators' feed lists: every `feeds/*.toml` file, each a list of `[[feed]]` tables.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

/// One feed an operator listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// Unique, `[a-z0-9-]+`.
    pub id: String,
    pub url: Url,
    /// Display title; when `None`, the feed's own title is used.
    pub title: Option<String>,
    pub tags: Vec<String>,
    /// Poll interval for the daemon; `None` means the daemon's default.
    pub interval: Option<Duration>,
    /// The file that listed it (for error messages).
    pub source: PathBuf,
}
