//! The int8 × int16 matrix-vector kernel of the dense layers.
//!
//! It works on four output rows at a time, so that each activation is
//! loaded once for four rows, and walks them with slice iterators zipped
//! together, so that there is no bounds check in the loop. On the
//! Cortex-M4 at `opt-level = "s"` the loop compiles to post-increment loads:
//! one `ldrsh`, four `ldrsb` + `smlabb` and the loop's `subs` / `bne`,
//! 11 instructions for 4 multiply-accumulates, where the one-row loop it
//! replaces took 6 per multiply-accumulate. It is plain safe Rust, and what
//! every target but ARMv7E-M runs.
//!
//! On ARMv7E-M (Cortex-M4/M7) the blocks of four rows run the DSP loop of
//! `kernel_dsp.rs` instead, two multiply-accumulates per SMLAD, and
//! this loop only the columns left over after its blocks of eight.
//!
//! Every sum is exact (the loader proves that the int32 accumulator cannot
//! overflow, see [`crate::format::FixedWeights`]; a layer where it could
//! accumulates in int64 in [`super::network`] instead), so the order of the
//! additions is free and the result is bit-identical to the portable
//! one-row kernel, which the tests below compare it with.

/// Calls `finish(o, start(o) + Σᵢ w[o, i]·x[i])` for every row `o` of the
/// row-major int8 matrix `weights` of `x.len()` columns, in row order. The
/// sums wrap (the caller has proved they fit `i32`). `x` is mutable for the
/// DSP loop, which reorders it while the blocks run; it holds the same
/// values again when this returns.
pub(super) fn rows(
    weights: &[u8],
    x: &mut [i16],
    start: impl Fn(usize) -> i32,
    mut finish: impl FnMut(usize, i32),
) {
    let n = x.len().max(1);
    let mut blocks = weights.chunks_exact(4 * n);
    let mut o = 0;
    pair_columns(x);
    for block in &mut blocks {
        let starts = [start(o), start(o + 1), start(o + 2), start(o + 3)];
        for (k, sum) in block4(block, x, starts).into_iter().enumerate() {
            finish(o + k, sum);
        }
        o += 4;
    }
    pair_columns(x);
    for (k, row) in blocks.remainder().chunks(n).enumerate() {
        finish(o + k, dot(row, x, start(o + k)));
    }
}

/// Reorders `x` for the DSP loop ([`super::kernel_dsp`]'s
/// `pair_columns`, its own inverse); nothing elsewhere.
fn pair_columns(x: &mut [i16]) {
    #[cfg(dsp_kernel)]
    super::kernel_dsp::pair_columns(x);
    #[cfg(not(dsp_kernel))]
    let _ = x;
}

/// `acc[r] + Σᵢ block[r·n + i]·x[i]` for the four rows of `block` (`4·n`
/// bytes, `n = x.len()`): the DSP loop on ARMv7E-M (`kernel_dsp.rs`, with
/// [`dot4`] for the last columns), [`dot4`] elsewhere.
fn block4(block: &[u8], x: &[i16], acc: [i32; 4]) -> [i32; 4] {
    #[cfg(dsp_kernel)]
    return super::kernel_dsp::dot4(block, x, acc, |from, x, acc| {
        dot4(split4(block, x.len() + from, from), x, acc)
    });
    #[cfg(not(dsp_kernel))]
    dot4(split4(block, x.len(), 0), x, acc)
}

/// Columns `from..n` of each of the four rows of `block` (row-major, `n`
/// columns).
fn split4(block: &[u8], n: usize, from: usize) -> [&[u8]; 4] {
    core::array::from_fn(|r| block.get(r * n + from..(r + 1) * n).unwrap_or_default())
}

/// `acc[r] + Σᵢ rows[r][i]·x[i]` for four rows (int8 weights), portable.
///
/// Never inlined: the loop needs ten registers, and inlined into the
/// sampler it lost them to spills (19 instructions per iteration, not 11).
#[inline(never)]
fn dot4(rows: [&[u8]; 4], x: &[i16], acc: [i32; 4]) -> [i32; 4] {
    let [r0, r1, r2, r3] = rows;
    let [mut a0, mut a1, mut a2, mut a3] = acc;
    for ((((&v, &w0), &w1), &w2), &w3) in x.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
        let v = i32::from(v);
        a0 = a0.wrapping_add(i32::from(w0 as i8) * v);
        a1 = a1.wrapping_add(i32::from(w1 as i8) * v);
        a2 = a2.wrapping_add(i32::from(w2 as i8) * v);
        a3 = a3.wrapping_add(i32::from(w3 as i8) * v);
    }
    [a0, a1, a2, a3]
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
    use super::{dot, rows};
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

    fn blocked(weights: &[u8], x: &[i16], start: &[i32]) -> Vec<(usize, i32)> {
        let mut got = Vec::new();
        let mut x = x.to_vec();
        rows(
            weights,
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

    proptest! {
        #[test]
        fn four_rows_at_a_time_equal_one_at_a_time((weights, x, start) in layer()) {
            prop_assert_eq!(blocked(&weights, &x, &start), reference(&weights, &x, &start));
        }
    }

    #[test]
    fn extreme_values_sum_exactly() {
        // 127 · 32767 · 3 and −128 · 32767 · 3 plus a start, for 5 rows
        // (one block of four and one left over).
        let x = [32767i16, 32767, 32767];
        let mut weights = vec![127u8; 12];
        weights.extend([0x80; 3]);
        let got = blocked(&weights, &x, &[1, 2, 3, 4, 5]);
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
