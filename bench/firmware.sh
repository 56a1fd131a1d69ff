#!/usr/bin/env bash
# Firmware benchmarks (docs/BENCHMARKS.md, "Firmware"): instructions per
# reverse step and per multiply-accumulate on the Cortex-M4F in QEMU, and
# flash / RAM of every QEMU binary.
#
# Usage: bash bench/firmware.sh [--sizes-only] [--baseline REV]
#
# - Instructions: trains two small models with the project's trainer (2-D
#   moons at width 128, about 35k MACs per step; 64-D sine windows at width
#   256, about 165k), exports each as f32, f16 and fixed with a 10-step DDIM
#   plan, and runs firmware/qemu (feature `measure`) on mps2-an386 under
#   `-icount shift=0`, drawing 4 samples. Counts are QEMU instructions, not
#   cycles. Per step = counted instructions / (samples × rows), including
#   each sample's initial noise, spread over its rows.
# - Sizes: `size -A` of firmware/qemu for each machine and fixture model,
#   written to firmware/sizes/*.txt (committed, so growth shows in review),
#   and a text / data / bss table.
# - --baseline REV: also runs the same models through the firmware of
#   commit REV (exported with `git archive` under target/bench-firmware and
#   built there), and prints instructions per step of both and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/bench-firmware
mkdir -p "$work"
sizes_only=false baseline=
while [ $# -gt 0 ]; do
    case $1 in
    --sizes-only) sizes_only=true ;;
    --baseline) baseline=$2 && shift ;;
    *) echo "usage: $0 [--sizes-only] [--baseline REV]" >&2 && exit 2 ;;
    esac
    shift
done
# fw [DIR] cargo …: cargo in DIR/firmware (default: this checkout's).
fw() {
    local dir=$root
    [ "$1" = cargo ] || { dir=$1 && shift; }
    (cd "$dir/firmware" && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR "$@")
}
elf() { echo "firmware/target/$1/release/tinyscore-qemu"; }

# text = code + read-only data (the model included), data, bss (without
# riscv-rt's .stack and .heap reservations), from `size -A`.
summarise() {
    awk '$1 ~ /^\.(vector_table|text|rodata|init|trap|eh_frame)/ {t += $2}
         $1 == ".data" {d += $2}
         $1 ~ /^\.(bss|uninit|sbss)/ {b += $2}
         END {printf "%d %d %d", t, d, b}' "$1"
}

echo "| binary | model | text | data | bss |"
echo "|---|---|---|---|---|"
for case in thumbv7em-none-eabihf:mps2-an386:f32 thumbv7em-none-eabihf:mps2-an386:f16 \
    thumbv7em-none-eabihf:mps2-an386:fixed thumbv6m-none-eabi:microbit:fixed \
    riscv32imac-unknown-none-elf:virt:fixed; do
    IFS=: read -r target machine model <<<"$case"
    TINYSCORE_MODEL=$root/firmware/models/$model.tsm fw cargo build -q --release -p tinyscore-qemu --target "$target"
    out=firmware/sizes/$machine-$model.txt
    # Allocated sections only: debug information is not on the chip.
    size -A "$(elf "$target")" | grep -vE '^(\.(debug|comment|ARM|riscv|defmt)|Total|$)' |
        sed "1s|.*|$machine, firmware/models/$model.tsm ($(stat -c %s "firmware/models/$model.tsm") bytes)|" >"$out"
    read -r t d b <<<"$(summarise "$out")"
    echo "| $machine | $model | $t | $d | $b |"
done
$sizes_only && exit 0

cargo build -q --release -p tinyscore-train
tinyscore=$root/target/release/tinyscore
train() { # name data width steps
    rm -rf "${work:?}/$1"
    "$tinyscore" train --data "$2" --width "$3" --steps "$4" --seed 1 --out "$work/$1" >/dev/null
    for backend in f32 f16 fixed; do
        "$tinyscore" export "$work/$1" -o "$work/$1-$backend.tsm" --backend "$backend" \
            --sampler ddim --steps 10 --calibration-samples 64 >/dev/null
    done
}
train moons moons 128 300
train sine64 sine-windows:len=64 256 200

# step DIR NAME BACKEND: one measured run of DIR's firmware; prints
# "macs instructions/step stack scratch".
step() {
    local log=$work/$2-$3${4:-}.log
    TINYSCORE_MODEL=$work/$2-$3.tsm TINYSCORE_SAMPLES=4 QEMU_EXTRA="-icount shift=0" \
        fw "$1" cargo run -q --release -p tinyscore-qemu --features measure </dev/null >"$log"
    awk '$1 == "model" {rows = $6; macs = $8; scratch = $12}
         $1 == "sample" {samples++}
         $1 == "instructions" {n = $2}
         $1 == "stack" {stack = $2}
         END {printf "%d %.0f %d %d\n", macs, n / (samples * rows), stack, scratch}' "$log"
}

div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo
echo "| model | backend | MACs/step | instructions/step | instructions/MAC | stack high-water (bytes) | scratch (bytes) |"
echo "|---|---|---|---|---|---|---|"
rm -f "$work/current.txt.new"
for name in moons sine64; do
    for backend in f32 f16 fixed; do
        read -r macs n stack scratch <<<"$(step "$root" "$name" "$backend")"
        printf "| %s | %s | %d | %d | %s | %d | %d |\n" "$name" "$backend" "$macs" "$n" \
            "$(div "$n" "$macs")" "$stack" "$scratch"
        echo "$name $backend $n" >>"$work/current.txt.new"
    done
done
mv "$work/current.txt.new" "$work/current.txt"
[ -z "$baseline" ] && exit 0

base=$work/baseline
rm -rf "$base" && mkdir -p "$base"
git archive "$baseline" | tar -x -C "$base"
echo
echo "Against $(git rev-parse --short "$baseline"):"
echo
echo "| model | backend | instructions/step, $baseline | instructions/step, this tree | ratio |"
echo "|---|---|---|---|---|"
while read -r name backend n; do
    read -r _ b _ _ <<<"$(step "$base" "$name" "$backend" -baseline)"
    printf "| %s | %s | %d | %d | %s |\n" "$name" "$backend" "$b" "$n" "$(div "$b" "$n")"
done <"$work/current.txt"
