//! Per-sampler coefficient derivations, in `f64`.
//!
//! Notation: the row evaluates the network at grid point `t` (marginal
//! `α_t, σ_t`) and moves to the next point `s` (`α_s, σ_s`; the clean end has
//! α = 1, σ = 0). `ε̂ = (x − α_t·D)/σ_t` turns any ε-form update into the
//! x̂₀ (`D`) form the rows use. docs/ARCHITECTURE.md lists where each formula
//! agrees with diffusers, score_sde and k-diffusion and where it differs.

use super::grid::{Grid, Point};
use super::spec::DdpmVariance;
use super::{LangevinStep, Plan, PlanError, PlanHeader, PlanRow, PlanSpec, SamplerKind};
use crate::schedule::{Marginal, Schedule};

/// A validated (schedule, spec) pair that computes plan rows on demand.
///
/// `new` computes every row once to check that all are finite, so
/// [`Compiler::compute_row`] and [`Plan::row`] cannot fail afterwards for an
/// index below `header().rows`. The compiler holds no table: on a device it
/// is itself a plan that costs no RAM, at the price of recomputing a row
/// (O(T) for a discrete schedule) per step.
#[derive(Clone, Debug)]
pub struct Compiler<'s> {
    schedule: Schedule<'s>,
    spec: PlanSpec,
    rows: u32,
    init_std: f32,
}

/// Coefficients of one row before rounding to `f32`.
#[derive(Default)]
struct Row {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
    g: f64,
}

impl<'s> Compiler<'s> {
    /// Validates the schedule and spec and checks every row.
    pub fn new(schedule: Schedule<'s>, spec: PlanSpec) -> Result<Self, PlanError> {
        schedule.validate()?;
        spec.validate_parameters()?;
        let rows = spec.rows()?;
        let grid = Self::grid(schedule, spec)?;
        let first = grid.point(0)?.m;
        let init_std = libm::sqrt(first.alpha * first.alpha + first.sigma * first.sigma) as f32;
        let compiler = Compiler {
            schedule,
            spec,
            rows,
            init_std,
        };
        for i in 0..rows {
            compiler.compute_row(i as usize)?;
        }
        Ok(compiler)
    }

    /// Checks that `spec`'s sampler runs on `schedule` and that every
    /// point of its grid exists, without computing a row: what a reader
    /// checks of a plan whose rows it compiles when asked
    /// ([`Compiler::unchecked`]).
    pub fn check_grid(schedule: Schedule<'s>, spec: PlanSpec) -> Result<(), PlanError> {
        Self::grid(schedule, spec).map(|_| ())
    }

