//! The fixed-point backend's arithmetic against f64 references:
//! requantisation (gemmlowp's rounding and its edge cases), plan
//! coefficients, activation tables, and the whole network, which must track
//! the f32 network within the bound a first-order quantisation error
//! analysis gives for each input.
#![cfg(feature = "std")]
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use std::sync::LazyLock;
use tinyscore::fixed::encode::activation_table;
use tinyscore::fixed::lut::{LUT_LEN, entry_input, interpolate};
use tinyscore::fixed::quantize::{TensorScales, quantize};
use tinyscore::fixed::requantize::{
    rounding_divide_by_pot, rounding_divide_by_pot_i32, saturating_rounding_doubling_high_mul,
};
use tinyscore::fixed::{Coefficient, Multiplier, STATE_FRAC_BITS, saturate_i32};
use tinyscore::format::{
    self, Activation, FixedLayer, I16s, Layer, Model, ModelSpec, SectionKind, WeightLayout,
};

// ---- Requantisation ------------------------------------------------------

#[test]
fn doubling_high_mul_edge_cases() {
    // gemmlowp: the one overflowing product saturates.
    assert_eq!(
        saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
        i32::MAX
    );
    // i32::MIN × i32::MAX = −2⁶² + 2³¹: −2⁶²⁺¹/2³²… exactly −(2³¹ − 1).
    assert_eq!(
        saturating_rounding_doubling_high_mul(i32::MIN, i32::MAX),
        -i32::MAX
    );
    // Halves round up (toward +∞), as gemmlowp's nudge-then-truncate does:
    // ½ → 1, −½ → 0, −1.5 → −1.
    assert_eq!(saturating_rounding_doubling_high_mul(1, 1 << 30), 1);
    assert_eq!(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);
    assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
    // Just below a half rounds toward zero.
    assert_eq!(saturating_rounding_doubling_high_mul(1, (1 << 30) - 1), 0);
    assert_eq!(saturating_rounding_doubling_high_mul(-1, (1 << 30) - 1), 0);
}

#[test]
fn rounding_divide_by_pot_edge_cases() {
    // Negative halves go away from zero: −5/2 = −2.5 → −3, −4/2 → −2.
    assert_eq!(rounding_divide_by_pot(-5, 1), -3);
    assert_eq!(rounding_divide_by_pot(5, 1), 3);
    assert_eq!(rounding_divide_by_pot(-4, 1), -2);
    assert_eq!(rounding_divide_by_pot(-3, 2), -1); // −0.75
    assert_eq!(rounding_divide_by_pot(-2, 2), -1); // −0.5
    assert_eq!(rounding_divide_by_pot(-1, 2), 0); // −0.25
    // Shift 0 is the identity; shifts at the top end.
    assert_eq!(rounding_divide_by_pot(-7, 0), -7);
    assert_eq!(rounding_divide_by_pot(i64::from(i32::MIN), 31), -1);
    assert_eq!(rounding_divide_by_pot(i64::from(i32::MAX), 31), 1);
    assert_eq!(rounding_divide_by_pot(i64::MIN, 62), -2);
    assert_eq!(rounding_divide_by_pot(i64::MAX, 62), 2);
    assert_eq!(rounding_divide_by_pot(i64::MAX, 100), 2); // clamped to 62
    // The 32-bit version at its ends.
    assert_eq!(rounding_divide_by_pot_i32(i32::MIN, 31), -1);
    assert_eq!(rounding_divide_by_pot_i32(i32::MAX, 31), 1);
    assert_eq!(rounding_divide_by_pot_i32(-5, 1), -3);
    assert_eq!(rounding_divide_by_pot_i32(i32::MIN, 40), -1); // clamped to 31
}

