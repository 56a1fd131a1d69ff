//! Errors from compiling a plan.

use crate::schedule::ScheduleError;
use core::fmt;

/// Why a plan could not be compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PlanError {
    /// The schedule is invalid.
    Schedule(ScheduleError),
    /// The number of steps is 0, above the schedule's timesteps, or the plan
    /// would exceed [`super::MAX_PLAN_ROWS`]; or a spaced timestep falls
    /// outside the schedule.
    Steps,
    /// `t_min` of a continuous plan is not inside `(0, T)`.
    TMin,
    /// A sampler parameter (η, ε, snr, clip, substeps) is out of range.
    Parameter,
    /// This sampler needs an SDE's drift and diffusion (Euler–Maruyama,
    /// predictor–corrector); a discrete schedule has none.
    NeedsSde,
    /// A coefficient of this row is not finite in `f32`: the configuration is
    /// singular there (e.g. ε-prediction at zero terminal SNR, where α = 0).
    NonFinite {
        /// The offending row.
        row: u32,
    },
    /// The output buffer has fewer rows than the plan.
    Capacity,
    /// A row index at or past the plan's end.
    RowOutOfRange,
}

impl From<ScheduleError> for PlanError {
    fn from(e: ScheduleError) -> Self {
        PlanError::Schedule(e)
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Schedule(e) => write!(f, "invalid schedule: {e}"),
            PlanError::Steps => f.write_str("number of steps out of range for this schedule"),
            PlanError::TMin => f.write_str("t_min must lie strictly between 0 and T"),
            PlanError::Parameter => f.write_str("sampler parameter out of range"),
            PlanError::NeedsSde => {
                f.write_str("this sampler needs a continuous SDE schedule (VP, sub-VP, VE, OU)")
            }
            PlanError::NonFinite { row } => write!(
                f,
                "plan row {row} has a non-finite coefficient (singular configuration, \
                 e.g. epsilon-prediction with zero terminal SNR)"
            ),
            PlanError::Capacity => f.write_str("plan does not fit in the output buffer"),
            PlanError::RowOutOfRange => f.write_str("row index past the end of the plan"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PlanError {}
