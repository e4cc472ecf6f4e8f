"""gait: gait analysis from walking videos, over the Rust crates of the same name.

Pose landmarks with MediaPipe's models, the old pipeline's `seed` features and a biomechanically
right default set, gait events and parameters, and an LSTM classifier (Normal or Abnormal, or
one class per folder), with NumPy arrays in and out. Heavy calls let go of the GIL.
"""

import os
from pathlib import Path
from typing import Any, Literal, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

__version__: str

PathLike = Union[str, os.PathLike[str]]
Clips = Union[npt.ArrayLike, Sequence[npt.ArrayLike]]

class GaitError(Exception):
    """An error of the library: a file that cannot be read or written, a model that does not fit
    its input, a video that cannot be decoded. A file the system cannot find raises
    FileNotFoundError instead, a permission refused PermissionError; all three carry `path`."""

    path: Optional[Path]
    """The file or folder concerned, or None."""

def pose(
    video: Union[PathLike, npt.NDArray[np.uint8]],
    model: Literal["lite", "full", "heavy"] = "full",
    person: str = "walker",
    fps: float = 30.0,
    static: bool = False,
    models: Optional[PathLike] = None,
) -> dict[str, Any]:
    """The landmarks of the person kept in `video`: a video file, a folder of pictures, or frames
    in memory as a `(frames, height, width, 3)` RGB uint8 array (shown at `fps`, as are pictures).

    `person`: `walker` (who walks, chosen after the whole clip), `largest`, or a number from 1 in
    the order first seen. `static` treats frames as unrelated pictures. `models` is the folder of
    MediaPipe's `.tflite` files (default: `$GAIT_POSE_MODELS`, else the repository's
    `models/mediapipe`).

    Returns `landmarks` (`(frames, 33, 3)` float64: x and y as fractions of the frame's width and
    height, MediaPipe's z; frames without the person left out), `frames` (each row's frame
    index), `times` (seconds), `visibility` (`(frames, 33)` float32), `frame_size`
    (`(width, height)`), `frames_read`, `person`, `chosen` (why this person, when there were
    others) and `damage` (what could not be decoded, or None). A video in which nobody is found
    gives no rows.
    """

def video_jobs(input: PathLike, out: PathLike) -> list[dict[str, Any]]:
    """The clips of `input` (a video, a folder of pictures, or a tree of videos), each with where
    it goes in `out` (which mirrors the tree; made here, refused inside `input`): `input`,
    `dir`, `clip`, `outputs` (the five files) and `done` (every output file is there)."""

def extract_video(
    input: PathLike,
    dir: PathLike,
    clip: str,
    model: Literal["lite", "full", "heavy"] = "full",
    person: str = "walker",
    fps: float = 30.0,
    static: bool = False,
    models: Optional[PathLike] = None,
) -> dict[str, Any]:
    """Extracts one clip (a job of `video_jobs`) as the `pose` example does: `clip_landmarks.npy`,
    `clip_angles.npy` (the seed features), `clip_frames.npy`, `clip_visibility.npy` and
    `clip_video.json` in `dir`. Runs on the calling thread alone, for one process or thread per
    core. Returns the job's keys with `frames_read`, `frames` (with the person), `person`,
    `chosen` and `damage`."""

def extract_videos(
    input: PathLike,
    out: PathLike,
    model: Literal["lite", "full", "heavy"] = "full",
    person: str = "walker",
    fps: float = 30.0,
    static: bool = False,
    models: Optional[PathLike] = None,
    force: bool = False,
    resume: bool = False,
) -> list[dict[str, Any]]:
    """Extracts every clip of `input` into `out` as the `pose` example does, videos side by side
    on all cores. Existing output is an error unless `force` (overwrite) or `resume` (clips whose
    files are all there are skipped, clips with some of them only extracted again). One dict per
    clip: `extract_video`'s, or the job's keys with `error` for a clip that failed (the others go
    on), or `skipped` for one already done."""

