//! The firmware in QEMU against the runtime on the host: same model, plan
//! and seeds, bit-identical samples.
//!
//! Each test builds `firmware/qemu` for one target with one model embedded,
//! boots it in QEMU (firmware/qemu/run.sh, output decoded by `defmt-print`)
//! and expects, line for line, what the host computes for the firmware's
//! tasks with the runtime ([`expected`]): plain samples, guided samples of
//! each class, imputations, SDEdit denoisings and anomaly verdicts (the
//! tasks and the output format are documented in firmware/app/src/lib.rs).
//! Cortex-M4F (`mps2-an386`) runs all three backends; Cortex-M0
//! (`microbit`) and RISC-V (`virt`) run the fixed-point one. On the
//! Cortex-M4F, `firmware/fixed-only` also runs the runtime built without its
//! `float` feature.
//!
//! The models are firmware/models/{f32,f16,fixed,fixed-29,fixed-8d}.tsm:
//! the fixtures of tests/common made class-conditional with 3 classes
//! ([`common::conditional_spec`] of [`common::small_spec`], its f16 version,
//! and of the bias-table MLP quantised, at hidden width 16 and 29, and for
//! 8-dimensional data — the last two on the Cortex-M4F only), each with an anomaly detector
//! calibrated on its own samples ([`with_detector`]), written by this file,
//! and firmware/models/f32-overflow.tsm, the f32 model with first-layer
//! biases of 3·10³⁸ that every parse check accepts and whose outputs would
//! not be finite: the firmware must report the error, not print samples
//! ([`cortex_m4f_reports_a_model_whose_outputs_would_not_be_finite`]).
//! After a change of the fixtures or the format, regenerate them
//! with `TINYSCORE_BLESS=1 cargo test --features std --test firmware`.
//!
//! The builds are also disassembled, to show that no function of the
//! runtime can reach a panic ([`runtime_code_has_no_panic_path`]).
//!
//! Nothing is skipped: a missing QEMU, `defmt-print`, rustup target or
//! `llvm-tools` component fails the test with the command that installs it
//! (`bash scripts/test.sh` installs them all).
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use tinyscore::fixed::quantize::quantize;
use tinyscore::fixed::{FixedSampler, FixedScratch, STATE_FRAC_BITS};
use tinyscore::format::{self, AnomalyData, Backend, Model, SectionKind, WeightsData};
use tinyscore::net::Guidance;
use tinyscore::plan::Plan;
use tinyscore::sampler::Sampler;
use tinyscore::stepper::{StateValue, Stepper};

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

/// Classes of the fixture models.
const CLASSES: u32 = 3;
/// Plan rows and noise draws of the fixtures' anomaly detector.
const DETECTOR_ROWS: [u32; 2] = [4, 7];
const DETECTOR_REPEATS: u32 = 2;
/// Held-out samples the detector's threshold is calibrated on (their
/// largest score), drawn with seeds from `CALIBRATION_SEED` on.
const CALIBRATION_SAMPLES: u64 = 64;
const CALIBRATION_SEED: u64 = 10_000;

/// The fixture model `name` as this code writes it.
fn fixture(name: &str) -> Vec<u8> {
    let mut spec = common::conditional_spec(common::small_spec(), CLASSES);
    match name {
        "f32" => {}
        "f16" => spec.weights = WeightsData::F16(common::f32_params(&spec).to_vec()),
        "fixed" | "fixed-29" | "fixed-8d" => {
            // fixed-29: hidden width 29, so that the dense kernels meet
            // rows and columns left over after their blocks (4 rows; 8
            // columns in the Cortex-M4's DSP loop, which also runs an odd
            // number of blocks, 3). fixed-8d: 8-dimensional data, so that
            // every layer, the first with its time and class rows, runs
            // whole in the Cortex-M4's DSP routine.
            let (x_dim, hidden) = match name {
                "fixed" => (common::X_DIM, 16),
                "fixed-29" => (common::X_DIM, 29),
                _ => (8, 16),
            };
            let base = common::mlp_spec_of_dim(x_dim, hidden, 8, 10, true);
            let conditional = common::conditional_spec(base, CLASSES);
            let scales = common::trajectory_scales(&conditional, 64, 1.25);
            spec = quantize(&conditional, &scales).unwrap();
        }
        "f32-overflow" => return overflowing(&fixture("f32")),
        other => unreachable!("no fixture {other}"),
    }
    with_detector(&format::write(&spec).unwrap())
}

