//! The common case of feed HTML without building a DOM: paragraphs, line breaks, lists,
//! headings and inline markup, with the usual character references. Building html5ever's
//! tree costs most of an item's normalization; descriptions are mostly this simple.
//!
//! The scanner makes exactly the calls the tree walk would make on the tree html5ever would
//! build, or gives up: anything whose tree it cannot be sure of (tables, `<pre>`, scripts and
//! other dropped elements, comments it cannot close, unusual references, carriage returns,
//! unknown tags) returns `false`, and the caller parses properly. A test checks the two
//! agree on every input the scanner accepts.

use super::{Role, TextWriter, block_break, role};

/// Elements the scanner handles, with the role the tree walk gives them.
fn known(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "i"
            | "em"
            | "strong"
            | "span"
            | "u"
            | "s"
            | "small"
            | "sub"
            | "sup"
            | "abbr"
            | "cite"
            | "code"
            | "q"
            | "time"
            | "mark"
            | "font"
            | "img"
            | "p"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "ul"
            | "ol"
            | "br"
            | "div"
            | "li"
            | "hr"
            | "figure"
            | "figcaption"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "aside"
            | "nav"
            | "main"
            | "address"
    )
}

/// Start tags that close an open `<p>` first (the HTML parser's implied `</p>`): every
/// block the scanner knows, `<li>` included, but not `<br>`.
fn closes_p(name: &str) -> bool {
    role(name) != Role::Inline && name != "br"
}

/// Writes `html` into `out` if it is simple enough; `false` (with `out` in an unspecified
/// state) when it is not.
pub(super) fn write(html: &str, out: &mut TextWriter) -> bool {
    if html.contains(['\r', '\0']) {
        return false;
    }
    let bytes = html.as_bytes();
    let mut text = String::new();
    let mut open_p = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let Some((tag, next)) = tag(html, i) else {
                    return false;
                };
                match tag {
                    Tag::Text => {
                        text.push('<');
                        i += 1;
                        continue;
                    }
                    Tag::Comment => {}
                    Tag::Start(name) => {
                        flush(&mut text, out);
                        if !known(&name) {
                            return false;
                        }
                        if open_p > 0 && closes_p(&name) {
                            // The implied `</p>`: html5ever closes the paragraph (and any
                            // inline elements in it) before the block opens.
                            open_p = 0;
                            block_break(Role::Paragraph, out);
                        }
                        block_break(role(&name), out);
                        if name == "p" {
                            open_p += 1;
                        }
                    }
                    Tag::End(name) => {
                        flush(&mut text, out);
                        if !known(&name) || name == "br" {
                            return false;
                        }
                        let role = role(&name);
                        if name == "p" {
                            open_p = open_p.saturating_sub(1);
                        } else if open_p > 0 && role != Role::Inline {
                            // Closing a block closes the paragraph open inside it.
                            open_p = 0;
                            block_break(Role::Paragraph, out);
                        }
                        block_break(role, out);
                    }
                }
                i = next;
            }
            b'&' => {
                let Some((decoded, next)) = reference(html, i) else {
                    return false;
                };
                text.push_str(decoded);
                i = next;
            }
            _ => {
                let end = html[i..].find(['<', '&']).map_or(html.len(), |n| i + n);
                text.push_str(&html[i..end]);
                i = end;
            }
        }
        if out.full() {
            return true;
        }
    }
    flush(&mut text, out);
    true
}

/// Text between tags reaches the writer as one node, as the tree would hold it.
fn flush(text: &mut String, out: &mut TextWriter) {
    if !text.is_empty() {
        out.text(text);
        text.clear();
    }
}

enum Tag {
    /// A `<` that starts no tag: text.
    Text,
    Comment,
    Start(String),
    End(String),
}

/// The tag at `html[at]` (a `<`) and where it ends; `None` for what the scanner leaves to the
/// parser.
fn tag(html: &str, at: usize) -> Option<(Tag, usize)> {
    let rest = &html[at + 1..];
    let b = rest.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() => {
            let (name, after) = name(rest);
            let end = tag_end(rest, after)?;
            Some((Tag::Start(name), at + 1 + end))
        }
        Some(b'/') => match b.get(1) {
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, after) = name(&rest[1..]);
                let end = tag_end(&rest[1..], after)?;
                Some((Tag::End(name), at + 2 + end))
            }
            _ => None,
        },
        Some(b'!') if rest.starts_with("!--") => {
            let close = rest[3..].find("-->")?;
            // `<!-->` and `<!--->` end differently in the parser.
            if close == 0 || rest[3..].starts_with('-') {
                return None;
            }
            Some((Tag::Comment, at + 1 + 3 + close + 3))
        }
        Some(b'!' | b'?') => None,
        _ => Some((Tag::Text, at + 1)),
    }
}

/// The lowercase tag name at the start of `s`, and the byte after it.
fn name(s: &str) -> (String, usize) {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(s.len());
    (s[..end].to_ascii_lowercase(), end)
}

