#!/usr/bin/env bash
# Anomaly AUROC of the stored detector against the nearest-training-window
# baseline on real labelled series from aeon (bench/anomaly.py says what).
# Not part of the tests.
#   bash bench/quality.sh --install     # first time: bench/.venv
#   bash bench/anomaly.sh [WORK_DIR] [--sets NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x bench/.venv/bin/python ]] || { echo "run: bash bench/quality.sh --install" >&2; exit 2; }
cargo build -q --release -p tinyscore-train
bench/.venv/bin/python bench/anomaly.py "$@"
