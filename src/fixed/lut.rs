//! Activation functions as interpolated integer lookup tables.
//!
//! A table has [`LUT_LEN`] int16 entries: entry `j` is the activation's
//! output (quantised to the output tensor's scale) at input
//! `q = j·128 − 32768` (quantised to the input tensor's scale). An input
//! falls between entries `j = (q + 32768) >> 7` and `j + 1`; the output is
//! `t[j] + round((t[j+1] − t[j])·f / 128)`, `f` the low 7 bits, halves away
//! from zero. The exporter fills the table from the exact function in f64, so
//! the error is the linear-interpolation error of a 2⁻⁸-of-range grid plus
//! rounding.
#![deny(clippy::float_arithmetic)]

/// Entries of an activation table (512 segments).
pub const LUT_LEN: usize = 513;
/// Input bits below a segment index.
const FRACTION_BITS: u32 = 7;

/// Input value of table entry `j` (in the input tensor's integer units).
pub fn entry_input(j: usize) -> i32 {
    ((j as i32) << FRACTION_BITS) - 32768
}

/// Looks up `q` in `table`, the [`LUT_LEN`] little-endian entries of an
/// activation layer ([`crate::format::I16s::as_array`] of its view).
#[inline]
pub fn interpolate(table: &[[u8; 2]; LUT_LEN], q: i16) -> i16 {
    let u = (i32::from(q) + 32768) as u32;
    // u < 2¹⁶, so j ≤ 511 and j + 1 ≤ 512: both inside the table.
    let j = (u >> FRACTION_BITS) as usize;
    let frac = (u & ((1 << FRACTION_BITS) - 1)) as i32;
    let entry = |k: usize| {
        table
            .get(k)
            .map_or(0, |b| i32::from(i16::from_le_bytes(*b)))
    };
    let (lo, hi) = (entry(j), entry(j + 1));
    // |hi − lo| < 2¹⁶ and frac < 2⁷: the product fits i32.
    let d = (hi - lo) * frac;
    // The rounding division of d by 2⁷, halves away from zero
    // ([`super::requantize::rounding_divide_by_pot_i32`]) in three
    // instructions: ⌊(d + 64 − [d < 0]) / 128⌋, `d >> 31` being −[d < 0].
    let step = (d + 64 + (d >> 31)) >> FRACTION_BITS;
    // 0 ≤ frac < 2⁷, so the rounded step lies between 0 and hi − lo, and
    // lo + step between lo and hi: two int16 entries, so the cast is exact.
    (lo + step) as i16
}
