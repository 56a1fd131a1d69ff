//! The whole path a sensor engineer takes, on a committed stream
//! (tests/data/activity.csv: 3-axis accelerometer at 50 Hz with a text
//! label column `activity`, written by tests/data/activity.py):
//! `window` → `train --labels` → `export --anomaly-normal` → `sample
//! --class NAME` → `impute` → `denoise` → `score` → `eval` → `plot`.
//!
//! Every output must carry the column names (`ax_0 … az_15`) and the class
//! names (`idle`, `walk`, `run`), no feature set may hold the label column,
//! and every command must say what it is doing and what it wrote. The
//! training is tiny (seconds): this checks the plumbing, not the quality.

mod common;

use common::tinyscore;
use std::path::Path;

/// Runs `tinyscore args` in `dir`, asserts success and returns stderr.
fn run(args: &[&str], dir: &Path) -> String {
    let out = tinyscore(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    stderr
}

/// The header of a CSV file, split.
fn header(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// The 48 feature columns the windows have: 16 steps of ax, ay, az.
fn features() -> Vec<String> {
    ["ax", "ay", "az"]
        .iter()
        .flat_map(|c| (0..16).map(move |k| format!("{c}_{k}")))
        .collect()
}

/// Asserts that `stderr` shows progress (a `N/N units` line) and a
/// `wrote` line naming `output`.
fn progress_and_wrote(stderr: &str, output: &str) {
    assert!(
        stderr.lines().any(|l| l.contains(" in ")
            && (l.contains("samples") || l.contains("rows") || l.contains("steps"))),
        "no finished progress line in:\n{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("wrote") && l.contains(output)),
        "no `wrote {output}` in:\n{stderr}"
    );
}

#[test]
fn a_labelled_stream_goes_through_every_command_with_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stream = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/activity.csv");
    std::fs::copy(&stream, d.join("activity.csv")).unwrap();

    // window: 16 steps, stride 8; the gap and the label changes are left out.
    let log = run(
        &[
            "window",
            "activity.csv",
            "--length",
            "16",
            "--stride",
            "8",
            "--label",
            "activity",
            "-o",
            "windows.csv",
        ],
        d,
    );
    // 1320 rows in four segments (360, 360, 360 and 240 rows, a gap before
    // the last) give (1320 − 16)/8 + 1 = 164 window starts, every 8 rows.
    // The windows starting at rows 352 and 712 span a change of label and
    // the one at 1072 the gap (and a change): 161 are left.
    assert!(log.contains("1 gaps"), "{log}");
    assert!(
        log.contains("wrote windows.csv: 161 windows of 16 steps × 3 channels = 48 columns"),
        "{log}"
    );
    assert!(
        log.contains("left out 1 windows across a gap, 2 across a label change"),
        "{log}"
    );
    let mut want = features();
    want.push("activity".into());
    assert_eq!(header(&d.join("windows.csv")), want);

    // train --labels: the summary names the label column and its classes.
    let log = run(
        &[
            "train",
            "--data",
            "windows.csv",
            "--labels",
            "activity",
            "--out",
            "run",
            "--steps",
            "60",
            "--width",
            "32",
            "--depth",
            "1",
            "--batch",
            "64",
        ],
        d,
    );
    assert!(
        log.contains("161 rows × 48 columns (ax_0 … az_15), label column activity with 3 classes: idle 44, walk 73, run 44"),
        "{log}"
    );
    progress_and_wrote(&log, "run");

    // export --anomaly-normal on the very file trained on.
    let log = run(
        &[
            "export",
            "run",
            "-o",
            "m.tsm",
            "--sampler",
            "ddim",
            "--steps",
            "10",
            "--anomaly-normal",
            "windows.csv",
        ],
        d,
    );
    assert!(log.contains("left out: activity"), "{log}");
    progress_and_wrote(&log, "m.tsm");
    let inspect = String::from_utf8_lossy(&tinyscore(&["inspect", "m.tsm"], d).stdout).into_owned();
    assert!(inspect.contains("data dim   48"), "{inspect}");
    assert!(
        inspect.contains(&format!("columns    {}", features().join(", "))),
        "{inspect}"
    );
    assert!(
        inspect.contains("classes    0 to 2 (0 idle, 1 walk, 2 run)"),
        "{inspect}"
    );
    assert!(inspect.contains("anomaly    threshold"), "{inspect}");

    // sample --class NAME.
    let log = run(
        &[
            "sample", "m.tsm", "--class", "walk", "-n", "40", "-o", "walk.csv",
        ],
        d,
    );
    progress_and_wrote(&log, "walk.csv");
    assert_eq!(header(&d.join("walk.csv")), features());
    let note = std::fs::read_to_string(d.join("walk.json")).unwrap();
    assert!(
        note.contains("\"class\": \"walk\"") && note.contains("ddim 10 steps"),
        "{note}"
    );

    // impute: the middle of ax blanked in 10 windows.
    let text = std::fs::read_to_string(d.join("windows.csv")).unwrap();
    let mut gaps = String::new();
    for (i, line) in text.lines().take(11).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let row: Vec<&str> = cells
            .iter()
            .enumerate()
            .map(|(j, c)| if i > 0 && (4..12).contains(&j) { "" } else { c })
            .collect();
        gaps += &(row.join(",") + "\n");
    }
    std::fs::write(d.join("gaps.csv"), gaps).unwrap();
    let log = run(
        &[
            "impute",
            "m.tsm",
            "--input",
            "gaps.csv",
            "--labels",
            "activity",
            "-o",
            "filled.csv",
        ],
        d,
    );
    progress_and_wrote(&log, "filled.csv");
    assert!(log.contains("80 missing values filled"), "{log}");
    assert_eq!(header(&d.join("filled.csv")), want);
    let filled = std::fs::read_to_string(d.join("filled.csv")).unwrap();
    assert!(
        filled.lines().skip(1).all(|l| !l.contains(",,")),
        "{filled}"
    );
    // The observed cells are written back exactly as they were read.
    let (first_in, first_out) = (text.lines().nth(1).unwrap(), filled.lines().nth(1).unwrap());
    let cells = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    assert_eq!(cells(first_in)[..4], cells(first_out)[..4]);
    assert_eq!(cells(first_in)[12..], cells(first_out)[12..]);

    // denoise, with the noise given in data units.
    let log = run(
        &[
            "denoise",
            "m.tsm",
            "--input",
            "windows.csv",
            "--labels",
            "activity",
            "--level",
            "sigma=0.05",
            "-o",
            "clean.csv",
        ],
        d,
    );
    assert!(log.contains("level sigma=0.05: plan row"), "{log}");
    progress_and_wrote(&log, "clean.csv");
    assert_eq!(header(&d.join("clean.csv")), want);

    // score with the stored detector, the label copied alongside.
    let log = run(
        &[
            "score",
            "m.tsm",
            "--input",
            "windows.csv",
            "--labels",
            "activity",
            "-o",
            "scores.csv",
        ],
        d,
    );
    assert!(
        log.contains("using the stored detector: threshold"),
        "{log}"
    );
    progress_and_wrote(&log, "scores.csv");
    assert_eq!(
        header(&d.join("scores.csv")),
        ["score", "anomaly", "activity"]
    );
    let scores = std::fs::read_to_string(d.join("scores.csv")).unwrap();
    for class in ["idle", "walk", "run"] {
        assert!(scores.contains(&format!(",{class}\n")), "{class}");
    }

    // eval against the walk windows, with the data-vs-data baseline.
    let log = run(
        &[
            "eval",
            "walk.csv",
            "--against",
            "windows.csv",
            "--labels",
            "activity",
            "--class",
            "walk",
            "-o",
            "eval.json",
        ],
        d,
    );
    assert!(
        log.contains("compared with the 73 rows of class walk"),
        "{log}"
    );
    assert!(log.contains("wrote eval.json"), "{log}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("eval.json")).unwrap()).unwrap();
    assert_eq!(report["dim"], 48);
    assert_eq!(report["class"], "walk");
    assert_eq!(report["columns"], serde_json::to_value(features()).unwrap());
    assert!(report["baseline"]["sliced_wasserstein"].as_f64().unwrap() > 0.0);
    assert!(
        report["readings"]["mmd2"]
            .as_str()
            .unwrap()
            .contains("discrepancy")
    );

    // plot: waveforms of the walk samples over the walk windows.
    let log = run(
        &[
            "plot",
            "walk.csv",
            "-o",
            "walk.png",
            "--against",
            "windows.csv",
            "--labels",
            "activity",
            "--class",
            "walk",
        ],
        d,
    );
    assert!(
        log.contains("wrote walk.png (Waveform of 48 columns"),
        "{log}"
    );
    assert!(log.contains("outside the reference's range"), "{log}");
    let log = run(&["plot", "run", "-o", "loss.png"], d);
    assert!(log.contains("wrote loss.png"), "{log}");
}
