//! XML-level repairs between charset decoding and feed-rs: one linear pass over the decoded
//! text that makes real-world feeds readable by a strict XML tokenizer and by feed-rs's
//! dispatch, without ever re-parsing the document.
//!
//! It fixes what makes documents not well-formed (HTML named entities XML lacks, stray `&`
//! and `<`, junk before the XML declaration or the root, a DOCTYPE with entity declarations)
//! and adapts the dialects feed-rs does not dispatch on (RSS without `version` or with 0.93 /
//! 0.94, RSS with a default namespace, RSS 0.90, Atom 0.3, Atom text constructs with MIME
//! types or base64 content). CDATA sections, comments and processing instructions are copied
//! untouched. Entities are never expanded beyond the fixed HTML5 table, so entity bombs and
//! external entities have nothing to work with.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use markup5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const ATOM03_NS: &str = "http://purl.org/atom/ns#";
const RSS1_NS: &str = "http://purl.org/rss/1.0/";

/// The name a skipped element is renamed to: feed-rs ignores elements it does not know.
const SKIPPED: &str = "govwatch-skipped";

/// What the root element says the document is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootKind {
    /// `<rss>`; `version` is the attribute as the document gave it.
    Rss { version: Option<String> },
    /// `<rdf:RDF>`: RSS 1.0, or RSS 0.90 when `rss090` (its namespace) is set.
    Rdf { rss090: bool },
    /// `<feed>`; `atom03` when it uses the Atom 0.3 namespace.
    Atom { atom03: bool },
    /// A bare Atom `<entry>` document.
    AtomEntry { atom03: bool },
    /// Any other root element (HTML, OPML, generic XML): not a feed.
    Other,
}

/// The root element of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The qualified name as written (`rss`, `rdf:RDF`, `html`…).
    pub name: String,
    pub kind: RootKind,
}

/// The repaired text, what its root is, and the repairs made.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub text: String,
    /// `None` when the text holds no element at all.
    pub root: Option<Root>,
    pub problems: Vec<String>,
}

/// Whether `rest` starts with an XML declaration (`<?xml` then a space or `?>`), not a
/// processing instruction whose name merely starts with "xml".
fn is_xml_declaration(rest: &str) -> bool {
    rest.strip_prefix("<?xml")
        .is_some_and(|r| r.starts_with(|c: char| c.is_whitespace() || c == '?'))
}

/// Repairs `text` (already UTF-8). For a non-feed root the text is returned unrepaired past
/// the root tag, since nothing will parse it.
pub fn repair(text: &str) -> Repaired {
    let mut r = Repairer::new(text);
    let root = r.run();
    Repaired {
        text: r.out,
        root,
        problems: r.log.into_problems(),
    }
}

/// Counts repairs by kind so a feed with 500 `&nbsp;` reports one line, not 500.
#[derive(Default)]
struct Log {
    html_entities: BTreeSet<String>,
    html_entity_count: usize,
    unknown_entities: BTreeSet<String>,
    unknown_entity_count: usize,
    stray_amp: usize,
    stray_lt: usize,
    bad_char_refs: usize,
    c1_char_refs: usize,
    other: Vec<String>,
}

impl Log {
    fn note(&mut self, problem: impl Into<String>) {
        let p = problem.into();
        if !self.other.contains(&p) {
            self.other.push(p);
        }
    }

    fn into_problems(self) -> Vec<String> {
        let mut out = self.other;
        let names = |set: &BTreeSet<String>| {
            set.iter()
                .take(5)
                .map(|n| format!("&{n};"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.html_entity_count > 0 {
            out.push(format!(
                "{} HTML entity reference(s) undefined in XML ({}) replaced by characters",
                self.html_entity_count,
                names(&self.html_entities)
            ));
        }
        if self.unknown_entity_count > 0 {
            out.push(format!(
                "{} unknown or custom entity reference(s) ({}) kept as literal text, not expanded",
                self.unknown_entity_count,
                names(&self.unknown_entities)
            ));
        }
        if self.stray_amp > 0 {
            out.push(format!("{} stray '&' escaped as &amp;", self.stray_amp));
        }
        if self.stray_lt > 0 {
            out.push(format!("{} stray '<' escaped as &lt;", self.stray_lt));
        }
        if self.bad_char_refs > 0 {
            out.push(format!(
                "{} character reference(s) to characters XML forbids replaced by U+FFFD",
                self.bad_char_refs
            ));
        }
        if self.c1_char_refs > 0 {
            out.push(format!(
                "{} character reference(s) to C1 controls read as windows-1252",
                self.c1_char_refs
            ));
        }
        out
    }
}

/// A parsed start tag: byte offsets into the source text.
struct Tag<'a> {
    /// Qualified name.
    name: &'a str,
    attrs: Vec<Attr<'a>>,
    self_closing: bool,
    /// Offset just past the closing `>`.
    end: usize,
}

struct Attr<'a> {
    name: &'a str,
    /// Raw value, without quotes, entities unresolved.
    value: &'a str,
}

impl Tag<'_> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == name).map(|a| a.value)
    }

    fn prefix(&self) -> Option<&str> {
        self.name.split_once(':').map(|(p, _)| p)
    }

    fn local(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(self.name)
    }
}

