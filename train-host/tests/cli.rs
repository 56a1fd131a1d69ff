//! The `tinyscore` command on bad input: a clear one-line message naming the
//! problem, a non-zero exit status, and no output file left behind.

mod common;

use common::tinyscore;
use std::path::Path;

/// Asserts failure with `needle` in the message and no files created.
fn fails(args: &[&str], dir: &Path, needle: &str) {
    let before: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let out = tinyscore(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: expected `{needle}` in: {stderr}"
    );
    let after: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after, "{args:?} left files behind");
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn training_data_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "nan.csv", "x,y\n1,2\n3,nan\n");
    write(d, "ragged.csv", "1,2\n3,4,5\n");
    write(d, "empty.csv", "");
    write(d, "blank.csv", "1,2\n\n3,4\n");
    write(d, "text.csv", "1,2\n3,abc\n");
    let cases = [
        ("nan.csv", "nan.csv:3:2"),
        ("ragged.csv", "ragged.csv:2"),
        ("empty.csv", "empty.csv"),
        ("blank.csv", "blank.csv:2"),
        ("text.csv", "text.csv:2:2"),
        ("missing.csv", "missing.csv"),
        ("moon", "unknown data source"),
    ];
    for (data, needle) in cases {
        fails(
            &["train", "--data", data, "--out", "run", "--steps", "2"],
            d,
            needle,
        );
    }
}

#[test]
fn bad_options_are_rejected_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails(
        &[
            "train",
            "--data",
            "moons",
            "--out",
            "run",
            "--schedule",
            "warp",
        ],
        d,
        "unknown schedule",
    );
    fails(
        &[
            "train",
            "--data",
            "moons",
            "--out",
            "run",
            "--objective",
            "nce",
        ],
        d,
        "objective",
    );
    fails(
        &[
            "train",
            "--data",
            "moons",
            "--out",
            "run",
            "--prediction",
            "y",
        ],
        d,
        "prediction",
    );
    for (option, value, needle) in [
        ("--probe", "uniform", "probe"),
        ("--weighting", "likelihood", "SDE"),
        ("--t-sampling", "sobol", "t-sampling"),
    ] {
        fails(
            &["train", "--data", "moons", "--out", "run", option, value],
            d,
            needle,
        );
    }
    fails(&["export", "no-run", "-o", "m.tsm"], d, "no-run");
    fails(&["sample", "no.tsm", "-o", "s.csv"], d, "no.tsm");
    fails(&["inspect", "no.tsm"], d, "no.tsm");
    fails(
        &[
            "plan",
            "--schedule",
            "linear",
            "--sampler",
            "euler-maruyama",
            "--steps",
            "10",
        ],
        d,
        "SDE",
    );
    fails(
        &[
            "plan",
            "--schedule",
            "linear",
            "--sampler",
            "ddim",
            "--steps",
            "2000",
        ],
        d,
        "steps",
    );
    write(d, "junk.tsm", "not a model");
    fails(&["inspect", "junk.tsm"], d, "junk.tsm");
    fails(
        &["sample", "junk.tsm", "-o", "s.csv"],
        d,
        "invalid model file",
    );
}

