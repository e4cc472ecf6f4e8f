//! [`Pathology`]: the gait disorders the walker can show, each with a severity in 0..1.

use serde::{Deserialize, Serialize};

/// A gait disorder. Where one side is affected, it is the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Pathology {
    /// Stroke: stiff knee and circumduction of the affected leg, a plantarflexed foot in swing,
    /// little arm swing on that side.
    Hemiplegic,
    /// Short shuffling steps, a flexed trunk, little arm swing, a higher cadence.
    Parkinsonian,
    /// Pain: a short stance on the affected leg.
    Antalgic,
    /// Weak hip abductors: the pelvis drops on the swing side, the trunk leans over the stance leg.
    Trendelenburg,
    /// Foot drop: the foot hangs in swing, lifted by extra hip and knee flexion.
    Steppage,
    /// A wide base and steps that vary from one to the next.
    Ataxic,
    /// Hips, knees and ankles flexed throughout.
    Crouch,
}

impl Pathology {
    /// All pathologies.
    pub const ALL: [Pathology; 7] = [
        Pathology::Hemiplegic,
        Pathology::Parkinsonian,
        Pathology::Antalgic,
        Pathology::Trendelenburg,
        Pathology::Steppage,
        Pathology::Ataxic,
        Pathology::Crouch,
    ];

    /// The class (folder) name of walks with this disorder: the name, capitalised.
    pub fn class_name(self) -> String {
        let name = self.name();
        name[..1].to_uppercase() + &name[1..]
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Pathology::Hemiplegic => "hemiplegic",
            Pathology::Parkinsonian => "parkinsonian",
            Pathology::Antalgic => "antalgic",
            Pathology::Trendelenburg => "trendelenburg",
            Pathology::Steppage => "steppage",
            Pathology::Ataxic => "ataxic",
            Pathology::Crouch => "crouch",
        }
    }
}
