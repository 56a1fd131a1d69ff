//! [`Sampler`]: the float backends' sampler (feature `float`).

use super::SamplerError;
use super::threshold;
use crate::finite::check;
use crate::format::{DataRange, EmbeddedPlan, Model, Normalization, TimeBias, TimeConditioning};
use crate::net::{Denoiser, Guidance, Guided, Network, TimeInput};
use crate::noise::standard_normal;
use crate::plan::level::{RowLevel, has_levels, row_level};
use crate::plan::{Plan, PlanRow, x0_bounds};
use crate::schedule::Schedule;
use rand_core::Rng;

/// Scratch elements a sampler needs on top of its network's: the x̂₀
/// register and the multistep register `h`.
pub fn register_len(x_dim: usize) -> usize {
    2 * x_dim
}

/// Runs plan `P` with denoiser `N`.
pub struct Sampler<'m, 's, N: Denoiser, P: Plan> {
    network: N,
    plan: P,
    schedule: Schedule<'m>,
    normalization: Option<Normalization<'m>>,
    range: Option<DataRange<'m>>,
    bias: Option<TimeBias<'m>>,
    rows: u32,
    net_scratch: &'s mut [f32],
    x0: &'s mut [f32],
    h: &'s mut [f32],
    next_row: u32,
}

impl<'m, 's, P: Plan> Sampler<'m, 's, Network<'m>, P> {
    /// A sampler for a model with a sinusoidal time embedding and any plan
    /// (compiled on the host, on the device, or embedded). `scratch` needs
    /// [`Model::scratch_len`] elements.
    pub fn new(model: &Model<'m>, plan: P, scratch: &'s mut [f32]) -> Result<Self, SamplerError> {
        let network = model.network().ok_or(SamplerError::Backend)?;
        Self::of_model(model, network, plan, scratch)
    }
}

impl<'m, 's> Sampler<'m, 's, Network<'m>, EmbeddedPlan<'m>> {
    /// A sampler for embedded plan `index`, with its time-bias table when
    /// the model folds time conditioning.
    pub fn embedded(
        model: &Model<'m>,
        index: usize,
        scratch: &'s mut [f32],
    ) -> Result<Self, SamplerError> {
        let network = model.network().ok_or(SamplerError::Backend)?;
        Self::of_embedded(model, network, index, scratch)
    }
}

/// The guided network of `model` for `guidance`.
fn guided<'m>(
    model: &Model<'m>,
    guidance: Guidance<f32>,
) -> Result<Guided<Network<'m>>, SamplerError> {
    let guidance = guidance.checked().ok_or(SamplerError::Guidance)?;
    let unconditional = model.network().ok_or(SamplerError::Backend)?;
    let conditional = unconditional
        .with_class(guidance.class)
        .ok_or(SamplerError::Class)?;
    Ok(Guided::new(conditional, unconditional, guidance.weight))
}

impl<'m, 's, P: Plan> Sampler<'m, 's, Guided<Network<'m>>, P> {
    /// [`Sampler::new`] for a class-conditional model, generating class
    /// `guidance.class` with classifier-free guidance ([`Guided`]).
    pub fn guided(
        model: &Model<'m>,
        plan: P,
        guidance: Guidance<f32>,
        scratch: &'s mut [f32],
    ) -> Result<Self, SamplerError> {
        Self::of_model(model, guided(model, guidance)?, plan, scratch)
    }
}

impl<'m, 's> Sampler<'m, 's, Guided<Network<'m>>, EmbeddedPlan<'m>> {
    /// [`Sampler::embedded`] for a class-conditional model, generating class
    /// `guidance.class` with classifier-free guidance ([`Guided`]).
    pub fn embedded_guided(
        model: &Model<'m>,
        index: usize,
        guidance: Guidance<f32>,
        scratch: &'s mut [f32],
    ) -> Result<Self, SamplerError> {
        Self::of_embedded(model, guided(model, guidance)?, index, scratch)
    }
}

