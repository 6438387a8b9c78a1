//! The daemon's index writer: one thread that owns the tantivy writer and its own store
//! connection. The poll loop tells it when items were stored; it tags and stages them at once
//! (so digests see their topics), and commits on a cadence (`[index] commit_interval` or
//! `commit_items`, whichever comes first) and always before it stops. A crash loses only
//! uncommitted index work, which the next start re-stages from the store.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::IndexConfig;
use crate::extract::Extractor;
use crate::index::Index;
use crate::pipeline::{Indexer, SyncError};
use crate::store::Store;
use crate::topics::Topics;

use super::metrics::Metrics;

/// How long the thread sleeps when nothing waits to be committed.
const IDLE_WAIT: Duration = Duration::from_secs(3600);

enum Msg {
    Stored,
    /// Stage everything stored so far, then answer (tags are in the store after that).
    Flush(mpsc::Sender<Result<(), String>>),
    Rules(Topics, Arc<Extractor>),
}

/// The handle the poll loop holds.
pub struct IndexThread {
    tx: Option<mpsc::Sender<Msg>>,
    handle: Option<JoinHandle<Result<(), SyncError>>>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexThreadError {
    #[error("the index writer stopped: {0}")]
    Stopped(String),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("the index writer thread panicked")]
    Panicked,
}

impl IndexThread {
    /// Starts the thread; it first stages what an earlier run stored but never indexed.
    pub fn start(
        data_dir: PathBuf,
        mut index: Index,
        topics: Topics,
        extractor: Arc<Extractor>,
        cadence: IndexConfig,
        metrics: Arc<Metrics>,
    ) -> Result<IndexThread, IndexThreadError> {
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("govwatch-index".into())
            .spawn(move || -> Result<(), SyncError> {
                let mut store = Store::open(&data_dir)?;
                let mut indexer = Indexer::new(&mut index, &topics)?.with_extractor(extractor);
                let mut writer = Writer {
                    indexer: &mut indexer,
                    store: &mut store,
                    cadence,
                    metrics,
                    dirty_since: None,
                    trimmer: Default::default(),
                };
                writer.stage()?;
                writer.run(rx)
            })
            .map_err(|e| IndexThreadError::Stopped(format!("cannot start the thread: {e}")))?;
        Ok(IndexThread {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// More items were stored.
    pub fn stored(&self) -> Result<(), IndexThreadError> {
        self.send(Msg::Stored)
    }

    /// Returns once every item stored so far is tagged (its topics in the store): a digest
    /// selected after this sees all of them.
    pub fn flush(&self) -> Result<(), IndexThreadError> {
        let (reply, answer) = mpsc::channel();
        self.send(Msg::Flush(reply))?;
        match answer.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(IndexThreadError::Stopped(e)),
            Err(_) => Err(self.failure()),
        }
    }

    pub fn set_rules(
        &self,
        topics: Topics,
        extractor: Arc<Extractor>,
    ) -> Result<(), IndexThreadError> {
        self.send(Msg::Rules(topics, extractor))
    }

    /// Stages what is left, commits and ends the thread.
    pub fn stop(mut self) -> Result<(), IndexThreadError> {
        self.tx = None;
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(result)) => Ok(result?),
            Some(Err(_)) => Err(IndexThreadError::Panicked),
            None => Ok(()),
        }
    }

    fn send(&self, msg: Msg) -> Result<(), IndexThreadError> {
        match &self.tx {
            Some(tx) if tx.send(msg).is_ok() => Ok(()),
            _ => Err(self.failure()),
        }
    }

    /// Why the thread is gone (it only ends early on an error).
    fn failure(&self) -> IndexThreadError {
        IndexThreadError::Stopped(
            "the index thread ended; its error is reported when the daemon stops".into(),
        )
    }
}

struct Writer<'a, 'i> {
    indexer: &'a mut Indexer<'i>,
    store: &'a mut Store,
    cadence: IndexConfig,
    metrics: Arc<Metrics>,
    /// When the oldest uncommitted item was staged.
    dirty_since: Option<Instant>,
    trimmer: crate::heap::Trimmer,
}

impl Writer<'_, '_> {
    fn run(&mut self, rx: mpsc::Receiver<Msg>) -> Result<(), SyncError> {
        loop {
            let wait = match self.dirty_since {
                Some(t) => self.cadence.commit_interval.saturating_sub(t.elapsed()),
                None => IDLE_WAIT,
            };
            match rx.recv_timeout(wait) {
                Ok(Msg::Stored) => {
                    // Several feeds stored meanwhile: one pass covers them all.
                    let mut flushes = Vec::new();
                    while let Ok(msg) = rx.try_recv() {
                        match msg {
                            Msg::Flush(reply) => flushes.push(reply),
                            Msg::Rules(t, x) => self.indexer.set_rules(&t, x)?,
                            Msg::Stored => {}
                        }
                    }
                    self.stage()?;
                    for reply in flushes {
                        let _ = reply.send(Ok(()));
                    }
                }
                Ok(Msg::Flush(reply)) => {
                    let result = self.stage();
                    // The asker may have given up; nothing to do then.
                    let _ = reply.send(result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
                    result?;
                }
                Ok(Msg::Rules(topics, extractor)) => {
                    // Items staged so far were tagged with the old topics: commit them first.
                    self.commit()?;
                    self.indexer.set_rules(&topics, extractor)?;
                }
                Err(RecvTimeoutError::Timeout) => self.commit()?,
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if self.indexer.uncommitted() >= self.cadence.commit_items.get() as u64 {
                self.commit()?;
            }
        }
        self.stage()?;
        self.commit()
    }

    fn stage(&mut self) -> Result<(), SyncError> {
        let staged = self.indexer.stage(self.store)?;
        if staged > 0 {
            self.metrics.documents_indexed.inc_by(staged as u64);
            self.dirty_since.get_or_insert_with(Instant::now);
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<(), SyncError> {
        if self.indexer.uncommitted() > 0 {
            let started = Instant::now();
            self.indexer.commit()?;
            self.metrics.index_commits.inc();
            // The segment just written was built in memory that is free now.
            self.trimmer.trim();
            tracing::debug!(
                took_ms = started.elapsed().as_millis() as u64,
                "index committed"
            );
        }
        self.dirty_since = None;
        Ok(())
    }
}
