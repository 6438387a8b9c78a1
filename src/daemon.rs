//! `govwatch run`: the daemon, read top to bottom in [`Daemon::run`]: start fetches that are
//! due → store each result as it arrives and plan the feed's next poll → send the digests that
//! came due → sleep until the next of those, a signal or a result.
//!
//! Threads: the calling thread owns the store and runs that loop; fetches and parses run as
//! tasks on a tokio runtime and send their results back over a channel; the index has its own
//! writer thread ([`indexer`]); the runtime also serves `/healthz` and `/metrics`
//! ([`server`]), turns signals into events, watches the config files and feeds the systemd
//! watchdog. One owner per piece of mutable state, so nothing needs a lock.
//!
//! Recovery: the store is written first, the index after (re-staged from the store's sequence
//! numbers on start), a digest is recorded before it is sent; so a crash at any point delays
//! work and never loses or doubles it. The next poll of each feed is stored, so a restart does
//! not poll everything at once, and a digest that came due while the daemon was down is sent
//! once, at start.

mod bounded;
pub mod health;
pub mod indexer;
pub mod metrics;
pub mod notify;
pub mod public;
pub mod server;
pub mod watch;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use crate::cadence::{self, LastPoll};
use crate::config::{ConfigError, Overrides, Settings};
use crate::digest::deliver::{self, DeliverError, Delivery};
use crate::feeds::{FeedConfig, FeedsError};
use crate::fetch::{FetchError, Fetcher};
use crate::index::{Index, IndexError};
use crate::mail::{MailError, Mailer};
use crate::operators;
use crate::pipeline::{self, SyncError};
use crate::poll::{self, FeedReport, Fetched, Outcome};
use crate::sources::State;
use crate::store::{FetchFailure, Store, StoreError};
use crate::unsubscribe::{KeyError, Links};
use health::Health;
use indexer::{IndexThread, IndexThreadError};
use metrics::Metrics;

