//! Deadlines and event dates in the text of an item: the day comments, responses, proposals or
//! applications are due, and the day of a hearing, markup, public meeting, workshop, webinar or
//! industry day. A reader of a digest wants "what is due when" and "what happens when", not
//! every date a notice prints, so a date counts only when a cue governs it ("comments must be
//! received on or before", "will hold a hearing on", "Response Date:"). Publication, signing and
//! effective dates are neither.
//!
//! A few cues stand elsewhere than just before their date. A date names the event it modifies
//! ("ahead of the Committee's July 15 markup", "at its June 4 meeting"), looked for in the few
//! words right after it. Testimony is dated by its hearing ("Testimony before the House Armed
//! Services Subcommittee on Cyber, Information Technologies, and Innovation, March 22, 2024"),
//! and a committee's action by the day it took it ("ordered reported by the Senate Committee on
//! Commerce, Science, and Transportation on July 31, 2024"): those cues reach a longer clause.
//!
//! This runs on every ingested item, so the work follows the dates, not the text: one byte pass
//! finds date-shaped text (a capitalized month name, digits with slashes or dashes) and returns
//! at once when there is none. Cues are looked for only in the stretch of text just before each
//! date, with one Aho-Corasick pass that reads each byte at most once. Everything works on
//! bytes and slices only at ASCII bytes, so no input can split a character.

use std::cmp::Reverse;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::{Datelike, Days, NaiveDate};

/// How far (in bytes) a cue reaches forward to the date it governs: about a clause.
const REACH: usize = 90;
/// How far the cues that date a committee's business reach: past a committee's full name
/// ("Subcommittee on Cyber, Information Technologies, and Innovation").
const LONG_REACH: usize = 200;
/// How far back from a date cues are looked for: the longest reach plus the longest cue.
const WINDOW: usize = LONG_REACH + 32;
/// How many words may stand between a date and the event noun it modifies: "the June 4 Senate
/// Commerce Committee hearing".
const NOUN_WORDS: usize = 5;
/// How far a word such as "signed" or "effective" reaches: it describes only the date right
/// after it, and a cue further back still governs a date beyond that.
const NOT_REACH: usize = 24;
/// Dates further than this from publication are parse glitches, not deadlines or events.
const MAX_DAYS_AWAY: i64 = 3 * 366;
/// A year-less date is the first such day on or after publication minus this many days: a
/// notice published a few days after a hearing still names it without a year.
const LOOKBACK_DAYS: u64 = 7;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventDates {
    pub deadlines: Vec<NaiveDate>,
    pub events: Vec<NaiveDate>,
}

/// The deadlines and event dates in `text`, each list in order of appearance without
/// duplicates. `published` resolves dates written without a year.
pub fn event_dates(text: &str, published: NaiveDate) -> EventDates {
    let b = text.as_bytes();
    let mut found = find_dates(b);
    if found.is_empty() {
        return EventDates::default();
    }
    let links = link_all(b, &found);
    share_years(&mut found, &links);
    let classes = classify_all(b, &found, &links);
    collect(&found, &links, &classes, published)
}

// ---------------------------------------------------------------------------------------------
// Finding dates
// ---------------------------------------------------------------------------------------------

/// A date as written, before its year is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Found {
    start: usize,
    end: usize,
    year: Option<i32>,
    month: u32,
    day: u32,
    /// The last day of a range written as one date ("June 4-5").
    last_day: Option<u32>,
    /// Followed by a time of day, as in a committee's listing line ("06/05/2025 10:00 AM").
    timed: bool,
}

/// Month names and the abbreviations that may take a period, lowercase.
const MONTHS: &[(&str, u32, bool)] = &[
    ("january", 1, false),
    ("jan", 1, true),
    ("february", 2, false),
    ("feb", 2, true),
    ("march", 3, false),
    ("mar", 3, true),
    ("april", 4, false),
    ("apr", 4, true),
    ("may", 5, false),
    ("june", 6, false),
    ("jun", 6, true),
    ("july", 7, false),
    ("jul", 7, true),
    ("august", 8, false),
    ("aug", 8, true),
    ("september", 9, false),
    ("sept", 9, true),
    ("sep", 9, true),
    ("october", 10, false),
    ("oct", 10, true),
    ("november", 11, false),
    ("nov", 11, true),
    ("december", 12, false),
    ("dec", 12, true),
];

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
];

/// Every date-shaped stretch of `b`, in order. Only words that start with a capital letter or a
/// digit are looked at closely, so text without dates costs one pass of cheap byte tests.
fn find_dates(b: &[u8]) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !c.is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let found = if c.is_ascii_uppercase() {
            month_first(b, i)
        } else if c.is_ascii_digit() && digits_may_start(b, i) {
            numeric(b, i).or_else(|| day_first(b, i))
        } else {
            None
        };
        match found {
            Some(date) => {
                i = date.end;
                out.push(date);
            }
            None => i = word_end(b, i),
        }
    }
    out
}

/// "March 15, 2025", "Mar. 15", "Sept 3rd", "June 4-5, 2025", each with an optional time.
fn month_first(b: &[u8], i: usize) -> Option<Found> {
    let (month, j) = month_word(b, i)?;
    let k = skip_space(b, j);
    // "Mar.15" is a date; "Mar15" is more likely a code.
    if k == j && b[j - 1] != b'.' {
        return None;
    }
    let (day, e) = day_number(b, k)?;
    let (last_day, e) = match range_day(b, e, day) {
        Some((last, e)) => (Some(last), e),
        None => (None, e),
    };
    let (year, e) = match year_after(b, e) {
        Some((year, e)) => (Some(year), e),
        None => (None, e),
    };
    Some(finish(b, i, e, year, month, day, last_day))
}

/// "15 March 2025". The year is required: "3 May" alone is too often something else.
fn day_first(b: &[u8], i: usize) -> Option<Found> {
    let (day, j) = digits(b, i, 2)?;
    if !(1..=31).contains(&day) {
        return None;
    }
    let j = ordinal(b, j).unwrap_or(j);
    let k = skip_space(b, j);
    if k == j {
        return None;
    }
    let (month, k) = month_word(b, k)?;
    let (year, e) = year_after(b, k)?;
    Some(finish(b, i, e, Some(year), month, day, None))
}