/// How an Atom text construct's type is normalised into what feed-rs accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextType {
    Absent,
    Text,
    Html,
    Xhtml,
    /// A non-text media type (an image, a PDF…): nothing a reader can search.
    Binary,
}

struct Repairer<'a> {
    src: &'a str,
    out: String,
    pos: usize,
    log: Log,
}

impl<'a> Repairer<'a> {
    fn new(src: &'a str) -> Self {
        Repairer {
            src,
            out: String::with_capacity(src.len() + src.len() / 32 + 64),
            pos: 0,
            log: Log::default(),
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    /// Copies the source up to `end` (and moves there).
    fn copy_to(&mut self, end: usize) {
        self.out.push_str(&self.src[self.pos..end]);
        self.pos = end;
    }

    /// Offset just past the first `needle` at or after `from`, or the end of the text.
    fn past(&self, from: usize, needle: &str) -> usize {
        self.src[from..]
            .find(needle)
            .map_or(self.src.len(), |i| from + i + needle.len())
    }

    fn run(&mut self) -> Option<Root> {
        let tag = self.prolog()?;
        let (name, kind) = (tag.name.to_owned(), classify(&tag));
        let root = Root {
            name,
            kind: kind.clone(),
        };
        if kind == RootKind::Other {
            return Some(root);
        }
        self.write_root(&tag, &kind);
        let atom03 = matches!(
            kind,
            RootKind::Atom { atom03: true } | RootKind::AtomEntry { atom03: true }
        );
        let atom = matches!(kind, RootKind::Atom { .. } | RootKind::AtomEntry { .. });
        let atom_prefix = tag.prefix().map(str::to_owned);
        self.body(
            if tag.self_closing { 0 } else { 1 },
            atom,
            atom03,
            atom_prefix.as_deref(),
        );
        Some(root)
    }

    /// Walks the prolog, dropping junk (text, BOM remnants, stray `<`, anything before the
    /// XML declaration) and the DOCTYPE, and returns the root start tag.
    fn prolog(&mut self) -> Option<Tag<'a>> {
        let mut dropped_text = false;
        loop {
            let Some(lt) = self.rest().find('<').map(|i| self.pos + i) else {
                if !self.rest().trim().is_empty() || !self.out.trim().is_empty() {
                    self.log.note("no root element found");
                }
                self.pos = self.src.len();
                return None;
            };
            let between = &self.src[self.pos..lt];
            if between.trim_matches(|c: char| c.is_whitespace()).is_empty() {
                self.copy_to(lt);
            } else {
                dropped_text = true;
                self.pos = lt;
            }
            let rest = self.rest();
            if is_xml_declaration(rest) {
                if !self.out.is_empty() || dropped_text {
                    let what = if self.out.contains("<!--") {
                        "comment"
                    } else if self.out.trim().is_empty() && !dropped_text {
                        "whitespace"
                    } else {
                        "text"
                    };
                    self.log
                        .note(format!("{what} before the XML declaration removed"));
                    self.out.clear();
                    dropped_text = false;
                }
                let end = self.past(self.pos, "?>");
                self.copy_to(end);
            } else if rest.starts_with("<!--") {
                let end = self.past(self.pos, "-->");
                self.copy_to(end);
            } else if rest.starts_with("<?") {
                let end = self.past(self.pos, "?>");
                self.copy_to(end);
            } else if rest
                .get(..9)
                .is_some_and(|r| r.eq_ignore_ascii_case("<!DOCTYPE"))
            {
                let end = doctype_end(self.src, self.pos);
                // quick-xml never expands DTD entities, but declarations in an internal subset
                // show the document relies on them; their references become literal text.
                if self.src[self.pos..end].contains("<!ENTITY") {
                    self.log
                        .note("DOCTYPE with entity declarations removed; entities not expanded");
                }
                self.pos = end;
            } else if rest[1..].starts_with(is_name_start) {
                if dropped_text {
                    self.log.note("text before the root element removed");
                }
                return match parse_tag(self.src, self.pos) {
                    Some(tag) => Some(tag),
                    None => {
                        // An unterminated root tag: keep it so feed-rs reports the truncation.
                        let name_len = rest[1..]
                            .find(|c: char| !is_name_char(c))
                            .unwrap_or(rest.len() - 1);
                        let name = &rest[1..1 + name_len];
                        self.copy_to(self.src.len());
                        Some(Tag {
                            name,
                            attrs: Vec::new(),
                            self_closing: false,
                            end: self.src.len(),
                        })
                    }
                };
            } else {
                dropped_text = true;
                self.pos += 1;
            }
        }
    }

    /// Writes the root start tag, adapting the attributes feed-rs dispatches on.
    fn write_root(&mut self, tag: &Tag<'a>, kind: &RootKind) {
        if tag.end <= self.pos {
            return; // an unterminated root was copied already
        }
        let mut attrs: Vec<(String, String)> = tag
            .attrs
            .iter()
            .map(|a| {
                let mut v = a.value.to_owned();
                // A line break inside a namespace URI (FeedBurner, YouTube) makes it unknown.
                if a.name.starts_with("xmlns") && v.contains(char::is_whitespace) {
                    v.retain(|c| !c.is_whitespace());
                    self.log.note(format!(
                        "whitespace inside the namespace URI of {} removed",
                        a.name
                    ));
                }
                (a.name.to_owned(), v)
            })
            .collect();
        let set = |attrs: &mut Vec<(String, String)>, name: &str, value: &str| match attrs
            .iter_mut()
            .find(|(n, _)| n == name)
        {
            Some(a) => a.1 = value.to_owned(),
            None => attrs.push((name.to_owned(), value.to_owned())),
        };
        match kind {
            RootKind::Rss { version } => {
                let v = version.as_deref().map(str::trim);
                if !matches!(v, Some("2.0" | "0.91" | "0.92")) {
                    // 0.93/0.94 and version-less RSS are read as RSS 2.0, their superset.
                    set(&mut attrs, "version", "2.0");
                }
                // feed-rs only reads un-namespaced RSS; a default namespace such as
                // Userland's http://backend.userland.com/rss2 would hide every element.
                attrs.retain(|(n, _)| n != "xmlns");
            }
            RootKind::Rdf { .. } => {
                if attrs
                    .iter()
                    .any(|(n, v)| n == "xmlns" && v.as_str() != RSS1_NS)
                {
                    set(&mut attrs, "xmlns", RSS1_NS);
                }
            }
            RootKind::Atom { .. } | RootKind::AtomEntry { .. } => {
                let ns_attr = match tag.prefix() {
                    Some(p) => format!("xmlns:{p}"),
                    None => "xmlns".to_owned(),
                };
                if attrs.iter().any(|(n, v)| *n == ns_attr && v != ATOM_NS) {
                    set(&mut attrs, &ns_attr, ATOM_NS);
                }
            }
            RootKind::Other => {}
        }
        self.out.push('<');
        self.out.push_str(tag.name);
        for (name, value) in &attrs {
            self.push_attr(name, value);
        }
        self.out.push_str(if tag.self_closing { "/>" } else { ">" });
        self.pos = tag.end;
    }

    /// Writes ` name="value"`, repairing entity references in the raw value.
    fn push_attr(&mut self, name: &str, raw: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        let mut i = 0;
        while let Some(j) = raw[i..].find(['&', '"', '<']).map(|j| i + j) {
            self.out.push_str(&raw[i..j]);
            i = match raw.as_bytes()[j] {
                b'&' => j + self.reference(&raw[j..]),
                b'"' => {
                    self.out.push_str("&quot;");
                    j + 1
                }
                _ => {
                    self.out.push_str("&lt;");
                    j + 1
                }
            };
        }
        self.out.push_str(&raw[i..]);
        self.out.push('"');
    }

    /// The element content after the root start tag.
    fn body(&mut self, mut depth: usize, atom: bool, atom03: bool, atom_prefix: Option<&str>) {
        // (depth of an element, name its end tag must be written with)
        let mut renames: Vec<(usize, String)> = Vec::new();
        // Depth of the text construct or foreign-namespace subtree being copied verbatim.
        let mut opaque: Option<usize> = None;
        let mut entry_has_issued = true;
        let bytes = self.bytes();
        while let Some(off) = bytes[self.pos..]
            .iter()
            .position(|&b| b == b'<' || b == b'&')
        {
            let at = self.pos + off;
            self.copy_to(at);
            if bytes[at] == b'&' {
                let used = self.reference(&self.src[at..]);
                self.pos = at + used;
                continue;
            }
            let rest = self.rest();
            if rest.starts_with("<!--") {
                let end = self.past(at, "-->");
                self.copy_to(end);
            } else if rest.starts_with("<![CDATA[") {
                let end = self.past(at, "]]>");
                self.copy_to(end);
            } else if is_xml_declaration(rest) {
                // A second XML declaration (feeds pasted together): not XML, and the parser
                // would switch encodings mid-document on it.
                self.log.note("XML declaration inside the document removed");
                self.pos = self.past(at, "?>");
            } else if rest.starts_with("<?") {
                let end = self.past(at, "?>");
                self.copy_to(end);
            } else if rest.starts_with("<!") {
                let end = self.past(at, ">");
                self.copy_to(end);
            } else if rest.starts_with("</") {
                let end = self.past(at, ">");
                depth = depth.saturating_sub(1);
                if opaque.is_some_and(|d| d > depth) {
                    opaque = None;
                }
                match renames.last() {
                    Some((d, name)) if *d == depth + 1 => {
                        self.out.push_str("</");
                        self.out.push_str(name);
                        self.out.push('>');
                        self.pos = end;
                        renames.pop();
                    }
                    _ => self.copy_to(end),
                }
                if depth == 0 {
                    // Whatever follows the root's end tag is not part of the document.
                    // Trailing comments (cache stamps) are harmless; elements are not.
                    let tail = self.rest().as_bytes();
                    if tail
                        .windows(2)
                        .any(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
                    {
                        self.log.note("content after the root element ignored");
                    }
                    return;
                }
            } else if rest[1..].starts_with(is_name_start) {
                let Some(tag) = parse_tag(self.src, at) else {
                    self.copy_to(self.src.len());
                    return;
                };
                let in_atom_ns = atom
                    && opaque.is_none()
                    && (tag.prefix().is_none() || tag.prefix() == atom_prefix)
                    && tag.attr("xmlns").is_none_or(|ns| ns == ATOM_NS);
                if atom && opaque.is_none() && !in_atom_ns && !tag.self_closing {
                    // Foreign markup (e.g. an extension with its own default namespace).
                    opaque = Some(depth + 1);
                }
                let rename = if in_atom_ns {
                    if atom03 && tag.local() == "entry" {
                        let end = self.src[tag.end..]
                            .find("entry>")
                            .map_or(self.src.len(), |i| tag.end + i);
                        entry_has_issued = self.src[tag.end..end].contains("issued>");
                    }
                    self.atom_start_tag(&tag, atom03, entry_has_issued, &mut opaque, depth + 1)
                } else {
                    self.copy_tag(&tag);
                    None
                };
                if !tag.self_closing {
                    depth += 1;
                    if let Some(name) = rename {
                        renames.push((depth, name));
                    }
                }
            } else {
                self.log.stray_lt += 1;
                self.out.push_str("&lt;");
                self.pos = at + 1;
            }
        }
        self.copy_to(self.src.len());
    }

    /// Copies a start tag, repairing entity references in its attribute values.
    fn copy_tag(&mut self, tag: &Tag<'a>) {
        let raw = &self.src[self.pos..tag.end];
        if !raw.contains('&') {
            self.copy_to(tag.end);
            return;
        }
        self.out.push('<');
        self.out.push_str(tag.name);
        for a in &tag.attrs {
            self.push_attr(a.name, a.value);
        }
        self.out.push_str(if tag.self_closing { "/>" } else { ">" });
        self.pos = tag.end;
    }

    /// Writes an Atom start tag, normalising text constructs and Atom 0.3 names; returns the
    /// name its end tag must be renamed to, if renamed.
    fn atom_start_tag(
        &mut self,
        tag: &Tag<'a>,
        atom03: bool,
        entry_has_issued: bool,
        opaque: &mut Option<usize>,
        depth: usize,
    ) -> Option<String> {
        let local = tag.local();
        let renamed_local = match local {
            "issued" if atom03 => Some("published"),
            "created" if atom03 && !entry_has_issued => Some("published"),
            "modified" if atom03 => Some("updated"),
            "tagline" if atom03 => Some("subtitle"),
            "copyright" if atom03 => Some("rights"),
            "url" if atom03 => Some("uri"),
            _ => None,
        };
        let effective = renamed_local.unwrap_or(local);
        let is_text = matches!(effective, "title" | "subtitle" | "summary" | "rights");
        let is_content = effective == "content";
        if !is_text && !is_content {
            match renamed_local {
                Some(new) => {
                    let name = qualify(tag.prefix(), new);
                    self.write_tag(&name, tag, &[], &[]);
                    return Some(name);
                }
                None => {
                    self.copy_tag(tag);
                    return None;
                }
            }
        }
        let name = qualify(tag.prefix(), effective);
        if !tag.self_closing {
            *opaque = Some(depth);
        }
        let mode = tag.attr("mode").map(|m| m.trim().to_ascii_lowercase());
        let declared = tag.attr("type").map(|t| t.trim().to_ascii_lowercase());
        let base = classify_type(declared.as_deref());
        let (has_children, has_text) = if tag.self_closing {
            (false, false)
        } else {
            content_shape(&self.src[tag.end..])
        };

        if mode.as_deref() == Some("base64") && !tag.self_closing {
            return self.base64_content(tag, &name, base, is_content);
        }
        let escaped = mode.as_deref() == Some("escaped");
        let normalised = match base {
            TextType::Xhtml if escaped || !has_children => TextType::Html,
            TextType::Absent | TextType::Text | TextType::Html if !escaped && has_children => {
                TextType::Xhtml
            }
            TextType::Binary if !is_content => TextType::Text,
            other => other,
        };
        if is_content && tag.attr("src").is_some() {
            let mime = match base {
                TextType::Text => Some("text/plain".to_owned()),
                TextType::Html => Some("text/html".to_owned()),
                TextType::Xhtml => Some("application/xhtml+xml".to_owned()),
                TextType::Binary => declared.filter(|d| looks_like_mime(d)),
                TextType::Absent => None,
            };
            let mut set: Vec<(&str, String)> = Vec::new();
            let mut drop = vec!["mode", "type"];
            if let Some(m) = mime {
                set.push(("type", m));
            }
            if has_children || has_text {
                // feed-rs rejects out-of-line content that also has inline content.
                drop.push("src");
                if let Some(t) = type_attr(normalised) {
                    set.push(("type", t.to_owned()));
                }
            }
            self.write_tag(&name, tag, &drop, &set);
            return (renamed_local.is_some()).then_some(name);
        }
        if normalised == TextType::Binary {
            // Base64 of an image or a PDF: feed-rs would keep the base64 text as content.
            let skipped = qualify(tag.prefix(), SKIPPED);
            self.write_tag(&skipped, tag, &[], &[]);
            return Some(skipped);
        }
        let mut set: Vec<(&str, String)> = Vec::new();
        if let Some(t) = type_attr(normalised) {
            set.push(("type", t.to_owned()));
        }
        self.write_tag(&name, tag, &["mode", "type"], &set);
        (renamed_local.is_some()).then_some(name)
    }

    /// Replaces base64 inline content (Atom 0.3 `mode="base64"`) by its decoded text.
    fn base64_content(
        &mut self,
        tag: &Tag<'a>,
        name: &str,
        base: TextType,
        is_content: bool,
    ) -> Option<String> {
        let close = format!("</{}", tag.name);
        let Some(len) = self.src[tag.end..].find(&close) else {
            self.copy_tag(tag);
            return None;
        };
        let inner = &self.src[tag.end..tag.end + len];
        let decoded = decode_base64(inner).map(|b| String::from_utf8_lossy(&b).into_owned());
        let renamed = name != tag.name;
        match (base, decoded) {
            (TextType::Binary, _) if is_content => {
                let skipped = qualify(tag.prefix(), SKIPPED);
                self.write_tag(&skipped, tag, &[], &[]);
                self.pos = tag.end + len;
                Some(skipped)
            }
            (_, Some(text)) => {
                let t = if base == TextType::Text || base == TextType::Binary {
                    "text"
                } else {
                    "html"
                };
                self.write_tag(name, tag, &["mode", "type"], &[("type", t.to_owned())]);
                escape_text_into(&mut self.out, &text);
                self.pos = tag.end + len;
                renamed.then(|| name.to_owned())
            }
            (_, None) => {
                self.log.note("undecodable base64 content dropped");
                self.write_tag(name, tag, &["mode", "type"], &[("type", "text".to_owned())]);
                self.pos = tag.end + len;
                renamed.then(|| name.to_owned())
            }
        }
    }

    /// Writes a start tag under `name`, without the `drop` attributes and with `set` ones.
    fn write_tag(&mut self, name: &str, tag: &Tag<'a>, drop: &[&str], set: &[(&str, String)]) {
        self.out.push('<');
        self.out.push_str(name);
        for a in &tag.attrs {
            if !drop.contains(&a.name) && !set.iter().any(|(n, _)| *n == a.name) {
                self.push_attr(a.name, a.value);
            }
        }
        for (n, v) in set {
            self.push_attr(n, v);
        }
        self.out.push_str(if tag.self_closing { "/>" } else { ">" });
        self.pos = tag.end;
    }

    /// Handles the `&` at the start of `s`: writes the repaired reference and returns how
    /// many bytes of `s` it consumed.
    fn reference(&mut self, s: &str) -> usize {
        let b = s.as_bytes();
        if b.get(1) == Some(&b'#') {
            let hex = matches!(b.get(2), Some(b'x' | b'X'));
            let digits_at = if hex { 3 } else { 2 };
            let digits = b[digits_at.min(b.len())..]
                .iter()
                .take(10)
                .take_while(|c| {
                    if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .count();
            let semi = digits_at + digits;
            if digits > 0 && b.get(semi) == Some(&b';') {
                let value = u32::from_str_radix(&s[digits_at..semi], if hex { 16 } else { 10 })
                    .unwrap_or(u32::MAX);
                match value {
                    0x80..=0x9F => {
                        self.log.c1_char_refs += 1;
                        let c = C1_REPLACEMENTS[(value - 0x80) as usize].unwrap_or('\u{FFFD}');
                        push_char_escaped(&mut self.out, c);
                    }
                    v if char::from_u32(v).is_some_and(is_xml_char) => {
                        self.out.push_str(&s[..=semi]);
                    }
                    _ => {
                        self.log.bad_char_refs += 1;
                        self.out.push('\u{FFFD}');
                    }
                }
                return semi + 1;
            }
            self.log.stray_amp += 1;
            self.out.push_str("&amp;");
            return 1;
        }
        let name_len = b[1..]
            .iter()
            .take(40)
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
            .count();
        let semi = 1 + name_len;
        if name_len == 0 || b.get(semi) != Some(&b';') {
            self.log.stray_amp += 1;
            self.out.push_str("&amp;");
            return 1;
        }
        let name = &s[1..semi];
        if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
            self.out.push_str(&s[..=semi]);
            return semi + 1;
        }
        match NAMED_ENTITIES.get(&s[1..=semi]) {
            Some(&(c1, c2)) if c1 != 0 => {
                self.log.html_entity_count += 1;
                if self.log.html_entities.len() < 5 {
                    self.log.html_entities.insert(name.to_owned());
                }
                for cp in [c1, c2] {
                    if let Some(c) = char::from_u32(cp).filter(|_| cp != 0) {
                        push_char_escaped(&mut self.out, c);
                    }
                }
            }
            _ => {
                self.log.unknown_entity_count += 1;
                if self.log.unknown_entities.len() < 5 {
                    self.log.unknown_entities.insert(name.to_owned());
                }
                self.out.push_str("&amp;");
                self.out.push_str(name);
                self.out.push(';');
            }
        }
        semi + 1
    }
}

fn classify(tag: &Tag<'_>) -> RootKind {
    let default_ns = tag.attr("xmlns").map(str::trim);
    let own_ns = match tag.prefix() {
        Some(p) => tag
            .attrs
            .iter()
            .find(|a| a.name.strip_prefix("xmlns:") == Some(p))
            .map(|a| a.value.trim()),
        None => default_ns,
    };
    match tag.local() {
        "rss" => RootKind::Rss {
            version: tag.attr("version").map(str::to_owned),
        },
        "RDF" => RootKind::Rdf {
            rss090: default_ns.is_some_and(|ns| ns.contains("my.netscape.com/rdf/simple/0.9")),
        },
        "feed" => RootKind::Atom {
            atom03: own_ns == Some(ATOM03_NS),
        },
        "entry" => RootKind::AtomEntry {
            atom03: own_ns == Some(ATOM03_NS),
        },
        _ => RootKind::Other,
    }
}

fn qualify(prefix: Option<&str>, local: &str) -> String {
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_owned(),
    }
}

fn classify_type(declared: Option<&str>) -> TextType {
    match declared {
        None | Some("") => TextType::Absent,
        Some("text" | "text/plain") => TextType::Text,
        Some("html" | "text/html") => TextType::Html,
        Some("xhtml" | "application/xhtml+xml") => TextType::Xhtml,
        Some(t) if t.starts_with("text/") => TextType::Text,
        Some(t) if t.ends_with("+xml") || t.ends_with("/xml") => TextType::Xhtml,
        Some(t) if looks_like_mime(t) => TextType::Binary,
        // A garbled type is more likely text than an image.
        Some(_) => TextType::Text,
    }
}

fn type_attr(t: TextType) -> Option<&'static str> {
    match t {
        TextType::Text => Some("text"),
        TextType::Html => Some("html"),
        TextType::Xhtml => Some("xhtml"),
        TextType::Absent | TextType::Binary => None,
    }
}

fn looks_like_mime(t: &str) -> bool {
    t.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && !t.contains(char::is_whitespace)
            && t.bytes().filter(|&c| c == b'/').count() == 1
    })
}

