//! What `/metrics` reports, in the OpenMetrics text format Prometheus scrapes. One struct of
//! typed handles: the poll loop, the index thread and the digest run update them; the
//! server encodes them.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::digest::deliver::Delivery;
use crate::poll::Outcome;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)] // label values as Prometheus users write them
pub enum PollOutcome {
    fetched,
    not_modified,
    deferred,
    failed,
}

/// A source-health state (src/sources.rs), as a label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    pub state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PollLabels {
    pub outcome: PollOutcome,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum ItemChange {
    new,
    updated,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ItemLabels {
    pub change: ItemChange,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum DigestOutcome {
    sent,
    nothing_new,
    queued,
    failed,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DigestLabels {
    pub outcome: DigestOutcome,
}

#[derive(Debug)]
pub struct Metrics {
    pub feeds: Gauge,
    pub polls: Family<PollLabels, Counter>,
    pub items_stored: Family<ItemLabels, Counter>,
    pub documents_indexed: Counter,
    pub index_commits: Counter,
    pub digests: Family<DigestLabels, Counter>,
    pub poll_duration: Histogram,
    pub last_successful_poll: Gauge<f64, AtomicU64>,
    pub queue_depth: Gauge,
    pub digests_due: Gauge,
    pub unsubscribes: Counter,
    pub sources: Family<SourceLabels, Gauge>,
    registry: Registry,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut m = Metrics {
            feeds: Gauge::default(),
            polls: Family::default(),
            items_stored: Family::default(),
            documents_indexed: Counter::default(),
            index_commits: Counter::default(),
            digests: Family::default(),
            // 50 ms to about 100 s: from a 304 on a near host to a slow, large feed.
            poll_duration: Histogram::new(exponential_buckets(0.05, 2.0, 12)),
            last_successful_poll: Gauge::default(),
            queue_depth: Gauge::default(),
            digests_due: Gauge::default(),
            unsubscribes: Counter::default(),
            sources: Family::default(),
            registry: Registry::with_prefix("govwatch"),
        };
        let registry = &mut m.registry;
        registry.register("feeds", "Feeds configured", m.feeds.clone());
        registry.register("polls", "Feed polls by outcome", m.polls.clone());
        registry.register(
            "items_stored",
            "Items stored, new or updated in place",
            m.items_stored.clone(),
        );
        registry.register(
            "documents_indexed",
            "Documents written to the search index",
            m.documents_indexed.clone(),
        );
        registry.register(
            "index_commits",
            "Search index commits",
            m.index_commits.clone(),
        );
        registry.register("digests", "Digests by outcome", m.digests.clone());
        registry.register(
            "poll_duration_seconds",
            "Time from starting a feed's fetch to its result being stored",
            m.poll_duration.clone(),
        );
        registry.register(
            "last_successful_poll_timestamp_seconds",
            "When a feed was last fetched successfully (Unix time)",
            m.last_successful_poll.clone(),
        );
        registry.register(
            "poll_queue_depth",
            "Feed polls started and not yet stored",
            m.queue_depth.clone(),
        );
        registry.register(
            "digests_due",
            "Subscriptions whose digest is due or waiting for a retry",
            m.digests_due.clone(),
        );
        registry.register(
            "unsubscribes",
            "Subscriptions ended through an unsubscribe link",
            m.unsubscribes.clone(),
        );
        registry.register(
            "sources",
            "Configured feeds by health: ok, silent, failing, broken",
            m.sources.clone(),
        );
        m
    }

    /// Sets the per-state feed counts after a source-health check.
    pub fn record_sources(&self, statuses: &[crate::store::SourceStatus]) {
        let counts = crate::sources::tally(statuses.iter().map(|s| s.assessment.state));
        for (state, n) in counts {
            self.sources
                .get_or_create(&SourceLabels {
                    state: state.as_str(),
                })
                .set(n as i64);
        }
    }

    pub fn record_poll(&self, outcome: &Outcome, new: usize, updated: usize) {
        let outcome = match outcome {
            Outcome::Fetched { .. } => PollOutcome::fetched,
            Outcome::NotModified { .. } => PollOutcome::not_modified,
            Outcome::Deferred { .. } => PollOutcome::deferred,
            Outcome::Failed { .. } => PollOutcome::failed,
        };
        let ok = matches!(outcome, PollOutcome::fetched | PollOutcome::not_modified);
        self.polls.get_or_create(&PollLabels { outcome }).inc();
        let change = |change| ItemLabels { change };
        self.items_stored
            .get_or_create(&change(ItemChange::new))
            .inc_by(new as u64);
        self.items_stored
            .get_or_create(&change(ItemChange::updated))
            .inc_by(updated as u64);
        if ok {
            self.last_successful_poll
                .set(chrono::Utc::now().timestamp_millis() as f64 / 1000.0);
        }
    }

    pub fn record_delivery(&self, delivery: &Delivery) {
        let outcome = match delivery {
            Delivery::Sent { .. } => DigestOutcome::sent,
            Delivery::NothingNew => DigestOutcome::nothing_new,
            Delivery::Queued { .. } => DigestOutcome::queued,
            Delivery::Failed { .. } => DigestOutcome::failed,
            _ => return,
        };
        self.digests.get_or_create(&DigestLabels { outcome }).inc();
    }

    /// The text a scrape gets.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_family_with_its_labels() {
        let m = Metrics::new();
        m.feeds.set(3);
        m.record_poll(&Outcome::Fetched { status: 200 }, 2, 1);
        m.record_poll(
            &Outcome::Failed {
                status: None,
                kind: "timeout".into(),
            },
            0,
            0,
        );
        m.record_delivery(&Delivery::NothingNew);
        m.poll_duration.observe(0.2);
        let text = m.encode();
        for line in [
            "govwatch_feeds 3",
            "govwatch_polls_total{outcome=\"fetched\"} 1",
            "govwatch_polls_total{outcome=\"failed\"} 1",
            "govwatch_items_stored_total{change=\"new\"} 2",
            "govwatch_items_stored_total{change=\"updated\"} 1",
            "govwatch_digests_total{outcome=\"nothing_new\"} 1",
            "govwatch_poll_duration_seconds_count 1",
            "govwatch_documents_indexed_total 0",
            "govwatch_poll_queue_depth 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(text.contains("govwatch_last_successful_poll_timestamp_seconds 1"));
        assert!(text.ends_with("# EOF\n"));
    }
}
