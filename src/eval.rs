//! `govwatch eval FILE`: how well topics, document kinds, entity extraction and story
//! clustering do on a labelled set (see `tests/eval/`). Every item goes through the same code
//! as at ingest (the configured extractor and topics, the clusterer in published order), and
//! each answer is compared with its label: precision, recall and F1 per topic, per kind and
//! per entity type, and the purity of the clusters.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::cluster::{Clusterer, Features};
use crate::extract::{Extracted, Extractor, Kind, identifiers};
use crate::index::{IndexError, TopicMatcher};
use crate::model::{Item, StoredItem};
use crate::topics::Topics;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{0}")]
    Syntax(String),
    #[error("item {item}: {message}")]
    Invalid { item: usize, message: String },
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// A labelled set as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    #[serde(default)]
    feed: Vec<RawFeed>,
    item: Vec<Labelled>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    id: String,
    title: String,
    document_kind: Option<String>,
}

/// One labelled item: its text, and what a careful reader says it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    pub feed: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub url: Option<String>,
    pub published: DateTime<Utc>,
    #[serde(default)]
    pub topics: Vec<String>,
    pub kind: String,
    #[serde(default)]
    pub agencies: Vec<String>,
    #[serde(default)]
    pub orgs: Vec<String>,
    #[serde(default)]
    pub amounts: Vec<u64>,
    #[serde(default)]
    pub identifiers: Vec<String>,
    #[serde(default)]
    pub deadlines: Vec<NaiveDate>,
    #[serde(default)]
    pub events: Vec<NaiveDate>,
    pub cluster: Option<String>,
    pub thread: Option<String>,
}

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Score {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Score {
    fn add(&mut self, predicted: bool, expected: bool) {
        match (predicted, expected) {
            (true, true) => self.true_positives += 1,
            (true, false) => self.false_positives += 1,
            (false, true) => self.false_negatives += 1,
            (false, false) => {}
        }
    }

    fn finish(mut self) -> Score {
        let (tp, fp, fn_) = (
            self.true_positives as f64,
            self.false_positives as f64,
            self.false_negatives as f64,
        );
        // With nothing predicted and nothing expected, nothing was missed.
        self.precision = if tp + fp == 0.0 { 1.0 } else { tp / (tp + fp) };
        self.recall = if tp + fn_ == 0.0 {
            1.0
        } else {
            tp / (tp + fn_)
        };
        self.f1 = if self.precision + self.recall == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        };
        self
    }

    /// Adds the predicted and expected sets of one item.
    fn add_sets<T: Eq + std::hash::Hash>(&mut self, predicted: &HashSet<T>, expected: &HashSet<T>) {
        self.true_positives += predicted.intersection(expected).count();
        self.false_positives += predicted.difference(expected).count();
        self.false_negatives += expected.difference(predicted).count();
    }
}

/// One wrong answer, to show where the rules fall short.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub item: usize,
    pub title: String,
    pub what: &'static str,
    pub expected: String,
    pub got: String,
}

/// Cluster quality.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterScore {
    /// Items in predicted clusters whose label is their cluster's majority label.
    pub purity: f64,
    /// Items in labelled stories whose predicted cluster is their story's majority cluster.
    pub inverse_purity: f64,
    /// Over pairs of items: same predicted cluster vs same labelled story.
    pub pairs: Score,
    pub threshold: f32,
}

/// Everything `eval` measures.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub items: usize,
    pub topics: BTreeMap<String, Score>,
    pub topics_micro: Score,
    pub kinds: BTreeMap<String, Score>,
    pub kind_accuracy: f64,
    pub kinds_macro_f1: f64,
    /// agency, org, amount, identifier, deadline, event.
    pub entities: BTreeMap<&'static str, Score>,
    pub clusters: ClusterScore,
    /// Same thread label vs sharing a thread identifier, over pairs.
    pub threads: Score,
    pub misses: Vec<Miss>,
}

