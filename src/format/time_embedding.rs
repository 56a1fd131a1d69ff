//! The integer time embedding of a fixed-point model (kind 17, since 1.7):
//! what the device needs to compute `[cos(τ·ω_k), sin(τ·ω_k)]` itself
//! (`crate::fixed::sinusoid`) instead of reading a folded bias row per plan
//! row. Its rows then carry their time `τ` (`crate::format::RowTime`), and
//! the first dense layer takes the embedding as input columns beside the
//! state, with int8 weights like every other column.
//!
//! Layout: the embedding's width `dim` (even), a reserved word, the
//! multiplier from a Q15 sine to the first layer's input units (two words,
//! as in the weights section), then `dim/2` frequencies `f_k = ω_k/2π` in
//! turns per unit of `τ`, Q0.32.

use super::cursor::Cursor;
use super::fixed_weights::multiplier_at;
use super::{FormatError, SectionKind};
use crate::fixed::Multiplier;

const SECTION: SectionKind = SectionKind::TimeEmbedding;
/// The embedding's width, input scale and frequencies, read in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeEmbedding<'a> {
    dim: u32,
    scale: Multiplier,
    frequencies: &'a [u8],
}

impl<'a> TimeEmbedding<'a> {
    /// Width of the embedding (cosines, then sines).
    pub fn dim(&self) -> u32 {
        self.dim
    }

    /// Number of frequencies: half the width.
    pub fn half(&self) -> usize {
        self.dim as usize / 2
    }

    /// From a Q15 sine to the first dense layer's input units.
    pub fn scale(&self) -> Multiplier {
        self.scale
    }

    /// Frequency `k` in turns per unit of `τ` (Q0.32); 0 past the last.
    pub fn frequency(&self, k: usize) -> u32 {
        self.frequencies
            .get(4 * k..)
            .and_then(|b| b.first_chunk::<4>())
            .map_or(0, |b| u32::from_le_bytes(*b))
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<TimeEmbedding<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SECTION);
    let dim_at = c.offset();
    let dim = c.u32()?;
    c.reserved_u32()?;
    let scale_at = c.offset();
    c.take(8)?;
    let scale = multiplier_at(bytes, scale_at as usize).ok_or(c.limit(scale_at))?;
    if dim == 0 || dim % 2 != 0 || dim > super::MAX_WIDTH {
        return Err(c.limit(dim_at));
    }
    let frequencies = c.take(2 * dim as usize)?;
    c.finish()?;
    Ok(TimeEmbedding {
        dim,
        scale,
        frequencies,
    })
}
