//! Errors for invalid schedule parameters.

use core::fmt;

/// A schedule parameter is out of its valid range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ScheduleError {
    /// The number of training timesteps is 0 or above [`super::MAX_TRAIN_STEPS`].
    TrainSteps,
    /// A β parameter is not finite or not inside `(0, 1)`, or start > end.
    Beta,
    /// An explicit β table has the wrong length or a value outside `(0, 1)`.
    ExplicitBetas,
    /// An SDE parameter is not finite, not positive, or out of order.
    SdeParameter,
    /// The schedule's ᾱ reaches 0 before its last timestep.
    DegenerateAlphaBar,
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScheduleError::TrainSteps => "number of training timesteps out of range",
            ScheduleError::Beta => "beta parameters must be finite, in (0, 1), start <= end",
            ScheduleError::ExplicitBetas => {
                "explicit beta table must have one value in (0, 1) per timestep"
            }
            ScheduleError::SdeParameter => "SDE parameters must be finite, positive and ordered",
            ScheduleError::DegenerateAlphaBar => "alpha_bar reaches 0 before the last timestep",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ScheduleError {}