/// "03/15/2025", "3/15/25", "03-15-2025" (month first, as US agencies write) and "2025-03-15".
/// Anything else made of digit groups — "2024-2025", "10/20", "2025-02305" (a Federal Register
/// document number) — is not a date.
fn numeric(b: &[u8], i: usize) -> Option<Found> {
    let (first, j) = digits(b, i, 4)?;
    let sep = *b.get(j)?;
    if sep != b'/' && sep != b'-' {
        return None;
    }
    let (mid, k) = digits(b, j + 1, 2)?;
    if b.get(k) != Some(&sep) {
        return None;
    }
    let (last, e) = digits(b, k + 1, 4)?;
    let (year, month, day) = match (j - i, k - j - 1, e - k - 1, sep) {
        (4, 2, 2, b'-') => (first as i32, mid, last),
        (1..=2, 1..=2, 4, _) => (last as i32, first, mid),
        (1..=2, 1..=2, 2, b'/') => (2000 + last as i32, first, mid),
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !clean_end(b, e) {
        return None;
    }
    Some(finish(b, i, e, Some(year), month, day, None))
}

/// A date that ends at `e`, extended over a time of day if one follows.
fn finish(
    b: &[u8],
    start: usize,
    e: usize,
    year: Option<i32>,
    month: u32,
    day: u32,
    last_day: Option<u32>,
) -> Found {
    let time = time_after(b, e);
    Found {
        start,
        end: time.unwrap_or(e),
        year,
        month,
        day,
        last_day,
        timed: time.is_some(),
    }
}

/// A capitalized month name at `i` (and the period of an abbreviation): its number and end.
/// Lowercase "may" and "march" are a verb far more often than a month.
fn month_word(b: &[u8], i: usize) -> Option<(u32, usize)> {
    if !b.get(i)?.is_ascii_uppercase() {
        return None;
    }
    let end = alpha_end(b, i);
    if !(3..=9).contains(&(end - i)) {
        return None;
    }
    let word = &b[i..end];
    let &(_, month, abbreviated) = MONTHS
        .iter()
        .find(|(name, _, _)| word.eq_ignore_ascii_case(name.as_bytes()))?;
    let end = if abbreviated && b.get(end) == Some(&b'.') {
        end + 1
    } else {
        end
    };
    Some((month, end))
}

/// A day of the month at `i` ("15", "15th"), not part of a larger number ("15,000", "15.5",
/// "10:00").
fn day_number(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let (day, j) = digits(b, i, 2)?;
    if !(1..=31).contains(&day) {
        return None;
    }
    let j = ordinal(b, j).unwrap_or(j);
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    match b.get(j) {
        Some(c) if c.is_ascii_alphanumeric() => None,
        Some(b':' | b'/' | b'.') if digit_at(j + 1) => None,
        Some(b',') if digits(b, j + 1, 3).is_some_and(|(_, e)| e == j + 4) => None,
        _ => Some((day, j)),
    }
}

/// The second day of "June 4-5" or "June 4 through 6", after the first day's end `e`.
fn range_day(b: &[u8], e: usize, day: u32) -> Option<(u32, usize)> {
    let k = skip_space(b, e);
    let k = dash(b, k).or_else(|| {
        ["to", "through", "thru"]
            .iter()
            .find(|w| starts_with_word(b, k, w))
            .map(|w| k + w.len())
    })?;
    let (last, end) = day_number(b, skip_space(b, k))?;
    (last > day).then_some((last, end))
}

/// A four-digit year after a day ending at `e` (", 2025" or " 2025").
fn year_after(b: &[u8], e: usize) -> Option<(i32, usize)> {
    let k = if b.get(e) == Some(&b',') { e + 1 } else { e };
    let k = skip_space(b, k);
    if k == e {
        return None;
    }
    let (year, end) = digits(b, k, 4)?;
    (end - k == 4 && (1900..2200).contains(&year)).then_some((year as i32, end))
}

/// The end of a time of day following a date that ends at `e`: ", at 2:30 PM", " 10:00 AM",
/// " from 9 a.m.", " (10:00 AM)" as House committees list them.
fn time_after(b: &[u8], e: usize) -> Option<usize> {
    let k = if b.get(e) == Some(&b',') { e + 1 } else { e };
    let mut k = skip_space(b, k);
    if k == e {
        return None;
    }
    if b.get(k) == Some(&b'(') {
        return parenthesized_clock(b, k + 1);
    }
    if let Some(w) = ["at", "from"].iter().find(|w| starts_with_word(b, k, w)) {
        k = skip_space(b, k + w.len());
    }
    clock(b, k)
}

/// The end of a time of day at `i`: "5:00 p.m.", "11:59PM", "10 a.m.", "14:30", "noon". A bare
/// number is not a time.
fn clock(b: &[u8], i: usize) -> Option<usize> {
    if starts_with_word(b, i, "noon") {
        return Some(i + 4);
    }
    let (_, mut j) = digits(b, i, 2)?;
    let minutes = b.get(j) == Some(&b':') && digits(b, j + 1, 2).is_some_and(|(_, e)| e == j + 3);
    if minutes {
        j += 3;
    }
    match meridiem(b, skip_space(b, j)) {
        Some(end) => Some(end),
        None => minutes.then_some(j),
    }
}

/// The end of "10:00 AM)" or "2 p.m. ET)" at `i`, just inside an opening parenthesis.
fn parenthesized_clock(b: &[u8], i: usize) -> Option<usize> {
    let mut j = clock(b, skip_space(b, i))?;
    let k = skip_space(b, j);
    let zone = alpha_end(b, k);
    if zone > k && zone - k <= 8 && is_time_word(&b[k..zone]) {
        j = zone;
    }
    let j = skip_space(b, j);
    (b.get(j) == Some(&b')')).then_some(j + 1)
}

fn meridiem(b: &[u8], i: usize) -> Option<usize> {
    ["a.m.", "p.m.", "a.m", "p.m", "am", "pm"]
        .iter()
        .find(|form| starts_with_word(b, i, form))
        .map(|form| i + form.len())
}

/// The end of "st", "nd", "rd" or "th" after a day number.
fn ordinal(b: &[u8], j: usize) -> Option<usize> {
    ["st", "nd", "rd", "th"]
        .iter()
        .find(|s| starts_with_word(b, j, s))
        .map(|s| j + s.len())
}

/// Whether a digit at `i` may begin a date: not the tail of "$13.4", "GAO-24-105980",
/// "10/20" or "1,000".
fn digits_may_start(b: &[u8], i: usize) -> bool {
    i == 0
        || !matches!(
            b[i - 1],
            b'/' | b'-' | b'.' | b'$' | b'#' | b'_' | b',' | b'+' | b'\\'
        )
}

/// Whether a numeric date may end at `e`: not followed by more of a number or code
/// ("2025-03-15-001", "3/15/2025/x"), though an ISO time may follow ("2025-03-15T10:00").
fn clean_end(b: &[u8], e: usize) -> bool {
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    match b.get(e) {
        Some(b'T') => digit_at(e + 1),
        Some(c) if c.is_ascii_alphanumeric() => false,
        Some(b'/' | b'-' | b'.' | b',') => !digit_at(e + 1),
        _ => true,
    }
}

/// A run of at most `max` ASCII digits at `i`: its value and end. More digits than `max` is
/// no match, so "20255" is not a year.
fn digits(b: &[u8], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut j = i;
    let mut value = 0u32;
    while let Some(&c) = b.get(j).filter(|c| c.is_ascii_digit()) {
        if j - i == max {
            return None;
        }
        value = value * 10 + u32::from(c - b'0');
        j += 1;
    }
    (j > i).then_some((value, j))
}

/// Whether the ASCII word `w` is at `i`, in any case, and not the start of a longer word.
fn starts_with_word(b: &[u8], i: usize, w: &str) -> bool {
    let end = i + w.len();
    b.get(i..end)
        .is_some_and(|s| s.eq_ignore_ascii_case(w.as_bytes()))
        && !b.get(end).is_some_and(u8::is_ascii_alphanumeric)
}

/// The end of a hyphen or dash at `i`: "-", and U+2010 to U+2015 ("‐", "‑", "‒", "–", "—",
/// "―"), which typeset notices use for ranges.
fn dash(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i..)? {
        [b'-', ..] => Some(i + 1),
        [0xE2, 0x80, 0x90..=0x95, ..] => Some(i + 3),
        _ => None,
    }
}

/// The length of the whitespace character at `i`, or 0: ASCII whitespace, the no-break space
/// and the typographic spaces (U+2000 to U+200A, U+202F) that web pages put inside dates.
fn space_len(b: &[u8], i: usize) -> usize {
    match b.get(i..) {
        Some([b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C, ..]) => 1,
        Some([0xC2, 0xA0, ..]) => 2,
        Some([0xE2, 0x80, 0x80..=0x8A | 0xAF, ..]) => 3,
        _ => 0,
    }
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    loop {
        match space_len(b, i) {
            0 => return i,
            n => i += n,
        }
    }
}

fn alpha_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        i += 1;
    }
    i
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        i += 1;
    }
    i
}

// ---------------------------------------------------------------------------------------------
// Dates that belong together
// ---------------------------------------------------------------------------------------------

/// How a date joins the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// "March 1 through March 31": a deadline is the end, an event the start.
    Range,
    /// "June 4 and June 11": each is what the first is.
    List,
}

/// For each date, how it joins the one before (never for the first).
fn link_all(b: &[u8], found: &[Found]) -> Vec<Option<Link>> {
    let mut out = Vec::with_capacity(found.len());
    out.push(None);
    out.extend(found.windows(2).map(|w| link(&b[w[0].end..w[1].start])));
    out
}

/// The link between two dates, from the text between them: only a connective (and weekday
/// names) counts.
fn link(gap: &[u8]) -> Option<Link> {
    if gap.len() > 24 {
        return None;
    }
    // "Sept. 29–Wednesday, Oct. 1": the dash may touch the next word.
    if let Some(e) = dash(gap, skip_space(gap, 0)) {
        return Tokens::new(&gap[e..])
            .all(is_weekday)
            .then_some(Link::Range);
    }
    let mut words = Tokens::new(gap).filter(|t| !is_weekday(t));
    match (words.next(), words.next()) {
        (None, _) => gap.contains(&b',').then_some(Link::List),
        (Some(t), None) if is_one_of(t, &["to", "through", "thru", "until", "till"]) => {
            Some(Link::Range)
        }
        (Some(t), None) if is_one_of(t, &["and", "or", "&", ";"]) => Some(Link::List),
        _ => None,
    }
}

