//! `tinyscore impute`, `denoise` and `score` end to end through the binary:
//! what they write, that they are deterministic, and their refusals.

mod common;

use common::{refused, run, train_tiny};

#[test]
fn impute_denoise_and_score() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run(
        &[
            "train",
            "--data",
            "sine-windows",
            "--out",
            "run",
            "--steps",
            "10",
            "--width",
            "16",
            "--depth",
            "1",
            "--batch",
            "32",
        ],
        d,
    );
    for backend in ["f32", "fixed"] {
        run(
            &[
                "export",
                "run",
                "-o",
                &format!("{backend}.tsm"),
                "--backend",
                backend,
                "--sampler",
                "ddpm",
                "--steps",
                "20",
                "--calibration-samples",
                "16",
            ],
            d,
        );
    }
    // Three 16-sample rows; the second and third have gaps (and the first
    // row, with a gap in its first cell, must not be taken for a header).
    let full: Vec<String> = (0..16)
        .map(|j| format!("{}", (j as f32 * 0.4).sin()))
        .collect();
    let mut gappy = full.clone();
    gappy[0] = String::new();
    gappy[7] = String::new();
    let text = format!(
        "{}\n{}\n{}\n",
        gappy.join(","),
        full.join(","),
        gappy.join(",")
    );
    std::fs::write(d.join("partial.csv"), &text).unwrap();
    std::fs::write(
        d.join("rows.csv"),
        format!("{}\n{}\n", full.join(","), full.join(",")),
    )
    .unwrap();

    for backend in ["f32", "fixed"] {
        let model = format!("{backend}.tsm");
        run(
            &[
                "impute",
                &model,
                "--input",
                "partial.csv",
                "-o",
                "a.csv",
                "--resample",
                "2",
            ],
            d,
        );
        run(
            &[
                "impute",
                &model,
                "--input",
                "partial.csv",
                "-o",
                "b.csv",
                "--resample",
                "2",
            ],
            d,
        );
        let a = std::fs::read_to_string(d.join("a.csv")).unwrap();
        assert_eq!(
            a,
            std::fs::read_to_string(d.join("b.csv")).unwrap(),
            "deterministic"
        );
        let rows: Vec<Vec<f32>> = a
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), 3);
        for (row, given) in rows.iter().zip([&gappy, &full, &gappy]) {
            assert!(row.iter().all(|v| v.is_finite()), "every gap filled");
            for (v, g) in row.iter().zip(given.iter()) {
                if !g.is_empty() {
                    // Observed cells come back as given (through model
                    // units and, for fixed point, Q16.16: within 1e-4).
                    assert!((v - g.parse::<f32>().unwrap()).abs() < 1e-4, "{v} vs {g}");
                }
            }
        }

        run(
            &[
                "denoise", &model, "--input", "rows.csv", "--level", "0.1", "-o", "c.csv",
            ],
            d,
        );
        run(
            &[
                "denoise", &model, "--input", "rows.csv", "--level", "0.1", "--method", "tweedie",
                "-o", "t.csv",
            ],
            d,
        );
        for out in ["c.csv", "t.csv"] {
            let text = std::fs::read_to_string(d.join(out)).unwrap();
            assert_eq!(text.lines().count(), 3, "{out}");
        }

        let scores = run(&["score", &model, "--input", "rows.csv"], d);
        let values: Vec<f64> = scores.lines().skip(1).map(|l| l.parse().unwrap()).collect();
        assert_eq!(values.len(), 2);
        assert!(values.iter().all(|v| v.is_finite() && *v >= 0.0));
        let flagged = run(
            &[
                "score", &model, "--input", "rows.csv", "--normal", "rows.csv",
            ],
            d,
        );
        assert!(flagged.starts_with("score,anomaly\n"), "{flagged}");
        assert_eq!(flagged.lines().count(), 3);
    }
}

#[test]
fn data_tasks_refuse_what_they_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train_tiny("moons", d);
    run(
        &[
            "export",
            "run",
            "-o",
            "heun.tsm",
            "--sampler",
            "pf-ode-heun",
            "--steps",
            "5",
        ],
        d,
    );
    run(
        &[
            "export",
            "run",
            "-o",
            "ddpm.tsm",
            "--sampler",
            "ddpm",
            "--steps",
            "5",
        ],
        d,
    );
    std::fs::write(d.join("two.csv"), "1,\n,2\n").unwrap();
    std::fs::write(d.join("three.csv"), "1,2,3\n").unwrap();
    for (args, needle) in [
        (
            vec!["impute", "heun.tsm", "--input", "two.csv", "-o", "x.csv"],
            "levels",
        ),
        (
            vec!["impute", "ddpm.tsm", "--input", "three.csv", "-o", "x.csv"],
            "data has 3 dimensions, expected 2",
        ),
        (
            vec![
                "denoise",
                "ddpm.tsm",
                "--input",
                "three.csv",
                "--level",
                "0.005",
                "-o",
                "x.csv",
            ],
            "data has 3 dimensions, expected 2",
        ),
        (
            vec![
                "denoise",
                "ddpm.tsm",
                "--input",
                "three.csv",
                "--level",
                "0.005",
                "--method",
                "magic",
                "-o",
                "x.csv",
            ],
            "possible values: sdedit, tweedie",
        ),
        (vec!["score", "heun.tsm", "--input", "two.csv"], "two.csv"),
    ] {
        refused(&args, d, needle);
        assert!(!d.join("x.csv").exists(), "{args:?} wrote output");
    }
}
