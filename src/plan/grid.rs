//! The time grid a plan walks: `steps` evaluated points, then the clean end.
//!
//! A discrete schedule visits the spaced timesteps; an SDE visits
//! `linspace(T, t_min, steps)`. Point `steps` is the clean end (α = 1, σ = 0,
//! time 0), which every sampler but annealed Langevin steps onto last.

use super::{PlanError, PlanSpec};
use crate::schedule::{Marginal, Schedule};

/// One point of the grid.
#[derive(Clone, Copy, Debug)]
pub(super) struct Point {
    /// Schedule time.
    pub t: f64,
    /// Marginal at `t` (the clean marginal at the end).
    pub m: Marginal,
}

pub(super) struct Grid<'s> {
    schedule: Schedule<'s>,
    spec: PlanSpec,
}

impl<'s> Grid<'s> {
    pub fn new(schedule: Schedule<'s>, spec: PlanSpec) -> Result<Self, PlanError> {
        if let Schedule::Sde(sde) = schedule {
            let t_min = spec.t_min;
            if !(t_min > 0.0 && t_min < sde.t_end()) {
                return Err(PlanError::TMin);
            }
        }
        let grid = Grid::new_unchecked(schedule, spec);
        // Every spaced timestep must exist in the schedule (checked
        // without evaluating a marginal: a reader checks the grid of a
        // plan whose rows it does not compile).
        for i in 0..spec.steps {
            grid.time(i)?;
        }
        Ok(grid)
    }

    /// A grid whose spec was already checked by [`Grid::new`].
    pub fn new_unchecked(schedule: Schedule<'s>, spec: PlanSpec) -> Self {
        Grid { schedule, spec }
    }

    /// Point `i` of `0..=steps`; `steps` is the clean end.
    pub fn point(&self, i: u32) -> Result<Point, PlanError> {
        if i == self.spec.steps {
            return Ok(Point {
                t: 0.0,
                m: Marginal::CLEAN,
            });
        }
        let t = self.time(i)?;
        Ok(Point {
            t,
            m: self.schedule.marginal(t),
        })
    }

    /// The time of point `i` of `0..steps`.
    fn time(&self, i: u32) -> Result<f64, PlanError> {
        let n = self.spec.steps;
        Ok(match self.schedule {
            Schedule::Discrete(d) => f64::from(self.spec.spacing.timestep(
                &d,
                n,
                self.spec.steps_offset,
                i,
            )?),
            Schedule::Sde(s) => {
                let (hi, lo) = (s.t_end(), self.spec.t_min);
                if n == 1 {
                    hi
                } else if i + 1 == n {
                    lo
                } else {
                    hi + f64::from(i) * ((lo - hi) / f64::from(n - 1))
                }
            }
        })
    }

    /// The earliest time at or after `point` whose level `σ̃ = σ/α` is at
    /// least `factor` times `point`'s, or the schedule's last time of finite
    /// level if none is: where a churned Heun step starts
    /// ([`super::SamplerKind::PfOdeHeun`]). Found by bisection, since `σ̃`
    /// increases with time; a discrete schedule's time is then its
    /// timestep, whose level is the one used. (A zero-terminal-SNR
    /// schedule's last timestep is pure noise, `α = 0`: its level is not
    /// finite, so the timestep before it is the highest a step is raised to.)
    pub fn raised(&self, point: Point, factor: f64) -> Result<Point, PlanError> {
        let level = |m: Marginal| m.sigma / m.alpha;
        let target = factor * level(point.m);
        let t_max = self.schedule.t_max();
        let top = match self.schedule {
            Schedule::Discrete(_) if !level(self.schedule.marginal(t_max)).is_finite() => {
                (t_max - 1.0).max(point.t)
            }
            _ => t_max,
        };
        let (mut low, mut high) = (point.t, top);
        if level(self.schedule.marginal(high)) > target {
            for _ in 0..RAISE_BISECTIONS {
                let mid = 0.5 * (low + high);
                if level(self.schedule.marginal(mid)) >= target {
                    high = mid;
                } else {
                    low = mid;
                }
            }
        }
        let t = match self.schedule {
            Schedule::Discrete(_) => libm::ceil(high),
            Schedule::Sde(_) => high,
        };
        let m = self.schedule.marginal(t);
        if level(m).is_finite() {
            Ok(Point { t, m })
        } else {
            Err(PlanError::Parameter)
        }
    }
}

/// Halvings of the time interval in [`Grid::raised`]: enough to reach the
/// resolution of `f64` on `[0, T]` for any schedule.
const RAISE_BISECTIONS: u32 = 64;