    fn grid(schedule: Schedule<'s>, spec: PlanSpec) -> Result<Grid<'s>, PlanError> {
        let needs_sde = matches!(
            spec.sampler,
            SamplerKind::EulerMaruyama | SamplerKind::PredictorCorrector { .. }
        );
        if needs_sde && !matches!(schedule, Schedule::Sde(_)) {
            return Err(PlanError::NeedsSde);
        }
        Grid::new(schedule, spec)
    }

    /// A compiler for a plan whose header was checked elsewhere (a model
    /// file's, by [`Compiler::check_grid`] and the spec's own checks): no
    /// row is computed in advance, so [`Compiler::compute_row`] returns an
    /// error for a row that is not finite.
    pub fn unchecked(schedule: Schedule<'s>, header: PlanHeader) -> Self {
        Compiler {
            schedule,
            spec: header.spec,
            rows: header.rows,
            init_std: header.init_std,
        }
    }

    /// Computes row `i`.
    pub fn compute_row(&self, i: usize) -> Result<PlanRow, PlanError> {
        let index = u32::try_from(i)
            .ok()
            .filter(|&r| r < self.rows)
            .ok_or(PlanError::RowOutOfRange)?;
        let grid = Grid::new_unchecked(self.schedule, self.spec);
        let (point, row) = self.derive(&grid, index)?;
        let (p, q) = self.spec.prediction.to_x0(point.m);
        let v = [
            point.t,
            p,
            q,
            row.a,
            row.b,
            row.c,
            row.d,
            row.e,
            row.f,
            row.g,
            point.m.alpha,
            point.m.sigma,
        ]
        .map(|x| x as f32);
        if v.iter().all(|x| x.is_finite()) {
            Ok(PlanRow::from_array(v))
        } else {
            Err(PlanError::NonFinite { row: index })
        }
    }

    /// Writes every row into `out`; returns the number written.
    pub fn compile_into(&self, out: &mut [PlanRow]) -> Result<usize, PlanError> {
        let n = self.rows as usize;
        let slots = out.get_mut(..n).ok_or(PlanError::Capacity)?;
        for (i, slot) in slots.iter_mut().enumerate() {
            *slot = self.compute_row(i)?;
        }
        Ok(n)
    }

    /// The evaluated grid point of row `index` and its update.
    fn derive(&self, grid: &Grid<'_>, index: u32) -> Result<(Point, Row), PlanError> {
        let n = self.spec.steps;
        match self.spec.sampler {
            SamplerKind::Ddpm { variance } => {
                let (t, s) = (grid.point(index)?, grid.point(index + 1)?);
                Ok((t, ddpm(t.m, s.m, variance, index + 1 == n)))
            }
            SamplerKind::Ddim { eta } => {
                let (t, s) = (grid.point(index)?, grid.point(index + 1)?);
                Ok((t, ddim(t.m, s.m, eta)))
            }
            SamplerKind::PfOdeEuler => {
                let (t, s) = (grid.point(index)?, grid.point(index + 1)?);
                Ok((t, ddim(t.m, s.m, 0.0)))
            }
            SamplerKind::EulerMaruyama => {
                let (t, s) = (grid.point(index)?, grid.point(index + 1)?);
                Ok((t, self.euler_maruyama(t, s, index + 1 == n)))
            }
            SamplerKind::PfOdeHeun { churn } => heun(grid, index, n, churn),
            SamplerKind::DpmSolverPp2m => dpm_solver_pp_2m(grid, index, n),
            SamplerKind::AnnealedLangevin {
                steps_per_level,
                step,
                ..
            } => {
                // The spec's checks keep the divisor positive; a compiler
                // made `unchecked` may not have run them.
                let level = index
                    .checked_div(steps_per_level)
                    .ok_or(PlanError::Parameter)?;
                if !self.spec.sampler.is_langevin_row(index, n) {
                    return Ok((grid.point(n - 1)?, denoise()));
                }
                let t = grid.point(level)?;
                let delta = match step {
                    LangevinStep::Annealed { epsilon } => {
                        let smallest = grid.point(n - 1)?.m.sigma;
                        epsilon * (t.m.sigma / smallest) * (t.m.sigma / smallest)
                    }
                    LangevinStep::Snr(snr) => snr.gaussian(t.m.sigma),
                };
                Ok((t, langevin(t.m, delta)))
            }
            SamplerKind::PredictorCorrector {
                corrector_steps,
                step,
            } => {
                let level = corrector_steps
                    .checked_add(1)
                    .and_then(|k| index.checked_div(k))
                    .ok_or(PlanError::Parameter)?;
                let t = grid.point(level)?;
                if self.spec.sampler.is_langevin_row(index, n) {
                    Ok((t, langevin(t.m, step.gaussian(t.m.sigma))))
                } else {
                    let s = grid.point(level + 1)?;
                    Ok((t, self.euler_maruyama(t, s, level + 1 == n)))
                }
            }
        }
    }

    /// Reverse-SDE Euler–Maruyama from `t` to `s`:
    /// `x ← x + (f·x − g²·∇log p)·dt + g·√|dt|·z`, `dt = s − t < 0`,
    /// `∇log p = −(x − α_t·D)/σ_t²`.
    fn euler_maruyama(&self, t: Point, s: Point, last: bool) -> Row {
        let Schedule::Sde(sde) = self.schedule else {
            return Row::default();
        };
        let dt = s.t - t.t;
        let (f, g2) = (sde.drift(t.t), sde.diffusion_squared(t.t));
        let var = t.m.sigma * t.m.sigma;
        Row {
            a: 1.0 + f * dt + g2 * dt / var,
            b: -g2 * dt * t.m.alpha / var,
            c: if last { 0.0 } else { libm::sqrt(g2 * -dt) },
            ..Row::default()
        }
    }
}

impl Plan for Compiler<'_> {
    fn header(&self) -> PlanHeader {
        Compiler::header(self)
    }

