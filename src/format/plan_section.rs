//! Embedded sampling plans: a [`crate::plan::PlanHeader`] and its rows,
//! read in place, and their [`PlanOutline`]: the integer facts a
//! fixed-point sampler needs, which a build without `float` reads alone.

use super::cursor::Cursor;
use super::topology::prediction_from_code;
use super::{FormatError, SectionKind, fixed_plan};
use crate::fixed::Coefficient;
use crate::fixed::level_rule::LevelRule;
use crate::plan::level::has_levels;
#[cfg(feature = "float")]
use crate::plan::{Compiler, Plan, PlanError, PlanHeader, PlanRow, Prediction};
use crate::plan::{DdpmVariance, LangevinStep, PlanSpec, SamplerKind, SnrStep};
#[cfg(feature = "float")]
use crate::schedule::Schedule;
use crate::schedule::Spacing;

/// Bytes of a plan section's header.
#[cfg_attr(not(feature = "std"), allow(dead_code))] // used by the writer
pub(super) const PLAN_HEADER_LEN: usize = 64;
/// Bytes of one stored row: twelve `f32`.
pub(super) const ROW_LEN: usize = 48;

/// Flag bit 4 (since 1.9): the rows are not stored. A fixed-point file
/// runs its integer plan (section 9) and needs no `f32` rows; readers that
/// want them compile them from the header's spec and the schedule.
pub(super) const ROWS_NOT_STORED: u32 = 1 << 4;

/// A plan stored in the model file.
#[cfg(feature = "float")]
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EmbeddedPlan<'a> {
    header: PlanHeader,
    rows: Rows<'a>,
}

/// Where an embedded plan's rows come from.
#[cfg(feature = "float")]
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Rows<'a> {
    /// Stored in the section.
    Stored(&'a [[u8; ROW_LEN]]),
    /// Compiled on demand from the spec and this schedule (one row costs
    /// what [`Compiler::compute_row`] costs). Parse checks the grid, not
    /// every row: a row whose coefficients are not finite in `f32` (which
    /// only a crafted schedule gives, since the writer leaves out only rows
    /// it compiled) reads as `None`.
    Compiled(Schedule<'a>),
}

#[cfg(feature = "float")]
impl EmbeddedPlan<'_> {
    /// Whether the file stores the rows (else they are compiled when read).
    pub fn stores_rows(&self) -> bool {
        matches!(self.rows, Rows::Stored(_))
    }
}

#[cfg(feature = "float")]
impl Plan for EmbeddedPlan<'_> {
    fn header(&self) -> PlanHeader {
        self.header
    }

    fn row(&self, i: usize) -> Option<PlanRow> {
        match self.rows {
            Rows::Stored(rows) => rows.get(i).map(decode_row),
            Rows::Compiled(schedule) => Compiler::unchecked(schedule, self.header)
                .compute_row(i)
                .ok(),
        }
    }
}

#[cfg(feature = "float")]
fn decode_row(r: &[u8; ROW_LEN]) -> PlanRow {
    let words = r.as_chunks::<4>().0;
    let mut v = [0f32; 12];
    for (slot, w) in v.iter_mut().zip(words) {
        *slot = f32::from_le_bytes(*w);
    }
    PlanRow::from_array(v)
}

/// The codes and parameters of a spec in their stored form.
#[cfg(feature = "float")]
#[cfg_attr(not(feature = "std"), allow(dead_code))] // used by the writer
pub(super) struct SpecFields {
    pub sampler: u16,
    pub spacing: u16,
    pub int_param: u32,
    pub flags: u32,
    pub real_param: f64,
}

#[cfg(feature = "float")]
pub(super) fn spec_fields(spec: &PlanSpec) -> SpecFields {
    let (sampler, int_param, real_param, denoise, snr) = match spec.sampler {
        SamplerKind::Ddpm { variance } => (
            1,
            match variance {
                DdpmVariance::FixedSmall => 1,
                DdpmVariance::FixedLarge => 2,
            },
            0.0,
            false,
            None,
        ),
        SamplerKind::Ddim { eta } => (2, 0, eta, false, None),
        SamplerKind::EulerMaruyama => (3, 0, 0.0, false, None),
        SamplerKind::PfOdeEuler => (4, 0, 0.0, false, None),
        SamplerKind::PfOdeHeun { churn } => (5, 0, churn, false, None),
        SamplerKind::DpmSolverPp2m => (6, 0, 0.0, false, None),
        SamplerKind::AnnealedLangevin {
            steps_per_level,
            step: LangevinStep::Annealed { epsilon },
            denoise_final,
        } => (7, steps_per_level, epsilon, denoise_final, None),
        SamplerKind::AnnealedLangevin {
            steps_per_level,
            step: LangevinStep::Snr(step),
            denoise_final,
        } => (7, steps_per_level, step.snr, denoise_final, Some(step)),
        SamplerKind::PredictorCorrector {
            corrector_steps,
            step,
        } => (8, corrector_steps, step.snr, false, Some(step)),
    };
    // Bit 2: a Langevin plan sized by the signal-to-noise rule (PC plans
    // always are); bit 3: its steps measured on the model's trajectories.
    let snr_rule = matches!(spec.sampler, SamplerKind::AnnealedLangevin { .. }) && snr.is_some();
    let measured = snr.is_some_and(|s| s.measured);
    SpecFields {
        sampler,
        spacing: match spec.spacing {
            Spacing::Leading => 1,
            Spacing::Trailing => 2,
            Spacing::Linspace => 3,
        },
        int_param,
        flags: u32::from(spec.clip.is_some())
            | (u32::from(denoise) << 1)
            | (u32::from(snr_rule) << 2)
            | (u32::from(measured) << 3),
        real_param,
    }
}