/// "March 1 through March 31, 2025", "December 3 and January 5, 2026": the first date takes
/// the year written once for both (the year before, when it comes later in the calendar).
fn share_years(found: &mut [Found], links: &[Option<Link>]) {
    for k in (1..found.len()).rev() {
        let (later, earlier) = (found[k], &mut found[k - 1]);
        if let (Some(_), None, Some(year)) = (links[k], earlier.year, later.year) {
            let wraps = (earlier.month, earlier.day) > (later.month, later.day);
            earlier.year = Some(if wraps { year - 1 } else { year });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cues
// ---------------------------------------------------------------------------------------------

/// What a date governed by a cue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Deadline,
    Event,
    /// A publication, signing or effective date: it also keeps the cues further back from it.
    Neither,
}

/// How a cue governs the date after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// Any date within reach in the same sentence: "comments must be received", "due".
    Deadline,
    Event,
    /// A noun ("deadline", "comment period"): only a date it introduces ("the deadline is",
    /// "Deadline:"), since a sentence about a deadline can name other dates first.
    DeadlineNoun,
    /// "hearing", "workshop": only a date it introduces ("hearing on", "Hearing:"), since news
    /// mentions a hearing and then any other date.
    EventNoun,
    /// "by": a deadline only when nothing but a time of day stands between it and the date
    /// ("by 5:00 PM EST on Dec. 3"), not "signed by the President on".
    By,
    /// "signed", "effective", "published": the date right after is neither.
    Not,
    /// "comments", "responses": a deadline when a few words on "until", "through" or "by"
    /// introduces the date ("accepting public comments on the draft until", "taking comments
    /// through"), not "comments made on".
    Submissions,
    /// "testimony", "statement": an event when the date closes a phrase naming the committee
    /// it was given before ("Statement before the Senate Committee on Commerce, Science, and
    /// Transportation, February 25, 2025"). Reaches [`LONG_REACH`].
    Testimony,
    /// "ordered reported", "marked up": the committee's business, an event on the day "on"
    /// introduces ("ordered reported by the Senate Committee on … on July 31, 2024"). Reaches
    /// [`LONG_REACH`].
    CommitteeAction,
}

impl Cue {
    /// How far in bytes the cue reaches forward to its date.
    fn reach(self) -> usize {
        match self {
            Cue::Testimony | Cue::CommitteeAction => LONG_REACH,
            _ => REACH,
        }
    }
}

/// The cues, lowercase; matched without regard to case, at word edges, with runs of
/// whitespace in the text read as one space.
const CUES: &[(&str, Cue)] = &[
    ("due", Cue::Deadline),
    ("on or before", Cue::Deadline),
    ("no later than", Cue::Deadline),
    ("not later than", Cue::Deadline),
    ("closes", Cue::Deadline),
    ("will close", Cue::Deadline),
    ("close on", Cue::Deadline),
    ("closing on", Cue::Deadline),
    ("accepted until", Cue::Deadline),
    ("accepted through", Cue::Deadline),
    ("accepted by", Cue::Deadline),
    ("received by", Cue::Deadline),
    ("be received", Cue::Deadline),
    ("submitted by", Cue::Deadline),
    ("submitted through", Cue::Deadline),
    ("submitted until", Cue::Deadline),
    ("be submitted", Cue::Deadline),
    ("submit comments", Cue::Deadline),
    ("submit responses", Cue::Deadline),
    ("submit proposals", Cue::Deadline),
    ("submit applications", Cue::Deadline),
    ("comments by", Cue::Deadline),
    ("responses by", Cue::Deadline),
    ("proposals by", Cue::Deadline),
    ("quotes by", Cue::Deadline),
    ("offers by", Cue::Deadline),
    ("applications by", Cue::Deadline),
    ("apply by", Cue::Deadline),
    ("register by", Cue::Deadline),
    ("registration closes", Cue::Deadline),
    ("open until", Cue::Deadline),
    ("open through", Cue::Deadline),
    ("remain open", Cue::Deadline),
    ("remains open", Cue::Deadline),
    ("extended to", Cue::Deadline),
    ("extended until", Cue::Deadline),
    ("extended through", Cue::Deadline),
    ("deadline", Cue::DeadlineNoun),
    ("deadlines", Cue::DeadlineNoun),
    ("due date", Cue::DeadlineNoun),
    ("closing date", Cue::DeadlineNoun),
    ("close date", Cue::DeadlineNoun),
    ("response date", Cue::DeadlineNoun),
    ("comment period", Cue::DeadlineNoun),
    ("by", Cue::By),
    ("scheduled", Cue::Event),
    ("will take place", Cue::Event),
    ("takes place", Cue::Event),
    ("take place", Cue::Event),
    ("taking place", Cue::Event),
    ("took place", Cue::Event),
    ("will be held", Cue::Event),
    ("to be held", Cue::Event),
    ("be held", Cue::Event),
    ("was held", Cue::Event),
    ("were held", Cue::Event),
    ("held on", Cue::Event),
    ("will meet", Cue::Event),
    ("will convene", Cue::Event),
    ("convenes", Cue::Event),
    ("join us", Cue::Event),
    ("hearing", Cue::EventNoun),
    ("hearings", Cue::EventNoun),
    ("markup", Cue::EventNoun),
    ("markups", Cue::EventNoun),
    ("mark-up", Cue::EventNoun),
    ("meeting", Cue::EventNoun),
    ("meetings", Cue::EventNoun),
    ("workshop", Cue::EventNoun),
    ("workshops", Cue::EventNoun),
    ("webinar", Cue::EventNoun),
    ("webinars", Cue::EventNoun),
    ("industry day", Cue::EventNoun),
    ("listening session", Cue::EventNoun),
    ("listening sessions", Cue::EventNoun),
    ("roundtable", Cue::EventNoun),
    ("round table", Cue::EventNoun),
    ("town hall", Cue::EventNoun),
    ("forum", Cue::EventNoun),
    ("summit", Cue::EventNoun),
    ("conference", Cue::EventNoun),
    ("symposium", Cue::EventNoun),
    ("briefing", Cue::EventNoun),
    ("open house", Cue::EventNoun),
    ("information session", Cue::EventNoun),
    ("executive session", Cue::EventNoun),
    ("executive sessions", Cue::EventNoun),
    ("open session", Cue::EventNoun),
    ("closed session", Cue::EventNoun),
    ("business meeting", Cue::EventNoun),
    ("comment", Cue::Submissions),
    ("comments", Cue::Submissions),
    ("responses", Cue::Submissions),
    ("feedback", Cue::Submissions),
    ("input", Cue::Submissions),
    ("submissions", Cue::Submissions),
    ("applications", Cue::Submissions),
    ("proposals", Cue::Submissions),
    ("nominations", Cue::Submissions),
    ("testimony", Cue::Testimony),
    ("statement", Cue::Testimony),
    ("statements", Cue::Testimony),
    ("remarks", Cue::Testimony),
    ("testified", Cue::Testimony),
    ("testify", Cue::Testimony),
    ("testifies", Cue::Testimony),
    ("testifying", Cue::Testimony),
    ("appeared", Cue::Testimony),
    ("appears", Cue::Testimony),
    ("appear", Cue::Testimony),
    ("appearing", Cue::Testimony),
    ("ordered reported", Cue::CommitteeAction),
    ("ordered to be reported", Cue::CommitteeAction),
    ("ordered favorably reported", Cue::CommitteeAction),
    ("favorably reported", Cue::CommitteeAction),
    ("reported favorably", Cue::CommitteeAction),
    ("marked up", Cue::CommitteeAction),
    ("signed", Cue::Not),
    ("issued", Cue::Not),
    ("published", Cue::Not),
    ("posted", Cue::Not),
    ("released", Cue::Not),
    ("dated", Cue::Not),
    ("effective", Cue::Not),
    ("take effect", Cue::Not),
    ("takes effect", Cue::Not),
    ("took effect", Cue::Not),
    ("in effect", Cue::Not),
    ("enacted", Cue::Not),
    ("introduced", Cue::Not),
    ("filed", Cue::Not),
    ("passed", Cue::Not),
    ("approved", Cue::Not),
    ("adopted", Cue::Not),
    ("awarded", Cue::Not),
    ("announced", Cue::Not),
    ("said", Cue::Not),
    ("says", Cue::Not),
    ("noted", Cue::Not),
    ("wrote", Cue::Not),
    ("told", Cue::Not),
    ("reported", Cue::Not),
    ("updated", Cue::Not),
    ("amended", Cue::Not),
    ("revised", Cue::Not),
    ("opened", Cue::Not),
    ("opens", Cue::Not),
    ("open on", Cue::Not),
    ("begins", Cue::Not),
    ("began", Cue::Not),
    ("beginning", Cue::Not),
    ("starting", Cue::Not),
    ("starts", Cue::Not),
    ("launched", Cue::Not),
    ("since", Cue::Not),
    ("as of", Cue::Not),
    ("on or after", Cue::Not),
    ("extended from", Cue::Not),
    ("rescheduled from", Cue::Not),
    ("postponed from", Cue::Not),
    ("expired", Cue::Not),
    ("expires", Cue::Not),
    ("expire", Cue::Not),
    ("archive date", Cue::Not),
    ("inactive date", Cue::Not),
    ("publication date", Cue::Not),
    ("published date", Cue::Not),
    ("posted date", Cue::Not),
    ("issue date", Cue::Not),
    ("date of publication", Cue::Not),
    ("due to", Cue::Not),
    ("due process", Cue::Not),
    ("due diligence", Cue::Not),
];

/// All cues, overlapping matches included: "due" must be seen inside "due to" so the longer
/// one can be preferred, and a match that fails the word-edge test must not hide a shorter one.
static CUE_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(CUES.iter().map(|(pattern, _)| pattern))
        // A fixed list of short ASCII patterns, far below any size limit: cannot fail.
        .expect("the cue patterns build")
});

/// Words besides the event nouns that make an item about a hearing: "Witnesses:".
const HEARING_WORDS: &[&str] = &["witness", "testimony", "testify"];
/// Words that make an item about a committee's business, where a date with a weekday and a
/// time lists its hearing or meeting: "Tuesday, May 16, 2023, 10:00 a.m., Dirksen Senate Office
/// Building Room 226" under "Subcommittee on Privacy, Technology, and the Law". Without the
/// weekday it is as likely a byline's timestamp.
const COMMITTEE_WORDS: &[&str] = &["committee", "subcommittee"];

/// How much an item talks about an event, for its listing lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mention {
    Nothing,
    Committee,
    Event,
}

/// The event nouns, then [`HEARING_WORDS`], then [`COMMITTEE_WORDS`]: a listing line
/// ("06/05/2025 10:00 AM") is an event only in an item that talks about a hearing, meeting or
/// committee. Matched at the start of a word ("witnesses", "committees" too).
static EVENT_WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let nouns = CUES
        .iter()
        .filter(|(_, cue)| *cue == Cue::EventNoun)
        .map(|(pattern, _)| pattern);
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(nouns.chain(HEARING_WORDS).chain(COMMITTEE_WORDS))
        // As above: a fixed list of short ASCII patterns.
        .expect("the event word patterns build")
});

/// One cue found in the text.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    cue: Cue,
    /// Already governed an earlier date: "comments due March 15 on the January 5 proposal"
    /// does not make January 5 a deadline too.
    spent: bool,
}

/// The cues before the dates seen so far, in order of where they end.
struct Cues<'a> {
    text: &'a [u8],
    hits: Vec<Hit>,
    scanned_to: usize,
    /// The stretch being scanned with whitespace runs squeezed to one space, so "must be\n
    /// received" still matches, and where each of its bytes came from.
    squeezed: Vec<u8>,
    origin: Vec<usize>,
    segment: Vec<Hit>,
    /// Where a date named the event it modifies ("May 8 meeting"), in order: the cues there
    /// are spent before they are found.
    used: Vec<(usize, usize)>,
}

impl<'a> Cues<'a> {
    fn new(text: &'a [u8]) -> Self {
        Cues {
            text,
            hits: Vec::new(),
            scanned_to: 0,
            squeezed: Vec::new(),
            origin: Vec::new(),
            segment: Vec::new(),
            used: Vec::new(),
        }
    }

    /// Spends the cues in `start..end`, after every stretch scanned so far: the words from a
    /// date to the noun it modifies.
    fn spend(&mut self, start: usize, end: usize) {
        self.used.push((start, end));
    }

    /// Finds the cues in the window before `at` that earlier calls have not scanned. A cue
    /// cannot straddle the start of a window: it would end out of reach.
    fn scan_before(&mut self, at: usize) {
        let lo = at.saturating_sub(WINDOW).max(self.scanned_to);
        if lo >= at {
            return;
        }
        self.scanned_to = at;
        self.squeeze(lo, at);
        self.segment.clear();
        for m in CUE_MATCHER.find_overlapping_iter(&self.squeezed[..]) {
            // Every pattern starts and ends with an ASCII letter, which squeezing keeps as is.
            let start = self.origin[m.start()];
            let end = self.origin[m.end() - 1] + 1;
            if is_word(self.text, start, end) {
                let cue = CUES[m.pattern().as_usize()].1;
                self.segment.push(Hit {
                    start,
                    end,
                    cue,
                    spent: false,
                });
            }
        }
        drop_contained(&mut self.segment);
        for hit in &mut self.segment {
            let k = self.used.partition_point(|&(start, _)| start <= hit.start);
            hit.spent = k > 0 && hit.start < self.used[k - 1].1;
        }
        self.segment.sort_unstable_by_key(|h| (h.end, h.start));
        self.hits.extend_from_slice(&self.segment);
    }

    fn squeeze(&mut self, lo: usize, hi: usize) {
        self.squeezed.clear();
        self.origin.clear();
        let mut i = lo;
        while i < hi {
            match space_len(self.text, i) {
                0 => {
                    self.squeezed.push(self.text[i]);
                    self.origin.push(i);
                    i += 1;
                }
                n => {
                    if self.squeezed.last() != Some(&b' ') {
                        self.squeezed.push(b' ');
                        self.origin.push(i);
                    }
                    i += n;
                }
            }
        }
    }

