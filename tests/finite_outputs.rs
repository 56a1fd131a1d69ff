//! The finite-output contract (src/finite.rs): models that every parse
//! check accepts but whose numbers, all finite, overflow f32 — one of each
//! kind an independent robustness run found sampling NaN or ±∞ — are
//! refused while sampling with a typed error, in every backend and every
//! procedure, and a detector never answers "normal" when its score is not
//! a number. Fixed point is bounded at parse: its normalisation maps every
//! state to a finite data value.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::fixed::state_to_f32;
use tinyscore::format::{
    self, AnomalyData, FormatError, MAX_MEAN, MAX_SCALE, Model, ModelSpec, SectionKind, WeightsData,
};
use tinyscore::net::{Guidance, MAX_GUIDANCE};
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::stepper::Stepper;

/// A spec's float weights, f32 or f16, to edit.
fn float_weights<'s>(spec: &'s mut ModelSpec<'_>) -> &'s mut Vec<f32> {
    match &mut spec.weights {
        WeightsData::F32(w) | WeightsData::F16(w) => w,
        WeightsData::Fixed { .. } => panic!("a float spec"),
    }
}

/// Draws one sample of `bytes`' embedded plan 0 with each of 8 seeds
/// (optionally guided) and returns the first error; panics if a sample
/// comes back with a value that is not finite.
fn first_error(bytes: &[u8], guidance: Option<Guidance<f32>>) -> Option<SamplerError> {
    let model = Model::parse(bytes).expect("the mutant passes every parse check");
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut x = vec![0.0; model.topology().x_dim() as usize];
    for seed in 0..8 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let result = match guidance {
            None => Sampler::embedded(&model, 0, &mut scratch)
                .and_then(|mut s| s.sample(&mut x, &mut rng)),
            Some(g) => Sampler::embedded_guided(&model, 0, g, &mut scratch)
                .and_then(|mut s| s.sample(&mut x, &mut rng)),
        };
        match result {
            Err(e) => return Some(e),
            Ok(()) => assert!(x.iter().all(|v| v.is_finite()), "silent garbage: {x:?}"),
        }
    }
    None
}

#[test]
fn an_f32_weight_that_overflows_is_refused() {
    // The robustness run's example: one f32 weight of 4e29.
    let mut spec = common::small_spec();
    float_weights(&mut spec)[0] = 4e29;
    let e = first_error(&format::write(&spec).unwrap(), None).expect("refused");
    assert!(e.is_non_finite(), "{e:?}");
}

#[test]
fn an_f16_model_whose_bias_overflows_is_refused() {
    // f16 weights cannot hold 4e29, but biases stay f32: the first layer's
    // first bias (after its 16 × 10 weights) at 3e38.
    let mut spec = common::f16_spec();
    float_weights(&mut spec)[16 * 10] = 3e38;
    let e = first_error(&format::write(&spec).unwrap(), None).expect("refused");
    assert!(e.is_non_finite(), "{e:?}");
}

#[test]
fn an_initial_noise_scale_that_overflows_is_refused() {
    // The robustness run's example: a plan whose init_std is 3.4e38.
    let mut spec = common::small_spec();
    spec.plans[0].header.init_std = 3.4e38;
    let e = first_error(&format::write(&spec).unwrap(), None).expect("refused");
    assert!(e.is_non_finite(), "{e:?}");
}

#[test]
fn a_class_bias_that_overflows_is_refused() {
    // One class-bias value of class 0 at 3.4e38.
    let mut spec = common::conditional_spec(common::small_spec(), 3);
    if let Some(format::ClassBiasData::F32 { rows, .. }) = &mut spec.class_bias {
        rows[0] = 3.4e38;
    }
    let guidance = Guidance {
        class: 0,
        weight: 1.5,
    };
    let e = first_error(&format::write(&spec).unwrap(), Some(guidance)).expect("refused");
    assert!(e.is_non_finite(), "{e:?}");
}

#[test]
fn guidance_weights_outside_the_q16_range_are_refused_in_every_backend() {
    let bytes = format::write(&common::conditional_spec(common::small_spec(), 3)).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let mut scratch = vec![0.0; model.scratch_len()];
    for weight in [3e38, -3e38, MAX_GUIDANCE, f32::NAN, f32::INFINITY] {
        let g = Guidance { class: 0, weight };
        let refused = Sampler::embedded_guided(&model, 0, g, &mut scratch).err();
        assert_eq!(refused, Some(SamplerError::Guidance), "weight {weight}");
    }
    // The largest weight below the limit still samples (or is refused as
    // non-finite, never garbage).
    let g = Guidance {
        class: 0,
        weight: MAX_GUIDANCE - 1.0,
    };
    if let Some(e) = first_error(&bytes, Some(g)) {
        assert!(e.is_non_finite(), "{e:?}");
    }
}