/// The f32 model `bytes` with its first layer's biases (after the 16 × 10
/// weights of the fixtures' first layer) set to 3·10³⁸, re-sealed: finite
/// numbers, accepted by every check of the parser, that overflow f32 on the
/// way to the output (the chip reports layer 6, the last).
fn overflowing(bytes: &[u8]) -> Vec<u8> {
    let model = Model::parse(bytes).unwrap();
    let weights = model
        .sections()
        .find(|s| s.kind == Some(SectionKind::WeightsF32))
        .unwrap();
    let mut out = bytes.to_vec();
    let first_bias = weights.offset as usize + 4 * 16 * 10;
    for b in out[first_bias..first_bias + 4 * 16].chunks_exact_mut(4) {
        b.copy_from_slice(&3e38f32.to_le_bytes());
    }
    format::seal(&mut out);
    out
}

/// `bytes` with an anomaly detector on plan 0, its threshold the largest
/// score the model gives its own held-out samples.
fn with_detector(bytes: &[u8]) -> Vec<u8> {
    let model = Model::parse(bytes).unwrap();
    let (threshold, threshold_q) = match model.backend() {
        Backend::F32 | Backend::F16 => {
            let mut scratch = vec![0.0; model.scratch_len()];
            let sampler = &mut Sampler::embedded(&model, 0, &mut scratch).unwrap();
            let max = calibration_scores(sampler, &model)
                .into_iter()
                .fold(0f32, f32::max);
            (max, (f64::from(max) * 2f64.powi(32)).round() as i64)
        }
        Backend::Fixed => {
            let need = FixedScratch::of(&model.fixed_network().unwrap());
            let (mut a, mut r) = (vec![0; need.activations], vec![0; need.registers]);
            let sampler = &mut FixedSampler::embedded(&model, 0, &mut a, &mut r).unwrap();
            let max = calibration_scores(sampler, &model)
                .into_iter()
                .fold(0i64, i64::max);
            ((max as f64 / 2f64.powi(32)) as f32, max)
        }
    };
    let detector = AnomalyData {
        plan: 0,
        repeats: DETECTOR_REPEATS,
        rows: DETECTOR_ROWS.to_vec(),
        threshold,
        threshold_q,
    };
    format::append_section(bytes, SectionKind::Anomaly.code(), 0, detector.to_bytes()).unwrap()
}

/// The anomaly scores of [`CALIBRATION_SAMPLES`] of the model's samples.
fn calibration_scores<S: Stepper>(
    stepper: &mut S,
    model: &Model<'_>,
) -> Vec<<S::Value as StateValue>::Score> {
    let dim = model.topology().x_dim() as usize;
    let mut scores = Vec::new();
    for seed in CALIBRATION_SEED..CALIBRATION_SEED + CALIBRATION_SAMPLES {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut x = vec![S::Value::default(); dim];
        draw(stepper, &mut x, &mut rng);
        let mut work = vec![S::Value::default(); 2 * dim];
        let rows = DETECTOR_ROWS.into_iter();
        scores.push(
            stepper
                .anomaly_score(&x, rows, DETECTOR_REPEATS, &mut work, &mut rng)
                .unwrap(),
        );
    }
    scores
}

const MODELS: [&str; 6] = [
    "f32",
    "f16",
    "fixed",
    "fixed-29",
    "fixed-8d",
    "f32-overflow",
];

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
fn build(target: &str, model: &Path, name: &str, features: &[&str]) -> PathBuf {
    build_bin(
        "tinyscore-qemu",
        "tinyscore-qemu",
        target,
        model,
        name,
        features,
    )
}

