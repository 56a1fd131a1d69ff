//! The `tinyscore` command never panics and never runs away: one test per
//! class an independent robustness run found — output that cannot be
//! written, unbounded input, format limits found only at export, messages
//! quoting a whole bad cell, temporary files left behind, and accepted
//! models that sampled NaN.

mod common;

use common::{refused, run, tinyscore, train_tiny};
use std::path::Path;
use std::process::{Command, Stdio};
use tinyscore::format::{self, Model, SectionKind};

/// `tinyscore args` in `dir` with stdout a pipe whose reader has already
/// gone (as `| head -c1` leaves it once `head` has exited).
fn into_closed_pipe(args: &[&str], dir: &Path) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_tinyscore"))
        .args(args)
        .current_dir(dir)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// `tinyscore args` in `dir` with stdout on a full disk (`/dev/full`).
fn onto_full_disk(args: &[&str], dir: &Path) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_tinyscore"))
        .args(args)
        .current_dir(dir)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// A tiny f32 model with an anomaly detector in `dir/m.tsm`, and rows to
/// score in `dir/x.csv`.
fn model_and_rows(dir: &Path) {
    train_tiny("moons", dir);
    run(
        &[
            "export",
            "run",
            "-o",
            "m.tsm",
            "--sampler",
            "ddim",
            "--steps",
            "4",
            "--anomaly-normal",
            "moons",
        ],
        dir,
    );
    std::fs::write(dir.join("x.csv"), "x,y\n0.5,0.25\n1,-0.5\n").unwrap();
}

