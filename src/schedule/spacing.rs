//! Which training timesteps a discrete sampler visits (diffusers'
//! `timestep_spacing`, Lin et al. 2023 Table 2).

#[cfg(feature = "float")]
use super::DiscreteSchedule;
#[cfg(feature = "float")]
use crate::plan::PlanError;

/// How `N` inference timesteps are picked from `T` training timesteps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Spacing {
    /// `(N−1−i)·⌊T/N⌋ + steps_offset` (DDIM, Stable Diffusion).
    Leading,
    /// `round(T − i·T/N) − 1`: always starts at the last timestep.
    Trailing,
    /// `round(i·(T−1)/(N−1))`, reversed: evenly spread over `[0, T−1]`.
    Linspace,
}

#[cfg(feature = "float")]
impl Spacing {
    /// The `i`-th timestep (descending in `i`) of `n` steps over `schedule`.
    /// `steps_offset` only shifts [`Spacing::Leading`], as in diffusers.
    pub fn timestep(
        self,
        schedule: &DiscreteSchedule<'_>,
        n: u32,
        steps_offset: u32,
        i: u32,
    ) -> Result<u32, PlanError> {
        let t = schedule.train_steps;
        if n == 0 || n > t || i >= n {
            return Err(PlanError::Steps);
        }
        let step = match self {
            Spacing::Leading => u64::from(n - 1 - i) * u64::from(t / n) + u64::from(steps_offset),
            Spacing::Trailing => {
                let v = libm::rint(f64::from(t) - f64::from(i) * (f64::from(t) / f64::from(n)));
                (v as u64).saturating_sub(1)
            }
            Spacing::Linspace => {
                if n == 1 {
                    0
                } else {
                    let j = n - 1 - i;
                    let v = if j == n - 1 {
                        f64::from(t - 1)
                    } else {
                        f64::from(j) * (f64::from(t - 1) / f64::from(n - 1))
                    };
                    libm::rint(v) as u64
                }
            }
        };
        u32::try_from(step)
            .ok()
            .filter(|&s| s < t)
            .ok_or(PlanError::Steps)
    }
}
