//! Reused scratch buffers for the LSTM kernel.
//!
//! A training step needs megabytes of scratch: each layer's kept states and gate gradients.
//! Allocated fresh every step, such buffers go back to the system when freed and are faulted in
//! again page by page at the next step: measured, that made a training step twice as slow
//! (9.5 against 4.6 ms) whenever nothing else had grown the heap first. Buffers come back here
//! instead and are handed out again as they are: every user writes each value before reading it,
//! and clearing them (megabytes a step, on one thread) was a twentieth of a training step. At
//! most [`KEPT`] are kept, of [`KEPT_FLOATS`] in all (128 MB).

use std::sync::Mutex;

/// Buffers kept for reuse; beyond this, the smallest go.
const KEPT: usize = 8;
/// Floats kept in all: buffers beyond this go, so a few large predictions do not leave
/// memory held for good.
const KEPT_FLOATS: usize = 32 << 20;

/// The kept buffers, largest first.
struct Store(Mutex<Vec<Vec<f32>>>);

static FREE: Store = Store(Mutex::new(Vec::new()));

/// `len` floats of no particular value (left from an earlier use, or zero), in the smallest kept
/// buffer that holds them, or a new one. The caller writes each before reading it.
pub(crate) fn take(len: usize) -> Vec<f32> {
    FREE.take(len)
}

/// Hands `buffer` back for reuse.
pub(crate) fn recycle(buffer: Vec<f32>) {
    FREE.recycle(buffer);
}

impl Store {
    /// See [`take`].
    fn take(&self, len: usize) -> Vec<f32> {
        let reused = self.0.lock().ok().and_then(|mut free| {
            let best = (0..free.len())
                .filter(|&i| free[i].capacity() >= len)
                .min_by_key(|&i| free[i].capacity())?;
            Some(free.swap_remove(best))
        });
        match reused {
            Some(mut buffer) => {
                // Only values beyond the old length are written here.
                buffer.truncate(len);
                buffer.resize(len, 0.0);
                buffer
            }
            None => gait_cpu::buffer::filled(len, 0.0),
        }
    }

    /// See [`recycle`].
    fn recycle(&self, buffer: Vec<f32>) {
        let Ok(mut free) = self.0.lock() else {
            return;
        };
        free.push(buffer);
        // Keep the largest buffers that fit both limits.
        free.sort_by_key(|kept| std::cmp::Reverse(kept.capacity()));
        free.truncate(KEPT);
        while free.iter().map(Vec::capacity).sum::<usize>() > KEPT_FLOATS {
            free.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{KEPT, KEPT_FLOATS, Mutex, Store};

    #[test]
    fn buffers_come_back_reused_and_the_store_stays_bounded() {
        let store = Store(Mutex::new(Vec::new()));
        let mut a = store.take(1000);
        a.iter_mut().for_each(|v| *v = 7.0);
        let (capacity, at) = (a.capacity(), a.as_ptr());
        store.recycle(a);
        let b = store.take(900);
        assert_eq!(b.len(), 900);
        assert_eq!(b.as_ptr(), at, "the kept buffer is handed out again");
        store.recycle(b);
        // Grown past its old length, the new values are zero.
        let c = store.take(capacity);
        assert!(c[900..].iter().all(|&v| v == 0.0));
        store.recycle(c);
        for _ in 0..20 {
            store.recycle(vec![1.0; 10]);
        }
        store.recycle(vec![0.0; KEPT_FLOATS + 1]);
        let kept = store.0.lock().unwrap();
        assert!(kept.len() <= KEPT);
        assert!(kept.iter().map(Vec::capacity).sum::<usize>() <= KEPT_FLOATS);
        assert!(
            kept.iter().any(|v| v.capacity() >= capacity),
            "the large buffer is kept over small ones"
        );
    }
}
