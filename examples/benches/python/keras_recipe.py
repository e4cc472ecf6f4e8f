"""The old pipeline's training recipe, for comparison with `train` on the same tree: seed features
from the N_angles.npy files, zero-padded (or cut) to 110 frames, no scaling, no mask;
LSTM(64) -> LSTM(32) -> Dense(16, relu) -> Dense(2, softmax); Adam, categorical cross-entropy,
10 epochs, batch 32. Prints accuracy, balanced accuracy and AUC on Testing.

    /tmp/ml/bin/pip install tensorflow-cpu tf-keras numpy
    /tmp/ml/bin/python keras_recipe.py DATA_DIR SEED

With --shape CLIPS FRAMES FEATURES instead, times the recipe's fit alone (10 epochs, batch 32) on
random arrays of that shape padded to 110 frames: the anchor of `cargo bench --bench train_whole`
(5428 40 12, the real Kinect set's shape).
"""
import glob
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

KEYS = ["right_elbow", "right_knee_flexion", "right_hip", "right_ankle_dorsiflexion",
        "left_elbow", "left_knee_flexion", "left_hip", "left_ankle_dorsiflexion",
        "trunk_inclination", "stride_length", "stride_width"]


def load(root, split):
    xs, ys = [], []
    for label, name in enumerate(["Normal", "Abnormal"]):
        for path in sorted(glob.glob(os.path.join(root, split, name, "*", "*_angles.npy"))):
            frames = np.load(path, allow_pickle=True)
            x = np.array([[0.0 if d[k] is None else float(d[k]) for k in KEYS] for d in frames])[:110]
            xs.append(np.pad(x, ((0, 110 - len(x)), (0, 0))))
            ys.append(label)
    return np.array(xs, dtype=np.float32), np.array(ys)


def auc(p, y):
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    for v in np.unique(p):  # ties count half
        ranks[p == v] = ranks[p == v].mean()
    pos, neg = (y == 1).sum(), (y == 0).sum()
    return (ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)


def recipe(features):
    model = keras.Sequential([
        keras.Input((110, features)), keras.layers.LSTM(64, return_sequences=True), keras.layers.LSTM(32),
        keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def time_fit(clips, frames, features):
    keras.utils.set_random_seed(1)
    x = np.zeros((clips, 110, features), dtype=np.float32)
    x[:, :frames] = np.random.default_rng(1).standard_normal((clips, frames, features))
    y = keras.utils.to_categorical(np.arange(clips) % 2, 2)
    model = recipe(features)
    start = time.perf_counter()
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    print(f"keras fit: {clips} clips of {frames} frames padded to 110, {features} features, 10 epochs: "
          f"{time.perf_counter() - start:.1f} s")


def main():
    if sys.argv[1] == "--shape":
        time_fit(*map(int, sys.argv[2:5]))
        return
    root, seed = sys.argv[1], int(sys.argv[2])
    tf.keras.utils.set_random_seed(seed)
    keras.utils.set_random_seed(seed)
    xtr, ytr = load(root, "Training")
    xte, yte = load(root, "Testing")
    model = recipe(11)
    model.fit(xtr, keras.utils.to_categorical(ytr, 2), epochs=10, batch_size=32,
              validation_data=(xte, keras.utils.to_categorical(yte, 2)), verbose=0)
    p = model.predict(xte, verbose=0)[:, 1]
    pred = (p >= 0.5).astype(int)
    recall = [((pred == c) & (yte == c)).sum() / (yte == c).sum() for c in (0, 1)]
    print(f"keras seed {seed}: accuracy {(pred == yte).mean():.3f} balanced {np.mean(recall):.3f} auc {auc(p, yte):.3f} "
          f"(train {len(ytr)}, test {len(yte)})")


if __name__ == "__main__":
    main()
