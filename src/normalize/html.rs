//! HTML → clean text, for `normalize`: what a reader (and the index) sees of an entry's
//! title, summary and content.

use scraper::{Html, Node};

mod simple;

/// What an element means for the text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Its content is never text a reader sees: code, styling, embedded documents, media
    /// fallbacks ("your browser does not support …").
    Dropped,
    /// Stands as a paragraph: a blank line around it.
    Paragraph,
    /// Ends a line.
    Line,
    /// A table cell: a space apart from its neighbours, so that cells do not glue together.
    Cell,
    Inline,
}

fn role(name: &str) -> Role {
    match name {
        "script" | "style" | "noscript" | "template" | "iframe" | "object" | "embed" | "svg"
        | "math" | "canvas" | "audio" | "video" | "select" | "head" | "title" => Role::Dropped,
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "pre" | "table" | "ul"
        | "ol" => Role::Paragraph,
        "br" | "div" | "li" | "dt" | "dd" | "tr" | "section" | "article" | "header" | "footer"
        | "nav" | "aside" | "main" | "figure" | "figcaption" | "address" | "details"
        | "summary" | "caption" | "fieldset" | "legend" | "form" | "dl" | "hr" | "option" => {
            Role::Line
        }
        "td" | "th" => Role::Cell,
        _ => Role::Inline,
    }
}

/// Converts an HTML fragment to clean text: scripts, styles and comments dropped, entities
/// decoded, block elements turned into line breaks (paragraphs into blank lines), runs of
/// whitespace collapsed within lines, the result trimmed.
///
/// In text, a run of whitespace holding two or more newlines is kept as a paragraph break and
/// any other run becomes one space, so plain-text entries keep their paragraphs and markup
/// indentation disappears. Text without `<` or `&` skips the HTML parser and comes out the
/// same as the parser would give it.
pub fn html_to_text(html: &str) -> String {
    html_to_text_limited(html, usize::MAX)
}

/// [`html_to_text`] that stops writing once the text reaches `max_bytes` (then truncated at a
/// char boundary): hostile or absurd inputs cost no more than the limit.
pub(crate) fn html_to_text_limited(html: &str, max_bytes: usize) -> String {
    let mut out = TextWriter::new(max_bytes);
    if !html.contains(['<', '&']) {
        out.text(html);
    } else if !simple::write(html, &mut out) {
        out = TextWriter::new(max_bytes);
        write_tree(&Html::parse_fragment(html), &mut out);
    }
    out.finish()
}

fn write_tree(doc: &Html, out: &mut TextWriter) {
    let root = doc.tree.root();
    let mut node = root;
    // Iterative depth-first walk: hostile markup can nest deeper than the thread's stack.
    loop {
        if out.full() {
            return;
        }
        let descend = enter(node.value(), out);
        if descend && let Some(child) = node.first_child() {
            node = child;
            continue;
        }
        loop {
            leave(node.value(), out);
            if node == root {
                return;
            }
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            match node.parent() {
                Some(parent) => node = parent,
                None => return,
            }
        }
    }
}

/// Writes what opening `node` means; returns whether its children are to be visited.
fn enter(node: &Node, out: &mut TextWriter) -> bool {
    match node {
        Node::Text(text) => {
            out.text(text);
            false
        }
        Node::Element(el) => {
            let name = el.name();
            let role = role(name);
            if role == Role::Dropped {
                return false;
            }
            block_break(role, out);
            if name == "pre" {
                out.pre_depth += 1;
            }
            true
        }
        Node::Document | Node::Fragment => true,
        // Comments, doctypes and processing instructions are not text.
        _ => false,
    }
}

fn leave(node: &Node, out: &mut TextWriter) {
    if let Node::Element(el) = node {
        let name = el.name();
        let role = role(name);
        if role == Role::Dropped {
            return;
        }
        if name == "pre" {
            out.pre_depth = out.pre_depth.saturating_sub(1);
        }
        // `<br>` breaks once, when met; other blocks also break after themselves.
        if name != "br" {
            block_break(role, out);
        }
    }
}

fn block_break(role: Role, out: &mut TextWriter) {
    match role {
        Role::Paragraph => out.request_break(2),
        Role::Line => out.request_break(1),
        Role::Cell => out.request_space(),
        Role::Dropped | Role::Inline => {}
    }
}

