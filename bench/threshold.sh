#!/usr/bin/env bash
# Static clip, dynamic thresholding and no clip of x̂₀ side by side
# (bench/threshold.py says what each cell is). Not part of the tests.
# The digits set needs bench/.venv (bash bench/quality.sh --install).
#   bash bench/threshold.sh [WORK_DIR] [--sets NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p tinyscore-train
python=python3
[[ -x bench/.venv/bin/python ]] && python=bench/.venv/bin/python
"$python" bench/threshold.py "$@"
