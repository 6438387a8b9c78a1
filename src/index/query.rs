//! The query language of `govwatch search`, and the filters around it.
//!
//! A user query is parsed by tantivy's grammar into its AST, which is then checked and rewritten
//! (`tag:` → the `tags` field, tag values lowercased, a purely negative query given something to
//! subtract from) before tantivy's `QueryParser` turns it into a query. Rewriting the AST rather
//! than the text means quoted phrases are never touched.

use std::ops::Bound;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, QueryParserError,
    RangeQuery, TermSetQuery,
};
use tantivy::query_grammar::{self, UserInputAst, UserInputBound, UserInputLeaf};

use super::schema::{self, Fields};
use super::{IndexError, SearchRequest};

/// Relevance weight of a title match relative to a body match.
const TITLE_BOOST: f32 = 2.0;

/// Limits on a query's size, far above what anyone types.
const MAX_QUERY_BYTES: usize = 4096;
const MAX_QUERY_GROUPS: usize = 64;

/// Field names a user may write before a colon, and the schema field each one means.
const USER_FIELDS: &[(&str, &str)] = &[
    ("title", schema::TITLE),
    ("body", schema::BODY),
    ("feed", schema::FEED),
    ("tag", schema::TAGS),
    ("tags", schema::TAGS),
    ("category", schema::CATEGORIES),
    ("categories", schema::CATEGORIES),
    ("published", schema::PUBLISHED),
    ("url", schema::URL),
    ("id", schema::ITEM_ID),
    ("item_id", schema::ITEM_ID),
    ("topic", schema::TOPICS),
    ("topics", schema::TOPICS),
    ("amount", schema::AMOUNT),
    ("agency", schema::AGENCY),
    ("org", schema::ORG),
    ("kind", schema::KIND),
    ("ident", schema::IDENT),
    ("deadline", schema::DEADLINE),
    ("event_date", schema::EVENT_DATE),
    ("event", schema::EVENT_DATE),
    ("cluster", schema::CLUSTER),
];

pub(crate) fn query_parser(index: &tantivy::Index, fields: &Fields) -> QueryParser {
    let mut parser =
        QueryParser::for_index(index, vec![fields.title, fields.body, fields.categories]);
    // `ai contracts` means both words: what people expect from a search box today.
    parser.set_conjunction_by_default();
    parser.set_field_boost(fields.title, TITLE_BOOST);
    parser
}