    /// What the nearest cue that governs the date at `at` makes it, looking back no further
    /// than the start of its sentence `floor`.
    fn govern(&mut self, at: usize, floor: usize) -> Option<Class> {
        for hit in self.hits.iter_mut().rev() {
            if hit.end + LONG_REACH < at {
                break;
            }
            if hit.spent || hit.start < floor || hit.end + hit.cue.reach() < at {
                continue;
            }
            if let Some(class) = governs(hit.cue, &self.text[hit.end..at]) {
                hit.spent = true;
                return Some(class);
            }
        }
        None
    }
}

/// Keeps the longest of nested matches: "due to" rather than "due", "due date" rather than
/// "due".
fn drop_contained(hits: &mut Vec<Hit>) {
    hits.sort_unstable_by_key(|h| (h.start, Reverse(h.end)));
    let mut reach = 0;
    hits.retain(|h| {
        let keep = h.end > reach;
        reach = reach.max(h.end);
        keep
    });
}

/// Whether `start..end` is whole words: "due" but not "overdue" or "residue".
fn is_word(b: &[u8], start: usize, end: usize) -> bool {
    let edge = |c: Option<&u8>| !c.is_some_and(u8::is_ascii_alphanumeric);
    (start == 0 || edge(b.get(start - 1))) && edge(b.get(end))
}

/// What `cue` makes the date that follows it after `gap`, if it governs that date.
fn governs(cue: Cue, gap: &[u8]) -> Option<Class> {
    match cue {
        Cue::Deadline => Some(Class::Deadline),
        Cue::Event => Some(Class::Event),
        Cue::DeadlineNoun => introduces(gap).then_some(Class::Deadline),
        Cue::EventNoun => introduces(gap).then_some(Class::Event),
        Cue::By => only_time(gap).then_some(Class::Deadline),
        Cue::Not => (gap.len() <= NOT_REACH).then_some(Class::Neither),
        Cue::Submissions => submissions_until(gap).then_some(Class::Deadline),
        Cue::Testimony => before_committee(gap).then_some(Class::Event),
        Cue::CommitteeAction => last_word(gap)
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(b"on"))
            .then_some(Class::Event),
    }
}

/// Whether the few words between "comments" (or "responses" …) and a date end in "until",
/// "through" or "by", times of day aside: "comments on the draft until", "comments through
/// 5 p.m. ET on", but not "comments made on".
fn submissions_until(gap: &[u8]) -> bool {
    /// A few words, then a time of day: "on the draft until 11:59 p.m. ET on Friday,".
    const MOST_WORDS: usize = 16;
    const FILLER: &[&str] = &["on", "at", "the", "close", "of", "business", "cob"];
    let mut last = None;
    for (n, t) in Tokens::new(gap).enumerate() {
        if n == MOST_WORDS {
            return false;
        }
        if !(is_weekday(t) || is_time_word(t) || is_one_of(t, FILLER)) {
            last = Some(t);
        }
    }
    last.is_some_and(|t| is_one_of(t, &["until", "till", "through", "thru", "by"]))
}

/// Whether the text between "testimony" (or "statement" …) and a date goes before a committee
/// and closes with the date: "before the Senate Committee on Commerce, Science, and
/// Transportation, " or "before the Committee on Armed Services on".
fn before_committee(gap: &[u8]) -> bool {
    const BODIES: &[&str] = &[
        "committee",
        "subcommittee",
        "committees",
        "subcommittees",
        "commission",
        "caucus",
    ];
    let mut before = false;
    let mut committee = false;
    for t in Tokens::new(gap) {
        if t.eq_ignore_ascii_case(b"before") {
            before = true;
        } else if before && is_one_of(t, BODIES) {
            committee = true;
        }
    }
    committee && last_word(gap).is_some_and(|(t, closed)| closed || t.eq_ignore_ascii_case(b"on"))
}

/// The last word of `gap` (weekday names aside) and whether a comma or line break follows it.
fn last_word(gap: &[u8]) -> Option<(&[u8], bool)> {
    let mut tokens = Tokens::new(gap);
    let mut last = None;
    while let Some(t) = tokens.next() {
        if !is_weekday(t) {
            last = Some((t, tokens.i));
        }
    }
    let (t, mut i) = last?;
    let mut closed = false;
    loop {
        match tokens.separator_len(i) {
            0 => return Some((t, closed)),
            n => {
                closed |= matches!(gap[i], b',' | b'\n');
                i += n;
            }
        }
    }
}

/// Words after a noun that introduce its date: "hearing on", "deadline is", "comment period
/// ends", "hearing scheduled for".
const INTRODUCERS: &[&str] = &[
    "on", "for", "is", "was", "be", "from", "until", "through", "thru", "ends", "ending", "date",
    "dates", "set", "slated", "now", "at", "|", "(",
];

/// Whether the text between a noun cue and a date introduces the date: its last word (weekday
/// names and times of day aside) is an introducer, a label colon or a dash, or there is none.
fn introduces(gap: &[u8]) -> bool {
    let mut last = None;
    let mut words = 0;
    for t in Tokens::new(gap).filter(|t| !is_weekday(t) && !is_time_word(t)) {
        last = Some(t);
        words += 1;
    }
    match last {
        None => true,
        Some(t) => {
            t.ends_with(b":")
                || dash(t, 0) == Some(t.len())
                || is_one_of(t, INTRODUCERS)
                // "the hearing of March 4", but not "a hearing on … Executive Order 14110 of".
                || (words == 1 && t.eq_ignore_ascii_case(b"of"))
        }
    }
}

/// Whether the text between "by" and a date is only a time of day: "by 5:00 PM EST on",
/// "by close of business on Friday,".
fn only_time(gap: &[u8]) -> bool {
    const FILLER: &[&str] = &[
        "on", "at", "the", "close", "of", "business", "cob", "end", "day",
    ];
    Tokens::new(gap).all(|t| is_weekday(t) || is_time_word(t) || is_one_of(t, FILLER))
}

/// A word of a time of day: "5:00", "11:59PM", "5", "p.m.", "noon", "EST", "(ET)", "Eastern".
fn is_time_word(t: &[u8]) -> bool {
    const ZONES: &[&str] = &[
        "a.m.", "p.m.", "a.m", "p.m", "am", "pm", "noon", "midnight", "et", "est", "edt", "ct",
        "cst", "cdt", "mt", "mst", "mdt", "pt", "pst", "pdt", "utc", "gmt", "eastern", "central",
        "mountain", "pacific", "time", "standard", "daylight", "local",
    ];
    let t = trim_parens(t);
    let hour = digits(t, 0, 2).is_some_and(|(_, e)| e == t.len());
    hour || clock(t, 0) == Some(t.len()) || is_one_of(t, ZONES)
}

fn trim_parens(mut t: &[u8]) -> &[u8] {
    while let [b'(', rest @ ..] = t {
        t = rest;
    }
    while let [rest @ .., b')' | b'.' | b';'] = t {
        // Keep the period of "a.m." and "p.m.", which the zone list spells with it.
        if t.ends_with(b".m.") {
            break;
        }
        t = rest;
    }
    t
}

fn is_weekday(t: &[u8]) -> bool {
    let t = t.strip_suffix(b".").unwrap_or(t);
    is_one_of(t, WEEKDAYS)
}

fn is_one_of(t: &[u8], words: &[&str]) -> bool {
    words.iter().any(|w| t.eq_ignore_ascii_case(w.as_bytes()))
}

/// The words of a short stretch of text, split at whitespace and commas.
struct Tokens<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Tokens<'a> {
    fn new(b: &'a [u8]) -> Self {
        Tokens { b, i: 0 }
    }

    fn separator_len(&self, i: usize) -> usize {
        if self.b.get(i) == Some(&b',') {
            1
        } else {
            space_len(self.b, i)
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            match self.separator_len(self.i) {
                0 => break,
                n => self.i += n,
            }
        }
        let start = self.i;
        // A multi-byte space starts with a lead byte, which no continuation byte equals, so
        // stepping one byte at a time never finds one inside another character.
        while self.i < self.b.len() && self.separator_len(self.i) == 0 {
            self.i += 1;
        }
        (self.i > start).then(|| &self.b[start..self.i])
    }
}

// ---------------------------------------------------------------------------------------------
// Sentences
// ---------------------------------------------------------------------------------------------

/// Words whose period does not end a sentence: "Sen. Cruz", "Mar. 15", "No. 2025".
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "sen", "sens", "rep", "reps", "gov", "gen", "lt", "col", "capt",
    "adm", "sgt", "hon", "st", "no", "nos", "vol", "sec", "dept", "div", "fed", "reg", "pub",
    "stat", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "inc", "corp", "co",
    "ltd", "jr", "sr", "vs", "approx", "rm", "bldg", "ave", "blvd", "ft",
];

/// Where the sentence holding the date at `at` starts, looking back no further than a cue can
/// reach.
fn sentence_start(b: &[u8], at: usize) -> usize {
    let lo = at.saturating_sub(WINDOW);
    let mut k = at;
    while k > lo {
        k -= 1;
        let ends = match b[k] {
            b'.' | b'?' | b'!' => ends_sentence(b, k),
            b'\n' => blank_line_before(b, k) || line_starts_sentence(b, k, at),
            _ => false,
        };
        if ends {
            return k + 1;
        }
    }
    lo
}

/// Whether the punctuation at `k` ends a sentence: followed by space and a capital letter, and
/// not the period of an abbreviation ("p.m. EST", "U.S. Senate", "Sen. Cruz").
fn ends_sentence(b: &[u8], k: usize) -> bool {
    let next = skip_space(b, k + 1);
    next > k + 1
        && b.get(next).is_some_and(u8::is_ascii_uppercase)
        && !(b[k] == b'.' && abbreviation_before(b, k))
}

fn abbreviation_before(b: &[u8], k: usize) -> bool {
    let mut t = k;
    while t > 0 && k - t < 12 && (b[t - 1].is_ascii_alphabetic() || b[t - 1] == b'.') {
        t -= 1;
    }
    let word = &b[t..k];
    word.contains(&b'.')
        || (word.len() == 1 && word[0].is_ascii_uppercase())
        || is_one_of(word, ABBREVIATIONS)
}

