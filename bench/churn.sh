#!/usr/bin/env bash
# Karras et al.'s stochastic Heun (`export --sampler pf-ode-heun --churn S`)
# against the deterministic one, on the EDM-parameterised moons models of
# bench/peer_quality.py (thin moons, noise 0.05): the sliced Wasserstein
# distance of 4000 samples to the script's fresh data, as a multiple of
# its data-vs-data distance. Not part of the tests.
#   bash bench/churn.sh [WORK_DIR] [TRAIN_STEPS]
# WORK_DIR is bench/peer_quality.py's (default target/peer-quality), after
#   bench/.venv/bin/python bench/peer_quality.py WORK_DIR --steps TRAIN_STEPS
# (default 20000), whose runs run-edm-SEED-TRAIN_STEPS and fresh data
# fresh-{a,b}-SEED.csv this reads.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(realpath -m "${1:-target/peer-quality}")
train_steps=${2:-20000}
cargo build -q --release -p tinyscore-train
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/tinyscore
out=$work/churn
mkdir -p "$out"

# SWD of csv $1 to csv $2.
swd() {
    "$bin" eval "$1" --against "$2" -o "$1.json" 2>/dev/null
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sliced_wasserstein"])' "$1.json"
}

churns=(0 0.5 1 2 5 10)
seeds=()
for run in "$work"/run-edm-*-"$train_steps"; do
    seed=${run#"$work"/run-edm-}
    seeds+=("${seed%-"$train_steps"}")
done
[[ ${#seeds[@]} -gt 0 ]] || { echo "no run-edm-*-$train_steps in $work: run bench/peer_quality.py first" >&2; exit 1; }
header="| Heun steps | network evaluations |"
rule="|---:|---:|"
for churn in "${churns[@]}"; do header+=" churn $churn |"; rule+="---:|"; done
echo "$header"
echo "$rule"
for steps in 5 10 20; do
    line="| $steps | $((2 * steps - 1)) |"
    for churn in "${churns[@]}"; do
        ratios=()
        for seed in "${seeds[@]}"; do
            base=$(swd "$work/fresh-b-$seed.csv" "$work/fresh-a-$seed.csv")
            file=$out/heun-$steps-churn-$churn-$seed.tsm
            "$bin" export "$work/run-edm-$seed-$train_steps" -o "$file" \
                --sampler pf-ode-heun --steps "$steps" --churn "$churn" 2>/dev/null
            "$bin" sample "$file" -n 4000 --seed "$seed" -o "$file.csv" 2>/dev/null
            ratios+=("$(python3 -c "print($(swd "$file.csv" "$work/fresh-a-$seed.csv") / $base)")")
        done
        # Each seed's ratio, then their mean.
        line+=" $(python3 -c "import sys; r=[float(x) for x in sys.argv[1:]]; print(' / '.join(f'{x:.2f}' for x in r) + f' ({sum(r)/len(r):.2f})')" "${ratios[@]}") |"
    done
    echo "$line"
done
