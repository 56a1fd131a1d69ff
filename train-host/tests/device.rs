//! One's own model on the chip: a 96-dimensional class-conditional model,
//! trained and exported in fixed point by the command, run in QEMU on the
//! Cortex-M4F through `tinyscore qemu` (which builds the firmware with the
//! model, its buffers sized from it, and checks every line against the
//! runtime on the host), and the firmware's samples in data units compared
//! with what `tinyscore sample` writes for the same seed, with and without
//! `--class`.
//!
//! Needs what firmware/README.md lists (QEMU, `defmt-print`, the
//! `thumbv7em-none-eabihf` target); `bash scripts/test.sh` installs them,
//! and the command names the missing one otherwise.

mod common;

use common::{refused, run};
use std::path::Path;

/// Data dimension: above the firmware's former fixed limit of 64, and
/// three states of it (a guided fixed-point sampler's registers) above its
/// former register capacity of 256.
const DIM: usize = 96;
const CLASSES: usize = 3;
/// Items per task in the firmware, and samples per `tinyscore sample`.
const ITEMS: usize = 12;
const SEED: &str = "7";

/// `rows` windows of three kinds of wave (class k: k + 1 periods across
/// the window, random phase and amplitude), a label column last.
fn write_waves(path: &Path, rows: usize) {
    let mut text: Vec<String> = (0..DIM).map(|j| format!("v{j}")).collect();
    text.push("kind".into());
    let mut out = text.join(",") + "\n";
    for r in 0..rows {
        let class = r % CLASSES;
        // A fixed pseudo-random phase and amplitude per row.
        let u = ((r * 2_654_435_761) % 1000) as f64 / 1000.0;
        let amp = 0.5 + u;
        let cells: Vec<String> = (0..DIM)
            .map(|j| {
                let t = j as f64 / DIM as f64;
                let v = amp * (std::f64::consts::TAU * ((class + 1) as f64 * t + u)).sin();
                format!("{v:.4}")
            })
            .collect();
        out += &format!("{},k{class}\n", cells.join(","));
    }
    std::fs::write(path, out).unwrap();
}

/// The rows of a CSV written by `tinyscore sample` (header skipped).
fn csv_rows(path: &Path) -> Vec<Vec<f32>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// The values in data units of the firmware's line `<label> [<word>, …]
/// data [<value>, …]` for `label`, as printed.
fn firmware_values(lines: &[&str], label: &str) -> Vec<f32> {
    let line = lines
        .iter()
        .find(|l| l.starts_with(&format!("{label} [")))
        .unwrap_or_else(|| panic!("no line {label}"));
    let data = line.split(" data [").nth(1).unwrap().trim_end_matches(']');
    data.split(", ").map(|v| v.parse().unwrap()).collect()
}

/// `tinyscore qemu MODEL` with seed [`SEED`] and [`ITEMS`] items per task
/// (which fails unless every line matches the host): its report and the
/// firmware's output.
fn on_the_chip(model: &str, d: &Path) -> (String, String) {
    // The firmware repository of this checkout, wherever the test runs.
    let firmware = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware");
    let report = run(
        &[
            "qemu",
            model,
            "--seed",
            SEED,
            "-n",
            &ITEMS.to_string(),
            "--firmware",
            firmware.to_str().unwrap(),
            "-o",
            "chip.txt",
        ],
        d,
    );
    (report, std::fs::read_to_string(d.join("chip.txt")).unwrap())
}