/// Whether the line after the newline at `k` starts a sentence before the date at `at`: text
/// taken from web pages puts headings on lines of their own ("Senate hearing\nOn January 20,
/// 2025, the President signed"). A lowercase start is a wrapped line, and a line that holds
/// only a label before the date continues its heading ("Hearing\nDate: 06/05/2025").
fn line_starts_sentence(b: &[u8], k: usize, at: usize) -> bool {
    let next = skip_space(b, k + 1);
    if next >= at || !b[next].is_ascii_uppercase() {
        return false;
    }
    let mut words = Tokens::new(&b[next..at]).filter(|t| !is_weekday(t));
    let label = words
        .by_ref()
        .take(3)
        .last()
        .is_some_and(|t| t.ends_with(b":"));
    let more = words.next().is_some();
    let only_weekdays = Tokens::new(&b[next..at]).all(is_weekday);
    !(only_weekdays || (label && !more))
}

/// Whether the newline at `k` ends a blank line: paragraphs are separate sentences.
fn blank_line_before(b: &[u8], k: usize) -> bool {
    let mut t = k;
    while t > 0 && matches!(b[t - 1], b' ' | b'\t' | b'\r') {
        t -= 1;
    }
    t > 0 && b[t - 1] == b'\n'
}

// ---------------------------------------------------------------------------------------------
// Classifying and resolving
// ---------------------------------------------------------------------------------------------

/// What each date is. A date joined to the one before is what that one is; otherwise the noun
/// it modifies decides ("the May 8 hearing"), then its cue, and failing a cue, a date with a
/// time in an item about a hearing, meeting or committee is a listing of that event. The noun
/// comes first: in "due after the May 8 meeting, on May 22" the cue belongs to May 22.
fn classify_all(b: &[u8], found: &[Found], links: &[Option<Link>]) -> Vec<Option<Class>> {
    let mut cues = Cues::new(b);
    let mut about_event = None;
    let mut classes: Vec<Option<Class>> = Vec::with_capacity(found.len());
    for (k, (date, link)) in found.iter().zip(links).enumerate() {
        let inherited = link.and(classes.last().copied().flatten());
        let class = if inherited.is_some() {
            inherited
        } else if let Some((class, noun_end)) = noun_after(b, date) {
            cues.spend(date.end, noun_end);
            // "the June 4 and June 11 hearings": the dates before, joined to this one, are
            // what it is. Each is set once, as only unset ones are.
            let mut j = k;
            while j > 0 && links[j].is_some() && classes[j - 1].is_none() {
                classes[j - 1] = Some(class);
                j -= 1;
            }
            Some(class)
        } else if link.is_some() {
            None
        } else {
            cues.scan_before(date.start);
            cues.govern(date.start, sentence_start(b, date.start))
                .or_else(|| {
                    let listed = date.timed
                        && match *about_event.get_or_insert_with(|| mentions_event(b)) {
                            Mention::Event => true,
                            Mention::Committee => weekday_before(b, date.start),
                            Mention::Nothing => false,
                        };
                    listed.then_some(Class::Event)
                })
        };
        classes.push(class);
    }
    classes
}

/// Nouns that a date right before them gives the day of: "the May 8 hearing", "its June 4
/// meeting", "the March 15 deadline".
const NOUNS_AFTER: &[(&str, Class)] = &[
    ("hearing", Class::Event),
    ("hearings", Class::Event),
    ("markup", Class::Event),
    ("markups", Class::Event),
    ("mark-up", Class::Event),
    ("meeting", Class::Event),
    ("meetings", Class::Event),
    ("session", Class::Event),
    ("sessions", Class::Event),
    ("workshop", Class::Event),
    ("workshops", Class::Event),
    ("webinar", Class::Event),
    ("webinars", Class::Event),
    ("roundtable", Class::Event),
    ("roundtables", Class::Event),
    ("summit", Class::Event),
    ("forum", Class::Event),
    ("symposium", Class::Event),
    ("conference", Class::Event),
    ("briefing", Class::Event),
    ("deadline", Class::Deadline),
    ("deadlines", Class::Deadline),
];

/// Two-word nouns: the first word, then the second.
const NOUN_PAIRS_AFTER: &[(&str, &str)] = &[
    ("industry", "day"),
    ("industry", "days"),
    ("town", "hall"),
    ("round", "table"),
];

/// Lowercase words that may stand between a date and its noun: "the June 4 full committee
/// markup", "the May 1 public listening session". Any capitalized word may too: "the July 15
/// House Armed Services Committee markup".
const NOUN_MODIFIERS: &[&str] = &[
    "full",
    "committee",
    "subcommittee",
    "joint",
    "field",
    "oversight",
    "legislative",
    "nomination",
    "nominations",
    "confirmation",
    "budget",
    "public",
    "open",
    "closed",
    "executive",
    "business",
    "virtual",
    "hybrid",
    "in-person",
    "online",
    "special",
    "annual",
    "quarterly",
    "monthly",
    "regular",
    "first",
    "second",
    "third",
    "final",
    "next",
    "upcoming",
    "kickoff",
    "kick-off",
    "one-day",
    "two-day",
    "all-day",
    "half-day",
    "day-long",
    "advisory",
    "board",
    "council",
    "commission",
    "panel",
    "stakeholder",
    "technical",
    "informational",
    "information",
    "listening",
    "industry",
    "agency",
    "policy",
    "pre-proposal",
    "preproposal",
    "pre-solicitation",
    "presolicitation",
    "pre-bid",
    "comment",
    "filing",
    "registration",
    "application",
    "submission",
    "response",
    "proposal",
];

/// What the noun that `date` modifies makes it, and where the noun ends, if a few words on the
/// same line after it lead to one: "the May 8, 2025 hearing", "the Committee's July 15 markup",
/// "May 8's hearing". A label ("Industry Day: 03/05/2025") names the date after it, not the one
/// before.
fn noun_after(b: &[u8], date: &Found) -> Option<(Class, usize)> {
    let mut i = date.end;
    // "the May 8, 2025, hearing": a comma may close a date with its year.
    if date.year.is_some() && b.get(i) == Some(&b',') {
        i += 1;
    } else if let Some(end) = possessive(b, i) {
        i = end;
    }
    let mut previous: &[u8] = b"";
    for _ in 0..=NOUN_WORDS {
        let (word, end) = next_word_on_line(b, i)?;
        let bare = strip_possessive(word);
        let class = NOUNS_AFTER
            .iter()
            .find(|(noun, _)| bare.eq_ignore_ascii_case(noun.as_bytes()))
            .map(|&(_, class)| class)
            .or_else(|| {
                NOUN_PAIRS_AFTER
                    .iter()
                    .any(|(first, second)| {
                        previous.eq_ignore_ascii_case(first.as_bytes())
                            && bare.eq_ignore_ascii_case(second.as_bytes())
                    })
                    .then_some(Class::Event)
            });
        if let Some(class) = class {
            return (b.get(skip_space(b, end)) != Some(&b':')).then_some((class, end));
        }
        let modifier = bare.first().is_some_and(u8::is_ascii_uppercase)
            || is_one_of(bare, NOUN_MODIFIERS)
            || NOUN_PAIRS_AFTER
                .iter()
                .any(|(first, _)| bare.eq_ignore_ascii_case(first.as_bytes()));
        if !modifier {
            return None;
        }
        previous = bare;
        i = end;
    }
    None
}

/// The word after the spaces at `i`, on the same line, and its end: letters, digits, inner
/// hyphens and a possessive "'s". `None` at a line break, punctuation or an overlong word.
fn next_word_on_line(b: &[u8], from: usize) -> Option<(&[u8], usize)> {
    const LONGEST: usize = 32;
    let mut i = from;
    let start = loop {
        match space_len(b, i) {
            0 => break i,
            _ if matches!(b[i], b'\n' | b'\r') => return None,
            n => i += n,
        }
    };
    if start == from {
        return None;
    }
    let mut end = word_end(b, start);
    while b.get(end) == Some(&b'-') && b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric) {
        end = word_end(b, end + 1);
    }
    if let Some(e) = possessive(b, end) {
        end = e;
    }
    (end > start && end - start <= LONGEST).then(|| (&b[start..end], end))
}

/// The end of a possessive "'s" or "’s" at `i`.
fn possessive(b: &[u8], i: usize) -> Option<usize> {
    let s = match b.get(i..)? {
        [b'\'', ..] => i + 1,
        [0xE2, 0x80, 0x99, ..] => i + 3,
        _ => return None,
    };
    (matches!(b.get(s), Some(b's' | b'S')) && !b.get(s + 1).is_some_and(u8::is_ascii_alphanumeric))
        .then_some(s + 1)
}

/// `word` without the possessive at its end, if any.
fn strip_possessive(word: &[u8]) -> &[u8] {
    word.strip_suffix(b"'s")
        .or_else(|| word.strip_suffix("\u{2019}s".as_bytes()))
        .unwrap_or(word)
}

/// Whether a weekday name ends just before `start`: "Tuesday, " or "Tues. ".
fn weekday_before(b: &[u8], start: usize) -> bool {
    let mut j = start;
    while j > 0 && (b[j - 1].is_ascii_whitespace() || b[j - 1] == b',') && start - j < 8 {
        j -= 1;
    }
    if j > 0 && b[j - 1] == b'.' {
        j -= 1;
    }
    let end = j;
    while j > 0 && b[j - 1].is_ascii_alphabetic() && end - j < 10 {
        j -= 1;
    }
    let word_starts = j == 0 || !b[j - 1].is_ascii_alphanumeric();
    j < end && word_starts && is_weekday(&b[j..end])
}

fn mentions_event(b: &[u8]) -> Mention {
    let committee = EVENT_WORDS.patterns_len() - COMMITTEE_WORDS.len();
    let mut most = Mention::Nothing;
    for m in EVENT_WORDS.find_iter(b) {
        if m.start() > 0 && b[m.start() - 1].is_ascii_alphanumeric() {
            continue;
        }
        if m.pattern().as_usize() < committee {
            return Mention::Event;
        }
        most = Mention::Committee;
    }
    most
}

