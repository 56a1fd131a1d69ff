//! The firmware in QEMU against the runtime on the host: same model, plan
//! and seeds, bit-identical samples.
//!
//! Each test builds `firmware/qemu` for one target with one model embedded,
//! boots it in QEMU (firmware/qemu/run.sh, output decoded by `defmt-print`)
//! and expects, line for line, the `sample` and `crc` lines the host draws
//! with [`common::float_samples`] / [`common::fixed_samples`] (the firmware's
//! output format is documented in firmware/app/src/lib.rs). Cortex-M4F
//! (`mps2-an386`) runs all three backends; Cortex-M0 (`microbit`) and RISC-V
//! (`virt`) run the fixed-point one.
//!
//! The models are firmware/models/{f32,f16,fixed}.tsm: the fixtures of
//! tests/common ([`common::small_spec`], [`common::f16_spec`],
//! [`common::fixed_spec`]) written by this file. After a change of the
//! fixtures or the format, regenerate them with
//! `TINYSCORE_BLESS=1 cargo test --features std --test firmware`.
//!
//! Nothing is skipped: a missing QEMU, `defmt-print` or rustup target fails
//! the test with the command that installs it (`bash scripts/test.sh`
//! installs them all).
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use tinyscore::format::{self, Backend, Model};

/// The QEMU binary's build output is one path per target: building and
/// copying the ELF away is serialised, the QEMU runs are not.
static BUILD: Mutex<()> = Mutex::new(());

/// How long one QEMU run may take, in seconds (they take about one).
const QEMU_TIMEOUT: &str = "120";

fn firmware_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("firmware")
}

fn model_path(name: &str) -> PathBuf {
    firmware_dir().join("models").join(format!("{name}.tsm"))
}

/// The fixture model `name` as this code writes it.
fn fixture(name: &str) -> Vec<u8> {
    let spec = match name {
        "f32" => common::small_spec(),
        "f16" => common::f16_spec(),
        "fixed" => common::fixed_spec(),
        other => unreachable!("no fixture {other}"),
    };
    format::write(&spec).unwrap()
}

const MODELS: [&str; 3] = ["f32", "f16", "fixed"];

#[test]
fn committed_models_are_the_fixtures() {
    for name in MODELS {
        let fresh = fixture(name);
        if std::env::var_os("TINYSCORE_BLESS").is_some() {
            std::fs::write(model_path(name), &fresh).unwrap();
        }
        let committed = std::fs::read(model_path(name)).unwrap();
        assert!(
            committed == fresh,
            "firmware/models/{name}.tsm is not the current fixture: regenerate with \
             TINYSCORE_BLESS=1 cargo test --features std --test firmware"
        );
    }
}

/// Fails with `install` unless `program args` runs.
fn require(program: &str, args: &[&str], install: &str) {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "`{program}` is missing; install it with: {install}");
}

fn require_target(target: &str) {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(firmware_dir())
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .expect("rustup runs");
    let installed = String::from_utf8_lossy(&out.stdout);
    assert!(
        installed.lines().any(|l| l.trim() == target),
        "rustup target {target} is missing; install it with: rustup target add {target}"
    );
}

/// A `cargo` command in the firmware workspace, with the variables that
/// would override its toolchain file or its `.cargo/config.toml` removed.
fn firmware_cargo() -> Command {
    let mut cargo = Command::new("cargo");
    cargo.current_dir(firmware_dir());
    for var in [
        "RUSTUP_TOOLCHAIN",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cargo.env_remove(var);
    }
    cargo
}

/// Builds firmware/qemu for `target` with `model` embedded and returns a
/// copy of the ELF of its own.
fn build(target: &str, model: &Path, name: &str) -> PathBuf {
    require_target(target);
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let status = firmware_cargo()
        .args([
            "build",
            "--release",
            "-p",
            "tinyscore-qemu",
            "--target",
            target,
        ])
        .env("TINYSCORE_MODEL", model)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "firmware build for {target} failed");
    let built = firmware_dir().join(format!("target/{target}/release/tinyscore-qemu"));
    let elf = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("firmware-{name}.elf"));
    std::fs::copy(&built, &elf).unwrap();
    elf
}

/// Runs `elf` on `machine` and returns the decoded defmt lines.
fn run(machine: &str, elf: &Path) -> Vec<String> {
    let qemu = if machine == "virt" {
        ("qemu-system-riscv32", "qemu-system-misc")
    } else {
        ("qemu-system-arm", "qemu-system-arm")
    };
    require(
        qemu.0,
        &["--version"],
        &format!("apt-get install -y {}", qemu.1),
    );
    require(
        "defmt-print",
        &["--version"],
        "cargo install defmt-print --version 1.2.0 --locked",
    );
    let out = Command::new(firmware_dir().join("qemu/run.sh"))
        .args([machine.as_ref(), elf.as_os_str()])
        .env("QEMU_TIMEOUT", QEMU_TIMEOUT)
        .output()
        .expect("qemu/run.sh runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "QEMU {machine} exited with {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// The `sample` and `crc` lines the firmware prints for `bytes`, computed
/// on the host.
fn expected(bytes: &[u8]) -> Vec<String> {
    let model = Model::parse(bytes).unwrap();
    let dim = model.topology().x_dim() as usize;
    let words: Vec<u32> = match model.backend() {
        Backend::F32 | Backend::F16 => common::float_samples(bytes)
            .iter()
            .map(|v| v.to_bits())
            .collect(),
        Backend::Fixed => common::fixed_samples(bytes)
            .0
            .iter()
            .map(|&v| v as u32)
            .collect(),
    };
    let mut lines: Vec<String> = words
        .chunks(dim)
        .enumerate()
        .map(|(i, sample)| {
            let hex: Vec<String> = sample.iter().map(|w| format!("{w:08x}")).collect();
            format!("sample {i} [{}]", hex.join(", "))
        })
        .collect();
    let crc = common::crc_of(words.iter().map(|w| w.to_le_bytes()));
    lines.push(format!("crc {crc:08x}"));
    lines
}

/// Builds, runs and compares the firmware for `target` on `machine` with
/// the committed model `name`.
fn check(target: &str, machine: &str, name: &str) {
    let model = model_path(name);
    let bytes = std::fs::read(&model).unwrap();
    let elf = build(target, &model, &format!("{machine}-{name}"));
    let lines = run(machine, &elf);
    let backend = format!("{:?}", Model::parse(&bytes).unwrap().backend());
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with(&format!("model {backend} "))),
        "no model line for {backend}: {lines:?}"
    );
    let got: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("sample ") || l.starts_with("crc "))
        .collect();
    let want = expected(&bytes);
    assert_eq!(got.len(), want.len(), "{machine} {name}: output {lines:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(*g, w, "{machine} {name}: the chip and the host differ");
    }
}

#[test]
fn cortex_m4f_f32_is_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "f32");
}

#[test]
fn cortex_m4f_f16_is_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "f16");
}

#[test]
fn cortex_m4f_fixed_is_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "fixed");
}

#[test]
fn cortex_m0_fixed_is_bit_identical_to_the_host() {
    check("thumbv6m-none-eabi", "microbit", "fixed");
}

#[test]
fn riscv32_fixed_is_bit_identical_to_the_host() {
    check("riscv32imac-unknown-none-elf", "virt", "fixed");
}
