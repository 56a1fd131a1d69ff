#!/usr/bin/env bash
# The project's one test command: installs what it needs on a fresh machine,
# then runs every check and test. Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

EMBEDDED_TARGETS=(thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imac-unknown-none-elf)
# A 32-bit host, where `usize` is as narrow as on the chips.
HOST_32=i686-unknown-linux-gnu
MSRV=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)

step() { printf '\n==> %s\n' "$*"; }

step "setup: rustup components (llvm-tools: llvm-objdump for the no-panic check), embedded and 32-bit host targets, MSRV toolchain $MSRV, nightly and cargo-fuzz (fuzzing)"
rustup component add rustfmt clippy llvm-tools
rustup target add "${EMBEDDED_TARGETS[@]}" "$HOST_32"
rustup toolchain install "$MSRV" --profile minimal
# cargo-fuzz needs nightly; an installed one is kept, not updated on every run.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked

step "setup: QEMU and defmt-print (firmware tests), gcc-multilib (32-bit host tests), arm-none-eabi-gcc with newlib (C firmware), if missing"
sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
apt_updated=false
apt_install() {
    $apt_updated || { $sudo apt-get update -qq && apt_updated=true; }
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}
dpkg -s gcc-multilib >/dev/null 2>&1 || apt_install gcc-multilib
if ! command -v arm-none-eabi-gcc >/dev/null || ! dpkg -s libnewlib-arm-none-eabi >/dev/null 2>&1; then
    apt_install gcc-arm-none-eabi libnewlib-arm-none-eabi
fi
if ! command -v qemu-system-arm >/dev/null || ! command -v qemu-system-riscv32 >/dev/null; then
    # Where qemu-utils comes from backports it breaks the release's QEMU:
    # take the release's qemu-utils along with it.
    apt_install qemu-system-arm qemu-system-misc ||
        apt_install --allow-downgrades qemu-system-arm qemu-system-misc \
            "qemu-utils/$(. /etc/os-release && echo "$VERSION_CODENAME")"
fi
command -v defmt-print >/dev/null || cargo install defmt-print --version 1.2.0 --locked

step "format"
cargo fmt --all -- --check
(cd firmware && cargo fmt --all -- --check)
(cd firmware/board && cargo fmt --all -- --check)
(cd fuzz && cargo fmt --all -- --check)

step "minimum supported Rust version $MSRV"
cargo "+$MSRV" check --workspace --features std
cargo "+$MSRV" check -p tinyscore --no-default-features

step "clippy (host; the runtime also without float)"
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo clippy -p tinyscore --no-default-features --lib --test corpus_without_float --test mutations_without_float --test data_units -- -D warnings

step "clippy (thumbv7em-none-eabihf, with and without defmt; Cortex-M without float)"
cargo clippy -p tinyscore --target thumbv7em-none-eabihf -- -D warnings
cargo clippy -p tinyscore --target thumbv7em-none-eabihf --features defmt -- -D warnings
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    cargo clippy -p tinyscore --target "$target" --no-default-features --features defmt -- -D warnings
done

step "clippy (the C library for each embedded target, with and without float)"
for target in "${EMBEDDED_TARGETS[@]}"; do
    cargo clippy -p tinyscore-c --target "$target" -- -D warnings
    cargo clippy -p tinyscore-c --target "$target" --no-default-features -- -D warnings
done

step "clippy (firmware workspace, each target; fixed-only on its own, Cortex-M only)"
for target in "${EMBEDDED_TARGETS[@]}"; do
    (cd firmware && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
        cargo clippy --workspace --exclude tinyscore-fixed-only --target "$target" -- -D warnings)
done
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    (cd firmware && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
        cargo clippy -p tinyscore-fixed-only --target "$target" -- -D warnings)
done
(cd firmware && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
    cargo clippy -p tinyscore-qemu --features measure -- -D warnings)
(cd firmware && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
    cargo clippy -p tinyscore-qemu --features misaligned -- -D warnings)

step "board example (nRF52840-DK): clippy and release build, not run"
(cd firmware/board && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
    cargo clippy --release -- -D warnings)
(cd firmware/board && env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_TARGET_DIR \
    cargo build --release)

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features
# The runtime as the Cortex-M4F builds it (with the DSP kernel), with its
# default features and without float.
RUSTDOCFLAGS="-D warnings" cargo doc -p tinyscore --no-deps --target thumbv7em-none-eabihf
RUSTDOCFLAGS="-D warnings" cargo doc -p tinyscore --no-deps --target thumbv7em-none-eabihf --no-default-features

for target in "${EMBEDDED_TARGETS[@]}"; do
    step "build $target (default features, then defmt, then without float; the C library)"
    cargo build -p tinyscore --target "$target"
    cargo build -p tinyscore --target "$target" --features defmt
    cargo build -p tinyscore --target "$target" --no-default-features
    cargo build -p tinyscore-c-staticlib --target "$target" --profile embedded
    cargo build -p tinyscore-c-staticlib --target "$target" --profile embedded --no-default-features
done

step "tests (tests/firmware.rs boots the firmware in QEMU; capi/tests the C API from C, on the host and in QEMU)"
cargo test --workspace --all-features

step "the runtime without float: unit tests (float files are refused), the malformed corpus, mutants of the fixtures"
cargo test -p tinyscore --no-default-features --lib --test corpus_without_float --test mutations_without_float --test data_units

step "the C API without its default features (fixed point only, no messages, no status texts): unit tests"
cargo test -p tinyscore-c --no-default-features --lib

step "the parser with a 32-bit usize ($HOST_32): malformed corpus, format round trips, mutants without float"
cargo test --target "$HOST_32" -p tinyscore --features std --test corpus_replay --test format
cargo test --target "$HOST_32" -p tinyscore --no-default-features --test corpus_without_float --test mutations_without_float --test data_units

step "sample bits across optimisation levels (golden CRCs in the release profile)"
cargo test --release -p tinyscore --features std --test backends

step "fuzz: a minute per target, replaying the committed seeds first (fuzz/run.sh; a finding fails)"
for target in parse finite; do
    bash fuzz/run.sh "$target" 60
done