/// Whether the content after a start tag holds child elements, and non-blank text, looking
/// only as far as the first markup.
fn content_shape(after: &str) -> (bool, bool) {
    let lt = after.find('<').unwrap_or(after.len());
    let has_text = !after[..lt].trim().is_empty();
    let markup = &after[lt..];
    let has_children = !markup.starts_with("</")
        && !markup.starts_with("<![CDATA[")
        && !markup.starts_with("<!--")
        && !markup.is_empty();
    (has_children, has_text || markup.starts_with("<![CDATA["))
}

/// Parses the start tag at `start` (which holds `<` and a name start character).
fn parse_tag(src: &str, start: usize) -> Option<Tag<'_>> {
    let b = src.as_bytes();
    let name_end = src[start + 1..]
        .find(|c: char| !is_name_char(c))
        .map_or(src.len(), |i| start + 1 + i);
    let name = &src[start + 1..name_end];
    let mut attrs = Vec::new();
    let mut i = name_end;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i)? {
            b'>' => {
                return Some(Tag {
                    name,
                    attrs,
                    self_closing: false,
                    end: i + 1,
                });
            }
            b'/' if b.get(i + 1) == Some(&b'>') => {
                return Some(Tag {
                    name,
                    attrs,
                    self_closing: true,
                    end: i + 2,
                });
            }
            _ => {}
        }
        let an_start = i;
        while i < b.len() && !matches!(b[i], b'=' | b'>' | b'/') && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let an = &src[an_start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            if an.is_empty() {
                // A lone '/' or similar junk inside the tag: skip it.
                i += 1;
            } else {
                // An HTML-style attribute without a value.
                attrs.push(Attr {
                    name: an,
                    value: an,
                });
            }
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = *b.get(i)?;
        let (vs, ve) = if quote == b'"' || quote == b'\'' {
            let close = src[i + 1..].find(quote as char)? + i + 1;
            let r = (i + 1, close);
            i = close + 1;
            r
        } else {
            let vs = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                i += 1;
            }
            (vs, i)
        };
        attrs.push(Attr {
            name: an,
            value: &src[vs..ve],
        });
    }
}