/// Builds binary `bin` of firmware package `package` for `target` with
/// `model` embedded (where the package reads `TINYSCORE_MODEL`) and returns
/// a copy of the ELF of its own. The package is built alone, so its
/// features are its own.
fn build_bin(
    package: &str,
    bin: &str,
    target: &str,
    model: &Path,
    name: &str,
    features: &[&str],
) -> PathBuf {
    require_target(target);
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let status = firmware_cargo()
        .args([
            "build",
            "--release",
            "-p",
            package,
            "--bin",
            bin,
            "--target",
            target,
        ])
        .args(features.iter().flat_map(|f| ["--features", f]))
        .env("TINYSCORE_MODEL", model)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "{package} build for {target} failed");
    let built = firmware_dir().join(format!("target/{target}/release/{bin}"));
    let elf = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("firmware-{name}.elf"));
    std::fs::copy(&built, &elf).unwrap();
    elf
}

/// Runs `elf` on `machine` and returns the decoded defmt lines.
fn run(machine: &str, elf: &Path) -> Vec<String> {
    let (status, lines, stderr) = run_with_status(machine, elf);
    assert!(
        status.success(),
        "QEMU {machine} exited with {status}\nstdout:\n{}\nstderr:\n{stderr}",
        lines.join("\n")
    );
    lines
}