/// Runs the labelled set in `text` through extraction, topics and clustering.
pub fn evaluate(
    text: &str,
    topics: &Topics,
    extractor: &Arc<Extractor>,
    threshold: Option<f32>,
) -> Result<Report, EvalError> {
    let set: RawSet = toml::from_str(text).map_err(|e| EvalError::Syntax(e.to_string()))?;
    let mut feeds: HashMap<&str, (&str, Option<Kind>)> = HashMap::new();
    for f in &set.feed {
        let kind = match &f.document_kind {
            Some(k) => Some(Kind::parse(k).ok_or_else(|| {
                EvalError::Syntax(format!("feed {}: {k:?} is not a document kind", f.id))
            })?),
            None => None,
        };
        feeds.insert(&f.id, (&f.title, kind));
    }
    let stored = set
        .item
        .iter()
        .enumerate()
        .map(|(n, l)| stored_item(n, l, &feeds))
        .collect::<Result<Vec<_>, _>>()?;
    for (n, l) in set.item.iter().enumerate() {
        if Kind::parse(&l.kind).is_none() {
            return Err(EvalError::Invalid {
                item: n + 1,
                message: format!("{:?} is not a document kind", l.kind),
            });
        }
        if let Some(t) = l.topics.iter().find(|t| topics.get(t).is_none()) {
            return Err(EvalError::Invalid {
                item: n + 1,
                message: format!("{t:?} is not a configured topic"),
            });
        }
    }
    let mut extracted: Vec<Extracted> = stored
        .iter()
        .map(|s| extractor.extract(&s.item, s.document_kind))
        .collect();
    let clusters = cluster(&stored, &mut extracted, threshold);
    let matched = TopicMatcher::new(topics)?.match_extracted(&stored, &extracted)?;
    let mut misses = Vec::new();

    let mut topic_scores: BTreeMap<String, Score> = topics
        .iter()
        .map(|t| (t.name.clone(), Score::default()))
        .collect();
    let mut topics_micro = Score::default();
    for (n, l) in set.item.iter().enumerate() {
        let got: HashSet<&str> = matched[n].iter().map(String::as_str).collect();
        let want: HashSet<&str> = l.topics.iter().map(String::as_str).collect();
        for (name, score) in topic_scores.iter_mut() {
            let (g, w) = (got.contains(name.as_str()), want.contains(name.as_str()));
            score.add(g, w);
            topics_micro.add(g, w);
        }
        if got != want {
            misses.push(miss(n, l, "topics", sorted(&want), sorted(&got)));
        }
    }

    let mut kinds: BTreeMap<String, Score> = Kind::ALL
        .iter()
        .map(|k| (k.name().to_owned(), Score::default()))
        .collect();
    let mut correct = 0;
    for (n, l) in set.item.iter().enumerate() {
        let got = extracted[n].kind.name();
        let want = Kind::parse(&l.kind).map_or("", |k| k.name());
        for (name, score) in kinds.iter_mut() {
            score.add(got == name, want == name);
        }
        if got == want {
            correct += 1;
        } else {
            misses.push(miss(n, l, "kind", want.to_owned(), got.to_owned()));
        }
    }
    let kinds: BTreeMap<String, Score> = kinds
        .into_iter()
        .filter(|(_, s)| s.true_positives + s.false_positives + s.false_negatives > 0)
        .map(|(k, s)| (k, s.finish()))
        .collect();
    let kinds_macro_f1 = kinds.values().map(|s| s.f1).sum::<f64>() / kinds.len().max(1) as f64;

    let mut entities: BTreeMap<&'static str, Score> = BTreeMap::new();
    for (n, l) in set.item.iter().enumerate() {
        let x = &extracted[n];
        let mut compare = |what: &'static str, got: HashSet<String>, want: HashSet<String>| {
            entities.entry(what).or_default().add_sets(&got, &want);
            if got != want {
                misses.push(miss(n, l, what, sorted(&want), sorted(&got)));
            }
        };
        compare(
            "agency",
            x.agencies.iter().map(|a| a.to_string()).collect(),
            l.agencies.iter().cloned().collect(),
        );
        compare(
            "org",
            x.orgs.iter().map(|a| a.to_string()).collect(),
            l.orgs.iter().cloned().collect(),
        );
        compare(
            "amount",
            x.amounts.iter().map(u64::to_string).collect(),
            l.amounts.iter().map(u64::to_string).collect(),
        );
        compare(
            "identifier",
            x.identifiers.iter().map(crate::index::ident_term).collect(),
            l.identifiers
                .iter()
                .map(|i| {
                    identifiers::canonical(i)
                        .map_or_else(|| format!("?:{i}"), |id| crate::index::ident_term(&id))
                })
                .collect(),
        );
        compare(
            "deadline",
            x.deadlines.iter().map(NaiveDate::to_string).collect(),
            l.deadlines.iter().map(NaiveDate::to_string).collect(),
        );
        compare(
            "event",
            x.events.iter().map(NaiveDate::to_string).collect(),
            l.events.iter().map(NaiveDate::to_string).collect(),
        );
    }
    let entities = entities.into_iter().map(|(k, s)| (k, s.finish())).collect();

    let labels: Vec<String> = set
        .item
        .iter()
        .enumerate()
        .map(|(n, l)| l.cluster.clone().unwrap_or_else(|| format!("#{n}")))
        .collect();
    let mut cluster_score = cluster_quality(&clusters, &labels);
    cluster_score.threshold = threshold.unwrap_or(crate::cluster::THRESHOLD);
    for (n, l) in set.item.iter().enumerate() {
        for m in 0..n {
            let same_label = labels[n] == labels[m];
            if same_label != (clusters[n] == clusters[m]) {
                misses.push(miss(
                    n,
                    l,
                    "cluster",
                    format!(
                        "{} with item {}",
                        if same_label { "same story" } else { "apart" },
                        m + 1
                    ),
                    format!("{:?} vs {:?}", clusters[n], clusters[m]),
                ));
            }
        }
    }

    let mut threads = Score::default();
    for n in 0..set.item.len() {
        let mine: HashSet<String> = extracted[n]
            .strong_identifiers()
            .map(crate::index::ident_term)
            .collect();
        for (earlier, theirs) in set.item.iter().zip(&extracted).take(n) {
            let labelled = set.item[n].thread.is_some() && set.item[n].thread == earlier.thread;
            let shared = theirs
                .strong_identifiers()
                .any(|id| mine.contains(&crate::index::ident_term(id)));
            threads.add(shared, labelled);
        }
    }

    Ok(Report {
        items: set.item.len(),
        topics: topic_scores
            .into_iter()
            .map(|(k, s)| (k, s.finish()))
            .collect(),
        topics_micro: topics_micro.finish(),
        kinds,
        kind_accuracy: correct as f64 / set.item.len().max(1) as f64,
        kinds_macro_f1,
        entities,
        clusters: cluster_score,
        threads: threads.finish(),
        misses,
    })
}

