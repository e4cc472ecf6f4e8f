"""Pose over a tree of videos on a Ray cluster: each video one task of Ray Data.

    python examples/python/cluster_pose.py --input VIDEOS --out OUT [--address auto] [--workers N]
        [--model lite|full|heavy] [--person walker|largest|K]

OUT mirrors VIDEOS as the `pose` example writes it: for every video `N.mp4`, `N_landmarks.npy`,
`N_angles.npy` (the `seed` features), `N_frames.npy`, `N_visibility.npy` and `N_video.json`.
A video whose files are all there already is skipped, so a run that stopped is resumed by
running it again. A video that fails is reported, with its reason, and the others go on; the
exit status is 1 when any failed.

Without `--address` it starts a local cluster of `--workers` processes (default: one per core)
on this machine. On a real cluster, start Ray on every machine first (`ray start --head` on one,
`ray start --address=HEAD:6379` on the others) and give `--address auto` from the head; VIDEOS
and OUT must then be paths every machine sees (a shared file system), and every machine needs
the `gait` package installed.

Each task runs one video on one core (`gait.extract_video`), with no hand-offs between cores:
a video's frames depend on the frame before (tracking), so the video is the unit of work.
"""

import argparse
import sys
import time

import ray

import gait


def extract(row, model, person):
    """One video's files; the result says what was found, or why it failed."""
    start = time.perf_counter()
    try:
        found = gait.extract_video(row["input"], row["dir"], row["clip"], model=model, person=person)
        return {"input": row["input"], "frames": found["frames_read"], "error": "",
                "seconds": time.perf_counter() - start}
    except Exception as error:  # every failure is this video's alone: reported, not raised
        return {"input": row["input"], "frames": 0, "error": f"{type(error).__name__}: {error}",
                "seconds": time.perf_counter() - start}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="a video or a tree of videos")
    parser.add_argument("--out", required=True, help="the folder to write the tree of files into")
    parser.add_argument("--address", help="a running Ray cluster's address (auto: this machine's)")
    parser.add_argument("--workers", type=int, help="processes of a local cluster (default: cores)")
    parser.add_argument("--model", default="full", choices=["lite", "full", "heavy"])
    parser.add_argument("--person", default="walker", help="walker, largest or a number from 1")
    args = parser.parse_args()

    jobs = gait.video_jobs(args.input, args.out)
    todo = [{"input": str(j["input"]), "dir": str(j["dir"]), "clip": j["clip"]}
            for j in jobs if not j["done"]]
    print(f"{len(jobs)} videos, {len(jobs) - len(todo)} done already, {len(todo)} to run",
          file=sys.stderr)
    if not todo:
        return 0
    ray.init(address=args.address, num_cpus=None if args.address else args.workers,
             include_dashboard=False, log_to_driver=False)
    start = time.perf_counter()
    results = (
        ray.data.from_items(todo, override_num_blocks=len(todo))
        .map(extract, fn_kwargs={"model": args.model, "person": args.person}, num_cpus=1)
        .take_all()
    )
    seconds = time.perf_counter() - start
    failed = [r for r in results if r["error"]]
    for r in failed:
        print(f"failed: {r['input']}: {r['error']}", file=sys.stderr)
    frames = sum(r["frames"] for r in results)
    print(f"{len(results) - len(failed)} of {len(results)} videos written, {frames} frames "
          f"in {seconds:.1f} s: {frames / seconds:.1f} frames/s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