/// Runs `elf` on `machine` and returns QEMU's exit status (the firmware's),
/// the decoded defmt lines and what went to stderr.
fn run_with_status(machine: &str, elf: &Path) -> (std::process::ExitStatus, Vec<String>, String) {
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
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout.lines().map(str::to_owned).collect();
    (
        out.status,
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What the firmware does with a state element, as firmware/app's
/// `Element` does it.
trait Element: StateValue {
    fn word(self) -> u32;
    fn spiked(self) -> Self;
    fn score_bits(score: Self::Score) -> u64;
}

/// Spike of the anomaly example, model units (firmware/app `SPIKE`).
const SPIKE: i32 = 4;

impl Element for f32 {
    fn word(self) -> u32 {
        self.to_bits()
    }
    fn spiked(self) -> Self {
        self + SPIKE as f32
    }
    fn score_bits(score: f32) -> u64 {
        u64::from(score.to_bits())
    }
}

impl Element for i32 {
    fn word(self) -> u32 {
        self as u32
    }
    fn spiked(self) -> Self {
        self.saturating_add(SPIKE << STATE_FRAC_BITS)
    }
    fn score_bits(score: i64) -> u64 {
        score as u64
    }
}

/// The firmware's generator for item `i` (firmware/app `SEED`).
fn item_rng(i: usize) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(common::SEED + i as u64)
}

/// One sample in model units: noise, then every row.
fn draw<S: Stepper>(stepper: &mut S, x: &mut [S::Value], rng: &mut Xoshiro256PlusPlus) {
    stepper.init(x, rng).unwrap();
    while stepper.step(x, rng).unwrap() {}
}

/// `<label> [<word>, …]`, the words also added to `crc`.
fn state_line<T: Element>(label: String, x: &[T], crc: &mut format::Crc32) -> String {
    let hex: Vec<String> = x
        .iter()
        .map(|v| {
            crc.update(&v.word().to_le_bytes());
            format!("{:08x}", v.word())
        })
        .collect();
    format!("{label} [{}]", hex.join(", "))
}

/// The lines of the firmware's tasks, computed on the host with
/// `stepper` (plan 0) and `guided(class, x, rng)`, which draws a guided
/// sample.
fn task_lines<S: Stepper>(
    model: &Model<'_>,
    stepper: &mut S,
    mut guided: impl FnMut(u32, &mut [S::Value], &mut Xoshiro256PlusPlus),
) -> Vec<String>
where
    S::Value: Element,
{
    let dim = model.topology().x_dim() as usize;
    let n = common::SAMPLES;
    let mut lines = Vec::new();
    let mut x = vec![S::Value::default(); dim];
    let mut crc = format::Crc32::new();
    for i in 0..n {
        draw(stepper, &mut x, &mut item_rng(i));
        lines.push(state_line(format!("sample {i}"), &x, &mut crc));
    }
    lines.push(format!("crc {:08x}", crc.finish()));
    if model.classes() > 0 {
        let mut crc = format::Crc32::new();
        for i in 0..n {
            let class = i as u32 % model.classes();
            guided(class, &mut x, &mut item_rng(i));
            lines.push(state_line(
                format!("guided {i} class {class}"),
                &x,
                &mut crc,
            ));
        }
        lines.push(format!("crc {:08x}", crc.finish()));
    }
    // firmware/app's `dropped` and `RESAMPLE`
    let mut crc = format::Crc32::new();
    let mut observed = vec![S::Value::default(); dim];
    for i in 0..n {
        let mut rng = item_rng(i);
        draw(stepper, &mut observed, &mut rng);
        let mask: Vec<bool> = (0..dim)
            .map(|j| j % 4 != (i % 4) % dim.clamp(1, 4))
            .collect();
        stepper
            .impute(&mut x, &observed, &mask, 2, &mut rng)
            .unwrap();
        lines.push(state_line(format!("impute {i}"), &x, &mut crc));
    }
    lines.push(format!("crc {:08x}", crc.finish()));
    // firmware/app's SDEdit from the middle row
    let middle = model.plan(0).unwrap().header().rows / 2;
    let mut crc = format::Crc32::new();
    for i in 0..n {
        let mut rng = item_rng(i);
        draw(stepper, &mut x, &mut rng);
        x[i % dim] = x[i % dim].spiked();
        stepper.sdedit(&mut x, middle, &mut rng).unwrap();
        lines.push(state_line(format!("denoise {i}"), &x, &mut crc));
    }
    lines.push(format!("crc {:08x}", crc.finish()));
    if let Some(detector) = model.anomaly() {
        assert_eq!(detector.plan(), 0, "the fixtures' detectors use plan 0");
        let mut work = vec![S::Value::default(); 2 * dim];
        for i in 0..n {
            let mut rng = item_rng(i);
            draw(stepper, &mut x, &mut rng);
            for input in ["normal", "spike"] {
                if input == "spike" {
                    x[i % dim] = x[i % dim].spiked();
                }
                let verdict = stepper.detect(&x, &detector, &mut work, &mut rng).unwrap();
                let bits = S::Value::score_bits(verdict.score);
                lines.push(format!("score {i} {input} {bits:016x} {}", verdict.anomaly));
            }
        }
    }
    lines
}

/// Every line but the `model` and `cost` ones the firmware prints for
/// `bytes`, computed on the host.
fn expected(bytes: &[u8]) -> Vec<String> {
    let model = Model::parse(bytes).unwrap();
    match model.backend() {
        Backend::F32 | Backend::F16 => {
            let mut scratch = vec![0.0; model.scratch_len()];
            let mut guided_scratch = scratch.clone();
            let mut sampler = Sampler::embedded(&model, 0, &mut scratch).unwrap();
            task_lines(&model, &mut sampler, |class, x, rng| {
                let guidance = Guidance { class, weight: 1.5 };
                let scratch = &mut guided_scratch;
                draw(
                    &mut Sampler::embedded_guided(&model, 0, guidance, scratch).unwrap(),
                    x,
                    rng,
                );
            })
        }
        Backend::Fixed => {
            let need = FixedScratch::of(&model.fixed_network().unwrap());
            let (mut a, mut r) = (vec![0; need.activations], vec![0; need.registers]);
            let (mut guided_a, mut guided_r) = (a.clone(), r.clone());
            let mut sampler = FixedSampler::embedded(&model, 0, &mut a, &mut r).unwrap();
            task_lines(&model, &mut sampler, |class, x, rng| {
                // 1.5 in Q16.16, as the firmware's GUIDANCE_Q16.
                let guidance = Guidance {
                    class,
                    weight: 3 << 15,
                };
                let (a, r) = (&mut guided_a, &mut guided_r);
                draw(
                    &mut FixedSampler::embedded_guided(&model, 0, guidance, a, r).unwrap(),
                    x,
                    rng,
                );
            })
        }
    }
}

/// Builds, runs and compares the firmware for `target` on `machine` with
/// the committed model `name`.
fn check(target: &str, machine: &str, name: &str) {
    check_with(target, machine, name, &[]);
}

/// [`check`] of firmware/qemu built with `features`.
fn check_with(target: &str, machine: &str, name: &str, features: &[&str]) {
    let model = model_path(name);
    let bytes = std::fs::read(&model).unwrap();
    let elf_name = [&[machine, name][..], features].concat().join("-");
    let elf = build(target, &model, &elf_name, features);
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
        .filter(|l| !l.starts_with("model ") && !l.starts_with("cost "))
        .collect();
    let want = expected(&bytes);
    for task in ["sample ", "guided ", "impute ", "denoise ", "score "] {
        assert!(
            want.iter().any(|l| l.starts_with(task)),
            "the fixture {name} has no {task}task"
        );
    }
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
fn cortex_m4f_reports_a_model_whose_outputs_would_not_be_finite() {
    let name = "f32-overflow";
    let model = model_path(name);
    let bytes = std::fs::read(&model).unwrap();
    // The host refuses the first sample with the finite-output contract's
    // error ...
    let parsed = Model::parse(&bytes).expect("every parse check accepts it");
    let mut scratch = vec![0.0; parsed.scratch_len()];
    let mut sampler = Sampler::embedded(&parsed, 0, &mut scratch).unwrap();
    let mut x = vec![0.0; common::X_DIM as usize];
    let refused = sampler.sample(&mut x, &mut item_rng(0)).unwrap_err();
    assert!(refused.is_non_finite(), "{refused:?}");
    // ... and so does the chip: it reports the error and exits with status
    // 1, and prints no sample.
    let elf = build("thumbv7em-none-eabihf", &model, name, &[]);
    let (status, lines, stderr) = run_with_status("mps2-an386", &elf);
    assert_eq!(status.code(), Some(1), "{lines:?} {stderr}");
    assert!(lines.first().is_some_and(|l| l.starts_with("model F32 ")));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].starts_with("error Sampler(Net(NonFinite")
            || lines[1].starts_with("error Sampler(NonFinite"),
        "{lines:?}"
    );
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
fn cortex_m4f_dsp_kernel_with_leftover_rows_and_columns_is_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "fixed-29");
}

