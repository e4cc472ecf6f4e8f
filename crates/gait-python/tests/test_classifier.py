"""`gait.train` and `gait.Classifier` against the `predict` example, the old Keras model, and bad
input."""

import json
from pathlib import Path

import numpy as np
import pytest

import gait
from conftest import ROOT, run

KERAS = ROOT.parent / "shared" / "seed" / "gait_model.h5"


@pytest.fixture(scope="module")
def model(tree, tmp_path_factory):
    trained = gait.train(tree, epochs=2, ensemble=1, seed=5)
    folder = tmp_path_factory.mktemp("model") / "m"
    trained.save(folder)
    return folder


def predict_program(model, files):
    """`predict --json` of `files`: each path's verdict."""
    lines = run("predict", "--model", model, "--json", *files).splitlines()
    return {Path(v["path"]).resolve(): v for v in map(json.loads, lines)}


def test_predictions_equal_the_predict_program_to_the_bit(model, tree):
    classifier = gait.Classifier.open(model)
    assert classifier.classes == ["Normal", "Abnormal"] and classifier.feature_set == "default"
    files = sorted((tree / "Testing").rglob("*_landmarks.npy"))
    verdicts = predict_program(model, files)
    for path in files:
        ours = classifier.predict_walk(path)
        theirs = verdicts[path.resolve()]
        theirs.pop("path")
        assert ours == theirs, path
    # A clip the model takes whole: its verdict is the clip's prediction.
    loaded = gait.load_tree(tree, "testing")
    p = classifier.predict_proba(loaded["features"])
    assert p.dtype == np.float32 and p.shape == (len(files), 2)
    for row, path in zip(p, loaded["paths"]):
        verdict = verdicts[Path(path).resolve()]
        if verdict["cut"]["by"] == "whole":
            assert np.float32(verdict["probabilities"]["Abnormal"]) == row[1]
    assert classifier.classify(loaded["features"]) == [
        "Abnormal" if q[1] >= 0.5 else "Normal" for q in p]


def test_a_padded_batch_predicts_as_the_list_of_clips(model, tree):
    classifier = gait.Classifier.open(model)
    clips = gait.load_tree(tree, "testing")["features"][:3]
    frames = min(len(c) for c in clips)
    same = [c[:frames] for c in clips]
    batch = np.stack(same)
    want = classifier.predict_proba(same)
    # C order, Fortran order, and a view of every other clip of a batch holding each twice.
    for given in [batch, np.asfortranarray(batch), np.repeat(batch, 2, axis=0)[::2]]:
        assert np.array_equal(classifier.predict_proba(given), want)


def test_the_old_keras_model_predicts_as_the_predict_program(tree):
    if not KERAS.is_file():
        pytest.skip(f"{KERAS} is not beside this repository")
    classifier = gait.Classifier.open(KERAS)
    assert classifier.feature_set == "seed"
    files = sorted((tree / "Testing").rglob("*_angles.npy"))[:4]
    verdicts = predict_program(KERAS, files)
    for path in files:
        ours = classifier.predict_walk(path)
        theirs = verdicts[path.resolve()]
        theirs.pop("path")
        assert ours == theirs


def test_training_on_arrays_gives_a_model_that_predicts(tree):
    loaded = gait.load_tree(tree, "training")
    model = gait.train(loaded["features"], loaded["classes"], recordings=loaded["recordings"],
                       epochs=1, ensemble=1)
    assert len(model.history) == 1 and model.history[0]["epochs"]
    assert model.predict_proba(loaded["features"][:2]).shape == (2, 2)


def test_bad_input_raises_clear_exceptions(model, tree, tmp_path):
    classifier = gait.Classifier.open(model)
    clip = gait.load_tree(tree, "testing")["features"][0]
    with pytest.raises(ValueError, match="columns"):
        classifier.predict_proba([clip[:, :5]])
    broken = clip.copy()
    broken[2, 1] = -np.inf
    with pytest.raises(ValueError, match="frame 2"):
        classifier.predict_proba([broken])
    with pytest.raises(gait.GaitError, match="no such model"):
        gait.Classifier.open(tmp_path / "nowhere")
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(gait.GaitError, match="damaged.h5") as raised:
        gait.Classifier.open(damaged)
    assert raised.value.path == damaged
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "config.json").write_text("{")
    with pytest.raises(gait.GaitError, match="config.json"):
        gait.Classifier.open(folder)
    with pytest.raises(ValueError, match="labels"):
        gait.train([clip], epochs=1)
    with pytest.raises(ValueError, match="one of each"):
        gait.train([clip, clip], ["Normal"], epochs=1)
    with pytest.raises(gait.GaitError, match="learning rate"):
        gait.train([clip, clip], ["Normal", "Abnormal"], learning_rate=float("nan"))
