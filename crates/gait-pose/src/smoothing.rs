//! MediaPipe's landmark smoothing in video mode (`pose_landmark_filtering.pbtxt`): a one-euro
//! filter on positions, in pixels scaled by the person's size, and a low-pass filter on
//! visibility.

use crate::landmarker::Landmark;

/// An exponential filter that remembers its last input and output (MediaPipe's `LowPassFilter`,
/// in single precision like it).
#[derive(Debug, Clone, Default)]
struct LowPass {
    /// The last raw value and the last output, once there is one.
    last: Option<(f32, f32)>,
}

impl LowPass {
    fn apply(&mut self, value: f32, alpha: f32) -> f32 {
        let out = match self.last {
            Some((_, stored)) => alpha * value + (1.0 - alpha) * stored,
            None => value,
        };
        self.last = Some((value, out));
        out
    }
}

/// The one-euro filter (Casiez et al. 2012) as MediaPipe's `OneEuroFilter` computes it.
#[derive(Debug, Clone)]
struct OneEuro {
    frequency: f64,
    last_time: Option<f64>,
    x: LowPass,
    dx: LowPass,
}

/// The one-euro filter's settings.
#[derive(Debug, Clone, Copy)]
struct Settings {
    min_cutoff: f64,
    beta: f64,
    derivative_cutoff: f64,
}

/// For the 33 landmarks.
const LANDMARKS: Settings = Settings {
    min_cutoff: 0.05,
    beta: 80.0,
    derivative_cutoff: 1.0,
};
/// For the two auxiliary points that place the next region.
const AUXILIARY: Settings = Settings {
    min_cutoff: 0.01,
    beta: 10.0,
    derivative_cutoff: 1.0,
};
/// Weight of the new visibility in its low-pass filter.
const VISIBILITY_ALPHA: f32 = 0.1;

impl OneEuro {
    fn new() -> OneEuro {
        OneEuro {
            frequency: 30.0,
            last_time: None,
            x: LowPass::default(),
            dx: LowPass::default(),
        }
    }

    fn alpha(&self, cutoff: f64) -> f32 {
        let te = 1.0 / self.frequency;
        let tau = 1.0 / (2.0 * std::f64::consts::PI * cutoff);
        (1.0 / (1.0 + tau / te)) as f32
    }

    /// Filters `value` seen at `time` seconds; `scale` turns its unit into the person's size.
    fn apply(&mut self, time: f64, scale: f64, value: f32, s: Settings) -> f32 {
        if let Some(last) = self.last_time {
            if last >= time {
                return value;
            }
            self.frequency = 1.0 / (time - last);
        }
        self.last_time = Some(time);
        let dvalue = match self.x.last {
            Some((raw, _)) => (value as f64 - raw as f64) * scale * self.frequency,
            None => 0.0,
        };
        let edvalue = self.dx.apply(dvalue as f32, self.alpha(s.derivative_cutoff)) as f64;
        let cutoff = s.min_cutoff + s.beta * edvalue.abs();
        self.x.apply(value, self.alpha(cutoff))
    }
}

/// The filters of a set of landmarks: x, y and z of each, and visibility.
#[derive(Debug, Clone)]
struct Filters {
    settings: Settings,
    position: Vec<[OneEuro; 3]>,
    visibility: Vec<LowPass>,
}

impl Filters {
    fn new(settings: Settings) -> Filters {
        Filters {
            settings,
            position: Vec::new(),
            visibility: Vec::new(),
        }
    }

    /// Smooths `points` in place. `size` is `[width, height]` of the frame in pixels, `scale`
    /// the person's size in pixels.
    fn apply(&mut self, points: &mut [Landmark], time: f64, [width, height]: [f32; 2], scale: f32) {
        if self.position.len() != points.len() {
            self.position = (0..points.len())
                .map(|_| [OneEuro::new(), OneEuro::new(), OneEuro::new()])
                .collect();
            self.visibility = vec![LowPass::default(); points.len()];
        }
        for (p, (filters, vis)) in points
            .iter_mut()
            .zip(self.position.iter_mut().zip(&mut self.visibility))
        {
            p.visibility = vis.apply(p.visibility, VISIBILITY_ALPHA);
            if scale < 1e-6 {
                continue;
            }
            let value_scale = 1.0 / scale as f64;
            let s = self.settings;
            p.x = filters[0].apply(time, value_scale, p.x * width, s) / width;
            p.y = filters[1].apply(time, value_scale, p.y * height, s) / height;
            p.z = filters[2].apply(time, value_scale, p.z * width, s) / width;
        }
    }
}

/// The smoothing state of one tracked person across frames.
#[derive(Debug, Clone)]
pub(crate) struct Smoother {
    landmarks: Filters,
    auxiliary: Filters,
}

impl Smoother {
    pub(crate) fn new() -> Smoother {
        Smoother {
            landmarks: Filters::new(LANDMARKS),
            auxiliary: Filters::new(AUXILIARY),
        }
    }

    /// Forgets the past: the next frame starts afresh (after a frame with no person).
    pub(crate) fn reset(&mut self) {
        *self = Smoother::new();
    }

    /// Smooths a frame's landmarks (when `landmarks` is given: MediaPipe's `smooth_landmarks`) and
    /// auxiliary points (always: they place the next region); `scale` is the person's size in
    /// pixels (the side of the unwidened region), `size` the frame's width and height.
    pub(crate) fn apply(
        &mut self,
        landmarks: Option<&mut [Landmark]>,
        auxiliary: &mut [Landmark],
        time: f64,
        size: [f32; 2],
        scale: f32,
    ) {
        if let Some(landmarks) = landmarks {
            self.landmarks.apply(landmarks, time, size, scale);
        }
        self.auxiliary.apply(auxiliary, time, size, scale);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_still_value_stays_put_and_a_step_is_followed() {
        let mut f = OneEuro::new();
        for k in 0..10 {
            assert_eq!(f.apply(k as f64 / 30.0, 1.0, 5.0, LANDMARKS), 5.0);
        }
        // A step: the filter moves part of the way at once, and the rest over the next frames.
        let first = f.apply(10.0 / 30.0, 1.0, 6.0, LANDMARKS);
        assert!(first > 5.0 && first < 6.0, "{first}");
        let mut last = first;
        for k in 11..40 {
            let v = f.apply(k as f64 / 30.0, 1.0, 6.0, LANDMARKS);
            assert!(v >= last && v <= 6.0);
            last = v;
        }
        assert!(last > 5.99, "{last}");
    }

    #[test]
    fn one_euro_step_matches_the_formula() {
        // Second sample, 1/30 s after the first: derivative (6 - 5) * 30 = 30, filtered with
        // alpha(1 Hz); the cutoff is 0.05 + 80 * |that|; the output moves by alpha(cutoff).
        let mut f = OneEuro::new();
        f.apply(0.0, 1.0, 5.0, LANDMARKS);
        let got = f.apply(1.0 / 30.0, 1.0, 6.0, LANDMARKS);
        let alpha = |cutoff: f64| 1.0 / (1.0 + 30.0 / (2.0 * std::f64::consts::PI * cutoff));
        let ed = alpha(1.0) * 30.0;
        let want = 5.0 + alpha(0.05 + 80.0 * ed);
        assert!((got as f64 - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn time_that_does_not_advance_passes_values_through() {
        let mut f = OneEuro::new();
        f.apply(1.0, 1.0, 5.0, LANDMARKS);
        assert_eq!(f.apply(1.0, 1.0, 9.0, LANDMARKS), 9.0);
    }
}
