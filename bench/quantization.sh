#!/usr/bin/env bash
# Sample quality of the f16 and fixed-point backends against f32 on the same
# plan and seeds, through `tinyscore parity`. Not part of the tests.
#   bash bench/quantization.sh [WORK_DIR]     (default target/quantization)
# Trains the three benchmark models once (the demo's architecture, ε-prediction
# on the linear schedule and 5000 steps: moons, 8gaussians, and the 16-dimensional sine-windows CSV-style
# set), exports each with DDPM 1000 steps and with DDIM 50 steps in f32, f16
# and fixed point (default calibration), and prints, per seed, the sliced
# Wasserstein distance of each backend's 2000 samples to 2000 fresh data
# points, the ratio to f32, and the weight bytes. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-target/quantization}
mkdir -p "$work"
cargo build -q --release -p tinyscore-train
bin=${CARGO_TARGET_DIR:-target}/release/tinyscore
seeds=(0 1 2)

printf '| data | plan | seed | f32 SWD | f16 / f32 | fixed / f32 | fixed final drift (RMS) | weight bytes f32 / f16 / fixed |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for data in moons 8gaussians sine-windows; do
    run="$work/run-$data"
    [[ -f "$run/config.json" ]] || "$bin" train --data "$data" --out "$run" --steps 5000 \
        --schedule linear --prediction eps >/dev/null 2>&1
    for plan in ddpm:1000 ddim:50; do
        sampler=${plan%:*}
        steps=${plan#*:}
        for backend in f32 f16 fixed; do
            "$bin" export "$run" -o "$work/$data-$sampler-$backend.tsm" --backend "$backend" \
                --sampler "$sampler" --steps "$steps" >/dev/null 2>&1
        done
        for seed in "${seeds[@]}"; do
            "$bin" parity "$work/$data-$sampler-f32.tsm" "$work/$data-$sampler-f16.tsm" \
                "$work/$data-$sampler-fixed.tsm" --against "$data" -n 2000 --seed "$seed" --json \
                | jq -r --arg d "$data" --arg p "$plan" --arg s "$seed" '
                    .models as $m
                    | ($m[0].quality.sliced_wasserstein) as $ref
                    | "| \($d) | \($p) | \($s) | \($ref * 10000 | round / 10000) "
                      + "| \($m[1].quality.sliced_wasserstein / $ref * 1000 | round / 1000) "
                      + "| \($m[2].quality.sliced_wasserstein / $ref * 1000 | round / 1000) "
                      + "| \($m[2].drift[-1].rms * 10000 | round / 10000) "
                      + "| \($m[0].weight_bytes) / \($m[1].weight_bytes) / \($m[2].weight_bytes) |"'
        done
    done
done
