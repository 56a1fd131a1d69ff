//! Integer sampling plans for the fixed-point backend (kind 9): for each
//! row of an embedded plan, its coefficients as [`Coefficient`]s and the
//! row's time: either the first dense layer's time-bias row as `i32` (time
//! conditioning folded at export, in that layer's accumulator units), or
//! since 1.7 the time `τ` itself, which the network embeds on the device
//! (`crate::fixed::sinusoid`).
//!
//! Three row layouts: format 1.1's stores all thirteen coefficients in
//! eight bytes each; 1.7's (header word 3 bit 31) stores only the
//! coefficients its mask names, four bytes each (a 26-bit mantissa and a
//! 6-bit shift, [`PACKED_MANTISSA_BITS`]); 1.9's *level rows* (bit 30), for
//! DDPM, DDIM and PF-ODE Euler plans, store only the level `α, σ` of each
//! row's state and its time, and the coefficients are derived from two
//! neighbouring levels in integers when the row is read
//! ([`crate::fixed::level_rule`]). A DDPM row then takes 12 bytes instead
//! of 104 (1.1) or 40 (1.7): a plan of a thousand rows costs less flash
//! than the network's smallest layer.

use super::cursor::{Cursor, I32s};
use super::{FormatError, MAX_WIDTH, SectionKind};
use crate::fixed::Coefficient;
use crate::fixed::coefficient::MAX_COEFFICIENT_SHIFT;
use crate::fixed::level_rule::{self, Level, LevelRule};
use crate::plan::{DdpmVariance, Prediction};

/// Bytes of the section header.
pub(super) const FIXED_PLAN_HEADER_LEN: usize = 32;
/// Coefficients per row: `p, q, a, b, c, d, e, f, g` as in
/// [`crate::plan::PlanRow`], then the row's level `α, σ, back_a, back_c` as
/// in `plan::level::RowLevel`.
pub const COEFFICIENTS: usize = 13;
/// Bits of a packed coefficient's signed mantissa (the word's top bits; its
/// low 6 bits are the shift).
pub const PACKED_MANTISSA_BITS: u32 = 26;
/// Header word 3 of the 1.7 layout: this bit, and the mask of stored
/// coefficients in the low 13 bits.
pub(super) const PACKED_LAYOUT: u32 = 1 << 31;
/// Header word 3 of the level-row layout (1.9), with no other bit set.
pub(super) const LEVEL_LAYOUT: u32 = 1 << 30;
/// Header word 7: rows carry their time `τ` instead of a time-bias row.
pub(super) const TIME_INPUT: u32 = 1;
/// Bytes the level-row layout adds to the header: the rule, `η`, the
/// output scale and a reserved word.
pub(super) const LEVEL_HEADER_LEN: usize = 16;
/// Bytes of a level row: `α`, `σ` (packed coefficients) and `τ`.
const LEVEL_ROW_LEN: usize = 12;

/// The rule codes of the level-row header: DDPM with the posterior
/// variance (`fixed_small`), DDPM with `β` (`fixed_large`), DDIM (and
/// PF-ODE Euler, DDIM with η = 0).
pub(super) const RULE_DDPM_SMALL: u32 = 1;
pub(super) const RULE_DDPM_LARGE: u32 = 2;
pub(super) const RULE_DDIM: u32 = 3;

const SECTION: SectionKind = SectionKind::FixedPlan;

/// What a row says of the time.
#[derive(Clone, Copy, Debug)]
pub enum RowTime<'a> {
    /// The time-bias row, added to the first dense layer's bias.
    Bias(I32s<'a>),
    /// The time `τ = t·scale` in Q16.16, embedded on the device
    /// ([`super::TimeEmbedding`]).
    Input(i32),
}

/// One row: coefficients in Q formats and its time.
#[derive(Clone, Copy, Debug)]
pub struct FixedRow<'a> {
    /// `[p, q, a, b, c, d, e, f, g, α, σ, back_a, back_c]`: `p, a, b, d, e,
    /// f, g, α, back_a` apply to Q16.16 values, `q` to the network's int16
    /// output (its scale folded in), `c, σ, back_c` to Q4.28 noise; all give
    /// Q16.16. The level (`α, σ, back_a, back_c`) is zero for plans without
    /// levels.
    pub coefficients: [Coefficient; COEFFICIENTS],
    /// The time the network is conditioned on.
    pub time: RowTime<'a>,
}

