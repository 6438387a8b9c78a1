//! govwatch: watches public feeds for government-AI policy events, keeps every item in SQLite
//! and a tantivy full-text index, and (later) emails topic digests.
//!
//! The pipeline, one module per stage; data moves forward only:
//!
//! ```text
//! feeds ─► fetch ─► decode ─► parse ─► normalize ─► store ─► index ─► search
//! (lists)  (HTTP)   (bytes→   (feed-rs  (clean text, (SQLite, (tantivy,
//!                   UTF-8,    → model:: ids, URLs)  source   derived,
//!                   repairs)  Document)             of truth) rebuildable)
//! ```
//!
//! - [`config`] and [`feeds`] load and validate what operators write.
//! - [`fetch`] is the only network code; [`decode`], [`parse`] and [`normalize`] are pure.
//! - [`store`] owns SQLite; [`index`] owns tantivy; [`pipeline::sync_index`] is the one place
//!   that moves items from the first to the second, keyed by the store's sequence numbers.
//! - [`poll`] is the orchestrator of one poll cycle; [`cli`] holds one file per command.
//! - [`topics`] are named queries; [`pipeline::Indexer`] tags each item with the ones it
//!   matches ([`index::TopicMatcher`]) as it moves it from the store to the index.

pub mod cadence;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod daemon;
pub mod decode;
pub mod digest;
pub mod discover;
pub mod eval;
pub mod extract;
mod failpoint;
pub mod feeds;
pub mod fetch;
pub mod fulltext;
pub mod heap;
pub mod index;
pub mod mail;
pub mod model;
pub mod normalize;
pub mod operators;
pub mod opml;
pub mod parse;
pub mod perms;
pub mod pipeline;
pub mod poll;
pub mod redact;
pub mod schedule;
pub mod scrape;
pub mod sources;
pub mod spool;
pub mod store;
pub mod subscriptions;
pub mod text;
pub mod topics;
pub mod unsubscribe;