/// Accumulates text with pending (not yet written) spaces and breaks, so that leading and
/// trailing whitespace of lines and of the whole text never gets written at all.
struct TextWriter {
    out: String,
    max_bytes: usize,
    pending_space: bool,
    /// 0: none, 1: line break, 2: paragraph break (blank line).
    pending_break: u8,
    /// Inside `<pre>`, every newline is a line break.
    pre_depth: usize,
}

impl TextWriter {
    fn new(max_bytes: usize) -> Self {
        TextWriter {
            out: String::new(),
            max_bytes,
            pending_space: false,
            pending_break: 0,
            pre_depth: 0,
        }
    }

    fn full(&self) -> bool {
        self.out.len() >= self.max_bytes
    }

    fn request_break(&mut self, level: u8) {
        self.pending_break = self.pending_break.max(level);
        self.pending_space = false;
    }

    fn request_space(&mut self) {
        if self.pending_break == 0 {
            self.pending_space = true;
        }
    }

    /// Writes `text` a word at a time: whitespace runs become pending spaces or breaks, words
    /// are copied whole (a word past the limit is cut by `finish`).
    fn text(&mut self, text: &str) {
        let mut rest = text;
        loop {
            let word_start = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            if word_start > 0 {
                let newlines = rest[..word_start].bytes().filter(|&b| b == b'\n').count();
                self.whitespace_run(u32::try_from(newlines).unwrap_or(u32::MAX));
            }
            rest = &rest[word_start..];
            if rest.is_empty() || self.full() {
                return;
            }
            let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            self.push_str(&rest[..word_end]);
            rest = &rest[word_end..];
        }
    }

    fn whitespace_run(&mut self, newlines: u32) {
        if self.pre_depth > 0 && newlines > 0 {
            self.request_break(if newlines >= 2 { 2 } else { 1 });
        } else if newlines >= 2 {
            self.request_break(2);
        } else {
            self.request_space();
        }
    }

    fn push_str(&mut self, word: &str) {
        if word.chars().all(is_invisible_control) {
            return;
        }
        if !self.out.is_empty() {
            match self.pending_break {
                0 if self.pending_space => self.out.push(' '),
                0 => {}
                1 => self.out.push('\n'),
                _ => self.out.push_str("\n\n"),
            }
        }
        self.pending_break = 0;
        self.pending_space = false;
        if word.chars().any(is_invisible_control) {
            self.out
                .extend(word.chars().filter(|&c| !is_invisible_control(c)));
        } else {
            self.out.push_str(word);
        }
    }

    fn finish(mut self) -> String {
        if self.out.len() > self.max_bytes {
            let cut = crate::text::floor_char_boundary(&self.out, self.max_bytes);
            self.out.truncate(cut);
            self.out.truncate(self.out.trim_end().len());
        }
        self.out
    }
}

