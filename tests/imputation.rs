//! Imputation (replacement + RePaint), SDEdit and single-step estimates on
//! an analytically known case.
//!
//! Data `x₀ ~ N(0, Σ)` in 2-D with `Σ = [[1, ρ], [ρ, 1]]`: the exact
//! denoiser is linear, `E[x₀ | x_t] = αΣ(α²Σ + σ²I)⁻¹ x_t`, so with it as the
//! network every procedure's output distribution is known: SDEdit from data
//! returns the data distribution, and imputing `x₁` given `x₀ = o` should
//! give the conditional `N(ρ·o, 1 − ρ²)`.
#![cfg(feature = "std")]
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

mod common;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::net::{Denoiser, NetError, TimeInput};
use tinyscore::noise::standard_normal;
use tinyscore::plan::{Compiler, PlanRow, PlanSpec, Prediction, RowsPlan, SamplerKind};
use tinyscore::sampler::{Sampler, SamplerError, register_len};
use tinyscore::schedule::{Marginal, Spacing};
use tinyscore::stepper::Stepper;

const RHO: f64 = 0.8;

use common::schedule;

/// The exact x̂₀-predictor for N(0, Σ).
struct Oracle {
    table: Vec<Marginal>,
}

impl Denoiser for Oracle {
    fn x_dim(&self) -> usize {
        2
    }
    fn prediction(&self) -> Prediction {
        Prediction::Sample
    }
    fn scratch_len(&self) -> usize {
        0
    }
    fn forward(
        &self,
        x: &[f32],
        time: TimeInput<'_>,
        _: &mut [f32],
        out: &mut [f32],
    ) -> Result<(), NetError> {
        let TimeInput::Time(t) = time else {
            return Err(NetError::TimeInput);
        };
        let m = self.table[t as usize];
        let (a2, s2) = (m.alpha * m.alpha, m.sigma * m.sigma);
        // (α²Σ + σ²I)⁻¹ for Σ = [[1, ρ], [ρ, 1]].
        let (d, o) = (a2 + s2, a2 * RHO);
        let det = d * d - o * o;
        let (x0, x1) = (f64::from(x[0]), f64::from(x[1]));
        let (u0, u1) = ((d * x0 - o * x1) / det, (d * x1 - o * x0) / det);
        out[0] = (m.alpha * (u0 + RHO * u1)) as f32;
        out[1] = (m.alpha * (RHO * u0 + u1)) as f32;
        Ok(())
    }
}

fn oracle() -> Oracle {
    let s = schedule();
    Oracle {
        table: (0..1000).map(|t| s.marginal(f64::from(t))).collect(),
    }
}

fn rows(sampler: SamplerKind, steps: u32) -> (tinyscore::plan::PlanHeader, Vec<PlanRow>) {
    let spec = PlanSpec {
        spacing: Spacing::Trailing,
        prediction: Prediction::Sample,
        ..PlanSpec::new(sampler, steps)
    };
    let c = Compiler::new(schedule(), spec).unwrap();
    let mut rows = vec![PlanRow::from_array([0.0; 12]); c.header().rows as usize];
    c.compile_into(&mut rows).unwrap();
    (c.header(), rows)
}

fn data(rng: &mut Xoshiro256PlusPlus) -> [f32; 2] {
    let (z0, z1) = (standard_normal(rng), standard_normal(rng));
    let c = (1.0 - RHO * RHO).sqrt() as f32;
    [z0, RHO as f32 * z0 + c * z1]
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt(),
    )
}

const N: usize = 3000;