/// How the rows are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct RowLayout {
    /// Stored coefficients (bit `k`: coefficient `k`); none for level rows.
    mask: u16,
    /// Bytes per stored coefficient: 8 (1.1) or 4 (packed, 1.7).
    coefficient_len: u8,
    /// Rows carry `τ` (one word) instead of a time-bias row.
    time_input: bool,
    /// Level rows (1.9): how their coefficients are derived.
    derived: Option<Derivation>,
}

/// What turns two levels into a row's coefficients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Derivation {
    rule: LevelRule,
    /// The model's prediction (x̂₀ from the network output).
    prediction: Prediction,
    /// From the network's int16 output to Q16.16.
    q_scale: Coefficient,
}

impl RowLayout {
    const ALL: u16 = (1 << COEFFICIENTS) - 1;

    fn coefficient_bytes(&self) -> usize {
        if self.derived.is_some() {
            return LEVEL_ROW_LEN - 4;
        }
        self.mask.count_ones() as usize * usize::from(self.coefficient_len)
    }
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
    layout: RowLayout,
    body: &'a [u8],
}

fn word_at(bytes: &[u8], at: usize) -> Option<[u8; 4]> {
    bytes.get(at..).and_then(|b| b.first_chunk::<4>()).copied()
}

fn coefficient_at(bytes: &[u8], at: usize) -> Option<Coefficient> {
    let c = Coefficient {
        m: i32::from_le_bytes(word_at(bytes, at)?),
        shift: u32::from_le_bytes(word_at(bytes, at + 4)?),
    };
    (c.shift <= MAX_COEFFICIENT_SHIFT).then_some(c)
}

/// A packed coefficient: `m` in the top 26 bits, the shift in the low 6.
fn packed_at(bytes: &[u8], at: usize) -> Option<Coefficient> {
    let word = u32::from_le_bytes(word_at(bytes, at)?);
    let c = Coefficient {
        m: (word as i32) >> (32 - PACKED_MANTISSA_BITS),
        shift: word & 63,
    };
    (c.shift <= MAX_COEFFICIENT_SHIFT).then_some(c)
}