/// Parses the user's query; `None` when it is empty (only filters apply).
pub(crate) fn parse_user_query(
    parser: &QueryParser,
    text: &str,
) -> Result<Option<Box<dyn Query>>, IndexError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = |message: String| IndexError::Query {
        query: text.to_owned(),
        message,
    };
    // tantivy's grammar is a recursive parser: bound the input so no query can exhaust the
    // stack or the CPU.
    if text.len() > MAX_QUERY_BYTES {
        return Err(invalid(format!(
            "the query is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    if text.bytes().filter(|&b| b == b'(').count() > MAX_QUERY_GROUPS {
        return Err(invalid(format!(
            "the query has more than {MAX_QUERY_GROUPS} parenthesized groups"
        )));
    }
    let ast = match query_grammar::parse_query(text) {
        Ok(ast) => ast,
        Err(_) => {
            // The strict parser says only "error"; the lenient one says what and where.
            let (_, errors) = query_grammar::parse_query_lenient(text);
            let message = match errors.first() {
                Some(e) => format!("{} (at character {})", e.message, e.pos),
                None => "syntax error".to_owned(),
            };
            return Err(invalid(message));
        }
    };
    let ast = rewrite(ast).map_err(invalid)?;
    let ast = allow_purely_negative(ast);
    parser
        .build_query_from_user_input_ast(ast)
        .map(|q| Some(unwrap_single(q)))
        .map_err(|e| match e {
            // Purely negative queries were given an `All` above, so what is left to exclude
            // from is words the analyzer dropped.
            QueryParserError::AllButQueryForbidden => invalid(
                "nothing to search for: common words such as \"the\" or \"of\" are not \
                 indexed"
                    .to_owned(),
            ),
            other => invalid(other.to_string()),
        })
}

/// A boolean query of one required or optional clause is that clause. The parser wraps one
/// word searched in several fields as `+(title:w body:w categories:w)`; unwrapped, the union
/// of term scorers is one tantivy can prune (block-max WAND), so a frequent word costs about
/// the top hits rather than every match. Matches and scores are the same.
fn unwrap_single(query: Box<dyn Query>) -> Box<dyn Query> {
    if let Some(boolean) = query.downcast_ref::<BooleanQuery>()
        && let [(Occur::Must | Occur::Should, inner)] = boolean.clauses()
    {
        return unwrap_single(inner.box_clone());
    }
    query
}

/// Parses a topic's query: a user query that is not empty and does not refer to topics
/// (items are matched against all topics at once, so one topic cannot depend on another).
pub(crate) fn parse_topic_query(
    parser: &QueryParser,
    text: &str,
) -> Result<Box<dyn Query>, IndexError> {
    let invalid = |message: &str| IndexError::Query {
        query: text.trim().to_owned(),
        message: message.to_owned(),
    };
    let query = parse_user_query(parser, text)?.ok_or_else(|| invalid("the query is empty"))?;
    // It parsed above, so the grammar accepts it here too.
    if let Ok(ast) = query_grammar::parse_query(text.trim())
        && mentions_topics(&ast)
    {
        return Err(invalid("a topic's query cannot use `topic:`"));
    }
    Ok(query)
}

fn mentions_topics(ast: &UserInputAst) -> bool {
    let is_topic = |field: Option<&str>| matches!(field, Some("topic" | "topics"));
    match ast {
        UserInputAst::Clause(clauses) => clauses.iter().any(|(_, sub)| mentions_topics(sub)),
        UserInputAst::Boost(sub, _) => mentions_topics(sub),
        UserInputAst::Leaf(leaf) => match leaf.as_ref() {
            UserInputLeaf::Literal(literal) => is_topic(literal.field_name.as_deref()),
            UserInputLeaf::Range { field, .. } | UserInputLeaf::Set { field, .. } => {
                is_topic(field.as_deref())
            }
            UserInputLeaf::Exists { field } => is_topic(Some(field)),
            _ => false,
        },
    }
}

/// Maps user field names to schema fields and normalizes tag values, refusing unknown fields
/// with a message that lists the known ones.
fn rewrite(ast: UserInputAst) -> Result<UserInputAst, String> {
    Ok(match ast {
        UserInputAst::Clause(clauses) => UserInputAst::Clause(
            clauses
                .into_iter()
                .map(|(occur, sub)| rewrite(sub).map(|sub| (occur, sub)))
                .collect::<Result<_, _>>()?,
        ),
        UserInputAst::Boost(sub, boost) => UserInputAst::Boost(Box::new(rewrite(*sub)?), boost),
        UserInputAst::Leaf(leaf) => UserInputAst::Leaf(Box::new(rewrite_leaf(*leaf)?)),
    })
}

fn rewrite_leaf(leaf: UserInputLeaf) -> Result<UserInputLeaf, String> {
    Ok(match leaf {
        UserInputLeaf::Literal(mut literal) => {
            if let Some(name) = literal.field_name.take() {
                let field = map_field(&name)?;
                literal.phrase = normalize_value(field, &literal.phrase);
                literal.field_name = Some(field.to_owned());
            }
            UserInputLeaf::Literal(literal)
        }
        UserInputLeaf::Range {
            field,
            lower,
            upper,
        } => {
            let field = field.as_deref().map(map_field).transpose()?;
            let (lower, upper) = if field.is_some_and(is_date_field) {
                let now = chrono::Utc::now();
                (date_bound(lower, now)?, date_bound(upper, now)?)
            } else {
                (lower, upper)
            };
            UserInputLeaf::Range {
                field: field.map(str::to_owned),
                lower,
                upper,
            }
        }
        UserInputLeaf::Set { field, elements } => {
            let field = field.as_deref().map(map_field).transpose()?;
            let elements = match field {
                Some(field) => elements.iter().map(|e| normalize_value(field, e)).collect(),
                None => elements,
            };
            UserInputLeaf::Set {
                field: field.map(str::to_owned),
                elements,
            }
        }
        UserInputLeaf::Exists { field } => UserInputLeaf::Exists {
            field: map_field(&field)?.to_owned(),
        },
        UserInputLeaf::Regex { .. } => return Err("regular expressions are not supported".into()),
        UserInputLeaf::All => UserInputLeaf::All,
    })
}

/// A field's value as the index holds it: tags and topics lowercase, kinds by their name
/// (`final-rule` is `final_rule`), identifiers in canonical form with their type
/// (`HR 1234` is `bill:H.R. 1234`).
fn normalize_value(field: &str, value: &str) -> String {
    match field {
        schema::TAGS | schema::TOPICS => schema::normalize_tag(value),
        schema::KIND => crate::extract::Kind::parse(value)
            .map_or_else(|| value.trim().to_owned(), |k| k.name().to_owned()),
        schema::IDENT => crate::extract::identifiers::canonical(value)
            .map_or_else(|| value.trim().to_owned(), |id| schema::ident_term(&id)),
        _ => value.to_owned(),
    }
}

fn is_date_field(field: &str) -> bool {
    matches!(
        field,
        schema::PUBLISHED | schema::DEADLINE | schema::EVENT_DATE
    )
}

/// A date range bound as tantivy reads it (RFC 3339), from what people write: `now`,
/// `now+14d`, `now-12h`, `today`, `today-7d` (days, hours and weeks), a day (`2025-03-15`,
/// midnight UTC) or RFC 3339 itself.
fn date_bound(bound: UserInputBound, now: DateTime<Utc>) -> Result<UserInputBound, String> {
    let convert = |word: String| -> Result<String, String> {
        let text = word.trim();
        let (base, offset) = if let Some(rest) = text.strip_prefix("now") {
            (now, rest)
        } else if let Some(rest) = text.strip_prefix("today") {
            (now.date_naive().and_time(NaiveTime::MIN).and_utc(), rest)
        } else if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(day.and_time(NaiveTime::MIN).and_utc().to_rfc3339());
        } else {
            return Ok(word);
        };
        if offset.is_empty() {
            return Ok(base.to_rfc3339());
        }
        let bad = || {
            format!(
                "{text:?} is not a date: use now, today, now+14d, today-7d, 2025-03-15 or an \
                 RFC 3339 time"
            )
        };
        let (sign, amount) = match offset.as_bytes()[0] {
            b'+' => (1, &offset[1..]),
            b'-' => (-1, &offset[1..]),
            _ => return Err(bad()),
        };
        let unit = amount.chars().last().ok_or_else(bad)?;
        let n: i64 = amount[..amount.len() - unit.len_utf8()]
            .parse()
            .map_err(|_| bad())?;
        let delta = match unit {
            'd' => TimeDelta::try_days(n),
            'h' => TimeDelta::try_hours(n),
            'w' => TimeDelta::try_weeks(n),
            _ => None,
        }
        .ok_or_else(bad)?;
        base.checked_add_signed(delta * sign)
            .map(|d| d.to_rfc3339())
            .ok_or_else(bad)
    };
    Ok(match bound {
        UserInputBound::Inclusive(w) => UserInputBound::Inclusive(convert(w)?),
        UserInputBound::Exclusive(w) => UserInputBound::Exclusive(convert(w)?),
        UserInputBound::Unbounded => UserInputBound::Unbounded,
    })
}

fn map_field(name: &str) -> Result<&'static str, String> {
    USER_FIELDS
        .iter()
        .find(|(user, _)| *user == name)
        .map(|(_, field)| *field)
        .ok_or_else(|| {
            format!(
                "unknown field `{name}:` (known fields: title, body, feed, tag, topic, category, published, \
                 url, id, amount, agency, org, kind, ident, deadline, event_date, cluster; put words \
                 containing a colon in quotes)"
            )
        })
}