/// The loop wakes at least this often (to beat for the health check, and to see new
/// subscriptions added from the command line).
const MAX_SLEEP: Duration = Duration::from_secs(30);
/// How often subscriptions are re-read for due digests when none is due sooner.
const DIGEST_RECHECK: TimeDelta = TimeDelta::seconds(60);
/// How often the config file and feed lists are checked for edits.
const WATCH_EVERY: Duration = Duration::from_secs(2);
/// The index writer's budget: a poll's worth of items at a time needs little, and the
/// daemon keeps it resident for as long as it runs.
const WRITER_MEMORY_BYTES: usize = 32 * 1024 * 1024;
/// After a store error on one feed, try that feed again after this.
const STORE_ERROR_RETRY: TimeDelta = TimeDelta::seconds(60);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Feeds(#[from] FeedsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    IndexThread(#[from] IndexThreadError),
    #[error("cannot build the HTTP client: {0}")]
    Fetch(Box<FetchError>),
    #[error("cannot set up mail delivery: {0}")]
    Mail(#[from] MailError),
    #[error(transparent)]
    Deliver(#[from] DeliverError),
    #[error("cannot listen on {addr} (`[server] listen`): {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr} (`[server] public_listen`): {source}")]
    PublicListen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    UnsubscribeKey(#[from] KeyError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot handle signals: {0}")]
    Signals(std::io::Error),
}

/// Where the settings came from, to read them again on reload.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub config: Option<PathBuf>,
    pub overrides: Overrides,
}

enum Event {
    Fetched {
        feed: String,
        started: Instant,
        result: Fetched,
        /// Released once the result is stored ([`Fetcher::admit`]).
        _admitted: Option<tokio::sync::OwnedSemaphorePermit>,
    },
    Reload,
    Stop(&'static str),
}

/// One configured feed and its place in the schedule.
struct Planned {
    feed: FeedConfig,
    next: DateTime<Utc>,
    in_flight: bool,
}

/// Runs until SIGTERM or SIGINT; returns after in-flight work finished (or the shutdown
/// timeout passed) and the index committed.
pub fn run(settings: Settings, origin: Origin) -> Result<(), DaemonError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("govwatch-rt")
        .build()
        .map_err(DaemonError::Runtime)?;
    let result = {
        // The whole daemon lives in the runtime's context: the SMTP pool and the listener
        // are created, replaced on reload, and dropped there.
        let _entered = runtime.enter();
        start_and_run(&runtime, settings, origin)
    };
    // Abandon what is left (fetches past the shutdown timeout, the listener).
    runtime.shutdown_timeout(Duration::from_secs(1));
    result?;
    tracing::info!("govwatch stopped; the index is committed");
    Ok(())
}

fn start_and_run(
    runtime: &tokio::runtime::Runtime,
    settings: Settings,
    origin: Origin,
) -> Result<(), DaemonError> {
    let feeds = crate::feeds::load_dir(&settings.feeds_dir)?;
    let mut store = Store::open(&settings.data_dir)?;
    let mut index = Index::open_writable_with_memory(&settings.index_dir(), WRITER_MEMORY_BYTES)?;
    pipeline::reconcile(&store, &mut index)?;
    if pipeline::topics_stale(&mut store, &settings.topics)? {
        tracing::warn!(
            "the topics changed since the stored items were tagged; new items get the new \
             topics, and `govwatch reindex` (with the daemon stopped) re-tags the others"
        );
    }
    store.sync_feeds(&feeds)?;

    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::new());
    let index = IndexThread::start(
        settings.data_dir.clone(),
        index,
        settings.topics.clone(),
        settings.extractor.clone(),
        settings.index.clone(),
        metrics.clone(),
    )?;
    let fetcher =
        Arc::new(Fetcher::new(&settings.fetch).map_err(|e| DaemonError::Fetch(Box::new(e)))?);
    let mailer = Mailer::from_settings(&settings)?;
    let (events_tx, events) = mpsc::channel();
    let stop_requested = Arc::new(AtomicBool::new(false));

    if let Some(addr) = settings.server.listen {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .map_err(|source| DaemonError::Listen { addr, source })?;
        let bound = listener.local_addr().unwrap_or(addr);
        let state = Arc::new(server::ServerState {
            metrics: metrics.clone(),
            health: health.clone(),
            store: Mutex::new(Store::open_read_only(&settings.data_dir)?),
        });
        let app = server::router(state.clone());
        runtime.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the health and metrics listener failed");
            }
        });
        tracing::info!(%bound, "serving /healthz and /metrics");
        if let Some(every) = notify::watchdog_interval() {
            runtime.spawn(watchdog(state, every));
        }
    }
    let links = Links::from_settings(&settings)?;
    if let (Some(links), Some(addr), Some(url)) = (
        &links,
        settings.server.public_listen,
        &settings.server.public_url,
    ) {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(addr))
            .map_err(|source| DaemonError::PublicListen { addr, source })?;
        let bound = listener.local_addr().unwrap_or(addr);
        let state = Arc::new(public::PublicState {
            key: links.key().clone(),
            store: Mutex::new(Store::open(&settings.data_dir)?),
            metrics: metrics.clone(),
        });
        let app = public::router(state, url);
        runtime.spawn(async move {
            if let Err(e) = axum::serve(bounded::BoundedListener::new(listener), app).await {
                tracing::error!(error = %e, "the public unsubscribe listener failed");
            }
        });
        tracing::info!(%bound, public_url = %url, "serving one-click unsubscribe");
    }
    spawn_signal_handler(events_tx.clone(), stop_requested.clone())?;
    runtime.spawn(watch_files(
        origin.config.clone(),
        settings.feeds_dir.clone(),
        events_tx.clone(),
    ));

    let now = Utc::now();
    let mut daemon = Daemon {
        planned: BTreeMap::new(),
        settings,
        origin,
        runtime: runtime.handle().clone(),
        store,
        index: Some(index),
        fetcher,
        mailer,
        links,
        events_tx,
        events,
        metrics,
        health,
        stop_requested,
        in_flight: 0,
        next_digest_check: now,
        next_source_check: now,
        trimmer: crate::heap::Trimmer::default(),
    };
    daemon.plan(feeds, now)?;
    let subs = daemon.store.subscriptions()?.len();
    let status = format!(
        "polling {} feeds for {subs} subscriptions",
        daemon.planned.len()
    );
    tracing::info!(
        feeds = daemon.planned.len(),
        subscriptions = subs,
        "govwatch running"
    );
    daemon.health.set_running();
    notify::ready(&status);

    let result = daemon.run();
    let committed = daemon.index.take().map(IndexThread::stop);
    result?;
    if let Some(committed) = committed {
        committed?;
    }
    Ok(())
}

