#!/usr/bin/env bash
# Side-by-side training-step time: tinyscore (criterion) against PyTorch on
# the same architecture, batch and thread count. Not part of the tests.
#   bash bench/compare.sh --install   # first time: makes bench/.venv with torch from PyPI
#   bash bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--install" ]]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet torch
fi
[[ -x bench/.venv/bin/python ]] || { echo "run: bash bench/compare.sh --install" >&2; exit 2; }
torch_ms=$(bench/.venv/bin/python bench/torch_step.py --threads 2)
cargo bench -q -p tinyscore-train --bench train_step -- --warm-up-time 2 --measurement-time 5 train_step_dsm \
    | tee /tmp/tinyscore-bench.txt
ours_ms=$(sed -n 's/.*time: *\[[^ ]* [^ ]* \([0-9.]*\) \(ms\|µs\).*/\1 \2/p' /tmp/tinyscore-bench.txt | head -1 \
    | awk '{ if ($2 == "µs") print $1 / 1000; else print $1 }')
echo "PyTorch (2 threads): ${torch_ms} ms/step"
echo "tinyscore:           ${ours_ms} ms/step"
awk -v a="$ours_ms" -v b="$torch_ms" 'BEGIN { printf "ratio tinyscore/PyTorch: %.2f\n", a / b }'
