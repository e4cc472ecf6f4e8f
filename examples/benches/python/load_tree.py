"""Python anchor for `io/load_tree`: writes a tree of 1,000 angle files of 110 frames with NumPy
(as the old pipeline does), then times the plain Python way of loading it: a loop of
`np.load(allow_pickle=True)` plus flattening each file's dicts into a (frames, 11) float array.

    python load_tree.py DIR        # writes DIR if absent, prints files/s (best of 5)
    GAIT_IO_BENCH_TREE=DIR cargo bench --bench io   # the Rust figure on the same tree
"""
import glob
import os
import sys
import time

import numpy as np

KEYS = ["right_elbow", "right_knee_flexion", "right_hip", "right_ankle_dorsiflexion",
        "left_elbow", "left_knee_flexion", "left_hip", "left_ankle_dorsiflexion",
        "trunk_inclination", "stride_length", "stride_width"]
FOLDERS = ["Training/Normal", "Training/Abnormal", "Testing/Normal", "Testing/Abnormal"]


def write_tree(root):
    for file in range(1000):
        recording = file // 20
        folder = os.path.join(root, FOLDERS[recording % 4], f"rec{recording:03}")
        os.makedirs(folder, exist_ok=True)
        frames = [{k: (None if (f + i + file) % 97 == 0 else np.float64((f * 31 + i * 7 + file) * 0.173))
                   for i, k in enumerate(KEYS)} for f in range(110)]
        np.save(os.path.join(folder, f"{file % 20}_angles.npy"), frames, allow_pickle=True)


def load(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "*", "*", "*", "*_angles.npy"))):
        frames = np.load(path, allow_pickle=True)
        out.append(np.array([[np.nan if d[k] is None else float(d[k]) for k in KEYS] for d in frames]))
    return out


def main():
    root = sys.argv[1]
    if not os.path.isdir(root):
        write_tree(root)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        n = len(load(root))
        best = min(best, time.perf_counter() - t)
    print(f"numpy {np.__version__}: {n} files in {best:.3f} s = {n / best:.0f} files/s")


if __name__ == "__main__":
    main()
