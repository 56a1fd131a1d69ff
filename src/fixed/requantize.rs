//! Requantisation: scaling an integer accumulator by a real factor with
//! integers only.
//!
//! A factor `M > 0` is stored as a [`Multiplier`]: `m` in `[2³⁰, 2³¹)` (a
//! Q0.31 value in `[½, 1)`) and `shift`, with `M = m·2^(shift − 31)`. It is
//! applied exactly as gemmlowp's and TensorFlow Lite's
//! `MultiplyByQuantizedMultiplier`: a left shift for `shift > 0`, then
//! [`saturating_rounding_doubling_high_mul`], then
//! [`rounding_divide_by_pot`] for `shift < 0`: gemmlowp's "double
//! rounding" mode (TFLite's default), not the single-rounding variant. The
//! high multiply rounds halves up (toward +∞: gemmlowp adds a nudge and
//! truncates toward zero), the division by a power of two rounds halves away
//! from zero. One difference, on purpose: the left shift saturates, where
//! TFLite's overflows.
#![deny(clippy::float_arithmetic)]

use super::saturate_i32;

/// `round(a·b / 2³¹)`, halves up (toward +∞), saturated: gemmlowp's
/// `SaturatingRoundingDoublingHighMul`. The only input pair whose result does
/// not fit, `i32::MIN × i32::MIN`, gives `i32::MAX`.
///
/// gemmlowp adds a nudge of 2³⁰ (1 − 2³⁰ for a negative product) and
/// truncates toward zero; for every product both come to
/// `⌊(a·b + 2³⁰) / 2³¹⌋`, an arithmetic shift, which is what is computed.
#[inline]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    let ab = i64::from(a) * i64::from(b);
    // |a·b| ≤ 2⁶², so the sum does not overflow; the quotient is at most 2³¹.
    saturate_i32((ab + (1 << 30)) >> 31)
}

/// `⌊(a·m + c·2³² + 2³¹) / 2³²⌋`: the high word of `a·m` rounded half up,
/// plus `c`; one SMMLAR on a Cortex-M4 instead of a 64-bit multiply, add
/// and shift. It fits `i32` when `|a·m| ≤ 2⁶²` and `|c| ≤ 2³⁰`, as for
/// every caller. With `a = 2x` and `c = 0` it is gemmlowp's doubling high
/// multiply of an `i16` `x` ([`saturating_rounding_doubling_high_mul`]):
/// the doubled sum divides by `2³²` exactly as the sum by `2³¹`, and
/// `|x·m| ≤ 2⁴⁶` never saturates.
#[inline]
fn rounding_high_mul(a: i32, m: i32, c: i32) -> i32 {
    ((i64::from(a) * i64::from(m) + (i64::from(c) << 32) + (1 << 31)) >> 32) as i32
}

/// `round(x / 2^exponent)`, halves away from zero: gemmlowp's
/// `RoundingDivideByPOT`. `exponent` above 62 is treated as 62.
///
/// Not inlined: its 64-bit shifts take some forty instructions on a 32-bit
/// core, and it is called from a dozen places (the plan coefficients, the
/// guidance mix, wide accumulators). Out of line it saves 1.6 KB of flash
/// on a Cortex-M4F for 0.8% more instructions per step
/// (docs/BENCHMARKS.md).
#[inline(never)]
pub fn rounding_divide_by_pot(x: i64, exponent: u32) -> i64 {
    let exponent = exponent.min(62);
    let mask = (1i64 << exponent) - 1;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i64::from(x < 0);
    (x >> exponent) + i64::from(remainder > threshold)
}

/// [`rounding_divide_by_pot`] of an `i32` (exponent above 31 treated as
/// 31) in 32-bit arithmetic: the same result, without the 64-bit shifts a
/// 32-bit core spends a dozen instructions on.
pub fn rounding_divide_by_pot_i32(x: i32, exponent: u32) -> i32 {
    divide_by_pot_at_most_31(x, exponent.min(31))
}