#[test]
fn train_export_sample_eval_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| common::run(args, d);
    run(&[
        "train",
        "--data",
        "8gaussians",
        "--out",
        "run",
        "--steps",
        "30",
        "--width",
        "16",
        "--depth",
        "2",
        "--batch",
        "64",
    ]);
    assert!(d.join("run/config.json").exists() && d.join("run/loss.png").exists());
    // A second fresh run into the same directory is refused; --resume continues.
    fails(
        &[
            "train",
            "--data",
            "8gaussians",
            "--out",
            "run",
            "--steps",
            "30",
        ],
        d,
        "--resume",
    );
    run(&[
        "train",
        "--data",
        "8gaussians",
        "--out",
        "run",
        "--steps",
        "40",
        "--width",
        "16",
        "--depth",
        "2",
        "--batch",
        "64",
        "--resume",
    ]);
    run(&[
        "export",
        "run",
        "-o",
        "m.tsm",
        "--sampler",
        "ddim",
        "--steps",
        "20",
    ]);
    let inspect = run(&["inspect", "m.tsm"]);
    assert!(
        inspect.contains("CRC-32 ok") && inspect.contains("scratch"),
        "{inspect}"
    );
    run(&["sample", "m.tsm", "-n", "50", "--seed", "3", "-o", "s.csv"]);
    run(&[
        "sample",
        "m.tsm",
        "-n",
        "50",
        "--seed",
        "3",
        "-o",
        "s.npy",
        "--sampler",
        "ddpm",
        "--steps",
        "30",
    ]);
    let csv = std::fs::read_to_string(d.join("s.csv")).unwrap();
    assert_eq!(csv.lines().count(), 51);
    let report = run(&["eval", "s.csv", "--against", "8gaussians"]);
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert!(
        json["sliced_wasserstein"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    // Against one component of the mixture: its labels come with the
    // generator, so the distance is to that class alone, and differs from
    // one class to another; a file without labels is refused.
    let class_swd = |k: &str| {
        let args = [
            "eval",
            "s.csv",
            "--against",
            "8gaussians",
            "--labels",
            "component",
            "--class",
            k,
        ];
        let json: serde_json::Value = serde_json::from_str(&run(&args)).unwrap();
        json["sliced_wasserstein"].as_f64().unwrap()
    };
    let whole = json["sliced_wasserstein"].as_f64().unwrap();
    let (zero, four) = (class_swd("0"), class_swd("4"));
    assert!(zero != four && zero != whole, "{zero} {four} {whole}");
    fails(
        &[
            "eval",
            "s.csv",
            "--against",
            "moons",
            "--labels",
            "component",
            "--class",
            "0",
        ],
        d,
        "`component` labels exist for the mixtures",
    );
    // The samples' own file as the training data: every sample is a copy
    // of a training row (distance 0), where fresh points of the mixture
    // are not; a generator is refused as training data.
    let copies = run(&[
        "eval",
        "s.csv",
        "--against",
        "8gaussians",
        "--training",
        "s.csv",
    ]);
    let copies: serde_json::Value = serde_json::from_str(&copies).unwrap();
    let record = &copies["closest_record"];
    // (0 up to the rounding of |x|² + |y|² − 2x·y.)
    assert!(record["ratio"].as_f64().unwrap() < 1e-6, "{copies}");
    assert_eq!(record["share_near"].as_f64(), Some(1.0), "{copies}");
    assert!(record["heldout_median"].as_f64().unwrap() > 0.0, "{copies}");
    fails(
        &[
            "eval",
            "s.csv",
            "--against",
            "8gaussians",
            "--training",
            "moons",
        ],
        d,
        "name the training data file",
    );
    run(&["plot", "s.csv", "-o", "s.png"]);
    run(&["plot", "run", "-o", "loss.png"]);
    run(&["sample", "m.tsm", "-n", "5", "-o", "t.csv", "--trajectory"]);
    run(&["plot", "t.trajectory.csv", "-o", "t.png"]);
    assert!(d.join("t.png").exists());
    // Output files are refused with an unknown extension, and nothing is written.
    fails(&["sample", "m.tsm", "-o", "s.txt"], d, ".csv or .npy");
}

#[test]
fn numeric_options_are_checked_and_name_their_range() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::train_tiny("moons", d);
    common::run(&["export", "run", "-o", "m.tsm", "--steps", "10"], d);
    write(d, "rows.csv", "x0,x1\n0.5,0.2\n-0.3,0.1\n");
    for (args, range) in [
        (
            vec![
                "denoise", "m.tsm", "--input", "rows.csv", "--level", "nan", "-o", "x.csv",
            ],
            "(0, 1]",
        ),
        (
            vec![
                "denoise", "m.tsm", "--input", "rows.csv", "--level", "5000", "-o", "x.csv",
            ],
            "(0, 1]",
        ),
        (
            vec![
                "denoise", "m.tsm", "--input", "rows.csv", "--level", "0", "-o", "x.csv",
            ],
            "(0, 1]",
        ),
        (
            vec!["score", "m.tsm", "--input", "rows.csv", "--levels", "nan"],
            "(0, 1]",
        ),
        (
            vec![
                "score",
                "m.tsm",
                "--input",
                "rows.csv",
                "--normal",
                "rows.csv",
                "--percentile",
                "nan",
            ],
            "(0, 100]",
        ),
        (
            vec![
                "score",
                "m.tsm",
                "--input",
                "rows.csv",
                "--normal",
                "rows.csv",
                "--percentile",
                "200",
            ],
            "(0, 100]",
        ),
        (
            vec![
                "sample",
                "m.tsm",
                "--class",
                "0",
                "--guidance",
                "3e38",
                "-o",
                "x.csv",
            ],
            "[0, 100]",
        ),
        (
            vec![
                "sample",
                "m.tsm",
                "--sampler",
                "ddim",
                "--eta",
                "inf",
                "-o",
                "x.csv",
            ],
            "[0, 1]",
        ),
        (
            vec!["train", "--data", "moons", "--out", "r2", "--lr", "nan"],
            "(0, 1]",
        ),
        (
            vec!["export", "run", "-o", "x.tsm", "--clip=-1"],
            "a bound > 0",
        ),
    ] {
        fails(&args, d, range);
    }
}

