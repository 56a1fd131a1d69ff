//! [`SamplerError`]: why a sampler, float or fixed-point, could not proceed.

use crate::net::NetError;
use core::fmt;

/// Why sampling could not proceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SamplerError {
    /// The scratch buffer is shorter than needed (`Model::scratch_len`, or
    /// [`crate::fixed::FixedScratch`] for fixed point).
    Scratch {
        /// Elements needed.
        needed: u32,
    },
    /// A state vector does not have the model's data dimension.
    Dimension {
        /// The data dimension.
        expected: u32,
    },
    /// The plan was compiled for another prediction type than the model's.
    PredictionMismatch,
    /// The model folds time into per-row bias tables: it can only run its own
    /// embedded plans (`Sampler::embedded`) and cannot be evaluated at an
    /// arbitrary time.
    NeedsEmbeddedPlan,
    /// No embedded plan with that index.
    NoSuchPlan,
    /// The plan ended before the row count its header states.
    PlanRow {
        /// The missing row.
        row: u32,
    },
    /// The network rejected its inputs.
    Net(NetError),
    /// The model's backend does not suit this sampler: fixed-point models
    /// run with [`crate::fixed::FixedSampler`], float models with `Sampler`.
    Backend,
    /// The plan's states have no noise levels (Heun, Langevin and
    /// predictor–corrector plans), so data cannot be put into them.
    NoLevels,
    /// Observed values and mask do not have the data dimension.
    Mask,
    /// The model is not class-conditional, or has no such class.
    Class,
    /// A state, estimate or score is NaN or infinite: the model's numbers
    /// (plan coefficients, `init_std`, normalisation) overflow f32 on this
    /// input (the finite-output contract, [`crate::finite`]).
    NonFinite,
    /// A guidance weight that is not finite or not below
    /// [`crate::net::MAX_GUIDANCE`] in magnitude.
    Guidance,
}

impl SamplerError {
    /// Whether this is the finite-output contract's refusal ([`crate::finite`]):
    /// a state, score, network layer or guided output that is not finite.
    pub fn is_non_finite(&self) -> bool {
        matches!(
            self,
            SamplerError::NonFinite
                | SamplerError::Net(NetError::NonFinite { .. } | NetError::GuidanceOverflow)
        )
    }
}

impl From<NetError> for SamplerError {
    fn from(e: NetError) -> Self {
        SamplerError::Net(e)
    }
}

impl fmt::Display for SamplerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SamplerError::Scratch { needed } => write!(f, "scratch needs {needed} f32 elements"),
            SamplerError::Dimension { expected } => {
                write!(f, "state must have {expected} elements")
            }
            SamplerError::PredictionMismatch => {
                f.write_str("plan prediction type differs from the model's")
            }
            SamplerError::NeedsEmbeddedPlan => {
                f.write_str("model folds time into bias tables: use one of its embedded plans")
            }
            SamplerError::NoSuchPlan => f.write_str("no embedded plan with that index"),
            SamplerError::PlanRow { row } => write!(f, "plan has no row {row}"),
            SamplerError::Net(e) => write!(f, "network: {e}"),
            SamplerError::Backend => {
                f.write_str("model backend does not suit this sampler (fixed-point vs float)")
            }
            SamplerError::NoLevels => f.write_str(
                "plan has no state noise levels (Heun, Langevin, predictor-corrector): \
                 use DDPM, DDIM, Euler-Maruyama, PF-ODE Euler or DPM-Solver++(2M)",
            ),
            SamplerError::Mask => {
                f.write_str("observed values and mask must have the data dimension")
            }
            SamplerError::Class => {
                f.write_str("the model is not class-conditional or has no such class")
            }
            SamplerError::NonFinite => f.write_str(
                "a state or score is not finite: the model's numbers overflow f32 on this input",
            ),
            SamplerError::Guidance => write!(
                f,
                "the guidance weight must be finite and within ±{}",
                crate::net::MAX_GUIDANCE
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SamplerError {}
