//! What the user asks for: sampler, steps, spacing, prediction type, clipping.

use super::PlanError;
#[cfg(feature = "float")]
use crate::schedule::Marginal;
use crate::schedule::Spacing;

/// What the network's output means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Prediction {
    /// The noise ε (`x̂₀ = (x − σ·out)/α`).
    Epsilon,
    /// The clean sample x₀.
    Sample,
    /// The velocity `v = α·ε − σ·x₀` (`x̂₀ = (α·x − σ·out)/(α² + σ²)`).
    Velocity,
}

#[cfg(feature = "float")]
impl Prediction {
    /// `(p, q)` with `x̂₀ = p·x + q·out` at marginal `m`.
    pub fn to_x0(self, m: Marginal) -> (f64, f64) {
        match self {
            Prediction::Epsilon => (1.0 / m.alpha, -m.sigma / m.alpha),
            Prediction::Sample => (0.0, 1.0),
            Prediction::Velocity => {
                let n = m.alpha * m.alpha + m.sigma * m.sigma;
                (m.alpha / n, -m.sigma / n)
            }
        }
    }
}

/// Posterior variance of DDPM ancestral sampling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DdpmVariance {
    /// The true posterior variance `β̃_t` (diffusers `fixed_small`).
    FixedSmall,
    /// `β_t` of the step (diffusers `fixed_large`).
    FixedLarge,
}

/// A sampler and its own parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SamplerKind {
    /// DDPM ancestral sampling.
    Ddpm {
        /// Which posterior variance.
        variance: DdpmVariance,
    },
    /// DDIM with stochasticity η (0: deterministic, 1: DDPM `fixed_small`).
    Ddim {
        /// η ≥ 0.
        eta: f64,
    },
    /// Euler–Maruyama on the reverse-time SDE (no noise on the last step).
    EulerMaruyama,
    /// Euler on the probability-flow ODE (in k-diffusion's σ/α form).
    PfOdeEuler,
    /// Heun (2nd order) on the probability-flow ODE; the last step is Euler.
    /// With `churn > 0`, Karras et al.'s stochastic sampler (their
    /// Algorithm 2): before every step but the first, fresh noise raises
    /// the state's level `σ̃ = σ/α` to `σ̃·(1 + γ)`, `γ = min(churn/steps,
    /// √2 − 1)`, and the step starts from there.
    PfOdeHeun {
        /// Karras et al.'s `S_churn` ≥ 0 (0: the deterministic solver).
        churn: f64,
    },
    /// DPM-Solver++(2M), multistep, x̂₀ form; first and last step 1st order.
    DpmSolverPp2m,
    /// Annealed Langevin dynamics (NCSN): `steps` levels, K steps per level
    /// `x ← x + δ·∇log p + √(2δ)·z`.
    AnnealedLangevin {
        /// K, Langevin steps at each noise level.
        steps_per_level: u32,
        /// How the step size δ is chosen.
        step: LangevinStep,
        /// End with one Tweedie denoising step `x ← x̂₀` at the smallest level.
        denoise_final: bool,
    },
    /// Predictor–corrector (score_sde): at each time, `corrector_steps`
    /// Langevin steps sized by the signal-to-noise rule, then one
    /// Euler–Maruyama step.
    PredictorCorrector {
        /// Langevin corrector steps per time.
        corrector_steps: u32,
        /// The corrector's step sizes.
        step: SnrStep,
    },
}

/// How annealed Langevin dynamics sizes its steps.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LangevinStep {
    /// NCSN's annealed step `δ = ε·σ_i²/σ_L²` (what format 1.4 and older
    /// stored; kept so that those files describe their plans).
    Annealed {
        /// ε, the step size at the smallest level.
        epsilon: f64,
    },
    /// score_sde's signal-to-noise rule ([`SnrStep`]).
    Snr(SnrStep),
}

/// score_sde's signal-to-noise rule for a Langevin step (its
/// `LangevinCorrector`): `δ = 2·(snr·‖z‖/‖∇log p‖)²`, the norms averaged
/// over a batch. The norms are those of the model's own states, so a plan
/// compiled from the schedule alone takes them for Gaussian data
/// (`‖∇log p‖ = ‖z‖/σ_t`): `δ = 2(snr·σ_t)²`, score_sde's
/// `AnnealedLangevinDynamics`. The exporter measures them on the model's
/// trajectories and stores the measured steps in the plan's rows
/// (`measured`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SnrStep {
    /// The target signal-to-noise ratio (score_sde: 0.16).
    pub snr: f64,
    /// Whether the rows hold steps measured on the model's trajectories
    /// rather than the Gaussian-data value.
    pub measured: bool,
}

impl SnrStep {
    /// score_sde's default target ratio.
    pub const DEFAULT_SNR: f64 = 0.16;

    /// The rule with `snr`, not yet measured.
    pub fn new(snr: f64) -> Self {
        SnrStep {
            snr,
            measured: false,
        }
    }

    #[cfg(feature = "float")]
    /// The step `2(snr·σ)²` for Gaussian data at noise level σ.
    pub fn gaussian(&self, sigma: f64) -> f64 {
        2.0 * (self.snr * sigma) * (self.snr * sigma)
    }