proptest! {
    #[test]
    fn rounding_divide_by_pot_is_round_half_away(x in any::<i32>(), e in 0u32..32) {
        let exact = f64::from(x) / 2f64.powi(e as i32);
        // f64 holds every value here exactly; round() is half away from zero.
        prop_assert_eq!(rounding_divide_by_pot(i64::from(x), e), exact.round() as i64);
    }

    #[test]
    fn doubling_high_mul_is_gemmlowps_nudge_and_truncation(a in any::<i32>(), b in any::<i32>()) {
        // gemmlowp's SaturatingRoundingDoublingHighMul, written as it is there.
        let ab = i64::from(a) * i64::from(b);
        let nudge = if ab >= 0 { 1i64 << 30 } else { 1 - (1i64 << 30) };
        let gemmlowp = if a == i32::MIN && b == i32::MIN {
            i32::MAX
        } else {
            ((ab + nudge) / (1i64 << 31)) as i32
        };
        prop_assert_eq!(saturating_rounding_doubling_high_mul(a, b), gemmlowp);
    }

    #[test]
    fn saturate_i32_is_a_clamp(
        v in prop_oneof![
            any::<i64>(),
            // Around the bounds, where the high word changes.
            (-2i64..2, -3i64..3).prop_map(|(k, d)| k * (1i64 << 31) + d),
        ]
    ) {
        prop_assert_eq!(saturate_i32(v), v.clamp(i32::MIN.into(), i32::MAX.into()) as i32);
    }

    #[test]
    fn rounding_divide_by_pot_in_32_bits_is_the_64_bit_one(x in any::<i32>(), e in 0u32..40) {
        prop_assert_eq!(
            i64::from(rounding_divide_by_pot_i32(x, e)),
            rounding_divide_by_pot(i64::from(x), e.min(31))
        );
    }

    #[test]
    fn multiplier_applies_its_real_value(x in -(1i32 << 24)..(1 << 24), v in 1e-6f64..1e3) {
        let m = Multiplier::from_real(v).unwrap();
        // Encoding keeps 30 bits: relative error ≤ 2⁻³¹.
        prop_assert!((m.to_real() - v).abs() <= v * 2f64.powi(-31));
        // Applying it rounds twice (high product, then the shift): within
        // one unit of the exact product with the stored factor, unless the
        // result saturates.
        let exact = f64::from(x) * m.to_real();
        if exact.abs() < 2e9 {
            prop_assert!((f64::from(m.apply(x)) - exact).abs() <= 1.0, "{} vs {}", m.apply(x), exact);
        }
    }

    #[test]
    fn prepared_i16_multipliers_give_the_same_results(
        x in prop_oneof![any::<i16>(), Just(i16::MIN), Just(i16::MAX), -2i16..2],
        m in prop_oneof![
            0i32..=i32::MAX,
            // Mantissas with trailing zeros make products that land exactly
            // halfway between two results, where the roundings differ.
            (1i64..1 << 8, 0u32..31).prop_map(|(m, z)| ((m << z) & 0x7fff_ffff) as i32),
        ],
        shift in -31i8..=30,
    ) {
        // Every valid multiplier below 2¹⁵, below one and above: the
        // residual adds' prepared form equals the general one. From 2¹⁵ on
        // there is no prepared form (the network applies the general one).
        let multiplier = Multiplier { m, shift };
        match multiplier.for_i16() {
            Some(prepared) => prop_assert_eq!(prepared.apply(x), multiplier.apply(i32::from(x))),
            None => prop_assert!(shift > 15),
        }
    }

    #[test]
    fn valid_multipliers_apply_without_their_guards_the_same(
        x in prop_oneof![any::<i32>(), Just(i32::MIN), Just(i32::MAX)],
        m in prop_oneof![
            0i32..=i32::MAX,
            Just(i32::MAX),
            (1i64..1 << 8, 0u32..31).prop_map(|(m, z)| ((m << z) & 0x7fff_ffff) as i32),
        ],
        shift in -31i8..=30,
    ) {
        // What every dense output runs equals the general form, extremes
        // of the accumulator and halfway products included.
        let multiplier = Multiplier { m, shift };
        prop_assert_eq!(multiplier.apply_valid(x), multiplier.apply(x));
    }

    #[test]
    fn coefficients_keep_thirty_bits(v in -1e9f64..1e9, scale in -40i32..=0) {
        let v = v * 2f64.powi(scale);
        let c = Coefficient::from_real(v).unwrap();
        // The issue asks for 2⁻¹⁵ relative precision; the encoding gives 2⁻³⁰.
        if v.abs() >= 2f64.powi(-32) {
            prop_assert!((c.to_real() - v).abs() <= v.abs() * 2f64.powi(-30));
        }
        let x = 123_456_789i32;
        let exact = f64::from(x) * c.to_real();
        prop_assert!((c.apply(x) as f64 - exact).abs() <= 0.5 + exact.abs() * 1e-15);
    }
}

