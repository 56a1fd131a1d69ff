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
//! - x86 processors with F16C, found at run time: the loop compiled for
//!   F16C, one `VCVTPH2PS` per quad ([`super::f16c`]);
//! - elsewhere, and for the 0–3 weights after a row's last quad, `half`'s
//!   conversion, of blocks of 32 values into a buffer on the stack and of
//!   the quads after the last block one by one: it uses x86's F16C
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
        accumulate(lanes, w.iter().map(Self::widen4), x);
    }
}

/// `lanes[k] += w[q][k]·x[q][k]` over the quads both have, in order.
#[inline(always)]
fn accumulate(lanes: &mut [f32; 4], w: impl Iterator<Item = [f32; 4]>, x: &[[f32; 4]]) {
    let [s0, s1, s2, s3] = lanes;
    for ([w0, w1, w2, w3], [x0, x1, x2, x3]) in w.zip(x) {
        *s0 += w0 * x0;
        *s1 += w1 * x1;
        *s2 += w2 * x2;
        *s3 += w3 * x3;
    }
}

/// Quads of f16 weights widened by one call of `half`'s slice conversion
/// outside the Cortex-M4F: one test for F16C (where it is detected at run
/// time) and eight `VCVTPH2PS` per block.
#[cfg(not(f16_vcvt))]
const BLOCK: usize = 8;

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

    /// With F16C where the processor has it (x86), else the portable
    /// `blocks`.
    #[cfg(not(f16_vcvt))]
    fn add_quads(lanes: &mut [f32; 4], w: &[[[u8; 2]; 4]], x: &[[f32; 4]]) {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        if super::f16c::add_quads(lanes, w, x) {
            return;
        }
        blocks(lanes, w, x);
    }
}

/// The f16 quads' sum, portable: whole blocks of eight quads widened into a
/// buffer on the stack by one call of `half`'s slice conversion (fixed
/// sizes: no length to check), then the quads left one by one.
#[cfg(not(f16_vcvt))]
fn blocks(lanes: &mut [f32; 4], w: &[[[u8; 2]; 4]], x: &[[f32; 4]]) {
    use half::slice::HalfFloatSliceExt;
    let (w_blocks, w_rest) = w.as_chunks::<BLOCK>();
    let (x_blocks, x_rest) = x.as_chunks::<BLOCK>();
    let blocks = w_blocks.len().min(x_blocks.len());
    for (block, x) in w_blocks.iter().zip(x_blocks) {
        let mut halves = [f16::ZERO; 4 * BLOCK];
        for (h, b) in halves.iter_mut().zip(block.as_flattened()) {
            *h = f16::from_le_bytes(*b);
        }
        let mut wide = [[0.0f32; 4]; BLOCK];
        halves.convert_to_f32_slice(wide.as_flattened_mut());
        accumulate(lanes, wide.into_iter(), x);
    }
    // The quads after the last whole block of either.
    let start = blocks * BLOCK;
    let w_rest = w.get(start..).unwrap_or(w_rest);
    let x_rest = x.get(start..).unwrap_or(x_rest);
    accumulate(lanes, w_rest.iter().map(<f16 as Widen<2>>::widen4), x_rest);
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

    /// The block loop and the quad loop give the same sums, for every count
    /// of quads around a block's.
    #[test]
    fn f16_quads_sum_as_f32_quads() {
        let bits = |k: usize| (k as u16).wrapping_mul(40_503) & 0xbfff; // finite, mixed signs
        for quads in 0..3 * BLOCK + 2 {
            let w: Vec<[[u8; 2]; 4]> = (0..quads)
                .map(|q| core::array::from_fn(|k| bits(4 * q + k).to_le_bytes()))
                .collect();
            let wide: Vec<[[u8; 4]; 4]> = w
                .iter()
                .map(|q| q.map(|b| f16::from_le_bytes(b).to_f32_const().to_le_bytes()))
                .collect();
            let x: Vec<[f32; 4]> = (0..quads)
                .map(|q| core::array::from_fn(|k| (q * 4 + k) as f32 * 0.37 - 3.0))
                .collect();
            let (mut a, mut b, mut c) = ([0.5f32; 4], [0.5f32; 4], [0.5f32; 4]);
            <f16 as Widen<2>>::add_quads(&mut a, &w, &x);
            <f32 as Widen<4>>::add_quads(&mut b, &wide, &x);
            assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "{quads} quads");
            // The portable blocks, which a processor with F16C skips.
            #[cfg(not(f16_vcvt))]
            {
                blocks(&mut c, &w, &x);
                assert_eq!(c.map(f32::to_bits), b.map(f32::to_bits), "{quads} quads");
            }
        }
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
