//! The int8 × int16 matrix-vector kernel of the dense layers.
//!
//! It works on four output rows at a time, a block of tiles
//! ([`crate::format::Int8Matrix`]): each tile holds the four rows' weights
//! for eight activations, so that each activation is loaded once for four
//! rows and one pointer walks the block. The loops index fixed-size arrays,
//! so there is no bounds check in them. It is plain safe Rust, and what
//! every target but ARMv7E-M runs.
//!
//! On ARMv7E-M (Cortex-M4/M7) the tiles run the DSP loop of
//! `kernel_dsp.rs` instead, two multiply-accumulates per SMLAD, and
//! these loops only the columns left over after the tiles.
//!
//! Every sum is exact (the loader proves that the int32 accumulator cannot
//! overflow, see [`crate::format::FixedWeights`]; a layer where it could
//! accumulates in int64 in [`super::network`] instead), so the order of the
//! additions is free and the result is bit-identical to the portable
//! one-row kernel, which the tests below compare it with.

use crate::format::{FixedLayer, I32s, Int8Matrix, TILE_COLUMNS, TILE_ROWS, TileBlock};

/// Calls `finish(o, start(o) + Σᵢ w[o, i]·x[i])` for every row `o` of
/// `weights` (`x.len()` columns), in row order: the blocks of a tiled
/// matrix four rows at a time, the other rows one at a time. The sums wrap (the caller
/// has proved they fit `i32`). `x` is mutable for the DSP loop, which
/// reorders it while the blocks run; it holds the same values again when
/// this returns.
pub(super) fn rows(
    weights: Int8Matrix<'_>,
    x: &mut [i16],
    start: impl Fn(usize) -> i32,
    mut finish: impl FnMut(usize, i32),
) {
    let (blocks, rest) = weights.blocks();
    let n = x.len().max(1);
    let mut o = 0;
    pair_columns(x);
    for block in blocks {
        let mut acc = [start(o), start(o + 1), start(o + 2), start(o + 3)];
        block4(block, x, &mut acc);
        for (k, &sum) in acc.iter().enumerate() {
            finish(o + k, sum);
        }
        o += TILE_ROWS;
    }
    pair_columns(x);
    for (k, row) in rest.chunks(n).enumerate() {
        finish(o + k, dot(row, x, start(o + k)));
    }
}

