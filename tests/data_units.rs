//! Data units in integers (`Normalization::to_data_q`, `to_model_q`): each
//! result is the exact `x·scale + mean` (or `(x − mean)/scale`) rounded to
//! the nearest step of the data format, in every build, and agrees with the
//! float path (`to_data`, `to_model`) within that step and f32's rounding.
//!
//! The fixture is firmware/models/fixed.tsm, which a build without `float`
//! reads too, so this file runs in both builds:
//!
//! ```text
//! cargo test -p tinyscore --test data_units
//! cargo test -p tinyscore --no-default-features --test data_units
//! ```
//!
//! The expected values are computed here in f64 from the stored means and
//! scales: a model value times a scale has at most 32 + 24 significant bits,
//! so f64 holds it to within 2⁻⁵² relative, far below the half step the
//! integer path is allowed.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use tinyscore::fixed::{DataFormat, UnitsError};
use tinyscore::format::{Crc32, Model, Normalization};

/// The fixed-point fixture of the firmware (2-D, means 0.5 and −1, scales
/// 2 and 0.25), 16-byte aligned as `include_model!` keeps it.
fn fixture() -> &'static [u8] {
    tinyscore::include_model!("../firmware/models/fixed.tsm")
}

/// The fixture with its normalisation section replaced by `mean` and
/// `scale` and its CRC-32 recomputed (docs/FORMAT.md: over bytes `[0, 24)`
/// and `[28, len)`).
fn with_normalization(mean: [f32; 2], scale: [f32; 2]) -> Vec<u8> {
    let mut bytes = fixture().to_vec();
    let old: Vec<u8> = [0.5f32, -1.0, 2.0, 0.25]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let at = bytes.windows(16).position(|w| w == old).unwrap();
    let new: Vec<u8> = mean
        .iter()
        .chain(&scale)
        .flat_map(|v| v.to_le_bytes())
        .collect();
    bytes[at..at + 16].copy_from_slice(&new);
    let mut crc = Crc32::new();
    crc.update(&bytes[..24]);
    crc.update(&bytes[28..]);
    bytes[24..28].copy_from_slice(&crc.finish().to_le_bytes());
    bytes
}

/// `(mean, scale)` of each dimension, as f64.
fn terms(n: &Normalization<'_>) -> Vec<(f64, f64)> {
    n.mean()
        .iter()
        .zip(n.scale().iter())
        .map(|(m, s)| (f64::from(m), f64::from(s)))
        .collect()
}

/// Checks one element: `got` is `want` (a real number of steps) rounded to
/// the nearest step, with f64's own error as slack; or, refused, `want` or
/// the larger of its terms `term` is beyond what the format holds.
fn check(got: Result<i32, UnitsError>, index: u32, want: f64, term: f64, what: &str) {
    match got {
        Ok(got) => {
            let slack = 0.5 + 1e-9 * (1.0 + want.abs());
            assert!(
                (f64::from(got) - want).abs() <= slack,
                "{what}: {got} is not {want} rounded"
            );
        }
        Err(e) => {
            assert_eq!(e, UnitsError::Overflow { index }, "{what}");
            assert!(
                want.abs() > f64::from(i32::MAX) || term.abs() >= 2f64.powi(33),
                "{what}: {want} (terms up to {term}) refused"
            );
        }
    }
}

/// A finite `f32` from its bits, of magnitude in `[2^−lo, 2^hi)`.
fn real(lo: i32, hi: i32) -> impl Strategy<Value = f32> {
    (
        any::<bool>(),
        (127 - lo) as u32..(127 + hi) as u32,
        0u32..1 << 23,
    )
        .prop_map(|(negative, e, m)| f32::from_bits(u32::from(negative) << 31 | e << 23 | m))
}

