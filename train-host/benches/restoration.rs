//! Imputation, denoising and anomaly scores on held-out sine windows, in the
//! f32 and the fixed-point backend, against simple baselines. Not a test and
//! not timed: it prints a Markdown table of quality numbers.
//!
//! ```text
//! cargo run --release -p tinyscore-train -- train --data sine-windows --out RUN --steps 5000
//! cargo bench -p tinyscore-train --bench restoration -- RUN
//! ```
//!
//! The model is exported with a DDPM plan of 100 steps. Held-out windows
//! come from the same generator as training with another seed.
//! - Imputation: 25% of each window's coordinates dropped at random; mean
//!   absolute error on them of the model (RePaint, 10 passes), of linear
//!   interpolation along the window, and of the per-coordinate mean.
//! - Denoising: Gaussian noise of σ = 0.5 (data units) added; RMSE to the
//!   window before the noise, for the noisy input, one Tweedie step and
//!   SDEdit at the plan row whose σ/α matches the noise in model units.
//! - Anomaly: normal windows against windows with one injected fault (two
//!   spikes of ±3, a drift ramp to +1.5, or 4 dropped samples set to 0);
//!   AUROC of the score, and detection and false-alarm rates at the 99th
//!   percentile of scores on separate normal windows.

use std::path::PathBuf;
use tinyscore::format::Model;
use tinyscore::plan::{DdpmVariance, Plan, SamplerKind};
use tinyscore::schedule::Spacing;
use tinyscore_train::calibrate::Calibration;
use tinyscore_train::data::{Dataset, SineWindows};
use tinyscore_train::export::{Backend, ExportOptions, FixedTime, X0Clip, export};
use tinyscore_train::random::{below, normal, stream, uniform};
use tinyscore_train::restore::{Task, row_alpha, row_at, run};

const N: usize = 400;

fn main() {
    let run_dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/quantization/run-sine-windows"));
    let state = tinyscore_train::train::load(&run_dir).expect("a trained sine-windows run");
    let windows = SineWindows::default();
    let dim = windows.len;
    let clean = windows.sample(N, &mut stream(9001, 0));
    let normal_set = windows.sample(N, &mut stream(9002, 0));
    let mean = clean_mean(&windows.sample(4000, &mut stream(9003, 0)));

    println!(
        "| backend | imputation MAE: model / linear / mean | denoising RMSE: noisy / Tweedie / SDEdit | anomaly AUROC | detected / false alarms at p99 |"
    );
    println!("|---|---|---|---|---|");
    for backend in [
        Backend::F32,
        Backend::Fixed {
            calibration: Calibration::default(),
            time: FixedTime::Auto,
        },
    ] {
        let opts = ExportOptions {
            backend,
            sampler: SamplerKind::Ddpm {
                variance: DdpmVariance::FixedSmall,
            },
            steps: 100,
            spacing: Spacing::Trailing,
            clip: X0Clip::default(),
        };
        let bytes = export(&state, &opts).expect("export");
        let model = Model::parse(&bytes).expect("valid model");
        let name = if matches!(backend, Backend::F32) {
            "f32"
        } else {
            "fixed"
        };

        // Imputation.
        let mut partial = clean.rows.clone();
        let mut rng = stream(9004, 0);
        for row in partial.chunks_exact_mut(dim) {
            let mut dropped = 0;
            while dropped < dim / 4 {
                let j = below(&mut rng, dim);
                if !row[j].is_nan() {
                    row[j] = f32::NAN;
                    dropped += 1;
                }
            }
        }
        let mut imputed = partial.clone();
        run(&bytes, &mut imputed, dim, 1, &Task::Impute { resample: 10 }).expect("impute");
        let linear = interpolate(&partial, dim);
        let mean_fill: Vec<f32> = partial
            .chunks_exact(dim)
            .flat_map(|r| {
                r.iter()
                    .zip(&mean)
                    .map(|(v, m)| if v.is_nan() { *m } else { *v })
            })
            .collect();
        let mae = |filled: &[f32]| {
            let (mut s, mut n) = (0f64, 0usize);
            for ((f, p), c) in filled.iter().zip(&partial).zip(&clean.rows) {
                if p.is_nan() {
                    s += f64::from(f - c).abs();
                    n += 1;
                }
            }
            s / n as f64
        };

        // Denoising at σ = 0.5.
        let mut rng = stream(9005, 0);
        let noisy: Vec<f32> = clean
            .rows
            .iter()
            .map(|v| v + 0.5 * normal(&mut rng) as f32)
            .collect();
        let scale = model.normalization().scale().iter().sum::<f32>() / dim as f32;
        let target = f64::from(0.5 / scale);
        let plan = model.plan(0).expect("plan");
        let row = (0..plan.header().rows)
            .min_by(|&a, &b| {
                let ratio = |k: u32| {
                    let r = plan.row(k as usize).expect("row");
                    (f64::from(r.sigma / r.alpha) - target).abs()
                };
                ratio(a).total_cmp(&ratio(b))
            })
            .expect("rows");
        let rmse = |x: &[f32]| {
            (x.iter()
                .zip(&clean.rows)
                .map(|(a, b)| f64::from(a - b).powi(2))
                .sum::<f64>()
                / x.len() as f64)
                .sqrt()
        };
        let mut tweedie = noisy.clone();
        let alpha = row_alpha(&model, row).expect("alpha");
        run(&bytes, &mut tweedie, dim, 2, &Task::Tweedie { row, alpha }).expect("tweedie");
        let mut sdedit = noisy.clone();
        run(&bytes, &mut sdedit, dim, 2, &Task::Denoise { row }).expect("sdedit");

        // Anomaly scores.
        let t_max = model.schedule().t_max();
        let rows = [0.02, 0.05, 0.1, 0.2]
            .map(|f| row_at(&model, f * t_max).expect("row"))
            .to_vec();
        let task = Task::Score { rows, repeats: 4 };
        let faulty = inject_faults(&clean, &mut stream(9006, 0));
        let score = |data: &[f32]| {
            let mut d = data.to_vec();
            run(&bytes, &mut d, dim, 3, &task).expect("score")
        };
        let (normal_scores, fault_scores, reference) =
            (score(&clean.rows), score(&faulty), score(&normal_set.rows));
        let mut sorted = reference.clone();
        sorted.sort_by(f64::total_cmp);
        let threshold = sorted[(0.99 * sorted.len() as f64).ceil() as usize - 1];
        let rate = |s: &[f64]| s.iter().filter(|&&v| v > threshold).count() as f64 / s.len() as f64;
        println!(
            "| {name} | {:.4} / {:.3} / {:.3} | {:.3} / {:.4} / {:.4} | {:.4} | {:.1}% / {:.1}% |",
            mae(&imputed),
            mae(&linear),
            mae(&mean_fill),
            rmse(&noisy),
            rmse(&tweedie),
            rmse(&sdedit),
            auroc(&normal_scores, &fault_scores),
            100.0 * rate(&fault_scores),
            100.0 * rate(&normal_scores),
        );
    }
}

