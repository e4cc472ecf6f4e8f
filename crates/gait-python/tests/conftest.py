"""Shared fixtures: the repository, the Rust example programs the results are compared with, a
small synthetic dataset tree and the fixture videos.

The programs are the workspace's examples, built by cargo (`.ci/run` builds them):
`GAIT_EXAMPLES` names their folder, else `target/debug/examples` of this repository.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
VIDEOS = ROOT / "crates" / "gait-pose" / "tests" / "fixtures"


def program(name):
    """The path of the example program `name`, which must be built."""
    folder = Path(os.environ.get("GAIT_EXAMPLES", ROOT / "target" / "debug" / "examples"))
    path = folder / name
    if not path.is_file():
        raise RuntimeError(
            f"{path} is missing: build the examples first "
            "(cargo build -p gait-examples --features pose --example pose --example synth "
            "--example extract --example predict), or set GAIT_EXAMPLES"
        )
    return path


def run(name, *args):
    """Runs example `name` with `args`; returns its standard output."""
    done = subprocess.run([program(name), *map(str, args)], capture_output=True, text=True)
    assert done.returncode == 0, f"{name} {args}: {done.stderr}"
    return done.stdout


def assert_same_files(ours, theirs):
    """The trees `ours` and `theirs` hold the same files with the same contents (arrays equal,
    NaN where NaN)."""
    names = sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    for name in names:
        if name.suffix == ".npy" and not name.name.endswith("_angles.npy"):
            assert np.array_equal(np.load(ours / name), np.load(theirs / name), equal_nan=True), name
        else:
            assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name


@pytest.fixture(scope="session")
def tree(tmp_path_factory):
    """A small synthetic dataset tree (Training and Testing, Normal and Abnormal)."""
    out = tmp_path_factory.mktemp("synthetic") / "data"
    run("synth", "--out", out, "--seed", 3, "--normal", 3, "--abnormal", 3, "--seconds", 6)
    return out


@pytest.fixture(scope="session")
def videos(tmp_path_factory):
    """A tree of three fixture videos: `Normal/a/1.mp4`, `Normal/a/2.mp4`, `Abnormal/b/1.mp4`."""
    root = tmp_path_factory.mktemp("videos") / "tree"
    for place, name in [("Normal/a/1.mp4", "front.mp4"), ("Normal/a/2.mp4", "walker.mp4"),
                        ("Abnormal/b/1.mp4", "side_1x1.mp4")]:
        (root / place).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(VIDEOS / name, root / place)
    return root


@pytest.fixture(scope="session")
def rust_pose(videos, tmp_path_factory):
    """The `pose` example's output tree for `videos`."""
    out = tmp_path_factory.mktemp("rust_pose") / "out"
    run("pose", "--input", videos, "--out", out)
    return out