/// The packed word of `c`, if its mantissa fits 26 bits.
#[cfg(feature = "std")]
pub(super) fn packed(c: Coefficient) -> Option<u32> {
    let limit = 1i32 << (PACKED_MANTISSA_BITS - 1);
    ((-limit..limit).contains(&c.m) && c.shift <= MAX_COEFFICIENT_SHIFT)
        .then_some(((c.m as u32) << (32 - PACKED_MANTISSA_BITS)) | c.shift)
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

    /// Width of a time-bias row (the first dense layer's output); 0 when
    /// the rows carry their time instead.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Whether the rows carry their time `τ` (for a model with a
    /// [`super::TimeEmbedding`]) rather than time-bias rows.
    pub fn time_input(&self) -> bool {
        self.layout.time_input
    }

    /// Scale of the initial noise: `x_T = init·z` (z in Q4.28, x in Q16.16).
    pub fn init(&self) -> Coefficient {
        self.init
    }

    /// Bound of the x̂₀ clip in Q16.16, if the plan clips.
    pub fn clip(&self) -> Option<i32> {
        (self.clip > 0).then_some(self.clip)
    }

    /// Bytes of the level-row header (0 for the other layouts).
    fn level_header_len(&self) -> usize {
        if self.layout.derived.is_some() {
            LEVEL_HEADER_LEN
        } else {
            0
        }
    }

    fn row_len(&self) -> usize {
        let time = if self.layout.time_input {
            4
        } else {
            4 * self.width as usize
        };
        self.layout.coefficient_bytes() + time
    }

    /// The rule its level rows follow, if they are level rows (1.9).
    pub fn level_rule(&self) -> Option<LevelRule> {
        self.layout.derived.map(|d| d.rule)
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Option<FixedRow<'a>> {
        if let Some(derived) = self.layout.derived {
            return self.level_row(i, derived);
        }
        let len = self.row_len();
        let bytes = self.body.get(i.checked_mul(len)?..)?.get(..len)?;
        let mut coefficients = [Coefficient::default(); COEFFICIENTS];
        let mut at = 0;
        for (k, slot) in coefficients.iter_mut().enumerate() {
            if self.layout.mask & (1 << k) == 0 {
                continue;
            }
            *slot = if self.layout.coefficient_len == 4 {
                packed_at(bytes, at)?
            } else {
                coefficient_at(bytes, at)?
            };
            at += usize::from(self.layout.coefficient_len);
        }
        let rest = bytes.get(at..)?;
        let time = if self.layout.time_input {
            RowTime::Input(i32::from_le_bytes(word_at(rest, 0)?))
        } else {
            RowTime::Bias(I32s::new(rest))
        };
        Some(FixedRow { coefficients, time })
    }

    /// The level stored in level row `i` and its time.
    fn level_at(&self, i: usize) -> Option<(Level, i32)> {
        let bytes = self
            .body
            .get(i.checked_mul(LEVEL_ROW_LEN)?..)?
            .get(..LEVEL_ROW_LEN)?;
        let level = Level {
            alpha: packed_at(bytes, 0)?,
            sigma: packed_at(bytes, 4)?,
        };
        let non_negative = level.alpha.m >= 0 && level.sigma.m >= 0;
        non_negative.then_some((level, i32::from_le_bytes(word_at(bytes, 8)?)))
    }

    /// Level row `i` with its coefficients derived from its level and the
    /// next row's (the clean end after the last row).
    fn level_row(&self, i: usize, derived: Derivation) -> Option<FixedRow<'a>> {
        let (here, tau) = self.level_at(i)?;
        let next = match i.checked_add(1)? {
            n if n < self.rows as usize => Some(self.level_at(n)?.0),
            _ => None,
        };
        let coefficients = level_rule::derive_coefficients(
            derived.rule,
            derived.prediction,
            derived.q_scale,
            here,
            next,
        );
        Some(FixedRow {
            coefficients,
            time: RowTime::Input(tau),
        })
    }

    /// Largest `|time_bias[o]|` over all rows (0 for rows that carry their
    /// time): one word of each row read, not the row decoded.
    pub(super) fn max_bias(&self, o: usize) -> u64 {
        if self.layout.time_input || o >= self.width as usize {
            return 0;
        }
        let len = self.row_len();
        let start = self.layout.coefficient_bytes() + 4 * o;
        let word = |i: usize| word_at(self.body, i.checked_mul(len)?.checked_add(start)?);
        (0..self.rows as usize)
            .filter_map(word)
            .map(|b| u64::from(i32::from_le_bytes(b).unsigned_abs()))
            .max()
            .unwrap_or(0)
    }
}

/// The level-row header after the common one: the rule, `η` and the
/// output scale (packed coefficients), a reserved word.
fn level_header(c: &mut Cursor<'_>, prediction: Prediction) -> Result<Derivation, FormatError> {
    let rule_at = c.offset();
    let rule = c.u32()?;
    let eta_at = c.offset();
    let eta = packed_at(c.take(4)?, 0).ok_or(c.limit(eta_at))?;
    let scale_at = c.offset();
    let q_scale = packed_at(c.take(4)?, 0).ok_or(c.limit(scale_at))?;
    c.reserved_u32()?;
    let rule = match rule {
        RULE_DDPM_SMALL if eta.is_zero() => LevelRule::Ddpm {
            variance: DdpmVariance::FixedSmall,
        },
        RULE_DDPM_LARGE if eta.is_zero() => LevelRule::Ddpm {
            variance: DdpmVariance::FixedLarge,
        },
        RULE_DDIM if eta.m >= 0 => LevelRule::Ddim { eta },
        RULE_DDPM_SMALL | RULE_DDPM_LARGE | RULE_DDIM => return Err(c.limit(eta_at)),
        _ => return Err(c.bad_code(rule_at)),
    };
    Ok(Derivation {
        rule,
        prediction,
        q_scale,
    })
}

/// Whether a fixed-point plan section's body stores level rows (what
/// format 1.9 added: the writer stamps such a file 1.9).
#[cfg(feature = "std")]
pub(super) fn stores_levels(body: &[u8]) -> bool {
    word_at(body, 12).is_some_and(|w| u32::from_le_bytes(w) == LEVEL_LAYOUT)
}

/// The header code of `rule`.
pub(super) fn rule_code(rule: LevelRule) -> u32 {
    match rule {
        LevelRule::Ddpm {
            variance: DdpmVariance::FixedSmall,
        } => RULE_DDPM_SMALL,
        LevelRule::Ddpm {
            variance: DdpmVariance::FixedLarge,
        } => RULE_DDPM_LARGE,
        LevelRule::Ddim { .. } => RULE_DDIM,
    }
}