impl<'m, 's, N: Denoiser> Sampler<'m, 's, N, EmbeddedPlan<'m>> {
    /// `network` of `model` over its embedded plan `index`.
    fn of_embedded(
        model: &Model<'m>,
        network: N,
        index: usize,
        scratch: &'s mut [f32],
    ) -> Result<Self, SamplerError> {
        let plan = model.plan(index).ok_or(SamplerError::NoSuchPlan)?;
        let mut s = Self::with_denoiser(network, model.schedule(), plan, scratch)?;
        s.normalization = Some(model.normalization());
        s.range = clip_range(model);
        s.bias = model.time_bias(index);
        Ok(s)
    }
}

impl<'m, 's, N: Denoiser, P: Plan> Sampler<'m, 's, N, P> {
    /// `network` of `model`, a model with a time embedding, over `plan`.
    fn of_model(
        model: &Model<'m>,
        network: N,
        plan: P,
        scratch: &'s mut [f32],
    ) -> Result<Self, SamplerError> {
        if let TimeConditioning::BiasTable = model.topology().time() {
            return Err(SamplerError::NeedsEmbeddedPlan);
        }
        let mut s = Self::with_denoiser(network, model.schedule(), plan, scratch)?;
        s.normalization = Some(model.normalization());
        s.range = clip_range(model);
        Ok(s)
    }

    /// A sampler over any [`Denoiser`] conditioned on schedule time, working
    /// in model units throughout. `scratch` needs
    /// `network.scratch_len() + register_len(x_dim)` elements.
    pub fn with_denoiser(
        network: N,
        schedule: Schedule<'m>,
        plan: P,
        scratch: &'s mut [f32],
    ) -> Result<Self, SamplerError> {
        let header = plan.header();
        if header.spec.prediction != network.prediction() {
            return Err(SamplerError::PredictionMismatch);
        }
        let dim = network.x_dim();
        let needed = network.scratch_len() + register_len(dim);
        let short = SamplerError::Scratch {
            needed: u32::try_from(needed).unwrap_or(u32::MAX),
        };
        let (net_scratch, rest) = scratch
            .split_at_mut_checked(network.scratch_len())
            .ok_or(short)?;
        let (x0, rest) = rest.split_at_mut_checked(dim).ok_or(short)?;
        let h = rest.get_mut(..dim).ok_or(short)?;
        Ok(Sampler {
            network,
            plan,
            schedule,
            normalization: None,
            range: None,
            bias: None,
            rows: header.rows,
            net_scratch,
            x0,
            h,
            next_row: 0,
        })
    }

    /// Rows (network evaluations) not yet run.
    pub fn remaining(&self) -> u32 {
        self.rows.saturating_sub(self.next_row)
    }

    /// Data dimension of the states this sampler works on.
    pub fn x_dim(&self) -> usize {
        self.network.x_dim()
    }

    /// The plan.
    pub fn plan(&self) -> &P {
        &self.plan
    }

    fn check_dim(&self, x: &[f32]) -> Result<(), SamplerError> {
        let expected = self.network.x_dim();
        if x.len() == expected {
            Ok(())
        } else {
            Err(SamplerError::Dimension {
                expected: u32::try_from(expected).unwrap_or(u32::MAX),
            })
        }
    }

    /// Starts a new sample: `x ← init_std·z`, registers cleared.
    pub fn init<R: Rng + ?Sized>(
        &mut self,
        x: &mut [f32],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        let scale = self.plan.header().init_std;
        for v in x.iter_mut() {
            *v = scale * standard_normal(rng);
        }
        self.h.iter_mut().for_each(|v| *v = 0.0);
        self.next_row = 0;
        check(x)
    }

    /// Runs the next row on `x`; returns `false` (and does nothing) once the
    /// plan is finished.
    pub fn step<R: Rng + ?Sized>(
        &mut self,
        x: &mut [f32],
        rng: &mut R,
    ) -> Result<bool, SamplerError> {
        self.check_dim(x)?;
        if self.next_row >= self.rows {
            return Ok(false);
        }
        let index = self.next_row;
        let missing = SamplerError::PlanRow { row: index };
        let row = self.plan.row(index as usize).ok_or(missing)?;
        let time = match self.bias {
            Some(table) => TimeInput::Bias(table.row(index as usize).ok_or(missing)?),
            None => TimeInput::Time(row.t),
        };
        self.network.forward(x, time, self.net_scratch, self.x0)?;
        let clip = self.plan.header().spec.clip;
        apply_row(&row, clip, self.range, x, self.x0, self.h, rng);
        self.next_row += 1;
        check(x)?;
        Ok(true)
    }