#[test]
fn a_96_dimensional_class_conditional_model_runs_in_qemu_as_on_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_waves(&d.join("waves.csv"), 300);
    run(
        &[
            "train",
            "--data",
            "waves.csv",
            "--labels",
            "kind",
            "--out",
            "run",
            "--steps",
            "150",
            "--width",
            "32",
            "--depth",
            "2",
            "--batch",
            "64",
        ],
        d,
    );
    run(
        &[
            "export",
            "run",
            "-o",
            "waves.tsm",
            "--backend",
            "fixed",
            "--sampler",
            "ddim",
            "--steps",
            "8",
            "--calibration-samples",
            "32",
            "--anomaly-normal",
            "waves.csv",
            "--labels",
            "kind",
        ],
        d,
    );
    let (report, chip) = on_the_chip("waves.tsm", d);
    let lines: Vec<&str> = chip.lines().collect();
    assert!(
        lines[0].starts_with(&format!("model Fixed dim {DIM} "))
            && lines[0].contains(" classes 3 "),
        "{report}\n{chip}"
    );
    for task in ["sample", "guided", "impute", "denoise", "score"] {
        let n = lines
            .iter()
            .filter(|l| l.starts_with(&format!("{task} ")))
            .count();
        let per_item = if task == "score" { 2 } else { 1 };
        assert_eq!(n, ITEMS * per_item, "{task} lines: {chip}");
    }

    // Plain samples: row i of `tinyscore sample --seed 7`.
    let n = ITEMS.to_string();
    run(
        &[
            "sample",
            "waves.tsm",
            "-n",
            &n,
            "--seed",
            SEED,
            "-o",
            "plain.csv",
        ],
        d,
    );
    for (i, row) in csv_rows(&d.join("plain.csv")).iter().enumerate() {
        assert_eq!(row.len(), DIM);
        assert_eq!(
            &firmware_values(&lines, &format!("sample {i}")),
            row,
            "sample {i}"
        );
    }
    // Guided sample i is of class i mod 3 at weight 1.5: row i of `tinyscore
    // sample --class (i mod 3) --guidance 1.5 --seed 7`.
    for class in 0..CLASSES {
        let out = format!("class{class}.csv");
        let args = [
            "--class",
            &class.to_string(),
            "--guidance",
            "1.5",
            "-o",
            &out,
        ];
        run(
            &[
                &["sample", "waves.tsm", "-n", &n, "--seed", SEED][..],
                &args,
            ]
            .concat(),
            d,
        );
        for (i, row) in csv_rows(&d.join(&out)).iter().enumerate() {
            if i % CLASSES == class {
                let label = format!("guided {i} class {class}");
                assert_eq!(&firmware_values(&lines, &label), row, "{label}");
            }
        }
    }
}

#[test]
fn qemu_names_a_missing_firmware_tree() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware/models/fixed.tsm");
    refused(
        &["qemu", model.to_str().unwrap(), "--firmware", "nowhere"],
        d,
        "no firmware tree at nowhere (it needs qemu/Cargo.toml)",
    );
}

#[test]
fn qemu_names_a_missing_qemu_with_its_install_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A PATH that holds cargo and rustup and nothing else.
    let bin = d.join("bin");
    std::fs::create_dir(&bin).unwrap();
    for tool in ["cargo", "rustup"] {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{tool} is on the PATH"));
        std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tinyscore"))
        .arg("qemu")
        .arg(manifest.join("../firmware/models/fixed.tsm"))
        .arg("--firmware")
        .arg(manifest.join("../firmware"))
        .env("PATH", &bin)
        .current_dir(d)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "`qemu-system-arm` is missing; install it with: apt-get install qemu-system-arm"
        ),
        "{stderr}"
    );
}

/// A few-step student on the chip: a 4-step student distilled from a small
/// moons model (a short schedule of rounds: this is about bits, not
/// quality), exported in fixed point, where a 4-row plan keeps its time
/// folded into bias rows, and run in QEMU by `tinyscore qemu`, which checks
/// every line the firmware prints against the runtime on the host.
#[test]
fn a_distilled_four_step_student_runs_in_qemu_as_on_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = ["--width", "32", "--depth", "2", "--batch", "64"];
    run(
        &[
            &[
                "train", "--data", "moons", "--out", "teacher", "--steps", "150",
            ][..],
            &small,
        ]
        .concat(),
        d,
    );
    run(
        &[
            "distill",
            "teacher",
            "--out",
            "student",
            "--steps",
            "4",
            "--teacher-steps",
            "16",
            "--round-steps",
            "20",
            "--batch",
            "64",
        ],
        d,
    );
    run(
        &[
            "export",
            "student",
            "-o",
            "student.tsm",
            "--backend",
            "fixed",
            "--calibration-samples",
            "32",
        ],
        d,
    );
    let inspect = run(&["inspect", "student.tsm"], d);
    assert!(
        inspect.contains("ddim 4 steps") && inspect.contains("time       folded"),
        "{inspect}"
    );
    let (_, chip) = on_the_chip("student.tsm", d);
    let samples = chip.lines().filter(|l| l.starts_with("sample ")).count();
    assert_eq!(samples, ITEMS, "{chip}");
}