struct Daemon {
    settings: Settings,
    origin: Origin,
    runtime: tokio::runtime::Handle,
    store: Store,
    /// `None` only once stopped.
    index: Option<IndexThread>,
    fetcher: Arc<Fetcher>,
    mailer: Mailer,
    /// One-click unsubscribe links, with `[server] public_url` (a restart picks up changes).
    links: Option<Links>,
    planned: BTreeMap<String, Planned>,
    events_tx: mpsc::Sender<Event>,
    events: mpsc::Receiver<Event>,
    metrics: Arc<Metrics>,
    health: Arc<Health>,
    stop_requested: Arc<AtomicBool>,
    in_flight: usize,
    next_digest_check: DateTime<Utc>,
    /// When feeds' health is next assessed (and an operator digest sent, if due).
    next_source_check: DateTime<Utc>,
    trimmer: crate::heap::Trimmer,
}

impl Daemon {
    fn run(&mut self) -> Result<(), DaemonError> {
        let mut deadline: Option<Instant> = None;
        loop {
            self.health.beat();
            let now = Utc::now();
            if deadline.is_none() {
                self.start_due_polls(now)?;
                if now >= self.next_digest_check {
                    self.send_due_digests(now)?;
                }
                if now >= self.next_source_check
                    && let Err(e) = self.check_sources(now)
                {
                    // Health is advisory: a store that is busy now is asked again next time.
                    tracing::error!(error = %e, "source health check failed");
                }
            } else if self.in_flight == 0 {
                return Ok(());
            }
            let wait = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => self.sleep_until(Utc::now()),
            };
            match self.events.recv_timeout(wait) {
                Ok(Event::Fetched {
                    feed,
                    started,
                    result,
                    _admitted,
                }) => self.settle(&feed, started, result)?,
                Ok(Event::Reload) if deadline.is_none() => self.reload(),
                Ok(Event::Reload) => {}
                Ok(Event::Stop(signal)) => {
                    if deadline.is_none() {
                        tracing::info!(
                            signal,
                            in_flight = self.in_flight,
                            "stopping: finishing the polls in flight"
                        );
                        self.health.set_stopping();
                        notify::stopping();
                        deadline = Some(Instant::now() + self.settings.daemon.shutdown_timeout);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        tracing::warn!(
                            abandoned = self.in_flight,
                            "shutdown timeout reached; polls still in flight are abandoned \
                             (they run again after the restart)"
                        );
                        return Ok(());
                    }
                }
                // The loop holds a sender itself: the channel never closes.
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }

    /// How long to sleep: until the next feed or digest is due, at most [`MAX_SLEEP`].
    fn sleep_until(&self, now: DateTime<Utc>) -> Duration {
        let next_feed = self
            .planned
            .values()
            .filter(|p| !p.in_flight)
            .map(|p| p.next)
            .min();
        let wake = next_feed
            .into_iter()
            .chain([self.next_digest_check, self.next_source_check])
            .min()
            .unwrap_or(now);
        (wake - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_SLEEP)
    }

    /// Plans each feed the daemon starts (or reloads) with: a feed it already knew keeps its
    /// place; others start from the stored schedule.
    fn plan(&mut self, feeds: Vec<FeedConfig>, now: DateTime<Utc>) -> Result<(), DaemonError> {
        let mut planned = BTreeMap::new();
        for feed in feeds {
            let entry = match self.planned.remove(&feed.id) {
                Some(mut old) if old.feed == feed => {
                    old.feed = feed;
                    old
                }
                old => {
                    let state = self.store.feed_state(&feed.id)?;
                    let last = state.as_ref().and_then(|s| {
                        Some(LastPoll {
                            at: s.last_fetch_at?,
                            consecutive_errors: s.consecutive_errors,
                            retry_at: s.retry_at,
                            max_age: None,
                        })
                    });
                    // A changed feed is re-planned from its last poll, not its old plan.
                    let stored = match old {
                        Some(_) => None,
                        None => state.as_ref().and_then(|s| s.next_poll_at),
                    };
                    let next =
                        cadence::first_poll(&feed, &self.settings.poll, stored, last.as_ref(), now);
                    Planned {
                        in_flight: old.is_some_and(|o| o.in_flight),
                        feed,
                        next,
                    }
                }
            };
            planned.insert(entry.feed.id.clone(), entry);
        }
        // Feeds no longer configured: results still in flight for them are dropped.
        self.planned = planned;
        self.metrics.feeds.set(self.planned.len() as i64);
        Ok(())
    }

    fn start_due_polls(&mut self, now: DateTime<Utc>) -> Result<(), DaemonError> {
        for planned in self.planned.values_mut() {
            if !planned.in_flight
                && cadence::beyond_horizon(&planned.feed, &self.settings.poll, planned.next, now)
            {
                // Planned under a clock that has since gone back: due now, not in days.
                tracing::warn!(
                    feed = %planned.feed.id, planned = %planned.next,
                    "the clock went back; polling now instead of at the planned time"
                );
                planned.next = now;
            }
            if planned.in_flight || planned.next > now {
                continue;
            }
            let state = self.store.feed_state(&planned.feed.id)?;
            let request = poll::request_for(&planned.feed, state.as_ref());
            let known = if planned.feed.full_text {
                Some(self.store.item_hashes(&planned.feed.id)?)
            } else {
                None
            };
            planned.in_flight = true;
            self.in_flight += 1;
            let (tx, fetcher, feed) = (
                self.events_tx.clone(),
                self.fetcher.clone(),
                planned.feed.id.clone(),
            );
            let url = request.url.clone();
            let task = self.runtime.spawn({
                let (feed, kind) = (feed.clone(), planned.feed.kind.clone());
                async move {
                    let admitted = fetcher.admit().await;
                    let started = Instant::now();
                    let result =
                        poll::fetch_and_parse(&fetcher, &feed, &kind, request, known).await;
                    (result, started, admitted)
                }
            });
            self.runtime.spawn(async move {
                // A task that panicked (in a dependency) still reports, so the feed is not
                // left in flight for ever.
                let (result, started, admitted) = task.await.map_or_else(
                    |join| {
                        let failure = Fetched::Failed(FetchFailure {
                            at: Utc::now(),
                            status: None,
                            kind: "internal".to_string(),
                            message: format!("{url}: the fetch task failed: {join}"),
                            retry_at: None,
                        });
                        (failure, Instant::now(), None)
                    },
                    |(result, started, admitted)| (result, started, Some(admitted)),
                );
                // The loop only stops receiving once it has exited.
                let _ = tx.send(Event::Fetched {
                    feed,
                    started,
                    result,
                    _admitted: admitted,
                });
            });
        }
        self.metrics.queue_depth.set(self.in_flight as i64);
        Ok(())
    }

    /// Stores one feed's result, plans its next poll, and tells the index thread.
    fn settle(
        &mut self,
        feed_id: &str,
        started: Instant,
        result: Fetched,
    ) -> Result<(), DaemonError> {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.metrics.queue_depth.set(self.in_flight as i64);
        let Some(planned) = self.planned.get_mut(feed_id) else {
            tracing::info!(feed = feed_id, "result dropped: the feed was removed");
            return Ok(());
        };
        planned.in_flight = false;
        match poll::settle(&mut self.store, &planned.feed, &self.settings.poll, result) {
            Ok(report) => {
                planned.next = report
                    .next_poll
                    .unwrap_or_else(|| Utc::now() + STORE_ERROR_RETRY);
                self.metrics
                    .record_poll(&report.outcome, report.new, report.updated);
                self.metrics
                    .poll_duration
                    .observe(started.elapsed().as_secs_f64());
                log_poll(&report);
                let at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
                if let Err(e) = self.store.set_meta("last_poll", &at) {
                    tracing::warn!(error = %e, "cannot record the poll time");
                }
                if report.new + report.updated > 0 {
                    self.index()?.stored()?;
                }
                if self.in_flight == 0 {
                    // A round of polls is over: give its memory back.
                    self.trimmer.trim();
                }
            }
            Err(e) => {
                // The fetch is lost (it runs again soon); the daemon goes on.
                planned.next = Utc::now() + STORE_ERROR_RETRY;
                tracing::error!(feed = feed_id, error = %e, "cannot store the poll's result");
            }
        }
        Ok(())
    }

    /// Assesses every configured feed (recording changes of state), updates the metrics, logs
    /// each change, and sends the operator digest when it is due.
    fn check_sources(&mut self, now: DateTime<Utc>) -> Result<(), DaemonError> {
        let interval = TimeDelta::from_std(self.settings.operators.check_interval)
            .unwrap_or(TimeDelta::minutes(5));
        self.next_source_check = now + interval.max(TimeDelta::seconds(1));
        let ids: Vec<String> = self.planned.keys().cloned().collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let statuses = self.store.update_source_health(now, Some(&ids))?;
        self.metrics.record_sources(&statuses);
        for s in statuses.iter().filter(|s| s.was.is_some()) {
            let (from, to) = (
                s.was.map_or("-", State::as_str),
                s.assessment.state.as_str(),
            );
            if s.assessment.state == State::Ok {
                tracing::info!(feed = %s.feed_id, from, to, "source recovered");
            } else {
                tracing::warn!(feed = %s.feed_id, from, to, "source state changed");
            }
        }
        let cfg = &self.settings.operators;
        if cfg.emails.is_empty() || !operators::is_due(&mut self.store, cfg, now)? {
            return Ok(());
        }
        let report = operators::report(&self.store, &statuses, now)?;
        let sent =
            self.runtime
                .block_on(operators::send(&mut self.store, &self.mailer, cfg, &report));
        match sent {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                addresses = n,
                feeds = report.changes.len(),
                "operator digest sent"
            ),
            // The window stays: the same changes are reported at the next check.
            Err(e) => tracing::error!(error = %e, "operator digest not sent"),
        }
        Ok(())
    }