/// tantivy refuses a query that only excludes (`-draft`); govwatch reads it as "everything
/// except", which is what a user narrowing a filtered listing means. The same holds for a
/// purely negative group inside a larger query: `contract AND NOT biometric` parses as
/// `+contract +(-biometric)`, whose inner group would otherwise match nothing.
fn allow_purely_negative(ast: UserInputAst) -> UserInputAst {
    match ast {
        UserInputAst::Clause(clauses) => {
            let mut clauses: Vec<_> = clauses
                .into_iter()
                .map(|(occur, sub)| (occur, allow_purely_negative(sub)))
                .collect();
            if !clauses.is_empty()
                && clauses
                    .iter()
                    .all(|(occur, _)| *occur == Some(Occur::MustNot))
            {
                clauses.push((
                    Some(Occur::Must),
                    UserInputAst::Leaf(Box::new(UserInputLeaf::All)),
                ));
            }
            UserInputAst::Clause(clauses)
        }
        UserInputAst::Boost(sub, boost) => {
            UserInputAst::Boost(Box::new(allow_purely_negative(*sub)), boost)
        }
        leaf => leaf,
    }
}

/// Combines the user query with the request's filters. Filters never change the score: they
/// are wrapped in a zero constant score so BM25 ranking is that of the user query alone.
pub(crate) fn with_filters(
    fields: &Fields,
    user_query: Option<Box<dyn Query>>,
    req: &SearchRequest,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(query) = user_query {
        clauses.push((Occur::Must, query));
    }
    let filter = |q: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
        (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
    };
    if req.since.is_some() || req.until.is_some() {
        let term =
            |d| Term::from_field_date_for_search(fields.published, schema::to_tantivy_date(d));
        let lower = req
            .since
            .as_ref()
            .map_or(Bound::Unbounded, |d| Bound::Included(term(d)));
        let upper = req
            .until
            .as_ref()
            .map_or(Bound::Unbounded, |d| Bound::Excluded(term(d)));
        clauses.push(filter(Box::new(RangeQuery::new(lower, upper))));
    }
    if !req.feeds.is_empty() {
        let terms = req
            .feeds
            .iter()
            .map(|f| Term::from_field_text(fields.feed, f.trim()));
        clauses.push(filter(Box::new(TermSetQuery::new(terms))));
    }
    let tags: Vec<String> = req
        .tags
        .iter()
        .map(|t| schema::normalize_tag(t))
        .filter(|t| !t.is_empty())
        .collect();
    if !tags.is_empty() {
        let terms = tags.iter().map(|t| Term::from_field_text(fields.tags, t));
        clauses.push(filter(Box::new(TermSetQuery::new(terms))));
    }
    match clauses.len() {
        0 => Box::new(AllQuery),
        1 if matches!(clauses[0].0, Occur::Must) => clauses.remove(0).1,
        _ => Box::new(BooleanQuery::new(clauses)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser() -> QueryParser {
        let (schema, fields) = schema::build_schema();
        let index = tantivy::Index::create_in_ram(schema);
        super::super::analyzer::register(&index);
        query_parser(&index, &fields)
    }

    fn clauses(query: &dyn Query) -> Vec<Occur> {
        let boolean = query
            .downcast_ref::<BooleanQuery>()
            .expect("a boolean query");
        boolean.clauses().iter().map(|(o, _)| *o).collect()
    }

    #[test]
    fn one_word_is_the_union_of_its_fields_unwrapped() {
        let parser = parser();
        let one = parse_user_query(&parser, "cybersecurity").unwrap().unwrap();
        assert_eq!(clauses(one.as_ref()), [Occur::Should; 3], "{one:?}");
        // Two words stay a conjunction of two such unions.
        let two = parse_user_query(&parser, "ai contracts").unwrap().unwrap();
        assert_eq!(clauses(two.as_ref()), [Occur::Must; 2], "{two:?}");
    }
}