    #[cfg(feature = "float")]
    /// The step score_sde's rule gives for (batch-averaged) norms of the
    /// noise and of the score, `2·(snr·noise/score)²`.
    pub fn from_norms(&self, noise: f64, score: f64) -> f64 {
        let r = self.snr * noise / score;
        2.0 * r * r
    }
}

impl SamplerKind {
    /// Whether row `index` of a plan of this sampler is a Langevin step
    /// (`x ← x + δ·∇log p + √(2δ)·z`): every row of annealed Langevin but
    /// the final denoising one, the corrector rows of predictor–corrector.
    pub fn is_langevin_row(&self, index: u32, steps: u32) -> bool {
        match *self {
            SamplerKind::AnnealedLangevin {
                steps_per_level, ..
            } => index / steps_per_level.max(1) < steps,
            SamplerKind::PredictorCorrector {
                corrector_steps, ..
            } => index % corrector_steps.saturating_add(1) < corrector_steps,
            _ => false,
        }
    }

    /// The signal-to-noise rule of a sampler that uses one.
    pub fn snr_step(&self) -> Option<SnrStep> {
        match *self {
            SamplerKind::AnnealedLangevin {
                step: LangevinStep::Snr(step),
                ..
            }
            | SamplerKind::PredictorCorrector { step, .. } => Some(step),
            _ => None,
        }
    }

    /// This sampler with its signal-to-noise rule marked measured (others
    /// as they are).
    pub fn measured(self) -> Self {
        let mark = |step: SnrStep| SnrStep {
            measured: true,
            ..step
        };
        match self {
            SamplerKind::AnnealedLangevin {
                steps_per_level,
                step: LangevinStep::Snr(step),
                denoise_final,
            } => SamplerKind::AnnealedLangevin {
                steps_per_level,
                step: LangevinStep::Snr(mark(step)),
                denoise_final,
            },
            SamplerKind::PredictorCorrector {
                corrector_steps,
                step,
            } => SamplerKind::PredictorCorrector {
                corrector_steps,
                step: mark(step),
            },
            other => other,
        }
    }
}

/// Everything that determines a plan, besides the schedule.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PlanSpec {
    /// The sampler.
    pub sampler: SamplerKind,
    /// Number of time points (noise levels for annealed Langevin).
    pub steps: u32,
    /// Timestep spacing of a discrete schedule (ignored for SDEs).
    pub spacing: Spacing,
    /// Offset added to [`Spacing::Leading`] timesteps (diffusers `steps_offset`).
    pub steps_offset: u32,
    /// Smallest time of a continuous grid `linspace(T, t_min, steps)`
    /// (score_sde: 1e-3 for VP, 1e-5 for VE). Ignored for discrete schedules.
    pub t_min: f64,
    /// What the network predicts.
    pub prediction: Prediction,
    /// Clip x̂₀ to `[−clip, clip]` (in normalised units) at every row.
    pub clip: Option<f32>,
}

impl PlanSpec {
    /// A spec with the usual defaults: leading spacing with no offset,
    /// `t_min = 1e-3`, ε-prediction, no clipping.
    pub fn new(sampler: SamplerKind, steps: u32) -> Self {
        PlanSpec {
            sampler,
            steps,
            spacing: Spacing::Leading,
            steps_offset: 0,
            t_min: 1e-3,
            prediction: Prediction::Epsilon,
            clip: None,
        }
    }

    /// Number of rows this spec compiles to.
    pub fn rows(&self) -> Result<u32, PlanError> {
        let n = self.steps;
        let rows = match self.sampler {
            SamplerKind::Ddpm { .. }
            | SamplerKind::Ddim { .. }
            | SamplerKind::EulerMaruyama
            | SamplerKind::PfOdeEuler
            | SamplerKind::DpmSolverPp2m => Some(n),
            SamplerKind::PfOdeHeun { .. } => n.checked_mul(2).and_then(|r| r.checked_sub(1)),
            SamplerKind::AnnealedLangevin {
                steps_per_level,
                denoise_final,
                ..
            } => n
                .checked_mul(steps_per_level)
                .and_then(|r| r.checked_add(u32::from(denoise_final))),
            SamplerKind::PredictorCorrector {
                corrector_steps, ..
            } => corrector_steps
                .checked_add(1)
                .and_then(|k| n.checked_mul(k)),
        };
        rows.filter(|&r| n > 0 && r > 0 && r <= super::MAX_PLAN_ROWS)
            .ok_or(PlanError::Steps)
    }

    #[cfg(feature = "float")]
    pub(crate) fn validate_parameters(&self) -> Result<(), PlanError> {
        let ok = match self.sampler {
            SamplerKind::Ddim { eta } => eta.is_finite() && eta >= 0.0,
            SamplerKind::PfOdeHeun { churn } => churn.is_finite() && churn >= 0.0,
            SamplerKind::AnnealedLangevin {
                steps_per_level,
                step,
                ..
            } => {
                let value = match step {
                    LangevinStep::Annealed { epsilon } => epsilon,
                    LangevinStep::Snr(s) => s.snr,
                };
                steps_per_level > 0 && value.is_finite() && value > 0.0
            }
            SamplerKind::PredictorCorrector { step, .. } => step.snr.is_finite() && step.snr > 0.0,
            _ => true,
        };
        let clip_ok = self.clip.is_none_or(|c| c.is_finite() && c > 0.0);
        if ok && clip_ok {
            Ok(())
        } else {
            Err(PlanError::Parameter)
        }
    }
}