fn clean_mean(d: &Dataset) -> Vec<f32> {
    d.mean().iter().map(|&m| m as f32).collect()
}

/// Linear interpolation of NaN gaps along each row; gaps at the ends take
/// the nearest observed value.
fn interpolate(rows: &[f32], dim: usize) -> Vec<f32> {
    let mut out = rows.to_vec();
    for row in out.chunks_exact_mut(dim) {
        let known: Vec<usize> = (0..dim).filter(|&j| !row[j].is_nan()).collect();
        for j in 0..dim {
            if !row[j].is_nan() {
                continue;
            }
            let before = known.iter().rev().find(|&&k| k < j).copied();
            let after = known.iter().find(|&&k| k > j).copied();
            row[j] = match (before, after) {
                (Some(a), Some(b)) => {
                    let w = (j - a) as f32 / (b - a) as f32;
                    row[a] * (1.0 - w) + row[b] * w
                }
                (Some(a), None) => row[a],
                (None, Some(b)) => row[b],
                (None, None) => 0.0,
            };
        }
    }
    out
}

/// Each window with one fault: two spikes of ±3, a ramp to +1.5, or four
/// consecutive samples dropped to 0, in turn.
fn inject_faults(d: &Dataset, rng: &mut tinyscore_train::random::HostRng) -> Vec<f32> {
    let dim = d.dim;
    let mut out = d.rows.clone();
    for (i, row) in out.chunks_exact_mut(dim).enumerate() {
        match i % 3 {
            0 => {
                for _ in 0..2 {
                    let j = below(rng, dim);
                    row[j] += if uniform(rng) < 0.5 { -3.0 } else { 3.0 };
                }
            }
            1 => row
                .iter_mut()
                .enumerate()
                .for_each(|(j, v)| *v += 1.5 * j as f32 / (dim - 1) as f32),
            _ => {
                let start = below(rng, dim - 3);
                row[start..start + 4].iter_mut().for_each(|v| *v = 0.0);
            }
        }
    }
    out
}

/// Area under the ROC curve: the probability that a faulty window scores
/// above a normal one (ties count half).
fn auroc(normal: &[f64], faulty: &[f64]) -> f64 {
    let mut wins = 0f64;
    for f in faulty {
        for n in normal {
            wins += if f > n {
                1.0
            } else if f == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (normal.len() * faulty.len()) as f64
}
