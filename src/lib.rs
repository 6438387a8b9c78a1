//! govwatch: watches public feeds for government-AI policy events, keeps every item in SQLite
//! and a tantivy full-text index, and (later) emails topic digests.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! `feeds` → `fetch` → `decode` → `parse` → `normalize` → `store` → `index`.

pub mod config;
pub mod decode;
pub mod feeds;
pub mod fetch;
pub mod index;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod store;
pub mod cli;
mod failpoint;
pub mod pipeline;
pub mod poll;
