//! The firmware in QEMU against the runtime on the host: same model, plan
//! and seeds, bit-identical samples.
//!
//! Each test builds `firmware/qemu` for one target with one model embedded,
//! boots it in QEMU (firmware/qemu/run.sh, output decoded by `defmt-print`)
//! and expects, line for line, what the host computes for the firmware's
//! tasks with the runtime ([`expected_output`], as `tinyscore qemu` does):
//! the model line, plain samples, guided samples of each class,
//! imputations and SDEdit denoisings (bits and values in data units) and
//! anomaly verdicts (the tasks and the output format are documented in
//! firmware/app/src/lib.rs).
//! Cortex-M4F (`mps2-an386`) runs all three backends; Cortex-M0
//! (`microbit`) and RISC-V (`virt`) run the fixed-point one. On the
//! Cortex-M4F, `firmware/fixed-only` also runs the runtime built without its
//! `float` feature.
//!
//! The models are firmware/models/{f32,f16,fixed,fixed-29,fixed-8d,fixed-3d,fixed-edm,fixed-embedded}.tsm:
//! the fixtures of tests/common made class-conditional with 3 classes
//! ([`common::conditional_spec`] of [`common::small_spec`], its f16 version,
//! and of the bias-table MLP quantised, at hidden width 16 and 29, and for
//! 8-dimensional data, and an EDM-parameterised one (`Sde::Edm`,
//! v-prediction, DPM-Solver++(2M) on its ρ-grid) — the last three on the
//! Cortex-M4F only), each with a
//! data range whose x̂₀ clip acts on its samples ([`with_data_range`]) and
//! an anomaly detector calibrated on its own samples ([`with_detector`]),
//! written by this file; and firmware/models/f32-overflow.tsm, the f32
//! model with first-layer biases of 3·10³⁸ that every parse check accepts
//! and whose outputs would not be finite: the firmware must report the
//! error, not print samples
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

use common::panic_scan::{functions_that_panic_in, runtime_functions_that_panic};
use common::programs::{output, require};
use common::tasks::{DataUnits, ITEMS, Run, SEED, draw, expected, expected_output, item_rng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use tinyscore::fixed::quantize::quantize;
use tinyscore::fixed::{FixedSampler, FixedScratch, state_to_f32};
use tinyscore::format::{self, AnomalyData, Backend, Model, SectionKind, WeightsData};
use tinyscore::plan::{PlanSpec, Prediction, SamplerKind};
use tinyscore::sampler::Sampler;
use tinyscore::schedule::{Schedule, Sde};
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
        "fixed-edm" => {
            // EDM: Karras et al.'s noise levels (σ 0.002 to 80, ρ = 7) as a
            // VP process, v-prediction (EDM's preconditioning), and
            // DPM-Solver++(2M) on its ρ-grid.
            let edm = Schedule::Sde(Sde::Edm {
                sigma_min: 0.002,
                sigma_max: 80.0,
                rho: 7.0,
            });
            let plan = PlanSpec {
                prediction: Prediction::Velocity,
                ..PlanSpec::new(SamplerKind::DpmSolverPp2m, 10)
            };
            let base = common::mlp_spec_on(edm, plan, common::X_DIM, 16, 8, true);
            let conditional = common::conditional_spec(base, CLASSES);
            let scales = common::trajectory_scales(&conditional, 64, 1.25);
            spec = quantize(&conditional, &scales).unwrap();
        }
        "fixed" | "fixed-29" | "fixed-8d" | "fixed-3d" => {
            // fixed-29: hidden width 29, so that the dense kernels meet
            // rows and columns left over after their blocks (4 rows; 8
            // columns in the Cortex-M4's DSP loop, which also runs an odd
            // number of blocks, 3). fixed-8d: 8-dimensional data, so that
            // every layer, the first with its time and class rows, runs
            // whole in the Cortex-M4's DSP routine. fixed-3d: 3-dimensional
            // data and width 12, so that the DSP routine's last layer runs
            // three rows after no block (two together, then one), each over
            // a tile and 4 columns after it.
            let (x_dim, hidden) = match name {
                "fixed" => (common::X_DIM, 16),
                "fixed-29" => (common::X_DIM, 29),
                "fixed-3d" => (3, 12),
                _ => (8, 16),
            };
            let base = common::mlp_spec_of_dim(x_dim, hidden, 8, 10, true);
            let conditional = common::conditional_spec(base, CLASSES);
            let scales = common::trajectory_scales(&conditional, 64, 1.25);
            spec = quantize(&conditional, &scales).unwrap();
        }
        "fixed-embedded" => {
            // The fixed fixture's network with its time embedded on the
            // device (format 1.7): rows carry their time, the first layer
            // takes the integer embedding beside the state. Calibrated on
            // the folded form of the same network (the same tensors).
            let folded = common::conditional_spec(common::mlp_spec(16, 8, 10, true), CLASSES);
            let scales = common::trajectory_scales(&folded, 64, 1.25);
            let embedded = common::conditional_spec(common::mlp_spec(16, 8, 10, false), CLASSES);
            spec = quantize(&embedded, &scales).unwrap();
        }
        "f32-overflow" => return overflowing(&fixture("f32")),
        other => unreachable!("no fixture {other}"),
    }
    with_detector(&with_data_range(&format::write(&spec).unwrap()))
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

