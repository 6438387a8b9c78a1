//! govwatch: watches public feeds for government-AI policy events, keeps every item in SQLite
//! and a tantivy full-text index, and (later) emails topic digests.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! `feeds` → `fetch` → `decode` → `parse` → `normalize` → `store` → `index`.

pub mod cli;
pub mod config;
pub mod decode;
mod failpoint;
pub mod feeds;
pub mod fetch;
pub mod index;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod pipeline;
pub mod poll;
pub mod store;