const PRINTING: [&[&str]; 4] = [
    &["inspect", "m.tsm"],
    &["score", "m.tsm", "--input", "x.csv"],
    &[
        "plan",
        "--schedule",
        "linear",
        "--sampler",
        "ddim",
        "--steps",
        "4",
    ],
    &["--help"],
];

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    model_and_rows(dir.path());
    for args in PRINTING {
        let out = into_closed_pipe(args, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        // Progress and notes may go to stderr; no error and no panic.
        assert!(
            !stderr.contains("error") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_full_disk_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    model_and_rows(dir.path());
    for args in PRINTING {
        let out = onto_full_disk(args, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("No space left on device") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn input_is_bounded_in_line_length_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The robustness run's file: one 10 MB line of 2.5 million cells.
    let long = "1.5,".repeat(2_500_000) + "1.5\n";
    std::fs::write(d.join("long.csv"), &long).unwrap();
    // 5 000 columns in a short line (under 1 MiB).
    let wide = vec!["1"; 5000].join(",") + "\n" + &vec!["2"; 5000].join(",") + "\n";
    std::fs::write(d.join("wide.csv"), &wide).unwrap();
    let train = |data: &'static str| ["train", "--data", data, "--out", "run", "--steps", "2"];
    refused(
        &train("long.csv"),
        d,
        "long.csv:1: line longer than 1048576 bytes",
    );
    refused(&train("wide.csv"), d, "wide.csv:1: 5000 columns");
    assert!(!d.join("run").exists());
}

#[test]
fn format_limits_are_checked_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 4 090 columns fit the format's 4 096 data dimensions, but not with
    // the 32-wide time embedding in the first layer.
    let row = vec!["1"; 4090].join(",");
    std::fs::write(d.join("d.csv"), format!("{row}\n{row}\n")).unwrap();
    let train = ["train", "--data", "d.csv", "--out", "run", "--steps", "2"];
    refused(&train, d, "make a first layer 4122 wide");
    let moons = ["train", "--data", "moons", "--out", "run", "--steps", "2"];
    refused(
        &[&moons[..], &["--width", "5000"]].concat(),
        d,
        "5000 is not in 1..=4096",
    );
    refused(
        &[&moons[..], &["--depth", "17"]].concat(),
        d,
        "depth of 1 to 16",
    );
    assert!(!d.join("run").exists());
}

#[test]
fn messages_quote_only_a_prefix_of_a_bad_cell() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cell = "x".repeat(100_000);
    std::fs::write(d.join("bad.csv"), format!("1,2\n3,{cell}\n")).unwrap();
    let out = tinyscore(
        &["train", "--data", "bad.csv", "--out", "run", "--steps", "2"],
        d,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("bad.csv:2:2"), "{stderr}");
    assert!(stderr.contains("… (100000 bytes)"), "{stderr}");
    assert!(stderr.len() < 200, "{} bytes: {stderr}", stderr.len());
}

#[test]
fn a_resumed_run_removes_temporary_files_of_killed_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train_tiny("moons", d);
    // What a kill during a checkpoint write leaves behind.
    let leftovers = [
        ".weights.safetensors.Ab3xYz.tmp",
        ".weights.safetensors.Q9rT2k.tmp",
        ".config.json.Ab3xYz.tmp",
    ];
    for name in leftovers {
        std::fs::write(d.join("run").join(name), b"partial").unwrap();
    }
    run(
        &[
            "train", "--data", "moons", "--out", "run", "--steps", "10", "--width", "8", "--depth",
            "1", "--batch", "32", "--resume",
        ],
        d,
    );
    for name in leftovers {
        assert!(!d.join("run").join(name).exists(), "{name} left behind");
    }
}

/// `bytes` with the `index`-th f32 of its section of `kind` set to `value`,
/// re-sealed.
fn with_f32(bytes: &[u8], kind: SectionKind, index: usize, value: f32) -> Vec<u8> {
    let model = Model::parse(bytes).unwrap();
    let section = model
        .sections()
        .find(|s| s.kind == Some(kind))
        .expect("the section");
    let at = section.offset as usize + 4 * index;
    let mut out = bytes.to_vec();
    out[at..at + 4].copy_from_slice(&value.to_le_bytes());
    format::seal(&mut out);
    out
}

#[test]
fn models_that_would_sample_garbage_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model_and_rows(d);
    let bytes = std::fs::read(d.join("m.tsm")).unwrap();
    // The robustness run's examples: one f32 weight of 4e29; a normalisation
    // scale of 1.4e-40 (the first dimension's; scales follow the 2 means),
    // whose anomaly scores were printed as `NaN,0`, "not an anomaly".
    // The weight's samples overflow only without the default x̂₀ clip,
    // which keeps every state within the training range.
    run(
        &[
            "export",
            "run",
            "-o",
            "unclipped.tsm",
            "--sampler",
            "ddim",
            "--steps",
            "4",
            "--clip",
            "none",
        ],
        d,
    );
    let unclipped = std::fs::read(d.join("unclipped.tsm")).unwrap();
    let weight = with_f32(&unclipped, SectionKind::WeightsF32, 0, 4e29);
    let clipped_weight = with_f32(&bytes, SectionKind::WeightsF32, 0, 4e29);
    let scale = with_f32(&bytes, SectionKind::Normalization, 2, 1.4e-40);
    std::fs::write(d.join("weight.tsm"), weight).unwrap();
    std::fs::write(d.join("clipped-weight.tsm"), clipped_weight).unwrap();
    std::fs::write(d.join("scale.tsm"), scale).unwrap();
    let sample = |m: &'static str| ["sample", m, "-n", "64", "-o", "s.csv"];
    refused(&sample("weight.tsm"), d, "not finite");
    refused(&["score", "scale.tsm", "--input", "x.csv"], d, "not finite");
    assert!(!d.join("s.csv").exists());
    run(&sample("clipped-weight.tsm"), d);
    let text = std::fs::read_to_string(d.join("s.csv")).unwrap();
    let values: Vec<f32> = text
        .lines()
        .skip(1)
        .flat_map(|l| l.split(',').map(|v| v.parse::<f32>().unwrap()))
        .collect();
    assert!(
        values.iter().all(|v| v.is_finite() && v.abs() < 10.0),
        "{values:?}"
    );
}

#[test]
fn guidance_weights_that_would_overflow_are_refused_in_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(
        &[
            "train",
            "--data",
            "8gaussians",
            "--labels",
            "component",
            "--out",
            "run",
            "--steps",
            "5",
            "--width",
            "8",
            "--depth",
            "1",
            "--batch",
            "32",
        ],
        d,
    );
    for backend in ["f32", "f16", "fixed"] {
        let model = format!("{backend}.tsm");
        run(
            &[
                "export",
                "run",
                "-o",
                &model,
                "--backend",
                backend,
                "--sampler",
                "ddim",
                "--steps",
                "4",
                "--calibration-samples",
                "8",
            ],
            d,
        );
        let sample = ["sample", &model, "-n", "4", "-o", "s.csv", "--class", "0"];
        refused(
            &[&sample[..], &["--guidance", "3e38"]].concat(),
            d,
            "in [0, 100]",
        );
        assert!(!d.join("s.csv").exists());
    }
}
