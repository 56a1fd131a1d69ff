//! The sinusoidal time embedding in integers, computed on the device.
//!
//! Folding the embedding into one first-layer bias row per plan row (the
//! [`crate::format::FixedRow`]s of format 1.1) makes a fixed-point file grow
//! by four bytes per hidden unit and row: 616 KB for a 1000-row plan of a
//! width-128 network. A file can instead carry each row's time
//! `τ = t·scale` (Q16.16) and the embedding's frequencies, and the network
//! computes `[cos(τ·ω_k), sin(τ·ω_k)]` here, in integers only, then feeds it
//! to the first dense layer beside the state, as the float network does.
//!
//! A phase is a `u32` fraction of a turn, so that wrapping arithmetic is the
//! reduction modulo 2π: `φ_k = ⌊τ·f_k / 2¹⁶⌋ mod 2³²` with `f_k = ω_k/2π` in
//! Q0.32. The sine comes from a quarter-wave table of 257 entries (Q15, one
//! every π/512) with linear interpolation: within 2 units of Q15
//! (6·10⁻⁵) of the exact sine, far finer than the int8 weights that
//! multiply it. Everything is integer arithmetic, so host and device agree
//! to the bit.
#![deny(clippy::float_arithmetic)]

use super::saturate_activation;
use crate::format::TimeEmbedding;

/// `round(sin(i·π/512)·2¹⁵)`, `i = 0..=256`: a quarter of a turn (generated
/// with Python's `math.sin`; the test below checks every entry against
/// `f64::sin`).
const QUARTER: [u16; 257] = [
    0, 201, 402, 603, 804, 1005, 1206, 1407, 1608, 1809, 2009, 2210, 2411, 2611, 2811, 3012, 3212,
    3412, 3612, 3812, 4011, 4211, 4410, 4609, 4808, 5007, 5205, 5404, 5602, 5800, 5998, 6195, 6393,
    6590, 6787, 6983, 7180, 7376, 7571, 7767, 7962, 8157, 8351, 8546, 8740, 8933, 9127, 9319, 9512,
    9704, 9896, 10088, 10279, 10469, 10660, 10850, 11039, 11228, 11417, 11605, 11793, 11980, 12167,
    12354, 12540, 12725, 12910, 13095, 13279, 13463, 13646, 13828, 14010, 14192, 14373, 14553,
    14733, 14912, 15091, 15269, 15447, 15624, 15800, 15976, 16151, 16326, 16500, 16673, 16846,
    17018, 17190, 17361, 17531, 17700, 17869, 18037, 18205, 18372, 18538, 18703, 18868, 19032,
    19195, 19358, 19520, 19681, 19841, 20001, 20160, 20318, 20475, 20632, 20788, 20943, 21097,
    21251, 21403, 21555, 21706, 21856, 22006, 22154, 22302, 22449, 22595, 22740, 22884, 23028,
    23170, 23312, 23453, 23593, 23732, 23870, 24008, 24144, 24279, 24414, 24548, 24680, 24812,
    24943, 25073, 25202, 25330, 25457, 25583, 25708, 25833, 25956, 26078, 26199, 26320, 26439,
    26557, 26674, 26791, 26906, 27020, 27133, 27246, 27357, 27467, 27576, 27684, 27791, 27897,
    28002, 28106, 28209, 28311, 28411, 28511, 28610, 28707, 28803, 28899, 28993, 29086, 29178,
    29269, 29359, 29448, 29535, 29622, 29707, 29792, 29875, 29957, 30038, 30118, 30196, 30274,
    30350, 30425, 30499, 30572, 30644, 30715, 30784, 30853, 30920, 30986, 31050, 31114, 31177,
    31238, 31298, 31357, 31415, 31471, 31527, 31581, 31634, 31686, 31737, 31786, 31834, 31881,
    31927, 31972, 32015, 32058, 32099, 32138, 32177, 32214, 32251, 32286, 32319, 32352, 32383,
    32413, 32442, 32470, 32496, 32522, 32546, 32568, 32590, 32610, 32629, 32647, 32664, 32679,
    32693, 32706, 32718, 32729, 32738, 32746, 32753, 32758, 32762, 32766, 32767, 32768,
];

