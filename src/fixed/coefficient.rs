//! Plan coefficients in integers.
//!
//! Each coefficient of a sampling-plan row is stored as its own Q format: a
//! signed 32-bit mantissa `m` and a shift `s` in `[0, 62]`, value `m·2⁻ˢ`.
//! The exporter normalises `|m|` into `[2³⁰, 2³¹)`, so a coefficient keeps 30
//! bits of relative precision whatever its size (rows mix factors near 1 with
//! factors like 10⁻⁴ or 10²), as long as its magnitude is above 2⁻³²
//! (smaller ones have too little effect on a Q16.16 state to matter).
#![deny(clippy::float_arithmetic)]

use super::requantize::rounding_divide_by_pot;

/// Largest shift of a [`Coefficient`].
pub const MAX_COEFFICIENT_SHIFT: u32 = 62;

/// A real factor `m·2^−shift`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Coefficient {
    /// Signed mantissa.
    pub m: i32,
    /// Right shift, `0..=62`.
    pub shift: u32,
}

impl Coefficient {
    /// 1, exactly: `apply(v) = v`.
    pub const ONE: Coefficient = Coefficient {
        m: 1 << 30,
        shift: 30,
    };

    /// True when the coefficient is zero.
    pub fn is_zero(&self) -> bool {
        self.m == 0
    }

    /// `round(v·m / 2^shift)`, halves away from zero. `|v·m| < 2⁶²`, so the
    /// product never overflows. A zero coefficient (most of a row's, for
    /// DDIM) returns at once, without the 64-bit rounding shift.
    #[inline]
    pub fn apply(&self, v: i32) -> i64 {
        if self.m == 0 {
            return 0;
        }
        rounding_divide_by_pot(i64::from(v) * i64::from(self.m), self.shift)
    }
}
