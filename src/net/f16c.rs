//! The f16 dot product's inner loop on x86 processors with F16C, chosen at
//! run time: per four weights one 8-byte load, one `VCVTPH2PS`, and the
//! lanes' multiplies and adds as the portable loop does them, so the sums
//! are the same bits (widening is exact; each product is rounded to f32,
//! then added: no fused multiply-add, which F16C does not enable).
//!
//! A build for x86 without `-C target-feature=+f16c` cannot inline `half`'s
//! conversion into the loop: it calls, per block, a function compiled for
//! F16C (when `half`'s `std` feature detects it) or converts in software.
//! Compiling the whole loop for F16C and asking the processor once, with
//! CPUID (which `core` has, so the `no_std` runtime asks too), gives the
//! speed of a `+f16c` build to any build. The processor must have F16C,
//! and the operating system must save the AVX state that its VEX-encoded
//! instructions use (OSXSAVE, and XCR0's SSE and AVX bits), as std's
//! `is_x86_feature_detected!` checks.
//!
//! With the Cortex-M4F's `vcvt`, one of the three modules of the runtime
//! with `unsafe` code: calling a function compiled for a feature the
//! caller was not compiled for, once the feature is known to be there,
//! and reading an SSE register's four lanes.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86")]
use core::arch::x86 as arch;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64 as arch;
use core::sync::atomic::{AtomicU8, Ordering};

/// What [`available`] found: not asked yet, absent, present.
static F16C: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = 0;
const ABSENT: u8 = 1;
const PRESENT: u8 = 2;

/// `lanes[k] += w[q][k]·x[q][k]` over the quads both have, as
/// `super::widen::Widen::add_quads` computes it, with F16C; `false`,
/// having done nothing, on a processor without it.
pub fn add_quads(lanes: &mut [f32; 4], w: &[[[u8; 2]; 4]], x: &[[f32; 4]]) -> bool {
    if !available() {
        return false;
    }
    // SAFETY: the processor has F16C.
    unsafe { add_quads_f16c(lanes, w, x) };
    true
}

/// Whether the processor converts half precision and the operating system
/// keeps the state its instructions use; asked once.
fn available() -> bool {
    match F16C.load(Ordering::Relaxed) {
        PRESENT => true,
        ABSENT => false,
        _ => {
            let present = ask();
            F16C.store(if present { PRESENT } else { ABSENT }, Ordering::Relaxed);
            present
        }
    }
}

/// CPUID leaf 1: F16C (ECX bit 29), AVX (28) and OSXSAVE (27); then XCR0
/// bits 1 and 2 (SSE and AVX state saved by the operating system).
fn ask() -> bool {
    // CPUID leaf 1 exists on every processor these targets run on.
    let ecx = arch::__cpuid(1).ecx;
    let bit = |k: u32| (ecx >> k) & 1 == 1;
    if !(bit(29) && bit(28) && bit(27)) {
        return false;
    }
    // SAFETY: OSXSAVE (just checked) means XGETBV is enabled.
    let xcr0 = unsafe { arch::_xgetbv(0) };
    xcr0 & 0b110 == 0b110
}

/// `lanes[k] += w[q][k]·x[q][k]` over the quads both have, in increasing
/// `q`, each product rounded to f32 and then added.
///
/// # Safety
///
/// The processor must have F16C ([`available`]).
#[target_feature(enable = "f16c")]
unsafe fn add_quads_f16c(lanes: &mut [f32; 4], w: &[[[u8; 2]; 4]], x: &[[f32; 4]]) {
    let [s0, s1, s2, s3] = lanes;
    for (quad, [x0, x1, x2, x3]) in w.iter().zip(x) {
        let [[a, b], [c, d], [e, f], [g, h]] = *quad;
        let bits = u64::from_le_bytes([a, b, c, d, e, f, g, h]);
        let wide = arch::_mm_cvtph_ps(arch::_mm_set_epi64x(0, bits as i64));
        // SAFETY: `__m128` is four f32 lanes, lane 0 first; every bit
        // pattern is an f32.
        let [w0, w1, w2, w3] = unsafe { core::mem::transmute::<arch::__m128, [f32; 4]>(wide) };
        *s0 += w0 * x0;
        *s1 += w1 * x1;
        *s2 += w2 * x2;
        *s3 += w3 * x3;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::add_quads;
    use half::f16;
    use std::vec::Vec;

    /// Every half-precision bit pattern, four at a time, times 1 added to
    /// −0 (which keeps every value, −0 and NaN payloads included): the
    /// loop's lanes are the widened weights, as `half`'s portable
    /// conversion gives them. Without F16C the loop must leave the lanes.
    #[test]
    fn every_f16_bit_pattern_widens_as_the_portable_conversion() {
        let all: Vec<[u8; 2]> = (0..=u16::MAX).map(u16::to_le_bytes).collect();
        let (quads, _) = all.as_chunks::<4>();
        for quad in quads {
            let mut lanes = [-0.0f32; 4];
            if !add_quads(&mut lanes, &[*quad], &[[1.0; 4]]) {
                assert_eq!(lanes.map(f32::to_bits), [(-0.0f32).to_bits(); 4]);
                continue;
            }
            let want = quad.map(|b| f16::from_le_bytes(b).to_f32_const().to_bits());
            assert_eq!(lanes.map(f32::to_bits), want, "{quad:?}");
        }
    }
}