/// End of a `<!DOCTYPE …>` declaration, skipping its internal subset and quoted strings.
fn doctype_end(src: &str, start: usize) -> usize {
    let b = src.as_bytes();
    let mut i = start + 2;
    let mut bracket = 0usize;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'[' => bracket += 1,
                b']' => bracket = bracket.saturating_sub(1),
                b'>' if bracket == 0 => return i + 1,
                _ => {}
            },
        }
        i += 1;
    }
    src.len()
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == ':'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// Pushes a character into XML text, as a reference when it is markup.
fn push_char_escaped(out: &mut String, c: char) {
    match c {
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '&' => out.push_str("&amp;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&apos;"),
        c if !is_xml_char(c) => {
            let _ = write!(out, "&#{};", 0xFFFD);
        }
        c => out.push(c),
    }
}

fn escape_text_into(out: &mut String, text: &str) {
    for c in text.chars() {
        push_char_escaped(out, c);
    }
}

/// Decodes standard or URL-safe base64, ignoring whitespace; `None` when malformed.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> Repaired {
        repair(s)
    }

    /// Found by fuzzing (tests/fixtures/fuzz/): "<" then three "’" is over 9 bytes long,
    /// but byte 9 is inside a character.
    #[test]
    fn a_short_tag_of_multibyte_characters_is_not_sliced_inside_one() {
        for text in [
            "<\u{2019}\u{2019}\u{2019}",
            "<!DOCTYP\u{e9}",
            "<!\u{2019}\u{2019}\u{2019}",
        ] {
            assert!(fix(text).root.is_none(), "{text}");
        }
    }

    /// Found by fuzzing: quick-xml panics when a second declaration names another encoding.
    #[test]
    fn a_second_xml_declaration_is_removed() {
        let r = fix(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
             <?xml version=\"1.0\" encoding=\"iso-8859-1\"?><title>T</title></channel></rss>",
        );
        assert!(!r.text[5..].contains("<?xml"), "{}", r.text);
        assert!(r.text.contains("<title>T</title>"), "{}", r.text);
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("XML declaration inside")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn clean_rss_is_unchanged_and_reports_nothing() {
        let s = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>A &amp; B</title></channel></rss>";
        let r = fix(s);
        assert_eq!(r.text, s);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(
            r.root.unwrap().kind,
            RootKind::Rss {
                version: Some("2.0".into())
            }
        );
    }

    #[test]
    fn html_entities_become_characters() {
        let r = fix("<rss version=\"2.0\"><t>a&nbsp;b&eacute;c&mdash;d&LT;</t></rss>");
        assert_eq!(r.text, "<rss version=\"2.0\"><t>a\u{a0}béc—d&lt;</t></rss>");
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].contains("&nbsp;"), "{:?}", r.problems);
    }

    #[test]
    fn stray_ampersands_are_escaped_everywhere() {
        let r =
            fix("<rss version=\"2.0\"><a href=\"x?a=1&b=2\">Space & Missile &copy 2026</a></rss>");
        assert_eq!(
            r.text,
            "<rss version=\"2.0\"><a href=\"x?a=1&amp;b=2\">Space &amp; Missile &amp;copy 2026</a></rss>"
        );
        assert!(
            r.problems.iter().any(|p| p.contains("3 stray '&'")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn cdata_and_comments_are_not_touched() {
        let s = "<rss version=\"2.0\"><d><![CDATA[<p>R&D &nbsp; <b>x</b></p>]]></d><!-- a & b --></rss>";
        let r = fix(s);
        assert_eq!(r.text, s);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn numeric_references_are_checked() {
        let r = fix("<rss><t>&#8217;&#146;&#0;&#x1F600;&#;</t></rss>");
        assert!(
            r.text.contains("<t>&#8217;’\u{FFFD}&#x1F600;&amp;#;</t>"),
            "{}",
            r.text
        );
        assert_eq!(r.problems.len(), 3, "{:?}", r.problems);
    }

    #[test]
    fn unknown_and_custom_entities_stay_literal() {
        let s = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><rss version=\"2.0\"><t>&lol2;</t></rss>";
        let r = fix(s);
        assert_eq!(
            r.text,
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><t>&amp;lol2;</t></rss>"
        );
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    }

    #[test]
    fn junk_before_declaration_and_root_is_removed() {
        let r = fix("\n\n<?xml version=\"1.0\"?><rss version=\"2.0\"/>");
        assert_eq!(r.text, "<?xml version=\"1.0\"?><rss version=\"2.0\"/>");
        assert!(r.problems[0].contains("whitespace"));
        let r = fix("<!-- generated --><?xml version=\"1.0\"?>\n<rss version=\"2.0\"/>");
        assert_eq!(r.text, "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"/>");
        assert!(r.problems[0].contains("comment"));
        let r = fix("ï»¿junk<?xml version=\"1.0\"?>\u{feff}<rss version=\"2.0\"/>");
        assert_eq!(r.text, "<?xml version=\"1.0\"?><rss version=\"2.0\"/>");
        assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
    }

    #[test]
    fn rss_without_version_or_with_093_is_read_as_rss2() {
        let r = fix("<rss><channel/></rss>");
        assert_eq!(r.text, "<rss version=\"2.0\"><channel/></rss>");
        assert_eq!(r.root.unwrap().kind, RootKind::Rss { version: None });
        let r = fix(
            "<rss version=\"0.94\" xmlns=\"http://backend.userland.com/rss2\"><channel/></rss>",
        );
        assert_eq!(r.text, "<rss version=\"2.0\"><channel/></rss>");
    }

    #[test]
    fn rss090_namespace_is_mapped_to_rss1() {
        let r = fix(
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><item/></rdf:RDF>",
        );
        assert!(
            r.text.contains("xmlns=\"http://purl.org/rss/1.0/\""),
            "{}",
            r.text
        );
        assert_eq!(r.root.unwrap().kind, RootKind::Rdf { rss090: true });
    }

    #[test]
    fn atom03_is_rewritten_to_atom1() {
        let s = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><tagline>T</tagline><entry><title mode="escaped" type="text/html">&lt;b&gt;x</title><issued>2026-01-02T00:00:00Z</issued><created>2025-01-01T00:00:00Z</created><modified>2026-01-03T00:00:00Z</modified><author><name>A</name><url>http://a</url></author><content type="text/plain" mode="base64">SGVsbG8gPFdvcmxkPg==</content></entry></feed>"#;
        let r = fix(s);
        assert_eq!(
            r.text,
            r#"<feed version="0.3" xmlns="http://www.w3.org/2005/Atom"><subtitle>T</subtitle><entry><title type="html">&lt;b&gt;x</title><published>2026-01-02T00:00:00Z</published><created>2025-01-01T00:00:00Z</created><updated>2026-01-03T00:00:00Z</updated><author><name>A</name><uri>http://a</uri></author><content type="text">Hello &lt;World&gt;</content></entry></feed>"#
        );
        assert_eq!(r.root.unwrap().kind, RootKind::Atom { atom03: true });
        let r = fix(
            r#"<feed xmlns="http://purl.org/atom/ns#"><entry><created>2025-01-01T00:00:00Z</created></entry></feed>"#,
        );
        assert!(
            r.text
                .contains("<published>2025-01-01T00:00:00Z</published>"),
            "{}",
            r.text
        );
    }

    #[test]
    fn atom_text_types_are_normalised() {
        let r = fix(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="TEXT/PLAIN">t</title><summary type="html"><p>raw</p></summary><content type="image/png">iVBORw0KGgo=</content><content type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml"><title>x</title></div></content></entry></feed>"#,
        );
        assert_eq!(
            r.text,
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">t</title><summary type="xhtml"><p>raw</p></summary><govwatch-skipped type="image/png">iVBORw0KGgo=</govwatch-skipped><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><title>x</title></div></content></entry></feed>"#
        );
    }

    #[test]
    fn non_feed_roots_are_reported() {
        let r = fix("<!DOCTYPE html>\n<html><body>&nbsp;</body></html>");
        assert_eq!(
            r.root,
            Some(Root {
                name: "html".into(),
                kind: RootKind::Other
            })
        );
        assert!(fix("   ").root.is_none());
        assert!(fix("<?xml version=\"1.0\"?>").root.is_none());
    }

    #[test]
    fn stray_less_than_is_escaped() {
        let r = fix("<rss version=\"2.0\"><t>a < b</t></rss>");
        assert_eq!(r.text, "<rss version=\"2.0\"><t>a &lt; b</t></rss>");
    }

    #[test]
    fn base64_decoder() {
        assert_eq!(decode_base64("SGVs\nbG8=").unwrap(), b"Hello");
        assert!(decode_base64("a*b").is_none());
    }
}
