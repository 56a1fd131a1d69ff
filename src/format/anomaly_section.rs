//! The anomaly detector stored with a model (kind 10, optional): which plan
//! rows' noise levels the score uses, how many noise draws per level, and
//! the threshold calibrated at export on held-out normal data.

use super::cursor::Cursor;
use super::plan_section::PlanOutline;
use super::{FormatError, SectionKind};

/// Most noise levels a detector may use.
pub const MAX_ANOMALY_LEVELS: u32 = 16;
/// Most noise draws per level.
pub const MAX_ANOMALY_REPEATS: u32 = 64;

/// An anomaly detector, read in place.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AnomalyDetector<'a> {
    plan: u32,
    repeats: u32,
    threshold: f32,
    threshold_q: i64,
    rows: &'a [[u8; 4]],
}

impl<'a> AnomalyDetector<'a> {
    /// The embedded plan whose rows give the levels.
    pub fn plan(&self) -> u32 {
        self.plan
    }

    /// Noise draws per level.
    pub fn repeats(&self) -> u32 {
        self.repeats
    }

    /// Score above which a float backend calls an input anomalous (mean
    /// squared denoising error, model units).
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The same for the fixed-point backend, in Q32.32.
    pub fn threshold_q(&self) -> i64 {
        self.threshold_q
    }

    /// The plan rows whose levels the score uses.
    pub fn rows(&self) -> impl Iterator<Item = u32> + use<'a> {
        self.rows.iter().map(|b| u32::from_le_bytes(*b))
    }
}

pub(super) fn parse(
    bytes: &[u8],
    plan_outline: impl Fn(u32) -> Option<PlanOutline>,
) -> Result<AnomalyDetector<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SectionKind::Anomaly);
    let plan = c.u32()?;
    let repeats_at = c.offset();
    let repeats = c.u32()?;
    let levels_at = c.offset();
    let levels = c.u32()?;
    c.reserved_u32()?;
    let threshold_at = c.offset();
    let threshold = c.f32()?;
    c.reserved_u32()?;
    let threshold_q_at = c.offset();
    let threshold_q = i64::from(c.u32()?) | (i64::from(c.u32()?) << 32);
    if !(1..=MAX_ANOMALY_REPEATS).contains(&repeats) {
        return Err(c.limit(repeats_at));
    }
    if !(1..=MAX_ANOMALY_LEVELS).contains(&levels) {
        return Err(c.limit(levels_at));
    }
    if !threshold.is_finite() || threshold < 0.0 {
        return Err(c.limit(threshold_at));
    }
    if threshold_q < 0 {
        return Err(c.limit(threshold_q_at));
    }
    let rows = c.take(4 * levels as usize)?.as_chunks::<4>().0;
    c.finish()?;
    // The score noises its input to the levels of the plan's rows: a plan
    // without state levels (Heun, Langevin, predictor-corrector) cannot
    // serve, and an accepted file must be able to score.
    let outline = plan_outline(plan)
        .filter(|p| p.levels)
        .ok_or(FormatError::Mismatch {
            section: SectionKind::Anomaly,
        })?;
    if rows.iter().any(|b| u32::from_le_bytes(*b) >= outline.rows) {
        return Err(FormatError::Mismatch {
            section: SectionKind::Anomaly,
        });
    }
    Ok(AnomalyDetector {
        plan,
        repeats,
        threshold,
        threshold_q,
        rows,
    })
}
