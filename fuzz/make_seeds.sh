#!/usr/bin/env bash
# Writes fuzz/corpus/parse/exported_*.tsm: model files made the way users
# make them, by the project's trainer and exporter (every backend, a
# class-conditional model and its guided student, anomaly detectors,
# dynamic x̂₀ thresholds, several samplers and schedules, 2-D and 64-D
# data), so that the fuzzer
# mutates inputs of the sizes and shapes users have. The runs are short (the weights need not be
# good, only real), and every step is seeded, so the files are the same on
# every run of this script with the same trainer.
# Usage: bash fuzz/make_seeds.sh   (about a minute, release build)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p tinyscore-train
bin="${CARGO_TARGET_DIR:-target}/release/tinyscore"
out=fuzz/corpus/parse
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

train() { # name, then train options
    local name=$1
    shift
    "$bin" train --out "$work/$name" --steps 300 --batch 128 --seed 1 "$@" >/dev/null
}
export_as() { # run, seed name, then export options
    local run=$1 name=$2
    shift 2
    "$bin" export "$work/$run" -o "$out/exported_$name.tsm" "$@" >/dev/null
}

train moons --data moons --width 32 --depth 2
export_as moons f32_ddim_detector --sampler ddim --steps 20 --anomaly-normal moons
export_as moons f16_ddpm --backend f16 --sampler ddpm --steps 50
export_as moons fixed_ddim_detector --backend fixed --sampler ddim --steps 10 \
    --calibration-samples 32 --anomaly-normal moons
export_as moons f32_heun_clip --sampler pf-ode-heun --steps 8 --clip 3
export_as moons fixed_ddim_dynamic --backend fixed --sampler ddim --steps 10 \
    --calibration-samples 32 --clip dynamic
# Level rows (format 1.9): DDPM's rule, with the posterior variance.
export_as moons fixed_ddpm_levels --backend fixed --sampler ddpm --steps 40 \
    --calibration-samples 32

train gaussians --data 8gaussians --labels component --width 32 --depth 2
export_as gaussians f32_conditional_dpmpp --sampler dpmpp-2m --steps 12
export_as gaussians fixed_conditional --backend fixed --sampler ddim --steps 10 \
    --calibration-samples 32
"$bin" distill "$work/gaussians" --out "$work/student" --steps 2 --teacher-steps 4 \
    --round-steps 20 --batch 64 --guidance 1 >/dev/null 2>&1
export_as student fixed_held_guidance --backend fixed --calibration-samples 32

train vp --data swissroll --schedule vp --prediction v --width 24 --depth 2
export_as vp f32_vp_euler_maruyama --sampler euler-maruyama --steps 16
export_as vp f16_vp_pc --backend f16 --sampler pc --steps 8
export_as vp fixed_vp_heun_churn --backend fixed --sampler pf-ode-heun --steps 6 --churn 2 \
    --calibration-samples 32

train ve --data rings --schedule ve --prediction x0 --width 24 --depth 2
export_as ve f32_ve_langevin --sampler langevin --steps 4

train sine --data sine-windows --width 64 --depth 2
export_as sine f32_64d_ddim --sampler ddim --steps 10 --anomaly-normal sine-windows
export_as sine fixed_64d_ddim --backend fixed --sampler ddim --steps 10 \
    --calibration-samples 16
export_as sine f32_sine_dynamic --sampler ddim --steps 10 --clip dynamic:0.9:4

ls -l "$out"/exported_*.tsm