    /// Sends every digest that is due, then plans the next check.
    fn send_due_digests(&mut self, now: DateTime<Utc>) -> Result<(), DaemonError> {
        let due: Vec<_> = deliver::due_times(&self.store, now)?
            .into_iter()
            .filter(|(_, at)| at.is_some_and(|t| t <= now))
            .map(|(sub, _)| sub)
            .collect();
        self.metrics.digests_due.set(due.len() as i64);
        if !due.is_empty() {
            // Every item stored so far must carry its topics before digests are selected.
            self.index()?.flush()?;
            let (metrics, health, stop) = (&self.metrics, &self.health, &self.stop_requested);
            let mut on_each = |email: &str, delivery: &Delivery| {
                health.beat();
                metrics.record_delivery(delivery);
                log_delivery(email, delivery);
                if stop.load(Ordering::Relaxed) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            };
            let result = self.runtime.block_on(deliver::deliver_due(
                &mut self.store,
                &self.settings.topics,
                &self.mailer,
                &due,
                self.links.as_ref(),
                false,
                now,
                &mut on_each,
            ));
            if let Err(e) = result {
                // What was sent is recorded; the rest is tried at the next check.
                tracing::error!(error = %e, "digest run failed");
            }
        }
        let after = Utc::now();
        let next_due = deliver::due_times(&self.store, after)?
            .into_iter()
            .filter_map(|(_, at)| at)
            .min();
        // A digest that could not be sent just now (e.g. a store error) is not retried in a
        // tight loop: at the soonest, the next check is a second away.
        let soonest = after + TimeDelta::seconds(1);
        self.next_digest_check = next_due
            .map_or(after + DIGEST_RECHECK, |t| t.min(after + DIGEST_RECHECK))
            .max(soonest);
        Ok(())
    }

