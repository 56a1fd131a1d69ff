#!/usr/bin/env bash
# Model file sizes: f32 against fixed point for plans of 4, 50 and 1000
# rows, with how the fixed-point file carries the time (folded bias rows
# or the embedding computed on the device) and where its bytes go. Sizes do
# not depend on training, so each network is trained for a few steps only.
# Not part of the tests.
#   bash bench/file_sizes.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(realpath -m "${1:-target/bench-file-sizes}")
cargo build -q --release -p tinyscore-train
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/tinyscore
mkdir -p "$work"
cd "$work"

# Bytes of section $2 in `inspect` of model $1 (0 if absent).
section() {
    local bytes
    bytes=$("$bin" inspect "$1" | sed -n "s/^  $2  *\([0-9]*\) bytes.*/\1/p")
    echo "${bytes:-0}"
}

echo "| model | plan | f32 file | fixed file | fixed / f32 | time | fixed weights | fixed-point plan | f32 plan rows |"
echo "|---|---|---:|---:|---:|---|---:|---:|---:|"
for model in "moons 128" "sine-windows:len=96 128"; do
    set -- $model
    data=$1 width=$2
    name=${data%%:*}
    [[ -f "run-$name/config.json" ]] ||
        "$bin" train --data "$data" --width "$width" --steps 50 --schedule linear --prediction eps --out "run-$name" >/dev/null 2>&1
    for plan in "ddim 4" "ddim 50" "ddpm 1000"; do
        set -- $plan
        for backend in f32 fixed; do
            "$bin" export "run-$name" --sampler "$1" --steps "$2" --backend "$backend" \
                --out "$name-$1-$2-$backend.tsm" >/dev/null 2>&1
        done
        f32=$(stat -c %s "$name-$1-$2-f32.tsm")
        fixed_file="$name-$1-$2-fixed.tsm"
        fixed=$(stat -c %s "$fixed_file")
        if "$bin" inspect "$fixed_file" | grep -q "^time .*folded"; then time=folded; else time=embedded; fi
        printf "| %s (%s) | %s %s | %d | %d | %.1f %% | %s | %d | %d | %d |\n" \
            "$data" "$("$bin" inspect "$name-$1-$2-f32.tsm" | sed -n 's/^layers .*(\([0-9]*\) parameters)/\1 parameters/p')" \
            "$1" "$2" "$f32" "$fixed" "$(python3 -c "print(100*$fixed/$f32)")" "$time" \
            "$(section "$fixed_file" "fixed-point weights")" \
            "$(section "$fixed_file" "fixed-point plan")" "$(section "$fixed_file" "plan")"
    done
done
