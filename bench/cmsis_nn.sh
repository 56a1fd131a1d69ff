#!/usr/bin/env bash
# tinyscore's fixed-point dense layers and forwards next to ARM's CMSIS-NN on
# the same Cortex-M4F in QEMU (docs/BENCHMARKS.md, "Next to CMSIS-NN"):
# instructions per multiply-accumulate of each layer shape of bench/firmware.sh's
# two models, and instructions per whole forward.
#
# Usage: bash bench/cmsis_nn.sh [CMSIS_NN CMSIS_6]
#   CMSIS_NN  a CMSIS-NN git directory (bare or not) holding commit $NN_COMMIT;
#             default: cloned from GitHub into the work folder
#   CMSIS_6   a CMSIS_6 git directory holding $CORE_COMMIT (CMSIS-Core's
#             include folder, which CMSIS-NN's CMake adds); same default
# Environment: SHIFTS (the -icount shifts of the CMSIS-NN runs, default 0).
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm (apt),
# rustup target thumbv7em-none-eabihf, defmt-print (cargo install).
#
# - CMSIS-NN: its fully-connected, activation and element-wise kernels built
#   from source at the pinned commit with arm-none-eabi-gcc for the
#   Cortex-M4F (-O3, -Os, and -O3 with CMSIS_NN_USE_REQUANTIZE_INLINE_ASSEMBLY)
#   and the bare-metal harness bench/cmsis_nn/harness.c, which times each
#   layer call and five whole forwards of the models' shape (s16 with
#   SiLU = sigmoid · x or ReLU, s8 per-tensor and per-channel with ReLU,
#   per-channel with an int8 SiLU table) with the CMSDK TIMER0 under
#   -icount, less the empty timing loop.
# - tinyscore: the two models of bench/firmware.sh (trained and exported the
#   same way, fixed point only, with the time folded into bias rows so that
#   the dense layers have the harness's shapes), run by firmware/qemu
#   (feature `measure`, 4 samples, -icount shift=0) from a copy of this
#   checkout instrumented by
#   bench/cmsis_nn/instrument.sh: TIMER0 around every dense layer call, or
#   around every whole forward, summed over all the forwards the firmware
#   runs.
# Instructions = TIMER0 ticks × 40 / 2^shift. QEMU instructions, not cycles.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
here=$root/bench/cmsis_nn
NN_COMMIT=99f736a63036613032f9b70de36b493bcd7802d4
CORE_COMMIT=7f62ddc8ab8e9af22039912b8f9f46a9290f49ba
work=${CARGO_TARGET_DIR:-$root/target}/bench-cmsis-nn
shifts=${SHIFTS:-0}
for tool in arm-none-eabi-gcc qemu-system-arm defmt-print; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm;" \
            "cargo install defmt-print" >&2
        exit 2
    }
done
mkdir -p "$work"
find "$work" -mindepth 1 -maxdepth 1 ! -name copy ! -name repos -exec rm -rf {} +

# source_tree NAME URL COMMIT GIT_DIR PATHS…: the files of COMMIT under
# $work/src/NAME, from GIT_DIR or, if it is empty, a clone of URL.
source_tree() {
    local name=$1 url=$2 commit=$3 git=$4
    shift 4
    if [ -z "$git" ]; then
        git=$work/repos/$name
        [ -d "$git" ] || git clone -q --bare "$url" "$git" || {
            echo "cannot clone $url: give a local git directory holding $commit (usage above)" >&2
            exit 2
        }
    fi
    mkdir -p "$work/src/$name"
    git --git-dir="$(git -C "$git" rev-parse --absolute-git-dir 2>/dev/null || echo "$git")" \
        archive "$commit" "$@" | tar -x -C "$work/src/$name"
}
source_tree nn https://github.com/ARM-software/CMSIS-NN "$NN_COMMIT" "${1:-}" Include Source
source_tree core https://github.com/ARM-software/CMSIS_6 "$CORE_COMMIT" "${2:-}" CMSIS/Core/Include
NN=$work/src/nn
echo "CMSIS-NN $NN_COMMIT, CMSIS_6 $CORE_COMMIT"
echo "$(arm-none-eabi-gcc --version | head -1)"
echo "$(qemu-system-arm --version | head -1)"
echo "tinyscore $(git rev-parse HEAD)$([ -z "$(git status --porcelain)" ] || echo " (with uncommitted changes)"), $(rustc --version)"

