//! The fixed-point backend: int8 weights, int16 activations, integer
//! sampler state, no floating point on the sampling path.
//!
//! # Number formats
//!
//! - **Weights**: int8 in `[−127, 127]`, symmetric, one real scale per output
//!   channel (`w ≈ q·s_w[o]`).
//! - **Activations**: int16 in `[−32767, 32767]`, symmetric, one real scale
//!   per tensor. Every result is saturated to that range, never wrapped.
//! - **Accumulators**: int32. A dense layer whose worst case
//!   `|b| + 32767·Σ|w|` (with the largest time-bias row for the first layer)
//!   exceeds `i32::MAX` accumulates in int64 instead and is brought back to
//!   int32 by a rounding right shift, the smallest one that makes the worst
//!   case fit ([`crate::format::FixedWeights`] works it out at load time).
//!   Integer addition is associative, so every kernel that does not overflow
//!   gives the same accumulator in any order.
//! - **Requantisation**: an int32 multiplier `m` (Q0.31) and a shift, as in
//!   gemmlowp and TensorFlow Lite ([`requantize`]).
//! - **Sampler state** `x`, the x̂₀ register and the multistep register `h`:
//!   int32 in Q16.16 (model units, range ±32768, resolution 2⁻¹⁶).
//! - **Noise**: [`crate::noise::standard_normal_q28`], Q4.28.
//! - **Plan coefficients**: one [`Coefficient`] each, a 32-bit mantissa with
//!   its own shift, so every coefficient above 2⁻³² in magnitude keeps at
//!   least 30 bits of relative precision.
//!
//! The modules that run while sampling ([`requantize`], [`coefficient`],
//! [`network`], [`sampler`] and the x̂₀ threshold) deny `clippy::float_arithmetic`, so the lint
//! proves the hot loop is integer-only.

pub mod coefficient;
pub mod encode;
mod kernel;
#[cfg(dsp_kernel)]
mod kernel_dsp;
pub mod level_rule;
pub mod lut;
pub mod network;
#[cfg(feature = "std")]
pub mod quantize;
pub mod requantize;
pub mod sampler;
pub mod sinusoid;
mod threshold;
pub mod units;

pub use coefficient::Coefficient;
pub use network::FixedNetwork;
pub use requantize::Multiplier;
pub use sampler::{FixedSampler, FixedScratch};
pub use units::{DataFormat, UnitsError};

/// Fraction bits of the sampler state (Q16.16).
pub const STATE_FRAC_BITS: u32 = 16;

/// Largest magnitude of an int16 activation (the range is symmetric).
pub const ACTIVATION_MAX: i32 = i16::MAX as i32;

/// Saturates to the symmetric int16 activation range.
///
/// As int16 saturation and then −32768 up to −32767: of an `i32`, that
/// is one SSAT and a compare on a Cortex-M4 (a dense layer's every output).
#[inline]
pub fn saturate_activation(v: i64) -> i16 {
    let v = v.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16;
    v.max(-(ACTIVATION_MAX as i16))
}

/// Saturates to `i32`.
///
/// Written as "fits, or the bound of its sign" rather than a clamp: on a
/// 32-bit core that is a compare of the high word with the low word's sign
/// instead of two 64-bit compares, at each of the sampler's updates.
pub fn saturate_i32(v: i64) -> i32 {
    let low = v as i32;
    if i64::from(low) == v {
        low
    } else {
        // i32::MAX for a positive `v`, i32::MIN (its complement) otherwise.
        ((v >> 63) as i32) ^ i32::MAX
    }
}

/// A Q16.16 state value in model units as `f32` (exact for |v| < 2⁸, rounded
/// to nearest otherwise). For reporting; nothing on the sampling path uses it.
pub fn state_to_f32(v: i32) -> f32 {
    v as f32 / (1u32 << STATE_FRAC_BITS) as f32
}
