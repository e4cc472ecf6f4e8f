//! Cleaning landmark trajectories as clinical pose tools do: fill short gaps by linear
//! interpolation, then smooth with a zero-lag Butterworth low-pass filter. Longer gaps stay
//! missing, and the [`CleaningReport`] says how much was filled and how much is still missing.

use gait_io::Landmarks;
use ndarray::Axis;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Options of [`clean`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CleaningOptions {
    /// Frames per second.
    pub fps: f64,
    /// The longest run of missing frames to fill; longer runs stay missing.
    pub max_gap: usize,
    /// Low-pass cutoff in Hz; `None` for no filtering.
    pub cutoff_hz: Option<f64>,
    /// Butterworth order (applied forwards and backwards, so the magnitude response is squared).
    pub order: usize,
}

impl Default for CleaningOptions {
    fn default() -> Self {
        CleaningOptions {
            fps: 30.0,
            max_gap: 10,
            cutoff_hz: Some(6.0),
            order: 4,
        }
    }
}

/// What cleaning did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CleaningReport {
    /// Missing coordinate values filled by interpolation.
    pub filled: usize,
    /// Coordinate values still missing (gaps too long, or at either end).
    pub missing: usize,
}

/// Fills interior runs of `NaN` of at most `max_gap` values by linear interpolation; returns how
/// many values were filled. Runs at either end, or longer, stay `NaN`.
pub fn fill_gaps(signal: &mut [f64], max_gap: usize) -> usize {
    let mut filled = 0;
    let mut last_valid: Option<usize> = None;
    for i in 0..signal.len() {
        if signal[i].is_nan() {
            continue;
        }
        if let Some(start) = last_valid {
            let gap = i - start - 1;
            if gap > 0 && gap <= max_gap {
                let (a, b) = (signal[start], signal[i]);
                for k in 1..=gap {
                    signal[start + k] = a + (b - a) * k as f64 / (gap + 1) as f64;
                }
                filled += gap;
            }
        }
        last_valid = Some(i);
    }
    filled
}

/// One second-order section `b0 + b1 z^-1 + b2 z^-2 / (1 + a1 z^-1 + a2 z^-2)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Section {
    b: [f64; 3],
    a: [f64; 2],
}

/// A digital Butterworth low-pass filter as second-order sections, applied with zero lag.
#[derive(Debug, Clone, PartialEq)]
pub struct Butterworth {
    sections: Vec<Section>,
}

impl Butterworth {
    /// Designs an `order`-th order low-pass with the −3 dB point at `cutoff_hz` for a signal
    /// sampled at `fps` (bilinear transform with pre-warping).
    pub fn low_pass(order: usize, cutoff_hz: f64, fps: f64) -> Result<Self> {
        if order == 0 || !(cutoff_hz > 0.0 && cutoff_hz < fps / 2.0) {
            return Err(Error::InvalidOption(format!(
                "a Butterworth low-pass needs order >= 1 and 0 < cutoff < fps/2; got order {order}, cutoff {cutoff_hz} Hz at {fps} fps"
            )));
        }
        let k = 2.0 * fps;
        let wc = k * (std::f64::consts::PI * cutoff_hz / fps).tan();
        let mut sections = Vec::new();
        for i in 0..order / 2 {
            // Analog section s^2 + 2 zeta wc s + wc^2 for the pole pair at angle (2i + 1) pi / 2n.
            let zeta = (std::f64::consts::PI * (2 * i + 1) as f64 / (2 * order) as f64).sin();
            let a0 = k * k + 2.0 * zeta * wc * k + wc * wc;
            let w2 = wc * wc / a0;
            sections.push(Section {
                b: [w2, 2.0 * w2, w2],
                a: [
                    (2.0 * wc * wc - 2.0 * k * k) / a0,
                    (k * k - 2.0 * zeta * wc * k + wc * wc) / a0,
                ],
            });
        }
        if order % 2 == 1 {
            let a0 = k + wc;
            sections.push(Section {
                b: [wc / a0, wc / a0, 0.0],
                a: [(wc - k) / a0, 0.0],
            });
        }
        Ok(Butterworth { sections })
    }

    /// Filters `x` forwards then backwards (zero phase), starting each pass from the steady state
    /// of its first value and padding both ends by odd reflection. `NaN` values are left in place
    /// and each finite run between them is filtered on its own.
    pub fn filtfilt(&self, x: &mut [f64]) {
        let mut start = 0;
        while start < x.len() {
            if x[start].is_nan() {
                start += 1;
                continue;
            }
            let end = x[start..]
                .iter()
                .position(|v| v.is_nan())
                .map_or(x.len(), |p| start + p);
            self.filtfilt_finite(&mut x[start..end]);
            start = end;
        }
    }

    fn filtfilt_finite(&self, x: &mut [f64]) {
        let n = x.len();
        if n < 2 {
            return;
        }
        let pad = (3 * (2 * self.sections.len() + 1)).min(n - 1);
        let mut padded = Vec::with_capacity(n + 2 * pad);
        padded.extend((1..=pad).rev().map(|i| 2.0 * x[0] - x[i]));
        padded.extend_from_slice(x);
        padded.extend((1..=pad).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
        self.run(&mut padded);
        padded.reverse();
        self.run(&mut padded);
        padded.reverse();
        x.copy_from_slice(&padded[pad..pad + n]);
    }

    /// One causal pass through all sections (transposed direct form II), from steady state.
    fn run(&self, x: &mut [f64]) {
        for s in &self.sections {
            let x0 = x[0];
            // Steady state for a constant input x0 (each section has unit gain at DC).
            let mut z2 = (s.b[2] - s.a[1]) * x0;
            let mut z1 = (s.b[1] - s.a[0]) * x0 + z2;
            for v in x.iter_mut() {
                let input = *v;
                let y = s.b[0] * input + z1;
                z1 = s.b[1] * input - s.a[0] * y + z2;
                z2 = s.b[2] * input - s.a[1] * y;
                *v = y;
            }
        }
    }
}

/// Fills short gaps in every joint coordinate, then low-pass filters it (see [`CleaningOptions`]).
pub fn clean(
    landmarks: &Landmarks,
    options: &CleaningOptions,
) -> Result<(Landmarks<'static>, CleaningReport)> {
    let filter = options
        .cutoff_hz
        .map(|c| Butterworth::low_pass(options.order, c, options.fps))
        .transpose()?;
    let mut positions = landmarks.positions_f64().into_owned();
    let mut report = CleaningReport::default();
    for mut joint in positions.axis_iter_mut(Axis(1)) {
        for mut coordinate in joint.axis_iter_mut(Axis(1)) {
            let mut signal = coordinate.to_vec();
            report.filled += fill_gaps(&mut signal, options.max_gap);
            if let Some(filter) = &filter {
                filter.filtfilt(&mut signal);
            }
            report.missing += signal.iter().filter(|v| v.is_nan()).count();
            coordinate.iter_mut().zip(signal).for_each(|(c, v)| *c = v);
        }
    }
    #[allow(clippy::cast_possible_truncation)]
    let cleaned = Landmarks::from_f64(landmarks.layout(), positions)?.with_aspect(landmarks.aspect())?;
    Ok((cleaned, report))
}
