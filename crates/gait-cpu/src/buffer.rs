//! Large buffers: feature tables, model states.
//!
//! A fresh buffer of many megabytes costs one page fault per 4 KiB page as it is first written:
//! measured, a fifth of the `seed` features' time on a million frames and a third of an LSTM
//! training step. On Linux these buffers are advised into transparent huge pages (2 MiB, where
//! the system allows them), which removes nearly all of those faults.

/// A vector of `len` copies of `fill`, backed by huge pages where the OS gives them.
pub fn filled<T: Clone>(len: usize, fill: T) -> Vec<T> {
    let mut values = with_capacity(len);
    values.resize(len, fill);
    values
}

/// An empty vector with room for `capacity` values, backed by huge pages where the OS gives
/// them: for a writer that fills it through [`Vec::spare_capacity_mut`] without writing it
/// twice.
pub fn with_capacity<T>(capacity: usize) -> Vec<T> {
    let mut values: Vec<T> = Vec::with_capacity(capacity);
    advise_huge_pages(&mut values);
    values
}

/// Asks for huge pages over the page-aligned part of `values`' allocation, before it is first
/// written. Only advice: if the kernel declines, nothing changes.
#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(values: &mut Vec<T>) {
    const PAGE: usize = 4096;
    let start = values.as_mut_ptr() as usize;
    let end = start + values.capacity() * std::mem::size_of::<T>();
    let aligned = start.next_multiple_of(PAGE);
    if end >= aligned + 2 * 1024 * 1024 {
        // SAFETY: madvise with MADV_HUGEPAGE only changes how the kernel backs these pages,
        // which lie inside the allocation `values` owns; it does not touch their contents.
        #[allow(unsafe_code)]
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, end - aligned, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_values: &mut Vec<T>) {}

#[cfg(test)]
mod tests {
    #[test]
    fn filled_has_the_length_and_the_value() {
        for len in [0, 1, 1000, 600_000] {
            let v = super::filled(len, -2.5);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == -2.5));
        }
        assert!(super::filled(3, f64::NAN).iter().all(|x| x.is_nan()));
        assert_eq!(super::filled(700_000, 1.5f32)[699_999], 1.5);
    }

    #[test]
    fn with_capacity_is_empty_with_the_room() {
        for capacity in [0, 5, 3_000_000] {
            let v = super::with_capacity::<f32>(capacity);
            assert!(v.is_empty() && v.capacity() >= capacity);
        }
    }
}