fn stored_item(
    n: usize,
    l: &Labelled,
    feeds: &HashMap<&str, (&str, Option<Kind>)>,
) -> Result<StoredItem, EvalError> {
    let &(feed_title, document_kind) =
        feeds
            .get(l.feed.as_str())
            .ok_or_else(|| EvalError::Invalid {
                item: n + 1,
                message: format!("feed {:?} is not in the file's [[feed]] list", l.feed),
            })?;
    Ok(StoredItem {
        seq: n as u64 + 1,
        first_seen: l.published,
        item: Item {
            item_id: format!("eval-{}", n + 1),
            feed_id: l.feed.clone(),
            guid: None,
            url: l.url.clone(),
            title: l.title.clone(),
            summary: l.summary.clone(),
            body: l.summary.clone(),
            authors: vec![],
            categories: vec![],
            published: l.published,
            updated: None,
            content_hash: String::new(),
        },
        feed_title: Some(feed_title.to_owned()),
        tags: vec![],
        document_kind,
    })
}

/// Clusters the items as ingest would, in the order they were published.
fn cluster(
    stored: &[StoredItem],
    extracted: &mut [Extracted],
    threshold: Option<f32>,
) -> Vec<String> {
    let mut order: Vec<usize> = (0..stored.len()).collect();
    order.sort_by_key(|&n| (stored[n].item.published, n));
    let mut clusterer = match threshold {
        Some(t) => Clusterer::with_threshold(t),
        None => Clusterer::new(),
    };
    let mut out = vec![String::new(); stored.len()];
    for n in order {
        let s = &stored[n];
        let features = Features::of(&s.item, &extracted[n]);
        let (cluster, _) = clusterer.assign(&s.item, s.item.published, features);
        extracted[n].cluster = Some(cluster.clone());
        out[n] = cluster;
    }
    out
}

