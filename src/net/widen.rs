//! The weights of the float backends as f32: f32 weights are decoded, f16
//! (IEEE binary16) weights widened, with the target's conversion
//! instruction where it has one.
//!
//! Widening binary16 to binary32 is exact (every half-precision value,
//! subnormals included, is a single-precision value), so every path gives
//! the same bits, NaNs included (quieted, payload kept):
//! - `thumbv7em-none-eabihf` (Cortex-M4F, M7; the root crate's `build.rs`
//!   sets `f16_vcvt`): the dot product's loop over whole quads is
//!   assembly converting with VCVTB and VCVTT ([`super::vcvt`]);
//! - elsewhere, and for the 0–3 weights after a row's last quad, `half`'s
//!   conversion, four values at a time in the loop: it uses x86's F16C
//!   (`VCVTPH2PS`, four values per instruction) when the build enables it
//!   (`-C target-feature=+f16c`, or a `-C target-cpu` that has it, such
//!   as `x86-64-v3` or `native`) and otherwise, when `half`'s `std`
//!   feature is on, when the processor has it at run time; AArch64's FP16
//!   the same way; and the portable conversion otherwise.
//!
//! The test below widens all 65 536 bit patterns on the host's path and
//! compares them with `half`'s portable conversion; tests/firmware.rs
//! checks the Cortex-M4F's f16 samples against the host's.

use crate::format::LeValue;
use half::f16;

/// A weight type of the float backends, widened to f32 as it is read.
pub trait Widen<const N: usize>: LeValue<N> {
    /// Four stored values, widened.
    fn widen4(quad: &[[u8; N]; 4]) -> [f32; 4];

    /// One stored value, widened.
    fn widen(bytes: [u8; N]) -> f32;

    /// `lanes[k] += w[q][k]·x[q][k]` (the product rounded to f32, then
    /// added) over the quads both have, in increasing `q`: the four-lane
    /// loop of [`super::float::dot`].
    #[inline(always)]
    fn add_quads(lanes: &mut [f32; 4], w: &[[[u8; N]; 4]], x: &[[f32; 4]]) {
        let [s0, s1, s2, s3] = lanes;
        for (quad, [x0, x1, x2, x3]) in w.iter().zip(x) {
            let [w0, w1, w2, w3] = Self::widen4(quad);
            *s0 += w0 * x0;
            *s1 += w1 * x1;
            *s2 += w2 * x2;
            *s3 += w3 * x3;
        }
    }
}

impl Widen<4> for f32 {
    #[inline(always)]
    fn widen4(quad: &[[u8; 4]; 4]) -> [f32; 4] {
        quad.map(f32::from_le_bytes)
    }

    #[inline(always)]
    fn widen(bytes: [u8; 4]) -> f32 {
        f32::from_le_bytes(bytes)
    }
}

impl Widen<2> for f16 {
    #[inline(always)]
    fn widen4(quad: &[[u8; 2]; 4]) -> [f32; 4] {
        use half::slice::HalfFloatSliceExt;
        let mut out = [0.0f32; 4];
        quad.map(f16::from_le_bytes).convert_to_f32_slice(&mut out);
        out
    }

    #[inline(always)]
    fn widen(bytes: [u8; 2]) -> f32 {
        f16::from_le_bytes(bytes).to_f32()
    }

    #[cfg(f16_vcvt)]
    fn add_quads(lanes: &mut [f32; 4], w: &[[[u8; 2]; 4]], x: &[[f32; 4]]) {
        super::vcvt::add_quads(lanes, w, x);
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// `half`'s portable conversion (`to_f32_const` never takes a hardware
    /// path).
    fn reference(bits: u16) -> u32 {
        f16::from_bits(bits).to_f32_const().to_bits()
    }

    #[test]
    fn every_f16_bit_pattern_widens_to_the_portable_result() {
        let all: Vec<[u8; 2]> = (0..=u16::MAX).map(u16::to_le_bytes).collect();
        let (quads, rest) = all.as_chunks::<4>();
        assert!(rest.is_empty());
        for quad in quads {
            let got = <f16 as Widen<2>>::widen4(quad).map(f32::to_bits);
            let want = quad.map(|b| reference(u16::from_le_bytes(b)));
            assert_eq!(got, want, "{quad:?}");
        }
        for bytes in &all {
            let got = <f16 as Widen<2>>::widen(*bytes).to_bits();
            assert_eq!(got, reference(u16::from_le_bytes(*bytes)), "{bytes:?}");
        }
    }
}