    /// Reads the config file and feed lists again; a file that does not load is reported and
    /// the running version kept.
    fn reload(&mut self) {
        notify::reloading();
        let settings = match Settings::load(self.origin.config.as_deref(), &self.origin.overrides) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "reload: the config does not load; keeping the running one");
                notify::status("reload failed: config; running the previous one");
                notify::ready("running (reload failed)");
                return;
            }
        };
        let feeds = match crate::feeds::load_dir(&settings.feeds_dir) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(error = %e, "reload: the feed lists do not load; keeping the running ones");
                None
            }
        };
        if let Err(e) = self.apply_settings(settings, feeds) {
            tracing::error!(error = %e, "reload failed; the daemon goes on with what it had");
        }
        notify::ready(&format!("polling {} feeds", self.planned.len()));
    }

    fn apply_settings(
        &mut self,
        settings: Settings,
        feeds: Option<Vec<FeedConfig>>,
    ) -> Result<(), DaemonError> {
        if settings.data_dir != self.settings.data_dir || settings.server != self.settings.server {
            tracing::warn!("reload: data_dir and [server] changes take effect after a restart");
        }
        let fetcher =
            Arc::new(Fetcher::new(&settings.fetch).map_err(|e| DaemonError::Fetch(Box::new(e)))?);
        let mailer = Mailer::from_settings(&settings)?;
        let rules_changed = topic_pairs(&settings) != topic_pairs(&self.settings)
            || settings.extractor.extensions() != self.settings.extractor.extensions();
        if rules_changed {
            self.index()?
                .set_rules(settings.topics.clone(), settings.extractor.clone())?;
        }
        let (data_dir, server) = (self.settings.data_dir.clone(), self.settings.server.clone());
        self.settings = Settings {
            data_dir,
            server,
            ..settings
        };
        self.fetcher = fetcher;
        self.mailer = mailer;
        if let Some(feeds) = feeds {
            self.store.sync_feeds(&feeds)?;
            let before: Vec<String> = self.planned.keys().cloned().collect();
            self.plan(feeds, Utc::now())?;
            let added = self
                .planned
                .keys()
                .filter(|id| !before.contains(id))
                .count();
            let removed = before
                .iter()
                .filter(|id| !self.planned.contains_key(*id))
                .count();
            tracing::info!(
                feeds = self.planned.len(),
                added,
                removed,
                rules_changed,
                "reloaded"
            );
        }
        // New schedules or subscriptions may be due sooner than planned.
        self.next_digest_check = Utc::now();
        Ok(())
    }

    fn index(&self) -> Result<&IndexThread, DaemonError> {
        self.index.as_ref().ok_or_else(|| {
            DaemonError::IndexThread(IndexThreadError::Stopped("already stopped".into()))
        })
    }
}

