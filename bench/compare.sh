#!/usr/bin/env bash
# Side-by-side training-step time: tinyscore (criterion) against PyTorch on
# the same architecture, batch and thread count, with one thread and with
# two, measured in the same run. Not part of the tests.
#   bash bench/compare.sh --install   # first time: makes bench/.venv with torch from PyPI
#   bash bench/compare.sh
# One thread is enforced for both with `taskset -c 0`: tinyscore then runs
# its four batch chunks on one thread (it uses min(available CPUs, 4)
# threads), PyTorch gets torch.set_num_threads(1).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--install" ]]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet torch
fi
[[ -x bench/.venv/bin/python ]] || { echo "run: bash bench/compare.sh --install" >&2; exit 2; }
cargo bench -q -p tinyscore-train --bench train_step --no-run
out=/tmp/tinyscore-bench.txt

ours() { # $1: taskset CPU list
    taskset -c "$1" cargo bench -q -p tinyscore-train --bench train_step -- \
        --warm-up-time 2 --measurement-time 5 train_step_dsm >"$out"
    sed -n 's/.*time: *\[[^ ]* [^ ]* \([0-9.]*\) \(ms\|µs\).*/\1 \2/p' "$out" | head -1 \
        | awk '{ if ($2 == "µs") print $1 / 1000; else print $1 }'
}
torch() { # $1: taskset CPU list, $2: threads
    taskset -c "$1" bench/.venv/bin/python bench/torch_step.py --threads "$2" 2>/dev/null
}

torch1=$(torch 0 1)
ours1=$(ours 0)
torch2=$(torch 0,1 2)
ours2=$(ours 0,1)
printf '%-8s %14s %14s %8s\n' threads "PyTorch ms" "tinyscore ms" ratio
for t in 1 2; do
    a=$([[ $t == 1 ]] && echo "$ours1" || echo "$ours2")
    b=$([[ $t == 1 ]] && echo "$torch1" || echo "$torch2")
    awk -v t="$t" -v a="$a" -v b="$b" 'BEGIN { printf "%-8s %14.3f %14.3f %8.2f\n", t, b, a, a / b }'
done
echo "(ratio = tinyscore / PyTorch; below 1 means tinyscore is faster)"