#[test]
fn imputation_samples_the_conditional() {
    let (header, plan_rows) = rows(SamplerKind::Ddim { eta: 1.0 }, 50);
    let mut scratch = vec![0.0; register_len(2)];
    let plan = RowsPlan::new(header, &plan_rows);
    let mut sampler = Sampler::with_denoiser(oracle(), schedule(), plan, &mut scratch).unwrap();
    let observed = [1.0f32, 0.0];
    let mask = [true, false];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    // x₁ | x₀ = 1 ~ N(0.8, 0.36); at N = 3000 the standard error of the mean
    // is 0.011, of the standard deviation 0.008.
    let mut impute = |resample: u32| {
        let mut out = Vec::with_capacity(N);
        for _ in 0..N {
            let mut x = [0.0f32; 2];
            sampler
                .impute(&mut x, &observed, &mask, resample, &mut rng)
                .unwrap();
            assert_eq!(x[0], 1.0, "the observed coordinate ends exact");
            out.push(f64::from(x[1]));
        }
        mean_std(&out)
    };
    // Plain replacement is pulled toward the unconditional mean 0 for
    // correlated coordinates (measured: mean 0.48, std 0.66); RePaint's
    // resampling (R = 10) brings the mean to within 0.05 of 0.8 (measured
    // 0.757) but leaves the spread narrow (measured 0.48 against 0.6), a
    // known limit of the method.
    let (m1, _) = impute(1);
    assert!((0.35..0.6).contains(&m1), "replacement: mean {m1}");
    let (m10, s10) = impute(10);
    assert!((m10 - RHO).abs() < 0.06, "RePaint: mean {m10}");
    assert!((0.42..0.6).contains(&s10), "RePaint: std {s10}");
}

#[test]
fn sdedit_from_data_keeps_the_data_distribution() {
    for sampler_kind in [
        SamplerKind::Ddim { eta: 0.0 },
        SamplerKind::Ddpm {
            variance: tinyscore::plan::DdpmVariance::FixedSmall,
        },
    ] {
        let (header, plan_rows) = rows(sampler_kind, 40);
        let mut scratch = vec![0.0; register_len(2)];
        let plan = RowsPlan::new(header, &plan_rows);
        let mut sampler = Sampler::with_denoiser(oracle(), schedule(), plan, &mut scratch).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let (mut a, mut b, mut ab) = (Vec::new(), Vec::new(), 0.0);
        for _ in 0..N {
            let mut x = data(&mut rng);
            sampler.sdedit(&mut x, 20, &mut rng).unwrap();
            a.push(f64::from(x[0]));
            b.push(f64::from(x[1]));
            ab += f64::from(x[0]) * f64::from(x[1]);
        }
        let ((ma, sa), (mb, sb)) = (mean_std(&a), mean_std(&b));
        let corr = (ab / N as f64 - ma * mb) / (sa * sb);
        // 4 standard errors at N = 3000, plus the plan's discretisation.
        for m in [ma, mb] {
            assert!(m.abs() < 0.08, "{sampler_kind:?}: mean {m}");
        }
        for s in [sa, sb] {
            assert!((s - 1.0).abs() < 0.08, "{sampler_kind:?}: std {s}");
        }
        assert!(
            (corr - RHO).abs() < 0.05,
            "{sampler_kind:?}: correlation {corr}"
        );
    }
}

#[test]
fn rewinding_and_estimates_follow_the_levels() {
    let (header, plan_rows) = rows(SamplerKind::Ddim { eta: 0.0 }, 10);
    let mut scratch = vec![0.0; register_len(2)];
    let plan = RowsPlan::new(header, &plan_rows);
    let mut sampler = Sampler::with_denoiser(oracle(), schedule(), plan, &mut scratch).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    // Rewinding before any row has run is refused; so are rows past the end.
    let mut x = [0.5f32, -0.5];
    assert_eq!(
        sampler.rewind(&mut x, &mut rng),
        Err(SamplerError::PlanRow { row: 0 })
    );
    assert_eq!(
        sampler.init_at(&mut x, 10, &mut rng),
        Err(SamplerError::PlanRow { row: 10 })
    );
    // init_at at the last row noises by that row's marginal; with the exact
    // denoiser, the estimate of a clean point at a low level is close to it.
    let mut out = [0.0f32; 2];
    let clean = [0.3f32, 0.2];
    sampler.estimate_x0(&clean, 9, &mut out).unwrap();
    for (o, c) in out.iter().zip(clean) {
        assert!((o - c).abs() < 0.05, "{o} vs {c}");
    }
    // Each rewind puts the next row back by one.
    sampler.init(&mut x, &mut rng).unwrap();
    sampler.step(&mut x, &mut rng).unwrap();
    sampler.step(&mut x, &mut rng).unwrap();
    assert_eq!(sampler.remaining(), 8);
    sampler.rewind(&mut x, &mut rng).unwrap();
    assert_eq!(sampler.remaining(), 9);
}