    fn row(&self, i: usize) -> Option<PlanRow> {
        self.compute_row(i).ok()
    }
}

impl Compiler<'_> {
    /// The plan's description.
    pub fn header(&self) -> PlanHeader {
        PlanHeader {
            spec: self.spec,
            rows: self.rows,
            init_std: self.init_std,
        }
    }
}

/// Gaussian posterior `q(x_s | x_t, x₀)` of any (α, σ) process:
/// `α_{t|s} = α_t/α_s`, `σ²_{t|s} = σ_t² − α_{t|s}²σ_s²`, posterior variance
/// `σ²_{t|s}·σ_s²/σ_t²`. For DDPM's ᾱ these are diffusers' formulas.
fn posterior(t: Marginal, s: Marginal) -> (f64, f64, f64) {
    let alpha_ts = t.alpha / s.alpha;
    let var_ts = t.sigma * t.sigma - alpha_ts * alpha_ts * s.sigma * s.sigma;
    let small = var_ts * s.sigma * s.sigma / (t.sigma * t.sigma);
    (alpha_ts, var_ts, small)
}

/// DDPM ancestral step: posterior mean, and noise with the chosen variance
/// (none on the step onto the clean end).
fn ddpm(t: Marginal, s: Marginal, variance: DdpmVariance, last: bool) -> Row {
    let (alpha_ts, var_ts, small) = posterior(t, s);
    let var_t = t.sigma * t.sigma;
    let var = match variance {
        DdpmVariance::FixedSmall => small,
        DdpmVariance::FixedLarge => var_ts,
    };
    Row {
        a: alpha_ts * s.sigma * s.sigma / var_t,
        b: s.alpha * var_ts / var_t,
        c: if last { 0.0 } else { libm::sqrt(var.max(0.0)) },
        ..Row::default()
    }
}

/// DDIM: `x_s = α_s·D + √(σ_s² − c²)·ε̂ + c·z`, `c = η·√(posterior variance)`.
/// With η = 0 this is also the Euler step of the probability-flow ODE in
/// `x/α` over `σ/α`.
fn ddim(t: Marginal, s: Marginal, eta: f64) -> Row {
    let (_, _, small) = posterior(t, s);
    let c = eta * libm::sqrt(small.max(0.0));
    let k = libm::sqrt((s.sigma * s.sigma - c * c).max(0.0));
    Row {
        a: k / t.sigma,
        b: s.alpha - k * t.alpha / t.sigma,
        c,
        ..Row::default()
    }
}

/// `row`, a Langevin row of a plan, with step size `step` instead of its
/// own (a measured step of [`super::SnrStep`]): the same network time,
/// x̂₀ and level, the update `x ← x + step·∇log p + √(2·step)·z`.
pub fn with_langevin_step(row: &PlanRow, step: f64) -> Result<PlanRow, PlanError> {
    let m = Marginal {
        alpha: f64::from(row.alpha),
        sigma: f64::from(row.sigma),
    };
    let r = langevin(m, step);
    let v = [r.a, r.b, r.c].map(|x| x as f32);
    if !(step.is_finite() && step > 0.0 && v.iter().all(|x| x.is_finite())) {
        return Err(PlanError::Parameter);
    }
    let [a, b, c] = v;
    Ok(PlanRow { a, b, c, ..*row })
}

/// Langevin step `x ← x + step·∇log p + √(2·step)·z` at marginal `m`.
fn langevin(m: Marginal, step: f64) -> Row {
    let var = m.sigma * m.sigma;
    Row {
        a: 1.0 - step / var,
        b: step * m.alpha / var,
        c: libm::sqrt(2.0 * step),
        ..Row::default()
    }
}

/// `x ← x̂₀` (Tweedie's estimate).
fn denoise() -> Row {
    Row {
        b: 1.0,
        ..Row::default()
    }
}

