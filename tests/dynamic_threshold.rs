//! Dynamic thresholding of x̂₀ (data range flag bit 1, format 1.6): each
//! backend's estimate equals an independent, sort-based reference of the
//! rule of docs/FORMAT.md (section 12) applied to the unthresholded
//! estimate — to f32 rounding for the float backends, to a few Q16.16
//! steps for fixed point — and samples drawn with it end inside the
//! bounds, differently from the static clip's.
#![cfg(feature = "std")]
#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

mod common;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::fixed::quantize::quantize;
use tinyscore::fixed::{FixedSampler, FixedScratch};
use tinyscore::format::{self, DataRangeData, DynamicThresholdData, Model, SectionKind};
use tinyscore::noise::standard_normal;
use tinyscore::plan::DynamicThreshold;
use tinyscore::plan::threshold::kth_smallest;
use tinyscore::sampler::Sampler;
use tinyscore::stepper::Stepper;

/// Data dimension of the fixtures: enough coordinates for the percentile
/// to fall between two of them.
const DIM: u32 = 16;
/// Rows of the fixtures' DDIM plan.
const ROWS: u32 = 10;
/// The percentile written; stored as round(0.9·2¹⁶) = 58 982.
const PERCENTILE: f64 = 0.9;
/// Inputs per row.
const DRAWS: u64 = 12;

/// `bytes` with a data range of `[-half, half]` in every dimension, no
/// margin, and a dynamic threshold at [`PERCENTILE`] bounded by `max`.
fn with_dynamic(bytes: &[u8], half: f32, max: f32) -> Vec<u8> {
    let range = DataRangeData {
        clips: true,
        dynamic: Some(DynamicThresholdData {
            percentile: PERCENTILE,
            max,
        }),
        margin: 0.0,
        low: vec![-half; DIM as usize],
        high: vec![half; DIM as usize],
    };
    format::append_section(bytes, SectionKind::DataRange.code(), 0, range.to_bytes()).unwrap()
}

/// The rule of docs/FORMAT.md written out in f64 with a sort: with
/// `u = (x̂₀ − mid)/half` per element, `s` is the percentile of `|u|` by
/// torch.quantile's linear interpolation at `p·(n − 1)` (`p` the stored
/// `percentile`·2⁻¹⁶), bounded to `[1, max]`, and x̂₀ becomes
/// `mid + (x̂₀ − mid)/s` clipped to `[low, high]`. Returns the result and
/// `s`.
fn reference(raw: &[f64], low: &[f64], high: &[f64], percentile: u32, max: f64) -> (Vec<f64>, f64) {
    let centre = |i: usize| ((low[i] + high[i]) / 2.0, (high[i] - low[i]) / 2.0);
    let mut u: Vec<f64> = (0..raw.len())
        .map(|i| {
            let (mid, half) = centre(i);
            if half > 0.0 {
                ((raw[i] - mid) / half).abs()
            } else {
                0.0
            }
        })
        .collect();
    u.sort_by(f64::total_cmp);
    let position = f64::from(percentile) / 65536.0 * (raw.len() - 1) as f64;
    let k = position.floor() as usize;
    let next = u[(k + 1).min(u.len() - 1)];
    let s = (u[k] + (position - k as f64) * (next - u[k])).clamp(1.0, max);
    let out = (0..raw.len())
        .map(|i| {
            let (mid, _) = centre(i);
            (mid + (raw[i] - mid) / s).clamp(low[i], high[i])
        })
        .collect();
    (out, s)
}

/// Inputs `x` for row `k`: standard normal draws, `DRAWS` per row.
fn inputs() -> Vec<(u32, Vec<f32>)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    (0..ROWS)
        .flat_map(|k| (0..DRAWS).map(move |_| k))
        .map(|k| {
            let x = (0..DIM).map(|_| standard_normal(&mut rng)).collect();
            (k, x)
        })
        .collect()
}

/// The median of the magnitudes: a bound half the estimates leave.
fn median_magnitude<'v>(values: impl Iterator<Item = &'v f64>) -> f64 {
    let mut m: Vec<f64> = values.map(|v| v.abs()).collect();
    m.sort_by(f64::total_cmp);
    m[m.len() / 2]
}

