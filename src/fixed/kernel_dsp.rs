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
//! [`pair_columns`] (or the routine below) swaps the middle two of every
//! four once per layer, instead of repacking them in the loop: 38 instructions
//! per tile. The tiles of a block are contiguous (`crate::format`'s
//! `Int8Matrix`), so one pointer walks the four rows and the loop has the
//! registers to hold a whole tile's activations and two weight words at
//! once. The loop runs two tiles per iteration (one more before it for an
//! odd count), 1.22 instructions per multiply-accumulate with the loop's
//! compare and branch. Double-word loads need word-aligned addresses, which
//! [`dot4`] checks (the fixed-point network aligns its activations; model
//! files are 16-byte aligned in flash).
//!
//! A layer whose multipliers are all below one runs whole in assembly
//! ([`layer`]), whatever its shape: the blocks one after the other, each
//! starting from its biases (plus, in the first layer, its time-bias and
//! class-bias rows), its tiles, then the columns after them (the whole
//! layer when it has fewer than 8 inputs, as the 2-D models' first) one
//! MLA per multiply-accumulate, and each output requantised and stored
//! right after its block; then the rows after the blocks (the whole layer
//! when it has fewer than 4 outputs, as the 2-D models' last), two at a
//! time over the activations in their own order, paired by PKHBT/PKHTB as
//! they are loaded (four instructions per eight columns shared by the two
//! rows, cheaper than pairing them all for two rows). The activations are
//! paired for the blocks in the routine and left so (the network does not
//! read a layer's input again), or put back for the rows after them. The
//! requantisation is gemmlowp's, as [`super::Multiplier::apply_valid`]
//! computes it, in 18 instructions per output: SMLAL onto the rounding
//! constant for the doubling high multiply `x`, then the rounding division
//! by `2^e` as `(((x − [x < 0]) >> (e − 1)) + 1) >> 1` (a property test in
//! `kernel.rs` checks the sequence against gemmlowp's on the whole range)
//! and SSAT with its halving shift; the QEMU tests run both.
//!
//! SMLAD adds in 32 bits with wrap-around, as the portable kernel's
//! `wrapping_add` does, and the loader has proved that no sum overflows;
//! integer addition being associative, the result is bit-identical to the
//! portable kernel, which `tests/firmware.rs` checks in QEMU (the host runs
//! the portable kernel, the Cortex-M4F this one).
#![allow(unsafe_code)]

use crate::format::{FixedLayer, I32s, WeightLayout};

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

/// What the whole-layer routine reads and advances, laid out for it
/// (offsets 0..48).
#[repr(C)]
struct LayerJob {
    /// The layer's weights, `(4 · blocks + rows) · (8 · tiles + tail)`
    /// bytes, word-aligned.
    weights: *const u8,
    /// The activations, `8 · tiles + tail` of them, word-aligned.
    x: *const i16,
    /// Tiles per block or row.
    tiles: u32,
    /// Blocks of four rows, counted down.
    blocks: u32,
    /// The biases (`i32`, `4 · blocks`), word-aligned; advanced.
    bias: *const u8,
    /// The multipliers' mantissas (`i32`, `4 · blocks`); advanced.
    multipliers: *const u8,
    /// The multipliers' shifts (`i8`, all ≤ 0, `4 · blocks`); advanced.
    shifts: *const u8,
    /// The outputs (`4 · blocks`); advanced.
    out: *mut i16,
    /// Rows added to the biases (`i32`, `4 · blocks + rows`, word-aligned;
    /// null for none): the first layer's time-bias and class-bias rows;
    /// advanced.
    extra: [*const u8; 2],
    /// Columns after the tiles (`0..8`), summed one at a time.
    tail: u32,
    /// Rows after the blocks (`0..4`), row-major after them, counted down.
    rows: u32,
}

