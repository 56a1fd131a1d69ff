//! The stored anomaly detector's calibration (`export::add_detector`): each
//! level weighted by the inverse of its mean score on the normal rows, and
//! the threshold a percentile of the weighted scores the runtime itself
//! gives those rows, in f32 and in fixed point.

mod common;

use common::{run, train_tiny};
use tinyscore::format::Model;
use tinyscore_train::export::{DetectorOptions, add_detector};
use tinyscore_train::restore::{Task, percentile, run as run_task};

#[test]
fn levels_are_weighted_by_their_normal_scores() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train_tiny("moons", d);
    // 300 points on the unit circle: the "normal" rows.
    let normal: Vec<f32> = (0..300)
        .flat_map(|i| {
            let a = i as f32 * 0.021;
            [a.cos(), a.sin()]
        })
        .collect();
    for backend in ["f32", "fixed"] {
        let file = format!("{backend}.tsm");
        run(
            &[
                "export",
                "run",
                "-o",
                &file,
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
        let bytes = std::fs::read(d.join(&file)).unwrap();
        let opts = DetectorOptions {
            normal: normal.clone(),
            dim: 2,
            percentile: 95.0,
            rows: vec![12, 16, 18],
            repeats: 4,
            seed: 5,
        };
        let (with, threshold) = add_detector(&bytes, &opts).unwrap();
        let model = Model::parse(&with).unwrap();
        let detector = model.anomaly().unwrap();
        assert!(detector.weighted());
        assert_eq!(detector.rows().collect::<Vec<_>>(), opts.rows);
        let scores = |model: &[u8], task: &Task| {
            let mut rows = normal.clone();
            run_task(model, &mut rows, 2, opts.seed, task).unwrap()
        };
        for (i, &row) in opts.rows.iter().enumerate() {
            let task = Task::Score {
                rows: vec![row],
                repeats: opts.repeats,
            };
            let level = scores(&bytes, &task);
            let mean = level.iter().sum::<f64>() / level.len() as f64;
            assert_eq!(
                detector.weight(i),
                (1.0 / mean) as f32,
                "{backend} level {i}"
            );
            let q = f64::from(detector.weight_q(i)) / 65536.0;
            assert!(
                (q - 1.0 / mean).abs() <= 1.0 / 65536.0,
                "{backend}: {q} vs {}",
                1.0 / mean
            );
        }
        // The threshold is the percentile of the stored detector's own
        // scores; weighted, a normal row's score is about 1.
        let detected = scores(&with, &Task::Detect);
        assert_eq!(threshold, percentile(&detected, opts.percentile));
        let mean = detected.iter().sum::<f64>() / detected.len() as f64;
        assert!(
            (0.8..1.25).contains(&mean),
            "{backend}: mean weighted score {mean}"
        );
    }
}