/// `bytes` with a data range whose clip acts: in every dimension, half the
/// largest |value| (model units) of the model's own unclipped samples.
fn with_data_range(bytes: &[u8]) -> Vec<u8> {
    let model = Model::parse(bytes).unwrap();
    let dim = model.topology().x_dim() as usize;
    let model_units: Vec<f32> = match model.backend() {
        Backend::Fixed => common::fixed_samples(bytes)
            .0
            .into_iter()
            .map(state_to_f32)
            .collect(),
        Backend::F32 | Backend::F16 => {
            let mut x = common::float_samples(bytes);
            x.chunks_exact_mut(dim)
                .for_each(|v| model.normalization().to_model(v));
            x
        }
    };
    let half = model_units.iter().fold(0f32, |m, v| m.max(v.abs())) / 2.0;
    common::with_data_range(bytes, half, true)
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
        weights: None,
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
        draw(stepper, &mut x, &mut rng).unwrap();
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

const MODELS: [&str; 9] = [
    "f32",
    "f16",
    "fixed",
    "fixed-29",
    "fixed-8d",
    "fixed-3d",
    "fixed-edm",
    "fixed-embedded",
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

/// Runs `elf` on `machine` and returns the decoded defmt lines; fails
/// unless the firmware exits 0.
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
    output(
        Command::new(firmware_dir().join("qemu/run.sh"))
            .args([machine.as_ref(), elf.as_os_str()])
            .env("QEMU_TIMEOUT", QEMU_TIMEOUT),
        &format!("QEMU {machine}"),
    )
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
    let got: Vec<&String> = lines.iter().filter(|l| !l.starts_with("cost ")).collect();
    let run = Run {
        seed: SEED,
        items: ITEMS,
        data_units: DataUnits::Decimal,
    };
    let want = expected_output(&bytes, &run).unwrap();
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
fn cortex_m4f_edm_model_is_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "fixed-edm");
}

#[test]
fn cortex_m4f_time_embedded_on_the_device_is_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "fixed-embedded");
}

#[test]
fn cortex_m4f_dsp_routine_rows_after_the_blocks_are_bit_identical_to_the_host() {
    check("thumbv7em-none-eabihf", "mps2-an386", "fixed-3d");
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
    let want: Vec<String> = expected(&bytes, DataUnits::Omitted)
        .into_iter()
        .take(4)
        .collect();
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

/// The firmware's buffers are sized from its model when it is built
/// (firmware/buffers); a model whose buffers do not fit the machine's RAM
/// stops the build with the model's need and the RAM: here a
/// 1024-dimensional f32 model, whose scratch alone (`Model::scratch_len`)
/// is 12 KB, on the Cortex-M0's 16 KB.
#[test]
fn cortex_m0_build_names_a_model_too_large_for_its_ram() {
    require_target("thumbv6m-none-eabi");
    let bytes = format::write(&common::mlp_spec_of_dim(1024, 16, 8, 10, false)).unwrap();
    let scratch = 4 * Model::parse(&bytes).unwrap().scratch_len();
    let model = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("too-large-for-the-m0.tsm");
    std::fs::write(&model, &bytes).unwrap();
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let out = firmware_cargo()
        .args(["build", "--release", "-p", "tinyscore-qemu"])
        .args(["--target", "thumbv6m-none-eabi"])
        .env("TINYSCORE_MODEL", &model)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("the model needs")
            && stderr.contains(&format!("({scratch} of scratch"))
            && stderr.contains("the machine has 16384 (microbit)"),
        "{stderr}"
    );
}

// ---- No panic path ----------------------------------------------------------

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
        let found = functions_that_panic_in(&elf);
        assert!(
            found.is_empty(),
            "{}: these functions of the runtime can panic: {found:#?}",
            elf.display()
        );
    }
}
