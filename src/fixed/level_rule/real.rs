//! A small binary floating point in integers, for the few divisions and
//! square roots that turn a plan row's level into its coefficients on the
//! device ([`super`]) with no float arithmetic and the same bits on every
//! target.
//!
//! A [`Real`] is `±m·2^e` with a mantissa `m` in `[2³⁰, 2³¹)` (as a
//! normalised [`Coefficient`]'s), or zero. Every operation rounds its exact
//! result to nearest, ties away from zero (as `Coefficient::from_real`), so
//! each result is within half a unit of its last place, 2⁻³¹ of its value:
//!
//! - a product is one 32×32 → 64-bit multiplication, then rounded;
//! - a quotient is a 64-by-32-bit division done as two 32-bit hardware
//!   divisions ([`divide`]), rounded with its remainder;
//! - a square root is an integer square root of a 64-bit integer (three
//!   Newton steps with that division, [`square_root`]), rounded with its
//!   remainder;
//! - a sum aligns its operands in 64 bits (a mantissa of 62 bits and a
//!   guard bit) and folds the bits shifted out into a sticky last bit, so it
//!   is correctly rounded however much it cancels. [`Real::product`] keeps
//!   a product exact (62 bits), and a sum of exact products
//!   ([`Wide::plus`]) is correctly rounded too: the difference of two
//!   nearly equal products loses nothing.
//!
//! Exponents stay within ±[`EXPONENT_LIMIT`]: a result above saturates at
//! [`Real::HUGE`] (of its sign), one below is zero, so nothing overflows and
//! a saturated value stays beyond every coefficient through further
//! operations. `x/0` is `±HUGE` with the sign of `x`, and `0/0` is zero.
//! The square root is taken of `max(x, 0)`.
#![deny(clippy::float_arithmetic)]

use core::num::NonZeroU32;

use crate::fixed::Coefficient;
use crate::fixed::coefficient::MAX_COEFFICIENT_SHIFT;

/// Largest exponent magnitude of a [`Real`]: `2^4096` is beyond every
/// coefficient, `2^−4096` below every one.
const EXPONENT_LIMIT: i32 = 1 << 12;

/// `±m·2^e`, `m` in `[2³⁰, 2³¹)` or zero, `|e| ≤ EXPONENT_LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Real {
    negative: bool,
    m: u32,
    e: i32,
}

/// A product of two [`Real`]s, exact: `±m·2^e`, `m < 2⁶²`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Wide {
    negative: bool,
    m: u64,
    e: i32,
}

impl Real {
    /// Zero.
    pub(super) const ZERO: Real = Real {
        negative: false,
        m: 0,
        e: 0,
    };
    /// One.
    pub(super) const ONE: Real = Real {
        negative: false,
        m: 1 << 30,
        e: -30,
    };
    /// The largest magnitude, where results beyond the exponent range saturate.
    pub(super) const HUGE: Real = Real {
        negative: false,
        m: (1 << 31) - 1,
        e: EXPONENT_LIMIT,
    };

    /// `±m·2^e` for `m` in `[2³⁰, 2³¹]` (`2³¹` carries into the exponent),
    /// saturated or flushed to zero beyond the exponent range.
    fn bounded(negative: bool, m: u64, e: i32) -> Real {
        let (m, e) = if m >= 1 << 31 {
            (1 << 30, e + 1)
        } else {
            (m as u32, e)
        };
        if e > EXPONENT_LIMIT {
            Real {
                negative,
                ..Real::HUGE
            }
        } else if e < -EXPONENT_LIMIT {
            Real::ZERO
        } else {
            Real { negative, m, e }
        }
    }

    /// The value of `c` (exactly; a shift beyond the exponent range is zero).
    pub(super) fn from_coefficient(c: Coefficient) -> Real {
        let m = c.m.unsigned_abs();
        let shift = c.shift.min(EXPONENT_LIMIT as u32 + 64) as i32;
        // Into [2³⁰, 2³¹): |m| ≤ 2³¹, whose last bit is zero.
        let (m, e) = match m.leading_zeros() {
            32 => return Real::ZERO,
            0 => (m >> 1, 1 - shift),
            z => (m << (z - 1), 1 - shift - z as i32),
        };
        Real::bounded(c.m < 0, u64::from(m), e)
    }