#[test]
fn cortex_m4f_whole_layers_in_the_dsp_routine_are_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "fixed-8d");
}

#[test]
fn cortex_m4f_model_in_unaligned_memory_is_bit_identical_to_the_host() {
    // The model two bytes past a word boundary: the DSP routines' word
    // loads are not allowed on its weights, so every block of tiles runs
    // the portable loop instead.
    check_with(
        "thumbv7em-none-eabihf",
        "mps2-an386",
        "fixed-8d",
        &["misaligned"],
    );
}

/// firmware/fixed-only: the runtime without its `float` feature (as the
/// firmware's size is measured) draws the same first samples as the host.
#[test]
fn fixed_only_runtime_is_bit_identical_to_the_host() {
    let model = model_path("fixed");
    let bytes = std::fs::read(&model).unwrap();
    // Its own copy of the ELF: the size benchmark builds the same path.
    let elf = build_bin(
        "tinyscore-fixed-only",
        "sample",
        "thumbv7em-none-eabihf",
        &model,
        "fixed-only",
        &[],
    );
    let got = run("mps2-an386", &elf);
    // The first samples of the firmware's plain-sample task (SAMPLES = 4 in
    // firmware/fixed-only/src/lib.rs).
    let want: Vec<String> = expected(&bytes).into_iter().take(4).collect();
    assert!(want.iter().all(|l| l.starts_with("sample ")), "{want:?}");
    assert_eq!(got, want, "the fixed-only runtime and the host differ");
}

