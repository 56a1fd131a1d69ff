//! Data units in integers: the model's stored normalisation applied to
//! Q16.16 states with integer arithmetic only, so that a build without
//! `float` can take sensor readings in and hand samples out in the units
//! of the data, as the float backends do with
//! [`Normalization::to_data`] and [`Normalization::to_model`].
//!
//! Data values are `i32` in a fixed-point format the caller chooses
//! ([`DataFormat`]: `frac_bits` fraction bits, so a value `v` means
//! `v·2^−frac_bits` data units). The means and scales are the file's `f32`
//! values, decoded from their bits into integer mantissas and exponents, and
//! each result is the exact value of `x·scale + mean` (or `(x − mean)/scale`)
//! rounded to the nearest step of the target format, ties away from zero:
//! no floating point, no table, no allocation. A result outside `i32` is
//! [`UnitsError::Overflow`], naming the element, never a wrapped or
//! saturated number.
#![deny(clippy::float_arithmetic)]

use super::STATE_FRAC_BITS;
use crate::format::Normalization;
use core::fmt;

/// A fixed-point format for data values: `i32` with `frac_bits` fraction
/// bits (Q(31−frac_bits).frac_bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DataFormat {
    frac_bits: u32,
}

impl DataFormat {
    /// Most fraction bits of a format: 31, values in `[−1, 1)`.
    pub const MAX_FRAC_BITS: u32 = 31;
    /// Q16.16, the states' own format: data values up to ±32768 with a
    /// resolution of 2⁻¹⁶.
    pub const Q16_16: DataFormat = DataFormat {
        frac_bits: STATE_FRAC_BITS,
    };

    /// The format with `frac_bits` fraction bits; `None` above
    /// [`DataFormat::MAX_FRAC_BITS`].
    pub const fn new(frac_bits: u32) -> Option<DataFormat> {
        if frac_bits <= Self::MAX_FRAC_BITS {
            Some(DataFormat { frac_bits })
        } else {
            None
        }
    }

    /// Fraction bits.
    pub const fn frac_bits(&self) -> u32 {
        self.frac_bits
    }
}

/// Why a conversion between model and data units failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum UnitsError {
    /// The state does not have the model's data dimension.
    Dimension {
        /// The data dimension.
        expected: u32,
    },
    /// Element `index`'s result, or one of its two terms (`x·scale` and
    /// `mean`, or `x/scale` and `mean/scale`), is outside the target
    /// format's `i32` range: choose fewer fraction bits. The elements
    /// before `index` are converted, the others unchanged.
    Overflow {
        /// The element.
        index: u32,
    },
}

