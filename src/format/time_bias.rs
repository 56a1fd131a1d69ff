//! Time conditioning folded into the first dense layer: one bias row per
//! row of an embedded plan, added to that layer's own bias.

use super::cursor::{Cursor, F32s};
use super::{FormatError, SectionKind};

/// The folded bias rows of one embedded plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeBias<'a> {
    plan: u32,
    width: u32,
    values: F32s<'a>,
}

impl<'a> TimeBias<'a> {
    /// Index of the embedded plan these rows belong to.
    pub fn plan(&self) -> u32 {
        self.plan
    }

    /// Width of a row (the first dense layer's output).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len() / self.width.max(1) as usize
    }

    /// Bias row `i` (for plan row `i`).
    pub fn row(&self, i: usize) -> Option<F32s<'a>> {
        let w = self.width as usize;
        self.values.slice(i.checked_mul(w)?, w)
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<TimeBias<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SectionKind::TimeBias);
    let plan = c.u32()?;
    let rows = c.u32()?;
    let width_at = c.offset();
    let width = c.u32()?;
    c.reserved_u32()?;
    if width == 0 || rows == 0 {
        return Err(c.limit(width_at));
    }
    let len = (rows as usize)
        .checked_mul(width as usize)
        .and_then(|n| n.checked_mul(4))
        .ok_or(FormatError::SectionLength(SectionKind::TimeBias))?;
    let values = F32s::new(c.take(len)?);
    c.finish()?;
    if let Some(i) = values.first_non_finite() {
        return Err(FormatError::NonFinite {
            section: SectionKind::TimeBias,
            index: u32::try_from(i).unwrap_or(u32::MAX),
        });
    }
    Ok(TimeBias {
        plan,
        width,
        values,
    })
}
