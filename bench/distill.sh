#!/usr/bin/env bash
# Few-step students by progressive distillation against their teacher:
# sliced Wasserstein distance (SWD) of samples to fresh data, for the
# teacher sampled with DDPM-1000, DDIM-50 and DDIM-4, and for its 4- and
# 2-step distilled students, in f32 and fixed point, with the data-vs-data
# baseline of the same run. Not part of the tests.
#   bash bench/distill.sh [WORK_DIR] [SET...]     (default sets: moons 8gaussians)
# A SET is a built-in name or the absolute path of NAME-train.csv with
# NAME-heldout.csv beside it (bench/quality.py writes the real sets so):
# trained on the first, measured against the second.
# Environment: ROUND_STEPS (distill --round-steps, default 2000), WEIGHTING
# (distill --weighting, default simple), TEACHER (train --prediction of
# the teacher on the linear schedule, default eps; the students predict
# v), N (samples,
# 4000), CHIP=1 (also the Cortex-M4F's instructions per sample of each
# fixed-point model: firmware/qemu with feature `measure` in QEMU, one
# sample, under `-icount shift=0`).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(realpath -m "${1:-target/bench-distill}")
shift || true
sets=("$@")
[[ ${#sets[@]} -gt 0 ]] || sets=(moons 8gaussians)
round_steps=${ROUND_STEPS:-2000}
weighting=${WEIGHTING:-simple}
teacher=${TEACHER:-eps}
n=${N:-4000}
cargo build -q --release -p tinyscore-train
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/tinyscore
root=$PWD
mkdir -p "$work"
cd "$work"

# SWD of model file $1's samples (embedded plan) against set $2, and the
# data-vs-data baseline: "swd baseline".
swd() {
    "$bin" sample "$1" -n "$n" -o "$1.csv" 2>/dev/null
    "$bin" eval "$1.csv" --against "$2" -o "$1.json" 2>/dev/null
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["sliced_wasserstein"], r["baseline"]["sliced_wasserstein"])' "$1.json"
}

# Instructions of one plain sample of model file $1 on the Cortex-M4F.
chip() {
    (cd "$root/firmware" && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
        TINYSCORE_MODEL="$1" TINYSCORE_SAMPLES=1 QEMU_EXTRA="-icount shift=0" \
        cargo run -q --release -p tinyscore-qemu --features measure </dev/null) |
        awk '$1 == "cost" && $2 == "sample" {printf "%.0f", $6 / $4}'
}

chip_head=() chip_rule=()
[[ ${CHIP:-} == 1 ]] && chip_head=(" instructions per sample, Cortex-M4F |") chip_rule=("---:|")
echo "| data | model | evaluations | backend | SWD | SWD / teacher DDPM-1000 | data-vs-data SWD |${chip_head[*]}"
echo "|---|---|---:|---|---:|---:|---:|${chip_rule[*]}"
for data in "${sets[@]}"; do
    # A real set: trained on NAME-train.csv, measured against NAME-heldout.csv.
    set=$data against=$data
    if [[ $data == *-train.csv ]]; then
        set=$(basename "${data%-train.csv}") against=${data%-train.csv}-heldout.csv
    fi
    [[ -f "teacher-$set/config.json" ]] ||
        "$bin" train --data "$data" --schedule linear --prediction "$teacher" --out "teacher-$set" 2>/dev/null
    # The 4-step student from DDIM-64 (4 rounds), then one more round to 2.
    options=(--round-steps "$round_steps" --weighting "$weighting" --prediction v)
    "$bin" distill "teacher-$set" --out "student4-$set" --steps 4 "${options[@]}" 2>/dev/null
    "$bin" distill "student4-$set" --out "student2-$set" --steps 2 "${options[@]}" 2>/dev/null
    reference=""
    # "own": the plan the run records (the student's DDIM steps).
    for model in "teacher ddpm 1000" "teacher ddim 50" "teacher ddim 4" "student4 own 4" "student2 own 2"; do
        read -r who sampler steps <<<"$model"
        run="$who-$set"
        plan=()
        [[ $sampler == own ]] || plan=(--sampler "$sampler" --steps "$steps")
        for backend in f32 fixed; do
            file="$run-$sampler-$steps-$backend.tsm"
            "$bin" export "$run" -o "$file" --backend "$backend" "${plan[@]}" 2>/dev/null
            read -r value baseline <<<"$(swd "$file" "$against")"
            [[ -n $reference || $backend != f32 ]] || reference=$value
            rows=$("$bin" inspect "$file" | python3 -c 'import re,sys; m=re.search(r"(\d+) network evaluations", sys.stdin.read()); print(m.group(1) if m else "?")')
            name=$who
            [[ $sampler == own ]] || name="$who $sampler-$steps"
            ratio=$(python3 -c "print(f'{$value / $reference:.2f}')")
            cost=
            [[ ${CHIP:-} == 1 && $backend == fixed ]] && cost=" $(chip "$PWD/$file") |"
            [[ ${CHIP:-} == 1 && $backend != fixed ]] && cost=" |"
            printf '| %s | %s | %s | %s | %.4f | %s | %.4f |%s\n' "$set" "$name" "$rows" "$backend" "$value" "$ratio" "$baseline" "$cost"
        done
    done
done
