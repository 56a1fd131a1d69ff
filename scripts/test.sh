#!/usr/bin/env bash
# The project's one test command: installs what it needs on a fresh machine,
# then runs every check and test. Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

EMBEDDED_TARGETS=(thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imac-unknown-none-elf)
MSRV=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)

step() { printf '\n==> %s\n' "$*"; }

step "setup: rustup components, embedded targets, MSRV toolchain $MSRV"
rustup component add rustfmt clippy
rustup target add "${EMBEDDED_TARGETS[@]}"
rustup toolchain install "$MSRV" --profile minimal

step "format"
cargo fmt --all -- --check

step "minimum supported Rust version $MSRV"
cargo "+$MSRV" check --workspace --features std

step "clippy (host)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "clippy (thumbv7em-none-eabihf, with and without defmt)"
cargo clippy -p tinyscore --target thumbv7em-none-eabihf -- -D warnings
cargo clippy -p tinyscore --target thumbv7em-none-eabihf --features defmt -- -D warnings

step "docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features

for target in "${EMBEDDED_TARGETS[@]}"; do
    step "build $target (default features, then defmt)"
    cargo build -p tinyscore --target "$target"
    cargo build -p tinyscore --target "$target" --features defmt
done

step "tests"
cargo test --workspace --all-features

step "sample bits across optimisation levels (golden CRCs in the release profile)"
cargo test --release -p tinyscore --features std --test backends
