//! The training data's range (kind 12, optional, since 1.4): per dimension
//! the smallest and largest training value in model units, and the bounds
//! the samplers clip the clean-sample estimate x̂₀ to at every row.
//!
//! Few-step samplers extrapolate: a network error at a high noise level
//! becomes a sample far outside anything the model was trained on. The
//! guard rail is diffusers' `clip_sample`, with the bound taken from the
//! data instead of a fixed ±1: x̂₀ is clipped, dimension by dimension, to
//! the training range widened by a margin. The bounds are stored as the
//! float backends use them (f32) and as the fixed-point backend uses them
//! (Q16.16), both computed once by the writer, so no backend converts.
//! A build without `float` reads the flag and the integer bounds only.
//!
//! Since 1.6 the clip may be dynamic (flag bit 1, [`DynamicThreshold`]):
//! x̂₀ is first shrunk towards the bounds' centre by Imagen's percentile
//! rule, then clipped; its parameters follow the arrays.

use super::cursor::{Cursor, F32s, I32s};
use super::{FormatError, SectionKind};
use crate::plan::DynamicThreshold;

const SECTION: SectionKind = SectionKind::DataRange;

/// Bytes before the per-dimension arrays.
pub const DATA_RANGE_HEADER_LEN: usize = 16;
/// Flag bit: the samplers clip x̂₀ to the bounds.
pub const FLAG_CLIP: u32 = 1;
/// Flag bit (since 1.6, with [`FLAG_CLIP`]): the clip is dynamic, and the
/// threshold's parameters follow the arrays.
pub const FLAG_DYNAMIC: u32 = 2;

/// The training data's range and the x̂₀ clip bounds, read in place.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DataRange<'a> {
    clips: bool,
    dynamic: Option<DynamicThreshold>,
    margin: f32,
    low: F32s<'a>,
    high: F32s<'a>,
    clip_low: F32s<'a>,
    clip_high: F32s<'a>,
    clip_low_q: I32s<'a>,
    clip_high_q: I32s<'a>,
}

impl<'a> DataRange<'a> {
    /// Whether every sampler clips x̂₀ to the bounds (off when the exporter
    /// was told `--clip none` or given another clip).
    pub fn clips(&self) -> bool {
        self.clips
    }

    /// The dynamic threshold applied before the clip, if any (only with
    /// [`DataRange::clips`]).
    pub fn dynamic(&self) -> Option<DynamicThreshold> {
        self.dynamic
    }

    /// How far the bounds reach past the range, as a fraction of its width.
    pub fn margin(&self) -> f32 {
        self.margin
    }

    /// Smallest training value of each dimension, model units.
    pub fn low(&self) -> F32s<'a> {
        self.low
    }

    /// Largest training value of each dimension, model units.
    pub fn high(&self) -> F32s<'a> {
        self.high
    }

    /// The float backends' clip bounds `(low, high)` of each dimension,
    /// model units, `low ≤ high`.
    pub fn bounds(&self) -> impl Iterator<Item = (f32, f32)> + use<'a> {
        self.clip_low.iter().zip(self.clip_high.iter())
    }

    /// The fixed-point backend's clip bounds `(low, high)`, Q16.16 model
    /// units, `low ≤ high`.
    pub fn bounds_q(&self) -> impl Iterator<Item = (i32, i32)> + use<'a> {
        self.clip_low_q.iter().zip(self.clip_high_q.iter())
    }
}

pub(super) fn parse(bytes: &[u8], x_dim: u32) -> Result<DataRange<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SECTION);
    let flags_at = c.offset();
    let flags = c.u32()?;
    let dim_at = c.offset();
    let dim = c.u32()?;
    let margin_at = c.offset();
    let margin = c.f32()?;
    c.reserved_u32()?;
    // A dynamic threshold is a way of clipping: never without the clip.
    if flags & !(FLAG_CLIP | FLAG_DYNAMIC) != 0
        || flags & (FLAG_CLIP | FLAG_DYNAMIC) == FLAG_DYNAMIC
    {
        return Err(c.bad_code(flags_at));
    }
    if dim != x_dim {
        return Err(c.limit(dim_at));
    }
    let n = 4 * dim as usize;
    let mut f32s = || c.take(n).map(F32s::new);
    let (low, high, clip_low, clip_high) = (f32s()?, f32s()?, f32s()?, f32s()?);
    let (clip_low_q, clip_high_q) = (I32s::new(c.take(n)?), I32s::new(c.take(n)?));
    let dynamic = match flags & FLAG_DYNAMIC {
        0 => None,
        _ => Some(dynamic(&mut c)?),
    };
    c.finish()?;
    if clip_low_q
        .iter()
        .zip(clip_high_q.iter())
        .any(|(l, h)| l > h)
    {
        return Err(FormatError::Mismatch { section: SECTION });
    }
    #[cfg(feature = "float")]
    check_reals(margin, [low, high, clip_low, clip_high], margin_at)?;
    #[cfg(not(feature = "float"))]
    let _ = margin_at;
    Ok(DataRange {
        clips: flags & FLAG_CLIP != 0,
        dynamic,
        margin,
        low,
        high,
        clip_low,
        clip_high,
        clip_low_q,
        clip_high_q,
    })
}

/// The dynamic threshold's parameters: the percentile (u32, units of
/// 2⁻¹⁶, 1 to 65 536), the float bound of `s` (f32, finite, ≥ 1; checked
/// in a float build only), the fixed-point bound (i32 Q16.16, ≥ 1.0) and a
/// reserved word.
fn dynamic(c: &mut Cursor<'_>) -> Result<DynamicThreshold, FormatError> {
    let percentile_at = c.offset();
    let percentile = c.u32()?;
    let max_at = c.offset();
    let max = c.f32()?;
    let max_q_at = c.offset();
    let max_q = i32::from_le_bytes(c.u32()?.to_le_bytes());
    c.reserved_u32()?;
    #[cfg(feature = "float")]
    if !(max.is_finite() && max >= 1.0) {
        return Err(c.limit(max_at));
    }
    #[cfg(not(feature = "float"))]
    let _ = max_at;
    DynamicThreshold::new(percentile, max, max_q).ok_or_else(|| {
        c.limit(if max_q < crate::plan::THRESHOLD_ONE_Q {
            max_q_at
        } else {
            percentile_at
        })
    })
}

/// The real values (float build only): all finite, the margin not
/// negative, each range and each pair of bounds ordered.
#[cfg(feature = "float")]
fn check_reals(margin: f32, arrays: [F32s<'_>; 4], margin_at: u32) -> Result<(), FormatError> {
    if !(margin.is_finite() && margin >= 0.0) {
        return Err(FormatError::Limit {
            section: SECTION,
            offset: margin_at,
        });
    }
    let mut start = 0;
    for values in arrays {
        if let Some(i) = values.first_non_finite() {
            return Err(FormatError::NonFinite {
                section: SECTION,
                index: u32::try_from(start + i).unwrap_or(u32::MAX),
            });
        }
        start += values.len();
    }
    let [low, high, clip_low, clip_high] = arrays;
    let unordered = |a: F32s<'_>, b: F32s<'_>| a.iter().zip(b.iter()).any(|(l, h)| l > h);
    if unordered(low, high) || unordered(clip_low, clip_high) {
        return Err(FormatError::Mismatch { section: SECTION });
    }
    Ok(())
}
