//! Topic matching at ingest, between `store` and `index`: which of the configured topics'
//! queries each new or updated item matches.
//!
//! Items are matched with tantivy itself, so a topic matches exactly what `govwatch search`
//! would find with the same query: for each batch, the items go into a throwaway in-RAM
//! segment with the index's fields and analyzer (nothing stored), and each topic's query,
//! parsed once, runs against it. Matching a batch against every topic costs one more analysis
//! of the batch's text plus one small search per topic, independent of the index's size.

use tantivy::collector::DocSetCollector;
use tantivy::directory::RamDirectory;
use tantivy::query::Query;
use tantivy::schema::Schema;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{ReloadPolicy, SingleSegmentIndexWriter, TantivyDocument, TantivyError};

use super::schema::{self, Fields};
use super::{IndexError, analyzer, query};
use crate::model::StoredItem;
use crate::topics::Topics;

/// Indexing memory of one batch's throwaway segment: sizes its term hash table up front (the
/// segment grows past it as needed; a batch is at most a few thousand items).
const MATCH_MEMORY_BYTES: usize = 8 * 1024 * 1024;

/// Tells which topics items match. Build once per ingest run (it parses every query), then
/// call [`TopicMatcher::match_items`] per batch.
pub struct TopicMatcher {
    schema: Schema,
    fields: Fields,
    tokenizers: TokenizerManager,
    queries: Vec<(String, Box<dyn Query>)>,
}

impl std::fmt::Debug for TopicMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicMatcher")
            .field(
                "topics",
                &self.queries.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A template index of the match schema: what a query parser needs to resolve fields and
/// tokenizers.
fn template() -> (tantivy::Index, Fields) {
    let (schema, fields) = schema::build_match_schema();
    let index = tantivy::Index::create_in_ram(schema);
    analyzer::register(&index);
    (index, fields)
}

/// Checks a topic query: it parses, is not empty, and does not use `topic:`.
pub fn check_topic_query(text: &str) -> Result<(), IndexError> {
    let (index, fields) = template();
    query::parse_topic_query(&query::query_parser(&index, &fields), text).map(drop)
}

impl TopicMatcher {
    /// Parses every topic's query (the same parser setup as search).
    pub fn new(topics: &Topics) -> Result<TopicMatcher, IndexError> {
        let (index, fields) = template();
        let parser = query::query_parser(&index, &fields);
        let queries = topics
            .iter()
            .map(|t| query::parse_topic_query(&parser, &t.query).map(|q| (t.name.clone(), q)))
            .collect::<Result<_, _>>()?;
        Ok(TopicMatcher {
            schema: index.schema(),
            fields,
            tokenizers: index.tokenizers().clone(),
            queries,
        })
    }

    /// The names of the topics matched against, in order.
    pub fn topic_names(&self) -> impl Iterator<Item = &str> {
        self.queries.iter().map(|(name, _)| name.as_str())
    }

    /// For each item of `items` (in the same order), the names of the topics it matches, in
    /// topic order.
    pub fn match_items(&self, items: &[StoredItem]) -> Result<Vec<Vec<String>>, IndexError> {
        self.match_extracted(items, &crate::extract::Extracted::all(items))
    }

    /// [`TopicMatcher::match_items`] with each item's extraction already done
    /// (`extracted[i]` is `items[i]`'s).
    pub fn match_extracted(
        &self,
        items: &[StoredItem],
        extracted: &[crate::extract::Extracted],
    ) -> Result<Vec<Vec<String>>, IndexError> {
        let mut matched = vec![Vec::new(); items.len()];
        if items.is_empty() || self.queries.is_empty() {
            return Ok(matched);
        }
        let err = |source| IndexError::Matcher { source };
        // No threads and no commit: one segment built in place, the cheapest way tantivy
        // offers to make a handful of documents searchable.
        let mut writer: SingleSegmentIndexWriter<TantivyDocument> = tantivy::Index::builder()
            .schema(self.schema.clone())
            .tokenizers(self.tokenizers.clone())
            .single_segment_index_writer(RamDirectory::create(), MATCH_MEMORY_BYTES)
            .map_err(err)?;
        for (stored, extracted) in items.iter().zip(extracted) {
            writer
                .add_document(schema::to_document(&self.fields, stored, &[], extracted))
                .map_err(err)?;
        }
        let index = writer.finalize().map_err(err)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(err)?;
        let searcher = reader.searcher();
        // A single segment written in order: document ids are the items' positions.
        if searcher.num_docs() != items.len() as u64 || searcher.segment_readers().len() != 1 {
            return Err(err(TantivyError::InternalError(format!(
                "topic matcher: {} items became {} documents in {} segments",
                items.len(),
                searcher.num_docs(),
                searcher.segment_readers().len()
            ))));
        }
        for (name, query) in &self.queries {
            let docs = searcher
                .search(query.as_ref(), &DocSetCollector)
                .map_err(err)?;
            for doc in docs {
                if let Some(topics) = matched.get_mut(doc.doc_id as usize) {
                    topics.push(name.clone());
                }
            }
        }
        Ok(matched)
    }
}

/// Snippets for items outside the index (a digest's items): the passage of the body, and the
/// title words, that the given queries (a subscription's topics and its own query) match.
pub struct TextSnippeter {
    snippeter: super::snippet::Snippeter,
}

impl std::fmt::Debug for TextSnippeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextSnippeter").finish_non_exhaustive()
    }
}

impl TextSnippeter {
    /// `queries` in search syntax; any of them matching counts.
    pub fn new(queries: &[&str]) -> Result<TextSnippeter, IndexError> {
        let (index, fields) = template();
        let parser = query::query_parser(&index, &fields);
        let mut clauses: Vec<(tantivy::query::Occur, Box<dyn Query>)> = Vec::new();
        for text in queries {
            if let Some(q) = query::parse_user_query(&parser, text)? {
                clauses.push((tantivy::query::Occur::Should, q));
            }
        }
        let combined = tantivy::query::BooleanQuery::new(clauses);
        Ok(TextSnippeter {
            snippeter: super::snippet::Snippeter::unweighted(&combined, &fields),
        })
    }

    /// The snippet of `body` (else `title`), and the highlighted ranges of `title`.
    pub fn make(&self, title: &str, body: &str) -> (super::Snippet, Vec<std::ops::Range<usize>>) {
        (
            self.snippeter.make(title, body),
            self.snippeter.title_highlights(title),
        )
    }
}
