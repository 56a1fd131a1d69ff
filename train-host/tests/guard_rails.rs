//! The exporter's guard rails through the command: the training data's range
//! stored in every model and used for the x̂₀ clip by default, the share of
//! sample values outside it reported, unclipped plans that would explode
//! refused, and the EDM schedule refused with ε-prediction.

mod common;

use common::{refused, run, tinyscore, train_tiny};
use tinyscore::format::Model;

/// A tiny run on moons with `args` added to the training command.
fn train(dir: &std::path::Path, args: &[&str]) {
    let mut all = vec![
        "train", "--data", "moons", "--out", "run", "--steps", "5", "--width", "8", "--depth", "1",
        "--batch", "32",
    ];
    all.extend_from_slice(args);
    run(&all, dir);
}

#[test]
fn the_model_stores_the_training_range_and_clips_to_it_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train_tiny("moons", d);
    run(
        &[
            "export",
            "run",
            "-o",
            "clip.tsm",
            "--sampler",
            "ddim",
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
            "none.tsm",
            "--sampler",
            "ddim",
            "--steps",
            "5",
            "--clip",
            "none",
        ],
        d,
    );
    let state = tinyscore_train::train::load(&d.join("run")).unwrap();
    let range = state
        .normalization
        .model_range()
        .expect("the run records its range");
    for (file, clips) in [("clip.tsm", true), ("none.tsm", false)] {
        let bytes = std::fs::read(d.join(file)).unwrap();
        let model = Model::parse(&bytes).unwrap();
        let stored = model.data_range().expect("every export stores the range");
        assert_eq!(stored.clips(), clips, "{file}");
        assert_eq!(stored.low().iter().collect::<Vec<_>>(), range.low, "{file}");
        assert_eq!(
            stored.high().iter().collect::<Vec<_>>(),
            range.high,
            "{file}"
        );
        // 5 % of the width on each side.
        for ((l, h), (bl, bh)) in range.low.iter().zip(&range.high).zip(stored.bounds()) {
            let reach = 0.05 * (h - l);
            assert!((bl - (l - reach)).abs() < 1e-5 && (bh - (h + reach)).abs() < 1e-5);
        }
    }
    let out = tinyscore(&["sample", "clip.tsm", "-n", "50", "-o", "s.csv"], d);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("% of sample values outside the training range ± 5 % of its width"),
        "{stderr}"
    );
}

#[test]
fn an_unclipped_plan_that_would_explode_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train(d, &["--schedule", "cosine", "--prediction", "eps"]);
    let export = |clip: &'static str| {
        [
            "export",
            "run",
            "-o",
            "m.tsm",
            "--sampler",
            "ddim",
            "--steps",
            "5",
            "--clip",
            clip,
        ]
    };
    // The cosine schedule's last timestep: α = 4.9e-5, factor 20 291.
    refused(&export("none"), d, "factor of 20291");
    run(&export("range"), d);
    run(&export("3"), d);
}

#[test]
fn the_edm_schedule_trains_v_or_x0_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    refused(
        &[
            "train",
            "--data",
            "moons",
            "--out",
            "run",
            "--schedule",
            "edm",
            "--prediction",
            "eps",
        ],
        d,
        "--prediction v",
    );
    train(d, &["--schedule", "edm", "--prediction", "v"]);
    run(
        &[
            "export",
            "run",
            "-o",
            "m.tsm",
            "--sampler",
            "pf-ode-heun",
            "--steps",
            "6",
        ],
        d,
    );
    let bytes = std::fs::read(d.join("m.tsm")).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let edm = tinyscore::schedule::Schedule::Sde(tinyscore::schedule::Sde::Edm {
        sigma_min: 0.002,
        sigma_max: 80.0,
        rho: 7.0,
    });
    assert_eq!(model.schedule(), edm);
}

#[test]
fn the_dynamic_clip_is_stored_shown_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train_tiny("moons", d);
    let export = |clip: &'static str, backend: &'static str| {
        [
            "export",
            "run",
            "-o",
            "m.tsm",
            "--sampler",
            "ddim",
            "--steps",
            "5",
            "--backend",
            backend,
            "--calibration-samples",
            "4",
            "--clip",
            clip,
        ]
    };
    // (--clip, stored percentile round(p·2¹⁶), float bound, Q16.16 bound)
    for (clip, percentile, max, max_q) in [
        ("dynamic", 65_208, 32_767.0, 32_767 << 16),
        ("dynamic:0.9:2", 58_982, 2.0, 2 << 16),
    ] {
        for backend in ["f32", "fixed"] {
            run(&export(clip, backend), d);
            let bytes = std::fs::read(d.join("m.tsm")).unwrap();
            let model = Model::parse(&bytes).unwrap();
            // 1.6 for the dynamic threshold; a fixed-point file is 1.9
            // anyway (its plan's level rows).
            let minor = if backend == "fixed" { 9 } else { 6 };
            assert_eq!(model.version_minor(), minor, "{clip} {backend}");
            let range = model.data_range().unwrap();
            let t = range.dynamic().expect("a dynamic threshold");
            assert!(range.clips());
            assert_eq!(
                (t.percentile(), t.max(), t.max_q()),
                (percentile, max, max_q)
            );
            let out = tinyscore(&["inspect", "m.tsm"], d);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("after a dynamic threshold"), "{stdout}");
            run(&["sample", "m.tsm", "-n", "20", "-o", "s.csv"], d);
        }
    }
    run(&export("range", "f32"), d);
    let bytes = std::fs::read(d.join("m.tsm")).unwrap();
    let model = Model::parse(&bytes).unwrap();
    assert_eq!(model.version_minor(), 5, "the static clip is a 1.5 file");
    for bad in [
        "dynamic:0",
        "dynamic:1.5",
        "dynamic:x",
        "dynamic:0.9:0.5",
        "dynamic:0.9:2:3",
    ] {
        refused(&export(bad, "f32"), d, "--clip dynamic");
    }
}