/// Characters no reader should get from a feed: C0 and C1 controls (terminal escapes, NUL,
/// bell; whitespace was split off before) and the bidirectional overrides and isolates that
/// can make a title read differently from what it says.
fn is_invisible_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser path, bypassing the fast path, to check both agree.
    fn via_parser(html: &str) -> String {
        let mut out = TextWriter::new(usize::MAX);
        write_tree(&Html::parse_fragment(html), &mut out);
        out.finish()
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_dropped() {
        assert_eq!(
            html_to_text("Bad \u{1}\u{1b}[31mred \u{7} end"),
            "Bad [31mred end"
        );
        assert_eq!(html_to_text("<b>a\u{202E}cba\u{202C}</b> b"), "acba b");
        assert_eq!(via_parser("<p>x\u{0}y</p>"), "xy");
        assert_eq!(html_to_text("tab\tand\nline"), "tab and line");
    }

    #[test]
    fn plain_text_survives() {
        assert_eq!(html_to_text("AT&T wins $5M"), "AT&T wins $5M");
        assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            html_to_text("Senate passes AI bill"),
            "Senate passes AI bill"
        );
        assert_eq!(html_to_text("5 > 3"), "5 > 3");
    }

    #[test]
    fn fast_path_agrees_with_parser() {
        for s in [
            "  hello   world  ",
            "one\ntwo",
            "para one\n\npara two\n\n\n  three",
            "\t tabs\tand  spaces \r\n",
            "",
            "   ",
            "ünïcödé — “quotes”",
        ] {
            assert_eq!(html_to_text(s), via_parser(s), "input {s:?}");
        }
    }

    #[test]
    fn whitespace_collapses_within_lines() {
        assert_eq!(html_to_text("  a \t b\n c  "), "a b c");
        assert_eq!(html_to_text("<p>  a \n  b  </p>"), "a b");
        assert_eq!(html_to_text("\u{a0}x\u{a0}"), "x");
    }

    #[test]
    fn plain_text_paragraphs_are_kept() {
        assert_eq!(
            html_to_text("first\n\nsecond\n \n\nthird"),
            "first\n\nsecond\n\nthird"
        );
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(html_to_text("AT&amp;T &lt;b&gt;"), "AT&T <b>");
        assert_eq!(
            html_to_text("&quot;q&quot; &#39;s&#39; &#x2014; &eacute;"),
            "\"q\" 's' — é"
        );
        // A no-break space is whitespace like any other in clean text.
        assert_eq!(html_to_text("caf&eacute;&nbsp;au lait"), "café au lait");
        // A bare ampersand is text, not an entity.
        assert_eq!(html_to_text("R&D <i>and</i> Q&A"), "R&D and Q&A");
    }

    #[test]
    fn scripts_styles_and_comments_are_dropped() {
        let html = "<p>before</p><script>alert('x')</script><style>p{color:red}</style>\
                    <!-- secret --><noscript>enable js</noscript><template>t</template>\
                    <iframe src=\"x\">frame</iframe><object>obj</object><p>after</p>";
        assert_eq!(html_to_text(html), "before\n\nafter");
        assert_eq!(html_to_text("a<script>var s = '</p>';</script>b"), "ab");
    }

    #[test]
    fn blocks_become_breaks() {
        assert_eq!(html_to_text("<p>One</p><p>Two</p>"), "One\n\nTwo");
        assert_eq!(
            html_to_text("line1<br>line2<br/>line3"),
            "line1\nline2\nline3"
        );
        assert_eq!(html_to_text("<div>a</div><div>b</div>"), "a\nb");
        assert_eq!(
            html_to_text("<h1>Title</h1>\n  <ul>\n <li>x</li>\n <li>y</li>\n</ul><p>end</p>"),
            "Title\n\nx\ny\n\nend"
        );
        assert_eq!(
            html_to_text(
                "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
            ),
            "a b\nc d"
        );
        assert_eq!(
            html_to_text("<blockquote>quoted</blockquote>text"),
            "quoted\n\ntext"
        );
        assert_eq!(html_to_text("a<br><br><br><br>b"), "a\nb");
    }

    #[test]
    fn inline_elements_do_not_break() {
        assert_eq!(
            html_to_text("The <b>Department</b> of <a href=\"/x\">Commerce</a>'s rule"),
            "The Department of Commerce's rule"
        );
        assert_eq!(html_to_text("<span>a</span><span>b</span>"), "ab");
    }

    #[test]
    fn pre_keeps_its_lines() {
        assert_eq!(
            html_to_text("<pre>line 1\nline   2\n</pre>after"),
            "line 1\nline 2\n\nafter"
        );
    }

    #[test]
    fn broken_markup_is_tolerated() {
        assert_eq!(html_to_text("<p>unclosed <b>bold"), "unclosed bold");
        assert_eq!(html_to_text("</div></p>stray closers"), "stray closers");
        assert_eq!(html_to_text("<"), "<");
        assert_eq!(html_to_text("<<>>"), "<<>>");
        assert_eq!(
            html_to_text("<html><head><title>t</title></head><body>b</body></html>"),
            "b"
        );
    }

    #[test]
    fn deeply_nested_markup() {
        // html5ever is quadratic in nesting depth; this depth keeps the test quick in debug.
        let html = "<div>".repeat(5_000) + "deep" + &"</div>".repeat(5_000);
        assert_eq!(html_to_text(&html), "deep");
    }

    #[test]
    fn limit_truncates_at_char_boundary() {
        let s = "é".repeat(100);
        let t = html_to_text_limited(&s, 11);
        assert_eq!(t, "é".repeat(5));
        let t = html_to_text_limited(&format!("<p>{s}</p>"), 11);
        assert_eq!(t, "é".repeat(5));
    }
}
