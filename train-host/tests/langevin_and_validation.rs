//! Through the command: Langevin and predictor–corrector plans exported
//! with steps measured by the signal-to-noise rule, and the validation
//! split whose best EMA weights export writes by default.

mod common;

use common::run;
use tinyscore::format::Model;
use tinyscore::plan::{Compiler, Plan, PlanRow, SamplerKind, with_langevin_step};
use tinyscore_train::snr_steps::{self, Pooling};

/// A tiny run on moons with `args` added to the training command.
fn train(dir: &std::path::Path, args: &[&str]) {
    let mut all = vec![
        "train", "--data", "moons", "--out", "run", "--steps", "40", "--width", "16", "--depth",
        "1", "--batch", "32",
    ];
    all.extend_from_slice(args);
    run(&all, dir);
}

/// The rows `Compiler` gives for a model's embedded plan (the steps of
/// Gaussian data).
fn compiled(model: &Model<'_>) -> Vec<PlanRow> {
    let header = model.plan(0).unwrap().header();
    let compiler = Compiler::new(model.schedule(), header.spec).unwrap();
    (0..header.rows as usize)
        .map(|i| compiler.compute_row(i).unwrap())
        .collect()
}

#[test]
fn exported_langevin_steps_are_the_measured_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train(d, &["--schedule", "vp"]);
    for sampler in ["langevin", "pc"] {
        let file = format!("{sampler}.tsm");
        run(
            &[
                "export",
                "run",
                "-o",
                &file,
                "--sampler",
                sampler,
                "--steps",
                "4",
            ],
            d,
        );
        let bytes = std::fs::read(d.join(&file)).unwrap();
        let model = Model::parse(&bytes).unwrap();
        let plan = model.plan(0).unwrap();
        let header = plan.header();
        let step = header.spec.sampler.snr_step().unwrap();
        assert!(step.measured && step.snr == 0.16, "{sampler}: {step:?}");
        let nominal = compiled(&model);
        let mut changed = 0;
        for (i, nominal) in nominal.iter().enumerate() {
            let row = plan.row(i).unwrap();
            let langevin = header
                .spec
                .sampler
                .is_langevin_row(i as u32, header.spec.steps);
            if !langevin {
                assert_eq!(row, *nominal, "{sampler} row {i}: not a Langevin row");
                continue;
            }
            // The same network time, x̂₀ and level; a, b, c of some step δ:
            // c = √(2δ), and the row is `with_langevin_step` of δ.
            let delta = f64::from(row.c) * f64::from(row.c) / 2.0;
            let again = with_langevin_step(nominal, delta).unwrap();
            for (a, b) in row.to_array().iter().zip(again.to_array()) {
                assert!(
                    (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                    "{sampler} row {i}"
                );
            }
            changed += usize::from(row.c != nominal.c);
        }
        assert!(changed > 0, "{sampler}: no step was measured");
        // The exporter's steps are score_sde's batch rule on 256
        // trajectories of seed 0, which the library reproduces.
        let again = snr_steps::run(
            &bytes,
            header,
            &nominal,
            snr_steps::TRAJECTORIES,
            snr_steps::SEED,
            Pooling::Batch,
        )
        .unwrap();
        for (i, a) in again.rows.iter().enumerate() {
            assert_eq!(Some(*a), plan.row(i), "{sampler} row {i}");
        }
    }
}

#[test]
fn annealed_langevin_without_the_rule_is_refused_by_measure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train(d, &[]);
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
        ],
        d,
    );
    let bytes = std::fs::read(d.join("m.tsm")).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let header = model.plan(0).unwrap().header();
    assert!(matches!(header.spec.sampler, SamplerKind::Ddim { .. }));
    let rows = compiled(&model);
    let e = snr_steps::run(&bytes, header, &rows, 4, 0, Pooling::Batch).unwrap_err();
    assert!(e.to_string().contains("signal-to-noise"), "{e}");
}

#[test]
fn validation_losses_are_kept_and_export_writes_the_best_weights() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    train(d, &["--val", "0.2"]);
    let state = tinyscore_train::train::load(&d.join("run")).unwrap();
    assert_eq!(state.config.val, 0.2);
    // 40 steps < 50 evaluations: one per step.
    assert_eq!(state.validation.len(), 40);
    let best = state.best.clone().unwrap();
    // The best weights are taken once the ε warm-up is over (20 of the
    // default v-run's 40 steps).
    assert_eq!(state.config.eps_warmup, 20);
    let lowest = state
        .validation
        .iter()
        .filter(|(step, _)| *step > state.config.eps_warmup)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert_eq!((best.step, best.loss), *lowest);
    let config = std::fs::read_to_string(d.join("run/config.json")).unwrap();
    assert!(config.contains("\"validation\"") && config.contains("\"best\""));

    run(&["export", "run", "-o", "best.tsm", "--steps", "4"], d);
    run(
        &[
            "export",
            "run",
            "-o",
            "last.tsm",
            "--steps",
            "4",
            "--weights",
            "last",
        ],
        d,
    );
    // The files differ in their weights exactly when the best step is not
    // the last.
    let bytes = |file: &str| std::fs::read(d.join(file)).unwrap();
    assert_eq!(
        bytes("best.tsm") == bytes("last.tsm"),
        best.ema == state.ema,
        "best step {} of {}",
        best.step,
        state.step
    );

    // Without validation there is no best, and export writes the last.
    let other = tempfile::tempdir().unwrap();
    train(other.path(), &["--val", "0"]);
    let state = tinyscore_train::train::load(&other.path().join("run")).unwrap();
    assert!(state.validation.is_empty() && state.best.is_none());
}