#[test]
fn out_of_range_factors_are_refused() {
    assert_eq!(Multiplier::from_real(-1.0), None);
    assert_eq!(Multiplier::from_real(f64::NAN), None);
    assert_eq!(Multiplier::from_real(2f64.powi(31)), None);
    // The largest factor is just under 2³⁰ (m < 2³¹, shift ≤ 30).
    assert_eq!(Multiplier::from_real(2f64.powi(30)), None);
    assert!(Multiplier::from_real(2f64.powi(30) * 0.99).is_some());
    assert_eq!(Coefficient::from_real(3e9), None);
    assert_eq!(Coefficient::from_real(f64::INFINITY), None);
    assert_eq!(Coefficient::from_real(0.0), Some(Coefficient::default()));
}

// ---- Activation tables ---------------------------------------------------

fn silu(x: f64) -> f64 {
    x / (1.0 + (-x).exp())
}

/// The table error bound: the linear interpolation error `h²/8·max|f''|`
/// over a segment `h = 128·s_in`, plus one output unit (half from rounding
/// the entries, half from rounding the interpolation).
fn table_bound(f2_max: f64, s_in: f64, s_out: f64) -> f64 {
    let h = 128.0 * s_in;
    h * h / 8.0 * f2_max + s_out
}

#[test]
fn activation_tables_match_their_functions() {
    // max|SiLU''| = 0.5 (at 0); max|tanh''| = 4/(3√3).
    type Function = fn(f64) -> f64;
    let cases: [(Function, f64); 2] = [(silu, 0.5), (f64::tanh, 4.0 / (3.0 * 3f64.sqrt()))];
    for (f, f2_max) in cases {
        // Output ranges cover the function on the input range (no clamping).
        for (range_in, range_out) in [(8.0, 8.0), (2.0, 2.0), (30.0, 30.0)] {
            let (s_in, s_out) = (range_in / 32767.0, range_out / 32767.0);
            let table = activation_table(f, s_in, s_out);
            let bytes: Vec<u8> = table.iter().flat_map(|v| v.to_le_bytes()).collect();
            let view = I16s::new(&bytes);
            let entries = view.as_array::<LUT_LEN>().unwrap();
            assert_eq!(entry_input(0), -32768);
            assert_eq!(entry_input(LUT_LEN - 1), 32768);
            let bound = table_bound(f2_max, s_in, s_out);
            let mut worst = 0f64;
            for q in (-32767..=32767).step_by(7) {
                let want = f(f64::from(q) * s_in).clamp(-range_out, range_out);
                let got = f64::from(interpolate(entries, q as i16)) * s_out;
                worst = worst.max((got - want).abs());
            }
            assert!(worst <= bound, "error {worst} > bound {bound}");
            // Not vacuous: the bound is within a small factor of what occurs.
            assert!(worst > bound / 20.0, "bound {bound} is loose for {worst}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn table_interpolation_rounds_as_the_rounding_division(
        entries in proptest::collection::vec(any::<i16>(), LUT_LEN),
    ) {
        // Any table, every input: the step lo + round(Δ·f/128), halves away
        // from zero, as gemmlowp's rounding division computes it.
        let bytes: Vec<u8> = entries.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = I16s::new(&bytes);
        let table = view.as_array::<LUT_LEN>().unwrap();
        for q in i16::MIN..=i16::MAX {
            let u = (i32::from(q) + 32768) as usize;
            let (lo, hi) = (i32::from(entries[u >> 7]), i32::from(entries[(u >> 7) + 1]));
            let frac = (u & 127) as i32;
            let want = lo + rounding_divide_by_pot_i32((hi - lo) * frac, 7);
            prop_assert_eq!(i32::from(interpolate(table, q)), want, "q = {}", q);
        }
    }
}

// ---- The whole network -----------------------------------------------------

/// Per-output bound on |fixed − f32| for input `x` at plan row `row`,
/// propagated layer by layer from the quantisation steps (first order, but
/// every term is an upper bound):
///
/// - a requantisation to scale `s` is off by at most one unit `s` (two
///   roundings) plus `2⁻²⁹` of the value (the multiplier's encoding);
/// - a dense layer adds `Σ|W|·e_in + Σ(s_w/2)(|x| + e_in)` (weight
///   rounding) and one accumulator unit (bias and time-bias rounding);
/// - a table adds `L·e_in` (L the activation's Lipschitz constant) and
///   [`table_bound`]; ReLU passes errors through; an add sums them.
fn error_bound(spec: &ModelSpec<'_>, scales: &TensorScales, x: &[f32], row: &[f32]) -> Vec<f64> {
    let acts = common::reference_activations(spec, x, 0.0, Some(row));
    let params = common::f32_params(spec);
    let rq = |s: f64, v: f64| s + v.abs() * 2f64.powi(-29);
    let mut s = scales.input;
    let mut e: Vec<f64> = acts[0].iter().map(|v| rq(s, *v)).collect();
    let (mut saved_e, mut offset) = (Vec::new(), 0usize);
    for (k, layer) in spec.layers.iter().enumerate() {
        let out = &acts[k + 1];
        let s_out = scales.after[k];
        match *layer {
            Layer::Dense { input, output } => {
                let (i, o) = (input as usize, output as usize);
                let w = &params[offset..offset + o * i];
                offset += o * i + o;
                e = (0..o)
                    .map(|r| {
                        let row = &w[r * i..(r + 1) * i];
                        let s_w = row.iter().fold(0f64, |m, v| m.max(f64::from(v.abs()))) / 127.0;
                        let prop: f64 = (0..i)
                            .map(|c| {
                                f64::from(row[c].abs()) * e[c]
                                    + s_w / 2.0 * (acts[k][c].abs() + e[c])
                            })
                            .sum();
                        prop + s_w * s + rq(s_out, out[r])
                    })
                    .collect();
                s = s_out;
            }
            Layer::Activation(Activation::Relu) | Layer::SaveResidual => {
                if *layer == Layer::SaveResidual {
                    saved_e = e.clone();
                }
            }
            Layer::Activation(a) => {
                let (lipschitz, f2_max) = match a {
                    Activation::Tanh => (1.0, 0.77),
                    _ => (1.1, 0.5),
                };
                let t = table_bound(f2_max, s, s_out);
                e = e.iter().map(|v| lipschitz * v + t).collect();
                s = s_out;
            }
            Layer::AddResidual => {
                e = e
                    .iter()
                    .zip(&saved_e)
                    .zip(out)
                    .map(|((a, b), v)| a + b + 2.0 * rq(s_out, *v))
                    .collect();
                s = s_out;
            }
        }
    }
    e
}

/// The fixed network's output for state `x` at plan row `row`, in real units.
fn fixed_forward(model: &Model<'_>, x: &[f32], row: usize, s_out: f64) -> Vec<f64> {
    let net = model.fixed_network().unwrap();
    let plan = model.fixed_plan(0).unwrap();
    let state: Vec<i32> = x
        .iter()
        .map(|v| (f64::from(*v) * f64::from(1u32 << STATE_FRAC_BITS)).round() as i32)
        .collect();
    let mut scratch = vec![0i16; net.scratch_len()];
    let mut out = vec![0i32; x.len()];
    net.forward(&state, plan.row(row).unwrap().time, &mut scratch, &mut out)
        .unwrap();
    out.iter().map(|&q| f64::from(q) * s_out).collect()
}

/// Scales for the inputs this file tests: the largest magnitude of each
/// tensor over states on a grid of `[−4, 4]²` at every row of plan 0, with
/// 25% headroom, over the int16 range.
fn grid_scales(spec: &ModelSpec<'_>) -> TensorScales {
    let plan = &spec.plans[0];
    let table = plan.time_bias.as_ref().unwrap();
    let width = table.len() / plan.rows.len();
    let mut max = vec![0f64; spec.layers.len() + 1];
    for row in table.chunks(width) {
        for i in 0..=20 {
            for j in 0..=20 {
                let x = [0.4 * i as f32 - 4.0, 0.4 * j as f32 - 4.0];
                let all = common::reference_activations(spec, &x, 0.0, Some(row));
                for (m, v) in max.iter_mut().zip(&all) {
                    *m = v.iter().fold(*m, |m, x| m.max(x.abs()));
                }
            }
        }
    }
    let scale = |m: f64| 1.25 * m / 32767.0;
    TensorScales {
        input: scale(max[0]),
        after: max[1..].iter().map(|&m| scale(m)).collect(),
    }
}

/// The f32 bias-table fixture, its calibrated scales, and the fixed-point
/// file quantised with them.
static FIXTURE: LazyLock<(ModelSpec<'static>, TensorScales, Vec<u8>)> = LazyLock::new(|| {
    let spec = common::bias_table_spec();
    let scales = grid_scales(&spec);
    let bytes = tinyscore::format::write(&quantize(&spec, &scales).unwrap()).unwrap();
    (spec, scales, bytes)
});

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fixed_network_tracks_f32_within_the_error_bound(
        x0 in -4.0f32..4.0, x1 in -4.0f32..4.0, row in 0usize..10,
    ) {
        let (spec, scales, fixed) = &*FIXTURE;
        let model = Model::parse(fixed).unwrap();
        // Inputs on the Q16.16 grid, so both networks see the same state.
        let x = [x0, x1].map(|v| ((f64::from(v) * 65536.0).round() / 65536.0) as f32);
        let width = spec.plans[0].time_bias.as_ref().unwrap().len() / spec.plans[0].rows.len();
        let bias_row = &spec.plans[0].time_bias.as_ref().unwrap()[row * width..(row + 1) * width];
        let want = common::reference_forward(spec, &x, 0.0, Some(bias_row));
        let got = fixed_forward(&model, &x, row, *scales.after.last().unwrap());
        let bound = error_bound(spec, scales, &x, bias_row);
        for ((g, w), b) in got.iter().zip(&want).zip(&bound) {
            prop_assert!((g - w).abs() <= *b, "|{g} − {w}| > {b}");
            // Worst case by construction, so loose (measured errors are
            // 2–5% of it), but far below the O(1) outputs: not vacuous.
            prop_assert!(*b < 0.1, "bound {b}");
        }
    }
}