# The CMSIS-NN sources the harness calls.
sources=(
    FullyConnectedFunctions/arm_fully_connected_s8.c
    FullyConnectedFunctions/arm_fully_connected_per_channel_s8.c
    FullyConnectedFunctions/arm_fully_connected_s16.c
    NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c
    NNSupportFunctions/arm_nn_vec_mat_mult_t_per_ch_s8.c
    NNSupportFunctions/arm_nn_vec_mat_mult_t_s16.c
    NNSupportFunctions/arm_nntables.c
    ActivationFunctions/arm_nn_activation_s16.c
    ActivationFunctions/arm_relu_q15.c
    ActivationFunctions/arm_relu_q7.c
    BasicMathFunctions/arm_elementwise_add_s16.c
    BasicMathFunctions/arm_elementwise_mul_s16.c
    BasicMathFunctions/arm_elementwise_add_s8.c
)
arch=(-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb)
# Variants: name and flags. -mcpu=cortex-m4 sets __ARM_FEATURE_DSP, from
# which arm_nn_math_types.h sets ARM_MATH_DSP; it is passed as well.
variants=("O3:-O3" "Os:-Os" "O3-asmreq:-O3 -DCMSIS_NN_USE_REQUANTIZE_INLINE_ASSEMBLY")
for variant in "${variants[@]}"; do
    name=${variant%%:*}
    # shellcheck disable=SC2206 # the flags are a list
    opt=(${variant#*:})
    out=$work/$name
    mkdir -p "$out/obj"
    flags=("${arch[@]}" "${opt[@]}" -DARM_MATH_DSP -ffunction-sections -fdata-sections -Wall
        -I"$NN/Include" -I"$work/src/core/CMSIS/Core/Include")
    objs=()
    for s in "${sources[@]}"; do
        o=$out/obj/$(basename "${s%.c}").o
        arm-none-eabi-gcc "${flags[@]}" -c "$NN/Source/$s" -o "$o"
        objs+=("$o")
    done
    for s in harness startup; do
        arm-none-eabi-gcc "${flags[@]}" -I"$here" -c "$here/$s.c" -o "$out/$s.o"
    done
    arm-none-eabi-gcc "${flags[@]}" -nostartfiles --specs=nano.specs -T "$here/link.ld" -Wl,--gc-sections \
        -o "$out/harness.elf" "$out/startup.o" "$out/harness.o" "${objs[@]}" -lc -lgcc
done
# The DSP path: SMLAD in the matrix-vector kernels the FCs call.
for k in arm_nn_vec_mat_mult_t_s8 arm_nn_vec_mat_mult_t_per_ch_s8 arm_nn_vec_mat_mult_t_s16; do
    n=$(arm-none-eabi-objdump -d "$work/O3/obj/$k.o" | grep -cw smlad || true)
    [ "$n" -gt 0 ] || { echo "$k: no SMLAD at -O3, not the DSP path" >&2 && exit 1; }
done

# report LOG SHIFT: the harness's lines in instructions per call (less the
# empty timing loop).
report() {
    awk -v shift="$2" '
        function instr(t) { return t * 40 / 2 ^ shift }
        $1 == "loop" { loop = instr($5) / $3 }
        $1 == "fc" { per = instr($9) / $7 - loop; printf "fc %s %s %d %d %.1f\n", $2, $3, $4, $5, per }
        $1 == "fwd" { per = instr($9) / $7 - loop; printf "fwd %s %s %d %.1f\n", $2, $3, $5, per }
    ' "$1"
}
for name in O3 Os O3-asmreq; do
    for shift in $shifts; do
        log=$work/$name/run-shift$shift.log
        timeout 600 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -monitor none -serial none \
            -semihosting-config enable=on,target=native -icount "shift=$shift" \
            -kernel "$work/$name/harness.elf" >"$log" 2>&1 # SYS_WRITE0 text goes to stderr
        grep -q '^done' "$log" || { echo "CMSIS-NN $name: run did not finish" >&2 && cat "$log" >&2 && exit 1; }
        report "$log" "$shift" >"$work/$name/report-shift$shift.txt"
    done
done

# tinyscore: the models of bench/firmware.sh, fixed point.
cargo build -q --release -p tinyscore-train
tinyscore=${CARGO_TARGET_DIR:-$root/target}/release/tinyscore
models=$work/models
mkdir -p "$models"
train() { # name data width steps [train options]
    "$tinyscore" train --data "$2" --width "$3" --steps "$4" --seed 1 --schedule linear --prediction eps --out "$models/$1" "${@:5}" >/dev/null
    "$tinyscore" export "$models/$1" -o "$models/$1-fixed.tsm" --backend fixed --time folded \
        --sampler ddim --steps 10 --calibration-samples 64 --anomaly-normal "$2" >/dev/null
}
train gauss8 8gaussians 128 300 --labels component
train sine64 sine-windows:len=64 256 200

# The instrumented copy (its firmware/target kept between runs).
copy=$work/copy
mkdir -p "$copy"
find "$copy" -mindepth 1 -maxdepth 1 ! -name firmware -exec rm -rf {} +
[ -d "$copy/firmware" ] && find "$copy/firmware" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$copy" -xf -
bash "$here/instrument.sh" "$copy"
# run NAME LOG [ENV…]: the copy's firmware on NAME's model.
run() {
    local name=$1 log=$2
    shift 2
    (cd "$copy/firmware" && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR -u TS_LAYER_TICKS "$@" \
        TINYSCORE_MODEL="$models/$name-fixed.tsm" TINYSCORE_SAMPLES=4 QEMU_EXTRA="-icount shift=0" \
        cargo run -q --release -p tinyscore-qemu --features measure </dev/null >"$log")
}
for name in gauss8 sine64; do
    run "$name" "$work/$name-layers.log" TS_LAYER_TICKS=1
    run "$name" "$work/$name-forward.log"
done

# The tables: per layer shape, instructions per call and per MAC.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo
echo "Dense layer calls, instructions per MAC (CMSIS-NN at -icount shift=0, the layer's"
echo "whole call; tinyscore: every call its forwards make, averaged):"
echo
echo "| model | layer | MACs | CMSIS-NN s8 -O3 | s8 per-channel -O3 | s16 -O3 | s8 -Os | s8 per-channel -Os | s16 -Os | tinyscore | tinyscore instructions/call |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for name in gauss8 sine64; do
    awk -v name="$name" '
        FILENAME ~ /\/O3\/report/ && $1 == "fc" && $3 == name { v[$4 "x" $5, $2, "O3"] = $6 / ($4 * $5) }
        FILENAME ~ /\/Os\/report/ && $1 == "fc" && $3 == name { v[$4 "x" $5, $2, "Os"] = $6 / ($4 * $5) }
        $1 == "layerticks" {
            k = $2 "x" $3; n[++count] = k; t[k] = $7 * 40 / $5; c[k] = $5 }
        END {
            for (i = 1; i <= count; i++) { k = n[i]; split(k, d, "x"); macs = d[1] * d[2]
                printf "| %s | %s → %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | **%.3f** | %.1f |\n", name, d[1], d[2], macs,
                    v[k, "s8", "O3"], v[k, "s8pc", "O3"], v[k, "s16", "O3"], v[k, "s8", "Os"],
                    v[k, "s8pc", "Os"], v[k, "s16", "Os"], t[k] / macs, t[k] }
        }' "$work/O3/report-shift0.txt" "$work/Os/report-shift0.txt" "$work/$name-layers.log"
done
echo
echo "Whole forwards, instructions per forward (× = CMSIS-NN's over tinyscore's):"
echo
echo "| model | MACs | tinyscore | CMSIS-NN variant | instructions | × |"
echo "|---|---|---|---|---|---|"
for name in gauss8 sine64; do
    ts=$(awk '$1 == "forwardticks" {printf "%.1f", ($5 + $7 * 2 ^ 32) * 40 / $3}' "$work/$name-forward.log")
    for variant in O3 O3-asmreq Os; do
        awk -v name="$name" -v variant="$variant" -v ts="$ts" '$1 == "fwd" && $3 == name {
            printf "| %s | %d | %.0f | %s %s | %.0f | %.2f |\n", name, $4, ts, variant, $2, $5, $5 / ts }' \
            "$work/$variant/report-shift0.txt"
    done
done
echo
echo "tinyscore forwards timed: $(awk '$1 == "forwardticks" {printf "%s ", $3}' "$work/gauss8-forward.log" "$work/sine64-forward.log")(gauss8, sine64)"
