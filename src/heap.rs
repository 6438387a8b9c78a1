//! Keeping the heap's footprint close to what is live.
//!
//! glibc gives each thread that contends for the heap its own arena, up to eight per core,
//! and each arena keeps what its threads freed. A poll spreads its allocations over tokio's
//! workers, the parse threads, the store writer and tantivy's indexing threads: in a cold
//! poll of 10,000 feeds the anonymous resident memory reached 455–478 MiB for 327 MB of live
//! heap (heaptrack). One arena per core (two at least) brought it to about 330 MiB (with two
//! per core, 370–390 MiB), for a poll about 5% slower, within this machine's noise.
//!
//! After a burst of work the daemon hands freed heap back ([`Trimmer`]): memory freed by a
//! round of polls (parse buffers, index batches) stays mapped for reuse, and for a daemon
//! that then sleeps for half an hour that is resident memory for nothing (with 1,000 feeds,
//! about 45 MiB of 115). `malloc_trim` returns the free pages; it costs a few milliseconds,
//! so it runs only when a burst ends.

use std::time::{Duration, Instant};

/// At most one trim per this long.
const MIN_GAP: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct Trimmer {
    last: Option<Instant>,
}

impl Trimmer {
    /// Trims, unless it did so less than [`MIN_GAP`] ago.
    pub fn trim(&mut self) {
        if self.last.is_some_and(|t| t.elapsed() < MIN_GAP) {
            return;
        }
        self.last = Some(Instant::now());
        release_free_memory();
    }
}

/// glibc arenas per core at most (glibc's own limit is 8 on 64-bit systems); two at least.
pub const ARENAS_PER_CORE: usize = 1;

/// Caps glibc's arenas (see the module documentation). Call first thing in `main`, before any
/// thread starts: arenas already made stay.
pub fn limit_arenas() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    set_arena_max((cores * ARENAS_PER_CORE).max(2));
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_arena_max(arenas: usize) {
    let arenas = libc::c_int::try_from(arenas).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt takes no pointers and only sets a tuning value of glibc's allocator.
    // A refusal (return 0) leaves glibc's default, which is still correct, only larger.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

/// Other allocators size their own caches.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn set_arena_max(_arenas: usize) {}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    // SAFETY: malloc_trim takes no pointers; it walks glibc's own heap under glibc's locks
    // and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}
