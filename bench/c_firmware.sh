#!/usr/bin/env bash
# Flash of the C API on the Cortex-M4F: the C firmware (capi/examples/qemu)
# with the fixed-point-only static library and the fixed-point fixture,
# against the same start-up with an empty main; and the bytes of code the
# static library puts into it: the sizes of the functions in the firmware
# that the library defines (its line information does not survive the C
# link well enough for bench/code_by_crate.py). Then like for like with
# the Rust firmware: bench/c_sample.c, firmware/fixed-only's `sample` and
# `baseline` in C, and the growth of `.text` (code and read-only data)
# from one to the other, next to fixed-only's (text + rodata), with the
# library built without and with its status texts (feature `texts`).
# Usage: bash bench/c_firmware.sh
# Needs arm-none-eabi-gcc with newlib, llvm-tools and llvm-symbolizer.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${CARGO_TARGET_DIR:-target}/c-firmware-size
mkdir -p "$out"
cargo build -q -p tinyscore-c-staticlib --target thumbv7em-none-eabihf --profile embedded \
    --no-default-features --target-dir "$out/cargo"
lib=$out/cargo/thumbv7em-none-eabihf/embedded/libtinyscore_c.a
cflags=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -g -std=c11
    -ffunction-sections -fdata-sections -Icapi/include -Icapi/examples
    "-DTINYSCORE_MODEL_FILE=\"$PWD/firmware/models/fixed.tsm\"")
ldflags=(-Tcapi/examples/qemu/mps2-an386.ld -nostartfiles --specs=rdimon.specs
    -Wl,--gc-sections -Wl,--no-warn-execstack)
echo 'int main(void) { return 0; }' >"$out/empty.c"
arm-none-eabi-gcc "${cflags[@]}" "$out/empty.c" capi/examples/qemu/startup.c \
    "${ldflags[@]}" -o "$out/baseline.elf"
arm-none-eabi-gcc "${cflags[@]}" capi/examples/tasks.c capi/examples/qemu/main.c \
    capi/examples/qemu/startup.c "${ldflags[@]}" "$lib" -lm -o "$out/tasks.elf"
arm-none-eabi-size "$out/baseline.elf" "$out/tasks.elf"
# Functions the library defines (text symbols of its members, read with
# llvm-nm: the objects carry LLVM bitcode too), then their sizes in the
# firmware, each address once (aliases such as memcpy's share one).
llvm_nm=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-nm
"$llvm_nm" --defined-only "$lib" 2>/dev/null | awk '$2 ~ /^[Tt]$/ {print $3}' >"$out/library.syms"
arm-none-eabi-nm -S "$out/tasks.elf" >"$out/firmware.syms"
python3 - "$out/library.syms" "$out/firmware.syms" <<'PY'
import sys
library = set(open(sys.argv[1]).read().split())
sizes = {}
for line in open(sys.argv[2]):
    fields = line.split()
    if len(fields) == 4 and fields[2] in "Tt" and fields[3] in library:
        sizes[fields[0]] = int(fields[1], 16)
print("library code in the firmware:", sum(sizes.values()), "bytes")
PY

# Like for like: parse and sample only, in C and in Rust; the library
# without the status texts (as defmt keeps the Rust firmware's texts on
# the host), then with them.
model="-DTINYSCORE_MODEL_FILE=\"$PWD/firmware/models/fixed.tsm\""
text() { arm-none-eabi-size -A "$1" | awk '$1 ~ /^\.(vector_table|text|rodata)$/ {t += $2} END {print t}'; }
arm-none-eabi-gcc "${cflags[@]}" "$model" -DBASELINE bench/c_sample.c capi/examples/qemu/startup.c \
    "${ldflags[@]}" -o "$out/sample-baseline.elf"
for features in "" texts; do
    cargo build -q -p tinyscore-c-staticlib --target thumbv7em-none-eabihf --profile embedded \
        --no-default-features --features "$features" --target-dir "$out/cargo"
    arm-none-eabi-gcc "${cflags[@]}" "$model" bench/c_sample.c capi/examples/qemu/startup.c \
        "${ldflags[@]}" "$lib" -o "$out/sample.elf"
    echo "parse and sample, C library with features [$features]: C firmware grows by" \
        "$(($(text "$out/sample.elf") - $(text "$out/sample-baseline.elf"))) bytes"
done
(cd firmware && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
    cargo build -q --release -p tinyscore-fixed-only --target thumbv7em-none-eabihf)
rust=firmware/target/thumbv7em-none-eabihf/release
echo "parse and sample: Rust firmware grows by $(($(text "$rust/sample") - $(text "$rust/baseline"))) bytes"