core::arch::global_asm!(
    ".section .text.tinyscore_dsp,\"ax\",%progbits",
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
    "@ lr tiles (at least 1) from r1 on the activations at r0 into r2-r5.",
    ".macro tinyscore_tiles",
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
    ".endm",
    "@ The next four values of the row at [r0, #at], if any, added to",
    "@ r2-r5 with saturation, the row advanced.",
    ".macro tinyscore_add_row at",
    "    ldr r6, [r0, #\\at]",
    "    cbz r6, .Ltinyscore_no_row\\@",
    "    ldm r6!, {{r7-r10}}",
    "    str r6, [r0, #\\at]",
    "    qadd r2, r2, r7",
    "    qadd r3, r3, r8",
    "    qadd r4, r4, r9",
    "    qadd r5, r5, r10",
    ".Ltinyscore_no_row\\@:",
    ".endm",
    "@ The next value of the row at [r0, #at], if any, added to r2 with",
    "@ saturation, the row advanced.",
    ".macro tinyscore_add_row1 at",
    "    ldr r6, [r0, #\\at]",
    "    cbz r6, .Ltinyscore_no_row1\\@",
    "    ldr r7, [r6], #4",
    "    str r6, [r0, #\\at]",
    "    qadd r2, r2, r7",
    ".Ltinyscore_no_row1\\@:",
    ".endm",
    "@ Swaps the middle two of every four of the tiles' activations (job at",
    "@ r0): x0|x1, x2|x3 into x0|x2, x1|x3 and back. Uses r2-r11.",
    ".macro tinyscore_pair",
    "    ldr r2, [r0, #4]",
    "    ldr r3, [r0, #8]",
    "    cbz r3, .Ltinyscore_paired\\@",
    ".Ltinyscore_pair\\@:",
    "    ldm r2, {{r4-r7}}",
    "    pkhbt r8, r4, r5, lsl #16",
    "    pkhtb r9, r5, r4, asr #16",
    "    pkhbt r10, r6, r7, lsl #16",
    "    pkhtb r11, r7, r6, asr #16",
    "    stm r2!, {{r8-r11}}",
    "    subs r3, r3, #1",
    "    bne .Ltinyscore_pair\\@",
    ".Ltinyscore_paired\\@:",
    ".endm",
    "@ The next eight activations at r0 (in their own order), paired: x0|x2,",
    "@ x1|x3, x4|x6, x5|x7 in r5, r7, r6, r9. Uses r8.",
    ".macro tinyscore_x8",
    "    ldrd r6, r7, [r0], #8",
    "    ldrd r8, r9, [r0], #8",
    "    pkhbt r5, r6, r7, lsl #16",
    "    pkhtb r7, r7, r6, asr #16",
    "    pkhbt r6, r8, r9, lsl #16",
    "    pkhtb r9, r9, r8, asr #16",
    ".endm",
    "@ acc += the next eight weights of the row at wp times those activations.",
    "@ Uses r10-r12.",
    ".macro tinyscore_row8 acc, wp",
    "    ldrd r10, r11, [\\wp], #8",
    "    sxtb16 r12, r10",
    "    sxtb16 r10, r10, ror #8",
    "    smlad \\acc, r12, r5, \\acc",
    "    smlad \\acc, r10, r7, \\acc",
    "    sxtb16 r12, r11",
    "    sxtb16 r11, r11, ror #8",
    "    smlad \\acc, r12, r6, \\acc",
    "    smlad \\acc, r11, r9, \\acc",
    ".endm",
    "@ The next two values of the row at [r0, #at], if any, added to r2 and r3",
    "@ with saturation, the row advanced.",
    ".macro tinyscore_add_row2 at",
    "    ldr r6, [r0, #\\at]",
    "    cbz r6, .Ltinyscore_no_row2\\@",
    "    ldrd r7, r8, [r6], #8",
    "    str r6, [r0, #\\at]",
    "    qadd r2, r2, r7",
    "    qadd r3, r3, r8",
    ".Ltinyscore_no_row2\\@:",
    ".endm",
    "@ The output of the sum in acc: gemmlowp's doubling high multiply by the",
    "@ mantissa at r6, x = (acc·m + 2^30) >> 31 (halves up); its rounding",
    "@ division by 2^e, e = -shift (shift at r7, at most 0; halves away from",
    "@ zero), as (((x - [x < 0]) >> (e - 1)) + 1) >> 1 for e > 0 (the same",
    "@ quotient, kernel.rs tests it) and x for e = 0 (doubled with saturation",
    "@ for SSAT's halving); int16 saturation and -32768 up to -32767, stored",
    "@ at r8. Uses r0 and r9-r11.",
    ".macro tinyscore_requantize acc",
    "    ldr r9, [r6], #4",
    "    ldrsb r10, [r7], #1",
    "    mov r11, #0x40000000",
    "    mov r0, #0",
    "    smlal r11, r0, \\acc, r9",
    "    lsr r11, r11, #31",
    "    orr \\acc, r11, r0, lsl #1",
    "    mvns r10, r10",
    "    ittte pl",
    "    subpl \\acc, \\acc, \\acc, lsr #31",
    "    asrpl \\acc, \\acc, r10",
    "    addpl \\acc, \\acc, #1",
    "    qaddmi \\acc, \\acc, \\acc",
    "    ssat \\acc, #16, \\acc, asr #1",
    "    cmn \\acc, #32768",
    "    it eq",
    "    addeq \\acc, \\acc, #1",
    "    strh \\acc, [r8], #2",
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
    "    tinyscore_tiles",
    "    pop {{r0}}",
    "    stm r0, {{r2-r5}}",
    "    pop {{r4-r11, pc}}",
    ".size tinyscore_dot4_dsp, . - tinyscore_dot4_dsp",
    ".p2align 2",
    ".type tinyscore_layer_dsp,%function",
    ".thumb_func",
    "tinyscore_layer_dsp:",
    "    push {{r4-r11, lr}}",
    "    push {{r0}}",
    "    ldr r1, [r0, #0]",
    "    ldr r9, [r0, #12]",
    "    cmp r9, #0",
    "    beq 7f",
    "    tinyscore_pair",
    "@ A block of four rows: biases and extra rows, tiles, tail columns.",
    "3:",
    "    ldr r0, [sp]",
    "    ldr r6, [r0, #16]",
    "    ldm r6!, {{r2-r5}}",
    "    str r6, [r0, #16]",
    "    tinyscore_add_row 32",
    "    tinyscore_add_row 36",
    "    ldr lr, [r0, #8]",
    "    ldr r0, [r0, #4]",
    "    cmp lr, #0",
    "    beq 4f",
    "    tinyscore_tiles",
    "4:",
    "    ldr r12, [sp]",
    "    ldr r6, [r12, #40]",
    "    cbz r6, 6f",
    "    add r9, r1, r6",
    "    add r10, r9, r6",
    "    add r11, r10, r6",
    "    add lr, r11, r6",
    "5:",
    "    ldrsh r8, [r0], #2",
    "    ldrsb r7, [r1], #1",
    "    mla r2, r7, r8, r2",
    "    ldrsb r7, [r9], #1",
    "    mla r3, r7, r8, r3",
    "    ldrsb r7, [r10], #1",
    "    mla r4, r7, r8, r4",
    "    ldrsb r7, [r11], #1",
    "    mla r5, r7, r8, r5",
    "    subs r6, r6, #1",
    "    bne 5b",
    "    mov r1, lr",
    "6:",
    "    ldrd r6, r7, [r12, #20]",
    "    ldr r8, [r12, #28]",
    "    tinyscore_requantize r2",
    "    tinyscore_requantize r3",
    "    tinyscore_requantize r4",
    "    tinyscore_requantize r5",
    "    strd r6, r7, [r12, #20]",
    "    str r8, [r12, #28]",
    "    ldr r9, [r12, #12]",
    "    subs r9, r9, #1",
    "    str r9, [r12, #12]",
    "    bne 3b",
    "@ The rows after the blocks, on the activations in their own order (put",
    "@ back if the blocks paired them): two rows at a time, then one; two",
    "@ multiply-accumulates per SMLAD over the tiles' columns, the activations",
    "@ paired by PKHBT/PKHTB as they are loaded; one per MLA over the tail.",
    "    ldr r0, [sp]",
    "    ldr r9, [r0, #44]",
    "    cmp r9, #0",
    "    beq 9f",
    "    tinyscore_pair",
    "7:",
    "    ldr r0, [sp]",
    "    ldr r9, [r0, #44]",
    "    cmp r9, #1",
    "    blo 9f",
    "    beq 15f",
    "    ldr r6, [r0, #16]",
    "    ldrd r2, r3, [r6], #8",
    "    str r6, [r0, #16]",
    "    tinyscore_add_row2 32",
    "    tinyscore_add_row2 36",
    "    ldr lr, [r0, #8]",
    "    ldr r5, [r0, #40]",
    "    add r4, r1, lr, lsl #3",
    "    add r4, r4, r5",
    "    ldr r0, [r0, #4]",
    "    cmp lr, #0",
    "    beq 11f",
    "10:",
    "    tinyscore_x8",
    "    tinyscore_row8 r2, r1",
    "    tinyscore_row8 r3, r4",
    "    subs lr, lr, #1",
    "    bne 10b",
    "11:",
    "    ldr r12, [sp]",
    "    ldr r5, [r12, #40]",
    "    cbz r5, 13f",
    "12:",
    "    ldrsh r6, [r0], #2",
    "    ldrsb r7, [r1], #1",
    "    mla r2, r7, r6, r2",
    "    ldrsb r7, [r4], #1",
    "    mla r3, r7, r6, r3",
    "    subs r5, r5, #1",
    "    bne 12b",
    "13:",
    "    mov r1, r4",
    "    ldrd r6, r7, [r12, #20]",
    "    ldr r8, [r12, #28]",
    "    tinyscore_requantize r2",
    "    tinyscore_requantize r3",
    "    strd r6, r7, [r12, #20]",
    "    str r8, [r12, #28]",
    "    ldr r9, [r12, #44]",
    "    subs r9, r9, #2",
    "    beq 9f",
    "15:",
    "    ldr r0, [sp]",
    "    ldr r6, [r0, #16]",
    "    ldr r2, [r6]",
    "    tinyscore_add_row1 32",
    "    tinyscore_add_row1 36",
    "    ldr lr, [r0, #8]",
    "    ldr r0, [r0, #4]",
    "    cmp lr, #0",
    "    beq 17f",
    "16:",
    "    tinyscore_x8",
    "    tinyscore_row8 r2, r1",
    "    subs lr, lr, #1",
    "    bne 16b",
    "17:",
    "    ldr r12, [sp]",
    "    ldr r6, [r12, #40]",
    "    cbz r6, 19f",
    "18:",
    "    ldrsh r8, [r0], #2",
    "    ldrsb r7, [r1], #1",
    "    mla r2, r7, r8, r2",
    "    subs r6, r6, #1",
    "    bne 18b",
    "19:",
    "    ldrd r6, r7, [r12, #20]",
    "    ldr r8, [r12, #28]",
    "    tinyscore_requantize r2",
    "9:",
    "    pop {{r0}}",
    "    pop {{r4-r11, pc}}",
    ".size tinyscore_layer_dsp, . - tinyscore_layer_dsp",
    ".purgem tinyscore_requantize",
    ".purgem tinyscore_add_row1",
    ".purgem tinyscore_pair",
    ".purgem tinyscore_x8",
    ".purgem tinyscore_row8",
    ".purgem tinyscore_add_row2",
    ".purgem tinyscore_add_row",
    ".purgem tinyscore_tiles",
    ".purgem tinyscore_tile",
    ".purgem tinyscore_row",
);

