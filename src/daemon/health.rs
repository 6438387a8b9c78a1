//! Whether the scheduler is alive: the poll loop beats on every turn (and the digest run on
//! every subscriber), and a beat older than [`STALL_AFTER`] means it is stuck. `/healthz` and
//! the systemd watchdog both ask here, so a stuck daemon stops feeding the watchdog and
//! systemd restarts it.

use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::time::Duration;

use chrono::Utc;

/// Longer than the loop ever sleeps and than one SMTP attempt may take.
pub const STALL_AFTER: Duration = Duration::from_secs(150);

const STARTING: u8 = 0;
const RUNNING: u8 = 1;
const STOPPING: u8 = 2;

#[derive(Debug, Default)]
pub struct Health {
    /// Unix milliseconds of the last beat.
    beat: AtomicI64,
    phase: AtomicU8,
}

impl Health {
    pub fn new() -> Health {
        Health::default()
    }

    pub fn beat(&self) {
        self.beat
            .store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    pub fn set_running(&self) {
        self.beat();
        self.phase.store(RUNNING, Ordering::Relaxed);
    }

    pub fn set_stopping(&self) {
        self.phase.store(STOPPING, Ordering::Relaxed);
    }

    /// `running`, `starting`, `stopping` or `stalled`.
    pub fn scheduler_state(&self) -> &'static str {
        match self.phase.load(Ordering::Relaxed) {
            STARTING => "starting",
            STOPPING => "stopping",
            _ => {
                let age = Utc::now().timestamp_millis() - self.beat.load(Ordering::Relaxed);
                if age > STALL_AFTER.as_millis() as i64 {
                    "stalled"
                } else {
                    "running"
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_and_a_stale_beat() {
        let h = Health::new();
        assert_eq!(h.scheduler_state(), "starting");
        h.set_running();
        assert_eq!(h.scheduler_state(), "running");
        h.beat.store(
            Utc::now().timestamp_millis() - STALL_AFTER.as_millis() as i64 - 1000,
            Ordering::Relaxed,
        );
        assert_eq!(h.scheduler_state(), "stalled");
        h.beat();
        h.set_stopping();
        assert_eq!(h.scheduler_state(), "stopping");
    }
}