/// A whole layer, requantised into `out` (its biases plus the `extra`
/// rows), by the DSP routine on ARMv7E-M when the layer fits it
/// (`kernel_dsp.rs`), leaving `x` reordered; `false`, having done nothing,
/// elsewhere or for another layer.
pub(super) fn requantized_layer(
    layer: &FixedLayer<'_>,
    extra: [Option<I32s<'_>>; 2],
    x: &mut [i16],
    out: &mut [i16],
) -> bool {
    #[cfg(dsp_kernel)]
    return super::kernel_dsp::layer(layer, extra, x, out);
    #[cfg(not(dsp_kernel))]
    {
        let _ = (layer, extra, x, out);
        false
    }
}

/// Whether every shift (an `i8` in each byte) is at most 0, four bytes at a
/// time: a byte is above 0 when its sign bit is clear and another bit set;
/// its low seven bits plus 127 carry into its top bit, never into the next
/// byte. What the DSP routine checks before a layer (a few
/// instructions per four outputs, not per output).
#[cfg(any(dsp_kernel, test))]
pub(super) fn shifts_at_most_zero(shifts: &[u8]) -> bool {
    let (words, rest) = shifts.as_chunks::<4>();
    // The top bits of the positive bytes, gathered without a branch.
    let positive = words.iter().fold(0, |any, w| {
        let w = u32::from_le_bytes(*w);
        any | (((w & 0x7f7f_7f7f) + 0x7f7f_7f7f) & !w)
    });
    positive & 0x8080_8080 == 0 && rest.iter().all(|&s| s as i8 <= 0)
}

/// Reorders `x` for the DSP loop ([`super::kernel_dsp`]'s
/// `pair_columns`, its own inverse); nothing elsewhere.
fn pair_columns(x: &mut [i16]) {
    #[cfg(dsp_kernel)]
    super::kernel_dsp::pair_columns(x);
    #[cfg(not(dsp_kernel))]
    let _ = x;
}

/// Adds `Σᵢ w[r, i]·x[i]` to `acc[r]` for the four rows of `block`: its tiles by
/// the DSP loop on ARMv7E-M (`kernel_dsp.rs`), by [`dot4_tiles`]
/// elsewhere, then its tails by [`dot4`].
fn block4(block: TileBlock<'_>, x: &[i16], acc: &mut [i32; 4]) {
    let done = x.len() - x.len() % TILE_COLUMNS;
    let (head, tail) = x.split_at(done);
    #[cfg(dsp_kernel)]
    super::kernel_dsp::dot4(block.tiles, head, acc, dot4_tiles);
    #[cfg(not(dsp_kernel))]
    dot4_tiles(block.tiles, head, acc);
    if tail.is_empty() {
        return;
    }
    let n = tail.len();
    let rows = core::array::from_fn(|r| block.tails.get(r * n..(r + 1) * n).unwrap_or_default());
    dot4(rows, tail, acc)
}

/// Adds `Σᵢ w[r, i]·x[i]` to `acc[r]` over tiles (32 bytes: four rows of eight
/// weights), eight activations per tile, portable.
#[inline(never)]
fn dot4_tiles(tiles: &[u8], x: &[i16], acc: &mut [i32; 4]) {
    let (tiles, _) = tiles.as_chunks::<{ TILE_ROWS * TILE_COLUMNS }>();
    let (x, _) = x.as_chunks::<TILE_COLUMNS>();
    for (tile, x) in tiles.iter().zip(x) {
        for (k, &v) in x.iter().enumerate() {
            let v = i32::from(v);
            for (r, a) in acc.iter_mut().enumerate() {
                let w = tile
                    .get(TILE_COLUMNS * r + k)
                    .map_or(0, |&w| i32::from(w as i8));
                *a = a.wrapping_add(w * v);
            }
        }
    }
}

/// Adds `Σᵢ rows[r][i]·x[i]` to `acc[r]` for four rows (int8 weights), portable:
/// the columns of a block after its tiles.
///
/// Never inlined: the loop needs ten registers, and inlined into the
/// sampler it lost them to spills.
#[inline(never)]
fn dot4(rows: [&[u8]; 4], x: &[i16], acc: &mut [i32; 4]) {
    let [r0, r1, r2, r3] = rows;
    let [mut a0, mut a1, mut a2, mut a3] = *acc;
    for ((((&v, &w0), &w1), &w2), &w3) in x.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
        let v = i32::from(v);
        a0 = a0.wrapping_add(i32::from(w0 as i8) * v);
        a1 = a1.wrapping_add(i32::from(w1 as i8) * v);
        a2 = a2.wrapping_add(i32::from(w2 as i8) * v);
        a3 = a3.wrapping_add(i32::from(w3 as i8) * v);
    }
    *acc = [a0, a1, a2, a3];
}

/// `acc + Σᵢ row[i]·x[i]` (int8 weights): the rows left over after the
/// blocks of four, and the reference kernel.
fn dot(row: &[u8], x: &[i16], acc: i32) -> i32 {
    row.iter().zip(x).fold(acc, |a, (&w, &v)| {
        a.wrapping_add(i32::from(w as i8) * i32::from(v))
    })
}

// The tests collect results in `Vec`s: `cargo test --features std`.
#[cfg(all(test, feature = "std"))]
mod tests {
    use super::{dot, rows, shifts_at_most_zero};
    use crate::fixed::{Multiplier, saturate_activation};
    use crate::format::{Int8Matrix, WeightLayout, tile};
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    /// The portable kernel: one row at a time.
    fn reference(weights: &[u8], x: &[i16], start: &[i32]) -> Vec<(usize, i32)> {
        weights
            .chunks(x.len().max(1))
            .enumerate()
            .map(|(o, row)| (o, dot(row, x, start.get(o).copied().unwrap_or(0))))
            .collect()
    }

    /// [`rows`] on `weights` (row-major) stored in `layout`.
    fn blocked(
        weights: &[u8],
        x: &[i16],
        start: &[i32],
        layout: WeightLayout,
    ) -> Vec<(usize, i32)> {
        let mut got = Vec::new();
        let mut x = x.to_vec();
        let signed: Vec<i8> = weights.iter().map(|&w| w as i8).collect();
        let stored = match layout {
            WeightLayout::Tiled => tile(&signed, x.len()),
            WeightLayout::RowMajor => weights.to_vec(),
        };
        let matrix = Int8Matrix::new(&stored, x.len(), layout);
        rows(
            matrix,
            &mut x,
            |o| start.get(o).copied().unwrap_or(0),
            |o, acc| got.push((o, acc)),
        );
        got
    }