    /// The nearest [`Coefficient`]: the same mantissa with a shift in
    /// `[0, 62]`; a magnitude of `2³¹` or more saturates to
    /// `±(2³¹ − 1)·2⁰`; one below `2⁻³²` is rounded at shift 62 (to zero
    /// below `2⁻⁶³`).
    pub(super) fn to_coefficient(self) -> Coefficient {
        if self.m == 0 {
            return Coefficient::default();
        }
        let sign = if self.negative { -1 } else { 1 };
        let max_shift = MAX_COEFFICIENT_SHIFT as i32;
        let shift = -self.e;
        if shift < 0 {
            return Coefficient {
                m: sign * i32::MAX,
                shift: 0,
            };
        }
        if shift > max_shift {
            // Denormalised: round(m·2^(e + 62)) = round(m/2^k), k ≥ 1.
            let k = (shift - max_shift) as u32;
            let m = if k > 31 {
                0
            } else {
                (self.m + (1 << (k - 1))) >> k
            };
            return Coefficient {
                m: sign * m as i32,
                shift: MAX_COEFFICIENT_SHIFT,
            };
        }
        Coefficient {
            m: sign * self.m as i32,
            shift: shift as u32,
        }
    }

    /// True when above zero.
    pub(super) fn is_positive(self) -> bool {
        !self.negative && self.m != 0
    }

    /// `−x`.
    pub(super) fn neg(self) -> Real {
        Real {
            negative: !self.negative && self.m != 0,
            ..self
        }
    }

    /// `|x|`.
    pub(super) fn abs(self) -> Real {
        Real {
            negative: false,
            ..self
        }
    }

    /// `x·2^k`, exact unless it leaves the exponent range.
    pub(super) fn scaled(self, k: i32) -> Real {
        if self.m == 0 {
            return Real::ZERO;
        }
        Real::bounded(self.negative, u64::from(self.m), self.e + k)
    }

    /// `x·y`, exact.
    pub(super) fn product(self, y: Real) -> Wide {
        Wide {
            negative: self.negative != y.negative,
            m: u64::from(self.m) * u64::from(y.m),
            e: self.e + y.e,
        }
    }

    /// `x·y`.
    pub(super) fn mul(self, y: Real) -> Real {
        self.product(y).round()
    }

    /// `x/y`.
    pub(super) fn div(self, y: Real) -> Real {
        if self.m == 0 {
            return Real::ZERO;
        }
        if y.m == 0 {
            return Real {
                negative: self.negative,
                ..Real::HUGE
            };
        }
        // n = m_x·2^s with n/m_y in [2³⁰, 2³¹); doubled, with m_y, for
        // a divisor with its top bit set.
        let s = if self.m >= y.m { 30 } else { 31 };
        let n = u64::from(self.m) << (s + 1);
        let (q, r) = divide((n >> 32) as u32, n as u32, y.m << 1);
        // r = 2·remainder: at or above half of m_y rounds up.
        let up = u64::from(r >= y.m);
        Real::bounded(
            self.negative != y.negative,
            u64::from(q) + up,
            self.e - y.e - s,
        )
    }

    /// `√max(x, 0)`.
    pub(super) fn sqrt(self) -> Real {
        if self.negative || self.m == 0 {
            return Real::ZERO;
        }
        // n = m·2^s in [2⁶⁰, 2⁶²) with e − s even: √x = √n·2^((e − s)/2).
        let s = 30 + (self.e & 1);
        let n = u64::from(self.m) << s;
        let r = square_root(n);
        // √n ≥ r + ½ ⇔ n ≥ r² + r + ¼ ⇔ n − r² > r (never a tie).
        let up = u64::from(n - r * r > r);
        Real::bounded(false, r + up, (self.e - s) / 2)
    }

    /// `x + y`.
    pub(super) fn add(self, y: Real) -> Real {
        self.wide().plus(y.wide())
    }

    /// `x − y`.
    pub(super) fn sub(self, y: Real) -> Real {
        self.add(y.neg())
    }

    /// The same value as a [`Wide`].
    fn wide(self) -> Wide {
        Wide {
            negative: self.negative,
            m: u64::from(self.m),
            e: self.e,
        }
    }
}

impl Wide {
    /// `−x`.
    pub(super) fn neg(self) -> Wide {
        Wide {
            negative: !self.negative,
            ..self
        }
    }

