//! Tensor shapes with their element count computed once, checked: the one place a model's
//! dimensions are multiplied together, so that no buffer size or kernel bound can wrap around.

/// The most elements one tensor may have: 2^26 (256 MiB of `f32`). The largest tensor of the
/// detector and the lite and full landmark models has 1,081,600 (`[1, 130, 130, 64]`, in the full
/// model), so this leaves sixty times that while refusing what no pose model needs.
pub(crate) const MAX_ELEMENTS: usize = 1 << 26;

/// The most values a model's computed tensors may hold together: 2^28 (1 GiB of `f32`). The full
/// landmark model's hold 16.4 million, the detector's 10.1 million.
pub(crate) const MAX_ACTIVATIONS: usize = 1 << 28;

/// A tensor's dimensions and their product, which is at most [`MAX_ELEMENTS`].
///
/// It dereferences to the dimensions: `shape.len()` is the rank, `shape[k]` a dimension;
/// [`Shape::elements`] is the element count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shape {
    dims: Vec<usize>,
    elements: usize,
}

impl Shape {
    /// `dims`, refused when their product overflows or exceeds [`MAX_ELEMENTS`].
    pub(crate) fn new(dims: Vec<usize>) -> Result<Shape, String> {
        match dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) {
            Some(elements) if elements <= MAX_ELEMENTS => Ok(Shape { dims, elements }),
            _ => Err(format!("shape {dims:?} has more than {MAX_ELEMENTS} elements")),
        }
    }

    /// The number of elements: the product of the dimensions.
    pub(crate) fn elements(&self) -> usize {
        self.elements
    }
}

impl std::ops::Deref for Shape {
    type Target = [usize];

    fn deref(&self) -> &[usize] {
        &self.dims
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_checked_not_wrapped() {
        assert_eq!(Shape::new(vec![1, 128, 128, 96]).unwrap().elements(), 1_572_864);
        assert_eq!(Shape::new(vec![]).unwrap().elements(), 1);
        assert_eq!(Shape::new(vec![4, 0, 7]).unwrap().elements(), 0);
        // 2^30 * 2^30 * 16 = 2^64: zero when wrapped.
        assert!(Shape::new(vec![1, 1 << 30, 1 << 30, 16]).is_err());
        assert!(Shape::new(vec![MAX_ELEMENTS + 1]).is_err());
        assert!(Shape::new(vec![MAX_ELEMENTS]).is_ok());
    }
}
