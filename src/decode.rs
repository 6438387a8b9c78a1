//! Stage `decode` (fetch → **decode** → parse): turns the fetched bytes into UTF-8 text that
//! feed-rs can read, with the tolerance of browsers and Python's feedparser.
//!
//! [`decode`] picks the character set (byte-order mark, then the HTTP charset, then the XML
//! declaration or HTML `<meta>`, then sniffing), transcodes to UTF-8 and rewrites the XML
//! declaration so that nothing downstream decodes the text a second time. The XML-level repairs
//! (HTML entities, stray `&`, junk before the root, legacy feed dialects) live in [`repair`].
//!
//! Every repair is recorded in plain words in `problems`, so the caller can report that a feed
//! was recovered rather than clean.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

pub mod repair;

/// Text decoded to UTF-8, with the label of the encoding actually used and the repairs made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Name of the encoding the bytes were decoded with (e.g. `"UTF-8"`, `"windows-1252"`).
    pub encoding: &'static str,
    /// Repairs made, in plain words; empty when the bytes were clean.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not text at all (compressed data, an image, a PDF…).
    #[error("the document is binary data ({kind}), not text")]
    Binary { kind: &'static str },
}

/// Encoding names for the two UTF-32 forms, which encoding_rs does not support.
const UTF_32LE: &str = "UTF-32LE";
const UTF_32BE: &str = "UTF-32BE";

/// How many bytes at the start are searched for an XML declaration or a charset `<meta>`.
const SNIFF_LIMIT: usize = 4096;

/// Decodes `bytes` to UTF-8. `http_charset` is the `charset` parameter of the HTTP Content-Type
/// header, when there was one.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> Result<Decoded, DecodeError> {
    if let Some(kind) = binary_magic(bytes) {
        return Err(DecodeError::Binary { kind });
    }
    let mut problems = Vec::new();

    let (text, encoding) = if let Some((enc, bom_len)) = bom(bytes) {
        let body = &bytes[bom_len..];
        if let Some(label) = http_charset
            && lookup_label(label).is_some_and(|h| h.name() != enc)
        {
            problems.push(format!(
                "HTTP charset {label} contradicts the byte-order mark: decoded as {enc}"
            ));
        }
        (transcode_unicode(body, enc, &mut problems), enc)
    } else if let Some(enc) = sniff_wide(bytes) {
        (transcode_unicode(bytes, enc, &mut problems), enc)
    } else {
        decode_ascii_compatible(bytes, http_charset, &mut problems)
    };

    check_text(&text)?;
    let text = fix_xml_declaration(text);
    Ok(Decoded {
        text,
        encoding,
        problems,
    })
}

/// Recognises binary formats that fetchers sometimes hand over undecoded.
fn binary_magic(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x1f\x8b", "gzip"),
        (b"PK\x03\x04", "zip"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"%PDF-", "PDF"),
        (b"\x89PNG", "PNG"),
        (b"\xff\xd8\xff", "JPEG"),
        (b"GIF8", "GIF"),
    ];
    MAGIC
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// Rejects decoded text that is really binary: XML forbids NUL and most C0 controls, and
/// text where they are frequent is not a damaged feed but something else entirely.
fn check_text(text: &str) -> Result<(), DecodeError> {
    let sample: &str = match text.char_indices().nth(SNIFF_LIMIT) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let total = sample.chars().count();
    let controls = sample
        .chars()
        .filter(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        .count();
    if sample.contains('\0') || (total > 0 && controls * 50 > total) {
        return Err(DecodeError::Binary {
            kind: "control characters",
        });
    }
    Ok(())
}

/// A byte-order mark and its length. UTF-32LE is tested before UTF-16LE because its BOM
/// starts with the UTF-16LE one.
fn bom(bytes: &[u8]) -> Option<(&'static str, usize)> {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        Some(("UTF-8", 3))
    } else if bytes.starts_with(b"\xff\xfe\x00\x00") {
        Some((UTF_32LE, 4))
    } else if bytes.starts_with(b"\x00\x00\xfe\xff") {
        Some((UTF_32BE, 4))
    } else if bytes.starts_with(b"\xff\xfe") {
        Some(("UTF-16LE", 2))
    } else if bytes.starts_with(b"\xfe\xff") {
        Some(("UTF-16BE", 2))
    } else {
        None
    }
}