/// Each input's x̂₀ (at row `k`) by `sampler`.
fn estimates<S: Stepper>(sampler: &mut S, inputs: &[(u32, Vec<S::Value>)]) -> Vec<Vec<S::Value>> {
    let mut out = vec![S::Value::default(); DIM as usize];
    inputs
        .iter()
        .map(|(k, x)| {
            sampler.estimate_x0(x, *k, &mut out).unwrap();
            out.clone()
        })
        .collect()
}

/// Each input's x̂₀ by float model `bytes`.
fn float_estimates(bytes: &[u8], inputs: &[(u32, Vec<f32>)]) -> Vec<Vec<f32>> {
    let model = Model::parse(bytes).unwrap();
    let mut scratch = vec![0.0; model.scratch_len()];
    estimates(
        &mut Sampler::embedded(&model, 0, &mut scratch).unwrap(),
        inputs,
    )
}

/// Each input's x̂₀ (Q16.16) by fixed-point model `bytes`.
fn fixed_estimates(bytes: &[u8], inputs: &[(u32, Vec<i32>)]) -> Vec<Vec<i32>> {
    let model = Model::parse(bytes).unwrap();
    let need = FixedScratch::of(&model.fixed_network().unwrap());
    let (mut acts, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers]);
    estimates(
        &mut FixedSampler::embedded(&model, 0, &mut acts, &mut regs).unwrap(),
        inputs,
    )
}

#[test]
fn the_percentile_is_torchs_linear_interpolation() {
    // torch.quantile(torch.tensor([0.1, 0.5, 0.2, 0.9]), 0.995) = 0.894: at
    // 0.995·3 = 2.985 between the sorted values 0.5 (rank 2) and 0.9. The
    // stored p is round(0.995·2¹⁶) = 65 208, so 65 208·3 = 195 624 = 2·2¹⁶
    // + 64 552: rank 2, weight 64 552·2⁻¹⁶ (0.98499 for torch's 0.985).
    let t = DynamicThreshold::new(65_208, 1e4, i32::MAX).unwrap();
    assert_eq!(t.rank(4), (2, 64_552));
    let keys = [10u32, 50, 20, 90];
    let count = |m: u32| keys.iter().filter(|&&k| k <= m).count();
    assert_eq!(kth_smallest(2, count), 50);
    assert_eq!(kth_smallest(3, count), 90);
    assert_eq!(kth_smallest(0, count), 10);
    // p = 1 is the largest value; one coordinate is its own percentile.
    let top = DynamicThreshold::new(65_536, 1.0, 65_536).unwrap();
    assert_eq!(top.rank(16), (15, 0));
    assert_eq!(t.rank(1), (0, 0));
    // Out of range: p = 0, p above 1, a bound below 1.0 (Q16.16).
    assert!(DynamicThreshold::new(0, 1.0, 65_536).is_none());
    assert!(DynamicThreshold::new(65_537, 1.0, 65_536).is_none());
    assert!(DynamicThreshold::new(1, 1.0, 65_535).is_none());
}

#[test]
fn float_estimates_match_the_sorting_reference() {
    let plain = format::write(&common::mlp_spec_of_dim(DIM, 16, 8, ROWS, false)).unwrap();
    let inputs = inputs();
    let raw = float_estimates(&plain, &inputs);
    let half = median_magnitude(
        raw.iter()
            .flatten()
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>()
            .iter(),
    ) as f32;
    let max = 40.0;
    let dynamic = float_estimates(&with_dynamic(&plain, half, max), &inputs);
    let clipped = float_estimates(&common::with_data_range(&plain, half, true), &inputs);
    let bounds = vec![f64::from(half); DIM as usize];
    let low: Vec<f64> = bounds.iter().map(|b| -b).collect();
    let (mut shrunk, mut bounded) = (0, 0);
    for ((raw, got), clip) in raw.iter().zip(&dynamic).zip(&clipped) {
        let raw: Vec<f64> = raw.iter().map(|&v| f64::from(v)).collect();
        let (want, s) = reference(&raw, &low, &bounds, 58_982, f64::from(max));
        for (g, w) in got.iter().zip(&want) {
            let tolerance = 2e-6 * f64::from(half).max(w.abs());
            assert!((f64::from(*g) - w).abs() <= tolerance, "{g} vs {w} (s {s})");
        }
        if s > 1.0 {
            shrunk += 1;
            bounded += usize::from(s == f64::from(max));
        } else {
            // s = 1 is the static clip, bit for bit.
            assert_eq!(got, clip);
        }
    }
    // The fixture exercises all three cases: the static clip, a shrink,
    // and a shrink bounded by `max`.
    assert!(
        shrunk > 0 && shrunk < raw.len(),
        "{shrunk} of {} shrunk",
        raw.len()
    );
    assert!(
        bounded > 0 && bounded < shrunk,
        "{bounded} of {shrunk} at the bound"
    );
}