/// Whether a plan section's body holds a Heun plan with churn (what
/// format 1.8 added: the writer stamps such a file 1.8).
#[cfg(feature = "std")]
pub(super) fn churns(body: &[u8]) -> bool {
    read_header(&mut Cursor::new(body, SectionKind::Plan))
        .is_ok_and(|h| matches!(h.spec.sampler, SamplerKind::PfOdeHeun { churn } if churn != 0.0))
}

/// What the integer side needs to know of a plan: read from the section's
/// integer header fields alone, so a build without `float` reads it
/// without checking (or linking the checks of) the real-valued ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PlanOutline {
    /// Number of rows (network evaluations).
    pub rows: u32,
    /// Whether the plan clips x̂₀.
    pub clips: bool,
    /// Whether its states have noise levels: its sampler has them
    /// (`plan::level::has_levels`) and every row stores its level.
    pub levels: bool,
    /// Whether the section stores the `f32` rows (since 1.9 a fixed-point
    /// file may leave them out).
    pub stores_rows: bool,
    /// The level-row rule of its sampler (`fixed_plan::RULE_*`), if the
    /// integer plan may store levels instead of coefficients.
    pub level_rule: Option<u32>,
}

/// A plan section's header with its codes decoded and its values as
/// stored, unchecked.
#[cfg_attr(not(feature = "float"), allow(dead_code))] // checked by `parse`
struct StoredHeader {
    spec: PlanSpec,
    rows: u32,
    int_param: u32,
    flags_at: u32,
    flags: u32,
    clip: f32,
    real_param: f64,
    init_std: f32,
}

fn read_header(c: &mut Cursor<'_>) -> Result<StoredHeader, FormatError> {
    let sampler_at = c.offset();
    let sampler_code = c.u16()?;
    let spacing_at = c.offset();
    let spacing = match c.u16()? {
        1 => Spacing::Leading,
        2 => Spacing::Trailing,
        3 => Spacing::Linspace,
        _ => return Err(c.bad_code(spacing_at)),
    };
    let steps = c.u32()?;
    let steps_offset = c.u32()?;
    let rows = c.u32()?;
    let prediction_at = c.offset();
    let prediction = prediction_from_code(c.u32()?).ok_or(c.bad_code(prediction_at))?;
    let int_at = c.offset();
    let int_param = c.u32()?;
    let flags_at = c.offset();
    let flags = c.u32()?;
    let clip = c.f32()?;
    let real_param = c.f64()?;
    let t_min = c.f64()?;
    let init_std = c.f32()?;
    for _ in 0..3 {
        c.reserved_u32()?;
    }
    let sampler = match sampler_code {
        1 => SamplerKind::Ddpm {
            variance: match int_param {
                1 => DdpmVariance::FixedSmall,
                2 => DdpmVariance::FixedLarge,
                _ => return Err(c.bad_code(int_at)),
            },
        },
        2 => SamplerKind::Ddim { eta: real_param },
        3 => SamplerKind::EulerMaruyama,
        4 => SamplerKind::PfOdeEuler,
        5 => SamplerKind::PfOdeHeun { churn: real_param },
        6 => SamplerKind::DpmSolverPp2m,
        7 => SamplerKind::AnnealedLangevin {
            steps_per_level: int_param,
            step: if flags & 4 != 0 {
                LangevinStep::Snr(snr_step(real_param, flags))
            } else {
                LangevinStep::Annealed {
                    epsilon: real_param,
                }
            },
            denoise_final: flags & 2 != 0,
        },
        8 => SamplerKind::PredictorCorrector {
            corrector_steps: int_param,
            step: snr_step(real_param, flags),
        },
        _ => return Err(c.bad_code(sampler_at)),
    };
    let spec = PlanSpec {
        sampler,
        steps,
        spacing,
        steps_offset,
        t_min,
        prediction,
        clip: (flags & 1 != 0).then_some(clip),
    };
    Ok(StoredHeader {
        spec,
        rows,
        int_param,
        flags_at,
        flags,
        clip,
        real_param,
        init_std,
    })
}

/// The signal-to-noise rule of a stored Langevin or predictor–corrector
/// plan (flag bit 3: measured).
fn snr_step(snr: f64, flags: u32) -> SnrStep {
    SnrStep {
        snr,
        measured: flags & 8 != 0,
    }
}

