//! Integer sampling plans for the fixed-point backend (kind 9): for each
//! row of an embedded plan, its coefficients as [`Coefficient`]s and the
//! first dense layer's time-bias row as `i32` (time conditioning folded at
//! export, in that layer's accumulator units).

use super::cursor::{Cursor, I32s};
use super::{FormatError, MAX_WIDTH, SectionKind};
use crate::fixed::Coefficient;
use crate::fixed::coefficient::MAX_COEFFICIENT_SHIFT;

/// Bytes of the section header.
pub(super) const FIXED_PLAN_HEADER_LEN: usize = 32;
/// Coefficients per row: `p, q, a, b, c, d, e, f, g` as in
/// [`crate::plan::PlanRow`], then the row's level `α, σ, back_a, back_c` as
/// in `plan::level::RowLevel`.
pub const COEFFICIENTS: usize = 13;
/// Bytes of a row's coefficients.
const COEFFICIENT_BYTES: usize = 8 * COEFFICIENTS;

const SECTION: SectionKind = SectionKind::FixedPlan;

/// One row: coefficients in Q formats and the time-bias row.
#[derive(Clone, Copy, Debug)]
pub struct FixedRow<'a> {
    /// `[p, q, a, b, c, d, e, f, g, α, σ, back_a, back_c]`: `p, a, b, d, e,
    /// f, g, α, back_a` apply to Q16.16 values, `q` to the network's int16
    /// output (its scale folded in), `c, σ, back_c` to Q4.28 noise; all give
    /// Q16.16. The level (`α, σ, back_a, back_c`) is zero for plans without
    /// levels.
    pub coefficients: [Coefficient; COEFFICIENTS],
    /// Added to the first dense layer's bias.
    pub time_bias: I32s<'a>,
}

/// The integer form of one embedded plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FixedPlan<'a> {
    plan: u32,
    rows: u32,
    width: u32,
    init: Coefficient,
    clip: i32,
    body: &'a [u8],
}

fn coefficient_at(bytes: &[u8], at: usize) -> Option<Coefficient> {
    let word = |k: usize| {
        bytes
            .get(at + k..)
            .and_then(|b| b.first_chunk::<4>())
            .copied()
    };
    let c = Coefficient {
        m: i32::from_le_bytes(word(0)?),
        shift: u32::from_le_bytes(word(4)?),
    };
    (c.shift <= MAX_COEFFICIENT_SHIFT).then_some(c)
}

impl<'a> FixedPlan<'a> {
    /// Index of the embedded plan this is the integer form of.
    pub fn plan(&self) -> u32 {
        self.plan
    }

    /// Number of rows.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Width of a time-bias row (the first dense layer's output).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Scale of the initial noise: `x_T = init·z` (z in Q4.28, x in Q16.16).
    pub fn init(&self) -> Coefficient {
        self.init
    }

    /// Bound of the x̂₀ clip in Q16.16, if the plan clips.
    pub fn clip(&self) -> Option<i32> {
        (self.clip > 0).then_some(self.clip)
    }

    fn row_len(&self) -> usize {
        COEFFICIENT_BYTES + 4 * self.width as usize
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Option<FixedRow<'a>> {
        let len = self.row_len();
        let bytes = self.body.get(i.checked_mul(len)?..)?.get(..len)?;
        let mut coefficients = [Coefficient::default(); COEFFICIENTS];
        for (k, slot) in coefficients.iter_mut().enumerate() {
            *slot = coefficient_at(bytes, 8 * k)?;
        }
        Some(FixedRow {
            coefficients,
            time_bias: I32s::new(bytes.get(COEFFICIENT_BYTES..)?),
        })
    }

    /// Largest `|time_bias[o]|` over all rows: one word of each row read,
    /// not the row decoded.
    pub(super) fn max_bias(&self, o: usize) -> u64 {
        if o >= self.width as usize {
            return 0;
        }
        let len = self.row_len();
        let word = |i: usize| {
            let at = i.checked_mul(len)?.checked_add(COEFFICIENT_BYTES + 4 * o)?;
            self.body.get(at..)?.first_chunk::<4>().copied()
        };
        (0..self.rows as usize)
            .filter_map(word)
            .map(|b| u64::from(i32::from_le_bytes(b).unsigned_abs()))
            .max()
            .unwrap_or(0)
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<FixedPlan<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SECTION);
    let plan = c.u32()?;
    let rows_at = c.offset();
    let rows = c.u32()?;
    let width_at = c.offset();
    let width = c.u32()?;
    c.reserved_u32()?;
    let init_at = c.offset();
    c.take(8)?;
    let init = coefficient_at(bytes, init_at as usize).ok_or(c.limit(init_at))?;
    let clip_at = c.offset();
    let clip = c.u32()? as i32;
    c.reserved_u32()?;
    if rows == 0 {
        return Err(c.limit(rows_at));
    }
    // A row is then at most 104 + 4·4096 bytes: its length cannot wrap a
    // 32-bit usize (and the width must equal the first dense layer's, at
    // most MAX_WIDTH, anyway).
    if width == 0 || width > MAX_WIDTH {
        return Err(c.limit(width_at));
    }
    if clip < 0 {
        return Err(c.limit(clip_at));
    }
    let row_len = COEFFICIENT_BYTES + 4 * width as usize;
    let len = (rows as usize)
        .checked_mul(row_len)
        .ok_or(FormatError::SectionLength(SECTION))?;
    let body = c.take(len)?;
    c.finish()?;
    for (i, row) in body.chunks(row_len).enumerate() {
        if let Some(k) = (0..COEFFICIENTS).find(|k| coefficient_at(row, 8 * k).is_none()) {
            let at = FIXED_PLAN_HEADER_LEN + i * row_len + 8 * k + 4;
            return Err(c.limit(u32::try_from(at).unwrap_or(u32::MAX)));
        }
    }
    Ok(FixedPlan {
        plan,
        rows,
        width,
        init,
        clip,
        body,
    })
}

// proptest collects into `Vec`s: `cargo test --features std`.
#[cfg(all(test, feature = "std"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{COEFFICIENT_BYTES, FIXED_PLAN_HEADER_LEN, parse};
    use proptest::prelude::*;
    use std::vec::Vec;

    /// A fixed-plan section of `rows` rows of zero coefficients and the
    /// given time-bias rows (`width` each).
    fn section(rows: usize, width: usize, bias: &[i32]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for word in [0u32, rows as u32, width as u32, 0, 0, 0, 0, 0] {
            bytes.extend(word.to_le_bytes());
        }
        assert_eq!(bytes.len(), FIXED_PLAN_HEADER_LEN);
        for row in bias.chunks(width) {
            bytes.extend([0u8; COEFFICIENT_BYTES]);
            bytes.extend(row.iter().flat_map(|v| v.to_le_bytes()));
        }
        bytes
    }

    proptest! {
        #[test]
        fn max_bias_is_the_largest_time_bias_of_the_column(
            (rows, width, bias) in (1usize..5, 1usize..6).prop_flat_map(|(rows, width)| {
                (Just(rows), Just(width), proptest::collection::vec(any::<i32>(), rows * width))
            })
        ) {
            let bytes = section(rows, width, &bias);
            let plan = parse(&bytes).unwrap();
            for o in 0..width + 1 {
                // Row by row, as the sampler reads them.
                let want = (0..rows)
                    .filter_map(|i| plan.row(i)?.time_bias.get(o))
                    .map(|v| u64::from(v.unsigned_abs()))
                    .max()
                    .unwrap_or(0);
                prop_assert_eq!(plan.max_bias(o), want);
            }
        }
    }
}
