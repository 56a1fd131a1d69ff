//! Real numbers to the fixed-point backend's integer forms, in `f64`: what
//! an exporter uses to write a model and what tests check against. Nothing
//! here runs while sampling.

use super::lut::{LUT_LEN, entry_input};
use super::requantize::{MAX_SHIFT, MIN_SHIFT};
use super::{ACTIVATION_MAX, Coefficient, Multiplier, coefficient::MAX_COEFFICIENT_SHIFT};
use crate::format::PACKED_MANTISSA_BITS;

/// `(mantissa, exponent)` with `v = mantissa·2^exponent`, mantissa in
/// `[2³⁰, 2³¹)` (rounded to nearest), for `v > 0` finite.
fn normalise(v: f64) -> (i64, i32) {
    let (fraction, exponent) = libm::frexp(v); // v = fraction·2^exponent, fraction in [½, 1)
    let mut m = libm::round(fraction * (1u64 << 31) as f64) as i64;
    let mut e = exponent - 31;
    if m == 1 << 31 {
        m >>= 1;
        e += 1;
    }
    (m, e)
}

impl Multiplier {
    /// The multiplier nearest to `v`; `None` if `v` is negative, not finite
    /// or outside what a shift in `[−31, 30]` reaches. Factors below
    /// `2⁻³²` become zero.
    pub fn from_real(v: f64) -> Option<Multiplier> {
        if !v.is_finite() || v < 0.0 {
            return None;
        }
        if v < libm::ldexp(1.0, -32) {
            return Some(Multiplier { m: 0, shift: 0 });
        }
        let (m, e) = normalise(v);
        // v = m·2^e = m·2^(shift − 31).
        let shift = e + 31;
        if shift > i32::from(MAX_SHIFT) {
            return None;
        }
        if shift < i32::from(MIN_SHIFT) {
            // Denormalise: a smaller mantissa with the smallest shift.
            let m = libm::round(v * libm::ldexp(1.0, 31 - i32::from(MIN_SHIFT))) as i32;
            return Some(Multiplier {
                m,
                shift: MIN_SHIFT,
            });
        }
        Some(Multiplier {
            m: m as i32,
            shift: shift as i8,
        })
    }

    /// The factor's value.
    pub fn to_real(&self) -> f64 {
        libm::ldexp(f64::from(self.m), i32::from(self.shift) - 31)
    }
}

impl Coefficient {
    /// The coefficient nearest to `v`; `None` if `v` is not finite or
    /// `|v| > 2³¹ − 2`. Magnitudes below `2⁻³²` lose relative precision
    /// (they are denormalised to the largest shift).
    pub fn from_real(v: f64) -> Option<Coefficient> {
        if !v.is_finite() || v.abs() > f64::from(i32::MAX - 1) {
            return None;
        }
        if v == 0.0 {
            return Some(Coefficient::default());
        }
        let (m, e) = normalise(v.abs());
        let sign = if v < 0.0 { -1 } else { 1 };
        // |v| < 2³¹ − 1 keeps e ≤ 0 and the mantissa below 2³¹.
        let shift = -e;
        if shift as u32 > MAX_COEFFICIENT_SHIFT {
            let m = libm::round(libm::ldexp(v, MAX_COEFFICIENT_SHIFT as i32)) as i32;
            return Some(Coefficient {
                m,
                shift: MAX_COEFFICIENT_SHIFT,
            });
        }
        Some(Coefficient {
            m: sign * m as i32,
            shift: shift as u32,
        })
    }

    /// The coefficient nearest to `v` whose mantissa fits the 26 bits of a
    /// packed plan coefficient (format 1.7, [`crate::format::FixedPlan`]):
    /// `|m| < 2²⁵`, 24 bits of relative precision, as many as the f32 row
    /// it comes from; `None` if `v` is not finite or `|v| ≥ 2²⁵`.
    pub fn packable(v: f64) -> Option<Coefficient> {
        let limit = f64::from(1u32 << (PACKED_MANTISSA_BITS - 1));
        if !v.is_finite() || v.abs() >= limit {
            return None;
        }
        if v == 0.0 {
            return Some(Coefficient::default());
        }
        // |v| = f·2^e, f in [0.5, 1): v·2^(25 − e) is in [2²⁴, 2²⁵) before
        // rounding, which may reach 2²⁵ (then one shift less).
        let (_, e) = libm::frexp(v);
        let top = PACKED_MANTISSA_BITS as i32 - 1 - e;
        let mut shift = top.clamp(0, MAX_COEFFICIENT_SHIFT as i32);
        let mut m = libm::round(libm::ldexp(v, shift));
        if m.abs() >= limit {
            shift -= 1;
            m = libm::round(libm::ldexp(v, shift));
        }
        (shift >= 0 && m.abs() < limit).then_some(Coefficient {
            m: m as i32,
            shift: shift as u32,
        })
    }

    /// The coefficient's value.
    pub fn to_real(&self) -> f64 {
        libm::ldexp(f64::from(self.m), -(self.shift as i32))
    }
}

/// The table of activation `f` from input scale `s_in` to output scale
/// `s_out` (real value = integer × scale), entries rounded to nearest and
/// saturated to the int16 activation range.
pub fn activation_table(f: impl Fn(f64) -> f64, s_in: f64, s_out: f64) -> [i16; LUT_LEN] {
    let mut table = [0i16; LUT_LEN];
    for (j, slot) in table.iter_mut().enumerate() {
        let y = f(f64::from(entry_input(j)) * s_in) / s_out;
        let limit = f64::from(ACTIVATION_MAX);
        *slot = libm::round(y.clamp(-limit, limit)) as i16;
    }
    table
}