/// The fixture's network quantised with the same scales but its time
/// embedded on the device (format 1.7): at every plan row, over a grid of
/// states, its outputs are within twice the distance to the f32 network's
/// of the folded tables, which hold the embedding's exact product.
#[test]
fn time_embedded_on_the_device_tracks_f32_as_the_folded_tables_do() {
    let (_, scales, folded) = &*FIXTURE;
    let sinusoidal = common::mlp_spec(16, 8, 10, false);
    let embedded = tinyscore::format::write(&quantize(&sinusoidal, scales).unwrap()).unwrap();
    let folded = Model::parse(folded).unwrap();
    let embedded = Model::parse(&embedded).unwrap();
    assert!(embedded.fixed_plan(0).unwrap().time_input());
    assert!(!folded.fixed_plan(0).unwrap().time_input());
    let s_out = *scales.after.last().unwrap();
    let (mut worst_folded, mut worst_embedded) = (0f64, 0f64);
    for (r, row) in sinusoidal.plans[0].rows.iter().enumerate() {
        for i in 0..=8 {
            for j in 0..=8 {
                let x = [i as f32 - 4.0, j as f32 - 4.0];
                let want = common::reference_forward(&sinusoidal, &x, row.t, None);
                let error = |model: &Model<'_>| {
                    fixed_forward(model, &x, r, s_out)
                        .iter()
                        .zip(&want)
                        .fold(0f64, |m, (g, w)| m.max((g - w).abs()))
                };
                worst_folded = worst_folded.max(error(&folded));
                worst_embedded = worst_embedded.max(error(&embedded));
            }
        }
    }
    // Measured when written: 0.0022 folded, 0.0038 embedded (the
    // embedding's int8 weights and Q15 sines), on outputs of order 1.
    assert!(
        worst_embedded <= 2.0 * worst_folded,
        "{worst_embedded} vs {worst_folded}"
    );
    assert!(worst_embedded < 0.01, "{worst_embedded}");
}