/// The dates, resolved and sorted into deadlines and events: a range's end for a deadline, its
/// start for an event.
fn collect(
    found: &[Found],
    links: &[Option<Link>],
    classes: &[Option<Class>],
    published: NaiveDate,
) -> EventDates {
    let mut out = EventDates::default();
    for (k, date) in found.iter().enumerate() {
        let starts_range = links.get(k + 1) == Some(&Some(Link::Range));
        let ends_range = links[k] == Some(Link::Range);
        let (list, day) = match classes[k] {
            Some(Class::Deadline) if !starts_range => {
                (&mut out.deadlines, date.last_day.unwrap_or(date.day))
            }
            Some(Class::Event) if !ends_range => (&mut out.events, date.day),
            _ => continue,
        };
        if let Some(resolved) = resolve(date.year, date.month, day, published)
            && !list.contains(&resolved)
        {
            list.push(resolved);
        }
    }
    out
}

/// The calendar date, if it exists and is within a few years of publication. A year-less date
/// is its first occurrence on or after a week before publication.
fn resolve(year: Option<i32>, month: u32, day: u32, published: NaiveDate) -> Option<NaiveDate> {
    let date = match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day)?,
        None => {
            let from = published
                .checked_sub_days(Days::new(LOOKBACK_DAYS))
                .unwrap_or(published);
            match NaiveDate::from_ymd_opt(from.year(), month, day) {
                Some(date) if date >= from => date,
                _ => NaiveDate::from_ymd_opt(from.year() + 1, month, day)?,
            }
        }
    };
    ((date - published).num_days().abs() <= MAX_DAYS_AWAY).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid test date")
    }

    /// Deadlines and events in `text` of an item published on `published`.
    fn at(text: &str, published: NaiveDate) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        let found = event_dates(text, published);
        (found.deadlines, found.events)
    }

    /// As [`at`], for an item published on 2025-02-01.
    fn dates(text: &str) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
        at(text, ymd(2025, 2, 1))
    }

    fn deadline(text: &str) -> Vec<NaiveDate> {
        let (deadlines, events) = dates(text);
        assert_eq!(events, [], "no events in {text:?}");
        deadlines
    }

    fn event(text: &str) -> Vec<NaiveDate> {
        let (deadlines, events) = dates(text);
        assert_eq!(deadlines, [], "no deadlines in {text:?}");
        events
    }

    fn nothing(text: &str) {
        assert_eq!(dates(text), (vec![], vec![]), "nothing in {text:?}");
    }

    #[test]
    fn comment_deadlines_in_federal_register_notices() {
        let published = ymd(2024, 9, 10);
        let text = "Comments must be received on or before October 11, 2024.";
        assert_eq!(at(text, published), (vec![ymd(2024, 10, 11)], vec![]));
        assert_eq!(
            deadline("DATES: Comments are due by 11:59 p.m. ET on March 15, 2025."),
            [ymd(2025, 3, 15)]
        );
        assert_eq!(
            deadline("DATES: Comments must be received by March 15, 2025."),
            [ymd(2025, 3, 15)]
        );
        assert_eq!(
            deadline("Submit comments no later than 5 p.m. EDT, Sept. 3, 2025."),
            [ymd(2025, 9, 3)]
        );
        // A wrapped line continues its sentence.
        assert_eq!(
            deadline("The deadline for comments on the proposal\nis April 1, 2025."),
            [ymd(2025, 4, 1)]
        );
        assert_eq!(
            deadline(
                "Interested persons are invited to submit comments on or before\nApril 1, 2025."
            ),
            [ymd(2025, 4, 1)]
        );
    }

    #[test]
    fn year_less_dates_follow_publication() {
        let rfi = "Responses to this RFI are due by 5:00 PM EST on Dec. 3";
        assert_eq!(at(rfi, ymd(2025, 11, 20)).0, [ymd(2025, 12, 3)]);
        assert_eq!(
            at("Responses are due January 5.", ymd(2025, 12, 28)).0,
            [ymd(2026, 1, 5)]
        );
        assert_eq!(
            at("comments due January 5", ymd(2025, 12, 20)).0,
            [ymd(2026, 1, 5)]
        );
        // Within a week before publication is still this year: a notice about a past hearing.
        let hearing = "The hearing on Tuesday, March 4 examined federal AI procurement.";
        assert_eq!(at(hearing, ymd(2025, 3, 10)).1, [ymd(2025, 3, 4)]);
        // Eight days before is next year's.
        let hearing = "The hearing on March 2 examined federal AI procurement.";
        assert_eq!(at(hearing, ymd(2025, 3, 10)).1, [ymd(2026, 3, 2)]);
        // February 29 only in a leap year.
        assert_eq!(
            at("Comments due Feb. 29", ymd(2027, 12, 1)).0,
            [ymd(2028, 2, 29)]
        );
        assert_eq!(at("Comments due Feb. 29", ymd(2025, 12, 1)).0, []);
    }

    #[test]
    fn hearings_and_meetings() {
        let text = "The Committee will hold a hearing on Tuesday, September 12, 2023 at 2:30 PM";
        assert_eq!(at(text, ymd(2023, 9, 5)), (vec![], vec![ymd(2023, 9, 12)]));
        assert_eq!(
            event("the hearing, held on May 1, 2025, drew"),
            [ymd(2025, 5, 1)]
        );
        assert_eq!(
            event(
                "DATES: The meeting will be held on Tuesday, March 4, 2025, from 9:00 a.m. to 5:00 p.m."
            ),
            [ymd(2025, 3, 4)]
        );
        assert_eq!(
            event("An industry day is scheduled for April 2, 2025."),
            [ymd(2025, 4, 2)]
        );
        assert_eq!(
            event("NIST will host a workshop on AI risk management on Sept. 3"),
            [ymd(2025, 9, 3)]
        );
        assert_eq!(event("Webinar: 2025-04-10, 1:00 PM ET"), [ymd(2025, 4, 10)]);
        assert_eq!(
            event("Senate Commerce Committee\nHearing\nDate: 06/05/2025 10:00 AM"),
            [ymd(2025, 6, 5)]
        );
        assert_eq!(
            event("Due to the shutdown, the hearing scheduled for Oct. 7, 2025 was postponed."),
            [ymd(2025, 10, 7)]
        );
    }

    #[test]
    fn listing_lines_are_events_only_in_items_about_an_event() {
        let listing = "Full Committee Markup of H.R. 1234\n06/05/2025 10:00 AM\n2154 Rayburn";
        assert_eq!(event(listing), [ymd(2025, 6, 5)]);
        let listing =
            "Subcommittee on Oversight\nTuesday, September 12, 2023 at 2:30 PM\nAI hearing";
        assert_eq!(at(listing, ymd(2023, 9, 1)).1, [ymd(2023, 9, 12)]);
        nothing("The report was sent 06/05/2025 10:00 AM to the agency.");
        // A timestamp with its own label is not the event.
        nothing("Posted: 06/05/2025 10:00 AM. The hearing examined AI.");
    }

    #[test]
    fn dates_no_cue_governs_are_neither() {
        nothing("The rule is effective March 1, 2025.");
        nothing("On January 23, 2025, the President signed Executive Order 14179");
        nothing("Executive Order 14110 of October 30, 2023");
        nothing("This notice was published February 3, 2025 in the Federal Register.");
        nothing("Due to a lapse in appropriations on October 1, 2025, the office closed.");
        nothing("The bill was signed by President Biden on October 30, 2023.");
        nothing("The rule takes effect March 1, 2025, and the deadline was noted.");
        // A sentence end stops a cue.
        nothing("A hearing is planned. On January 23, 2025, the President signed the order.");
        nothing("Comments are due soon.\n\nMarch 3, 2025 was a Monday.");
        nothing("Senate hearing\nOn January 20, 2025, the President signed the order.");
    }

    #[test]
    fn a_cue_governs_the_date_it_introduces() {
        // "published" takes January 5; "due" takes March 15.
        let text = "Comments on the rule published January 5, 2025 are due March 15, 2025.";
        assert_eq!(deadline(text), [ymd(2025, 3, 15)]);
        // A spent cue does not carry on to a later, unrelated date.
        let text = "Comments are due March 15, 2025 on the January 5, 2025 proposal.";
        assert_eq!(deadline(text), [ymd(2025, 3, 15)]);
        let text = "At a hearing on May 1, 2025, Sen. Cruz cited the January 23, 2025 order.";
        assert_eq!(event(text), [ymd(2025, 5, 1)]);
        // A deadline noun governs the date it introduces, not one on the way.
        let text = "The deadline for comments on the January 5, 2025 proposal is March 15, 2025.";
        assert_eq!(deadline(text), [ymd(2025, 3, 15)]);
        let text = "The comment period opens March 1, 2025 and closes March 31, 2025.";
        assert_eq!(deadline(text), [ymd(2025, 3, 31)]);
        let text = "Registration for the workshop closes on May 1, 2025; the workshop will be held on May 15, 2025.";
        assert_eq!(dates(text), (vec![ymd(2025, 5, 1)], vec![ymd(2025, 5, 15)]));
        let text = "Agencies must submit plans by Friday, March 14, 2025.";
        assert_eq!(deadline(text), [ymd(2025, 3, 14)]);
        let text = "Responses must be submitted by close of business on April 4, 2025.";
        assert_eq!(deadline(text), [ymd(2025, 4, 4)]);
    }

    #[test]
    fn all_the_cues_for_deadlines() {
        let due = [ymd(2025, 3, 15)];
        for text in [
            "Comments are due March 15, 2025.",
            "Submit comments by March 15, 2025.",
            "Quotes must arrive no later than March 15, 2025.",
            "The deadline is March 15, 2025.",
            "Proposals are due by March 15, 2025.",
            "Responses due March 15, 2025.",
            "The solicitation closes on March 15, 2025.",
            "The comment period ends March 15, 2025.",
            "Comments will be accepted through March 15, 2025.",
            "The comment period is extended to March 15, 2025.",
            "The docket will remain open until March 15, 2025.",
            "Applications may be submitted until March 15, 2025.",
            "Register by March 15, 2025 to attend.",
        ] {
            assert_eq!(deadline(text), due, "{text}");
        }
        let text = "Applications will be accepted until June 30.";
        assert_eq!(deadline(text), [ymd(2025, 6, 30)]);
    }

    #[test]
    fn sam_gov_and_label_fields() {
        let due = [ymd(2025, 3, 15)];
        for text in [
            "Deadline: 03/15/2025",
            "Response Date: Mar 15, 2025 03:00 pm EDT",
            "Closing date: March 15, 2025",
            "Comments due: 03/15/2025",
            "Offers Due Date: 2025-03-15",
            "Date Offers Due: 03-15-2025 5:00 PM",
            "Original Response Date: Mar 15, 2025 03:00 pm EDT\nOriginal Published Date: Feb 1, 2025 10:00 am EST",
        ] {
            assert_eq!(deadline(text), due, "{text}");
        }
        let text =
            "Response Date: Mar 15, 2025\nArchive Date: Mar 30, 2025\nIndustry Day: 03/05/2025";
        assert_eq!(dates(text), (vec![ymd(2025, 3, 15)], vec![ymd(2025, 3, 5)]));
    }

    #[test]
    fn date_forms() {
        let due = [ymd(2025, 3, 15)];
        for form in [
            "March 15, 2025",
            "Mar. 15, 2025",
            "Mar 15 2025",
            "MARCH 15, 2025",
            "15 March 2025",
            "March 15",
            "Saturday, March 15",
            "03/15/2025",
            "3/15/25",
            "2025-03-15",
            "2025-03-15T17:00:00Z",
            "March 15th, 2025",
            "March 15,2025",
            "Saturday, March 15, 2025 at 5:00 p.m. EDT",
            "March 15, 2025, 11:59 PM ET",
            "March\u{a0}15,\u{a0}2025",
            "March\u{202f}15",
        ] {
            assert_eq!(
                deadline(&format!("Comments are due {form}.")),
                due,
                "{form}"
            );
        }
        assert_eq!(
            deadline("Comments are due Sept. 3, 2025."),
            [ymd(2025, 9, 3)]
        );
        assert_eq!(
            deadline("Comments are due Sept 3, 2025."),
            [ymd(2025, 9, 3)]
        );
        assert_eq!(
            deadline("Comments are due Sep. 3, 2025."),
            [ymd(2025, 9, 3)]
        );
        assert_eq!(
            deadline("Comments are due\u{a0}Sept.\u{a0}3"),
            [ymd(2025, 9, 3)]
        );
    }

    #[test]
    fn ranges() {
        let text = "The comment period runs from March 1 through March 31, 2025.";
        assert_eq!(at(text, ymd(2025, 2, 20)).0, [ymd(2025, 3, 31)]);
        let text = "The comment period from March 1 through March 31, 2025 is open.";
        assert_eq!(at(text, ymd(2024, 12, 1)).0, [ymd(2025, 3, 31)]);
        assert_eq!(
            event("The hearing on June 4-5, 2025 will cover AI."),
            [ymd(2025, 6, 4)]
        );
        assert_eq!(
            event("The hearing on June 4–5, 2025 will cover AI."),
            [ymd(2025, 6, 4)]
        );
        assert_eq!(
            event("The summit will be held June 4 – June 6, 2025."),
            [ymd(2025, 6, 4)]
        );
        assert_eq!(
            event("The workshop is Monday, Sept. 29–Wednesday, Oct. 1, 2025."),
            [ymd(2025, 9, 29)]
        );
        assert_eq!(
            deadline("The comment period is June 1–30, 2025."),
            [ymd(2025, 6, 30)]
        );
        assert_eq!(
            deadline("Comments due 03/01/2025 - 03/31/2025"),
            [ymd(2025, 3, 31)]
        );
    }

    #[test]
    fn lists_share_their_cue_and_year() {
        let text = "Listening sessions will be held on December 3 and January 5, 2026.";
        assert_eq!(
            at(text, ymd(2024, 11, 1)).1,
            [ymd(2025, 12, 3), ymd(2026, 1, 5)]
        );
        let text = "Hearings on June 4, June 11 and June 18, 2025.";
        assert_eq!(
            event(text),
            [ymd(2025, 6, 4), ymd(2025, 6, 11), ymd(2025, 6, 18)]
        );
    }

    #[test]
    fn order_of_appearance_without_duplicates() {
        let text = "Comments due March 15, 2025. Reminder: comments are due March 15, 2025. \
                    The workshop on May 8, 2025 follows the meeting on May 1, 2025. \
                    The hearing will be held on May 8, 2025.";
        assert_eq!(
            dates(text),
            (
                vec![ymd(2025, 3, 15)],
                vec![ymd(2025, 5, 8), ymd(2025, 5, 1)]
            )
        );
    }

    #[test]
    fn numbers_that_look_like_dates_are_not() {
        for text in [
            "Comments are due on the FY2025 budget.",
            "The deadline covers the 2024-2025 school year.",
            "The deadline for the $13.4 billion award.",
            "Deadline: 10/20 vision",
            "The hearing on GAO-24-105980 was held.",
            "Comments due: FR Doc. 2025-02305 Filed 2-3-25",
            "The hearing on H.R. 1234 and S. 56.",
            "Comments due by 2025-13-01.",
            "Comments due February 30, 2025.",
            "Comments due by 13/45/2025",
            "The hearing on May 1,000 workers",
            "Deadline: 1/2 of the funds, 24/7",
            "Comments due by March 2025.",
            "The meeting will be held on 3.15.2025.",
            "FY2025",
            "2024-2025",
            "$13.4 billion",
            "10/20 vision",
            "GAO-24-105980",
            "2025-02305",
            "H.R. 1234",
        ] {
            nothing(text);
        }
        // Lowercase "may" and "march" are verbs.
        nothing("Comments due: agencies may 15 days later march 3 miles.");
    }

    #[test]
    fn dates_far_from_publication_are_glitches() {
        nothing("Comments are due March 15, 2031.");
        nothing("The hearing on May 1, 1995 was the first.");
        assert_eq!(
            deadline("Comments are due March 15, 2027."),
            [ymd(2027, 3, 15)]
        );
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        assert_eq!(
            event("The U.S. Senate Committee will hold a hearing at 10 a.m. Tuesday, March 4."),
            [ymd(2025, 3, 4)]
        );
        assert_eq!(
            deadline("Responses are due by 5 p.m. EST. on Mar. 14, 2025."),
            [ymd(2025, 3, 14)]
        );
        assert_eq!(
            event("Sen. Cruz will convene the panel on Thursday, Feb. 6, 2025."),
            [ymd(2025, 2, 6)]
        );
    }

    #[test]
    fn a_time_in_parentheses_lists_a_hearing() {
        let text = "Full Committee hearing of the Committee on Oversight. Thursday, June 5, 2025 \
                    (10:00 AM), 2154 Rayburn House Office Building.";
        assert_eq!(at(text, ymd(2025, 6, 1)), (vec![], vec![ymd(2025, 6, 5)]));
        let text = "Markup. Tuesday, July 15, 2025 (10:00 AM), HVC-210";
        assert_eq!(at(text, ymd(2025, 7, 10)), (vec![], vec![ymd(2025, 7, 15)]));
        assert_eq!(
            event("Hearing: Tuesday, July 15, 2025 (2 p.m. ET), HVC-210"),
            [ymd(2025, 7, 15)]
        );
        // A parenthesis that holds no time of day is no listing.
        nothing("The hearing of the Committee. Thursday, June 5, 2025 (Rayburn)");
    }

    #[test]
    fn listing_lines_in_items_about_a_committee() {
        let published = ymd(2023, 5, 10);
        let listing = "Tuesday, May 16, 2023, 10:00 a.m., Dirksen Senate Office Building Room 226";
        for about in [
            "Subcommittee on Privacy, Technology, and the Law",
            "Senate Judiciary Committee",
            "Oversight of A.I.: Rules for Artificial Intelligence (hearing)",
            "Witnesses: Sam Altman, Christina Montgomery, Gary Marcus",
        ] {
            let text = format!("{about}\n{listing}");
            assert_eq!(
                at(&text, published),
                (vec![], vec![ymd(2023, 5, 16)]),
                "{text}"
            );
        }
        // Alone, in an item about no committee or event, it is nothing.
        assert_eq!(at(listing, published), (vec![], vec![]));
        // A committee alone needs the weekday of a listing: this is a byline's timestamp.
        nothing(
            "Senate Commerce Committee\nBy Jane Doe | March 3, 2025 10:00 AM\nThe senators argued.",
        );
    }

    #[test]
    fn a_date_before_its_event_noun() {
        for (text, day) in [
            (
                "Senators sent questions for the May 8, 2025 hearing.",
                ymd(2025, 5, 8),
            ),
            ("Questions for the May 8, 2025, hearing.", ymd(2025, 5, 8)),
            (
                "The report lands ahead of the House Armed Services Committee's July 15 markup.",
                ymd(2025, 7, 15),
            ),
            (
                "The board approved the plan at its June 4 meeting.",
                ymd(2025, 6, 4),
            ),
            (
                "OMB released details ahead of the Sept. 10 industry day.",
                ymd(2025, 9, 10),
            ),
            (
                "Notice of May 8, 2025 Public Meeting of the NAIAC",
                ymd(2025, 5, 8),
            ),
            (
                "the June 4 Senate Commerce Committee hearing",
                ymd(2025, 6, 4),
            ),
            ("after May 8\u{2019}s hearing", ymd(2025, 5, 8)),
            (
                "Register for the March 3 virtual listening session.",
                ymd(2025, 3, 3),
            ),
            ("the April 2 in-person roundtable", ymd(2025, 4, 2)),
            ("the April 2 town hall", ymd(2025, 4, 2)),
        ] {
            assert_eq!(event(text), [day], "{text}");
        }
        assert_eq!(
            deadline("ahead of the March 15 comment deadline"),
            [ymd(2025, 3, 15)]
        );
        // Every date of a list before the noun.
        assert_eq!(
            event("the June 4 and June 11 hearings on AI"),
            [ymd(2025, 6, 4), ymd(2025, 6, 11)]
        );
        assert_eq!(
            event("the June 4 \u{2013} June 6 workshop"),
            [ymd(2025, 6, 4)]
        );
        // The noun is spent on its date, and a cue before it is left for a later one.
        let text = "Comments are due two weeks after the May 8 meeting, on May 22, 2025.";
        assert_eq!(dates(text), (vec![ymd(2025, 5, 22)], vec![ymd(2025, 5, 8)]));
        // Other nouns, punctuation, a line break or a label stop the search.
        nothing("In a May 8 letter to the Committee, Sen. Cruz asked for a hearing.");
        nothing("the Jan. 6 attack on the Capitol");
        nothing("On May 3 the senator said the hearing went well.");
        nothing("On March 3, 2025, Senate Democrats held a press conference.");
        nothing("Comments received March 3 (hearing transcript)");
        nothing("The report is from March 3\nHearing on AI");
        let text = "Response Date: Mar 15, 2025 03:00 pm EDT Industry Day: 03/05/2025";
        assert_eq!(dates(text), (vec![ymd(2025, 3, 15)], vec![ymd(2025, 3, 5)]));
    }

    #[test]
    fn testimony_is_dated_by_its_hearing() {
        let text = "Statement before the Senate Committee on Commerce, Science, and \
                    Transportation, February 25, 2025.";
        assert_eq!(at(text, ymd(2025, 2, 20)), (vec![], vec![ymd(2025, 2, 25)]));
        let text = "Testimony before the House Armed Services Subcommittee on Cyber, \
                    Information Technologies, and Innovation, March 22, 2024.";
        assert_eq!(at(text, ymd(2024, 3, 20)), (vec![], vec![ymd(2024, 3, 22)]));
        let text = "Testimony of Jane Doe, Director, NIST, before the Senate Committee on \
                    Commerce, Science, and Transportation, February 25, 2025";
        assert_eq!(event(text), [ymd(2025, 2, 25)]);
        let text =
            "The Secretary testified before the Committee on Armed Services on March 3, 2025.";
        assert_eq!(event(text), [ymd(2025, 3, 3)]);
        // No committee, or a nearer cue, and it is not the hearing's date.
        nothing("In a statement before the vote, the senator said on March 3 that AI matters.");
        nothing(
            "Her statement before the House Committee on Energy and Commerce, published \
             March 3, 2025, argued for rules.",
        );
        nothing("Testimony before the Committee was cut short. On March 3, 2025, it resumed.");
    }

    #[test]
    fn executive_sessions_and_business_meetings() {
        let published = ymd(2024, 7, 25);
        for text in [
            "The Committee will hold an executive session on Wednesday, July 31, 2024, at 10:00 a.m.",
            "The Committee will hold a business meeting on Wednesday, July 31, 2024.",
            "The Subcommittee will meet in open session on July 31, 2024.",
            "Closed session: July 31, 2024",
        ] {
            assert_eq!(
                at(text, published),
                (vec![], vec![ymd(2024, 7, 31)]),
                "{text}"
            );
        }
    }

    #[test]
    fn a_committee_action_is_dated_by_its_day() {
        let text = "As ordered reported by the Senate Committee on Commerce, Science, and \
                    Transportation on July 31, 2024.";
        assert_eq!(at(text, ymd(2024, 8, 20)), (vec![], vec![ymd(2024, 7, 31)]));
        let text = "The bill, introduced on March 1, 2025, was marked up on July 15, 2025.";
        assert_eq!(event(text), [ymd(2025, 7, 15)]);
        // Only the day "on" introduces.
        nothing("The bill was ordered reported by voice vote, the Committee said March 3, 2025.");
        nothing("The bill was reported on March 3, 2025.");
    }

    #[test]
    fn comments_accepted_until() {
        let text = "NIST is accepting public comments on the draft until September 9, 2024.";
        assert_eq!(at(text, ymd(2024, 7, 26)), (vec![ymd(2024, 9, 9)], vec![]));
        let text = "OMB released draft guidance on AI procurement and is taking comments through \
                    Dec. 5.";
        assert_eq!(at(text, ymd(2023, 11, 1)), (vec![ymd(2023, 12, 5)], vec![]));
        for text in [
            "The draft is open for comment until March 15, 2025.",
            "NIST will accept comments on the proposal until 11:59 p.m. ET on March 15, 2025.",
            "Feedback on the profile through March 15, 2025 will be considered.",
            "Input on the draft by Friday, March 15, 2025 is welcome.",
        ] {
            assert_eq!(deadline(text), [ymd(2025, 3, 15)], "{text}");
        }
        // A date near "comments" that no deadline word introduces.
        nothing("comments made on May 3, 2025 by the senator");
        nothing("The senator's comments on May 3, 2025 drew criticism.");
        nothing("In comments to reporters through a spokesman on March 3, 2025, he said no.");
    }

    #[test]
    fn more_deadline_forms() {
        let text = "Comments on the proposed rule may be submitted through the Federal \
                    eRulemaking Portal by March 15, 2025";
        assert_eq!(deadline(text), [ymd(2025, 3, 15)]);
        let published = ymd(2025, 9, 1);
        for text in [
            "Responses are requested by October 1, 2025",
            "Responses requested no later than October 1, 2025.",
            "Submissions will be accepted through October 1, 2025.",
        ] {
            assert_eq!(
                at(text, published),
                (vec![ymd(2025, 10, 1)], vec![]),
                "{text}"
            );
        }
        let text = "The comment period closes at 11:59 p.m. ET on Jan. 10, 2026";
        assert_eq!(at(text, ymd(2025, 12, 1)), (vec![ymd(2026, 1, 10)], vec![]));
    }

    #[test]
    fn dates_that_still_are_neither() {
        // A hearing's former date is no longer its date.
        nothing("the hearing, which was postponed from March 4");
        for text in [
            "signed on January 23, 2025",
            "effective March 1",
            "published July 26, 2024",
            "In a May 8 letter",
            "the Jan. 6 attack",
            "a 2025 hearing",
            "FY2025",
            "comments made on May 3, 2025 by the senator",
        ] {
            nothing(text);
            // In an item about a hearing, as its own sentence.
            let (first, rest) = text.split_at(1);
            let capitalized = first.to_uppercase();
            nothing(&format!(
                "The Committee held a hearing. {capitalized}{rest}."
            ));
        }
    }

    #[test]
    fn truncated_and_odd_input_never_panics() {
        let published = ymd(2025, 2, 1);
        for text in [
            "",
            "due by March",
            "due by 13/45/",
            "€€ March 3, 20",
            "March",
            "Mar.",
            "3/",
            "2025-",
            "2025-03-",
            "Sept.",
            "\u{a0}",
            "\u{2013}",
            "due by 5:00 p.m. ET on",
            "hearing on June 4\u{2013}",
            "hearing on June 4\u{e2}",
            "March 3, 2025 at",
            "March 3, 2025 at 10:",
            "March 3\u{2013}\u{2014}",
            "é March 31st",
            "MARCH 99, 2025",
            "00/00/0000",
            "9999-99-99",
            ".\n\n.",
            "by",
        ] {
            let _ = event_dates(text, published);
        }
        let sample = "DATES: Comments are due by 11:59\u{a0}p.m. ET on Sept.\u{2009}3, 2025 – \
                      the hearing, held on June 4–5, 2025 at 10:00 AM in Rm. 253 (€5). \
                      Deadline: 03/15/25. Industry Day: 2025-04-01T10:00. Markup. Tuesday, \
                      July 15, 2025 (10:00 AM ET), before the Committee's July 15\u{2019}s \
                      industry day; comments on the draft until Dec. 5.";
        // Every prefix and suffix at a character boundary: patterns cut off anywhere.
        for (i, _) in sample.char_indices() {
            let _ = event_dates(&sample[..i], published);
            let _ = event_dates(&sample[i..], published);
        }
    }

    #[test]
    fn random_mixtures_of_date_parts_never_panic() {
        const PARTS: &[&str] = &[
            "March",
            "Sept.",
            "Mar",
            " ",
            "\u{a0}",
            "\u{202f}",
            ",",
            ".",
            "-",
            "\u{2013}",
            "/",
            "3",
            "15",
            "2025",
            "25",
            "99",
            ":",
            "p.m.",
            "AM",
            "at",
            "due",
            "by",
            "hearing",
            "on",
            "€",
            "é",
            "\n",
            "Tuesday",
            "through",
            "of",
            "signed",
            "Deadline:",
            "th",
            "0",
            "(",
            ")",
            "'s",
            "\u{2019}s",
            "meeting",
            "comments",
            "until",
            "testimony",
            "before",
            "Committee",
            "ordered reported",
            "industry",
            "day",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            // xorshift64: a fixed, dependency-free sequence, the same on every run.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let published = ymd(2025, 2, 1);
        for _ in 0..3000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| PARTS[(next() % PARTS.len() as u64) as usize])
                .collect();
            let found = event_dates(&text, published);
            for date in found.deadlines.iter().chain(&found.events) {
                assert!(
                    (*date - published).num_days().abs() <= MAX_DAYS_AWAY,
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn large_text_without_dates_is_linear() {
        let paragraph = "The Department of Commerce, NIST and OMB said FY2025 funding of $13.4 \
                         billion (GAO-24-105980, H.R. 1234, 10/20) may march on; the Committee \
                         will hold hearings and Meetings. Deadline questions go to the U.S. \
                         Senate. March madness continues in May. ";
        let text = paragraph.repeat(100_000 / paragraph.len() + 1);
        let started = std::time::Instant::now();
        assert_eq!(event_dates(&text, ymd(2025, 2, 1)), EventDates::default());
        // A generous bound that only a quadratic scan would miss, even in a debug build.
        assert!(
            started.elapsed().as_secs() < 2,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn large_text_full_of_long_reach_cues_is_linear() {
        // Cues that reach far, nouns after dates and dates, packed: each date looks back over
        // many cues and forward over many words.
        let text = "Testimony before the Committee on comments until statement before May 1 the \
                    Committee's May 2 Senate House Committee hearing, ordered reported on May 3, "
            .repeat(1_500);
        let started = std::time::Instant::now();
        let found = event_dates(&text, ymd(2025, 2, 1));
        assert_eq!(found.deadlines, []);
        assert_eq!(found.events, [ymd(2025, 5, 2), ymd(2025, 5, 3)]);
        assert!(
            started.elapsed().as_secs() < 2,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn large_text_full_of_dates_is_linear() {
        let text = "Comments due March 15, 2025, and the hearing on 04/01/2025 at 10 a.m. by \
                    Friday, "
            .repeat(1_500);
        let started = std::time::Instant::now();
        let found = event_dates(&text, ymd(2025, 2, 1));
        assert_eq!(found.deadlines, [ymd(2025, 3, 15)]);
        assert_eq!(found.events, [ymd(2025, 4, 1)]);
        assert!(
            started.elapsed().as_secs() < 2,
            "took {:?}",
            started.elapsed()
        );
    }
}
