#!/usr/bin/env bash
# Firmware benchmarks (docs/BENCHMARKS.md, "Firmware"): instructions per
# reverse step and per multiply-accumulate on the Cortex-M4F in QEMU, and
# flash / RAM of every QEMU binary.
#
# Usage: bash bench/firmware.sh [--sizes-only] [--baseline REV [--baseline-exporter]]
#
# - Instructions: trains two small models with the project's trainer (2-D
#   8 Gaussians, class-conditional by component, at width 128, about 35k
#   MACs per step; 64-D sine windows at width 256, about 165k), exports each
#   as f32, f16 and fixed (its time embedded on the device, and as
#   `fixed-folded` folded into bias rows) with a 10-step DDIM plan and an
#   anomaly detector calibrated on fresh normal data, and runs firmware/qemu (feature
#   `measure`) on mps2-an386 under `-icount shift=0`: Model::parse once,
#   then 4 calls of each task the model supports (sample, guided, impute,
#   denoise, score; firmware/app). Counts
#   are QEMU instructions, not cycles. Per step = instructions of the plain
#   samples / (samples × rows), including each sample's initial noise,
#   spread over its rows; the other tasks are listed per call, with the
#   stack's high-water mark during each.
# - Sizes: `size -A` of firmware/qemu for each machine and fixture model,
#   written to firmware/sizes/*.txt (committed, so growth shows in review),
#   and a text / data / bss table; then the runtime's own code and
#   read-only data without the `float` feature: firmware/fixed-only's
#   `sample` minus its `baseline`, on the Cortex-M4F and the Cortex-M0,
#   split into the loader (`check` minus `baseline`) and sampling, and
#   by source crate (bench/code_by_crate.py; needs llvm-symbolizer).
# - --baseline REV: also runs the same models through the firmware of
#   commit REV (exported with `git archive` under target/bench-firmware and
#   built there), and prints instructions per step of both and their ratio
#   (REV must print the per-task `cost` lines of firmware/app). REV gets
#   the fixed-point models in format 1.2 (`export --row-major`), which
#   every runtime since 1.2 reads; with --baseline-exporter, REV's own
#   exporter (built under target/bench-firmware) writes them from the same
#   runs and flags instead, so that a change of what the exporter writes
#   (format 1.9's level rows) is measured against what REV wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/target/bench-firmware
mkdir -p "$work"
sizes_only=false baseline= baseline_exporter=false
while [ $# -gt 0 ]; do
    case $1 in
    --sizes-only) sizes_only=true ;;
    --baseline) baseline=$2 && shift ;;
    --baseline-exporter) baseline_exporter=true ;;
    *) echo "usage: $0 [--sizes-only] [--baseline REV [--baseline-exporter]]" >&2 && exit 2 ;;
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

# What the runtime adds to a firmware: firmware/fixed-only's `sample` (the
# runtime without `float`: parse, fixed-point sampler, printing samples)
# minus its `baseline` (the same program without the runtime), each built
# on its own so that tinyscore's features are not unified with the app's;
# split by `check` (baseline plus Model::parse) into the loader (check −
# baseline) and sampling (sample − check: network, kernels, sampler,
# noise); and for comparison `sample` with the runtime's default `float`
# feature.
echo
echo "| machine | runtime code, with float | without float | ratio | loader | sampling | runtime read-only data, without float |"
echo "|---|---|---|---|---|---|---|"
section() { awk -v s="$1" '$1 == s {print $2}' "$2"; }
for case in thumbv7em-none-eabihf:mps2-an386 thumbv6m-none-eabi:microbit; do
    IFS=: read -r target machine <<<"$case"
    built=firmware/target/$target/release
    fw cargo build -q --release -p tinyscore-fixed-only --target "$target" --bin sample --features tinyscore/float
    size -A "$built/sample" >"$work/fixed-only-$machine-float.txt"
    fw cargo build -q --release -p tinyscore-fixed-only --target "$target"
    for bin in baseline check sample; do
        size -A "$built/$bin" | grep -vE '^(\.(debug|comment|ARM|defmt)|Total|$)' |
            sed "1s|.*|$machine, firmware/fixed-only $bin|" >"firmware/sizes/fixed-only-$machine-$bin.txt"
    done
    text() { section .text "firmware/sizes/fixed-only-$machine-$1.txt"; }
    with=$(($(section .text "$work/fixed-only-$machine-float.txt") - $(text baseline)))
    without=$(($(text sample) - $(text baseline)))
    rodata=$(($(section .rodata "firmware/sizes/fixed-only-$machine-sample.txt") -
        $(section .rodata "firmware/sizes/fixed-only-$machine-baseline.txt")))
    echo "| $machine | $with | $without | $(awk -v a="$with" -v b="$without" 'BEGIN {printf "%.2f", a / b}') |" \
        "$(($(text check) - $(text baseline))) | $(($(text sample) - $(text check))) | $rodata |"
