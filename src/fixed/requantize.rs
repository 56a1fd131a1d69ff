//! Requantisation: scaling an integer accumulator by a real factor with
//! integers only.
//!
//! A factor `M > 0` is stored as a [`Multiplier`]: `m` in `[2³⁰, 2³¹)` (a
//! Q0.31 value in `[½, 1)`) and `shift`, with `M = m·2^(shift − 31)`. It is
//! applied exactly as gemmlowp's and TensorFlow Lite's
//! `MultiplyByQuantizedMultiplier`: a left shift for `shift > 0`, then
//! [`saturating_rounding_doubling_high_mul`], then
//! [`rounding_divide_by_pot`] for `shift < 0`. Both round half away from
//! zero: this is gemmlowp's "double rounding" mode (TFLite's default), not
//! the single-rounding variant. One difference, on purpose: the left shift
//! saturates, where TFLite's overflows.
#![deny(clippy::float_arithmetic)]

use super::saturate_i32;

/// `round(a·b / 2³¹)`, halves away from zero, saturated: gemmlowp's
/// `SaturatingRoundingDoublingHighMul`. The only input pair whose result does
/// not fit, `i32::MIN × i32::MIN`, gives `i32::MAX`.
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    let ab = i64::from(a) * i64::from(b);
    let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // `/` truncates toward zero, as in gemmlowp; the quotient is at most 2³¹.
    saturate_i32((ab + nudge) / (1 << 31))
}

/// `round(x / 2^exponent)`, halves away from zero: gemmlowp's
/// `RoundingDivideByPOT`. `exponent` above 62 is treated as 62.
pub fn rounding_divide_by_pot(x: i64, exponent: u32) -> i64 {
    let exponent = exponent.min(62);
    let mask = (1i64 << exponent) - 1;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i64::from(x < 0);
    (x >> exponent) + i64::from(remainder > threshold)
}

/// `x·2^n`, saturated to `i32`.
pub fn saturating_shift_left(x: i32, n: u32) -> i32 {
    // Beyond 32 every non-zero x saturates anyway; i64 holds x·2³².
    saturate_i32(i64::from(x) << n.min(32))
}

/// A positive real factor `m·2^(shift − 31)`; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Multiplier {
    /// Mantissa, Q0.31, in `[0, 2³¹)` (normalised to `[2³⁰, 2³¹)` unless 0).
    pub m: i32,
    /// Exponent: positive shifts left, negative right; in `[−31, 30]`.
    pub shift: i8,
}

/// Smallest shift a [`Multiplier`] may have.
pub const MIN_SHIFT: i8 = -31;
/// Largest shift a [`Multiplier`] may have.
pub const MAX_SHIFT: i8 = 30;

impl Multiplier {
    /// True when `m` and `shift` are in range.
    pub fn is_valid(&self) -> bool {
        self.m >= 0 && (MIN_SHIFT..=MAX_SHIFT).contains(&self.shift)
    }

    /// `x·M`, rounded: TFLite's `MultiplyByQuantizedMultiplier` with a
    /// saturating left shift.
    pub fn apply(&self, x: i32) -> i32 {
        self.apply_shifted(x, 0)
    }

    /// `x·M·2^extra`, rounded: how an accumulator that was shifted right by
    /// `extra` bits to fit `i32` is requantised.
    pub fn apply_shifted(&self, x: i32, extra: u32) -> i32 {
        let shift = i32::from(self.shift) + extra as i32;
        let left = shift.max(0) as u32;
        let right = (-shift).max(0) as u32;
        let high = saturating_rounding_doubling_high_mul(saturating_shift_left(x, left), self.m);
        rounding_divide_by_pot(i64::from(high), right) as i32
    }
}
