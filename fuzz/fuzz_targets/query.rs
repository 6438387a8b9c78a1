//! Any text as a search or topic query: parsed into a tantivy query or refused with an
//! error, never a panic or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = govwatch::index::check_topic_query(text);
    }
});
