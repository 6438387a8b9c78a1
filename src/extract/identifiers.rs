//! Strong identifiers in item text: bill numbers, public laws, Federal Register document
//! numbers and citations, CFR citations, RINs, regulations.gov dockets, executive orders, OMB
//! memoranda, GAO reports and bid-protest decisions, contract numbers (PIIDs) and solicitation
//! numbers. Each comes out in one canonical form however it was written ("HR-8756" and
//! "H. R. 8756" are both "H.R. 8756"), because items that share one are about the same matter:
//! that is what ties a proposed rule to its final rule, or a solicitation to its award, into a
//! thread across time, and what `ident:` searches match ([`canonical`] parses those).
//!
//! This runs on every ingested item, bodies included, so it works on bytes and anchors on
//! digits: every identifier has one, most text has few, and each digit run is judged by the
//! shape of the token around it and a few bytes of context either side. Nothing is allocated
//! for text that names no identifier (unless it uses Unicode dashes or no-break spaces, which
//! are rewritten to ASCII first so that "M‑24‑10" reads as "M-24-10").

use std::borrow::Cow;

/// What an identifier names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    /// A bill or resolution: "H.R. 1234", "S.J.Res. 7".
    Bill,
    /// An enacted law: "Pub. L. 118-31".
    PublicLaw,
    /// A Federal Register document number: "2025-02305".
    FrDoc,
    /// A Federal Register page: "89 FR 73612".
    FrCitation,
    /// A Code of Federal Regulations title, part or section: "15 CFR 702".
    Cfr,
    /// A Regulation Identifier Number: "0694-AJ55".
    Rin,
    /// A regulations.gov (or agency) docket: "EPA-HQ-OPP-2024-0010".
    Docket,
    /// "EO 14110".
    ExecutiveOrder,
    /// "M-24-10".
    OmbMemo,
    /// A GAO report: "GAO-24-105980".
    Gao,
    /// A GAO bid-protest decision: "B-421234.2".
    BidProtest,
    /// A contract or order number: "N0002423C2305".
    Piid,
    /// A solicitation or notice number: "W912HQ25R0001", or a SAM.gov notice id.
    Solicitation,
}

impl IdKind {
    pub const ALL: [IdKind; 13] = [
        IdKind::Bill,
        IdKind::PublicLaw,
        IdKind::FrDoc,
        IdKind::FrCitation,
        IdKind::Cfr,
        IdKind::Rin,
        IdKind::Docket,
        IdKind::ExecutiveOrder,
        IdKind::OmbMemo,
        IdKind::Gao,
        IdKind::BidProtest,
        IdKind::Piid,
        IdKind::Solicitation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            IdKind::Bill => "bill",
            IdKind::PublicLaw => "public_law",
            IdKind::FrDoc => "fr_doc",
            IdKind::FrCitation => "fr_citation",
            IdKind::Cfr => "cfr",
            IdKind::Rin => "rin",
            IdKind::Docket => "docket",
            IdKind::ExecutiveOrder => "executive_order",
            IdKind::OmbMemo => "omb_memo",
            IdKind::Gao => "gao",
            IdKind::BidProtest => "bid_protest",
            IdKind::Piid => "piid",
            IdKind::Solicitation => "solicitation",
        }
    }

    /// A kind by its name; hyphens and spaces count as underscores ("fr-doc").
    pub fn parse(name: &str) -> Option<IdKind> {
        let name = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        IdKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether two items that share an identifier of this kind are about the same matter (a
    /// thread across time). Citations of the CFR, the Federal Register's pages and public laws
    /// are not: they are the authority that many unrelated documents cite. Nor are executive
    /// orders and OMB memos: on the labelled set (`govwatch eval`), items citing the same EO
    /// or memo were in the same thread only a third of the time, since every later rule, RFI
    /// and report cites the order it implements.
    pub fn is_strong(self) -> bool {
        !matches!(
            self,
            IdKind::FrCitation
                | IdKind::Cfr
                | IdKind::PublicLaw
                | IdKind::ExecutiveOrder
                | IdKind::OmbMemo
        )
    }
}

/// One identifier, in its canonical written form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier {
    pub kind: IdKind,
    pub value: String,
}

/// Every identifier in `text`, in order of first appearance, without duplicates.
pub fn identifiers(text: &str) -> Vec<Identifier> {
    let bytes = ascii_punctuation(text);
    let mut out: Vec<Identifier> = Vec::new();
    for found in Scan::new(&bytes, false) {
        if !out.contains(&found.id) {
            out.push(found.id);
        }
    }
    out
}

/// The one identifier `query` is, as a user types it in a search ("HR 1234", "eo 14110",
/// "m-24-10", "w519tc-25-d-0039", "RIN 0694-AJ55"), in the same canonical form
/// [`identifiers`] gives; `None` unless the whole query is exactly one identifier. Case does
/// not matter, and the cues that text needs (a "protest" near a B-number, "sam.gov" near a
/// notice id) are not asked for.
pub fn canonical(query: &str) -> Option<Identifier> {
    let mut bytes = ascii_punctuation(query).into_owned();
    bytes.make_ascii_uppercase();
    let bytes = bytes.trim_ascii();
    let mut scan = Scan::new(bytes, true);
    let first = scan.next()?;
    if scan.next().is_some() || !bytes[first.end..].trim_ascii().is_empty() {
        return None;
    }
    is_query_label(&bytes[..first.start]).then_some(first.id)
}

/// Words a query may put before the identifier itself ("RIN 0694-AJ55", "Docket EPA-…").
const QUERY_LABELS: &[&str] = &[
    "RIN",
    "DOCKET",
    "DOCKET NO.",
    "DOCKET NUMBER",
    "DOCKET ID",
    "FR DOC.",
    "FR DOC",
    "OMB",
    "OMB MEMO",
    "OMB MEMORANDUM",
    "MEMO",
    "MEMORANDUM",
    "GAO",
    "GAO REPORT",
    "FILE",
    "CONTRACT",
    "CONTRACT NO.",
    "PIID",
    "SOLICITATION",
    "SOLICITATION NO.",
    "SOLICITATION NUMBER",
    "NOTICE ID",
];

fn is_query_label(before: &[u8]) -> bool {
    let label = before.trim_ascii();
    let label = label
        .strip_suffix(b":")
        .or_else(|| label.strip_suffix(b"#"))
        .unwrap_or(label)
        .trim_ascii();
    label.is_empty() || QUERY_LABELS.iter().any(|l| l.as_bytes() == label)
}