/// `spec` with an anomaly detector on plan 0 (rows 2 and 5, 2 draws each)
/// whose thresholds are `threshold` and the same in Q32.32.
fn with_detector(spec: &ModelSpec<'_>, threshold: f32) -> Vec<u8> {
    let detector = AnomalyData {
        plan: 0,
        repeats: 2,
        rows: vec![2, 5],
        threshold,
        threshold_q: (f64::from(threshold) * 2f64.powi(32)) as i64,
        weights: None,
    };
    let base = format::write(spec).unwrap();
    format::append_section(&base, SectionKind::Anomaly.code(), 0, detector.to_bytes()).unwrap()
}

#[test]
fn a_detector_whose_score_is_not_a_number_is_an_error_not_normal() {
    // The robustness run's example: an f16 model whose normalisation scale
    // is 1.4e-40 (subnormal) scored "NaN,0". Data rows enter the model's
    // units through `to_model`, as `tinyscore score` does.
    let mut spec = common::f16_spec();
    spec.scale = vec![1.4e-40, 1.0];
    let bytes = with_detector(&spec, 0.5);
    let model = Model::parse(&bytes).unwrap();
    let detector = model.anomaly().unwrap();
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut sampler = Sampler::embedded(&model, 0, &mut scratch).unwrap();
    let mut work = vec![0.0; 4];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut x = vec![0.75, -0.25];
    model.normalization().to_model(&mut x);
    let e = sampler
        .detect(&x, &detector, &mut work, &mut rng)
        .expect_err("no verdict on a score that is not finite");
    assert!(e.is_non_finite(), "{e:?}");

    // A finite input whose squared error overflows: no infinite score.
    let big = vec![1e30, 1e30];
    match sampler.detect(&big, &detector, &mut work, &mut rng) {
        Ok(v) => assert!(v.score.is_finite() && v.anomaly, "{v:?}"),
        Err(e) => assert!(e.is_non_finite(), "{e:?}"),
    }
}

#[test]
fn every_procedure_refuses_rather_than_returning_garbage() {
    // With a first-layer weight of 3e38 every network evaluation on a state
    // with a first coordinate above about 1.2 overflows: imputation, SDEdit
    // and the estimates x̂₀, Tweedie and the score all refuse.
    let mut spec = common::small_spec();
    float_weights(&mut spec)[0] = 3e38;
    let bytes = format::write(&spec).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut s = Sampler::embedded(&model, 0, &mut scratch).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let (observed, mask) = ([2.0f32, 2.0], [true, false]);
    let mut x = [2.0f32, 2.0];
    let mut out = [0.0f32; 2];
    let results = [
        s.impute(&mut x, &observed, &mask, 2, &mut rng),
        s.sdedit(&mut [2.0, 2.0], 9, &mut rng),
        s.estimate_x0(&[2.0, 2.0], 9, &mut out),
        s.denoise(&[2.0, 2.0], 10.0, &mut out),
        s.score(&[2.0, 2.0], 10.0, &mut out),
    ];
    for (i, r) in results.into_iter().enumerate() {
        let e = r.expect_err("refused");
        assert!(e.is_non_finite(), "procedure {i}: {e:?}");
    }
}

#[test]
fn normalisation_that_would_map_a_state_to_infinity_is_refused_at_parse() {
    // The robustness run's example: a fixed-point model with a
    // normalisation scale of 3.4e38 sampled ±inf in data units although
    // its sampler is integer-only.
    let mut spec = common::fixed_spec();
    // (The writer checks what it writes with the parser.)
    spec.scale = vec![1.0, 3.4e38];
    assert_eq!(
        format::write(&spec).err(),
        Some(FormatError::NormalizationRange { index: 3 })
    );
    spec.scale = vec![1.0, 1.0];
    spec.mean = vec![-3e38, 0.0];
    assert_eq!(
        format::write(&spec).err(),
        Some(FormatError::NormalizationRange { index: 0 })
    );
}

#[test]
fn at_the_normalisation_limits_every_fixed_point_state_maps_to_a_finite_value() {
    // The bound the parser proves: |state| ≤ 2¹⁵, scale ≤ 2¹¹⁰ and
    // |mean| ≤ 2¹²⁶ give |state·scale + mean| < 2¹²⁷.
    let mut spec = common::fixed_spec();
    spec.scale = vec![MAX_SCALE, MAX_SCALE];
    spec.mean = vec![MAX_MEAN, -MAX_MEAN];
    let bytes = format::write(&spec).unwrap();
    let model = Model::parse(&bytes).expect("the limits themselves are accepted");
    for state in [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX] {
        let mut x = [state_to_f32(state), state_to_f32(state)];
        model.normalization().to_data(&mut x);
        assert!(x.iter().all(|v| v.is_finite()), "state {state}: {x:?}");
    }
}
