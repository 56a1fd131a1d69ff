//! How a training step draws each example's time.
//!
//! Why a module: the time distribution is a variance-reduction choice
//! separate from the objective. `uniform` draws each time independently;
//! `stratified` (the default) spreads the batch's quantiles evenly with one
//! random offset, `uᵢ = (i + U)/n mod 1`, so every batch covers the whole
//! range; `importance` maps the same stratified quantiles through the
//! distribution of [`LossSecondMoment`] and weights each example so that
//! the loss stays an unbiased estimate of the uniform one.
//!
//! [`TimeSampler`] turns a quantile into a time and its noise level: for
//! the EDM schedule through EDM's log-normal distribution of noise levels
//! (its quantile `u` is the level `exp(P_mean + P_std·Φ⁻¹(u))`), for every
//! other schedule uniformly in time. For
//! importance sampling it splits the times into buckets: one per timestep
//! of a discrete schedule with up to [`MAX_DISCRETE_BUCKETS`] timesteps,
//! else that many groups of consecutive timesteps; [`SDE_BUCKETS`] equal
//! intervals of `[t_min, T]` for an SDE.

mod importance;

pub use importance::{HISTORY, LossSecondMoment, UNIFORM_FLOOR};

use crate::objective::Level;
use std::fmt;
use std::str::FromStr;
use tinyscore::schedule::{Marginal, Schedule, Sde};

/// Most buckets of a discrete schedule (one per timestep up to this).
pub const MAX_DISCRETE_BUCKETS: usize = 1000;

/// Buckets of a continuous-time schedule.
pub const SDE_BUCKETS: usize = 100;

/// How times are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSampling {
    /// Independent uniform times.
    Uniform,
    /// Uniform, stratified across the batch.
    Stratified,
    /// Stratified quantiles of the loss-second-moment distribution,
    /// importance-weighted.
    Importance,
}

impl FromStr for TimeSampling {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "uniform" => Ok(TimeSampling::Uniform),
            "stratified" => Ok(TimeSampling::Stratified),
            "importance" => Ok(TimeSampling::Importance),
            _ => Err(format!(
                "t-sampling `{s}`: expected uniform, stratified or importance"
            )),
        }
    }
}

impl fmt::Display for TimeSampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeSampling::Uniform => "uniform",
            TimeSampling::Stratified => "stratified",
            TimeSampling::Importance => "importance",
        })
    }
}

/// Times and noise levels of a schedule, by bucket.
#[derive(Clone, Debug)]
pub struct TimeSampler {
    schedule: Schedule<'static>,
    /// The marginal of every timestep (discrete schedules).
    table: Vec<Marginal>,
    t_min: f64,
}

impl TimeSampler {
    /// Times of `schedule`; continuous times are drawn from `[t_min, T]`.
    pub fn new(schedule: Schedule<'static>, t_min: f64) -> Self {
        let table = match schedule {
            Schedule::Discrete(d) => (0..d.train_steps).map(|i| d.marginal(i)).collect(),
            Schedule::Sde(_) => Vec::new(),
        };
        TimeSampler {
            schedule,
            table,
            t_min,
        }
    }

    /// Number of importance-sampling buckets.
    pub fn buckets(&self) -> usize {
        match self.schedule {
            Schedule::Discrete(_) => self.table.len().min(MAX_DISCRETE_BUCKETS),
            Schedule::Sde(_) => SDE_BUCKETS,
        }
    }

    /// The uniform probability of each bucket: its share of the timesteps
    /// (discrete) or `1/buckets` (continuous).
    pub fn shares(&self) -> Vec<f64> {
        let n = self.buckets();
        match self.schedule {
            Schedule::Discrete(_) => (0..n)
                .map(|b| self.steps_of(b, n).len() as f64 / self.table.len() as f64)
                .collect(),
            Schedule::Sde(_) => vec![1.0 / n as f64; n],
        }
    }

    /// Timesteps of part `b` of `parts` (discrete schedules).
    fn steps_of(&self, b: usize, parts: usize) -> std::ops::Range<usize> {
        let total = self.table.len();
        b * total / parts..(b + 1) * total / parts
    }

