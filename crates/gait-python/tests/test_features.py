"""`gait.features`, `gait.events` and `gait.load_tree` against the `extract` example and the
dataset's own files, every array layout NumPy users pass, and bad input."""

import json

import numpy as np
import pytest

import gait
from conftest import run


def angles_table(path, columns):
    """An angles file (pickled dicts, our own files) as a `(frames, columns)` array, NaN for None."""
    dicts = np.load(path, allow_pickle=True)
    return np.array([[np.nan if d[c] is None else d[c] for c in columns] for d in dicts], np.float64)


def landmark_files(tree):
    return sorted(tree.rglob("*_landmarks.npy"))


def frame_size(path):
    """The frame size `N_video.json` beside a landmarks file gives, as the Rust reader takes it."""
    info = json.loads(path.with_name(path.name.replace("_landmarks.npy", "_video.json")).read_text())
    return info["width"], info["height"]


def test_default_features_equal_the_extract_program_to_the_bit(tree, tmp_path):
    out = tmp_path / "extracted"
    run("extract", "--input", tree, "--out", out, "--features", "default")
    files = landmark_files(tree)
    assert files
    for path in files:
        values, columns = gait.features(np.load(path), frame_size=frame_size(path))
        written = angles_table(out / path.relative_to(tree).with_name(
            path.name.replace("_landmarks", "_angles")), columns)
        assert np.array_equal(values, written, equal_nan=True), path


def test_seed_features_equal_the_angles_files_written_beside_the_landmarks(tree):
    for path in landmark_files(tree)[:4]:
        values, columns = gait.features(np.load(path), set="seed")
        written = angles_table(path.with_name(path.name.replace("_landmarks", "_angles")), columns)
        assert np.allclose(values, written, equal_nan=True, rtol=0, atol=1e-9), path


def test_every_layout_gives_the_same_features(tree):
    landmarks = np.load(landmark_files(tree)[0])
    # Positions a float32 holds exactly, so that float32 input means the same walk.
    landmarks = landmarks.astype(np.float32).astype(np.float64)
    want, _ = gait.features(landmarks)
    for given in [landmarks.astype(np.float32), np.asfortranarray(landmarks), landmarks.tolist()]:
        assert np.array_equal(gait.features(given)[0], want, equal_nan=True)
    view = landmarks[::2]
    assert np.array_equal(gait.features(view)[0], gait.features(np.ascontiguousarray(view))[0],
                          equal_nan=True)
    # True proportions change the angles of frames that are not square.
    assert not np.array_equal(gait.features(landmarks, frame_size=(1920, 1080))[0], want,
                              equal_nan=True)


def test_load_tree_gives_each_file_its_features(tree):
    loaded = gait.load_tree(tree, "testing")
    assert loaded["set"] == "default" and len(loaded["features"]) == len(loaded["paths"]) > 0
    assert set(loaded["classes"]) == {"Normal", "Abnormal"}
    for values, path in zip(loaded["features"], loaded["paths"]):
        assert np.array_equal(values, gait.features(np.load(path), frame_size=frame_size(path))[0],
                              equal_nan=True)
    seed = gait.load_tree(tree, "training", set="seed")
    assert seed["columns"] == gait.features(np.load(landmark_files(tree)[0]), set="seed")[1]


def test_events_find_strides_of_a_steady_walk(tmp_path):
    whole = tmp_path / "whole"
    run("synth", "--out", whole, "--normal", 1, "--abnormal", 1, "--seconds", 6, "--whole")
    path = next(p for p in landmark_files(whole) if "Normal" in p.parts)
    found = gait.events(np.load(path), fps=30.0, frame_size=frame_size(path))
    for side in ("left", "right"):
        strikes = found["heel_strikes"][side]
        assert len(strikes) >= 2 and strikes == sorted(strikes)
    parameters = found["parameters"]
    assert 40 < parameters["cadence"] < 200
    assert all(0 < t < 3 for t in parameters["stride_time"])


def test_bad_input_raises_clear_exceptions(tree):
    landmarks = np.load(landmark_files(tree)[0])
    with pytest.raises(ValueError, match=r"\(frames, joints, 3\)"):
        gait.features(landmarks[:, :30])
    with pytest.raises(ValueError, match="3-dimensional"):
        gait.features(landmarks[0])
    with pytest.raises(ValueError, match="3-dimensional"):
        gait.features("landmarks")
    with pytest.raises(ValueError, match="frame size"):
        gait.features(landmarks, frame_size=(float("nan"), 480))
    with pytest.raises(ValueError, match="seed or default"):
        gait.features(landmarks, set="fancy")
    with pytest.raises(ValueError, match="fps"):
        gait.events(landmarks, fps=0)
    with pytest.raises(ValueError, match="training or testing"):
        gait.load_tree(tree, "validation")
    with pytest.raises(gait.GaitError, match="no Training/ or Testing/ folder") as raised:
        gait.load_tree(tree / "nowhere", "training")
    assert raised.value.path == tree / "nowhere"
