"""The cluster example (`examples/python/cluster_pose.py`) on a local Ray cluster of two workers:
the same files as the `pose` example, a failing video reported without stopping the others, and
a second run that finds everything done."""

import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

pytest.importorskip("ray", reason="the cluster example runs on Ray (pip install 'ray[data]')")

SCRIPT = ROOT / "examples" / "python" / "cluster_pose.py"


def cluster(videos, out):
    return subprocess.run([sys.executable, SCRIPT, "--input", videos, "--out", out, "--workers", "2"],
                          capture_output=True, text=True)


def test_the_cluster_writes_what_pose_writes_and_resumes(videos, rust_pose, tmp_path):
    tree = tmp_path / "videos"
    shutil.copytree(videos, tree)
    (tree / "Abnormal" / "b" / "2.mp4").write_text("not a video")
    out = tmp_path / "out"
    first = cluster(tree, out)
    assert first.returncode == 1, first.stderr
    assert "failed: " in first.stderr and "2.mp4" in first.stderr and "3 of 4 videos written" in first.stderr
    written = sorted(p.relative_to(rust_pose) for p in rust_pose.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    for name in written:
        ours, theirs = out / name, rust_pose / name
        if name.suffix == ".npy" and not name.name.endswith("_angles.npy"):
            assert np.array_equal(np.load(ours), np.load(theirs), equal_nan=True), name
        else:
            assert ours.read_bytes() == theirs.read_bytes(), name
    # Without the damaged video, a second run finds the other three done.
    (tree / "Abnormal" / "b" / "2.mp4").unlink()
    second = cluster(tree, out)
    assert second.returncode == 0, second.stderr
    assert "3 videos, 3 done already, 0 to run" in second.stderr