/// Detects UTF-16/UTF-32 without a BOM from the pattern of zero bytes around the first
/// (ASCII) character, as XML 1.0 appendix F describes.
fn sniff_wide(bytes: &[u8]) -> Option<&'static str> {
    let [a, b, c, d, ..] = *bytes else {
        return None;
    };
    match (a == 0, b == 0, c == 0, d == 0) {
        (true, true, true, false) => Some(UTF_32BE),
        (false, true, true, true) => Some(UTF_32LE),
        (true, false, true, false) => Some("UTF-16BE"),
        (false, true, false, true) => Some("UTF-16LE"),
        _ => None,
    }
}

/// Transcodes one of the Unicode encoding forms (UTF-8/16/32) to UTF-8, replacing malformed
/// sequences and recording that it did.
fn transcode_unicode(bytes: &[u8], enc: &'static str, problems: &mut Vec<String>) -> String {
    match enc {
        UTF_32LE | UTF_32BE => transcode_utf32(bytes, enc == UTF_32BE, problems),
        _ => {
            let encoding = match enc {
                "UTF-16LE" => UTF_16LE,
                "UTF-16BE" => UTF_16BE,
                _ => UTF_8,
            };
            decode_with(encoding, bytes, problems)
        }
    }
}

/// Decodes with one encoding_rs encoding (no BOM sniffing), replacing malformed sequences.
fn decode_with(encoding: &'static Encoding, bytes: &[u8], problems: &mut Vec<String>) -> String {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        let bad = text.matches('\u{FFFD}').count();
        problems.push(format!(
            "{bad} byte sequence(s) not valid in {} were replaced",
            encoding.name()
        ));
    }
    text.into_owned()
}

fn transcode_utf32(bytes: &[u8], big_endian: bool, problems: &mut Vec<String>) -> String {
    let mut text = String::with_capacity(bytes.len() / 4);
    let mut bad = 0usize;
    let chunks = bytes.chunks_exact(4);
    let trailing = chunks.remainder().len();
    for chunk in chunks {
        // chunks_exact(4) yields exactly four bytes, so the conversion cannot fail.
        let quad: [u8; 4] = chunk.try_into().expect("chunk of four bytes");
        let unit = if big_endian {
            u32::from_be_bytes(quad)
        } else {
            u32::from_le_bytes(quad)
        };
        match char::from_u32(unit) {
            Some(c) => text.push(c),
            None => {
                bad += 1;
                text.push('\u{FFFD}');
            }
        }
    }
    if trailing > 0 {
        bad += 1;
        text.push('\u{FFFD}');
    }
    if bad > 0 {
        let name = if big_endian { UTF_32BE } else { UTF_32LE };
        problems.push(format!("{bad} invalid {name} code unit(s) were replaced"));
    }
    text
}

/// Looks up a charset label the way browsers do, plus the UTF-32 labels encoding_rs lacks.
/// WHATWG maps ISO-8859-1, latin1, iso8859-1, us-ascii… to windows-1252, which is what
/// documents labelled that way really contain.
fn lookup_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().trim_matches(|c| c == '"' || c == '\'');
    Encoding::for_label(label.as_bytes())
}

fn is_utf32_label(label: &str) -> Option<&'static str> {
    let l = label.trim().to_ascii_lowercase();
    match l.as_str() {
        "utf-32" | "utf32" | "utf-32le" | "ucs-4" | "ucs-4le" => Some(UTF_32LE),
        "utf-32be" | "ucs-4be" => Some(UTF_32BE),
        _ => None,
    }
}

/// A charset found in the document or the HTTP header, and where it came from.
struct Declared {
    label: String,
    source: &'static str,
}

