//! The classifier-free guidance a class-conditional network holds (kind
//! 18, since 1.8; optional): a student distilled from its teacher's
//! *guided* sampling (`tinyscore distill --guidance W`) outputs, for a
//! class, what the teacher's guided combination of two evaluations gave.
//! Such a network samples a class with guidance 0, one evaluation per
//! step; guiding it again guides twice. The file says so, so that tools
//! can default to 0 and warn; the sampler never reads it (a caller's
//! guidance is always explicit in the runtime).
//!
//! Layout: the weight `w` in Q16.16 (`u32`, in `1..=`[`MAX_HELD_GUIDANCE_Q`],
//! so that a build without `float` checks it in integers), then a reserved
//! word. Only a class-conditional model may carry it.

use super::cursor::Cursor;
use super::{FormatError, SectionKind};

const SECTION: SectionKind = SectionKind::HeldGuidance;

/// Largest weight, 100 in Q16.16 (the command line's limit for guidance).
pub const MAX_HELD_GUIDANCE_Q: u32 = 100 << 16;

/// The guidance weight a network holds, read from its section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HeldGuidance {
    weight_q: u32,
}

impl HeldGuidance {
    /// The weight in Q16.16.
    pub fn weight_q(&self) -> u32 {
        self.weight_q
    }

    /// The weight.
    #[cfg(feature = "float")]
    pub fn weight(&self) -> f32 {
        self.weight_q as f32 / 65_536.0
    }
}

/// Parses the section of a model with `classes` classes.
pub(super) fn parse(body: &[u8], classes: u32) -> Result<HeldGuidance, FormatError> {
    if classes == 0 {
        return Err(FormatError::Mismatch { section: SECTION });
    }
    let mut c = Cursor::new(body, SECTION);
    let at = c.offset();
    let weight_q = c.u32()?;
    if !(1..=MAX_HELD_GUIDANCE_Q).contains(&weight_q) {
        return Err(c.limit(at));
    }
    c.reserved_u32()?;
    c.finish()?;
    Ok(HeldGuidance { weight_q })
}