proptest! {
    #[test]
    fn to_data_q_is_the_exact_value_rounded(
        mean in [real(40, 40), real(40, 40)],
        scale in [real(40, 40), real(40, 40)],
        x in [any::<i32>(), any::<i32>()],
        frac in 0u32..=DataFormat::MAX_FRAC_BITS,
    ) {
        let bytes = with_normalization(mean, scale.map(f32::abs));
        let model = Model::parse(&bytes).unwrap();
        let n = model.normalization();
        let mut q = x;
        let result = n.to_data_q(&mut q, DataFormat::new(frac).unwrap());
        let step = 2f64.powi(frac as i32);
        for (i, (v, (mean, scale))) in x.iter().zip(terms(&n)).enumerate() {
            let product = f64::from(*v) / 65536.0 * scale * step;
            let got = match result {
                Err(UnitsError::Overflow { index }) if index as usize == i => Err(result.unwrap_err()),
                Err(UnitsError::Overflow { index }) if (index as usize) < i => continue,
                _ => Ok(q[i]),
            };
            check(got, i as u32, product + mean * step, product.max(mean * step), "to_data_q");
        }
    }

    #[test]
    fn to_model_q_is_the_exact_value_rounded(
        mean in [real(40, 40), real(40, 40)],
        scale in [real(40, 40), real(40, 40)],
        data in [any::<i32>(), any::<i32>()],
        frac in 0u32..=DataFormat::MAX_FRAC_BITS,
    ) {
        let bytes = with_normalization(mean, scale.map(f32::abs));
        let model = Model::parse(&bytes).unwrap();
        let n = model.normalization();
        let mut q = data;
        let result = n.to_model_q(&mut q, DataFormat::new(frac).unwrap());
        for (i, (d, (mean, scale))) in data.iter().zip(terms(&n)).enumerate() {
            let (a, b) = (f64::from(*d) * 2f64.powi(-(frac as i32)) / scale * 65536.0, mean / scale * 65536.0);
            let got = match result {
                Err(UnitsError::Overflow { index }) if index as usize == i => Err(result.unwrap_err()),
                Err(UnitsError::Overflow { index }) if (index as usize) < i => continue,
                _ => Ok(q[i]),
            };
            check(got, i as u32, a - b, a.abs().max(b.abs()), "to_model_q");
        }
    }

    #[test]
    fn a_round_trip_moves_a_state_by_at_most_its_rounding(
        x in [-(1i32 << 20)..(1i32 << 20), -(1i32 << 20)..(1i32 << 20)],
    ) {
        let bytes = with_normalization([21.37, -1013.25], [3.1, 0.0123]);
        let model = Model::parse(&bytes).unwrap();
        let n = model.normalization();
        let mut q = x;
        n.to_data_q(&mut q, DataFormat::Q16_16).unwrap();
        n.to_model_q(&mut q, DataFormat::Q16_16).unwrap();
        // Half a data step is 2⁻¹⁷ data units, 2⁻¹⁷/scale model units, or
        // (2⁻¹⁷/scale)·2¹⁶ steps of the state, plus half a step of its own.
        for ((back, v), (_, scale)) in q.iter().zip(&x).zip(terms(&n)) {
            let bound = 0.5 / scale + 0.5;
            prop_assert!(f64::from(back - v).abs() <= bound, "{v} came back as {back}");
        }
    }
}

#[cfg(feature = "float")]
proptest! {
    #[test]
    fn the_integer_path_agrees_with_the_float_path(
        x in [-(1i32 << 22)..(1i32 << 22), -(1i32 << 22)..(1i32 << 22)],
    ) {
        let bytes = with_normalization([21.37, -1013.25], [3.1, 0.0123]);
        let model = Model::parse(&bytes).unwrap();
        let n = model.normalization();
        let mut q = x;
        n.to_data_q(&mut q, DataFormat::Q16_16).unwrap();
        let mut f: Vec<f32> = x.iter().map(|v| *v as f32 / 65536.0).collect();
        n.to_data(&mut f);
        // Half a step of Q16.16, and f32's rounding of the product and of
        // the sum (the states are exact in f32), each within 2⁻²⁴ relative:
        // |x·scale| ≤ |data| + |mean|.
        let ulp = 2f64.powi(-24);
        let mut data_gaps = Vec::new();
        for ((got, want), (mean, _)) in q.iter().zip(&f).zip(terms(&n)) {
            let want = f64::from(*want);
            let gap = (f64::from(*got) / 65536.0 - want).abs();
            prop_assert!(gap <= 0.5 / 65536.0 + ulp * (2.0 * want.abs() + mean.abs()));
            data_gaps.push(gap);
        }
        // Back: the data already differ by that gap, which the division by
        // the scale magnifies; then the same two roundings and half a step.
        let mut back = q;
        n.to_model_q(&mut back, DataFormat::Q16_16).unwrap();
        let data = f.clone();
        n.to_model(&mut f);
        for (((got, want), (mean, scale)), (d, gap)) in back.iter().zip(&f).zip(terms(&n)).zip(data.iter().zip(data_gaps)) {
            let want = f64::from(*want);
            let rounding = ulp * ((f64::from(*d).abs() + mean.abs()) / scale + want.abs());
            let model_gap = (f64::from(*got) / 65536.0 - want).abs();
            prop_assert!(model_gap <= 0.5 / 65536.0 + gap / scale + rounding);
        }
    }
}

#[test]
fn values_outside_the_format_are_refused_by_element() {
    let model = Model::parse(fixture()).unwrap();
    let n = model.normalization();
    // Element 0: 0 model units are the mean, 0.5, which Q0.31 holds;
    // element 1: 32768 model units are 8191 data units, which it does not.
    let mut x = [0, i32::MAX];
    let refused = n.to_data_q(&mut x, DataFormat::new(31).unwrap());
    assert_eq!(refused, Err(UnitsError::Overflow { index: 1 }));
    assert_eq!(
        x,
        [1 << 30, i32::MAX],
        "element 0 converted, 1 left as it was"
    );
    let mut wrong = [0; 3];
    assert_eq!(
        n.to_model_q(&mut wrong, DataFormat::Q16_16),
        Err(UnitsError::Dimension { expected: 2 })
    );
    assert_eq!(DataFormat::new(32), None);
}
