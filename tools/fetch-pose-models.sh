#!/usr/bin/env bash
# Fetches MediaPipe's heavy pose landmark model (Apache-2.0) from the npm registry into
# models/mediapipe/, checking its sha256. The lite and full models and the detector are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
want=59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe
target=models/mediapipe/pose_landmark_heavy.tflite
if [ -f "$target" ] && echo "$want  $target" | sha256sum -c --quiet 2>/dev/null; then
    exit 0
fi
command -v npm >/dev/null || { echo "fetch-pose-models: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @mediapipe/pose@0.5.1675469404 >/dev/null && tar xzf mediapipe-pose-*.tgz)
echo "$want  $tmp/package/pose_landmark_heavy.tflite" | sha256sum -c --quiet
install -m 644 "$tmp/package/pose_landmark_heavy.tflite" "$target"
echo "fetch-pose-models: wrote $target"
