//! Topic digests: what a subscriber receives. `render` turns the matched items of one
//! subscription's window into an email's subject, plain text and HTML (pure; no I/O).
//! Selecting the items, the ledger and delivery build on it.

pub mod deliver;
pub mod render;
pub mod select;