#[test]
fn plans_without_levels_refuse_data() {
    let (header, plan_rows) = rows(SamplerKind::PfOdeHeun { churn: 0.0 }, 10);
    let mut scratch = vec![0.0; register_len(2)];
    let plan = RowsPlan::new(header, &plan_rows);
    let mut sampler = Sampler::with_denoiser(oracle(), schedule(), plan, &mut scratch).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let mut x = [0.0f32; 2];
    assert_eq!(
        sampler.init_at(&mut x, 3, &mut rng),
        Err(SamplerError::NoLevels)
    );
    assert_eq!(
        sampler.impute(&mut x, &[1.0, 0.0], &[true, false], 1, &mut rng),
        Err(SamplerError::NoLevels)
    );
    assert_eq!(
        sampler.impose(&mut x, &[1.0], &[true], &mut rng),
        Err(SamplerError::Mask)
    );
}

#[test]
fn anomaly_scores_separate_outliers() {
    let (header, plan_rows) = rows(
        SamplerKind::Ddpm {
            variance: tinyscore::plan::DdpmVariance::FixedSmall,
        },
        40,
    );
    let mut scratch = vec![0.0; register_len(2)];
    let plan = RowsPlan::new(header, &plan_rows);
    let mut sampler = Sampler::with_denoiser(oracle(), schedule(), plan, &mut scratch).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut work = [0.0f32; 4];
    let levels = [30u32, 34, 38];
    let mut score = |x: [f32; 2], rng: &mut Xoshiro256PlusPlus| {
        sampler
            .anomaly_score(&x, levels.iter().copied(), 4, &mut work, rng)
            .unwrap()
    };
    let typical: f32 = (0..200)
        .map(|_| score(data(&mut rng), &mut rng))
        .sum::<f32>()
        / 200.0;
    // (2, −2) is 4.5 standard deviations off the data's main axis for
    // ρ = 0.8: its denoising error must be far above a typical point's.
    let outlier: f32 = (0..20).map(|_| score([2.0, -2.0], &mut rng)).sum::<f32>() / 20.0;
    assert!(
        outlier > 5.0 * typical,
        "outlier {outlier}, typical {typical}"
    );
    // Too little work space is refused, not a panic.
    assert_eq!(
        sampler.anomaly_score(
            &[0.0, 0.0],
            levels.iter().copied(),
            1,
            &mut [0.0; 3],
            &mut rng
        ),
        Err(SamplerError::Scratch { needed: 4 })
    );
}