    /// `m` in `[2⁶², 2⁶³)`, or zero; from `m < 2⁶³` a left shift, so the
    /// last bit is zero.
    fn normalised(self) -> Wide {
        let z = self.m.leading_zeros();
        if z == 64 {
            return Wide { m: 0, ..self };
        }
        Wide {
            m: self.m << (z - 1),
            e: self.e - (z as i32 - 1),
            ..self
        }
    }

    /// The nearest [`Real`] (for any `m`: a top bit is first shifted out
    /// into the sticky last bit).
    pub(super) fn round(self) -> Real {
        let x = if self.m >> 63 == 1 {
            Wide {
                m: (self.m >> 1) | (self.m & 1),
                e: self.e + 1,
                ..self
            }
        } else {
            self
        }
        .normalised();
        if x.m == 0 {
            return Real::ZERO;
        }
        // Bit 31 is the rounding bit: at or above half a unit rounds up.
        Real::bounded(x.negative, (x.m >> 32) + ((x.m >> 31) & 1), x.e + 32)
    }

    /// `x + y`, rounded once.
    pub(super) fn plus(self, y: Wide) -> Real {
        let (x, y) = (self.normalised(), y.normalised());
        if x.m == 0 {
            return y.round();
        }
        if y.m == 0 {
            return x.round();
        }
        let (big, small) = if (x.e, x.m) >= (y.e, y.m) {
            (x, y)
        } else {
            (y, x)
        };
        // Both in [2⁶², 2⁶³) with a zero last bit; the smaller shifted right
        // by the exponent gap, exact up to a gap of 1. Beyond, the result
        // keeps at least 61 bits and the bits shifted out become a set last
        // bit: the result is then odd, between the exact one's neighbours,
        // so it rounds as the exact one (never onto a tie it is not).
        let gap = big.e.abs_diff(small.e);
        let aligned = if gap < 64 {
            let shifted = small.m >> gap;
            shifted | u64::from(shifted << gap != small.m)
        } else {
            1
        };
        let m = if big.negative == small.negative {
            big.m + aligned
        } else {
            big.m - aligned
        };
        Wide { m, ..big }.round()
    }
}

/// `(u1·2³² + u0)/v` and its remainder, for `v ≥ 2³¹` and `u1 < v` (so
/// the quotient fits 32 bits): two steps of one 16-bit digit each, with
/// 32-bit divisions and at most two corrections per digit (Knuth's
/// algorithm D, as Warren's *Hacker's Delight* `divlu`).
fn divide(u1: u32, u0: u32, v: u32) -> (u32, u32) {
    const DIGIT: u32 = 1 << 16;
    // v1 ≥ 2¹⁵ since v ≥ 2³¹; as a `NonZeroU32` its divisions need no
    // check for zero.
    let v1 = NonZeroU32::new(v >> 16).unwrap_or(NonZeroU32::MIN);
    let v0 = v & 0xFFFF;
    let (u01, u00) = (u0 >> 16, u0 & 0xFFFF);
    // One digit of the quotient of `high·2¹⁶ + low` (`high < v`), and the
    // remainder, modulo 2³².
    let digit = |high: u32, low: u32| {
        let mut q = high / v1;
        let mut rest = high - q * v1.get();
        // `q·v0` is only evaluated below 2¹⁶ (no overflow).
        while q >= DIGIT || q * v0 > (rest << 16 | low) {
            q -= 1;
            rest += v1.get();
            if rest >= DIGIT {
                break;
            }
        }
        (q, (high << 16 | low).wrapping_sub(q.wrapping_mul(v)))
    };
    let (q1, r1) = digit(u1, u01);
    let (q0, r0) = digit(r1, u00);
    (q1 << 16 | q0, r0)
}

/// `⌊√n⌋` for `n` in `[2⁶⁰, 2⁶²)`: Newton's `r ← ⌊(r + ⌊n/r⌋)/2⌋` from
/// the tangent of `√` at `2.25·2⁶⁰`, within 8.4% of `√n`. From any start
/// the first step is at or above `⌊√n⌋`; the relative error then squares
/// and halves at each step (8.4%, 0.33%, 5.2·10⁻⁶, 1.4·10⁻¹¹), so after three
/// steps `r` is `⌊√n⌋` or one more, which the last line corrects. Every
/// iterate is kept in `[2³⁰, 2³¹)`, where [`divide`] takes it.
fn square_root(n: u64) -> u64 {
    const MAX: u32 = (1 << 31) - 1;
    // (0.75 + y/3)·2³⁰ for y = n/2⁶⁰ in [1, 4): at least 1.08·2³⁰.
    let mut r = (3 << 28) + ((n >> 30) as u32) / 3;
    for _ in 0..3 {
        let v = r.min(MAX);
        let (q, _) = divide((n >> 31) as u32, (n << 1) as u32, v << 1);
        r = ((u64::from(v) + u64::from(q)) >> 1) as u32;
    }
    let r = u64::from(r.min(MAX));
    if r * r > n { r - 1 } else { r }
}