/// Where the tag whose attributes start at `s[from..]` ends (the byte after its `>`), minding
/// quoted attribute values; `None` when it does not end.
fn tag_end(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    match b.get(from) {
        // A name followed by anything else (`<a-b>`, `<a:b>`) is left to the parser.
        Some(c) if !(c.is_ascii_whitespace() || *c == b'>' || *c == b'/') => return None,
        None => return None,
        _ => {}
    }
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'>' => return Some(i + 1),
            b'"' | b'\'' => {
                let quote = b[i];
                // A quote opening a value; one inside a name or a bare value is left to the
                // parser, which reads those differently.
                if i == 0 || b[i - 1] != b'=' {
                    return None;
                }
                i += 1 + s[i + 1..].bytes().position(|c| c == quote)?;
            }
            b'<' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The character reference at `html[at]` (a `&`): its text and the byte after it. A `&`
/// that starts no reference is itself; unusual references are left to the parser.
fn reference(html: &str, at: usize) -> Option<(&'static str, usize)> {
    let rest = &html[at + 1..];
    let b = rest.as_bytes();
    match b.first() {
        // `& `, `&&`, a trailing `&`: text.
        Some(c) if !(c.is_ascii_alphanumeric() || *c == b'#') => Some(("&", at + 1)),
        None => Some(("&", at + 1)),
        Some(b'#') => None,
        _ => {
            let end = b.iter().position(|c| !c.is_ascii_alphanumeric())?;
            if b.get(end) != Some(&b';') {
                // Without a semicolon, legacy names ("&amp", "&copy") still count, even at
                // the start of a longer word: the parser's table decides.
                return None;
            }
            let decoded = match &rest[..end] {
                "amp" => "&",
                "lt" => "<",
                "gt" => ">",
                "quot" => "\"",
                "apos" => "'",
                "nbsp" => "\u{a0}",
                "mdash" => "\u{2014}",
                "ndash" => "\u{2013}",
                "lsquo" => "\u{2018}",
                "rsquo" => "\u{2019}",
                "ldquo" => "\u{201c}",
                "rdquo" => "\u{201d}",
                "hellip" => "\u{2026}",
                "bull" => "\u{2022}",
                "middot" => "\u{b7}",
                "copy" => "\u{a9}",
                "reg" => "\u{ae}",
                "trade" => "\u{2122}",
                "eacute" => "\u{e9}",
                _ => return None,
            };
            Some((decoded, at + 1 + end + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Html, TextWriter, write_tree};
    use super::*;

    fn both(html: &str) -> (Option<String>, String) {
        let mut fast = TextWriter::new(usize::MAX);
        let fast = write(html, &mut fast).then(|| fast.finish());
        let mut tree = TextWriter::new(usize::MAX);
        write_tree(&Html::parse_fragment(html), &mut tree);
        (fast, tree.finish())
    }

    /// Every input the scanner accepts comes out as the parser's tree walk gives it.
    #[test]
    fn the_scanner_agrees_with_the_parser_or_declines() {
        let inputs = [
            "<p><strong>Title.</strong> The agency said.</p><p>More &amp; more.</p>",
            "<p>a<div>b</div>c</p>",
            "<p>a<p>b<ul><li>x<li>y</ul>tail",
            "<li>one</li>\n <li>two</li>",
            "<h1>T</h1>\n\n<p>x</p>",
            "a<br>b<br/>c<br />d",
            "R&D and Q&A at AT&T",
            "x &amp;amp; y &copy z &#169; &unknown; &lt;tag&gt;",
            "<a href=\"https://x.gov/?a=1&b=2\" title='q > r'>link</a> after",
            "<!-- note --><p>kept</p>",
            "<!----><!--->x",
            "<table><tr><td>a</td></tr></table>",
            "<pre>\nkeep\n</pre>",
            "<script>x</script>y",
            "a < b > c <<>> </ x",
            "</p>stray <b>bold",
            "<p>unclosed <b>bold",
            "<img src=x>caption</img>",
            "<font color=red>red</font>",
            "<div><span>a</span><span>b</span></div>",
            "<p>one</p>\n\n\n<p>two</p>",
            "  <p>  spaced   out  </p>  ",
            "<P>UPPER</P><BR>",
            "<a-b>custom</a-b>",
            "<p>x</p></br>y",
            "line\r\nbreak",
            "<blockquote><p>q</p></blockquote>after",
            "<h2>a<p>b</h2>c",
            "<section><p>a</section>b",
            "<p>a<li>b",
        ];
        for html in inputs {
            let (fast, tree) = both(html);
            if let Some(fast) = fast {
                assert_eq!(fast, tree, "input {html:?}");
            }
        }
        // Every summary and content of the shipped fixtures and, when present, of the
        // real-world corpus (`$GOVWATCH_CORPUS`, as CI runs it).
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/feeds"
        ))];
        if let Ok(corpus) = std::env::var("GOVWATCH_CORPUS") {
            dirs.push(corpus.into());
        }
        let (mut checked, mut simple) = (0, 0);
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let Ok(feed) = feed_rs::parser::parse(&bytes[..]) else {
                    continue;
                };
                for e in feed.entries {
                    let texts = e
                        .summary
                        .map(|t| t.content)
                        .into_iter()
                        .chain(e.content.and_then(|c| c.body));
                    for html in texts {
                        checked += 1;
                        let (fast, tree) = both(&html);
                        if let Some(fast) = fast {
                            simple += 1;
                            assert_eq!(fast, tree, "{}: {html:?}", path.display());
                        }
                    }
                }
            }
        }
        eprintln!("{simple} of {checked} texts took the fast path");
        assert!(checked > 0 && simple > 0, "{simple} of {checked}");
        // The common cases do take the fast path.
        for html in [inputs[0], inputs[2], inputs[5], inputs[8], inputs[9]] {
            assert!(both(html).0.is_some(), "{html:?} should be simple");
        }
    }
}