    /// Draws one whole sample into `x`: in data units for a sampler made
    /// from a [`Model`], in model units otherwise.
    pub fn sample<R: Rng + ?Sized>(
        &mut self,
        x: &mut [f32],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.init(x, rng)?;
        while self.step(x, rng)? {}
        if let Some(n) = self.normalization {
            n.to_data(x);
        }
        check(x)
    }

    /// The level of row `k` ([`crate::plan::level`]).
    fn level(&self, k: u32) -> Result<RowLevel, SamplerError> {
        if !has_levels(self.plan.header().spec.sampler) {
            return Err(SamplerError::NoLevels);
        }
        if self.plan.row(k as usize).is_none() {
            return Err(SamplerError::PlanRow { row: k });
        }
        row_level(&self.plan, k as usize).ok_or(SamplerError::NoLevels)
    }

    /// Starts from data (SDEdit): `x` (model units) is noised to the level
    /// of row `k`, `x ← α_k·x + σ_k·z`, and row `k` becomes the next one.
    pub fn init_at<R: Rng + ?Sized>(
        &mut self,
        x: &mut [f32],
        k: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        let level = self.level(k)?;
        let (alpha, sigma) = (level.alpha as f32, level.sigma as f32);
        x.iter_mut()
            .for_each(|v| *v = noised(alpha, sigma, *v, rng));
        self.h.iter_mut().for_each(|v| *v = 0.0);
        self.next_row = k;
        check(x)
    }

    /// The replacement step of imputation: where `mask` is true, `x` is set
    /// to `observed` (model units) noised to the level of the next row, or
    /// to `observed` itself once the plan is done. Noise is drawn for the
    /// masked coordinates only, in index order.
    pub fn impose<R: Rng + ?Sized>(
        &mut self,
        x: &mut [f32],
        observed: &[f32],
        mask: &[bool],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        if observed.len() != x.len() || mask.len() != x.len() {
            return Err(SamplerError::Mask);
        }
        let (alpha, sigma) = if self.next_row >= self.rows {
            (1.0, 0.0)
        } else {
            let level = self.level(self.next_row)?;
            (level.alpha as f32, level.sigma as f32)
        };
        for ((v, o), _) in x.iter_mut().zip(observed).zip(mask).filter(|(_, m)| **m) {
            *v = noised(alpha, sigma, *o, rng);
        }
        check(x)
    }

    /// RePaint's resampling step: the state after the last row run, `k`, is
    /// taken back to row `k`'s level, `x ← back_a·x + back_c·z`, and row `k`
    /// becomes the next one again.
    pub fn rewind<R: Rng + ?Sized>(
        &mut self,
        x: &mut [f32],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        let k = self
            .next_row
            .checked_sub(1)
            .ok_or(SamplerError::PlanRow { row: 0 })?;
        let level = self.level(k)?;
        let (a, c) = (level.back_a as f32, level.back_c as f32);
        x.iter_mut().for_each(|v| *v = noised(a, c, *v, rng));
        self.next_row = k;
        check(x)
    }