/// Above this noise level `σ̃ = σ/α` a Heun step takes the trapezoid rule
/// in x̂₀ instead of in `ε̂`: above EDM's largest level (80), below the
/// linear schedule's (157).
pub(super) const HEUN_SIGMA_LIMIT: f64 = 100.0;

/// A Heun step that divides `σ̃` by more than this takes the trapezoid
/// rule in x̂₀ too: there the rule in `ε̂` would weight the second
/// evaluation's x̂₀ by `½(σ̃_t/σ̃_s − 1)`, more than 1.5 (the x̂₀ rule by
/// `½(1 − σ̃_s/σ̃_t)`, always below ½). Karras et al.'s 18-point grid
/// (largest ratio 3.75, its last step) stays their Algorithm 1.
pub(super) const HEUN_MAX_RATIO: f64 = 4.0;

/// Whether a Heun step from `t` to `s` takes the trapezoid rule in x̂₀
/// ([`HEUN_SIGMA_LIMIT`], [`HEUN_MAX_RATIO`]).
fn heun_in_x0(t: Marginal, s: Marginal) -> bool {
    t.sigma > HEUN_SIGMA_LIMIT * t.alpha || t.sigma * s.alpha > HEUN_MAX_RATIO * s.sigma * t.alpha
}

/// Heun on the PF-ODE `dx̃/dσ̃ = ε̂` (`x̃ = x/α`, `σ̃ = σ/α`), as k-diffusion's
/// `sample_heun` and Karras et al.'s Algorithm 1: two rows per step (Euler
/// predictor into `x`, half-slope accumulator into `h`; then
/// `x ← h + ½·α_s·Δσ̃·ε̂₂`), Euler onto the clean end.
///
/// A step from `σ̃_t` above [`HEUN_SIGMA_LIMIT`] (the first steps of a VP
/// schedule, where α is near 0: σ̃ = 157 at the linear schedule's last
/// timestep, 20 291 at the cosine one's) would multiply `ε̂₂ − ε̂₁` by
/// `½·α_s·σ̃_t`, several hundred, so any inconsistency of the network
/// between the two evaluations explodes; a step that divides `σ̃` by more
/// than [`HEUN_MAX_RATIO`] (few steps, or the grid's last steps towards
/// `t_min`) would weight the second x̂₀ by more than 1. Such a step takes
/// the same trapezoid rule in x̂₀, the exponential integrator's form:
/// `x_s = (σ_s/σ_t)·x + φ·½(D₁ + D₂)`, `φ = α_s − α_t·σ_s/σ_t`, whose
/// coefficients stay below 1 and whose x̂₀ are clipped.
///
/// With churn (Karras et al.'s Algorithm 2, `S_noise = 1`), every step
/// but the first starts from its grid point raised by [`Grid::raised`];
/// the row that lands on the point (the previous step's corrector) also
/// adds the noise that raises it, `x̂ = (α̂/α)·x + α̂·√(σ̃̂² − σ̃²)·z`, which
/// is linear in its registers like every row. The first point is pure
/// noise already and is not raised (their `S_tmax` below `σ_max`).
fn heun(grid: &Grid<'_>, index: u32, n: u32, churn: f64) -> Result<(Point, Row), PlanError> {
    let gamma = (churn / f64::from(n)).min(core::f64::consts::SQRT_2 - 1.0);
    let start = |step: u32| -> Result<Point, PlanError> {
        let point = grid.point(step)?;
        if step == 0 || gamma <= 0.0 {
            Ok(point)
        } else {
            grid.raised(point, 1.0 + gamma)
        }
    };
    let step = index / 2;
    let t = start(step)?;
    if step + 1 == n {
        return Ok((t, denoise()));
    }
    let s = grid.point(step + 1)?;
    let predictor = index.is_multiple_of(2);
    if predictor {
        return Ok((t, heun_predictor(t.m, s.m)));
    }
    let corrector = heun_corrector(t.m, s.m);
    if gamma > 0.0 {
        Ok((s, with_raise(corrector, s.m, start(step + 1)?.m)))
    } else {
        Ok((s, corrector))
    }
}