done
# The same difference by source crate (bench/code_by_crate.py): the
# runtime's own code, with what it inlines from core, apart from what it
# links from core, compiler-builtins (memcpy, memset), defmt, the RNG.
for case in thumbv7em-none-eabihf:mps2-an386 thumbv6m-none-eabi:microbit; do
    IFS=: read -r target machine <<<"$case"
    built=firmware/target/$target/release
    echo
    echo "$machine, firmware/fixed-only \`sample\` against \`baseline\`, bytes of .text by crate:"
    echo
    python3 bench/code_by_crate.py "$built/baseline" "$built/sample"
done
$sizes_only && exit 0

cargo build -q --release -p tinyscore-train
tinyscore=${CARGO_TARGET_DIR:-$root/target}/release/tinyscore
# export_model BIN NAME DATA MODEL [export options]: $work/NAME-MODEL.tsm from run
# NAME by BIN's exporter, with the plan and detector every model here has.
export_model() {
    "$1" export "$work/$2" -o "$work/$2-$4.tsm" --sampler ddim --steps 10 \
        --calibration-samples 64 --anomaly-normal "$3" "${@:5}" >/dev/null
}
# fixed_models BIN NAME DATA [SUFFIX]: the fixed-point models, time
# embedded and folded into bias rows (a 10-row plan embeds it on the
# device by default).
fixed_models() {
    export_model "$1" "$2" "$3" "fixed${4:-}" --backend fixed
    export_model "$1" "$2" "$3" "fixed-folded${4:-}" --backend fixed --time folded
}
train() { # name data width steps [train options]
    rm -rf "${work:?}/$1"
    "$tinyscore" train --data "$2" --width "$3" --steps "$4" --seed 1 --schedule linear --prediction eps --out "$work/$1" "${@:5}" >/dev/null
    for backend in f32 f16; do
        export_model "$tinyscore" "$1" "$2" "$backend" --backend "$backend"
    done
    fixed_models "$tinyscore" "$1" "$2"
    # The same fixed-point model in format 1.2 (row-major weights), for
    # baselines older than format 1.3.
    export_model "$tinyscore" "$1" "$2" fixed-row-major --backend fixed --row-major
}
train gauss8 8gaussians 128 300 --labels component
train sine64 sine-windows:len=64 256 200

# run DIR NAME BACKEND [SUFFIX [MODEL]]: one measured run of DIR's firmware
# on $work/NAME-MODEL.tsm (MODEL defaults to BACKEND); its log is
# $work/NAME-BACKEND[SUFFIX].log.
run() {
    TINYSCORE_MODEL=$work/$2-${5:-$3}.tsm TINYSCORE_SAMPLES=4 QEMU_EXTRA="-icount shift=0" \
        fw "$1" cargo run -q --release -p tinyscore-qemu --features measure </dev/null >"$work/$2-$3${4:-}.log"
}