fn cluster_quality(predicted: &[String], labels: &[String]) -> ClusterScore {
    let majority_share = |groups: &[&String], by: &[&String]| -> f64 {
        let mut members: HashMap<&String, HashMap<&String, usize>> = HashMap::new();
        for (g, b) in groups.iter().zip(by) {
            *members.entry(g).or_default().entry(b).or_default() += 1;
        }
        let agree: usize = members
            .values()
            .map(|m| m.values().copied().max().unwrap_or(0))
            .sum();
        agree as f64 / groups.len().max(1) as f64
    };
    let p: Vec<&String> = predicted.iter().collect();
    let l: Vec<&String> = labels.iter().collect();
    let mut pairs = Score::default();
    for n in 0..p.len() {
        for m in 0..n {
            pairs.add(p[n] == p[m], l[n] == l[m]);
        }
    }
    ClusterScore {
        purity: majority_share(&p, &l),
        inverse_purity: majority_share(&l, &p),
        pairs: pairs.finish(),
        threshold: crate::cluster::THRESHOLD,
    }
}

fn miss(n: usize, l: &Labelled, what: &'static str, expected: String, got: String) -> Miss {
    Miss {
        item: n + 1,
        title: l.title.clone(),
        what,
        expected,
        got,
    }
}

fn sorted<T: AsRef<str>>(set: &HashSet<T>) -> String {
    let mut v: Vec<&str> = set.iter().map(AsRef::as_ref).collect();
    v.sort_unstable();
    v.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_count_what_was_found_missed_and_made_up() {
        let mut s = Score::default();
        s.add(true, true);
        s.add(true, false);
        s.add(false, true);
        s.add(false, false);
        let s = s.finish();
        assert_eq!((s.precision, s.recall), (0.5, 0.5));
        assert!((s.f1 - 0.5).abs() < 1e-9);
        let empty = Score::default().finish();
        assert_eq!((empty.precision, empty.recall), (1.0, 1.0));
    }

    #[test]
    fn purity_of_a_perfect_and_a_lumped_clustering() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let perfect = cluster_quality(&s(&["a", "a", "b"]), &s(&["x", "x", "y"]));
        assert_eq!((perfect.purity, perfect.inverse_purity), (1.0, 1.0));
        let lumped = cluster_quality(&s(&["a", "a", "a"]), &s(&["x", "x", "y"]));
        assert!((lumped.purity - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(lumped.inverse_purity, 1.0);
        assert_eq!(lumped.pairs.false_positives, 2);
    }

    #[test]
    fn a_bad_set_names_the_item() {
        let x = Extractor::shipped();
        let t = Topics::default();
        let text = "[[feed]]\nid = \"f\"\ntitle = \"F\"\n\n[[item]]\nfeed = \"g\"\ntitle = \"T\"\n\
                    published = \"2025-01-01T00:00:00Z\"\nkind = \"news\"\n";
        let err = evaluate(text, &t, &x, None).unwrap_err().to_string();
        assert!(err.contains("item 1") && err.contains("\"g\""), "{err}");
        let bad_kind = text.replace("\"g\"", "\"f\"").replace("news", "gossip");
        let err = evaluate(&bad_kind, &t, &x, None).unwrap_err().to_string();
        assert!(err.contains("gossip"), "{err}");
    }
}