/// Decodes bytes that are neither UTF-16 nor UTF-32: prefers UTF-8 whenever the bytes are
/// valid UTF-8 (declarations lie far more often than valid UTF-8 occurs by accident), else the
/// declared encoding, else windows-1252.
fn decode_ascii_compatible(
    bytes: &[u8],
    http_charset: Option<&str>,
    problems: &mut Vec<String>,
) -> (String, &'static str) {
    let declared = http_charset
        .filter(|l| !l.trim().is_empty())
        .map(|l| Declared {
            label: l.trim().to_owned(),
            source: "HTTP header",
        })
        .or_else(|| {
            xml_declared_encoding(bytes).map(|label| Declared {
                label,
                source: "XML declaration",
            })
        })
        .or_else(|| {
            meta_charset(bytes).map(|label| Declared {
                label,
                source: "HTML <meta>",
            })
        });
    let declared_enc = declared.as_ref().and_then(|d| lookup_label(&d.label));
    if let Some(d) = &declared
        && declared_enc.is_none()
        && is_utf32_label(&d.label).is_none()
    {
        problems.push(format!(
            "unknown charset label {:?} in the {} was ignored",
            d.label, d.source
        ));
    }

    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let is_ascii = s.is_ascii();
            let used = match declared_enc {
                // ASCII bytes decode the same in every ASCII-compatible encoding, so the
                // declared label is the honest answer.
                Some(enc) if is_ascii && enc.is_ascii_compatible() => enc.name(),
                Some(enc) if enc == UTF_8 => UTF_8.name(),
                Some(enc) => {
                    if let Some(d) = &declared {
                        problems.push(format!(
                            "the {} declares {} but the bytes are valid UTF-8: decoded as UTF-8",
                            d.source,
                            enc.name()
                        ));
                    }
                    UTF_8.name()
                }
                None => UTF_8.name(),
            };
            (s.to_owned(), used)
        }
        Err(_) => {
            // UTF-16 was ruled out by the byte patterns above, so a UTF-16 label is a lie too.
            if let Some(enc) = declared_enc.filter(|e| ![UTF_8, UTF_16LE, UTF_16BE].contains(e)) {
                return (decode_with(enc, bytes, problems), enc.name());
            }
            let (good, bad) = utf8_sequence_counts(bytes);
            if good > bad {
                // Mostly UTF-8 with a few damaged sequences: replacing them loses less than
                // reading every valid multi-byte character as two windows-1252 characters.
                let text = String::from_utf8_lossy(bytes).into_owned();
                problems.push(format!(
                    "{bad} byte sequence(s) not valid in UTF-8 were replaced"
                ));
                (text, UTF_8.name())
            } else {
                let what = match &declared {
                    Some(d) => format!("the {} declares {}", d.source, d.label),
                    None => "no charset was declared".to_owned(),
                };
                problems.push(format!(
                    "{what} but the bytes are not valid UTF-8: decoded as windows-1252"
                ));
                // windows-1252 maps every byte, so no replacement happens here.
                (
                    WINDOWS_1252
                        .decode_without_bom_handling(bytes)
                        .0
                        .into_owned(),
                    WINDOWS_1252.name(),
                )
            }
        }
    }
}

/// Counts well-formed multi-byte UTF-8 sequences and invalid bytes.
fn utf8_sequence_counts(bytes: &[u8]) -> (usize, usize) {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            bad += 1;
        }
    }
    (good, bad)
}

/// The `encoding` pseudo-attribute of an XML declaration near the start of the document,
/// which may follow junk (whitespace, comments) that [`repair`] will strip later.
fn xml_declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(SNIFF_LIMIT)];
    let start = find(head, b"<?xml")?;
    let end = start + find(&head[start..], b"?>")?;
    let decl = std::str::from_utf8(&head[start..end]).ok()?;
    pseudo_attribute(decl, "encoding").map(|(_, v)| v.to_owned())
}

