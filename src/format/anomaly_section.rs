//! The anomaly detector stored with a model (kind 10 or 16, optional): which
//! plan rows' noise levels the score uses, how many noise draws per level,
//! and the threshold calibrated at export on held-out normal data. Kind 16
//! adds a weight per level: the inverse of the level's mean score on the
//! normal data, so that every level counts alike in the score instead of
//! the noisiest one drowning the others.

use super::cursor::Cursor;
use super::plan_section::PlanOutline;
use super::{FormatError, SectionKind};

/// Most noise levels a detector may use.
pub const MAX_ANOMALY_LEVELS: u32 = 16;
/// Most noise draws per level.
pub const MAX_ANOMALY_REPEATS: u32 = 64;
/// Largest level weight: weights are stored in Q16.16 as well, below 2¹⁶.
pub const MAX_ANOMALY_WEIGHT: f32 = 65535.0;

/// An anomaly detector, read in place.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AnomalyDetector<'a> {
    plan: u32,
    repeats: u32,
    threshold: f32,
    threshold_q: i64,
    rows: &'a [[u8; 4]],
    /// Per level: the weight in f32, then in Q16.16 (u32); empty for an
    /// unweighted detector (kind 10).
    weights: &'a [[u8; 8]],
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

    /// Whether the levels are weighted (kind 16): the score is then the mean
    /// over levels of each level's mean squared error times its weight.
    pub fn weighted(&self) -> bool {
        !self.weights.is_empty()
    }

    /// The weight of level `i` (1 for an unweighted detector or past the end).
    pub fn weight(&self, i: usize) -> f32 {
        self.weights
            .get(i)
            .map_or(1.0, |w| f32::from_le_bytes(split_weight(w).0))
    }

    /// The same in Q16.16 (2¹⁶ for an unweighted detector or past the end).
    pub fn weight_q(&self, i: usize) -> u32 {
        self.weights
            .get(i)
            .map_or(1 << 16, |w| u32::from_le_bytes(split_weight(w).1))
    }
}

/// A stored weight's f32 and Q16.16 words.
fn split_weight(w: &[u8; 8]) -> ([u8; 4], [u8; 4]) {
    let (f, q) = w.split_at(4);
    let word = |b: &[u8]| b.first_chunk::<4>().copied().unwrap_or_default();
    (word(f), word(q))
}

pub(super) fn parse(
    bytes: &[u8],
    kind: SectionKind,
    plan_outline: impl Fn(u32) -> Option<PlanOutline>,
) -> Result<AnomalyDetector<'_>, FormatError> {
    let mut c = Cursor::new(bytes, kind);
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
    let weights_at = c.offset();
    let weights = if kind == SectionKind::WeightedAnomaly {
        c.take(8 * levels as usize)?.as_chunks::<8>().0
    } else {
        &[]
    };
    c.finish()?;
    for (i, w) in weights.iter().enumerate() {
        let (f, q) = split_weight(w);
        let (f, q) = (f32::from_le_bytes(f), u32::from_le_bytes(q));
        if !(f > 0.0 && f <= MAX_ANOMALY_WEIGHT) || q == 0 {
            return Err(c.limit(weights_at.saturating_add(8 * i as u32)));
        }
    }
    // The score noises its input to the levels of the plan's rows: a plan
    // without state levels (Heun, Langevin, predictor-corrector) cannot
    // serve, and an accepted file must be able to score.
    let outline = plan_outline(plan)
        .filter(|p| p.levels)
        .ok_or(FormatError::Mismatch { section: kind })?;
    if rows.iter().any(|b| u32::from_le_bytes(*b) >= outline.rows) {
        return Err(FormatError::Mismatch { section: kind });
    }
    Ok(AnomalyDetector {
        plan,
        repeats,
        threshold,
        threshold_q,
        rows,
        weights,
    })
}