# steps LOG: "macs instructions/step scratch" of the plain samples.
steps() {
    awk '$1 == "model" {rows = $6; macs = $8; scratch = $12}
         $1 == "cost" && $2 == "sample" {printf "%d %.0f %d\n", macs, $6 / ($4 * rows), scratch}' "$1"
}

# tasks LOG: "task instructions/call stack" of every task.
tasks() {
    awk '$1 == "cost" {printf "%s %.0f %d\n", $2, $6 / $4, $8}' "$1"
}

# flagged LOG INPUT: anomalies flagged among the scored INPUT (normal or
# spike) items, as "flagged/scored".
flagged() {
    awk -v input="$2" '$1 == "score" && $3 == input {n++; if ($5 == "true") f++}
         END {printf "%d/%d", f, n}' "$1"
}

div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo
echo "| model | backend | MACs/step | instructions/step | instructions/MAC | scratch (bytes) |"
echo "|---|---|---|---|---|---|"
rm -f "$work/current.txt.new"
for name in gauss8 sine64; do
    for backend in f32 f16 fixed fixed-folded; do
        run "$root" "$name" "$backend"
        read -r macs n scratch <<<"$(steps "$work/$name-$backend.log")"
        printf "| %s | %s | %d | %d | %s | %d |\n" "$name" "$backend" "$macs" "$n" \
            "$(div "$n" "$macs")" "$scratch"
        echo "$name $backend $n" >>"$work/current.txt.new"
    done
done
mv "$work/current.txt.new" "$work/current.txt"

echo
echo "Per call, next to a plain sample (instructions; stack high-water in bytes, including"
echo "the model's scratch, which firmware/qemu keeps on the stack). Score rows:"
echo "anomalies flagged among the model's own samples, and among them with a spike of 4σ."
echo
echo "| model | backend | task | instructions/call | × sample | stack | flagged: normal, spike |"
echo "|---|---|---|---|---|---|---|"
for name in gauss8 sine64; do
    for backend in f32 f16 fixed fixed-folded; do
        log=$work/$name-$backend.log
        sample=$(tasks "$log" | awk '$1 == "sample" {print $2}')
        tasks "$log" | while read -r task n stack; do
            verdicts=
            [ "$task" = score ] && verdicts="$(flagged "$log" normal), $(flagged "$log" spike)"
            printf "| %s | %s | %s | %d | %s | %d | %s |\n" "$name" "$backend" "$task" "$n" \
                "$(div "$n" "$sample")" "$stack" "$verdicts"
        done
    done
done
[ -z "$baseline" ] && exit 0

base=$work/baseline
rm -rf "$base" && mkdir -p "$base"
git archive "$baseline" | tar -x -C "$base"
if $baseline_exporter; then
    (cd "$base" && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS CARGO_TARGET_DIR="$work/baseline-target" \
        cargo build -q --release -p tinyscore-train)
    fixed_models "$work/baseline-target/release/tinyscore" gauss8 8gaussians -baseline
    fixed_models "$work/baseline-target/release/tinyscore" sine64 sine-windows:len=64 -baseline
fi
echo
echo "Against $(git rev-parse --short "$baseline"):"
echo
echo "| model | backend | instructions/step, $baseline | instructions/step, this tree | ratio |"
echo "|---|---|---|---|---|"
while read -r name backend n; do
    # REV may predate format 1.3: its fixed-point model is the row-major
    # one, unless REV's exporter wrote its own.
    model=$backend
    [[ $backend = fixed* ]] && model=fixed-row-major
    [[ $backend = fixed* ]] && $baseline_exporter && model=$backend-baseline
    run "$base" "$name" "$backend" -baseline "$model"
    read -r _ b _ <<<"$(steps "$work/$name-$backend-baseline.log")"
    printf "| %s | %s | %d | %d | %s |\n" "$name" "$backend" "$b" "$n" "$(div "$b" "$n")"
done <"$work/current.txt"