def features(
    landmarks: npt.ArrayLike,
    set: Literal["default", "seed"] = "default",
    frame_size: Optional[tuple[float, float]] = None,
) -> tuple[npt.NDArray[np.float64], list[str]]:
    """`(values, columns)`: the features of every frame of `landmarks` (`(frames, joints, 3)`: 33
    joints MediaPipe, 25 Kinect v2, 17 COCO; any real dtype, NaN where a joint is missing),
    `(frames, columns)` float64 with NaN where a value is missing. `frame_size`
    (`(width, height)` pixels, as `N_video.json` holds) puts image coordinates in true
    proportions for the default set. `seed` is the old pipeline's set, quirks and all."""

def events(
    landmarks: npt.ArrayLike,
    fps: float = 30.0,
    frame_size: Optional[tuple[float, float]] = None,
    min_stride_seconds: float = 0.5,
) -> dict[str, Any]:
    """Gait events of a walk filmed at `fps`: `heel_strikes` and `toe_offs` (each `{"left": [...],
    "right": [...]}`, frame indices), `feet_in_turn` (feet read in turn rather than by name), and
    `parameters`: `cadence` (steps per minute), `stride_time`, `stride_length`, `step_length`,
    `stance_percent`, `swing_percent` (each `[left, right]`), `step_width`,
    `step_length_symmetry`, `stance_symmetry`, `leg_length` (None where not measurable)."""

def load_tree(
    root: PathLike,
    split: Literal["training", "testing"] = "training",
    set: Literal["default", "seed"] = "default",
) -> dict[str, Any]:
    """The clips of one split of a tree `Training|Testing/<class>/<recording>/N_*.npy`: `features`
    (one `(frames, columns)` array per clip), `columns`, `set` (a tree with angles files only
    gives `seed`), `classes`, `recordings`, `paths` and `skipped` (`(path, reason)` pairs)."""

class Classifier:
    """A trained LSTM classifier (64 -> 32 -> Dense 16 -> softmax, or an ensemble of them)."""

    @staticmethod
    def open(path: PathLike) -> "Classifier":
        """A model folder saved by training (`config.json`, `model.safetensors`) or the old
        pipeline's Keras `gait_model.h5`."""

    @property
    def classes(self) -> list[str]:
        """The classes, in the order of `predict_proba`'s columns (Normal first)."""

    @property
    def columns(self) -> list[str]:
        """The feature columns the model reads, in order."""

    @property
    def feature_set(self) -> str:
        """`seed` or `default`."""

    @property
    def history(self) -> list[dict[str, Any]]:
        """What training did, one dict per network (empty for a model opened from a file)."""

    def predict_proba(self, clips: Clips) -> npt.NDArray[np.float32]:
        """`(clips, classes)` probabilities of `clips`: a `(clips, frames, columns)` array or a
        list of `(frames, columns)` arrays of the model's `columns`, NaN where missing."""

    def classify(self, clips: Clips) -> list[str]:
        """The class of each clip (Abnormal from probability 0.5 up for a Normal/Abnormal model,
        else the most probable)."""

    def predict_walk(
        self, path: PathLike, fps: float = 30.0, strides: int = 2, always: bool = False
    ) -> dict[str, Any]:
        """One verdict on a whole recording (`N_landmarks.npy` or `N_angles.npy`), cut into parts
        as the model's training clips were: `label`, `probability`, `probabilities`,
        `p_abnormal`, `frames`, `cut` and each part in `segments`; what `predict --json`
        prints."""

    def save(self, path: PathLike) -> None:
        """Writes the model into folder `path` (`config.json`, `model.safetensors`)."""

def train(
    data: Union[PathLike, Clips],
    labels: Optional[Sequence[str]] = None,
    *,
    recordings: Optional[Sequence[str]] = None,
    set: Literal["default", "seed"] = "default",
    epochs: Optional[int] = None,
    batch_size: Optional[int] = None,
    learning_rate: Optional[float] = None,
    seed: Optional[int] = None,
    validation_fraction: Optional[float] = None,
    patience: Optional[int] = None,
    max_len: Optional[int] = None,
    ensemble: Optional[int] = None,
) -> Classifier:
    """Trains a classifier on a tree's `Training` split (`data` a folder), or on clips of the
    feature set `set` with their `labels` (class names) and optionally `recordings` (clips of
    one recording stay together when validation is split off). Options left None take the
    library's defaults (those of the `train` example): validation by recording, class weights,
    early stopping, an ensemble of three networks."""