/// `text` with no-break and other Unicode spaces as ' ' and Unicode hyphens, dashes and minus
/// signs as '-', so that the scan needs to know only ASCII. Borrowed when there are none.
fn ascii_punctuation(text: &str) -> Cow<'_, [u8]> {
    let b = text.as_bytes();
    // Most text is ASCII, which `is_ascii` checks a word at a time.
    if text.is_ascii() {
        return Cow::Borrowed(b);
    }
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    // Every sequence rewritten starts with one of these two bytes.
    while let Some(k) = b[i..].iter().position(|&c| c == 0xC2 || c == 0xE2) {
        let at = i + k;
        i = at + 1;
        if let Some((c, len)) = ascii_stand_in(b, at) {
            let out = out.get_or_insert_with(|| Vec::with_capacity(b.len()));
            out.extend_from_slice(&b[copied..at]);
            out.push(c);
            copied = at + len;
            i = copied;
        }
    }
    match out {
        None => Cow::Borrowed(b),
        Some(mut out) => {
            out.extend_from_slice(&b[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The ASCII byte that the UTF-8 sequence at `i` stands for, and the sequence's length.
fn ascii_stand_in(b: &[u8], i: usize) -> Option<(u8, usize)> {
    let at = |k: usize| b.get(i + k).copied();
    match (at(0)?, at(1), at(2)) {
        // U+00A0
        (0xC2, Some(0xA0), _) => Some((b' ', 2)),
        // U+2000..U+200A (en/em/thin… spaces), U+202F
        (0xE2, Some(0x80), Some(0x80..=0x8A | 0xAF)) => Some((b' ', 3)),
        // U+2010..U+2015 (hyphens, figure dash, en/em dashes)
        (0xE2, Some(0x80), Some(0x90..=0x95)) => Some((b'-', 3)),
        // U+2212
        (0xE2, Some(0x88), Some(0x92)) => Some((b'-', 3)),
        _ => None,
    }
}

/// An identifier found, with the bytes it spans (context words such as "H.R." included).
struct Found {
    id: Identifier,
    start: usize,
    end: usize,
}

impl Found {
    fn new(kind: IdKind, value: String, start: usize, end: usize) -> Found {
        Found {
            id: Identifier { kind, value },
            start,
            end,
        }
    }
}

/// A run of letters and digits, single hyphens joining them: "EPA-HQ-OPP-2024-0010",
/// "N00024-23-C-2305", "1234". Identifiers are whole tokens, never parts of longer ones.
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
}

/// The identifiers in ASCII-punctuated text, one per token that is one.
struct Scan<'a> {
    b: &'a [u8],
    /// Where the next digit is looked for.
    pos: usize,
    /// Parsing a search term: case is folded already, and cues from context are not needed.
    query: bool,
}

impl Iterator for Scan<'_> {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        loop {
            let rest = self.b.get(self.pos..)?;
            let digit = self.pos + rest.iter().position(u8::is_ascii_digit)?;
            let tok = token_around(self.b, digit);
            self.pos = tok.end;
            if let Some(found) = self.classify(tok) {
                // A citation's page or a section number was read with it: not a new token.
                self.pos = self.pos.max(found.end);
                return Some(found);
            }
        }
    }
}

impl<'a> Scan<'a> {
    fn new(b: &'a [u8], query: bool) -> Scan<'a> {
        Scan { b, pos: 0, query }
    }

    fn text(&self, tok: Tok) -> &'a [u8] {
        &self.b[tok.start..tok.end]
    }

    fn classify(&self, tok: Tok) -> Option<Found> {
        let found = if self.text(tok).iter().all(u8::is_ascii_digit) {
            self.number(tok)
        } else {
            self.shaped(tok)
        };
        found.or_else(|| self.labelled(tok))
    }

    /// A bare number is an identifier only by the words around it.
    fn number(&self, tok: Tok) -> Option<Found> {
        self.fr_citation(tok)
            .or_else(|| self.cfr(tok))
            .or_else(|| self.bill(tok))
            .or_else(|| self.executive_order(tok))
    }

    /// Tokens whose shape says what they are, some with a cue from context.
    fn shaped(&self, tok: Tok) -> Option<Found> {
        let t = self.text(tok);
        let by_shape = fr_doc(t)
            .or_else(|| gao_report(t))
            .or_else(|| omb_memo(t))
            .or_else(|| rin(t))
            .or_else(|| docket(t))
            .or_else(|| contract_number(t))
            .or_else(|| prefixed_number(t, self.query));
        if let Some((kind, value)) = by_shape {
            return Some(Found::new(kind, value, tok.start, tok.end));
        }
        self.public_law(tok)
            .or_else(|| self.bid_protest(tok))
            .or_else(|| self.sam_notice(tok))
    }

    /// A docket or solicitation number of no standard shape, known by its label
    /// ("Docket No. 240605-0154", "Solicitation Number: 70Z0G1-25-Q-ABC123").
    fn labelled(&self, tok: Tok) -> Option<Found> {
        let t = self.text(tok);
        if t.len() < 5 || t.iter().any(u8::is_ascii_lowercase) {
            return None;
        }
        if !is_year(t)
            && let Some(start) = label_before(self.b, tok.start, DOCKET_LABELS)
        {
            return Some(Found::new(IdKind::Docket, ascii(t), start, tok.end));
        }
        let compact = || t.iter().filter(|&&c| c != b'-');
        if compact().count() >= 6
            && let Some(start) = label_before(self.b, tok.start, SOLICITATION_LABELS)
        {
            let value = compact().map(|&c| char::from(c)).collect();
            return Some(Found::new(IdKind::Solicitation, value, start, tok.end));
        }
        None
    }

    /// "89 FR 73612", "89 Fed. Reg. 73612-73620" (the page the range starts on).
    fn fr_citation(&self, tok: Tok) -> Option<Found> {
        let volume = self.text(tok);
        if !is_count(volume, 3) {
            return None;
        }
        let after = ["FR", "Fed. Reg.", "Fed Reg"]
            .into_iter()
            .find_map(|p| phrase_after(self.b, tok.end, p))?;
        let page_start = skip_space(self.b, after);
        let page_end = digits_end(self.b, page_start);
        let page = &self.b[page_start..page_end];
        if !is_count(page, 6) || !ends_word(self.b, page_end) {
            return None;
        }
        let end = range_end(self.b, page_end);
        let mut value = String::with_capacity(volume.len() + page.len() + 4);
        push_ascii(&mut value, volume);
        value.push_str(" FR ");
        push_ascii(&mut value, page);
        Some(Found::new(IdKind::FrCitation, value, tok.start, end))
    }

    /// "15 CFR 702", "15 C.F.R. part 702", "48 CFR 52.204-7", "48 C.F.R." (the title alone).
    fn cfr(&self, tok: Tok) -> Option<Found> {
        let title = self.text(tok);
        if !is_count(title, 2) || digits_value(title) > 50 {
            return None;
        }
        let after = ["CFR", "C. F. R."]
            .into_iter()
            .find_map(|p| phrase_after(self.b, tok.end, p))?;
        let mut value = String::with_capacity(title.len() + 16);
        push_ascii(&mut value, title);
        value.push_str(" CFR");
        let part_word = CFR_PART_WORDS
            .iter()
            .find_map(|w| phrase_after(self.b, after, w));
        let section_start = skip_space(self.b, part_word.unwrap_or(after));
        let mut end = after;
        if let Some(section_end) = cfr_section(self.b, section_start) {
            value.push(' ');
            push_ascii(&mut value, &self.b[section_start..section_end]);
            end = section_end;
        }
        Some(Found::new(IdKind::Cfr, value, tok.start, end))
    }