impl fmt::Display for UnitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitsError::Dimension { expected } => {
                write!(f, "state must have {expected} elements")
            }
            UnitsError::Overflow { index } => write!(
                f,
                "element {index} does not fit the 32-bit format: use fewer fraction bits"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnitsError {}

impl Normalization<'_> {
    /// `x ← x·scale + mean`: Q16.16 model units in, data units in `format`
    /// out, in place; the integer counterpart of [`Normalization::to_data`].
    pub fn to_data_q(&self, x: &mut [i32], format: DataFormat) -> Result<(), UnitsError> {
        self.check_dim(x)?;
        let f = format.frac_bits as i32;
        let state = STATE_FRAC_BITS as i32;
        let pairs = self.mean().iter().zip(self.scale().iter());
        for (index, (v, (mean, scale))) in x.iter_mut().zip(pairs).enumerate() {
            let (mean, scale) = (Real::of(mean), Real::of(scale));
            let terms = [
                (
                    i128::from(*v) * i128::from(scale.mantissa),
                    scale.exponent - state + f,
                ),
                (i128::from(mean.mantissa), mean.exponent + f),
            ];
            *v = rounded_quotient(terms, 1).ok_or(overflow(index))?;
        }
        Ok(())
    }

    /// `x ← (x − mean)/scale`: data units in `format` in, Q16.16 model
    /// units out, in place; the integer counterpart of
    /// [`Normalization::to_model`] and the inverse of
    /// [`Normalization::to_data_q`] up to the rounding of each.
    pub fn to_model_q(&self, x: &mut [i32], format: DataFormat) -> Result<(), UnitsError> {
        self.check_dim(x)?;
        let f = format.frac_bits as i32;
        let state = STATE_FRAC_BITS as i32;
        let pairs = self.mean().iter().zip(self.scale().iter());
        for (index, (v, (mean, scale))) in x.iter_mut().zip(pairs).enumerate() {
            let (mean, scale) = (Real::of(mean), Real::of(scale));
            // (v·2^−f − m·2^e_m)·2^16 / (s·2^e_s), as a sum over s.
            let terms = [
                (i128::from(*v), state - f - scale.exponent),
                (
                    -i128::from(mean.mantissa),
                    mean.exponent + state - scale.exponent,
                ),
            ];
            *v = rounded_quotient(terms, i128::from(scale.mantissa)).ok_or(overflow(index))?;
        }
        Ok(())
    }

    fn check_dim(&self, x: &[i32]) -> Result<(), UnitsError> {
        if x.len() == self.mean().len() {
            Ok(())
        } else {
            Err(UnitsError::Dimension {
                expected: u32::try_from(self.mean().len()).unwrap_or(u32::MAX),
            })
        }
    }
}

fn overflow(index: usize) -> UnitsError {
    UnitsError::Overflow {
        index: u32::try_from(index).unwrap_or(u32::MAX),
    }
}

/// A finite `f32` as `mantissa·2^exponent`, read from its bits.
struct Real {
    /// Signed, below 2²⁴ in magnitude.
    mantissa: i32,
    exponent: i32,
}

impl Real {
    fn of(v: f32) -> Real {
        let bits = v.to_bits();
        let field = ((bits >> 23) & 0xff) as i32;
        let fraction = (bits & 0x7f_ffff) as i32;
        // Subnormals (field 0) have no implicit bit and the exponent of field 1.
        let (magnitude, exponent) = if field == 0 {
            (fraction, -149)
        } else {
            (fraction | 1 << 23, field - 150)
        };
        let mantissa = if bits >> 31 == 0 {
            magnitude
        } else {
            -magnitude
        };
        Real { mantissa, exponent }
    }
}

/// How far below the finer term's exponent (or below 2⁻⁶⁶) the sum is
/// kept exact; terms finer than that are folded into a sticky bit.
const FLOOR_EXPONENT: i32 = -66;
/// A term of at least `divisor·2^HEADROOM_BITS` is refused: no `i32`
/// result is that large, and the bound keeps the sum inside `i128`.
const HEADROOM_BITS: u32 = 33;

/// `round((t₁·2^p₁ + t₂·2^p₂) / divisor)` for the `(t, p)` terms and
/// `1 ≤ divisor < 2²⁴`, exactly (ties away from zero); `None` when the
/// result or a term alone is outside `i32`.
///
/// The terms are brought to a common exponent `L`, one below the finer
/// one (but not below 2⁻⁶⁷). A term finer than `L` is shifted down with
/// its lost bits folded into its lowest bit: the other term is then even
/// at `L` and every rounding boundary of the quotient an even multiple of
/// 2^L, so the folded sum rounds as the exact one does.
fn rounded_quotient(terms: [(i128, i32); 2], divisor: i128) -> Option<i32> {
    let divisor_bits = 128 - divisor.leading_zeros();
    let mut finest = i32::MAX;
    for (t, p) in terms.iter().filter(|(t, _)| *t != 0) {
        let bits = (128 - t.unsigned_abs().leading_zeros()) as i32;
        if i64::from(bits) + i64::from(*p) > i64::from(divisor_bits + HEADROOM_BITS) {
            return None;
        }
        finest = finest.min(*p);
    }
    if finest == i32::MAX {
        return Some(0);
    }
    let low = finest.max(FLOOR_EXPONENT) - 1;
    let mut sum: i128 = 0;
    for (t, p) in terms {
        // Each aligned term is below 2^(24 + 33 + 67) = 2¹²⁴ in magnitude.
        let aligned = if p >= low {
            t.checked_shl(p.abs_diff(low))?
        } else {
            sticky_shift_right(t, low.abs_diff(p))
        };
        sum = sum.checked_add(aligned)?;
    }
    let (numerator, denominator) = if low >= 0 {
        (sum.checked_shl(low.unsigned_abs())?, divisor)
    } else {
        (sum, divisor.checked_shl(low.unsigned_abs())?)
    };
    let magnitude = numerator.unsigned_abs();
    let denominator = denominator.unsigned_abs();
    // `checked_div`, not `/`: the denominator is not zero, but a division
    // the compiler cannot see is by a non-zero number links a panic.
    let rounded = (magnitude.checked_mul(2)?.checked_add(denominator)?)
        .checked_div(denominator.checked_mul(2)?)?;
    let rounded = i128::try_from(rounded).ok()?;
    i32::try_from(if numerator < 0 { -rounded } else { rounded }).ok()
}