#[test]
fn fixed_estimates_match_the_reference_within_quantisation() {
    let spec = common::mlp_spec_of_dim(DIM, 16, 8, ROWS, true);
    let fixed = quantize(&spec, &common::trajectory_scales(&spec, 64, 1.25)).unwrap();
    let plain = format::write(&fixed).unwrap();
    let inputs: Vec<(u32, Vec<i32>)> = inputs()
        .into_iter()
        .map(|(k, x)| (k, x.iter().map(|v| (v * 65536.0).round() as i32).collect()))
        .collect();
    let raw = fixed_estimates(&plain, &inputs);
    let magnitudes: Vec<f64> = raw
        .iter()
        .flatten()
        .map(|&v| f64::from(v) / 65536.0)
        .collect();
    let half = median_magnitude(magnitudes.iter()) as f32;
    let max = 40.0;
    let bytes = with_dynamic(&plain, half, max);
    let range = Model::parse(&bytes).unwrap().data_range().unwrap();
    let (low, high): (Vec<f64>, Vec<f64>) = range
        .bounds_q()
        .map(|(l, h)| (f64::from(l) / 65536.0, f64::from(h) / 65536.0))
        .unzip();
    let dynamic = fixed_estimates(&bytes, &inputs);
    let mut shrunk = 0;
    for (raw, got) in raw.iter().zip(&dynamic) {
        let raw: Vec<f64> = raw.iter().map(|&v| f64::from(v) / 65536.0).collect();
        let (want, s) = reference(&raw, &low, &high, 58_982, f64::from(max));
        shrunk += usize::from(s > 1.0);
        // The keys are ⌈|u|·2¹⁶⌉ and s is rounded to 2⁻¹⁶: s may be off by
        // 2·2⁻¹⁶, which moves mid + (x̂₀ − mid)/s (at most `half` from mid)
        // by half·2·2⁻¹⁶/s; one more step for the division's rounding and
        // one for the halving.
        let steps = 2.0 + 2.0 * f64::from(half);
        for (g, w) in got.iter().zip(&want) {
            let off = (f64::from(*g) - w * 65536.0).abs();
            assert!(off <= steps, "{g} vs {} (s {s}): {off} steps", w * 65536.0);
        }
    }
    assert!(
        shrunk > 0 && shrunk < raw.len(),
        "{shrunk} of {} shrunk",
        raw.len()
    );
}

#[test]
fn samples_end_inside_the_bounds_and_differ_from_the_static_clips() {
    let float = format::write(&common::mlp_spec_of_dim(DIM, 16, 8, ROWS, false)).unwrap();
    let spec = common::mlp_spec_of_dim(DIM, 16, 8, ROWS, true);
    let fixed = quantize(&spec, &common::trajectory_scales(&spec, 64, 1.25)).unwrap();
    let fixed = format::write(&fixed).unwrap();
    let half = 0.5;
    // Model units from the data units `float_samples` returns.
    let model_units = |bytes: &[u8]| {
        let model = Model::parse(bytes).unwrap();
        let mut x = common::float_samples(bytes);
        x.chunks_exact_mut(DIM as usize)
            .for_each(|v| model.normalization().to_model(v));
        x
    };
    let dynamic = model_units(&with_dynamic(&float, half, 1e4));
    let clipped = model_units(&common::with_data_range(&float, half, true));
    assert!(
        dynamic.iter().all(|v| v.abs() <= half + 1e-5),
        "float outside ±{half}"
    );
    assert_ne!(dynamic, clipped);

    let (dynamic, _) = common::fixed_samples(&with_dynamic(&fixed, half, 1e4));
    let (clipped, _) = common::fixed_samples(&common::with_data_range(&fixed, half, true));
    // As in tests/data_range.rs: the last row's a·x + b·x̂₀ may round by
    // one more unit past the Q16.16 bound.
    assert!(
        dynamic.iter().all(|v| v.abs() <= 32_768 + 1),
        "fixed outside ±{half}"
    );
    assert_ne!(dynamic, clipped);
}
