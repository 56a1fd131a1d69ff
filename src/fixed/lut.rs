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

use super::requantize::rounding_divide_by_pot_i32;
use super::saturate_activation;
use crate::format::I16s;

/// Entries of an activation table (512 segments).
pub const LUT_LEN: usize = 513;
/// Input bits below a segment index.
const FRACTION_BITS: u32 = 7;

/// Input value of table entry `j` (in the input tensor's integer units).
pub fn entry_input(j: usize) -> i32 {
    ((j as i32) << FRACTION_BITS) - 32768
}

/// Looks up `q` in `table` (which has [`LUT_LEN`] entries once parsed).
pub fn interpolate(table: I16s<'_>, q: i16) -> i16 {
    let u = (i32::from(q) + 32768) as u32;
    let j = (u >> FRACTION_BITS) as usize;
    let frac = (u & ((1 << FRACTION_BITS) - 1)) as i32;
    let lo = i32::from(table.get(j).unwrap_or(0));
    let hi = table.get(j + 1).map_or(lo, i32::from);
    // |hi − lo| < 2¹⁶ and frac < 2⁷: the product fits i32.
    let step = rounding_divide_by_pot_i32((hi - lo) * frac, FRACTION_BITS);
    saturate_activation(i64::from(lo + step))
}
