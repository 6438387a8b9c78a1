//! Snippets for search hits: the best ~200-character passage of an item's body around the
//! query's words, with the byte ranges to highlight, or the body's opening when nothing matched.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Serialize;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::{SnippetGenerator, collapse_overlapped_ranges};
use tantivy::{Score, Searcher, Term};

use super::analyzer;
use super::schema::Fields;

/// Target length of a snippet, in characters (tantivy counts bytes; close enough for a hint of
/// context, and never splits a character).
pub const SNIPPET_MAX_CHARS: usize = 200;

/// Only the first this-many bytes of a body are scanned for a snippet: tokenizing a huge body
/// for every hit would dominate search time, and the lead of an item is where its point is.
const SNIPPET_SOURCE_MAX_BYTES: usize = 16 * 1024;

const ELLIPSIS: &str = "…";

/// A passage of an item's text, with the byte ranges (into `text`, on char boundaries) of the
/// words that matched the query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

/// Builds snippets for every hit of one query.
pub(crate) struct Snippeter {
    body: Option<SnippetGenerator>,
    title: Option<SnippetGenerator>,
}

impl Snippeter {
    pub(crate) fn new(
        searcher: &Searcher,
        query: Option<&dyn Query>,
        fields: &Fields,
    ) -> tantivy::Result<Snippeter> {
        // What `SnippetGenerator::create` does, but with the uncached analyzer: the generator
        // clones its analyzer for every snippet, so a stem cache would start cold each time.
        let generator = |field: Field| -> tantivy::Result<Option<SnippetGenerator>> {
            let Some(query) = query else { return Ok(None) };
            let mut terms: BTreeSet<&Term> = BTreeSet::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field {
                    terms.insert(term);
                }
            });
            let mut weights: BTreeMap<String, Score> = BTreeMap::new();
            for term in terms {
                let value = term.value();
                let Some(text) = value.as_str() else {
                    continue;
                };
                let doc_freq = searcher.doc_freq(term)?;
                if doc_freq > 0 {
                    // Rarer words weigh more in choosing the passage, as in tantivy.
                    weights.insert(text.to_owned(), 1.0 / (1.0 + doc_freq as Score));
                }
            }
            Ok(Some(SnippetGenerator::new(
                weights,
                analyzer::uncached(),
                field,
                SNIPPET_MAX_CHARS,
            )))
        };
        Ok(Snippeter {
            body: generator(fields.body)?,
            title: generator(fields.title)?,
        })
    }

    /// For text outside any index (digests): every word of `query` weighs the same.
    pub(crate) fn unweighted(query: &dyn Query, fields: &Fields) -> Snippeter {
        let generator = |field: Field| {
            let mut weights: BTreeMap<String, Score> = BTreeMap::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field
                    && let Some(text) = term.value().as_str()
                {
                    weights.insert(text.to_owned(), 1.0);
                }
            });
            SnippetGenerator::new(weights, analyzer::uncached(), field, SNIPPET_MAX_CHARS)
        };
        Snippeter {
            body: Some(generator(fields.body)),
            title: Some(generator(fields.title)),
        }
    }

    /// The body around the matched words; else the body's opening; else (an item with no body)
    /// the title, highlighted if it matched.
    pub(crate) fn make(&self, title: &str, body: &str) -> Snippet {
        let body = crate::text::prefix(body, SNIPPET_SOURCE_MAX_BYTES);
        if let Some(found) = self.body.as_ref().and_then(|g| highlighted(g, body)) {
            return found;
        }
        if !body.trim().is_empty() {
            return lead(body);
        }
        self.title
            .as_ref()
            .and_then(|g| highlighted(g, title))
            .unwrap_or_else(|| lead(title))
    }
}

impl Snippeter {
    /// Where the query's words are in the title (byte ranges into `title`).
    pub(crate) fn title_highlights(&self, title: &str) -> Vec<Range<usize>> {
        let Some(generator) = &self.title else {
            return Vec::new();
        };
        let snippet = generator.snippet(title);
        if snippet.is_empty() {
            return Vec::new();
        }
        // Ranges are relative to the fragment; titles are short, so it is the whole title
        // or nearly, but shift to be exact.
        let offset = snippet.fragment_range().start;
        collapse_overlapped_ranges(snippet.highlighted())
            .into_iter()
            .map(|r| r.start + offset..r.end + offset)
            .filter(|r| title.is_char_boundary(r.start) && title.is_char_boundary(r.end))
            .collect()
    }
}

fn highlighted(generator: &SnippetGenerator, text: &str) -> Option<Snippet> {
    let snippet = generator.snippet(text);
    if snippet.is_empty() {
        return None;
    }
    // tantivy's fragment runs from the first to the last token: take back the punctuation that
    // touches it (quotes, brackets, the final full stop) before deciding where text was cut.
    let range = snippet.fragment_range();
    let is_punct = |c: char| !c.is_whitespace() && !c.is_alphanumeric();
    let before = &text[..range.start];
    let start = before.trim_end_matches(is_punct).len();
    let after = &text[range.end..];
    let end = range.end + (after.len() - after.trim_start_matches(is_punct).len());
    let mut out = String::with_capacity(end - start + 2 * ELLIPSIS.len());
    if !text[..start].trim().is_empty() {
        out.push_str(ELLIPSIS);
    }
    let shift = out.len() + (range.start - start);
    out.push_str(&text[start..end]);
    if !text[end..].trim().is_empty() {
        out.push_str(ELLIPSIS);
    }
    let highlights = collapse_overlapped_ranges(snippet.highlighted())
        .into_iter()
        .map(|r| r.start + shift..r.end + shift)
        .collect();
    Some(Snippet {
        text: out,
        highlights,
    })
}

/// The opening of a text, cut at a word boundary near [`SNIPPET_MAX_CHARS`].
fn lead(text: &str) -> Snippet {
    let text = text.trim();
    let Some((cut, _)) = text.char_indices().nth(SNIPPET_MAX_CHARS) else {
        return Snippet {
            text: text.to_owned(),
            highlights: Vec::new(),
        };
    };
    let head = &text[..cut];
    // Back up to the last space unless that would throw away most of the passage.
    let head = match head.rfind(char::is_whitespace) {
        Some(space) if space >= cut / 2 => &head[..space],
        _ => head,
    };
    Snippet {
        text: format!("{}{ELLIPSIS}", head.trim_end()),
        highlights: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_of_a_short_text_is_the_text() {
        let s = lead("  Short body.  ");
        assert_eq!(s.text, "Short body.");
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn lead_cuts_at_a_word_boundary_and_marks_the_cut() {
        let text = "word ".repeat(100);
        let s = lead(&text);
        assert!(s.text.ends_with("word…"), "{}", s.text);
        assert!(s.text.chars().count() <= SNIPPET_MAX_CHARS + 1);
    }

    #[test]
    fn lead_never_splits_a_character() {
        let text = "é".repeat(500);
        let s = lead(&text);
        assert_eq!(s.text.chars().count(), SNIPPET_MAX_CHARS + 1);
    }
}