fn topic_pairs(settings: &Settings) -> Vec<(String, String)> {
    settings
        .topics
        .iter()
        .map(|t| (t.name.clone(), t.query.clone()))
        .collect()
}

/// One line per poll outcome (the report's URLs already have their secrets masked).
fn log_poll(report: &FeedReport) {
    let next = report
        .next_poll
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default();
    match &report.outcome {
        Outcome::Fetched { status } => {
            tracing::info!(
                feed = %report.feed, outcome = "fetched", status, new = report.new,
                updated = report.updated, problems = report.problems.len(), next_poll = %next,
                "poll"
            );
            // Repairs, skipped entries, full-text failures: worth reading, not alarming.
            for problem in &report.problems {
                tracing::info!(
                    feed = %report.feed,
                    problem = %problem,
                    "poll problem"
                );
            }
        }
        Outcome::NotModified { status } => tracing::info!(
            feed = %report.feed, outcome = "not-modified", status, next_poll = %next, "poll"
        ),
        Outcome::Deferred { until } => tracing::info!(
            feed = %report.feed, outcome = "deferred", until = %until, "poll"
        ),
        Outcome::Failed { status, kind } => tracing::warn!(
            feed = %report.feed, outcome = "failed", status = status.unwrap_or(0), kind = %kind,
            error = %report.error.as_deref().unwrap_or(""),
            next_poll = %next, "poll"
        ),
    }
}