/// firmware/fixed-only's `check` (the loader alone, built to measure its
/// size) accepts the model it is measured with: it exits 0 after the
/// parse, printing what `baseline` prints.
#[test]
fn fixed_only_loader_accepts_its_model() {
    let model = model_path("fixed");
    let elf = build_bin(
        "tinyscore-fixed-only",
        "check",
        "thumbv7em-none-eabihf",
        &model,
        "fixed-only-check",
        &[],
    );
    let got = run("mps2-an386", &elf);
    let len = std::fs::metadata(&model).unwrap().len();
    assert_eq!(got.first(), Some(&format!("model {len} bytes")), "{got:?}");
}

#[test]
fn cortex_m0_fixed_is_bit_identical_to_the_host() {
    check("thumbv6m-none-eabi", "microbit", "fixed");
}

#[test]
fn riscv32_fixed_is_bit_identical_to_the_host() {
    check("riscv32imac-unknown-none-elf", "virt", "fixed");
}

// ---- No panic path ----------------------------------------------------------

/// `llvm-objdump` of the toolchain's `llvm-tools` component.
fn llvm_objdump() -> PathBuf {
    let rustc = |args: &[&str]| {
        let out = Command::new("rustc")
            .args(args)
            .output()
            .expect("rustc runs");
        String::from_utf8(out.stdout).unwrap()
    };
    let host = rustc(&["-vV"])
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_owned();
    let sysroot = rustc(&["--print", "sysroot"]);
    let path = Path::new(sysroot.trim()).join(format!("lib/rustlib/{host}/bin/llvm-objdump"));
    assert!(
        path.exists(),
        "llvm-objdump is missing; install it with: rustup component add llvm-tools"
    );
    path
}

/// Whether `symbol` is one of core's panic entry points: `core::panicking`,
/// the slice index failures, `unwrap_failed` and `expect_failed`.
fn is_panic_entry(symbol: &str) -> bool {
    const ENTRIES: [&str; 6] = [
        "panicking",
        "index_fail",
        "index_len_fail",
        "index_order_fail",
        "unwrap_failed",
        "expect_failed",
    ];
    ENTRIES.iter().any(|p| symbol.contains(p))
}

/// The runtime's functions that branch to a panic entry point, from an
/// `llvm-objdump -d` listing. An Arm branch shows its target as
/// `<symbol>`; a RISC-V call is `auipc` and `jalr`/`jr` through a register,
/// whose target is worked out here and looked up among the listing's
/// labels. Mapping symbols such as `$t` and `$d` are not functions.
fn runtime_functions_that_panic(listing: &str) -> Vec<String> {
    let labels: HashMap<u64, &str> = listing.lines().filter_map(label).collect();
    let mut function = "";
    let mut registers: HashMap<String, u64> = HashMap::new();
    let mut found: Vec<String> = Vec::new();
    for line in listing.lines() {
        if let Some((_, name)) = label(line) {
            if !name.starts_with('$') {
                function = name;
            }
            continue;
        }
        let mut fields = line.split_whitespace();
        let address = fields.next().and_then(|a| a.strip_suffix(':'));
        let address = address.and_then(|a| u64::from_str_radix(a, 16).ok());
        let (Some(address), Some(op)) = (address, fields.next()) else {
            continue;
        };
        let operands: String = fields.collect();
        let target = match op {
            // auipc rd, imm20: rd = pc + sign-extended imm20 · 4096.
            "auipc" => {
                if let Some((rd, imm)) = operands.split_once(',') {
                    let imm: i64 = imm.parse().unwrap_or(0);
                    let imm = if imm >= 1 << 19 { imm - (1 << 20) } else { imm };
                    registers.insert(rd.to_owned(), address.wrapping_add_signed(imm << 12));
                }
                None
            }
            // jalr/jr offset(rs), after an auipc of rs.
            "jalr" | "jr" => operands.strip_suffix(')').and_then(|o| {
                let (offset, rs) = o.split_once('(')?;
                let base = registers.get(rs)?;
                Some(base.wrapping_add_signed(offset.parse().ok()?))
            }),
            _ => None,
        };
        let target = match target {
            Some(t) => labels.get(&t).copied(),
            None => line.rsplit_once('<').map(|(_, t)| t),
        };
        if target.is_some_and(is_panic_entry)
            && function.contains("tinyscore")
            && !found.iter().any(|f| f == function)
        {
            found.push(function.to_owned());
        }
    }
    found
}