#[test]
fn fixture_accumulates_in_i32() {
    // The fixture's fan-in is small: no layer needs the int64 path.
    let bytes = common::fixed_model_bytes();
    let model = Model::parse(&bytes).unwrap();
    let wide: Vec<u32> = model
        .fixed_network()
        .unwrap()
        .weights()
        .layers()
        .filter_map(|l| match l {
            FixedLayer::Dense { wide_shift, .. } => Some(wide_shift),
            _ => None,
        })
        .collect();
    assert_eq!(wide, vec![0, 0, 0]);
}

#[test]
fn row_major_files_of_format_1_2_sample_the_same_bits() {
    let bytes = common::fixed_model_bytes();
    let old = format::with_row_major_weights(&bytes).unwrap();
    let model = Model::parse(&old).unwrap();
    assert_eq!(model.version_minor(), 2);
    // The fixture has whole tiles (a layer of at least 8 inputs and 4
    // outputs), so the two files differ in their weights' order.
    let mut tiled = 0;
    for layer in model.fixed_network().unwrap().weights().layers() {
        if let FixedLayer::Dense {
            input,
            output,
            weights,
            ..
        } = layer
        {
            assert_eq!(weights.layout(), WeightLayout::RowMajor);
            tiled += usize::from(input >= 8 && output >= 4);
        }
    }
    assert!(tiled > 0);
    assert_ne!(old[64..], bytes[64..]);
    // Its plan in the 1.1 row layout (header word 3 zero), which 1.2
    // readers take; the file it came from packs its rows (1.7).
    let layout = |file: &[u8]| {
        let plan = Model::parse(file)
            .unwrap()
            .sections()
            .find(|e| e.kind == Some(SectionKind::FixedPlan))
            .unwrap();
        let at = plan.offset as usize + 12;
        u32::from_le_bytes(file[at..at + 4].try_into().unwrap())
    };
    assert_eq!(layout(&old), 0);
    assert_ne!(layout(&bytes), 0);
    assert_eq!(common::fixed_samples(&old), common::fixed_samples(&bytes));
}

