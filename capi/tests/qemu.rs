//! The C API in C firmware: examples/qemu (the firmware tasks of
//! examples/tasks.c with a bare-metal start-up) is built with
//! `arm-none-eabi-gcc` for QEMU's mps2-an386 (Cortex-M4F) and linked with
//! the Cortex-M4F static library; in QEMU it must print, line for line,
//! what the runtime computes on the host (`common::tasks::expected`) for
//! every fixture model of the firmware: f32, f16 and fixed point. The
//! firmware is also disassembled: no function of the library or the
//! runtime may branch to a panic.
//!
//! Nothing is skipped: a missing compiler, QEMU, rustup target or
//! llvm-tools fails the test with the command that installs it
//! (`bash scripts/test.sh` installs them all).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../tests/common/mod.rs"]
mod common;

use common::panic_scan::functions_that_panic_in;
use common::programs::{output_lines, require};
use common::tasks::DataUnits;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const TARGET: &str = "thumbv7em-none-eabihf";
/// The Cortex-M4F with its FPU, for the hard-float ABI of the target.
const CPU_FLAGS: [&str; 4] = [
    "-mcpu=cortex-m4",
    "-mthumb",
    "-mfloat-abi=hard",
    "-mfpu=fpv4-sp-d16",
];

fn capi_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tmp() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// The Cortex-M4F static library, built once in a target directory of its
/// own (the outer `cargo test` holds its own) with the `embedded` profile.
fn static_lib() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let target_dir = tmp().join("capi-target");
        let status = Command::new(env!("CARGO"))
            .current_dir(capi_dir())
            .args([
                "build",
                "-p",
                "tinyscore-c-staticlib",
                "--profile",
                "embedded",
            ])
            .args(["--target", TARGET, "--target-dir"])
            .arg(&target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "the {TARGET} library did not build (rustup target add {TARGET})"
        );
        target_dir.join(format!("{TARGET}/embedded/libtinyscore_c.a"))
    })
}

/// Builds the C firmware with `model` embedded, as `name`.
fn build(model: &Path, name: &str) -> PathBuf {
    require(
        "arm-none-eabi-gcc",
        &["--version"],
        "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi",
    );
    let examples = capi_dir().join("examples");
    let elf = tmp().join(format!("c-firmware-{name}.elf"));
    let status = Command::new("arm-none-eabi-gcc")
        .args(CPU_FLAGS)
        .args(["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror"])
        .args(["-ffunction-sections", "-fdata-sections"])
        .arg("-I")
        .arg(capi_dir().join("include"))
        .arg("-I")
        .arg(&examples)
        .arg(format!("-DTINYSCORE_MODEL_FILE=\"{}\"", model.display()))
        .arg(examples.join("tasks.c"))
        .arg(examples.join("qemu/main.c"))
        .arg(examples.join("qemu/startup.c"))
        .arg("-T")
        .arg(examples.join("qemu/mps2-an386.ld"))
        .args(["-nostartfiles", "--specs=rdimon.specs"])
        .args(["-Wl,--gc-sections", "-Wl,--no-warn-execstack"])
        .arg(static_lib())
        .arg("-lm")
        .arg("-o")
        .arg(&elf)
        .status()
        .expect("arm-none-eabi-gcc runs");
    assert!(status.success(), "the C firmware for {name} did not build");
    elf
}

/// Boots `elf` on mps2-an386 and returns what it printed.
fn run(elf: &Path) -> Vec<String> {
    require(
        "qemu-system-arm",
        &["--version"],
        "apt-get install qemu-system-arm",
    );
    output_lines(
        Command::new("timeout")
            .arg("300")
            .args([
                "qemu-system-arm",
                "-cpu",
                "cortex-m4",
                "-machine",
                "mps2-an386",
            ])
            .args(["-nographic", "-monitor", "none", "-serial", "none"])
            .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
            .arg(elf),
        "QEMU mps2-an386",
    )
}

fn check(name: &str) {
    let model = capi_dir().join(format!("../firmware/models/{name}.tsm"));
    let lines = run(&build(&model, name));
    assert!(
        lines.first().is_some_and(|l| l.starts_with("model ")),
        "{lines:?}"
    );
    let got = &lines[1..];
    let want = common::tasks::expected(&std::fs::read(&model).unwrap(), DataUnits::Words);
    assert_eq!(got.len(), want.len(), "{name}: {lines:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{name}: the C firmware and the host differ");
    }
}

#[test]
fn c_firmware_f32_is_bit_identical_to_the_host() {
    check("f32");
}

#[test]
fn c_firmware_f16_is_bit_identical_to_the_host() {
    check("f16");
}

#[test]
fn c_firmware_fixed_is_bit_identical_to_the_host() {
    check("fixed");
}

#[test]
fn c_firmware_fixed_dsp_kernel_is_bit_identical_to_the_host() {
    check("fixed-29");
    check("fixed-8d");
}

/// No panic after load, through C: no function of the library or the
/// runtime in the C firmware branches to a panic.
#[test]
fn c_firmware_has_no_panic_path() {
    let model = capi_dir().join("../firmware/models/fixed.tsm");
    let elf = build(&model, "nopanic");
    let found = functions_that_panic_in(&elf);
    assert!(
        found.is_empty(),
        "these functions of the C firmware can panic: {found:#?}"
    );
}
