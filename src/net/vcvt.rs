//! The f16 dot product's inner loop on the Cortex-M4F and M7
//! (`thumbv7em-none-eabihf`, whose FPUs, FPv4-SP and FPv5, have the
//! half-precision conversions): per four weights two word loads, one VMOV
//! of both words into two single-precision registers, VCVTB.F32.F16 and
//! VCVTT.F32.F16 of each, one VLDM of the four activations, four VMUL and
//! four VADD, 18 instructions with the loop's, against about twenty per
//! weight for the conversion in software.
//!
//! Besides the DSP kernel (`crate::fixed`'s `kernel_dsp`), this is the one
//! module of the runtime with `unsafe` code: stable Rust has no
//! half-precision type (`f16` is unstable), so nothing LLVM lowers to
//! VCVTB, and its inline assembly cannot name a single-precision register
//! on this target (the `sreg` class needs the double-precision `vfp2`
//! feature, which FPv4-SP lacks). The loop is therefore a leaf function in
//! `global_asm!` following the AAPCS (it uses s0–s15 and r12, which the
//! caller saves, and saves r4), called through one `unsafe` block.
//!
//! It computes what the portable loop of [`super::Widen::add_quads`] does,
//! in the same order: each lane's product rounded to f32 (VMUL), then added
//! (VADD; no fused or chained multiply-accumulate), so the sums are the
//! same bits. VCVTB and VCVTT widen exactly as IEEE 754 does with FPSCR's
//! reset values, which nothing in the runtime changes (AHP = 0: IEEE half
//! precision; DN = 0: a NaN keeps its payload, quieted; flush-to-zero does
//! not apply to half-precision inputs). tests/firmware.rs checks the
//! Cortex-M4F's f16 samples against the host's.
//!
//! The weights are read with single-word loads, which ARMv7-M allows at
//! any halfword boundary (a row of an odd number of columns starts at one),
//! as the code LLVM emits for this target also assumes; the activations,
//! f32, are word-aligned.
#![allow(unsafe_code)]

core::arch::global_asm!(
    ".section .text.tinyscore_dot_f16,\"ax\",%progbits",
    ".syntax unified",
    ".thumb",
    "@ The FPU of the target (FPv4-SP; FPv5 has all of it): under link-time",
    "@ optimisation the module's assembly does not inherit the target's features.",
    ".fpu fpv4-sp-d16",
    ".global tinyscore_dot_f16",
    ".type tinyscore_dot_f16,%function",
    ".thumb_func",
    "@ r0: f16 weights, r1: f32 activations, r2: quads (at least 1),",
    "@ r3: the four lane sums, updated.",
    "tinyscore_dot_f16:",
    "    push {{r4}}",
    "    vldmia r3, {{s0-s3}}",
    "1:",
    "    ldr r12, [r0], #4",
    "    ldr r4, [r0], #4",
    "    vldmia r1!, {{s8-s11}}",
    "    vmov s12, s13, r12, r4",
    "    vcvtb.f32.f16 s4, s12",
    "    vcvtt.f32.f16 s5, s12",
    "    vcvtb.f32.f16 s6, s13",
    "    vcvtt.f32.f16 s7, s13",
    "    vmul.f32 s4, s4, s8",
    "    vmul.f32 s5, s5, s9",
    "    vmul.f32 s6, s6, s10",
    "    vmul.f32 s7, s7, s11",
    "    vadd.f32 s0, s0, s4",
    "    vadd.f32 s1, s1, s5",
    "    vadd.f32 s2, s2, s6",
    "    vadd.f32 s3, s3, s7",
    "    subs r2, r2, #1",
    "    bne 1b",
    "    vstmia r3, {{s0-s3}}",
    "    pop {{r4}}",
    "    bx lr",
    ".size tinyscore_dot_f16, . - tinyscore_dot_f16",
);

unsafe extern "C" {
    /// `lanes[k] += w[4q + k]·x[4q + k]` for `q` in `0..quads`, in order.
    fn tinyscore_dot_f16(
        w: *const [[u8; 2]; 4],
        x: *const [f32; 4],
        quads: u32,
        lanes: *mut [f32; 4],
    );
}

/// `lanes[k] += w[q][k]·x[q][k]` over the quads both have, in increasing
/// `q`: the loop of [`super::Widen::add_quads`] in assembly.
pub(super) fn add_quads(lanes: &mut [f32; 4], w: &[[[u8; 2]; 4]], x: &[[f32; 4]]) {
    let quads = w.len().min(x.len());
    if quads == 0 {
        return;
    }
    // SAFETY: `w` and `x` hold at least `quads` quads each (8 and 16 bytes),
    // so every load is in bounds; `x` is word-aligned (f32) as VLDM needs,
    // the word loads of `w` need only halfword alignment; the routine
    // writes only `lanes`, and saves and restores the callee-saved
    // register it uses.
    // `usize` is 32 bits on this target: the count is exact.
    unsafe { tinyscore_dot_f16(w.as_ptr(), x.as_ptr(), quads as u32, lanes) };
}