    /// The time at position `v ∈ [0, 1)` of part `b` of `parts` equal parts
    /// of the time range (`at(0, 1, u)`: quantile `u` of the whole range),
    /// and its level with weight 1.
    pub fn at(&self, b: usize, parts: usize, v: f64) -> (f64, Level) {
        match self.schedule {
            Schedule::Discrete(_) => {
                let steps = self.steps_of(b, parts);
                let i = steps.start + ((v * steps.len() as f64) as usize).min(steps.len() - 1);
                let level = Level {
                    m: self.table[i],
                    g2: 0.0,
                    weight: 1.0,
                };
                (i as f64, level)
            }
            Schedule::Sde(s) => {
                let u = (b as f64 + v) / parts as f64;
                let t = match s {
                    Sde::Edm {
                        sigma_min,
                        sigma_max,
                        rho,
                    } => edm_time(u, sigma_min, sigma_max, rho).clamp(self.t_min, s.t_end()),
                    _ => self.t_min + u * (s.t_end() - self.t_min),
                };
                let level = Level {
                    m: s.marginal(t),
                    g2: s.diffusion_squared(t),
                    weight: 1.0,
                };
                (t, level)
            }
        }
    }
}

/// EDM's training distribution of noise levels (Karras et al. 2022):
/// `ln s ~ N(P_mean, P_std²)`.
pub const EDM_P_MEAN: f64 = -1.2;
/// See [`EDM_P_MEAN`].
pub const EDM_P_STD: f64 = 1.2;

/// The time of [`Sde::Edm`] whose level is quantile `u` of EDM's
/// log-normal level distribution (`t` from inverting `s(t)`; outside
/// `[0, 1]` when the level is outside `[s_min, s_max]`).
fn edm_time(u: f64, sigma_min: f64, sigma_max: f64, rho: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let standard = Normal::standard();
    let u = u.clamp(f64::EPSILON, 1.0 - f64::EPSILON);
    let level = (EDM_P_MEAN + EDM_P_STD * standard.inverse_cdf(u)).exp();
    let (lo, hi) = (sigma_min.powf(1.0 / rho), sigma_max.powf(1.0 / rho));
    (level.powf(1.0 / rho) - lo) / (hi - lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ScheduleSpec;

    fn sampler(spec: &str) -> TimeSampler {
        let spec: ScheduleSpec<'static> = spec.parse().unwrap();
        TimeSampler::new(spec.0, 1e-3)
    }

    #[test]
    fn names_round_trip() {
        for s in ["uniform", "stratified", "importance"] {
            assert_eq!(s.parse::<TimeSampling>().unwrap().to_string(), s);
        }
        assert!("sobol".parse::<TimeSampling>().is_err());
    }

    #[test]
    fn discrete_buckets_are_timesteps_up_to_the_limit() {
        let small = sampler("linear:20");
        assert_eq!(small.buckets(), 20);
        assert_eq!(small.shares(), vec![0.05; 20]);
        for b in 0..20 {
            assert_eq!(small.at(b, 20, 0.0).0, b as f64);
            assert_eq!(small.at(b, 20, 0.999).0, b as f64);
        }
        // 2500 timesteps in 1000 buckets of 2 or 3: shares follow the sizes.
        let large = sampler("linear:2500");
        let shares = large.shares();
        assert_eq!(shares.len(), MAX_DISCRETE_BUCKETS);
        assert_eq!((shares[0], shares[1]), (2.0 / 2500.0, 3.0 / 2500.0));
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(large.at(1, 1000, 0.0).0, 2.0);
        assert_eq!(large.at(1, 1000, 0.999).0, 4.0);
    }

    #[test]
    fn edm_levels_are_log_normal() {
        // Quantile 0.5 is the median level e^{P_mean}; quantile Φ(1) ≈
        // 0.841 345 is e^{P_mean + P_std}.
        let edm = sampler("edm");
        for (u, level) in [
            (0.5, EDM_P_MEAN.exp()),
            (0.841_344_746, (EDM_P_MEAN + EDM_P_STD).exp()),
        ] {
            let (_, at) = edm.at(0, 1, u);
            let s = at.m.sigma / at.m.alpha;
            assert!((s / level - 1.0).abs() < 1e-6, "{s} vs {level}");
        }
        // The tails are clamped to [t_min, 1].
        assert_eq!(edm.at(0, 1, 0.0).0, 1e-3);
        assert_eq!(edm.at(0, 1, 0.999_999_999).0, 1.0);
    }

    #[test]
    fn sde_buckets_split_the_interval() {
        let vp = sampler("vp");
        assert_eq!(vp.buckets(), SDE_BUCKETS);
        let (t, _) = vp.at(50, 100, 0.0);
        assert!((t - (1e-3 + 0.5 * (1.0 - 1e-3))).abs() < 1e-15);
        assert_eq!(vp.at(0, 1, 0.0).0, 1e-3);
    }
}