/// A fixed-point plan section of a model that predicts `prediction`.
pub(super) fn parse(bytes: &[u8], prediction: Prediction) -> Result<FixedPlan<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SECTION);
    let plan = c.u32()?;
    let rows_at = c.offset();
    let rows = c.u32()?;
    let width_at = c.offset();
    let width = c.u32()?;
    let layout_at = c.offset();
    let columns = c.u32()?;
    let init_at = c.offset();
    c.take(8)?;
    let init = coefficient_at(bytes, init_at as usize).ok_or(c.limit(init_at))?;
    let clip_at = c.offset();
    let clip = c.u32()? as i32;
    let time_at = c.offset();
    let time = c.u32()?;
    if rows == 0 {
        return Err(c.limit(rows_at));
    }
    let layout = match columns {
        0 => RowLayout {
            mask: RowLayout::ALL,
            coefficient_len: 8,
            time_input: false,
            derived: None,
        },
        w if w & PACKED_LAYOUT != 0 && w & !(PACKED_LAYOUT | u32::from(RowLayout::ALL)) == 0 => {
            RowLayout {
                mask: (w & u32::from(RowLayout::ALL)) as u16,
                coefficient_len: 4,
                time_input: false,
                derived: None,
            }
        }
        LEVEL_LAYOUT => RowLayout {
            mask: 0,
            coefficient_len: 4,
            time_input: false,
            derived: Some(level_header(&mut c, prediction)?),
        },
        _ => return Err(c.limit(layout_at)),
    };
    let layout = match time {
        // Level rows always carry their time.
        0 if layout.derived.is_none() => layout,
        // Only the packed layouts (since 1.7) have rows with their time.
        TIME_INPUT if columns != 0 => RowLayout {
            time_input: true,
            ..layout
        },
        _ => return Err(c.limit(time_at)),
    };
    // A row is then at most 104 + 4·4096 bytes: its length cannot wrap a
    // 32-bit usize (and the width must equal the first dense layer's, at
    // most MAX_WIDTH, anyway). Rows with their time have no width.
    let width_fits = if layout.time_input {
        width == 0
    } else {
        width != 0 && width <= MAX_WIDTH
    };
    if !width_fits {
        return Err(c.limit(width_at));
    }
    if clip < 0 {
        return Err(c.limit(clip_at));
    }
    let fixed = FixedPlan {
        plan,
        rows,
        width,
        init,
        clip,
        layout,
        body: &[],
    };
    let row_len = fixed.row_len();
    let len = (rows as usize)
        .checked_mul(row_len)
        .ok_or(FormatError::SectionLength(SECTION))?;
    let body = c.take(len)?;
    c.finish()?;
    let fixed = FixedPlan { body, ..fixed };
    let stored = |i: usize| match fixed.layout.derived {
        Some(_) => fixed.level_at(i).is_some(),
        None => fixed.row(i).is_some(),
    };
    if let Some(i) = (0..rows as usize).find(|&i| !stored(i)) {
        // A shift above 62 or a negative level: the row's first word is
        // where to look.
        let header_len = FIXED_PLAN_HEADER_LEN + fixed.level_header_len();
        let at = header_len + i * row_len;
        return Err(c.limit(u32::try_from(at).unwrap_or(u32::MAX)));
    }
    Ok(fixed)
}

// proptest collects into `Vec`s: `cargo test --features std`.
#[cfg(all(test, feature = "std"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{COEFFICIENTS, FIXED_PLAN_HEADER_LEN, parse};
    use proptest::prelude::*;
    use std::vec::Vec;

    /// Bytes of a row's coefficients in the 1.1 layout.
    const COEFFICIENT_BYTES: usize = 8 * COEFFICIENTS;

    /// A fixed-plan section in the 1.1 layout: `rows` rows of zero
    /// coefficients and the given time-bias rows (`width` each).
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
            let plan = parse(&bytes, crate::plan::Prediction::Epsilon).unwrap();
            for o in 0..width + 1 {
                // Row by row, as the sampler reads them.
                let want = (0..rows)
                    .filter_map(|i| match plan.row(i)?.time {
                        super::RowTime::Bias(b) => b.get(o),
                        super::RowTime::Input(_) => None,
                    })
                    .map(|v| u64::from(v.unsigned_abs()))
                    .max()
                    .unwrap_or(0);
                prop_assert_eq!(plan.max_bias(o), want);
            }
        }
    }
}
