//! The dense kernel's inner loop with the Cortex-M4/M7 DSP extension: two
//! multiply-accumulates per SMLAD instruction.
//!
//! This is the one module of the runtime with `unsafe` code: stable Rust
//! has no DSP intrinsics (`core::arch::arm`'s are unstable) and LLVM forms
//! SMLAD only at `opt-level = 3` from int16 loads on both operands, so the
//! loop is written in assembly (`global_asm!`, a leaf function following
//! the AAPCS) and called through one `unsafe` block, whose bounds are
//! checked before the call.
//!
//! Per 4 activations and 4 rows (16 multiply-accumulates): two word loads
//! of the activations; per row one word load of four int8 weights, SXTB16
//! and SXTB16 ROR 8 into the halfword pairs w0|w2 and w1|w3, and two
//! SMLADs. For the activations to come as the matching pairs x0|x2 and
//! x1|x3, [`pair_columns`] swaps the middle two of every four once per
//! layer (and back after it), instead of repacking them in the loop: 44
//! instructions for 8 activations and 4 rows (32 multiply-accumulates).
//! The loop runs two such blocks per iteration (one more before it for an
//! odd count), 1.41 instructions per multiply-accumulate with the loop's
//! compare and branch.
//!
//! SMLAD adds in 32 bits with wrap-around, as the portable kernel's
//! `wrapping_add` does, and the loader has proved that no sum overflows;
//! integer addition being associative, the result is bit-identical to the
//! portable kernel, which `tests/firmware.rs` checks in QEMU (the host runs
//! the portable kernel, the Cortex-M4F this one).
#![allow(unsafe_code)]

/// Swaps `x[4k + 1]` and `x[4k + 2]` in the columns [`dot4`] runs the DSP
/// loop on (the first `8·⌊len/8⌋`), so that each word the loop loads holds
/// the pair of activations SXTB16 pairs the weights in: x0|x2, then x1|x3.
/// Applied twice it restores `x`.
pub(super) fn pair_columns(x: &mut [i16]) {
    let done = x.len() - x.len() % 8;
    for group in x.get_mut(..done).unwrap_or_default().chunks_exact_mut(4) {
        if let [_, a, b, _] = group {
            core::mem::swap(a, b);
        }
    }
}

/// What the assembly reads and updates, laid out for it (offsets 0..32).
#[repr(C)]
struct Job {
    /// Row 0 of the four rows' weights; row `r` starts `r · stride` bytes
    /// later, each with at least `8 · blocks` bytes.
    weights: *const u8,
    /// Bytes from one row to the next.
    stride: u32,
    /// The activations, at least `8 · blocks` of them.
    x: *const i16,
    /// Iterations of 8 activations (at least 1).
    blocks: u32,
    /// The four sums, updated in place.
    acc: [i32; 4],
}

core::arch::global_asm!(
    ".section .text.tinyscore_dot4_dsp,\"ax\",%progbits",
    ".syntax unified",
    ".thumb",
    "@ One row: acc += w0·x0 + w2·x2 + w1·x1 + w3·x3 (x0|x2 in r10, x1|x3 in r12).",
    ".macro tinyscore_row weights, acc",
    "    ldr r11, [\\weights], #4",
    "    sxtb16 lr, r11",
    "    sxtb16 r11, r11, ror #8",
    "    smlad \\acc, lr, r10, \\acc",
    "    smlad \\acc, r11, r12, \\acc",
    ".endm",
    "@ 8 activations, 4 rows.",
    ".macro tinyscore_dot8",
    "    .rept 2",
    "    ldr r10, [r0], #4",
    "    ldr r12, [r0], #4",
    "    tinyscore_row r1, r6",
    "    tinyscore_row r2, r7",
    "    tinyscore_row r3, r8",
    "    tinyscore_row r4, r9",
    "    .endr",
    ".endm",
    ".p2align 2",
    ".type tinyscore_dot4_dsp,%function",
    ".thumb_func",
    "tinyscore_dot4_dsp:",
    "    push {{r4-r11, lr}}",
    "    push {{r0}}",
    "    ldrd r6, r7, [r0, #16]",
    "    ldrd r8, r9, [r0, #24]",
    "    ldr r5, [r0, #12]",
    "    ldr r1, [r0, #0]",
    "    ldr r10, [r0, #4]",
    "    add r2, r1, r10",
    "    add r3, r2, r10",
    "    add r4, r3, r10",
    "    ldr r0, [r0, #8]",
    "    lsls r10, r5, #31",
    "    add.w r5, r0, r5, lsl #4",
    "    beq 1f",
    "    tinyscore_dot8",
    "    cmp r0, r5",
    "    beq 2f",
    "1:",
    "    tinyscore_dot8",
    "    tinyscore_dot8",
    "    cmp r0, r5",
    "    bne 1b",
    "2:",
    "    pop {{r0}}",
    "    strd r6, r7, [r0, #16]",
    "    strd r8, r9, [r0, #24]",
    "    pop {{r4-r11, pc}}",
    ".purgem tinyscore_dot8",
    ".purgem tinyscore_row",
    ".size tinyscore_dot4_dsp, . - tinyscore_dot4_dsp",
);

unsafe extern "C" {
    /// Adds `Σᵢ rows[r][i]·x[i]` over the first `8 · blocks` columns to
    /// `acc[r]`, for the four rows of `job`.
    fn tinyscore_dot4_dsp(job: *mut Job);
}

/// `acc[r] + Σᵢ block[r·n + i]·x[i]` for the four rows of `block` (`4·n`
/// int8 weights, row-major, `n = x.len()`): the columns in blocks of 8 by
/// the DSP loop, the rest by `tail(from, x[from..], acc)`. The first
/// `8·⌊n/8⌋` columns of `x` must be in [`pair_columns`] order, the rest in
/// their own.
pub(super) fn dot4(
    block: &[u8],
    x: &[i16],
    acc: [i32; 4],
    tail: impl FnOnce(usize, &[i16], [i32; 4]) -> [i32; 4],
) -> [i32; 4] {
    let n = x.len();
    let done = n - n % 8;
    if done == 0 || block.len() < 4 * n {
        return tail(0, x, acc);
    }
    let mut job = Job {
        weights: block.as_ptr(),
        stride: n as u32,
        x: x.as_ptr(),
        blocks: (done / 8) as u32,
        acc,
    };
    // SAFETY: `block` holds 4 rows of `n ≥ done` bytes and `x` holds `n`
    // activations, so the `8 · blocks = done` bytes the loop reads from
    // each row and the `done` activations are in bounds (the loads need no
    // alignment on ARMv7E-M); it writes only `job.acc`, and saves and
    // restores the callee-saved registers it uses.
    unsafe { tinyscore_dot4_dsp(&mut job) };
    if done == n {
        return job.acc;
    }
    tail(done, x.get(done..).unwrap_or_default(), job.acc)
}
