//! Any bytes, as a feed served with any charset: decode, parse and normalize must return
//! items or an error, never panic, and keep their limits.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // libFuzzer's hook aborts on any panic, even one the parser catches and reports as an
    // error (feed-rs's own bugs): only panics that escape are findings.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(govwatch::parse::quiet_contained_panics);
    // The first byte picks the declared charset, as an HTTP header would.
    let (charset, bytes) = match data.split_first() {
        Some((0, rest)) => (Some("iso-8859-1"), rest),
        Some((1, rest)) => (Some("utf-16"), rest),
        Some((2, rest)) => (Some("not-a-charset"), rest),
        _ => (None, data),
    };
    let base = url::Url::parse("https://example.gov/feeds/news.xml").ok();
    // A fixed fetch time: the same input always gives the same result.
    let Some(at) = Utc.timestamp_opt(1_790_000_000, 0).single() else {
        return;
    };
    if let Ok(ingested) =
        govwatch::pipeline::ingest_bytes("fuzz", bytes, charset, base.as_ref(), at)
    {
        for item in &ingested.items {
            assert!(item.title.chars().count() <= govwatch::normalize::MAX_TITLE_CHARS + 1);
            assert!(item.body.len() <= govwatch::normalize::MAX_BODY_BYTES);
            assert!(
                !item.title.chars().any(char::is_control),
                "{:?}",
                item.title
            );
        }
    }
});
