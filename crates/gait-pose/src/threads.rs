//! Where a pose operation's work runs: split over all threads (rayon's pool), or kept on the
//! calling thread inside [`on_this_thread`], for videos processed side by side, one per core.

use std::cell::Cell;

thread_local! {
    /// Whether this thread keeps its pose operations to itself ([`on_this_thread`]).
    static ALONE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every pose operation it calls on the calling thread. For a tree of videos run
/// side by side, a video to a core: each of the landmark model's hundred or so small operations
/// would otherwise hand its rows to the other cores, which are busy with their own videos, and
/// wait for them. Landmarks are the same bits either way.
pub fn on_this_thread<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the flag back as it was, even when `f` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ALONE.with(|alone| alone.set(self.0));
        }
    }
    let _restore = Restore(ALONE.with(|alone| alone.replace(true)));
    f()
}

/// Whether work may be split over all threads here (not inside [`on_this_thread`]).
pub(crate) fn shared() -> bool {
    !ALONE.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_is_kept_on_the_thread_inside_and_shared_again_after_even_a_panic() {
        assert!(shared());
        assert!(!on_this_thread(shared));
        assert!(on_this_thread(|| on_this_thread(|| true) && !shared()));
        assert!(shared());
        let unwound = std::panic::catch_unwind(|| on_this_thread(|| panic!("inside")));
        assert!(unwound.is_err() && shared());
        // Another thread shares its work whatever this one does.
        assert!(on_this_thread(|| std::thread::spawn(shared).join().unwrap()));
    }
}
