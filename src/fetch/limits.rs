//! Per-key concurrency limits: one semaphore per host (per-host politeness) and per URL (never
//! the same URL twice in flight). Entries exist only while someone holds or awaits a permit, so
//! the map stays as small as the set of hosts currently being fetched.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug)]
pub(crate) struct KeyedLimits {
    permits: usize,
    /// Each key's semaphore and how many guards (holders and waiters) use it.
    map: Mutex<HashMap<String, (Arc<Semaphore>, usize)>>,
}

impl KeyedLimits {
    pub(crate) fn new(permits: usize) -> Arc<KeyedLimits> {
        Arc::new(KeyedLimits {
            permits,
            map: Mutex::new(HashMap::new()),
        })
    }

    /// Waits for one of `key`'s permits. Cancel-safe: dropping the future drops the guard,
    /// which cleans up the entry.
    pub(crate) async fn acquire(self: &Arc<Self>, key: &str) -> KeyedPermit {
        let sem = {
            // The map is only touched in short sections that cannot panic, so a poisoned lock
            // still holds a consistent map.
            let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = map
                .entry(key.to_owned())
                .or_insert_with(|| (Arc::new(Semaphore::new(self.permits)), 0));
            entry.1 += 1;
            Arc::clone(&entry.0)
        };
        // Created before the await so that a cancelled waiter still unregisters itself.
        let mut guard = KeyedPermit {
            limits: Arc::clone(self),
            key: key.to_owned(),
            permit: None,
        };
        // These semaphores are never closed, so acquiring cannot fail.
        guard.permit = Some(sem.acquire_owned().await.expect("semaphore never closed"));
        guard
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Holds one permit for a key; releases it and forgets the key when the last user leaves.
#[derive(Debug)]
pub(crate) struct KeyedPermit {
    limits: Arc<KeyedLimits>,
    key: String,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for KeyedPermit {
    fn drop(&mut self) {
        self.permit.take();
        let mut map = self
            .limits
            .map
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = map.get_mut(&self.key) {
            entry.1 -= 1;
            if entry.1 == 0 {
                map.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_per_key_and_forgets_idle_keys() {
        let limits = KeyedLimits::new(1);
        let a = limits.acquire("a").await;
        let b = limits.acquire("b").await;
        assert_eq!(limits.len(), 2);
        // "a" is taken: a second acquire must not complete until it is released.
        let mut waiting = Box::pin(limits.acquire("a"));
        assert!(futures_poll_once(waiting.as_mut()).await.is_none());
        drop(a);
        let a2 = waiting.await;
        drop(b);
        assert_eq!(limits.len(), 1);
        drop(a2);
        assert_eq!(limits.len(), 0);
    }

    #[tokio::test]
    async fn cancelled_waiter_does_not_leak_its_key() {
        let limits = KeyedLimits::new(1);
        let a = limits.acquire("a").await;
        let mut waiting = Box::pin(limits.acquire("a"));
        assert!(futures_poll_once(waiting.as_mut()).await.is_none());
        drop(waiting);
        drop(a);
        assert_eq!(limits.len(), 0);
    }

    /// Polls a future exactly once.
    async fn futures_poll_once<F: std::future::Future + Unpin>(fut: F) -> Option<F::Output> {
        let mut fut = fut;
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut fut).poll(cx) {
                std::task::Poll::Ready(v) => Some(v),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
