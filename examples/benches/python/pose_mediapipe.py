"""The anchor of `cargo bench --bench pose`: MediaPipe Pose 0.10.14 (Python) on the same frames,
video mode (as `mediapipe.solutions.pose` runs by default), full and lite models.

    python -m venv venv && venv/bin/pip install mediapipe==0.10.14 numpy==1.26.4
    venv/bin/python examples/benches/python/pose_mediapipe.py [--runs 5]

Decodes crates/gait-pose/tests/fixtures/walker.mp4 with ffmpeg (640 x 960 RGB), then times
`Pose.process` over all its frames, from a fresh `Pose` each run (the detector runs on the first
frame, as in the bench), and prints frames per second per run and their median.

With --tree, the anchor of `pose/tree_full`: a tree of videos, twice as many as cores, each the
clip forward, back, forward (6 passes, 120 frames), one process per core as a user would
parallelise MediaPipe (`multiprocessing.Pool`), each video with a fresh `Pose` (full model),
timed from the first video to the last once every process has started and imported MediaPipe;
frames per second over the tree.
"""
import argparse
import multiprocessing
import os
import statistics
import subprocess
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
VIDEO = os.path.join(HERE, "..", "..", "..", "crates", "gait-pose", "tests", "fixtures", "walker.mp4")


def frames():
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", VIDEO, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, 960, 640, 3)


CLIP = None  # the decoded clip, inherited by the tree's processes


def warm_up(_):
    import mediapipe as mp

    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        pose.process(CLIP[0])


def one_video(_):
    import mediapipe as mp

    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        for f in CLIP:
            pose.process(f)
    return len(CLIP)


def tree(runs, passes=6):
    global CLIP
    clip = frames()
    CLIP = np.concatenate([clip if p % 2 == 0 else clip[::-1] for p in range(passes)])
    cores = os.cpu_count()
    rates = []
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        pool.map(warm_up, range(cores), chunksize=1)
        for _ in range(runs):
            start = time.perf_counter()
            done = sum(pool.map(one_video, range(2 * cores), chunksize=1))
            rates.append(done / (time.perf_counter() - start))
    print(f"pose/tree_full ({cores} processes): " + ", ".join(f"{r:.1f}" for r in rates)
          + f" frames/s; median {statistics.median(rates):.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=10, help="passes over the clip per run")
    ap.add_argument("--tree", action="store_true", help="the tree of videos, a process per core")
    args = ap.parse_args()
    if args.tree:
        return tree(args.runs)
    import shutil

    import mediapipe as mp

    # MediaPipe downloads the lite model on first use; this machine reaches no model hub, so give it
    # the committed copy (the same file) instead.
    lite = os.path.join(os.path.dirname(mp.__file__), "modules", "pose_landmark", "pose_landmark_lite.tflite")
    if not os.path.exists(lite):
        shutil.copy(os.path.join(HERE, "..", "..", "..", "models", "mediapipe", "pose_landmark_lite.tflite"), lite)
    clip = frames()
    for name, complexity in (("video_full", 1), ("video_lite", 0)):
        rates = []
        for _ in range(args.runs):
            elapsed = 0.0
            for _ in range(args.repeat):
                with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=complexity) as pose:
                    pose.process(clip[0])  # graph start-up, not timed; the clip then starts afresh
                with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=complexity) as pose:
                    start = time.perf_counter()
                    for f in clip:
                        pose.process(f)
                    elapsed += time.perf_counter() - start
            rates.append(len(clip) * args.repeat / elapsed)
        print(f"pose/{name}: " + ", ".join(f"{r:.1f}" for r in rates) + f" frames/s; median {statistics.median(rates):.1f}")


if __name__ == "__main__":
    main()