    /// A random layer: `outputs × inputs` weights, `inputs` activations and
    /// `outputs` starting values, all over their whole range.
    fn layer() -> impl Strategy<Value = (Vec<u8>, Vec<i16>, Vec<i32>)> {
        (1usize..40, 0usize..11).prop_flat_map(|(inputs, outputs)| {
            (
                proptest::collection::vec(any::<u8>(), inputs * outputs),
                proptest::collection::vec(any::<i16>(), inputs),
                proptest::collection::vec(any::<i32>(), outputs),
            )
        })
    }

    #[test]
    fn every_shift_byte_is_classified_in_every_position() {
        // Each of the 256 byte values at each position of a five-byte run
        // (one word and one byte after it), the others 0: above 0 exactly
        // for 1..=127, as an `i8` comparison says.
        for position in 0..5 {
            for byte in 0..=255u8 {
                let shifts: [u8; 5] =
                    core::array::from_fn(|i| if i == position { byte } else { 0 });
                assert_eq!(
                    shifts_at_most_zero(&shifts),
                    byte as i8 <= 0,
                    "{byte} at {position}"
                );
            }
        }
    }

    /// The DSP routine's requantisation step by step (`kernel_dsp.rs`,
    /// macro `tinyscore_requantize`), in the assembly's 32-bit operations.
    fn dsp_requantize(acc: i32, m: i32, shift: i8) -> i16 {
        // SMLAL onto 2³⁰, then the low word of the sum shifted right by 31.
        let x = ((i64::from(acc) * i64::from(m) + (1 << 30)) >> 31) as i32;
        // MVNS: e − 1, negative for e = 0.
        let e_less_one = !i32::from(shift);
        let y = if e_less_one >= 0 {
            ((x - i32::from(x < 0)) >> e_less_one) + 1
        } else {
            x.saturating_add(x)
        };
        // SSAT #16 of y >> 1, then −32768 up to −32767.
        let v = (y >> 1).clamp(-32768, 32767);
        (if v == -32768 { -32767 } else { v }) as i16
    }

    /// Multipliers below one (`0 ≤ m < 2³¹`, shift in `[−31, 0]`) and
    /// accumulators over the whole range, with their edges.
    fn below_one() -> impl Strategy<Value = (i32, i32, i8)> {
        let acc = prop_oneof![
            any::<i32>(),
            Just(i32::MIN),
            Just(i32::MAX),
            -70_000..70_000i32
        ];
        let m = prop_oneof![0..=i32::MAX, Just(i32::MAX), Just(1 << 30), Just(0)];
        (acc, m, -31i8..=0)
    }

    proptest! {
        #[test]
        fn dsp_requantisation_equals_gemmlowps((acc, m, shift) in below_one()) {
            let want = saturate_activation(i64::from(Multiplier { m, shift }.apply_valid(acc)));
            prop_assert_eq!(dsp_requantize(acc, m, shift), want);
        }

        #[test]
        fn shifts_at_most_zero_as_one_at_a_time(shifts in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(shifts_at_most_zero(&shifts), shifts.iter().all(|&s| s as i8 <= 0));
        }

        #[test]
        fn four_rows_at_a_time_equal_one_at_a_time((weights, x, start) in layer()) {
            let want = reference(&weights, &x, &start);
            prop_assert_eq!(blocked(&weights, &x, &start, WeightLayout::Tiled), want.clone());
            prop_assert_eq!(blocked(&weights, &x, &start, WeightLayout::RowMajor), want);
        }
    }

    #[test]
    fn extreme_values_sum_exactly() {
        // 127 · 32767 · 3 and −128 · 32767 · 3 plus a start, for 5 rows
        // (one block of four and one left over).
        let x = [32767i16, 32767, 32767];
        let mut weights = vec![127u8; 12];
        weights.extend([0x80; 3]);
        let got = blocked(&weights, &x, &[1, 2, 3, 4, 5], WeightLayout::Tiled);
        let top = 3 * 127 * 32767;
        let want = vec![
            (0, top + 1),
            (1, top + 2),
            (2, top + 3),
            (3, top + 4),
            (4, 5 - 3 * 128 * 32767),
        ];
        assert_eq!(got, want);
    }
}
