//! The data range section (kind 12): with its clip flag every backend's
//! sampler keeps x̂₀ inside the stored bounds at every row, so a DDIM
//! sample (whose last row returns x̂₀) ends inside them; without the flag,
//! or with bounds the samples never reach, the samples are bit for bit
//! those of the file without the section.
#![cfg(feature = "std")]
#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

mod common;

use tinyscore::fixed::state_to_f32;
use tinyscore::format::{self, DataRangeData, Model, SectionKind, WeightsData};

/// Float samples of `bytes` in model units.
fn float_model_units(bytes: &[u8]) -> Vec<f32> {
    let model = Model::parse(bytes).unwrap();
    let dim = model.topology().x_dim() as usize;
    let mut x = common::float_samples(bytes);
    x.chunks_exact_mut(dim)
        .for_each(|v| model.normalization().to_model(v));
    x
}

fn f16_model_bytes() -> Vec<u8> {
    let mut spec = common::small_spec();
    spec.weights = WeightsData::F16(common::f32_params(&spec).to_vec());
    format::write(&spec).unwrap()
}

/// The largest |value| of the unclipped samples, and the bound used: half
/// of it, so that clipping must act.
fn bound_below(values: impl Iterator<Item = f32>) -> f32 {
    let largest = values.fold(0f32, |m, v| m.max(v.abs()));
    assert!(largest > 0.1, "the fixture's samples spread ({largest})");
    largest / 2.0
}

#[test]
fn float_samples_end_inside_the_bounds() {
    for bytes in [common::small_model_bytes(), f16_model_bytes()] {
        let half = bound_below(float_model_units(&bytes).into_iter());
        let clipped = float_model_units(&common::with_data_range(&bytes, half, true));
        // The model-units round trip of the data-units output (x·s + m,
        // then (x − m)/s) may move a value by a few ulps.
        let tolerance = 1e-5 * half.max(1.0);
        for v in &clipped {
            assert!(v.abs() <= half + tolerance, "{v} outside ±{half}");
        }
        assert!(clipped.iter().any(|v| v.abs() > half - tolerance));
    }
}

#[test]
fn fixed_samples_end_inside_the_bounds() {
    let bytes = common::fixed_model_bytes();
    let (states, _) = common::fixed_samples(&bytes);
    let half = bound_below(states.iter().map(|&s| state_to_f32(s)));
    let (clipped, _) = common::fixed_samples(&common::with_data_range(&bytes, half, true));
    // The writer rounds the Q16.16 bounds outwards; the last row's
    // `a·x + b·x̂₀` may round by one more unit.
    let bound = (f64::from(half) * 65536.0).ceil() as i32 + 1;
    for s in &clipped {
        assert!(s.abs() <= bound, "{s} outside ±{bound}");
    }
    assert_ne!(clipped, states);
}

#[test]
fn a_range_that_does_not_clip_changes_no_bit() {
    let fixed = common::fixed_model_bytes();
    for bytes in [common::small_model_bytes(), f16_model_bytes()] {
        let plain = common::float_samples(&bytes);
        for (half, clips) in [(0.01, false), (1e6, true)] {
            let ranged = common::float_samples(&common::with_data_range(&bytes, half, clips));
            assert_eq!(
                plain.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                ranged.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "half {half}, clips {clips}"
            );
        }
    }
    let (plain, _) = common::fixed_samples(&fixed);
    for (half, clips) in [(0.01, false), (1e4, true)] {
        let (ranged, _) = common::fixed_samples(&common::with_data_range(&fixed, half, clips));
        assert_eq!(plain, ranged, "half {half}, clips {clips}");
    }
}

#[test]
fn the_writer_widens_the_range_by_the_margin() {
    let bytes = common::small_model_bytes();
    let range = DataRangeData {
        clips: true,
        dynamic: None,
        margin: 0.25,
        low: vec![-1.0, 2.0],
        high: vec![1.0, 2.0],
    };
    let with =
        format::append_section(&bytes, SectionKind::DataRange.code(), 0, range.to_bytes()).unwrap();
    let stored = Model::parse(&with).unwrap().data_range().unwrap();
    assert!(stored.clips());
    assert_eq!(stored.margin(), 0.25);
    assert_eq!(stored.low().iter().collect::<Vec<_>>(), [-1.0, 2.0]);
    assert_eq!(stored.high().iter().collect::<Vec<_>>(), [1.0, 2.0]);
    // Width 2 → reach 0.5; width 0 (a constant column) → no reach.
    assert_eq!(
        stored.bounds().collect::<Vec<_>>(),
        [(-1.5, 1.5), (2.0, 2.0)]
    );
    // Q16.16: ±1.5·2¹⁶ = ±98 304, 2·2¹⁶ = 131 072 (exact, so no rounding).
    assert_eq!(
        stored.bounds_q().collect::<Vec<_>>(),
        [(-98_304, 98_304), (131_072, 131_072)]
    );
}