/// A quarter turn as a phase.
const QUARTER_TURN: u32 = 1 << 30;

/// `sin(2π·phase/2³²)` in Q15 (`[−32768, 32768]`), interpolated in the
/// quarter-wave table.
pub fn sin_q15(phase: u32) -> i32 {
    let quadrant = phase >> 30;
    let mut p = phase & (QUARTER_TURN - 1);
    if quadrant & 1 == 1 {
        // Second and fourth quadrants run the table backwards; 2³⁰ is its
        // last entry.
        p = QUARTER_TURN - p;
    }
    // 8 bits of index, 16 of fraction.
    let index = (p >> 22) as usize;
    let fraction = ((p >> 6) & 0xFFFF) as i32;
    let at = |i: usize| QUARTER.get(i).map_or(0, |&v| i32::from(v));
    let (low, high) = (at(index), at(index + 1));
    // At index 256 the fraction is 0 and `high` is not read into the sum.
    let step = if fraction == 0 { 0 } else { high - low };
    let value = low + ((step * fraction + (1 << 15)) >> 16);
    if quadrant >= 2 { -value } else { value }
}

/// The phase `τ·f / 2¹⁶` (a fraction of a turn) of time `τ` (Q16.16) at
/// frequency `f` (turns per unit of `τ`, Q0.32), modulo one turn.
pub fn phase(tau: i32, frequency: u32) -> u32 {
    // |τ·f| < 2⁶³: the product fits i64; its low 32 bits after the shift
    // are the phase modulo one turn.
    ((i64::from(tau) * i64::from(frequency)) >> 16) as u32
}

/// Writes the embedding of time `tau` (Q16.16) as first-layer activations:
/// `out[k] = cos(φ_k)`, `out[half + k] = sin(φ_k)`, each Q15 value
/// rescaled by the embedding's multiplier (the input tensor's scale) and
/// saturated to `i16`. `out` holds the embedding's width.
pub fn embed(tau: i32, embedding: &TimeEmbedding<'_>, out: &mut [i16]) {
    let half = embedding.half();
    let scale = embedding.scale();
    let (cos, sin) = out.split_at_mut(half.min(out.len()));
    for (k, (c, s)) in cos.iter_mut().zip(sin.iter_mut()).enumerate() {
        let phi = phase(tau, embedding.frequency(k));
        *c = saturate_activation(i64::from(
            scale.apply(sin_q15(phi.wrapping_add(QUARTER_TURN))),
        ));
        *s = saturate_activation(i64::from(scale.apply(sin_q15(phi))));
    }
}

#[cfg(all(test, feature = "std"))]
#[allow(clippy::float_arithmetic)] // the exact sine to compare with
mod tests {
    use super::{QUARTER, phase, sin_q15};
    use proptest::prelude::*;

    #[test]
    fn the_table_is_the_rounded_sine() {
        for (i, &v) in QUARTER.iter().enumerate() {
            let want = ((i as f64) * core::f64::consts::PI / 512.0).sin() * 32768.0;
            assert_eq!(f64::from(v), want.round(), "entry {i}");
        }
    }

    proptest! {
        #[test]
        fn sin_q15_is_within_two_units_of_the_sine(phase in any::<u32>()) {
            let exact = (f64::from(phase) / 4_294_967_296.0 * core::f64::consts::TAU).sin();
            let got = f64::from(sin_q15(phase)) / 32768.0;
            prop_assert!((got - exact).abs() <= 2.0 / 32768.0, "{got} vs {exact}");
        }

        #[test]
        fn the_phase_is_the_time_times_the_frequency_modulo_a_turn(
            tau in any::<i32>(),
            frequency in any::<u32>(),
        ) {
            let turns = f64::from(tau) / 65536.0 * (f64::from(frequency) / 4_294_967_296.0);
            let want = turns - turns.floor();
            let got = f64::from(phase(tau, frequency)) / 4_294_967_296.0;
            // Within the truncation of the last bit (and across the wrap).
            let gap = (got - want).abs();
            prop_assert!(gap.min(1.0 - gap) < 1e-6, "{got} vs {want}");
        }
    }
}
