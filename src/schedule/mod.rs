//! Noise schedules: where the forward process puts a clean sample at each time.
//!
//! Every schedule here is described by its Gaussian marginal
//! `x_t = α_t·x₀ + σ_t·ε` (`Marginal`); the plan compiler needs nothing else
//! for DDPM, DDIM, the probability-flow ODE and DPM-Solver++, and it needs the
//! drift and diffusion of the SDE for Euler–Maruyama. All math is `f64` through
//! `libm`, so the trainer (host) and the device compile identical plans.
//!
//! The *time* of a schedule is what the network is conditioned on: the integer
//! timestep `0..T` of a [`DiscreteSchedule`], or `t ∈ [0, T]` of an [`Sde`].

mod discrete;
mod error;
mod sde;
mod spacing;

pub use discrete::{BetaSchedule, DiscreteSchedule, ExplicitBetas};
pub use error::ScheduleError;
pub use sde::Sde;
pub use spacing::Spacing;

/// Largest number of training timesteps a discrete schedule may have.
pub const MAX_TRAIN_STEPS: u32 = 100_000;

/// The Gaussian marginal of the forward process at one time:
/// `x_t = alpha·x₀ + sigma·ε`, ε ~ N(0, I).
#[cfg(feature = "float")]
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Marginal {
    /// Scale of the clean signal (`√ᾱ_t` for DDPM, `γ_t` for Ornstein–Uhlenbeck).
    pub alpha: f64,
    /// Standard deviation of the added noise.
    pub sigma: f64,
}

#[cfg(feature = "float")]
impl Marginal {
    /// The clean end of every reverse process: `α = 1, σ = 0`.
    pub const CLEAN: Marginal = Marginal {
        alpha: 1.0,
        sigma: 0.0,
    };

    /// Log signal-to-noise ratio `λ = ln(α/σ)` (−∞ at zero SNR, +∞ when clean).
    pub fn log_snr(&self) -> f64 {
        libm::log(self.alpha) - libm::log(self.sigma)
    }
}

/// The conditional score of the forward process, `∇ log p(x_t | x₀) = −ε/σ_t`.
///
/// This is the regression target that denoising score matching turns into
/// noise prediction: with `S = −ε_θ/σ_t` and weighting `σ_t²`, the loss is
/// `‖ε_θ − ε‖²`.
#[cfg(feature = "float")]
pub fn conditional_score(epsilon: f64, sigma: f64) -> f64 {
    -epsilon / sigma
}

/// A noise schedule: discrete (DDPM-style β table) or a continuous SDE.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Schedule<'a> {
    /// A table of `T` betas with `ᾱ_t = Π_{i≤t} (1 − β_i)`.
    Discrete(DiscreteSchedule<'a>),
    /// A continuous-time SDE on `t ∈ [0, T]`.
    Sde(Sde),
}

impl Schedule<'_> {
    /// Checks every parameter; the other methods assume a valid schedule.
    /// Without the `float` feature a discrete schedule's `ᾱ` is not
    /// evaluated (nothing in such a build evaluates a schedule), so only
    /// [`ScheduleError::DegenerateAlphaBar`] goes unchecked.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        match self {
            Schedule::Discrete(d) => d.validate(),
            Schedule::Sde(s) => s.validate(),
        }
    }
}

/// The numerics: what the plan compiler and the float sampler evaluate.
#[cfg(feature = "float")]
impl Schedule<'_> {
    /// The marginal at time `t`. A discrete schedule rounds `t` to the nearest
    /// timestep and clamps it to `0..T`; an SDE clamps `t` to `[0, T]`.
    pub fn marginal(&self, t: f64) -> Marginal {
        match self {
            Schedule::Discrete(d) => d.marginal(d.clamp_index(t)),
            Schedule::Sde(s) => s.marginal(s.clamp_time(t)),
        }
    }

    /// The largest time: `T − 1` for a discrete schedule, `T` for an SDE.
    pub fn t_max(&self) -> f64 {
        match self {
            Schedule::Discrete(d) => f64::from(d.train_steps.saturating_sub(1)),
            Schedule::Sde(s) => s.t_end(),
        }
    }

    /// Standard deviation of the prior the reverse process starts from,
    /// `√(α_T² + σ_T²)`: the marginal's spread at `t_max` for data normalised
    /// to unit variance (1 for variance-preserving schedules, about `σ_max`
    /// for variance-exploding ones).
    pub fn prior_std(&self) -> f64 {
        let m = self.marginal(self.t_max());
        libm::sqrt(m.alpha * m.alpha + m.sigma * m.sigma)
    }
}