/// The predictor row of a Heun step from `t` to `s` ([`heun`]).
fn heun_predictor(t: Marginal, s: Marginal) -> Row {
    let euler = ddim(t, s, 0.0);
    if heun_in_x0(t, s) {
        return Row {
            e: euler.a,
            f: 0.5 * euler.b,
            ..euler
        };
    }
    let half = 0.5 * (s.sigma - s.alpha * t.sigma / t.alpha);
    Row {
        e: s.alpha / t.alpha + half / t.sigma,
        f: -half * t.alpha / t.sigma,
        ..euler
    }
}

/// The corrector row of a Heun step from `t` to `s` ([`heun`]), which
/// evaluates the network at `s`.
fn heun_corrector(t: Marginal, s: Marginal) -> Row {
    if heun_in_x0(t, s) {
        return Row {
            b: 0.5 * ddim(t, s, 0.0).b,
            d: 1.0,
            ..Row::default()
        };
    }
    let half = 0.5 * (s.sigma - s.alpha * t.sigma / t.alpha);
    Row {
        a: half / s.sigma,
        b: -half * s.alpha / s.sigma,
        d: 1.0,
        ..Row::default()
    }
}

/// `row`, which lands on level `at`, followed by the fresh noise that
/// raises the state to level `to` (σ̃ = σ/α not below `at`'s):
/// `x̂ = (α_to/α_at)·x + α_to·√(σ̃_to² − σ̃_at²)·z`.
fn with_raise(row: Row, at: Marginal, to: Marginal) -> Row {
    let scale = to.alpha / at.alpha;
    let (from, up) = (at.sigma / at.alpha, to.sigma / to.alpha);
    let noise = to.alpha * libm::sqrt((up * up - from * from).max(0.0));
    Row {
        a: row.a * scale,
        b: row.b * scale,
        c: noise,
        d: row.d * scale,
        ..row
    }
}

/// Plans of fewer steps than this take DPM-Solver++(2M)'s second-to-last
/// step at first order too (diffusers' `lower_order_final`, on by default,
/// with the same threshold).
pub(super) const LOWER_ORDER_FINAL_BELOW: u32 = 15;

/// DPM-Solver++(2M) takes a step at second order only where it weights the
/// change `D − D_prev` by at most this (`1/2r`, i.e. `r ≥ ½`: the step in
/// log-SNR at most twice the previous one).
pub(super) const MAX_EXTRAPOLATION: f64 = 1.0;

/// DPM-Solver++(2M) in k-diffusion's form: `x_s = (σ_s/σ_t)·x + φ·D'` with
/// `φ = α_s − α_t·σ_s/σ_t` (= −α_s(e^{−h} − 1)) and
/// `D' = (1 + 1/2r)·D − (1/2r)·D_prev`, `r = h_prev/h`, `h = λ_s − λ_t`.
/// First order on the first step, onto the clean end, after a point of
/// zero SNR, below [`LOWER_ORDER_FINAL_BELOW`] steps on the step before the
/// last (diffusers' `lower_order_final`), and wherever the second-order
/// term would weight `D − D_prev` by more than [`MAX_EXTRAPOLATION`]: on
/// grids that end near t = 0 (every SDE grid, leading and linspace
/// spacing) the log-SNR step into the smallest noise level is many times
/// the previous one, and the weight reaches several units at any number of
/// steps. `h` always receives the current x̂₀.
fn dpm_solver_pp_2m(grid: &Grid<'_>, index: u32, n: u32) -> Result<(Point, Row), PlanError> {
    let t = grid.point(index)?;
    let s = grid.point(index + 1)?;
    let first = ddim(t.m, s.m, 0.0);
    let phi = first.b;
    let mut row = Row { f: 1.0, ..first };
    let lower_order_second = index + 2 == n && n < LOWER_ORDER_FINAL_BELOW;
    if index > 0 && index + 1 < n && !lower_order_second {
        let prev = grid.point(index - 1)?.m.log_snr();
        let (lt, ls) = (t.m.log_snr(), s.m.log_snr());
        if prev.is_finite() {
            let w = 0.5 * (ls - lt) / (lt - prev);
            if w <= MAX_EXTRAPOLATION {
                row.b = phi * (1.0 + w);
                row.d = -phi * w;
            }
        }
    }
    Ok((t, row))
}
