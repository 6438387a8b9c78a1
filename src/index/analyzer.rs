//! The text analyzer of the index's `title` and `body` fields (and of queries on them): words,
//! lowercased, English stopwords dropped, stemmed. Part of the schema: a change here that
//! alters the terms produced needs a new [`super::SCHEMA_VERSION`].

use std::collections::HashMap;

use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The name the schema refers to the analyzer by. Not built into tantivy, so [`register`] must
/// run on every opened index before a writer, reader or query parser uses it.
pub(crate) const TEXT_ANALYZER: &str = "govwatch_en";

/// Lucene's English stopwords, less "it" (IT modernization is a government topic). Dropping
/// them makes phrase queries like `"department of defense"` cheap (tantivy would otherwise walk
/// the positions of "of" in nearly every document) and indexing faster; the phrase still
/// requires its words at their distances ("department _ defense"), whatever word is between.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "no",
    "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they",
    "this", "to", "was", "will", "with",
];

/// Bound on the stem cache of one analyzer instance (each indexing thread has its own): the
/// frequent words of a corpus fit many times over, while hostile text cannot grow it further.
const STEM_CACHE_MAX_ENTRIES: usize = 20_000;

pub(crate) fn register(index: &tantivy::Index) {
    index.tokenizers().register(TEXT_ANALYZER, analyzer());
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stopwords())
        .filter(CachedEnglishStemmer)
        .build()
}

/// The same analysis without the stem cache, for short-lived copies (snippets) where a cache
/// would only be filled and thrown away.
pub(crate) fn uncached() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(stopwords())
        .filter(Stemmer::new(Language::English))
        .build()
}

fn stopwords() -> StopWordFilter {
    StopWordFilter::remove(STOPWORDS.iter().map(|w| (*w).to_owned()))
}

/// tantivy's English stemmer behind a cache of word → stem. Stemming was about a third of the
/// CPU time of indexing; words follow Zipf's law, so nearly every token is a cache hit.
#[derive(Clone, Copy)]
struct CachedEnglishStemmer;

/// tantivy's stemmer over a raw tokenizer: stems one whole word.
type WordStemmer = <Stemmer as TokenFilter>::Tokenizer<RawTokenizer>;

impl TokenFilter for CachedEnglishStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner,
            cache: HashMap::new(),
            stemmer: Stemmer::new(Language::English).transform(RawTokenizer::default()),
        }
    }
}

#[derive(Clone)]
struct CachedStemmerFilter<T> {
    inner: T,
    cache: HashMap<String, String>,
    stemmer: WordStemmer,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
            stemmer: &mut self.stemmer,
        }
    }
}

struct CachedStemmerStream<'a, S> {
    tail: S,
    cache: &'a mut HashMap<String, String>,
    stemmer: &'a mut WordStemmer,
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.cache.get(token.text.as_str()) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem = {
            let mut stream = self.stemmer.token_stream(&token.text);
            if stream.advance() {
                stream.token().text.clone()
            } else {
                token.text.clone()
            }
        };
        if self.cache.len() >= STEM_CACHE_MAX_ENTRIES {
            self.cache.clear();
        }
        let word = std::mem::replace(&mut token.text, stem.clone());
        self.cache.insert(word, stem);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        analyzer
            .token_stream(text)
            .process(&mut |t| out.push((t.text.clone(), t.position)));
        out
    }

    #[test]
    fn words_are_lowercased_stemmed_and_stopwords_dropped_keeping_positions() {
        let mut a = analyzer();
        assert_eq!(
            terms(&mut a, "The Department of Defense awarded contracts"),
            [
                ("depart".to_owned(), 1),
                ("defens".to_owned(), 3),
                ("award".to_owned(), 4),
                ("contract".to_owned(), 5)
            ]
        );
        assert_eq!(terms(&mut a, "IT"), [("it".to_owned(), 0)]);
    }

    #[test]
    fn cached_stems_equal_the_stemmers() {
        let text = "running runs ran regulations regulatory agencies agency's generative \
                    running regulations agencies";
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut cached = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(CachedEnglishStemmer)
            .build();
        // Twice: the second pass is served from the cache.
        assert_eq!(terms(&mut cached, text), terms(&mut plain, text));
        assert_eq!(terms(&mut cached, text), terms(&mut plain, text));
        let sentence = "The agencies' regulations are running";
        assert_eq!(
            terms(&mut analyzer(), sentence),
            terms(&mut uncached(), sentence)
        );
    }

    #[test]
    fn the_cache_stays_bounded() {
        let mut a = analyzer();
        let text: String = (0..STEM_CACHE_MAX_ENTRIES + 10)
            .map(|i| format!("w{i} "))
            .collect();
        assert_eq!(terms(&mut a, &text).len(), STEM_CACHE_MAX_ENTRIES + 10);
    }
}