/// The outline of a plan section: its codes and its length checked, its
/// real-valued fields not (`parse` checks those).
pub(super) fn outline(bytes: &[u8]) -> Result<PlanOutline, FormatError> {
    let mut c = Cursor::new(bytes, SectionKind::Plan);
    let header = read_header(&mut c)?;
    let stored = header.flags & ROWS_NOT_STORED == 0;
    let table_len = (header.rows as usize)
        .checked_mul(if stored { ROW_LEN } else { 0 })
        .ok_or(FormatError::SectionLength(SectionKind::Plan))?;
    let table = c.take(table_len)?.as_chunks::<ROW_LEN>().0;
    c.finish()?;
    Ok(PlanOutline {
        rows: header.rows,
        clips: header.spec.clip.is_some(),
        // Compiled rows always have their levels.
        levels: has_levels(header.spec.sampler) && table.iter().all(stores_level),
        stores_rows: stored,
        level_rule: LevelRule::of(header.spec.sampler, Coefficient::default())
            .map(fixed_plan::rule_code),
    })
}

/// Whether a plan section's body leaves out its rows (what format 1.9
/// added: the writer stamps such a file 1.9).
#[cfg(feature = "std")]
pub(super) fn leaves_out_rows(body: &[u8]) -> bool {
    read_header(&mut Cursor::new(body, SectionKind::Plan))
        .is_ok_and(|h| h.flags & ROWS_NOT_STORED != 0)
}

/// Whether a stored row carries the level of its state: format 1.0 wrote
/// `α = σ = 0` (words 10 and 11 of the row) for every row.
fn stores_level(row: &[u8; ROW_LEN]) -> bool {
    let word = |i: usize| {
        let bytes = row.as_chunks::<4>().0.get(i).copied().unwrap_or_default();
        f32::from_le_bytes(bytes)
    };
    word(10) > 0.0 || word(11) > 0.0
}

/// A whole plan section, every field checked, of a model that predicts
/// `prediction` with `schedule`.
#[cfg(feature = "float")]
pub(super) fn parse<'a>(
    bytes: &'a [u8],
    prediction: Prediction,
    schedule: Schedule<'a>,
) -> Result<EmbeddedPlan<'a>, FormatError> {
    let mut c = Cursor::new(bytes, SectionKind::Plan);
    let stored = read_header(&mut c)?;
    let (spec, rows, init_std) = (stored.spec, stored.rows, stored.init_std);
    let t_min = spec.t_min;
    let rows_stored = stored.flags & ROWS_NOT_STORED == 0;
    // Fields that the spec does not use must be zero, so that encoding is
    // one-to-one and the writer's output is the only valid form. Measured
    // Langevin steps (bit 3) are not what the spec compiles to: their rows
    // must be stored.
    let canonical = spec_fields(&spec);
    let measured = canonical.flags & 8 != 0;
    if canonical.int_param != stored.int_param
        || canonical.flags != stored.flags & !ROWS_NOT_STORED
        || (measured && !rows_stored)
        || canonical.real_param.to_bits() != stored.real_param.to_bits()
        || (spec.clip.is_none() && stored.clip.to_bits() != 0)
    {
        return Err(FormatError::Reserved {
            offset: stored.flags_at,
        });
    }
    spec.validate_parameters().map_err(FormatError::Plan)?;
    if spec.rows().map_err(FormatError::Plan)? != rows {
        return Err(FormatError::Plan(PlanError::Steps));
    }
    if !t_min.is_finite() {
        return Err(FormatError::Plan(PlanError::TMin));
    }
    if spec.prediction != prediction {
        return Err(FormatError::Mismatch {
            section: SectionKind::Plan,
        });
    }
    if !(init_std.is_finite() && init_std > 0.0) {
        return Err(FormatError::NonFinite {
            section: SectionKind::Plan,
            index: 0,
        });
    }
    let header = PlanHeader {
        spec,
        rows,
        init_std,
    };
    if !rows_stored {
        c.finish()?;
        // The grid is checked here; a row that then fails to compile
        // (a non-finite coefficient) reads as `None`.
        Compiler::check_grid(schedule, spec).map_err(FormatError::Plan)?;
        return Ok(EmbeddedPlan {
            header,
            rows: Rows::Compiled(schedule),
        });
    }
    let table = c.take(rows as usize * ROW_LEN)?.as_chunks::<ROW_LEN>().0;
    c.finish()?;
    for (i, r) in table.iter().enumerate() {
        let row = decode_row(r);
        let finite = row.to_array().iter().all(|v| v.is_finite());
        if !finite || row.alpha < 0.0 || row.sigma < 0.0 {
            return Err(FormatError::NonFinite {
                section: SectionKind::Plan,
                index: u32::try_from(i).unwrap_or(u32::MAX),
            });
        }
    }
    Ok(EmbeddedPlan {
        header,
        rows: Rows::Stored(table),
    })
}