/// One line per digest sent (or refused); addresses are the operator's own data.
fn log_delivery(email: &str, delivery: &Delivery) {
    match delivery {
        Delivery::Sent {
            items, message_id, ..
        } => tracing::info!(to = %email, items, %message_id, "digest sent"),
        Delivery::NothingNew => tracing::debug!(to = %email, "digest: nothing new"),
        Delivery::Queued {
            reason, retry_at, ..
        } => tracing::warn!(to = %email, %reason, %retry_at, "digest queued for retry"),
        Delivery::Failed { reason, .. } => {
            tracing::error!(to = %email, %reason, "digest refused by the mail server")
        }
        Delivery::Busy => {
            tracing::info!(to = %email, "digest: another govwatch process is sending this one")
        }
        Delivery::NotDue { .. } | Delivery::Paused => {}
    }
}

/// SIGTERM and SIGINT stop the daemon; SIGHUP reloads.
fn spawn_signal_handler(
    events: mpsc::Sender<Event>,
    stop_requested: Arc<AtomicBool>,
) -> Result<(), DaemonError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    let mut hup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = term.recv() => Event::Stop("SIGTERM"),
                _ = int.recv() => Event::Stop("SIGINT"),
                _ = hup.recv() => Event::Reload,
            };
            if matches!(event, Event::Stop(_)) {
                stop_requested.store(true, Ordering::Relaxed);
            }
            if events.send(event).is_err() {
                break;
            }
        }
    });
    Ok(())
}

/// Sends a reload event when the config file or a feed list changes.
async fn watch_files(config: Option<PathBuf>, feeds_dir: PathBuf, events: mpsc::Sender<Event>) {
    let mut seen = watch::fingerprint(config.as_deref(), &feeds_dir);
    let mut tick = tokio::time::interval(WATCH_EVERY);
    loop {
        tick.tick().await;
        let now = watch::fingerprint(config.as_deref(), &feeds_dir);
        if now != seen {
            seen = now;
            tracing::info!("config or feed lists changed; reloading");
            if events.send(Event::Reload).is_err() {
                return;
            }
        }
    }
}

/// Pings the systemd watchdog while the health check passes: a stuck daemon stops pinging
/// and systemd restarts it.
async fn watchdog(state: Arc<server::ServerState>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let report = server::check(state.clone()).await;
        if report.healthy() {
            notify::watchdog();
        } else {
            tracing::warn!(scheduler = report.scheduler, store = %report.store, "unhealthy: not feeding the watchdog");
        }
    }
}
