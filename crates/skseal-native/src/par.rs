//! Parallel loops in which the calling thread takes part.
//!
//! rayon runs a parallel loop started outside its pool on the pool's
//! threads only: the caller queues the loop, wakes the threads and sleeps
//! until they are done. When the pool's threads have gone to sleep (after
//! about 10 ms without work, as between the calls of a service, or after
//! another library's call), waking them can take longer than a
//! millisecond's work itself: measured on a 2-core VM, a 10,000-row MLP took
//! 1.6 ms per call after a 10 ms pause or a `gc.collect()`, against 1.0 ms
//! back to back and 1.4-1.5 ms on one thread.
//!
//! [`for_chunks_mut`] starts the work on the calling thread at once. Helper
//! jobs on the pool take blocks from the same counter when they wake; the
//! caller never waits for a helper that has not started, only for blocks a
//! helper is still computing. A loop started on a pool thread (nested in
//! another parallel loop) is rayon's own.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

/// The high bit of [`Shared::entered`]: the caller has finished, and no
/// helper may start the loop any more.
const CLOSED: usize = 1 << (usize::BITS - 1);

/// The loop body as the helpers see it, its borrow's lifetime erased.
type Work<'a> = dyn Fn() + Sync + 'a;

struct Shared {
    /// helpers running the body, plus [`CLOSED`] once the caller is done
    entered: AtomicUsize,
    panicked: AtomicBool,
    /// Dereferenced only by a helper that entered before [`CLOSED`] was set;
    /// the caller returns only after it is set and every such helper has
    /// left, so the pointee (on the caller's stack) outlives every use.
    work: *const Work<'static>,
}

// SAFETY: `work` points to a `Sync` closure, used only under the protocol
// above; the other fields are atomics.
unsafe impl Send for Shared {}
// SAFETY: as for `Send`.
unsafe impl Sync for Shared {}

impl Shared {
    /// A helper's turn: run the loop if the caller has not finished.
    fn help(&self) {
        if self.entered.fetch_add(1, Ordering::Acquire) & CLOSED != 0 {
            self.entered.fetch_sub(1, Ordering::Release);
            return;
        }
        // SAFETY: entered before CLOSED, so the caller is still in
        // `for_chunks_mut` and waits for this helper to leave (below) before
        // its stack frame, which holds the closure, goes away.
        let work = unsafe { &*self.work };
        if catch_unwind(AssertUnwindSafe(work)).is_err() {
            self.panicked.store(true, Ordering::Relaxed);
        }
        self.entered.fetch_sub(1, Ordering::Release);
    }
}

/// Calls `body(state, i, chunk)` for every `chunk`-long piece of `out` (the
/// last may be shorter), `i` its index, on the calling thread and on up to
/// `threads - 1` of rayon's pool threads. `state` is made by `init` once per
/// thread that takes a piece. The order of the calls is not defined; each
/// piece is given to exactly one call.
pub fn for_chunks_mut<T: Send, S>(
    out: &mut [T],
    chunk: usize,
    init: impl Fn() -> S + Sync,
    body: impl Fn(&mut S, usize, &mut [T]) + Sync,
) {
    let chunk = chunk.max(1);
    let helpers = rayon::current_num_threads().saturating_sub(1);
    let n = out.len().div_ceil(chunk);
    if rayon::current_thread_index().is_some() {
        // nested in a parallel loop: rayon's own work stealing
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each_init(&init, |s, (i, c)| body(s, i, c));
        return;
    }
    if helpers == 0 || n < 2 {
        let mut s = init();
        for (i, c) in out.chunks_mut(chunk).enumerate() {
            body(&mut s, i, c);
        }
        return;
    }
    let pieces: Vec<Mutex<Option<&mut [T]>>> =
        out.chunks_mut(chunk).map(|c| Mutex::new(Some(c))).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut state: Option<S> = None;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = pieces.get(i) else { break };
            // each index is claimed once: the lock is never contended, and a
            // poisoned one (a panic in another piece's body) still holds
            // this piece
            let piece = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(c) = piece {
                body(state.get_or_insert_with(&init), i, c);
            }
        }
    };
    let erased: &Work<'_> = &work;
    // SAFETY: only the lifetimes change (the same fat pointer); see
    // `Shared::work` for why it is not used after `work` is gone.
    let ptr: *const Work<'static> =
        unsafe { std::mem::transmute::<&Work<'_>, &'static Work<'static>>(erased) };
    let shared = Arc::new(Shared {
        entered: AtomicUsize::new(0),
        panicked: AtomicBool::new(false),
        work: ptr,
    });
    for _ in 0..helpers.min(n - 1) {
        let s = Arc::clone(&shared);
        rayon::spawn(move || s.help());
    }
    let mine = catch_unwind(AssertUnwindSafe(work));
    // no helper starts from now on; wait for those inside (each is finishing
    // its last piece: every piece is claimed by now)
    let mut spins = 0u32;
    while shared.entered.fetch_or(CLOSED, Ordering::Acquire) & !CLOSED != 0 {
        spins += 1;
        if spins < 1 << 12 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
    if let Err(payload) = mine {
        resume_unwind(payload);
    }
    if shared.panicked.load(Ordering::Relaxed) {
        panic!("a parallel piece of work panicked on a pool thread");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_once_with_its_index() {
        for (len, chunk) in [(0, 3), (1, 3), (10, 3), (1000, 7), (4096, 128), (5, 100)] {
            let mut out = vec![usize::MAX; len];
            let inits = AtomicUsize::new(0);
            for_chunks_mut(
                &mut out,
                chunk,
                || {
                    inits.fetch_add(1, Ordering::Relaxed);
                    0usize
                },
                |calls, i, c| {
                    *calls += 1;
                    for (k, v) in c.iter_mut().enumerate() {
                        assert_eq!(*v, usize::MAX, "piece {i} given twice");
                        *v = i * chunk + k;
                    }
                },
            );
            assert!(
                out.iter().enumerate().all(|(k, &v)| k == v),
                "{len} {chunk}"
            );
            assert!(inits.load(Ordering::Relaxed) <= rayon::current_num_threads().max(1));
        }
    }

    #[test]
    fn nested_in_a_pool_thread_and_many_times_in_a_row() {
        let totals: Vec<usize> = (0..64usize)
            .into_par_iter()
            .map(|r| {
                let mut out = vec![0usize; 300 + r];
                for_chunks_mut(&mut out, 16, || (), |_, i, c| c.fill(i + 1));
                out.iter().sum()
            })
            .collect();
        for (r, t) in totals.iter().enumerate() {
            let n = 300 + r;
            let want: usize = (0..n).map(|k| k / 16 + 1).sum();
            assert_eq!(*t, want);
        }
        // back to back from this (non-pool) thread: helpers that wake late
        // find the loop closed and leave without touching the finished call
        for r in 0..2000usize {
            let mut out = vec![0u32; 64 + r % 50];
            for_chunks_mut(&mut out, 4, || (), |_, _, c| c.fill(7));
            assert!(out.iter().all(|&v| v == 7));
        }
    }

    #[test]
    fn a_panic_in_a_piece_reaches_the_caller() {
        let r = catch_unwind(|| {
            let mut out = vec![0u8; 1000];
            for_chunks_mut(
                &mut out,
                10,
                || (),
                |_, i, _| {
                    if i == 57 {
                        panic!("piece 57");
                    }
                },
            );
        });
        assert!(r.is_err());
        // the pool still works afterwards
        let mut out = vec![0u8; 1000];
        for_chunks_mut(&mut out, 10, || (), |_, _, c| c.fill(1));
        assert!(out.iter().all(|&v| v == 1));
    }
}