/// The address and name of a label line (`80001000 <name>:`).
fn label(line: &str) -> Option<(u64, &str)> {
    let (address, name) = line.strip_suffix(">:")?.split_once(" <")?;
    Some((u64::from_str_radix(address, 16).ok()?, name))
}

#[test]
fn the_panic_scan_finds_a_branch_to_a_panic() {
    // Shaped as llvm-objdump prints Thumb code (this one from forward's
    // unchecked scratch split, which had such a branch).
    let arm = "\
00003198 <_ZN9tinyscore5fixed7network12FixedNetwork7forward17h890c2f173064beffE>:
    3198:      \tpush\t{r4, r5, r6, r7, lr}
00003372 <$t>:
    37c0:      \tbl\t0x1e0c <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt> @ imm = #-6584
00003800 <_ZN4defmt6export3fmt17h9023c3592cc79f10E>:
    3804:      \tbl\t0x1e0c <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt> @ imm = #-6648
";
    assert_eq!(
        runtime_functions_that_panic(arm),
        ["_ZN9tinyscore5fixed7network12FixedNetwork7forward17h890c2f173064beffE"]
    );
    // RISC-V: 0x80001000 + 1·4096 − 8 = 0x80001ff8, the panic; the second
    // call, 0x80001008 − 4096 − 8 = 0x80000000, is to `sample`.
    let riscv = "\
80000000 <_ZN9tinyscore5fixed7sampler6sample17h0000000000000000E>:
80000004:      \tret
80001000 <_ZN9tinyscore5fixed7sampler11x0_estimate17h0000000000000000E>:
80001000:      \tauipc\tra, 1
80001004:      \tjalr\t-8(ra)
80001008:      \tauipc\tra, 1048575
8000100c:      \tjalr\t-8(ra)
80001ff8 <_RNvNtCscB4ypgrvJIh_4core9panicking9panic_fmt>:
80001ff8:      \tj\t0x80001ff8 <_RNvNtCscB4ypgrvJIh_4core9panicking9panic_fmt>
";
    assert_eq!(
        runtime_functions_that_panic(riscv),
        ["_ZN9tinyscore5fixed7sampler11x0_estimate17h0000000000000000E"]
    );
}

/// No panic after load, as the compiler sees it: in the firmware
/// (Cortex-M4F with the float backends and with the fixed-point one and its
/// DSP kernel, Cortex-M0, RISC-V, and the runtime without `float`), no
/// function of the runtime branches to a panic, so no input can reach one.
#[test]
fn runtime_code_has_no_panic_path() {
    let objdump = llvm_objdump();
    let elves = [
        build(
            "thumbv7em-none-eabihf",
            &model_path("f32"),
            "nopanic-m4f-f32",
            &[],
        ),
        build(
            "thumbv7em-none-eabihf",
            &model_path("fixed"),
            "nopanic-m4f-fixed",
            &[],
        ),
        build(
            "thumbv6m-none-eabi",
            &model_path("fixed"),
            "nopanic-m0-fixed",
            &[],
        ),
        build(
            "riscv32imac-unknown-none-elf",
            &model_path("fixed"),
            "nopanic-riscv32-fixed",
            &[],
        ),
        build_bin(
            "tinyscore-fixed-only",
            "sample",
            "thumbv7em-none-eabihf",
            &model_path("fixed"),
            "nopanic-fixed-only",
            &[],
        ),
    ];
    for elf in elves {
        let out = Command::new(&objdump)
            .args(["-d", "--no-show-raw-insn"])
            .arg(&elf)
            .output()
            .expect("llvm-objdump runs");
        assert!(out.status.success(), "llvm-objdump {}", elf.display());
        let listing = String::from_utf8_lossy(&out.stdout);
        // The scan must see the runtime at all.
        assert!(listing.contains("tinyscore"), "{}", elf.display());
        let found = runtime_functions_that_panic(&listing);
        assert!(
            found.is_empty(),
            "{}: these functions of the runtime can panic: {found:#?}",
            elf.display()
        );
    }
}
