//! [`FeatureSequence`]: named feature columns over frames, with missing values explicit.

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

use crate::error::{Error, Result};

/// Per-frame features of one clip: `frames x columns` values under named columns.
///
/// A missing value (`None` in an angles file, a joint that was not seen) is `NaN`; use
/// [`get`](Self::get) or [`is_missing`](Self::is_missing) rather than comparing values.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSequence {
    columns: Vec<String>,
    values: Array2<f64>,
}

impl FeatureSequence {
    /// Makes a sequence from column names and a `frames x columns` array (`NaN` = missing).
    ///
    /// Fails when the array's width differs from the number of names, or a name repeats.
    pub fn new(columns: Vec<String>, values: Array2<f64>) -> Result<Self> {
        if values.ncols() != columns.len() {
            return Err(Error::Mismatch(format!(
                "{} column names for {} columns of values",
                columns.len(),
                values.ncols()
            )));
        }
        if let Some(dup) = columns
            .iter()
            .enumerate()
            .find(|(i, c)| columns[..*i].contains(c))
        {
            return Err(Error::Mismatch(format!("column {:?} is named twice", dup.1)));
        }
        Ok(FeatureSequence { columns, values })
    }

    /// Column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// All values, `frames x columns`, `NaN` where missing.
    pub fn values(&self) -> ArrayView2<'_, f64> {
        self.values.view()
    }

    /// All values, to change in place (the shape stays).
    pub fn values_mut(&mut self) -> ArrayViewMut2<'_, f64> {
        self.values.view_mut()
    }

    /// Number of frames (rows).
    pub fn frames(&self) -> usize {
        self.values.nrows()
    }

    /// Whether `value` counts as a value: finite, and within `f32`'s range (the classifier
    /// computes in `f32`, where larger magnitudes become infinite). NaN, infinities and larger
    /// magnitudes are missing, everywhere.
    pub fn present(value: f64) -> bool {
        value.is_finite() && value.abs() <= f64::from(f32::MAX)
    }

    /// The value at `frame` in column `column`, `None` when missing (see [`Self::present`]) or
    /// out of range.
    pub fn get(&self, frame: usize, column: usize) -> Option<f64> {
        self.values
            .get((frame, column))
            .copied()
            .filter(|&v| Self::present(v))
    }

    /// `true` when the value at `frame`, `column` is missing.
    pub fn is_missing(&self, frame: usize, column: usize) -> bool {
        self.get(frame, column).is_none()
    }

    /// The values of the column named `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<ArrayView1<'_, f64>> {
        let index = self.columns.iter().position(|c| c == name)?;
        Some(self.values.column(index))
    }

    /// How many values are missing (see [`Self::present`]).
    pub fn missing_count(&self) -> usize {
        self.values.iter().filter(|&&v| !Self::present(v)).count()
    }

    /// Frames `range` of the sequence (clamped to its frames).
    pub fn frames_in(&self, range: std::ops::Range<usize>) -> FeatureSequence {
        let end = range.end.min(self.frames());
        let start = range.start.min(end);
        FeatureSequence {
            columns: self.columns.clone(),
            values: self.values.slice(ndarray::s![start..end, ..]).to_owned(),
        }
    }

    /// Takes the sequence apart into its column names and values.
    pub fn into_parts(self) -> (Vec<String>, Array2<f64>) {
        (self.columns, self.values)
    }
}

impl AsRef<FeatureSequence> for FeatureSequence {
    fn as_ref(&self) -> &FeatureSequence {
        self
    }
}
