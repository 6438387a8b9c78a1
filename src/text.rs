//! Cutting text at a byte budget without splitting a character: the one helper every module
//! that bounds hostile input (titles, error messages, server replies, snippet sources) uses.

/// The largest char boundary ≤ `index` (kept here rather than `str::floor_char_boundary` so
/// the crate builds on its declared minimum Rust version).
pub fn floor_char_boundary(s: &str, index: usize) -> usize {
    if index >= s.len() {
        return s.len();
    }
    let mut i = index;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The longest prefix of `s` of at most `max_bytes` bytes.
pub fn prefix(s: &str, max_bytes: usize) -> &str {
    &s[..floor_char_boundary(s, max_bytes)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_splits_a_character() {
        assert_eq!(prefix("aé", 2), "a");
        assert_eq!(prefix("aé", 3), "aé");
        assert_eq!(prefix("aé", 99), "aé");
        assert_eq!(prefix("", 0), "");
        assert_eq!(floor_char_boundary("€x", 1), 0);
    }
}