    /// The clean-data estimate x̂₀ of `x`, a state at the level of row `k`:
    /// one network evaluation and the row's own `x̂₀ = p·x + q·out` (with its
    /// clip). Model units.
    pub fn estimate_x0(&mut self, x: &[f32], k: u32, out: &mut [f32]) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        self.check_dim(out)?;
        let missing = SamplerError::PlanRow { row: k };
        let row = self.plan.row(k as usize).ok_or(missing)?;
        let time = match self.bias {
            Some(table) => TimeInput::Bias(table.row(k as usize).ok_or(missing)?),
            None => TimeInput::Time(row.t),
        };
        self.network.forward(x, time, self.net_scratch, out)?;
        let clip = self.plan.header().spec.clip;
        estimate(&row, clip, self.range, x, out);
        check(out)
    }

    /// Tweedie's estimate `x̂₀ = E[x₀ | x_t]` at schedule time `t`, from `x`
    /// in model units, into `out` (model units).
    pub fn denoise(&mut self, x: &[f32], t: f64, out: &mut [f32]) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        self.check_dim(out)?;
        if self.bias.is_some() {
            return Err(SamplerError::NeedsEmbeddedPlan);
        }
        let (p, q) = self.network.prediction().to_x0(self.schedule.marginal(t));
        let (p, q) = (p as f32, q as f32);
        self.network
            .forward(x, TimeInput::Time(t as f32), self.net_scratch, out)?;
        for (o, xi) in out.iter_mut().zip(x) {
            *o = p * *xi + q * *o;
        }
        check(out)
    }

    /// The model's score `∇ log p_t(x) = −(x − α_t·x̂₀)/σ_t²` (= −ε̂/σ_t) at
    /// schedule time `t`, in model units.
    pub fn score(&mut self, x: &[f32], t: f64, out: &mut [f32]) -> Result<(), SamplerError> {
        self.denoise(x, t, out)?;
        let m = self.schedule.marginal(t);
        let (alpha, inv_var) = (m.alpha as f32, (1.0 / (m.sigma * m.sigma)) as f32);
        for (o, xi) in out.iter_mut().zip(x) {
            *o = -(*xi - alpha * *o) * inv_var;
        }
        check(out)
    }
}

/// `a·v + c·z`, drawing `z` only when `c ≠ 0`.
fn noised<R: Rng + ?Sized>(a: f32, c: f32, v: f32, rng: &mut R) -> f32 {
    if c == 0.0 {
        a * v
    } else {
        a * v + c * standard_normal(rng)
    }
}

/// The data range of `model` if its samplers are to clip x̂₀ to it.
fn clip_range<'m>(model: &Model<'m>) -> Option<DataRange<'m>> {
    model.data_range().filter(DataRange::clips)
}

/// Each element's clip bounds from `range`, then `None` past its
/// dimensions (or from the start without one).
fn range_bounds(range: Option<DataRange<'_>>) -> impl Iterator<Item = Option<(f32, f32)>> {
    range
        .into_iter()
        .flat_map(|r| r.bounds())
        .map(Some)
        .chain(core::iter::repeat(None))
}

/// The row's clean-data estimate of `x` from the network output `out`,
/// in place: `p·x + q·out`, then limited (the dynamic threshold of `range`
/// if it has one, then each element's clip, [`x0_bounds`]).
fn estimate(
    row: &PlanRow,
    clip: Option<f32>,
    range: Option<DataRange<'_>>,
    x: &[f32],
    out: &mut [f32],
) {
    for (o, xi) in out.iter_mut().zip(x) {
        *o = row.x0(*xi, *o);
    }
    let bounds = || range_bounds(range).map(move |r| x0_bounds(clip, r));
    let dynamic = range.and_then(|r| r.dynamic());
    threshold::limit(out, bounds, dynamic.as_ref());
}

/// One row's register update: the x̂₀ register from the network output
/// ([`estimate`]), then `x` and `h` element by element in index order.
fn apply_row<R: Rng + ?Sized>(
    row: &PlanRow,
    clip: Option<f32>,
    range: Option<DataRange<'_>>,
    x: &mut [f32],
    out: &mut [f32],
    h: &mut [f32],
    rng: &mut R,
) {
    estimate(row, clip, range, x, out);
    let noisy = row.draws_noise();
    for ((xi, di), hi) in x.iter_mut().zip(out.iter()).zip(h.iter_mut()) {
        let z = if noisy { standard_normal(rng) } else { 0.0 };
        (*xi, *hi) = row.advance(*xi, *di, *hi, z);
    }
}

crate::stepper::forward_stepper!([N: Denoiser, P: Plan] Sampler<'_, '_, N, P>, f32, Sampler);