#[test]
fn stored_detector_decides_in_fixed_point() {
    use tinyscore::fixed::{FixedSampler, FixedScratch};
    use tinyscore::format::{AnomalyData, Model, SectionKind};
    let base = common::fixed_model_bytes();
    let with = |threshold_q: i64| {
        let detector = AnomalyData {
            plan: 0,
            repeats: 2,
            rows: vec![5, 8],
            threshold: 0.0,
            threshold_q,
            weights: None,
        };
        tinyscore::format::append_section(
            &base,
            SectionKind::Anomaly.code(),
            0,
            detector.to_bytes(),
        )
        .unwrap()
    };
    // The same input and seed give the same integer score; the decision is
    // that score against each threshold.
    let mut scores = Vec::new();
    for threshold_q in [0i64, i64::MAX] {
        let bytes = with(threshold_q);
        let model = Model::parse(&bytes).unwrap();
        let detector = model.anomaly().unwrap();
        assert_eq!(detector.rows().collect::<Vec<_>>(), vec![5, 8]);
        let need = FixedScratch::of(&model.fixed_network().unwrap());
        let (mut a, mut r) = (vec![0i16; need.activations], vec![0i32; need.registers]);
        let mut sampler = FixedSampler::embedded(&model, 0, &mut a, &mut r).unwrap();
        let mut work = [0i32; 4];
        let x = [1 << 16, -(1 << 15)];
        let verdict = sampler
            .detect(
                &x,
                &detector,
                &mut work,
                &mut Xoshiro256PlusPlus::seed_from_u64(6),
            )
            .unwrap();
        assert!(verdict.score > 0);
        assert_eq!(verdict.anomaly, verdict.score > threshold_q);
        scores.push(verdict.score);
    }
    assert_eq!(scores[0], scores[1]);
}

/// A weighted detector (section kind 16) scores each level with
/// `anomaly_score`, in level order on one generator, and averages the
/// levels' scores times their weights: in f32, and in fixed point with the
/// Q16.16 weights the writer rounds (`round(w·2¹⁶)`) and each product
/// rounded down.
#[test]
fn weighted_detector_averages_weighted_levels() {
    use tinyscore::fixed::{FixedSampler, FixedScratch};
    use tinyscore::format::{AnomalyData, Model};
    let weights = [0.5f32, 3.0];
    let detector = AnomalyData {
        plan: 0,
        repeats: 2,
        rows: vec![5, 8],
        threshold: 1.0,
        threshold_q: 1 << 32,
        weights: Some(weights.to_vec()),
    };
    let with = |base: &[u8]| {
        tinyscore::format::append_section(base, detector.kind().code(), 0, detector.to_bytes())
            .unwrap()
    };
    let rng = || Xoshiro256PlusPlus::seed_from_u64(6);

    let bytes = with(&common::small_model_bytes());
    let model = Model::parse(&bytes).unwrap();
    let stored = model.anomaly().unwrap();
    assert!(stored.weighted());
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut s = Sampler::embedded(&model, 0, &mut scratch).unwrap();
    let (x, mut work) = ([0.3f32, -0.7], [0.0f32; 4]);
    let mut r = rng();
    let mut expected = 0.0f32;
    for (k, w) in [5u32, 8].into_iter().zip(weights) {
        expected += w * s
            .anomaly_score(&x, [k].into_iter(), 2, &mut work, &mut r)
            .unwrap();
    }
    expected /= 2.0;
    let verdict = s.detect(&x, &stored, &mut work, &mut rng()).unwrap();
    assert_eq!(verdict.score, expected);
    assert_eq!(verdict.anomaly, expected > 1.0);

    let bytes = with(&common::fixed_model_bytes());
    let model = Model::parse(&bytes).unwrap();
    let stored = model.anomaly().unwrap();
    let need = FixedScratch::of(&model.fixed_network().unwrap());
    let (mut a, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers]);
    let mut s = FixedSampler::embedded(&model, 0, &mut a, &mut regs).unwrap();
    let (x, mut work) = ([1 << 16, -(1 << 15)], [0i32; 4]);
    let mut r = rng();
    let mut sum = 0i64;
    for (k, w) in [5u32, 8].into_iter().zip(weights) {
        let level = s
            .anomaly_score(&x, [k].into_iter(), 2, &mut work, &mut r)
            .unwrap();
        let q = (f64::from(w) * 65536.0).round() as i128;
        sum += ((i128::from(level) * q) >> 16) as i64;
    }
    let verdict = s.detect(&x, &stored, &mut work, &mut rng()).unwrap();
    assert_eq!(verdict.score, sum / 2);
}