    /// "H.R. 1234", "S. 3205", "H. J. Res. 7": a number after a bill type.
    fn bill(&self, tok: Tok) -> Option<Found> {
        let number = self.text(tok);
        if number.len() > 5 || number[0] == b'0' {
            return None;
        }
        let (kind, start, dotted) = bill_type_before(self.b, tok.start)?;
        // "HR 2024 trends": human resources, not a bill. A dotted "H.R. 2024" is one.
        if !dotted && !self.query && is_year(number) {
            return None;
        }
        Some(Found::new(
            IdKind::Bill,
            bill_value(kind, number),
            start,
            tok.end,
        ))
    }

    /// "Executive Order 14110", "E.O. 14110", "Executive Order No. 14179".
    fn executive_order(&self, tok: Tok) -> Option<Found> {
        let number = self.text(tok);
        if !is_order_number(number) {
            return None;
        }
        let start = EO_LABELS
            .iter()
            .find_map(|l| phrase_before(self.b, tok.start, l))?;
        Some(Found::new(
            IdKind::ExecutiveOrder,
            order_value(number),
            start,
            tok.end,
        ))
    }

    /// "Public Law 118-31", "Pub. L. No. 118-31", "P.L. 118-31".
    fn public_law(&self, tok: Tok) -> Option<Found> {
        let t = self.text(tok);
        let dash = t.iter().position(|&c| c == b'-')?;
        if !is_count(&t[..dash], 3) || !is_count(&t[dash + 1..], 3) {
            return None;
        }
        let start = PUBLIC_LAW_LABELS
            .iter()
            .find_map(|l| phrase_before(self.b, tok.start, l))?;
        let mut value = String::from("Pub. L. ");
        push_ascii(&mut value, t);
        Some(Found::new(IdKind::PublicLaw, value, start, tok.end))
    }