#[cfg(all(test, feature = "std"))]
#[allow(clippy::float_arithmetic)] // the f64 values to compare with
mod tests {
    use super::{Real, Wide, divide, square_root};
    use crate::fixed::Coefficient;
    use proptest::prelude::*;

    /// `±m·2^e` for a mantissa in `[2³⁰, 2³¹)` (exact in f64).
    fn real(negative: bool, m: u32, e: i32) -> Real {
        Real {
            negative,
            m: (m >> 1) | 1 << 30,
            e,
        }
    }

    fn value(x: Real) -> f64 {
        let v = libm::ldexp(f64::from(x.m), x.e);
        if x.negative { -v } else { v }
    }

    /// Half a unit in the last place of `x`, where `x` is not zero.
    fn half_ulp(x: Real) -> f64 {
        libm::ldexp(1.0, x.e - 1)
    }

    fn any_real(exponents: core::ops::Range<i32>) -> impl Strategy<Value = Real> {
        (any::<bool>(), any::<u32>(), exponents).prop_map(|(s, m, e)| real(s, m, e))
    }

    /// `got` is `want` rounded to nearest, where `want` is exact up to
    /// f64's rounding (2⁻⁵³ relative).
    fn assert_rounded(got: Real, want: f64) -> Result<(), TestCaseError> {
        prop_assert!(got.m >> 30 == 1, "{got:?} is not normalised");
        let error = (value(got) - want).abs();
        prop_assert!(
            error <= half_ulp(got) + want.abs() * 2f64.powi(-52),
            "{got:?} = {} for {want}: error {error:e}",
            value(got)
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn a_product_is_rounded_to_nearest(x in any_real(-200..200), y in any_real(-200..200)) {
            assert_rounded(x.mul(y), value(x) * value(y))?;
        }

        #[test]
        fn a_quotient_is_rounded_to_nearest(x in any_real(-200..200), y in any_real(-200..200)) {
            assert_rounded(x.div(y), value(x) / value(y))?;
        }

        #[test]
        fn a_square_root_is_rounded_to_nearest(x in any_real(-200..200)) {
            let x = x.abs();
            assert_rounded(x.sqrt(), value(x).sqrt())?;
        }

        #[test]
        fn a_sum_is_rounded_to_nearest(
            x in any_real(-40..-20),
            y in any_real(-40..-20),
            // A few low bits of x changed: sums that cancel down to them.
            close in any::<u16>(),
        ) {
            // Mantissas of 31 bits whose exponents differ by at most 20
            // sum exactly in f64.
            assert_rounded(x.add(y), value(x) + value(y))?;
            assert_rounded(x.sub(y), value(x) - value(y))?;
            let near = real(x.negative, (x.m ^ u32::from(close)) << 1, x.e);
            if near != x {
                assert_rounded(x.sub(near), value(x) - value(near))?;
            }
        }

        #[test]
        fn a_difference_of_exact_products_is_rounded_once(
            a in any_real(-40..-20),
            b in any_real(-40..-20),
            c in any_real(-40..-20),
            flip in any::<u32>(),
            low_bits in 0u32..32,
            gap in 0i32..24,
        ) {
            // c·d near a·b: equal but for some low bits of d, and apart by
            // up to 2^24, so that the difference cancels from nothing to all.
            let near = a.mul(b).div(c);
            let d = real(near.negative, (near.m ^ (flip >> low_bits)) << 1, near.e + gap);
            let got = a.product(b).plus(c.product(d).neg());
            // The exact difference in integers, in units of 2^(low − 32).
            let (first, second) = (a.e + b.e, c.e + d.e);
            let low = first.min(second);
            let product = |x: Real, y: Real, e: i32| {
                let m = i128::from(u64::from(x.m) * u64::from(y.m)) << (e - low + 32);
                if x.negative != y.negative { -m } else { m }
            };
            let exact = product(a, b, first) - product(c, d, second);
            if exact == 0 {
                prop_assert_eq!(got, Real::ZERO);
            } else {
                prop_assert!(got.m >> 30 == 1);
                let g = i128::from(got.m) << (got.e - low + 32);
                let g = if got.negative { -g } else { g };
                // Within half a unit of got's last place.
                let error = (g - exact).unsigned_abs();
                prop_assert!(error <= 1u128 << (got.e - low + 31), "{got:?} vs {exact}");
            }
        }

        #[test]
        fn divide_is_the_64_by_32_bit_division(v in any::<u32>(), high in any::<u32>(), u0 in any::<u32>()) {
            let v = v | 1 << 31;
            let u1 = high % v;
            let n = u64::from(u1) << 32 | u64::from(u0);
            let (q, r) = divide(u1, u0, v);
            prop_assert_eq!((u64::from(q), u64::from(r)), (n / u64::from(v), n % u64::from(v)));
        }

        #[test]
        fn square_root_is_the_integer_square_root(n in (1u64 << 60)..(1 << 62), offset in -2i64..=2) {
            prop_assert_eq!(square_root(n), n.isqrt());
            // Around a perfect square, where the floor changes.
            let root = n.isqrt();
            if let Some(m) = (root * root).checked_add_signed(offset).filter(|m| *m >> 60 != 0 && *m >> 62 == 0) {
                prop_assert_eq!(square_root(m), m.isqrt());
            }
        }

        #[test]
        fn a_coefficient_is_rounded_as_from_real(x in any_real(-110..40)) {
            let got = x.to_coefficient();
            match Coefficient::from_real(value(x)) {
                Some(want) => prop_assert_eq!(got, want),
                None => prop_assert_eq!(got.m.unsigned_abs(), i32::MAX as u32),
            }
        }

        #[test]
        fn a_coefficient_is_read_exactly(m in any::<i32>(), shift in 0u32..=62) {
            let c = Coefficient { m, shift };
            let x = Real::from_coefficient(c);
            prop_assert_eq!(value(x), c.to_real());
            prop_assert_eq!(x.to_coefficient().to_real(), c.to_real());
        }
    }

    #[test]
    fn division_by_zero_and_the_exponent_range_saturate() {
        let two = Real::ONE.add(Real::ONE);
        assert_eq!(two.div(Real::ZERO), Real::HUGE);
        assert_eq!(two.neg().div(Real::ZERO), Real::HUGE.neg());
        assert_eq!(Real::ZERO.div(Real::ZERO), Real::ZERO);
        assert_eq!(Real::HUGE.mul(two), Real::HUGE);
        assert_eq!(Real::HUGE.sub(Real::HUGE), Real::ZERO);
        assert_eq!(Real::ONE.div(Real::HUGE).div(Real::HUGE), Real::ZERO);
        assert_eq!(
            Real::HUGE.to_coefficient(),
            Coefficient {
                m: i32::MAX,
                shift: 0
            }
        );
        assert_eq!(Real::ONE.to_coefficient(), Coefficient::ONE);
        let wide = Wide {
            negative: false,
            m: u64::MAX,
            e: 0,
        };
        // 2⁶⁴ − 1 rounds up to 2⁶⁴, carrying into the exponent.
        assert_eq!(value(wide.round()), 2f64.powi(64));
        // Divisions whose two quotient digits are each first estimated two
        // too large (found by a search over random operands; quotient and
        // remainder from Python's integer division).
        assert_eq!(
            divide(0x64c2_f2e3, 0xa5ac_06d8, 0x8b21_f9df),
            (0xb965_ed32, 0x48ba_c64a)
        );
        assert_eq!(
            divide(0x75fa_6dd8, 0x2be8_8b46, 0x89b4_f6f6),
            (0xdb52_f2cf, 0x3454_4e5c)
        );
        // The ends of the square root's range.
        for n in [1 << 60, (1 << 62) - 1, ((1 << 31) - 1) * ((1 << 31) - 1)] {
            assert_eq!(square_root(n), n.isqrt(), "{n}");
        }
        // The largest quotient.
        assert_eq!(
            divide(0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000),
            (0xFFFF_FFFF, 0x7FFF_FFFF)
        );
    }
}
