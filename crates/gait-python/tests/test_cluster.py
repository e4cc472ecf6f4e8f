"""The cluster example (`examples/python/cluster_pose.py`) on a local Dask cluster of two workers:
the same files as the `pose` example, a failing video reported without stopping the others, and
a second run that finds everything done."""

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, assert_same_files

pytest.importorskip("dask.distributed", reason="the cluster example runs on Dask (pip install 'dask[distributed]')")

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
    assert_same_files(out, rust_pose)
    # Without the damaged video, a second run finds the other three done.
    (tree / "Abnormal" / "b" / "2.mp4").unlink()
    second = cluster(tree, out)
    assert second.returncode == 0, second.stderr
    assert "3 videos, 3 done already, 0 to run" in second.stderr
