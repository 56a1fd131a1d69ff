#!/usr/bin/env bash
# Cargo runner: boots ELF on QEMU MACHINE and decodes its defmt output.
# Usage: qemu/run.sh MACHINE ELF. Extra QEMU options (e.g. -icount shift=0)
# come from $QEMU_EXTRA. QEMU's exit status is the firmware's; a run that
# takes longer than $QEMU_TIMEOUT seconds (default 300) is killed (124).
set -euo pipefail
machine=$1 elf=$2
case $machine in
    mps2-an386) qemu=(qemu-system-arm -cpu cortex-m4 -machine mps2-an386) ;;
    microbit) qemu=(qemu-system-arm -machine microbit) ;;
    virt) qemu=(qemu-system-riscv32 -machine virt -bios none) ;;
    *) echo "unknown machine $machine" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # QEMU_EXTRA is a list of options
timeout "${QEMU_TIMEOUT:-300}" "${qemu[@]}" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native ${QEMU_EXTRA:-} -kernel "$elf" \
    | defmt-print -e "$elf"