#[test]
fn messages_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::train_tiny("moons", d);
    // A run directory where a model file is expected.
    fails(
        &["inspect", "run"],
        d,
        "run directory, not a model file: export it first",
    );
    // --resume names the option that differs.
    fails(
        &[
            "train", "--data", "moons", "--out", "run", "--steps", "9", "--width", "16", "--depth",
            "1", "--batch", "32", "--resume",
        ],
        d,
        "--width is 8 in the run, 16 now",
    );
    // A stored detector's settings need --normal to change.
    common::run(
        &[
            "export",
            "run",
            "-o",
            "m.tsm",
            "--steps",
            "10",
            "--anomaly-normal",
            "moons",
        ],
        d,
    );
    write(d, "rows.csv", "x0,x1\n0.5,0.2\n-0.3,0.1\n");
    fails(
        &["score", "m.tsm", "--input", "rows.csv", "--repeats", "8"],
        d,
        "stores an anomaly detector (threshold",
    );
    let out = tinyscore(&["score", "m.tsm", "--input", "rows.csv"], d);
    assert!(String::from_utf8_lossy(&out.stderr).contains("using the stored detector: threshold"));
}

#[test]
fn plan_and_export_share_their_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Trailing spacing everywhere: DDIM's first of 50 rows is t = 999
    // (leading spacing, the old `plan` default, starts at 980).
    let csv = common::run(
        &[
            "plan",
            "--schedule",
            "linear",
            "--sampler",
            "ddim",
            "--steps",
            "50",
            "--format",
            "csv",
        ],
        d,
    );
    let first = csv.lines().nth(1).unwrap();
    assert!(first.starts_with("0,999.0,"), "{first}");
    common::train_tiny("moons", d);
    common::run(
        &[
            "export",
            "run",
            "-o",
            "m.tsm",
            "--sampler",
            "ddim",
            "--steps",
            "50",
        ],
        d,
    );
    let inspect = common::run(&["inspect", "m.tsm"], d);
    assert!(
        inspect.contains("ddim 50 steps, Trailing spacing"),
        "{inspect}"
    );
}

#[test]
fn implicit_score_matching_runs_exit_0_with_their_loss_plotted() {
    // ISM's loss is negative once trained: the loss plot takes a linear
    // axis instead of failing the command.
    for objective in ["ism", "fdsm"] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        common::run(
            &[
                "train",
                "--data",
                "moons",
                "--out",
                "run",
                "--steps",
                "300",
                "--width",
                "16",
                "--depth",
                "1",
                "--batch",
                "64",
                "--objective",
                objective,
            ],
            d,
        );
        let losses: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("run/config.json")).unwrap()).unwrap();
        // Every logged loss is negative: nothing a log axis could draw.
        let logged = losses["losses"].as_array().unwrap();
        assert!(
            logged.iter().all(|l| l[1].as_f64().unwrap() < 0.0),
            "{objective}: {logged:?}"
        );
        assert!(d.join("run/loss.png").exists(), "{objective}");
    }
}
