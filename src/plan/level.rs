//! Noise levels of a plan's states, for the operations that put data into a
//! running sampler: starting from noised data (SDEdit, anomaly scores),
//! re-imposing observed coordinates (imputation), and stepping back one row
//! (RePaint's resampling).
//!
//! In a plan with one network evaluation per step (DDPM, DDIM,
//! Euler–Maruyama, PF-ODE Euler, DPM-Solver++(2M)), the state before row `k`
//! is at the network time of row `k`, with marginal `x_k = α_k·x₀ + σ_k·z`
//! (the compiler stores `α_k, σ_k` in the row), and the state after the last
//! row is clean (`α = 1, σ = 0`). Going back
//! from row `k + 1`'s level to row `k`'s is the forward process between
//! them: `x_k = a·x_{k+1} + c·z` with `a = α_k/α_{k+1}` and
//! `c² = σ_k² − a²σ_{k+1}²`, exact for the Gaussian marginals of every
//! schedule here. Heun, Langevin and predictor–corrector plans have several
//! evaluations per state and no such levels; neither have rows stored by
//! format 1.0, whose `α = σ = 0`.

use super::SamplerKind;
#[cfg(feature = "float")]
use super::{Plan, PlanRow};

/// The level of the state before one row, and the step back to it.
#[cfg(feature = "float")]
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RowLevel {
    /// `α_k`: scale of the clean signal in the state before row `k`.
    pub alpha: f64,
    /// `σ_k`: standard deviation of its noise.
    pub sigma: f64,
    /// `a`: weight of the state after row `k` when stepping back to row `k`'s level.
    pub back_a: f64,
    /// `c`: standard deviation of the noise added when stepping back.
    pub back_c: f64,
}

/// True when `sampler`'s states have levels (`row_level`).
pub fn has_levels(sampler: SamplerKind) -> bool {
    matches!(
        sampler,
        SamplerKind::Ddpm { .. }
            | SamplerKind::Ddim { .. }
            | SamplerKind::EulerMaruyama
            | SamplerKind::PfOdeEuler
            | SamplerKind::DpmSolverPp2m
    )
}

/// The level of row `k` of `plan`; `None` past the end or for a plan
/// without levels.
#[cfg(feature = "float")]
pub fn row_level<P: Plan + ?Sized>(plan: &P, k: usize) -> Option<RowLevel> {
    if !has_levels(plan.header().spec.sampler) {
        return None;
    }
    let here = plan.row(k).filter(|r| r.alpha > 0.0 || r.sigma > 0.0)?;
    let level = |r: &PlanRow| (f64::from(r.alpha), f64::from(r.sigma));
    let (alpha, sigma) = level(&here);
    let (next_alpha, next_sigma) = plan.row(k + 1).map_or((1.0, 0.0), |r| level(&r));
    let back_a = alpha / next_alpha;
    let back_c2 = sigma * sigma - back_a * back_a * next_sigma * next_sigma;
    Some(RowLevel {
        alpha,
        sigma,
        back_a,
        back_c: libm::sqrt(back_c2.max(0.0)),
    })
}
