#!/usr/bin/env bash
# Share of sample values outside the training range, per sampler and step
# count, with default train and export flags, on the built-in sets and on
# real data from scikit-learn and aeon (bench/quality.py says what). Not
# part of the tests.
#   bash bench/quality.sh --install     # first time: bench/.venv with numpy, scikit-learn, aeon
#   bash bench/quality.sh [WORK_DIR] [--sets NAME...] [--samplers NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--install" ]]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet numpy scikit-learn aeon
    exit 0
fi
[[ -x bench/.venv/bin/python ]] || { echo "run: bash bench/quality.sh --install" >&2; exit 2; }
cargo build -q --release -p tinyscore-train
bench/.venv/bin/python bench/quality.py "$@"