/// A charset named by an HTML `<meta charset>` or `<meta http-equiv content="…; charset=…">`.
fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(SNIFF_LIMIT)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let tag_start = from + at;
        let tag_end =
            tag_start + find(&lower[tag_start..], b">").unwrap_or(lower.len() - tag_start);
        let tag = &lower[tag_start..tag_end];
        if let Some(cs) = find(tag, b"charset=") {
            let rest = &tag[cs + b"charset=".len()..];
            let rest = rest
                .strip_prefix(b"\"")
                .or_else(|| rest.strip_prefix(b"'"))
                .unwrap_or(rest);
            let len = rest
                .iter()
                .position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                .unwrap_or(rest.len());
            if len > 0 {
                return Some(String::from_utf8_lossy(&rest[..len]).into_owned());
            }
        }
        from = tag_end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Finds `name="value"` (or single-quoted) in an XML declaration; returns the byte range of
/// the whole value including quotes, and the value.
fn pseudo_attribute<'a>(decl: &'a str, name: &str) -> Option<(std::ops::Range<usize>, &'a str)> {
    let mut from = 0;
    while let Some(at) = decl[from..].find(name) {
        let pos = from + at;
        from = pos + name.len();
        let preceded_by_space = decl[..pos]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        if !preceded_by_space {
            continue;
        }
        let rest = decl[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value_start = decl.len() - rest.len();
        let value_len = rest[1..].find(quote)?;
        let value = &decl[value_start + 1..value_start + 1 + value_len];
        return Some((value_start..value_start + value_len + 2, value));
    }
    None
}

/// Rewrites the XML declaration's encoding to UTF-8: the text is UTF-8 now, and quick-xml
/// (inside feed-rs) would otherwise decode it a second time with the declared encoding.
fn fix_xml_declaration(mut text: String) -> String {
    let mut head_len = text.len().min(SNIFF_LIMIT);
    while !text.is_char_boundary(head_len) {
        head_len -= 1;
    }
    let Some(start) = text[..head_len].find("<?xml") else {
        return text;
    };
    let Some(len) = text[start..].find("?>") else {
        return text;
    };
    let decl = &text[start..start + len];
    if let Some((range, value)) = pseudo_attribute(decl, "encoding")
        && !value.eq_ignore_ascii_case("utf-8")
    {
        let range = start + range.start..start + range.end;
        text.replace_range(range, "\"UTF-8\"");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8], http: Option<&str>) -> Decoded {
        decode(bytes, http).expect("decodes")
    }

    #[test]
    fn utf8_without_declaration_is_clean() {
        let d = dec("<rss><title>Café</title></rss>".as_bytes(), None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("Café"));
        assert!(d.problems.is_empty());
    }

    #[test]
    fn utf8_bom_is_stripped_and_wins_over_http_charset() {
        let mut b = b"\xef\xbb\xbf".to_vec();
        b.extend_from_slice("<a>Café</a>".as_bytes());
        let d = dec(&b, Some("iso-8859-15"));
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.text, "<a>Café</a>");
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let s = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>Zürich</a>";
        let le: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        let mut le_bom = vec![0xff, 0xfe];
        le_bom.extend_from_slice(&le);
        let mut be_bom = vec![0xfe, 0xff];
        be_bom.extend_from_slice(&be);
        for (bytes, enc) in [
            (le, "UTF-16LE"),
            (be, "UTF-16BE"),
            (le_bom, "UTF-16LE"),
            (be_bom, "UTF-16BE"),
        ] {
            let d = dec(&bytes, None);
            assert_eq!(d.encoding, enc);
            assert!(d.text.contains("<a>Zürich</a>"), "{}", d.text);
            assert!(d.text.contains("encoding=\"UTF-8\""), "{}", d.text);
            assert!(d.problems.is_empty());
        }
    }

    #[test]
    fn utf32_with_and_without_bom_is_transcoded_by_hand() {
        let s = "<a>Euro € 😀</a>";
        let le: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let be: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        let mut le_bom = vec![0xff, 0xfe, 0, 0];
        le_bom.extend_from_slice(&le);
        let mut be_bom = vec![0, 0, 0xfe, 0xff];
        be_bom.extend_from_slice(&be);
        for (bytes, enc) in [
            (le, UTF_32LE),
            (be, UTF_32BE),
            (le_bom, UTF_32LE),
            (be_bom, UTF_32BE),
        ] {
            let d = dec(&bytes, None);
            assert_eq!((d.text.as_str(), d.encoding), (s, enc));
        }
    }

    #[test]
    fn utf32_invalid_code_unit_is_replaced_and_recorded() {
        let mut b: Vec<u8> = "<a>"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        b.extend_from_slice(&0xD800u32.to_le_bytes());
        let d = dec(&b, None);
        assert_eq!(d.text, "<a>\u{FFFD}");
        assert_eq!(d.problems.len(), 1);
    }

    #[test]
    fn latin1_declared_is_read_as_windows_1252() {
        let b = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Caf\xe9 \x80</a>";
        let d = dec(b, None);
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("<a>Café €</a>"), "{}", d.text);
        assert!(
            d.text
                .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        );
        assert!(d.problems.is_empty());
    }

    #[test]
    fn latin1_label_variants_are_recognised() {
        for label in ["iso8859-1", "latin1", "ISO_8859-1", "l1", "iso-8859-1"] {
            let b = format!("<?xml version='1.0' encoding='{label}'?><a>Anaïs</a>");
            let b = WINDOWS_1252.encode(&b).0;
            let d = dec(&b, None);
            assert_eq!(d.encoding, "windows-1252", "{label}");
            assert!(d.text.contains("Anaïs"), "{label}");
        }
    }

    #[test]
    fn http_charset_beats_xml_declaration() {
        let b = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>caf\xe9</a>";
        let d = dec(b, Some("iso-8859-1"));
        assert!(d.text.contains("café"));
        let d = dec(b, None);
        assert!(d.text.contains("cafй"), "{}", d.text);
    }

    #[test]
    fn lying_declaration_yields_to_valid_utf8() {
        let b = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>Euro €</a>";
        let d = dec(b.as_bytes(), None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("Euro €"));
        assert!(d.text.contains("encoding=\"UTF-8\""));
        assert_eq!(d.problems.len(), 1);
    }

    #[test]
    fn unknown_label_falls_back_to_utf8_without_error() {
        let b = "<?xml version=\"1.0\" encoding=\"invalid\"?><a>Café</a>";
        let d = dec(b.as_bytes(), None);
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains("Café"));
        assert!(!d.text.contains("invalid"));
        assert_eq!(d.problems.len(), 1);
    }

    #[test]
    fn declared_utf8_with_latin1_bytes_falls_back_to_windows_1252() {
        let b = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><to>Ana\xefs</to>";
        let d = dec(b, None);
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("Anaïs"));
        assert_eq!(d.problems.len(), 1);
    }

    #[test]
    fn mostly_utf8_with_a_bad_byte_is_replaced_not_reinterpreted() {
        let mut b = "<a>Zürich Café ".as_bytes().to_vec();
        b.push(0xff);
        b.extend_from_slice("</a>".as_bytes());
        let d = dec(&b, None);
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.text, "<a>Zürich Café \u{FFFD}</a>");
        assert_eq!(d.problems.len(), 1);
    }

    #[test]
    fn html_meta_charset_is_used_for_invalid_utf8() {
        let b = b"<html><head><meta charset=\"koi8-r\"></head><body>\xf0\xd2\xc9</body></html>";
        let d = dec(b, None);
        assert_eq!(d.encoding, "KOI8-R");
        assert!(d.text.contains("При"), "{}", d.text);
    }

    #[test]
    fn gzip_and_control_garbage_are_errors() {
        assert_eq!(
            decode(b"\x1f\x8b\x08\x00abc", None),
            Err(DecodeError::Binary { kind: "gzip" })
        );
        let garbage: Vec<u8> = (0u8..200).map(|i| i % 7 + 1).collect();
        assert!(decode(&garbage, None).is_err());
    }

    #[test]
    fn empty_input_decodes_to_empty_text() {
        let d = dec(b"", None);
        assert_eq!(d.text, "");
    }
}