#[test]
fn wide_layers_accumulate_in_i64_and_stay_accurate() {
    // Fan-in 1500: 1500·|w|·32767 passes i32::MAX, so the hidden and the
    // output layer must take the int64 path; the first (fan-in 2) stays in
    // int32, its large time biases included.
    let spec = common::mlp_spec(1500, 8, 2, true);
    let width = 1500;
    let table = spec.plans[0].time_bias.as_ref().unwrap();
    // Calibrate on a few inputs at both plan rows, 25% headroom.
    let inputs = [[0.5f32, -1.0], [-2.0, 1.5], [1.0, 1.0]];
    let mut max = vec![0f64; spec.layers.len() + 1];
    for row in table.chunks(width) {
        for x in &inputs {
            for (m, v) in
                max.iter_mut()
                    .zip(common::reference_activations(&spec, x, 0.0, Some(row)))
            {
                *m = v.iter().fold(*m, |m, x| m.max(x.abs()));
            }
        }
    }
    let scale = |m: f64| 1.25 * m / 32767.0;
    let scales = TensorScales {
        input: scale(max[0]),
        after: max[1..].iter().map(|&m| scale(m)).collect(),
    };
    let bytes = tinyscore::format::write(&quantize(&spec, &scales).unwrap()).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let wide: Vec<u32> = model
        .fixed_network()
        .unwrap()
        .weights()
        .layers()
        .filter_map(|l| match l {
            FixedLayer::Dense { wide_shift, .. } => Some(wide_shift),
            _ => None,
        })
        .collect();
    assert_eq!(wide[0], 0, "{wide:?}");
    assert!(wide[1] > 0 && wide[2] > 0, "{wide:?}");
    // No overflow garbage: the output tracks the f64 reference to within a
    // few per mille of its range (int8 weights over 1500 inputs).
    let s_out = *scales.after.last().unwrap();
    for (r, row) in table.chunks(width).enumerate() {
        for x in &inputs {
            let want = common::reference_forward(&spec, x, 0.0, Some(row));
            let got = fixed_forward(&model, x, r, s_out);
            let range = 32767.0 * s_out;
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 0.01 * range, "{g} vs {w} (range {range})");
            }
        }
    }
}
