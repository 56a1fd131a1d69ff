//! Per-dimension data normalisation: the network works on `(x − mean)/scale`;
//! samples are mapped back with `x·scale + mean` so they come out in data units.
//!
//! Means and scales are bounded ([`MAX_MEAN`], [`MAX_SCALE`]) so that every
//! model-unit value of magnitude up to 2¹⁵, every fixed-point state among
//! them, maps to a finite data value: the fixed-point backend's part of the
//! finite-output contract ([`crate::finite`]), proven here once.

use super::cursor::F32s;
use super::{FormatError, SectionKind};

/// Largest magnitude of a mean: 2¹²⁶.
pub const MAX_MEAN: f32 = (1u128 << 126) as f32;
/// Largest scale: 2¹¹⁰, so that `2¹⁵·scale + |mean| < 2¹²⁷`.
pub const MAX_SCALE: f32 = (1u128 << 110) as f32;

/// Mean and scale of each data dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Normalization<'a> {
    mean: F32s<'a>,
    scale: F32s<'a>,
}

impl<'a> Normalization<'a> {
    /// The per-dimension means.
    pub fn mean(&self) -> F32s<'a> {
        self.mean
    }

    /// The per-dimension scales (positive, at most [`MAX_SCALE`]).
    pub fn scale(&self) -> F32s<'a> {
        self.scale
    }

    /// `x ← x·scale + mean`, for as many dimensions as `x` and the model share.
    pub fn to_data(&self, x: &mut [f32]) {
        for ((v, m), s) in x.iter_mut().zip(self.mean.iter()).zip(self.scale.iter()) {
            *v = *v * s + m;
        }
    }

    /// `x ← (x − mean)/scale`, the inverse of [`Normalization::to_data`].
    pub fn to_model(&self, x: &mut [f32]) {
        for ((v, m), s) in x.iter_mut().zip(self.mean.iter()).zip(self.scale.iter()) {
            *v = (*v - m) / s;
        }
    }
}

pub(super) fn parse(bytes: &[u8], x_dim: u32) -> Result<Normalization<'_>, FormatError> {
    let n = x_dim as usize;
    if bytes.len() != n * 8 {
        return Err(FormatError::SectionLength(SectionKind::Normalization));
    }
    let all = F32s::new(bytes);
    let bad = |i: usize| FormatError::NonFinite {
        section: SectionKind::Normalization,
        index: u32::try_from(i).unwrap_or(u32::MAX),
    };
    let (mean, scale) = (all.slice(0, n), all.slice(n, n));
    let (Some(mean), Some(scale)) = (mean, scale) else {
        return Err(FormatError::SectionLength(SectionKind::Normalization));
    };
    if let Some(i) = mean.first_non_finite() {
        return Err(bad(i));
    }
    if let Some(i) = scale.iter().position(|s| !(s.is_finite() && s > 0.0)) {
        return Err(bad(n + i));
    }
    let range = |i: usize| FormatError::NormalizationRange {
        index: u32::try_from(i).unwrap_or(u32::MAX),
    };
    // Compared as bits, which order finite non-negative floats as their
    // values: no float compare in a runtime without float.
    let above = |limit: f32| move |v: f32| v.abs().to_bits() > limit.to_bits();
    if let Some(i) = mean.iter().position(above(MAX_MEAN)) {
        return Err(range(i));
    }
    if let Some(i) = scale.iter().position(above(MAX_SCALE)) {
        return Err(range(n + i));
    }
    Ok(Normalization { mean, scale })
}