/// `t / 2^shift` toward zero, with the lowest bit set when any bit was
/// lost: the sign and the sticky bit of the dropped part survive.
fn sticky_shift_right(t: i128, shift: u32) -> i128 {
    let magnitude = t.unsigned_abs();
    let kept = magnitude.checked_shr(shift).unwrap_or(0);
    let lost = kept.checked_shl(shift).unwrap_or(0) != magnitude;
    let jammed = i128::try_from(kept | u128::from(lost)).unwrap_or(i128::MAX);
    if t < 0 { -jammed } else { jammed }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn real_decodes_normals_subnormals_and_signs() {
        let check = |v: f32, mantissa: i32, exponent: i32| {
            let r = Real::of(v);
            assert_eq!((r.mantissa, r.exponent), (mantissa, exponent), "{v}");
        };
        check(1.0, 1 << 23, -23);
        check(-1.5, -(3 << 22), -23);
        check(f32::from_bits(1), 1, -149);
        check(0.0, 0, -149);
    }

    #[test]
    fn rounded_quotient_rounds_ties_away_from_zero() {
        // 5/2 = 2.5 → 3, −5/2 → −3, 3·2⁻¹ + 0 = 1.5 → 2.
        assert_eq!(rounded_quotient([(5, 0), (0, 0)], 2), Some(3));
        assert_eq!(rounded_quotient([(-5, 0), (0, 0)], 2), Some(-3));
        assert_eq!(rounded_quotient([(3, -1), (0, 0)], 1), Some(2));
    }

    #[test]
    fn a_sticky_bit_decides_a_near_tie() {
        // 1·2⁻¹ + 2⁻²⁰⁰ is just above ½: 1; 1·2⁻¹ − 2⁻²⁰⁰ just below: 0
        // (the tie itself goes away from zero, to 1, as above).
        assert_eq!(rounded_quotient([(1, -1), (1, -200)], 1), Some(1));
        assert_eq!(rounded_quotient([(1, -1), (-1, -200)], 1), Some(0));
        // (2⁶⁵ − 1)·2⁻⁶⁶ + 2⁻²⁰⁰ is below ½: 0. Summed at 2⁻⁶⁶, the far term's
        // sticky bit would make it exactly ½; one bit lower it cannot.
        assert_eq!(
            rounded_quotient([((1 << 65) - 1, -66), (1, -200)], 1),
            Some(0)
        );
    }

    #[test]
    fn large_terms_are_refused_not_wrapped() {
        assert_eq!(rounded_quotient([(1, 31), (0, 0)], 1), None);
        assert_eq!(rounded_quotient([(1, 30), (0, 0)], 1), Some(1 << 30));
        assert_eq!(rounded_quotient([(1, 200), (-1, 200)], 1), None);
    }
}
