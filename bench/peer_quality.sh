#!/usr/bin/env bash
# Sample quality of tinyscore against a PyTorch + diffusers pipeline with the
# same network, data and training budget, in one run (bench/peer_quality.py
# says how). Not part of the tests.
#   bash bench/peer_quality.sh --install     # first time: bench/.venv with torch, diffusers, scikit-learn
#   bash bench/peer_quality.sh [WORK_DIR] [--seeds N] [--steps S] [--points P]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--install" ]]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet torch diffusers scikit-learn
    exit 0
fi
[[ -x bench/.venv/bin/python ]] || { echo "run: bash bench/peer_quality.sh --install" >&2; exit 2; }
cargo build -q --release -p tinyscore-train
bench/.venv/bin/python bench/peer_quality.py "$@"