    /// "B-421234", "B-421234.2", near a word that says it is a GAO decision: the shape alone
    /// would also catch part numbers and the like.
    fn bid_protest(&self, tok: Tok) -> Option<Found> {
        let t = self.text(tok);
        if t.len() != 8 || !t.starts_with(b"B-") || !t[2..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let end = decimal_suffix_end(self.b, tok.end);
        if !self.query && !near_any(self.b, tok.start, end, PROTEST_CUES) {
            return None;
        }
        let value = ascii(&self.b[tok.start..end]);
        Some(Found::new(IdKind::BidProtest, value, tok.start, end))
    }

    /// A SAM.gov notice id: 32 hex digits. Any hash looks like one, so only in a SAM.gov
    /// link or near "sam.gov" or a notice-id label.
    fn sam_notice(&self, tok: Tok) -> Option<Found> {
        let t = self.text(tok);
        if t.len() != 32
            || !t.iter().all(u8::is_ascii_hexdigit)
            || !t.iter().any(u8::is_ascii_alphabetic)
        {
            return None;
        }
        let cited = self.query
            || phrase_before(self.b, tok.start, "opp/").is_some()
            || contains_word(&self.b[tok.start.saturating_sub(80)..tok.start], b"sam.gov")
            || label_before(self.b, tok.start, SOLICITATION_LABELS).is_some();
        let value = t.iter().map(|&c| char::from(c.to_ascii_lowercase()));
        cited.then(|| Found::new(IdKind::Solicitation, value.collect(), tok.start, tok.end))
    }
}

/// The token around the digit at `at`.
fn token_around(b: &[u8], at: usize) -> Tok {
    let joins = |i: usize| b[i] == b'-' && i > 0 && i + 1 < b.len();
    let inside = |i: usize| {
        b[i].is_ascii_alphanumeric()
            || (joins(i) && b[i - 1].is_ascii_alphanumeric() && b[i + 1].is_ascii_alphanumeric())
    };
    let mut start = at;
    while start > 0 && inside(start - 1) {
        start -= 1;
    }
    let mut end = at;
    while end < b.len() && inside(end) {
        end += 1;
    }
    Tok { start, end }
}

/// A Federal Register document number: "2025-02305" (exactly five digits after the year, so
/// "2024-2025" and "2025-01-15" are not).
fn fr_doc(t: &[u8]) -> Option<(IdKind, String)> {
    let shaped = t.len() == 10
        && t[4] == b'-'
        && (t.starts_with(b"19") || t.starts_with(b"20"))
        && t[..4].iter().chain(&t[5..]).all(u8::is_ascii_digit);
    shaped.then(|| (IdKind::FrDoc, ascii(t)))
}

/// "GAO-24-105980", "gao-24-105980" (in links), "GAO-08-1234T", "GAO-20-195G".
fn gao_report(t: &[u8]) -> Option<(IdKind, String)> {
    if t.len() < 10 || !t[..4].eq_ignore_ascii_case(b"GAO-") {
        return None;
    }
    let rest = &t[4..];
    if !rest[..2].iter().all(u8::is_ascii_digit) || rest[2] != b'-' {
        return None;
    }
    let serial = &rest[3..];
    let digits = serial.iter().take_while(|c| c.is_ascii_digit()).count();
    let letters = &serial[digits..];
    let shaped = (3..=6).contains(&digits)
        && letters.len() <= 2
        && letters.iter().all(u8::is_ascii_alphabetic);
    shaped.then(|| (IdKind::Gao, ascii_upper(t)))
}

/// "M-24-10" (not "M-1", a tank).
fn omb_memo(t: &[u8]) -> Option<(IdKind, String)> {
    let shaped = t.len() == 7
        && t.starts_with(b"M-")
        && t[4] == b'-'
        && t[2..4].iter().chain(&t[5..]).all(u8::is_ascii_digit);
    shaped.then(|| (IdKind::OmbMemo, ascii(t)))
}

/// "0694-AJ55": distinctive enough to need no "RIN" before it.
fn rin(t: &[u8]) -> Option<(IdKind, String)> {
    let shaped = t.len() == 9
        && t[4] == b'-'
        && t[..4].iter().chain(&t[7..]).all(u8::is_ascii_digit)
        && t[5..7].iter().all(u8::is_ascii_uppercase);
    shaped.then(|| (IdKind::Rin, ascii(t)))
}

/// First words that make a docket's shape but name no agency ("CVE-2024-3094",
/// "FY-2024-2025").
const NOT_AGENCIES: &[&[u8]] = &[b"CVE", b"CWE", b"FY", b"CY", b"AY", b"ISO", b"IEC", b"GAO"];

/// A regulations.gov docket: agency words, a year, an optional letter code and a serial:
/// "BIS-2024-0047", "EPA-HQ-OPP-2024-0010", "FDA-2024-N-1234", "DoD-2024-OS-0093",
/// "FWS-R8-ES-2024-0001". A document's number is its docket's plus a serial, dropped so that
/// the documents and their docket match.
fn docket(t: &[u8]) -> Option<(IdKind, String)> {
    let mut segments = t.split(|&c| c == b'-');
    let agency = segments.next()?;
    let agency_word = agency.iter().all(u8::is_ascii_uppercase) || agency == b"DoD";
    if agency.len() < 2 || !agency_word || NOT_AGENCIES.contains(&agency) {
        return None;
    }
    let mut len = agency.len();
    let year = loop {
        let segment = segments.next()?;
        len += 1 + segment.len();
        if is_docket_year(segment) {
            break segment;
        }
        if !is_office_code(segment) {
            return None;
        }
    };
    let mut serial = segments.next()?;
    if serial.len() <= 4 && serial.iter().all(u8::is_ascii_uppercase) {
        len += 1 + serial.len();
        serial = segments.next()?;
    }
    len += 1 + serial.len();
    let document = segments.next();
    let shaped = is_serial(serial)
        // "XY-2024-2025" is a span of years
        && digits_value(serial) != digits_value(year) + 1
        && document.is_none_or(is_serial)
        && segments.next().is_none();
    shaped.then(|| (IdKind::Docket, ascii_upper(&t[..len])))
}

/// The years regulations.gov dockets have ("MIL-STD-2045-47001" is a standard, not one).
fn is_docket_year(d: &[u8]) -> bool {
    is_year(d) && (1970..=2039).contains(&digits_value(d))
}

/// "HQ", "OPP", "R8": an office within a docket's agency.
fn is_office_code(segment: &[u8]) -> bool {
    segment.first().is_some_and(u8::is_ascii_uppercase)
        && segment
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_serial(d: &[u8]) -> bool {
    matches!(d.len(), 4 | 5) && d.iter().all(u8::is_ascii_digit)
}

/// The longest PIID: 6-character office, 2-digit year, type, serial of up to 8.
const PIID_MAX: usize = 17;

/// A uniform contract number (FAR 4.16, DFARS 204.16): a 6-character activity address code,
/// a 2-digit fiscal year, an instrument type and a 4- to 8-character serial, dashes allowed
/// between the groups: "N00024-23-C-2305", "W519TC25D0039", "47QTCA22D003G",
/// "HQ0883-25-9-0008". Solicitation types (IFB, RFQ, RFP, sources sought) make it a
/// solicitation number. Canonical: uppercase, dashes dropped.
fn contract_number(t: &[u8]) -> Option<(IdKind, String)> {
    if !(13..=PIID_MAX + 3).contains(&t.len()) {
        return None;
    }
    let mut id = [0u8; PIID_MAX];
    let mut n = 0;
    for &c in t {
        if c == b'-' {
            if !matches!(n, 6 | 8 | 9) {
                return None;
            }
        } else if (c.is_ascii_uppercase() || c.is_ascii_digit()) && n < PIID_MAX {
            id[n] = c;
            n += 1;
        } else {
            return None;
        }
    }
    if n < 13 {
        return None;
    }
    let (office, rest) = id[..n].split_at(6);
    // All letters would be a word; all digits, a phone or serial number.
    let shaped = office.iter().any(u8::is_ascii_digit)
        && office.iter().any(u8::is_ascii_uppercase)
        && rest[..2].iter().all(u8::is_ascii_digit)
        && rest[3..].iter().any(u8::is_ascii_digit);
    let kind = match rest[2] {
        b'B' | b'I' | b'Q' | b'R' | b'S' | b'T' => IdKind::Solicitation,
        // FAR never uses O (it reads as zero).
        b'O' => return None,
        // Grants, cooperative agreements, other assistance, other transactions.
        b'A'..=b'Z' | b'1' | b'2' | b'3' | b'9' => IdKind::Piid,
        _ => return None,
    };
    shaped.then(|| (kind, ascii(&id[..n])))
}

/// "HR1234", "HR-8756", "HRES12", "EO14110": a bill or order number run into its letters.
/// ("S-400" is a missile, so never a bare S.)
fn prefixed_number(t: &[u8], query: bool) -> Option<(IdKind, String)> {
    let split = t.iter().position(u8::is_ascii_digit)?;
    let letters = t[..split].strip_suffix(b"-").unwrap_or(&t[..split]);
    let number = &t[split..];
    let well_formed = letters.first().is_some_and(u8::is_ascii_uppercase)
        && letters.iter().all(u8::is_ascii_alphabetic)
        && number[0] != b'0'
        && number.iter().all(u8::is_ascii_digit);
    if !well_formed {
        return None;
    }
    if letters.eq_ignore_ascii_case(b"EO") {
        return is_order_number(number).then(|| (IdKind::ExecutiveOrder, order_value(number)));
    }
    let kind = bill_type(letters).filter(|&k| k != "S.")?;
    let fits = number.len() <= 5 && (query || !is_year(number));
    fits.then(|| (IdKind::Bill, bill_value(kind, number)))
}

/// Bill types by their letters, dots and spaces dropped ("H. J. Res." is "HJRES").
const BILL_TYPES: [(&[u8], &str); 8] = [
    (b"HR", "H.R."),
    (b"S", "S."),
    (b"HRES", "H.Res."),
    (b"SRES", "S.Res."),
    (b"HJRES", "H.J.Res."),
    (b"SJRES", "S.J.Res."),
    (b"HCONRES", "H.Con.Res."),
    (b"SCONRES", "S.Con.Res."),
];

/// The canonical bill type `prefix` writes, judged by its letters alone.
fn bill_type(prefix: &[u8]) -> Option<&'static str> {
    let mut letters = [0u8; 8];
    let mut n = 0;
    for c in prefix.iter().filter(|c| c.is_ascii_alphabetic()) {
        *letters.get_mut(n)? = c.to_ascii_uppercase();
        n += 1;
    }
    BILL_TYPES
        .iter()
        .find(|(l, _)| *l == &letters[..n])
        .map(|&(_, canonical)| canonical)
}

/// The bill type written just before the number at `number` ("H.R. ", "S.", "H. J. Res."),
/// where it starts, and whether it has dots. Read right to left one letter group at a time,
/// keeping the longest that is a bill type, so that "the Act. S. 3205" is S. 3205 while
/// "the U.S. 2024" and "Sec. 1533" are nothing.
fn bill_type_before(b: &[u8], number: usize) -> Option<(&'static str, usize, bool)> {
    let mut end = skip_space_back(b, number);
    let mut best = None;
    let mut dotted = false;
    for group in 1..=4 {
        let dot = end > 0 && b[end - 1] == b'.';
        let letters_end = end - usize::from(dot);
        let start = alpha_run_start(b, letters_end, 7);
        if start == letters_end || (start > 0 && b[start - 1].is_ascii_alphanumeric()) {
            break;
        }
        dotted |= dot;
        match bill_type(&b[start..number]) {
            // A lone S must have its dot: "S 500" is not a bill.
            Some(kind)
                if b[start].is_ascii_uppercase()
                    && clean_start(b, start)
                    && (dot || kind != "S.") =>
            {
                best = Some((kind, start, dotted));
            }
            // "U. S. 2024": a single letter before a lone S is an abbreviation.
            _ if group == 2 && letters_end - start == 1 => {
                best = best.filter(|&(kind, _, _)| kind != "S.");
            }
            _ => {}
        }
        if start > 0 && b[start - 1] == b'.' {
            end = start;
        } else if start > 1 && b[start - 1] == b' ' && b[start - 2] == b'.' {
            end = start - 1;
        } else {
            break;
        }
    }
    best
}

/// Whether a bill type may start at `start`: not inside a word or an abbreviation ("U.S.").
fn clean_start(b: &[u8], start: usize) -> bool {
    start == 0 || !(b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'.')
}

fn bill_value(kind: &str, number: &[u8]) -> String {
    let mut value = String::with_capacity(kind.len() + 1 + number.len());
    value.push_str(kind);
    value.push(' ');
    push_ascii(&mut value, number);
    value
}

/// Executive orders have had five-digit numbers since 1962.
fn is_order_number(number: &[u8]) -> bool {
    number.len() == 5 && number[0] == b'1'
}

fn order_value(number: &[u8]) -> String {
    let mut value = String::from("EO ");
    push_ascii(&mut value, number);
    value
}

/// Words that introduce an executive order's number; a space is any run of whitespace, or
/// none.
const EO_LABELS: &[&str] = &[
    "Executive Order",
    "Executive Orders",
    "Executive Order No.",
    "Executive Order Number",
    "Executive Order (EO)",
    "Exec. Order",
    "Exec. Order No.",
    "E. O.",
    "EO",
    "EO No.",
];

const PUBLIC_LAW_LABELS: &[&str] = &[
    "Public Law",
    "Public Law No.",
    "Pub. L.",
    "Pub. L. No.",
    "P. L.",
    "P. L. No.",
    "PL",
];

/// Words between "CFR" and the part or section.
const CFR_PART_WORDS: &[&str] = &["parts", "part", "pt.", "§§", "§", "sec.", "section"];

/// A CFR part or section: "702", "744.21", "3011.301", "52.204-7" (a FAR clause). A range
/// of parts ("730-774") gives its first.
fn cfr_section(b: &[u8], start: usize) -> Option<usize> {
    let mut end = digits_end(b, start);
    if !(1..=5).contains(&(end - start)) {
        return None;
    }
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut dotted = false;
    while b.get(end) == Some(&b'.') && digit_at(end + 1) {
        end = digits_end(b, end + 1);
        dotted = true;
    }
    if dotted && b.get(end) == Some(&b'-') && digit_at(end + 1) {
        end = digits_end(b, end + 1);
    }
    ends_word(b, end).then_some(end)
}

/// Labels of dockets with no standard shape; `true` when the label needs a ':' or '#' after
/// it (a bare "docket" is too common a word).
const DOCKET_LABELS: &[(&str, bool)] = &[
    ("Docket No.", false),
    ("Docket No", false),
    ("Docket Number", false),
    ("Docket ID", false),
    ("Docket", true),
];

const SOLICITATION_LABELS: &[(&str, bool)] = &[
    ("Solicitation No.", false),
    ("Solicitation Number", false),
    ("Solicitation ID", false),
    ("Notice ID", false),
    ("Solicitation", true),
];

/// Where a label from `labels` starts, if one ends (give or take whitespace and a ':' or
/// '#') just before `at`.
fn label_before(b: &[u8], at: usize, labels: &[(&str, bool)]) -> Option<usize> {
    let mut end = skip_space_back(b, at);
    let punctuated = end > 0 && matches!(b[end - 1], b':' | b'#');
    if punctuated {
        end -= 1;
    }
    labels
        .iter()
        .filter(|&&(_, needs_punctuation)| punctuated || !needs_punctuation)
        .find_map(|&(label, _)| phrase_before(b, end, label))
}

/// Words that mark a B-number as a GAO bid-protest decision.
const PROTEST_CUES: &[&[u8]] = &[b"protest", b"GAO", b"decision", b"File:", b"comptroller"];

/// How far from a B-number its cue may be.
const CUE_REACH: usize = 40;

fn near_any(b: &[u8], start: usize, end: usize, cues: &[&[u8]]) -> bool {
    let before = &b[start.saturating_sub(CUE_REACH)..start];
    let after = &b[end..(end + CUE_REACH).min(b.len())];
    cues.iter()
        .any(|cue| contains_word(before, cue) || contains_word(after, cue))
}

/// Whether `word` occurs in `hay`, ignoring ASCII case.
fn contains_word(hay: &[u8], word: &[u8]) -> bool {
    hay.windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// The end of ".2" after a B-number (a later protest of the same procurement), or `end`.
fn decimal_suffix_end(b: &[u8], end: usize) -> usize {
    if b.get(end) != Some(&b'.') {
        return end;
    }
    let digits = digits_end(b, end + 1);
    if (1..=3).contains(&(digits - end - 1)) && ends_word(b, digits) {
        digits
    } else {
        end
    }
}

/// Whitespace allowed between the words of a phrase, or between a label and its number.
const MAX_GAP: usize = 3;

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_space(b: &[u8], mut pos: usize) -> usize {
    let limit = (pos + MAX_GAP).min(b.len());
    while pos < limit && is_space(b[pos]) {
        pos += 1;
    }
    pos
}

fn skip_space_back(b: &[u8], mut end: usize) -> usize {
    let limit = end.saturating_sub(MAX_GAP);
    while end > limit && is_space(b[end - 1]) {
        end -= 1;
    }
    end
}

/// Where `phrase` starts if it ends just before `end`, ignoring ASCII case; each space in
/// `phrase` stands for up to [`MAX_GAP`] whitespace bytes (or none), as does the gap before
/// `end`. It must not start inside a word.
fn phrase_before(b: &[u8], end: usize, phrase: &str) -> Option<usize> {
    let mut end = end;
    for piece in phrase.split(' ').rev() {
        end = skip_space_back(b, end);
        let piece = piece.as_bytes();
        let start = end.checked_sub(piece.len())?;
        if !b[start..end].eq_ignore_ascii_case(piece) {
            return None;
        }
        end = start;
    }
    let word = phrase
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphanumeric);
    (!word || end == 0 || !b[end - 1].is_ascii_alphanumeric()).then_some(end)
}

/// Where `phrase` ends if it starts at `start` (after up to [`MAX_GAP`] whitespace), the
/// mirror of [`phrase_before`]. It must not end inside a word.
fn phrase_after(b: &[u8], start: usize, phrase: &str) -> Option<usize> {
    let mut pos = start;
    for piece in phrase.split(' ') {
        pos = skip_space(b, pos);
        let piece = piece.as_bytes();
        let end = pos + piece.len();
        if !b.get(pos..end)?.eq_ignore_ascii_case(piece) {
            return None;
        }
        pos = end;
    }
    let word = phrase
        .as_bytes()
        .last()
        .is_some_and(u8::is_ascii_alphanumeric);
    (!word || ends_word(b, pos)).then_some(pos)
}

fn ends_word(b: &[u8], at: usize) -> bool {
    b.get(at).is_none_or(|c| !c.is_ascii_alphanumeric())
}

/// Where the run of letters ending at `end` starts, reading back at most `max` of them.
fn alpha_run_start(b: &[u8], end: usize, max: usize) -> usize {
    let mut start = end;
    while start > 0 && end - start < max && b[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    start
}

fn digits_end(b: &[u8], start: usize) -> usize {
    let run = b.get(start..).unwrap_or_default();
    start + run.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// The end of "-73620" after a page that starts a range, or `end`.
fn range_end(b: &[u8], end: usize) -> usize {
    if b.get(end) != Some(&b'-') {
        return end;
    }
    let digits = digits_end(b, end + 1);
    if digits > end + 1 && ends_word(b, digits) {
        digits
    } else {
        end
    }
}

/// A count as written: 1 to `max_len` digits, no leading zero.
fn is_count(d: &[u8], max_len: usize) -> bool {
    (1..=max_len).contains(&d.len()) && d[0] != b'0' && d.iter().all(u8::is_ascii_digit)
}

fn is_year(d: &[u8]) -> bool {
    d.len() == 4
        && (d.starts_with(b"19") || d.starts_with(b"20"))
        && d.iter().all(u8::is_ascii_digit)
}

/// The value of a run of ASCII digits (saturating: only short runs are compared).
fn digits_value(d: &[u8]) -> u32 {
    d.iter().fold(0u32, |v, &c| {
        v.saturating_mul(10)
            .saturating_add(u32::from(c.wrapping_sub(b'0')))
    })
}

/// Only ever given ASCII (the tokens are letters, digits, dashes and dots).
fn push_ascii(out: &mut String, bytes: &[u8]) {
    out.extend(bytes.iter().map(|&c| char::from(c)));
}

fn ascii(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    push_ascii(&mut out, bytes);
    out
}

fn ascii_upper(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&c| char::from(c.to_ascii_uppercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each identifier as "kind value", for compact assertions.
    fn ids(text: &str) -> Vec<String> {
        identifiers(text)
            .into_iter()
            .map(|id| format!("{} {}", id.kind.name(), id.value))
            .collect()
    }

    fn none(texts: &[&str]) {
        for text in texts {
            assert_eq!(ids(text), Vec::<String>::new(), "in {text:?}");
        }
    }

    fn each_is(expected: &str, texts: &[&str]) {
        for text in texts {
            assert_eq!(ids(text), [expected], "in {text:?}");
        }
    }

    #[test]
    fn bills_in_every_spelling() {
        each_is(
            "bill H.R. 1234",
            &[
                "H.R. 1234",
                "H.R.1234",
                "HR 1234",
                "H. R. 1234",
                "H.R 1234",
                "the bill (H.R. 1234) passed",
                "H.R.\u{a0}1234",
                "HR1234 advances",
            ],
        );
        each_is(
            "bill H.R. 8756",
            &["HR-8756 would", "Rep. Smith's H.R. 8756."],
        );
        each_is(
            "bill H.R. 1",
            &["H.R. 1", "the One Big Beautiful Bill (HR1)"],
        );
        each_is(
            "bill S. 3205",
            &[
                "S. 3205 would require",
                "S.3205",
                "Read more. S. 3205 was introduced",
            ],
        );
        each_is("bill S. 2293", &["Senate bill S. 2293"]);
        each_is(
            "bill H.Res. 12",
            &["H.Res.12", "H. Res. 12", "H.RES. 12", "HRES12"],
        );
        each_is("bill S.Res. 5", &["S.Res. 5", "S. Res. 5"]);
        each_is("bill H.J.Res. 7", &["H.J.Res. 7", "H. J. Res. 7"]);
        each_is("bill S.J.Res. 7", &["S.J.Res.7"]);
        each_is("bill H.Con.Res. 3", &["H.Con.Res. 3", "H. Con. Res. 3"]);
        each_is("bill S.Con.Res. 3", &["S.Con.Res. 3"]);
    }

    #[test]
    fn what_looks_like_a_bill_but_is_not() {
        none(&[
            "said the U.S. 2024 was a record year",
            "in the U.S. 500 firms",
            "the U. S. 2024 budget",
            "Sec. 1533 of the NDAA",
            "Section 1533",
            "S 500 index",
            "S&P 500",
            "the S-400 system",
            "HR 2024 trends",
            "our HR 2025 outlook",
            "hr 1234",
            "H.R. 01234",
            "H.R. 123456",
            "H.R.",
            "HB 1234",
            "USS 1234",
        ]);
    }

    #[test]
    fn public_laws() {
        each_is(
            "public_law Pub. L. 118-31",
            &[
                "Public Law 118-31",
                "Pub. L. No. 118-31",
                "P.L. 118-31",
                "Pub.L. 118-31",
                "PL 118-31",
                "Public Law 118\u{2013}31",
            ],
        );
        none(&["law 118-31", "pages 1-5", "118-31"]);
    }

    #[test]
    fn federal_register_document_numbers() {
        each_is(
            "fr_doc 2025-02305",
            &[
                "2025-02305",
                "FR Doc. 2025-02305 Filed 2-4-25",
                "https://www.federalregister.gov/d/2025-02305",
            ],
        );
        each_is("fr_doc 2025-01234", &["2025-01234"]);
        none(&[
            "2024-2025",
            "2025-26",
            "2025-01-15",
            "3025-02305",
            "12025-02305",
            "2025-023056",
            "x2025-02305",
            "202-555-0143",
            "FY2025",
            "fiscal 2025",
        ]);
    }

    #[test]
    fn federal_register_citations() {
        each_is(
            "fr_citation 89 FR 73612",
            &[
                "89 FR 73612",
                "89 Fed. Reg. 73612",
                "89 FR 73612-73620",
                "(89 FR 73612, Sept. 11, 2024)",
            ],
        );
        none(&["89 FRESH 73612", "089 FR 73612", "89 FR x"]);
    }

    #[test]
    fn cfr_citations() {
        each_is(
            "cfr 15 CFR 702",
            &[
                "15 CFR Part 702",
                "15 C.F.R. part 702",
                "15 CFR 702",
                "15 CFR 702.",
            ],
        );
        each_is("cfr 39 CFR 3011.301", &["39 CFR 3011.301"]);
        each_is(
            "cfr 48 CFR 52.204-7",
            &["48 CFR 52.204-7", "48 C.F.R. § 52.204-7"],
        );
        each_is("cfr 48 CFR", &["48 C.F.R.", "under 48 CFR, the"]);
        each_is("cfr 15 CFR 744.21", &["15 CFR §\u{a0}744.21(b)"]);
        each_is("cfr 15 CFR 730", &["15 CFR parts 730-774"]);
        none(&["51 CFR 1", "15 CFRs"]);
    }

    #[test]
    fn rins() {
        each_is(
            "rin 0694-AJ55",
            &["RIN 0694-AJ55", "(0694-AJ55)", "RIN: 0694\u{2011}AJ55"],
        );
        none(&["0694-aj55", "0694-AJ555", "694-AJ55"]);
    }

    #[test]
    fn dockets() {
        each_is(
            "docket BIS-2024-0047",
            &["BIS-2024-0047", "Docket No. BIS-2024-0047"],
        );
        each_is(
            "docket EPA-HQ-OPP-2024-0010",
            &[
                "EPA-HQ-OPP-2024-0010",
                "EPA-HQ-OPP-2024-0010-0001",
                "regulations.gov/document/EPA-HQ-OPP-2024-0010-0001",
            ],
        );
        assert_eq!(
            ids("EPA-HQ-OPP-2024-0010 and its EPA-HQ-OPP-2024-0010-0001"),
            ["docket EPA-HQ-OPP-2024-0010"]
        );
        each_is("docket FAR-2023-0008", &["Docket No. FAR-2023-0008"]);
        each_is("docket FDA-2024-N-1234", &["FDA-2024-N-1234"]);
        each_is("docket DOD-2024-OS-0093", &["DoD-2024-OS-0093"]);
        each_is("docket FWS-R8-ES-2024-0001", &["FWS-R8-ES-2024-0001"]);
        each_is("docket 240605-0154", &["[Docket No. 240605-0154]"]);
        each_is("docket 17-108", &["WC Docket No. 17-108"]);
        none(&[
            "CVE-2024-3094",
            "CVE-2024-12345",
            "FY-2024-2025",
            "XY-2024-2025",
            "covid-2019-0001",
            "A-2024-0001",
            "BIS-2024-47",
            "the docket 17-108",
            "Docket No. 2024",
            "MIL-STD-2045-47001",
            "MIL-STD-1553",
        ]);
    }

    #[test]
    fn executive_orders() {
        each_is(
            "executive_order EO 14110",
            &[
                "Executive Order 14110",
                "E.O. 14110",
                "E. O. 14110",
                "EO 14110",
                "EO14110",
                "EO-14110",
                "Executive Order (EO) 14110",
                "executive order 14110",
            ],
        );
        each_is("executive_order EO 14179", &["Executive Order No. 14179"]);
        assert_eq!(
            ids("Executive Order 14110 of October 30, 2023"),
            ["executive_order EO 14110"]
        );
        none(&[
            "the executive order",
            "an executive order signed in 2025",
            "Executive Order 9066",
            "Executive Order 24110",
            "video 14110",
        ]);
    }

    #[test]
    fn omb_memos() {
        each_is(
            "omb_memo M-24-10",
            &[
                "M-24-10",
                "OMB M-24-10",
                "OMB Memorandum M-24-10",
                "memo M\u{2011}24\u{2011}10",
                "M\u{2013}24\u{2013}10",
            ],
        );
        none(&["M-1 Abrams", "M-240-10", "m-24-10", "OMB-M-24-10-x"]);
    }

    #[test]
    fn gao_reports() {
        each_is(
            "gao GAO-24-105980",
            &[
                "GAO-24-105980",
                "https://www.gao.gov/products/gao-24-105980",
                "https://www.gao.gov/assets/gao-24-105980.pdf",
            ],
        );
        each_is("gao GAO-08-1234T", &["GAO-08-1234T"]);
        none(&["GAO-24-", "GAO-24-12", "GAO-2024-105980"]);
    }

    #[test]
    fn bid_protests_need_a_cue() {
        each_is(
            "bid_protest B-421234",
            &[
                "GAO denied the protest, B-421234",
                "File: B-421234",
                "Decision B-421234",
                "B-421234, a bid protest",
            ],
        );
        assert_eq!(
            ids("File: B-421234.2; B-421234.3"),
            ["bid_protest B-421234.2", "bid_protest B-421234.3"]
        );
        none(&[
            "B-421234",
            "the B-52 bomber",
            "B-21 Raider",
            "protest of B-42123",
        ]);
    }

    #[test]
    fn contract_numbers() {
        each_is(
            "piid N0002423C2305",
            &["awarded contract N00024-23-C-2305", "N0002423C2305"],
        );
        each_is("piid W519TC25D0039", &["W519TC25D0039", "W519TC-25-D-0039"]);
        each_is("piid W911QX24F0113", &["order W911QX24F0113"]);
        each_is("piid HQ08832590008", &["HQ0883-25-9-0008"]);
        each_is("piid FA865024C1234", &["(FA8650-24-C-1234)"]);
        each_is("piid 47QTCA22D003G", &["47QTCA22D003G"]);
        each_is("piid 75N95019D00012", &["75N95019D00012"]);
        none(&[
            "P00005",
            "modification P00005",
            "w519tc25d0039",
            "ABCDEF25D0039",
            "123456-25-D-0039",
            "N000-2423-C2305",
            "N00024-23-O-2305",
            "N00024-23-7-2305",
            "N00024-23-C-ABCD",
        ]);
    }

    #[test]
    fn solicitations() {
        each_is("solicitation W912HQ25R0001", &["W912HQ-25-R-0001"]);
        each_is("solicitation FA865025S1234", &["FA8650-25-S-1234"]);
        each_is("solicitation 36C25525Q0123", &["RFQ 36C25525Q0123"]);
        each_is(
            "solicitation RFP2025001",
            &[
                "Solicitation No. RFP-2025-001",
                "Solicitation Number: RFP-2025-001",
                "Solicitation #RFP-2025-001",
                "Notice ID RFP2025001",
            ],
        );
        none(&["the solicitation RFP-2025-001", "Solicitation No. AB-12"]);
    }

    #[test]
    fn sam_notice_ids_need_a_sam_context() {
        let id = "27e7755792e442bbb1dc0b155c9f7219";
        let sol = format!("solicitation {id}");
        let text = format!("https://sam.gov/opp/{id}/view");
        assert_eq!(ids(&text), [sol.as_str()]);
        assert_eq!(ids(&format!("Notice ID: {id}")), [sol.as_str()]);
        assert_eq!(ids(&format!("posted on SAM.gov as {id}")), [sol.as_str()]);
        none(&[&format!("https://cdn.example.com/img/{id}.png")]);
    }

    #[test]
    fn what_is_not_an_identifier() {
        none(&[
            "COVID-19",
            "the F-35 and the B-52",
            "MQ-9 Reaper",
            "A-10 Warthog",
            "GPT-4 and Llama-3 on H100 GPUs at IL5",
            "ISO-27001",
            "NIST SP 800-53",
            "NIST SP 800-53r5",
            "CVE-2024-3094",
            "call 202-555-0143",
            "FY2025",
            "fiscal 2025",
            "2024-2025",
            "2025-26",
            "on 2025-01-15 at 10:30",
            "$200 million in 2025",
            "1,234,567 people",
            "pages 1-5",
            "",
            "no digits at all",
        ]);
    }

    #[test]
    fn other_numbered_citations_are_not_bills() {
        none(&[
            "42 U.S.C. 1983",
            "10 U.S.C. 2371b",
            "Jan. 15, 2025",
            "p. 12",
            "No. 1234",
            "SR-71",
            "H5N1",
            "A320",
        ]);
        each_is("bill H.R. 40", &["HR40"]);
    }

    #[test]
    fn a_b_number_cue_may_follow_it() {
        each_is(
            "bid_protest B-421234",
            &["Acme Corp., B-421234 (Comptroller General)"],
        );
    }

    #[test]
    fn order_of_first_appearance_without_duplicates() {
        let text = "H.R. 1234 and EO 14110. Later HR 1234 again, 89 FR 73612 and E.O. 14110; \
                    docket BIS-2024-0047 (RIN 0694-AJ55), GAO-24-105980.";
        assert_eq!(
            ids(text),
            [
                "bill H.R. 1234",
                "executive_order EO 14110",
                "fr_citation 89 FR 73612",
                "docket BIS-2024-0047",
                "rin 0694-AJ55",
                "gao GAO-24-105980",
            ]
        );
    }

    #[test]
    fn identifiers_do_not_leak_parts_of_other_identifiers() {
        // The year and serial inside a docket, GAO report or PIID are not FR documents.
        assert_eq!(ids("GAO-24-105980"), ["gao GAO-24-105980"]);
        assert_eq!(ids("BIS-2024-0047"), ["docket BIS-2024-0047"]);
        assert_eq!(ids("N00024-23-C-2305"), ["piid N0002423C2305"]);
        assert_eq!(ids("48 CFR 52.204-7"), ["cfr 48 CFR 52.204-7"]);
    }

    #[test]
    fn a_realistic_paragraph() {
        let text = "WASHINGTON — The Commerce Department's BIS published an interim final \
            rule (90 FR 4544; FR Doc. 2025-00636) under 15 CFR parts 730-774, RIN 0694-AJ90, \
            docket BIS-2025-0001, implementing Executive Order 14110 and OMB Memorandum \
            M\u{2011}24\u{2011}10. Comments on H.R.\u{a0}8756 are due. The Navy awarded \
            N00024-23-C-2305 to Acme.";
        assert_eq!(
            ids(text),
            [
                "fr_citation 90 FR 4544",
                "fr_doc 2025-00636",
                "cfr 15 CFR 730",
                "rin 0694-AJ90",
                "docket BIS-2025-0001",
                "executive_order EO 14110",
                "omb_memo M-24-10",
                "bill H.R. 8756",
                "piid N0002423C2305",
            ]
        );
    }

    #[test]
    fn canonical_parses_what_users_type() {
        let cases = [
            ("HR 1234", "bill", "H.R. 1234"),
            ("h.r.1234", "bill", "H.R. 1234"),
            ("hr1234", "bill", "H.R. 1234"),
            ("H.R. 2024", "bill", "H.R. 2024"),
            ("hr 2024", "bill", "H.R. 2024"),
            ("s.3205", "bill", "S. 3205"),
            ("hjres7", "bill", "H.J.Res. 7"),
            ("EO 14110", "executive_order", "EO 14110"),
            ("eo14110", "executive_order", "EO 14110"),
            ("executive order 14110", "executive_order", "EO 14110"),
            ("m-24-10", "omb_memo", "M-24-10"),
            ("w519tc-25-d-0039", "piid", "W519TC25D0039"),
            ("w912hq-25-r-0001", "solicitation", "W912HQ25R0001"),
            ("p.l. 118-31", "public_law", "Pub. L. 118-31"),
            ("2025-02305", "fr_doc", "2025-02305"),
            ("FR Doc. 2025-02305", "fr_doc", "2025-02305"),
            ("89 fr 73612", "fr_citation", "89 FR 73612"),
            ("15 cfr part 702", "cfr", "15 CFR 702"),
            ("0694-aj55", "rin", "0694-AJ55"),
            ("RIN 0694-AJ55", "rin", "0694-AJ55"),
            (
                "epa-hq-opp-2024-0010-0001",
                "docket",
                "EPA-HQ-OPP-2024-0010",
            ),
            ("Docket No. 240605-0154", "docket", "240605-0154"),
            ("gao-24-105980", "gao", "GAO-24-105980"),
            ("b-421234.2", "bid_protest", "B-421234.2"),
            (
                "27E7755792E442BBB1DC0B155C9F7219",
                "solicitation",
                "27e7755792e442bbb1dc0b155c9f7219",
            ),
            ("  M\u{2013}24\u{2013}10 ", "omb_memo", "M-24-10"),
        ];
        for (query, kind, value) in cases {
            let id = canonical(query).unwrap_or_else(|| panic!("{query:?} is not parsed"));
            assert_eq!(
                (id.kind.name(), id.value.as_str()),
                (kind, value),
                "{query:?}"
            );
        }
    }

    #[test]
    fn canonical_wants_exactly_one_identifier() {
        for query in [
            "",
            "   ",
            "hello",
            "H.R.",
            "GAO-24-",
            "HR 1234 and S. 5",
            "HR 1234 HR 1234",
            "budget HR 1234",
            "HR 1234 passed",
            "1234",
            "executive order",
            "B-52",
        ] {
            assert_eq!(canonical(query), None, "{query:?}");
        }
    }

    #[test]
    fn every_canonical_value_parses_to_itself() {
        let text = "H.R. 1234 S. 5 H.Res. 12 S.Res. 5 H.J.Res. 7 S.J.Res. 7 H.Con.Res. 3 \
            S.Con.Res. 3 Pub. L. 118-31 2025-02305 89 FR 73612 15 CFR 702 48 CFR 52.204-7 \
            48 C.F.R. RIN 0694-AJ55 EPA-HQ-OPP-2024-0010 DoD-2024-OS-0093 EO 14110 M-24-10 \
            GAO-24-105980 File: B-421234.2 N00024-23-C-2305 HQ0883-25-9-0008 \
            W912HQ-25-R-0001 sam.gov/opp/27e7755792e442bbb1dc0b155c9f7219/view";
        let found = identifiers(text);
        assert_eq!(found.len(), 25, "{found:?}");
        for id in found {
            assert_eq!(canonical(&id.value), Some(id.clone()), "{}", id.value);
        }
    }

    #[test]
    fn kinds_have_names_and_strength() {
        for kind in IdKind::ALL {
            assert_eq!(IdKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(IdKind::parse("fr-doc"), Some(IdKind::FrDoc));
        assert!(IdKind::Docket.is_strong() && IdKind::Piid.is_strong());
        assert!(!IdKind::Cfr.is_strong() && !IdKind::FrCitation.is_strong());
        assert!(!IdKind::ExecutiveOrder.is_strong() && !IdKind::OmbMemo.is_strong());
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in [
            "€€€S. 1",
            "H.R.",
            "GAO-24-",
            "S.",
            "89 FR",
            "15 CFR",
            "15 CFR §",
            "File: B-421234.",
            "Executive Order",
            "-",
            "1-",
            "-1",
            "\u{a0}",
            "\u{2013}1\u{2013}",
            "日本語 H.R. 1234 日本語",
            "Docket No.",
            "1",
        ] {
            identifiers(text);
            canonical(text);
        }
        assert_eq!(ids("€€€S. 1"), ["bill S. 1"]);
    }

    #[test]
    fn never_panics_on_any_prefix_or_scrambled_text() {
        let sample = "H.R.\u{a0}1234 — 89 Fed. Reg. 73612-73620; 48 C.F.R. § 52.204-7; \
            Docket No. EPA-HQ-OPP-2024-0010-0001 (RIN 0694–AJ55), E.O. 14110, M‑24‑10, \
            GAO-24-105980, File: B-421234.2, N00024-23-C-2305, Solicitation #RFP-2025-001, \
            sam.gov/opp/27e7755792e442bbb1dc0b155c9f7219/view €";
        for (i, _) in sample.char_indices() {
            identifiers(&sample[..i]);
            identifiers(&sample[i..]);
            canonical(&sample[..i]);
        }
        // A deterministic scramble of the sample's characters and ASCII punctuation.
        let chars: Vec<char> = sample.chars().chain(".-: 0123456789".chars()).collect();
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..500 {
            let mut text = String::new();
            for _ in 0..64 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(chars[(state % chars.len() as u64) as usize]);
            }
            identifiers(&text);
            canonical(&text);
        }
    }
}