unsafe extern "C" {
    /// Adds `Σᵢ w[r, i]·x[i]` over the tiles of `job` to `acc[r]`.
    fn tinyscore_dot4_dsp(job: *mut Job);
    /// `out[o] = sat16(M_o(bias[o] (+ extra[o]…) + Σᵢ w[o, i]·x[i]))` for
    /// every row of `job`'s blocks.
    fn tinyscore_layer_dsp(job: *mut LayerJob);
}

/// A whole dense layer in the DSP routine, requantisation included:
/// `out[o] = sat16(M_o(bias[o] + Σᵢ w[o, i]·x[i]))`, bit for bit what
/// [`Multiplier::apply_valid`] and [`saturate_activation`] give, for the
/// layers it fits (sums in `i32`, tiled weights, every multiplier below
/// one, word-aligned weights, biases, mantissas, extra rows and
/// activations, and, for two or three rows after the blocks and eight
/// columns or more, a multiple of 4 columns so that each of those rows
/// starts on a word); `false`, having done nothing, for others. Any
/// number of columns and rows: the columns after the tiles and the rows
/// after the blocks run their own loops. The `extra` rows (the first
/// layer's time-bias and class-bias rows) are added to the biases with
/// saturation, as the portable path does (exact: the loader bounds the
/// sums). `x` is left reordered (paired as by [`pair_columns`], or not):
/// the network does not read a layer's input after it.
///
/// [`Multiplier::apply_valid`]: super::Multiplier::apply_valid
/// [`saturate_activation`]: super::saturate_activation
pub(super) fn layer(
    layer: &FixedLayer<'_>,
    extra: [Option<I32s<'_>>; 2],
    x: &mut [i16],
    out: &mut [i16],
) -> bool {
    let FixedLayer::Dense {
        bias,
        multipliers,
        shifts,
        weights,
        wide_shift: 0,
        ..
    } = *layer
    else {
        return false;
    };
    let (n, o) = (x.len(), out.len());
    let shapes = weights.layout() == WeightLayout::Tiled
        && n > 0
        && o > 0
        // The rows after the blocks start on a word boundary, or have no
        // tiles for double-word loads.
        && (o % 4 <= 1 || n % 4 == 0 || n < 8)
        && weights.bytes().len() == n * o
        && bias.len() == o
        && multipliers.len() == o
        && shifts.len() == o
        && extra.iter().flatten().all(|row| row.len() == o);
    let rows = extra.map(|row| row.map_or(core::ptr::null(), |r| r.as_bytes().as_ptr().cast()));
    // Every address on a word: their low bits together (a null row's are 0).
    let addresses = weights.bytes().as_ptr() as usize
        | x.as_ptr() as usize
        | bias.as_bytes().as_ptr() as usize
        | multipliers.as_bytes().as_ptr() as usize
        | rows[0] as usize
        | rows[1] as usize;
    let aligned = addresses.is_multiple_of(4);
    // The loader checked every mantissa (0 ≤ m < 2³¹) and shift (≥ −31).
    let below_one = super::kernel::shifts_at_most_zero(shifts);
    if !(shapes && aligned && below_one) {
        return false;
    }
    let mut job = LayerJob {
        weights: weights.bytes().as_ptr(),
        x: x.as_ptr(),
        tiles: (n / 8) as u32,
        blocks: (o / 4) as u32,
        bias: bias.as_bytes().as_ptr().cast(),
        multipliers: multipliers.as_bytes().as_ptr().cast(),
        shifts: shifts.as_ptr(),
        out: out.as_mut_ptr(),
        extra: rows,
        tail: (n % 8) as u32,
        rows: (o % 4) as u32,
    };
    // SAFETY: `weights` holds `n · o = (4 · blocks + rows) · (8 · tiles +
    // tail)` bytes, `x` `n = 8 · tiles + tail` activations, `bias`,
    // `multipliers` and the extra rows `o = 4 · blocks + rows` words,
    // `shifts` and `out` `o` elements (checked above; a null row is not
    // read); the double-word and multiple loads are word-aligned (the
    // pointers checked above; a block is `4 · n` bytes, a tile 32, and
    // the rows after the blocks are read by double words only if there is
    // one or `n` is a multiple of 4), so every access is in bounds and
    // aligned; the routine writes only `out`, `x` (its own elements,
    // reordered) and `job`, and saves and restores the callee-saved
    // registers it uses.
    unsafe { tinyscore_layer_dsp(&mut job) };
    true
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
        // `as_chunks` and an array copy, not `chunks_exact` and
        // `copy_from_slice`: no length check to fail.
        for (tile, paired) in tiles.chunks_exact(32).zip(x.as_chunks::<8>().0) {
            let mut own = *paired;
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