/// [`rounding_divide_by_pot_i32`] for `exponent ≤ 31` (others are taken
/// modulo 32).
#[inline]
fn divide_by_pot_at_most_31(x: i32, exponent: u32) -> i32 {
    let exponent = exponent & 31;
    let mask = ((1u32 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
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

    /// `x·M`, rounded: TFLite's `MultiplyByQuantizedMultiplier`, saturated
    /// instead of overflowing.
    #[inline]
    pub fn apply(&self, x: i32) -> i32 {
        self.apply_shifted(x, 0)
    }

    /// `x·M·2^extra`, rounded: how an accumulator that was shifted right by
    /// `extra` bits to fit `i32` is requantised.
    ///
    /// For a right shift this is exactly gemmlowp's two steps. For a left
    /// shift `L`, gemmlowp's `SRDHM(x·2^L, m)` equals
    /// `⌊(x·m + 2^(30−L)) / 2^(31−L)⌋` whenever `x·2^L` fits `i32`; that
    /// form is computed here in `i64`, so a product that fits the result is
    /// never lost to an intermediate overflow.
    ///
    /// Inlined: the right shift is the common case (every dense output), a
    /// dozen instructions on a Cortex-M4; the left shift is a function of
    /// its own, not inlined. Residual adds use [`Multiplier::for_i16`].
    #[inline]
    pub fn apply_shifted(&self, x: i32, extra: u32) -> i32 {
        let shift = i64::from(self.shift) + i64::from(extra);
        if shift <= 0 {
            let high = saturating_rounding_doubling_high_mul(x, self.m);
            // −shift ≤ 31: `self.shift` ≥ −31 and `extra` ≥ 0.
            return rounding_divide_by_pot_i32(high, (-shift) as u32);
        }
        self.apply_left(x, shift)
    }

    /// [`Multiplier::apply`] for a valid multiplier ([`Multiplier::is_valid`],
    /// as the loader checks every multiplier of a file), without the
    /// guards only an invalid one needs: with `0 ≤ m < 2³¹` the doubling
    /// multiply cannot leave `i32`, and a right shift is at most 31. For
    /// an invalid multiplier the result is unspecified (nothing panics).
    /// What every dense output runs.
    #[inline]
    pub fn apply_valid(&self, x: i32) -> i32 {
        let shift = i32::from(self.shift);
        if shift > 0 {
            return self.apply_left(x, i64::from(shift));
        }
        // |x·m| < 2⁶²: the quotient by 2³¹ is in [−2³¹, 2³¹).
        let high = ((i64::from(x) * i64::from(self.m) + (1 << 30)) >> 31) as i32;
        divide_by_pot_at_most_31(high, shift.unsigned_abs())
    }

    /// The multiplier prepared for many `i16` inputs (the residual adds'
    /// case); `None` for a shift outside `[−31, 15]` (a factor of 2¹⁵ or
    /// more: `x·2^left` would not fit `i32`; [`Multiplier::apply`] handles
    /// it). For a valid multiplier
    /// ([`Multiplier::is_valid`], as the loader checks every multiplier of a
    /// file); for a negative mantissa the results are unspecified (nothing
    /// panics).
    pub fn for_i16(&self) -> Option<I16Multiplier> {
        let (m, shift) = (self.m, i32::from(self.shift));
        let (left, exponent) = if shift <= 0 {
            (1, u32::try_from(-shift).ok().filter(|&e| e <= 31)?)
        } else {
            // x·m / 2^k rounded once, k = 31 − shift ≥ 16: x·2^(32−k) fits
            // i32 and the rounding high multiply of it is that quotient.
            (u32::try_from(shift + 1).ok().filter(|&l| l <= 16)?, 0)
        };
        let half = if exponent == 0 {
            0
        } else {
            1 << (exponent - 1)
        };
        Some(I16Multiplier {
            m,
            left,
            exponent,
            half,
            away: i32::from(exponent > 0),
        })
    }

    /// [`Multiplier::apply_shifted`] for a total shift `shift > 0`.
    #[inline(never)]
    fn apply_left(&self, x: i32, shift: i64) -> i32 {
        let product = i64::from(x) * i64::from(self.m);
        if shift >= 31 {
            // No rounding: an integer times 2^(shift − 31), saturated.
            let up = (shift - 31).min(40) as u32;
            let wide = i128::from(product) << up;
            return wide.clamp(i128::from(i32::MIN), i128::from(i32::MAX)) as i32;
        }
        round_right(product, (31 - shift).max(1) as u32)
    }
}

/// `round(product / 2^k)`, halves up, saturated to `i32` (`1 ≤ k ≤ 62`): a
/// multiplier of one or more, rounded once.
fn round_right(product: i64, k: u32) -> i32 {
    saturate_i32((product + (1i64 << (k - 1))) >> k)
}

/// A [`Multiplier`] prepared for many `i16` inputs
/// ([`Multiplier::for_i16`]), the results those of [`Multiplier::apply`]
/// in one form for every factor below 2¹⁵, without a branch: the rounding
/// high multiply of `x·2^left` (`left` = 1 for a factor below one, gemmlowp's
/// doubling; `left` = 32 − k for a factor `m/2^k` of one or more, whose
/// once-rounded quotient it is), then the rounding division by
/// `2^exponent` (0 for a factor of one or more) folded into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I16Multiplier {
    m: i32,
    /// 1 to 16.
    left: u32,
    /// 0 to 31.
    exponent: u32,
    /// `2^(exponent − 1)`, 0 for exponent 0.
    half: i32,
    /// 1 if the division rounds a negative half away from zero (exponent
    /// above 0), else 0.
    away: i32,
}

impl I16Multiplier {
    /// `x·M`, rounded: what [`Multiplier::apply`] gives (`|x·M| < 2³⁰`
    /// here, so nothing saturates).
    ///
    /// The division by `2^e` rounds halves away from zero:
    /// `⌊(h + 2^(e−1) − [h < 0]) / 2^e⌋` of the high product `h`, added into
    /// its rounding as `c`. `[x < 0]` stands for `[h < 0]`: with `m ≥ 0` a
    /// negative `x` gives `h ≤ 0`, and for `h = 0` both give 0 (`2^(e−1)`
    /// and `2^(e−1) − 1` are below `2^e`). `|h| < 2¹⁵` for a factor below
    /// one and `c` is at most `2³⁰`, so nothing overflows.
    #[inline]
    pub fn apply(&self, x: i16) -> i32 {
        let x = i32::from(x);
        let c = self.half - (((x as u32) >> 31) as i32 & self.away);
        rounding_high_mul(x << self.left, self.m, c) >> self.exponent
    }
}
