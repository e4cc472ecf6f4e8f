//! [`View`]: where the camera stood relative to a walk, and what it therefore cannot measure.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::BodyAxes;

/// A walking direction within this many degrees of the picture's plane is seen from the side;
/// within this many of the camera's line of sight, from the front or the back.
pub(crate) const CLEAR_VIEW_DEGREES: f64 = 25.0;

/// How a camera saw a walk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum View {
    /// Across the walk: forward and up lie in the picture, left along the line of sight.
    Side,
    /// The walker comes towards the camera.
    Front,
    /// The walker goes away from the camera.
    Back,
    /// In between: the walking direction `degrees` out of the picture's plane.
    Oblique {
        /// Angle between the walking direction and the picture's plane.
        degrees: f64,
    },
}

impl View {
    /// The view of a walk whose `axes` are in camera coordinates (x across the picture, y along
    /// it, z along the line of sight away from the camera, as MediaPipe's image landmarks and
    /// Kinect's camera space have them), from the angle between its walking direction and the
    /// picture's plane.
    pub fn of(axes: &BodyAxes) -> View {
        let [x, y, z] = axes.forward;
        let degrees = z.abs().atan2(x.hypot(y)).to_degrees();
        if degrees <= CLEAR_VIEW_DEGREES {
            View::Side
        } else if degrees >= 90.0 - CLEAR_VIEW_DEGREES {
            if z < 0.0 { View::Front } else { View::Back }
        } else {
            View::Oblique { degrees }
        }
    }

    /// What a single camera cannot measure from this view.
    pub fn cannot_measure(self) -> &'static [Hidden] {
        match self {
            View::Side => &[Hidden::StepWidth],
            View::Front | View::Back => &[Hidden::StrideAndStepLengths, Hidden::JointAngles],
            View::Oblique { .. } => &[],
        }
    }
}

/// A measure some view hides from a single camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hidden {
    /// Step width: across the walk.
    StepWidth,
    /// Stride and step lengths, and the symmetry of step lengths: along the walk.
    StrideAndStepLengths,
    /// The sagittal joint angles over the gait cycle.
    JointAngles,
}

impl Hidden {
    /// What is hidden and why, for a note.
    pub fn reason(self) -> &'static str {
        match self {
            Hidden::StepWidth => {
                "step width: across the walk is the camera's line of sight, which one camera does not see"
            }
            Hidden::StrideAndStepLengths => {
                "stride and step lengths: the walk goes along the camera's line of sight, which one camera does not see"
            }
            Hidden::JointAngles => "joint angles: the legs swing along the camera's line of sight",
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            View::Side => f.write_str("side"),
            View::Front => f.write_str("front"),
            View::Back => f.write_str("back"),
            View::Oblique { degrees } => write!(f, "oblique ({degrees:.0} degrees out of the picture)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(forward: [f64; 3]) -> View {
        // Up is the picture's -y (MediaPipe's y points down).
        View::of(&BodyAxes::new([0.0, -1.0, 0.0], forward).unwrap())
    }

    #[test]
    fn the_walking_directions_angle_to_the_picture_gives_the_view() {
        assert_eq!(seen([1.0, 0.0, 0.0]), View::Side);
        assert_eq!(seen([-1.0, 0.0, 0.2]), View::Side);
        assert_eq!(seen([0.0, 0.0, -1.0]), View::Front);
        assert_eq!(seen([0.3, 0.0, 1.0]), View::Back);
        let View::Oblique { degrees } = seen([1.0, 0.0, 1.0]) else {
            panic!("45 degrees is oblique")
        };
        assert!((degrees - 45.0).abs() < 1e-9);
        assert_eq!(View::Side.cannot_measure(), [Hidden::StepWidth]);
        assert!(View::Back.cannot_measure().contains(&Hidden::JointAngles));
    }
}
