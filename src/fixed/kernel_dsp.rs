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
//! Per tile (8 activations and 4 rows, 32 multiply-accumulates): two
//! double-word loads of the activations; per row one double-word load of
//! its eight int8 weights, SXTB16 and SXTB16 ROR 8 of each word into the
//! halfword pairs w0|w2 and w1|w3 (w4|w6 and w5|w7), and four SMLADs. For
//! the activations to come as the matching pairs x0|x2 and x1|x3,
//! [`pair_columns`] swaps the middle two of every four once per layer (and
//! back after it), instead of repacking them in the loop: 38 instructions
//! per tile. The tiles of a block are contiguous (`crate::format`'s
//! `Int8Matrix`), so one pointer walks the four rows and the loop has the
//! registers to hold a whole tile's activations and two weight words at
//! once. The loop runs two tiles per iteration (one more before it for an
//! odd count), 1.22 instructions per multiply-accumulate with the loop's
//! compare and branch. Double-word loads need word-aligned addresses, which
//! [`dot4`] checks (the fixed-point network aligns its activations; model
//! files are 16-byte aligned in flash).
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

/// What the assembly reads, laid out for it (offsets 0..16).
#[repr(C)]
struct Job {
    /// The tiles, `32 · tiles` bytes, word-aligned.
    weights: *const u8,
    /// The activations, `8 · tiles` of them, word-aligned.
    x: *const i16,
    /// Tiles (at least 1).
    tiles: u32,
    /// The four sums, updated in place.
    acc: *mut [i32; 4],
}

core::arch::global_asm!(
    ".section .text.tinyscore_dot4_dsp,\"ax\",%progbits",
    ".syntax unified",
    ".thumb",
    "@ One row of a tile: acc += w0·x0 + w2·x2 + w1·x1 + w3·x3 + (the same",
    "@ for w4..w7), with x0|x2, x1|x3, x4|x6, x5|x7 in r6-r9.",
    ".macro tinyscore_row acc",
    "    ldrd r10, r11, [r1], #8",
    "    sxtb16 r12, r10",
    "    sxtb16 r10, r10, ror #8",
    "    smlad \\acc, r12, r6, \\acc",
    "    smlad \\acc, r10, r7, \\acc",
    "    sxtb16 r12, r11",
    "    sxtb16 r11, r11, ror #8",
    "    smlad \\acc, r12, r8, \\acc",
    "    smlad \\acc, r11, r9, \\acc",
    ".endm",
    "@ One tile: 8 activations, 4 rows.",
    ".macro tinyscore_tile",
    "    ldrd r6, r7, [r0], #8",
    "    ldrd r8, r9, [r0], #8",
    "    tinyscore_row r2",
    "    tinyscore_row r3",
    "    tinyscore_row r4",
    "    tinyscore_row r5",
    ".endm",
    ".p2align 2",
    ".type tinyscore_dot4_dsp,%function",
    ".thumb_func",
    "tinyscore_dot4_dsp:",
    "    push {{r4-r11, lr}}",
    "    ldr r1, [r0, #12]",
    "    push {{r1}}",
    "    ldm r1, {{r2-r5}}",
    "    ldr r1, [r0, #0]",
    "    ldr lr, [r0, #8]",
    "    ldr r0, [r0, #4]",
    "    lsls r6, lr, #31",
    "    add.w lr, r0, lr, lsl #4",
    "    beq 1f",
    "    tinyscore_tile",
    "    cmp r0, lr",
    "    beq 2f",
    "1:",
    "    tinyscore_tile",
    "    tinyscore_tile",
    "    cmp r0, lr",
    "    bne 1b",
    "2:",
    "    pop {{r0}}",
    "    stm r0, {{r2-r5}}",
    "    pop {{r4-r11, pc}}",
    ".purgem tinyscore_tile",
    ".purgem tinyscore_row",
    ".size tinyscore_dot4_dsp, . - tinyscore_dot4_dsp",
);

unsafe extern "C" {
    /// Adds `Σᵢ w[r, i]·x[i]` over the tiles of `job` to `acc[r]`.
    fn tinyscore_dot4_dsp(job: *mut Job);
}

/// A kernel over tiles: adds `(tiles, x)`'s four rows' sums to `acc`.
pub(super) type TileKernel = fn(&[u8], &[i16], &mut [i32; 4]);

/// Adds `Σᵢ w[r, i]·x[i]` to `acc[r]` for the four rows of `tiles` (32 bytes
/// each: four rows of eight weights) and the first `8 · tiles` activations
/// of `x`, in [`pair_columns`] order: the DSP loop if both are word-aligned,
/// `portable` (with `x` restored to its own order) if not.
pub(super) fn dot4(tiles: &[u8], x: &[i16], acc: &mut [i32; 4], portable: TileKernel) {
    let count = tiles.len() / 32;
    let aligned = (tiles.as_ptr() as usize | x.as_ptr() as usize).is_multiple_of(4);
    if count == 0 || x.len() < 8 * count {
        return portable(tiles, x, acc);
    }
    if !aligned {
        let mut own = [0i16; 8];
        for (tile, paired) in tiles.chunks_exact(32).zip(x.chunks_exact(8)) {
            own.copy_from_slice(paired);
            pair_columns(&mut own);
            portable(tile, &own, acc);
        }
        return;
    }
    let mut job = Job {
        weights: tiles.as_ptr(),
        x: x.as_ptr(),
        tiles: count as u32,
        acc,
    };
    // SAFETY: `tiles` holds `32 · count` bytes and `x` holds `8 · count`
    // activations, both word-aligned (checked above), so the double-word
    // loads the loop makes are aligned and in bounds; it writes only the
    // four sums of `acc`, and saves and restores the callee-saved
    // registers it uses.
    unsafe { tinyscore_dot4_dsp(&mut job) };
}
