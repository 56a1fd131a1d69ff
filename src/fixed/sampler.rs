//! [`FixedSampler`]: runs an embedded plan on a fixed-point model with
//! integers only.
//!
//! The state `x` is Q16.16 in model units and belongs to the caller. Each
//! row evaluates the network once and then updates every element in index
//! order, exactly like the float `Sampler`:
//!
//! ```text
//! d  = limit(p·x + q·out)      (the plan's ±clip and the data range's bounds,
//!                               with the data range's dynamic threshold)
//! x' = a·x + b·d + c·z + d·h
//! h' = e·x + f·d + g·h
//! ```
//!
//! where `d` is computed for every element before `x` and `h` change (the
//! dynamic threshold needs all of x̂₀), each product is a [`Coefficient`]
//! applied with
//! rounding, sums are saturating, and `z` is drawn from
//! [`standard_normal_q28`] only on rows with `c ≠ 0`, so the generator is
//! called exactly as often, and in the same order, as by the float sampler.
#![deny(clippy::float_arithmetic)]

use super::Coefficient;
use super::network::FixedNetwork;
use super::requantize::rounding_divide_by_pot;
use super::threshold;
use super::{STATE_FRAC_BITS, saturate_i32};
use crate::format::{DataRange, FixedPlan, FixedRow, Model};
use crate::net::Guidance;
use crate::noise::standard_normal_q28;
use crate::plan::x0_bounds;
use crate::sampler::SamplerError;
use rand_core::Rng;

/// Scratch sizes a [`FixedSampler`] needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FixedScratch {
    /// `i16` elements for the network's activations.
    pub activations: usize,
    /// `i32` elements for the sampler's registers (network output / x̂₀,
    /// and `h`; for a class-conditional model also the unconditional output
    /// of guidance).
    pub registers: usize,
}

impl FixedScratch {
    /// What a sampler over `network` needs.
    pub fn of(network: &FixedNetwork<'_>) -> Self {
        let registers = if network.is_conditional() { 3 } else { 2 };
        FixedScratch {
            activations: network.scratch_len(),
            registers: registers * network.x_dim(),
        }
    }

    /// Total bytes.
    pub fn bytes(&self) -> usize {
        2 * self.activations + 4 * self.registers
    }
}

/// Classifier-free guidance in integers: the unconditional network, its
/// output buffer and the weight in Q16.16.
struct FixedGuided<'m, 's> {
    unconditional: FixedNetwork<'m>,
    out: &'s mut [i32],
    weight: i32,
}

/// Runs one embedded plan of a fixed-point model.
pub struct FixedSampler<'m, 's> {
    network: FixedNetwork<'m>,
    guided: Option<FixedGuided<'m, 's>>,
    plan: FixedPlan<'m>,
    range: Option<DataRange<'m>>,
    activations: &'s mut [i16],
    out: &'s mut [i32],
    h: &'s mut [i32],
    next_row: u32,
    levels: bool,
}

impl<'m, 's> FixedSampler<'m, 's> {
    /// A sampler for embedded plan `index` of a fixed-point model, over
    /// scratch of the sizes [`FixedScratch::of`] gives. A class-conditional
    /// model runs unconditionally.
    pub fn embedded(
        model: &Model<'m>,
        index: usize,
        activations: &'s mut [i16],
        registers: &'s mut [i32],
    ) -> Result<Self, SamplerError> {
        let network = model.fixed_network().ok_or(SamplerError::Backend)?;
        Self::over(model, network, index, activations, registers)
    }

    /// [`FixedSampler::embedded`] for a class-conditional model, generating
    /// class `guidance.class` with classifier-free guidance of weight
    /// `guidance.weight` (Q16.16): the network output of each row is
    /// `o_c + round(w·(o_c − o_∅))`, as the float `Guided` computes it
    /// in f32, rounded half away from zero and saturated to `i32`.
    pub fn embedded_guided(
        model: &Model<'m>,
        index: usize,
        guidance: Guidance<i32>,
        activations: &'s mut [i16],
        registers: &'s mut [i32],
    ) -> Result<Self, SamplerError> {
        let unconditional = model.fixed_network().ok_or(SamplerError::Backend)?;
        let network = unconditional
            .with_class(guidance.class)
            .ok_or(SamplerError::Class)?;
        let dim = network.x_dim();
        let short = SamplerError::Scratch {
            needed: u32::try_from(FixedScratch::of(&network).registers).unwrap_or(u32::MAX),
        };
        let (registers, out) = registers.split_at_mut_checked(2 * dim).ok_or(short)?;
        let mut sampler = Self::over(model, network, index, activations, registers)?;
        sampler.guided = Some(FixedGuided {
            unconditional,
            out: out.get_mut(..dim).ok_or(short)?,
            weight: guidance.weight,
        });
        Ok(sampler)
    }

    /// The sampler of plan `index` over `network`, unguided.
    fn over(
        model: &Model<'m>,
        network: FixedNetwork<'m>,
        index: usize,
        activations: &'s mut [i16],
        registers: &'s mut [i32],
    ) -> Result<Self, SamplerError> {
        let plan = model.fixed_plan(index).ok_or(SamplerError::NoSuchPlan)?;
        let levels = model.plan_outline(index).is_some_and(|p| p.levels);
        let need = FixedScratch::of(&network);
        let short = SamplerError::Scratch {
            needed: u32::try_from(need.activations.max(need.registers)).unwrap_or(u32::MAX),
        };
        let activations = activations.get_mut(..need.activations).ok_or(short)?;
        let dim = network.x_dim();
        let (out, rest) = registers.split_at_mut_checked(dim).ok_or(short)?;
        let h = rest.get_mut(..dim).ok_or(short)?;
        Ok(FixedSampler {
            network,
            guided: None,
            plan,
            range: model.data_range().filter(DataRange::clips),
            activations,
            out,
            h,
            next_row: 0,
            levels,
        })
    }

    /// Rows (network evaluations) not yet run.
    pub fn remaining(&self) -> u32 {
        self.plan.rows().saturating_sub(self.next_row)
    }

    /// Data dimension.
    pub fn x_dim(&self) -> usize {
        self.network.x_dim()
    }

    fn check_dim(&self, x: &[i32]) -> Result<(), SamplerError> {
        if x.len() == self.network.x_dim() {
            Ok(())
        } else {
            Err(SamplerError::Dimension {
                expected: self.network.topology().x_dim(),
            })
        }
    }

    /// Starts a new sample: `x ← init·z`, `h ← 0`.
    pub fn init<R: Rng + ?Sized>(
        &mut self,
        x: &mut [i32],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        let init = self.plan.init();
        for v in x.iter_mut() {
            *v = saturate_i32(init.apply(standard_normal_q28(rng)));
        }
        self.h.iter_mut().for_each(|v| *v = 0);
        self.next_row = 0;
        Ok(())
    }

    /// Runs the next row on `x`; returns `false` (and does nothing) once the
    /// plan is finished.
    pub fn step<R: Rng + ?Sized>(
        &mut self,
        x: &mut [i32],
        rng: &mut R,
    ) -> Result<bool, SamplerError> {
        self.check_dim(x)?;
        if self.next_row >= self.plan.rows() {
            return Ok(false);
        }
        let index = self.next_row;
        let row = self
            .plan
            .row(index as usize)
            .ok_or(SamplerError::PlanRow { row: index })?;
        self.evaluate(x, &row, Output::Register)?;
        let (clip, range) = (self.plan.clip(), self.range);
        estimate(&row, clip, range, x, self.out);
        apply_row(&row, x, self.out, self.h, rng);
        self.next_row += 1;
        Ok(true)
    }

    /// Draws one whole sample into `x` (Q16.16, model units).
    pub fn sample<R: Rng + ?Sized>(
        &mut self,
        x: &mut [i32],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.init(x, rng)?;
        while self.step(x, rng)? {}
        Ok(())
    }

    /// Row `k`'s level coefficients `[α, σ, back_a, back_c]`.
    fn level(&self, k: u32) -> Result<[Coefficient; 4], SamplerError> {
        if !self.levels {
            return Err(SamplerError::NoLevels);
        }
        let row = self
            .plan
            .row(k as usize)
            .ok_or(SamplerError::PlanRow { row: k })?;
        let [.., alpha, sigma, back_a, back_c] = row.coefficients;
        Ok([alpha, sigma, back_a, back_c])
    }

    /// Starts from data (SDEdit), as the float `Sampler::init_at`:
    /// `x ← α_k·x + σ_k·z` in Q16.16, and row `k` becomes the next one.
    pub fn init_at<R: Rng + ?Sized>(
        &mut self,
        x: &mut [i32],
        k: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        let [alpha, sigma, ..] = self.level(k)?;
        x.iter_mut()
            .for_each(|v| *v = noised(alpha, sigma, *v, rng));
        self.h.iter_mut().for_each(|v| *v = 0);
        self.next_row = k;
        Ok(())
    }

    /// The replacement step of imputation, as
    /// the float `Sampler::impose`, with `observed` in Q16.16.
    pub fn impose<R: Rng + ?Sized>(
        &mut self,
        x: &mut [i32],
        observed: &[i32],
        mask: &[bool],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        if observed.len() != x.len() || mask.len() != x.len() {
            return Err(SamplerError::Mask);
        }
        let [alpha, sigma, ..] = if self.next_row >= self.plan.rows() {
            [
                Coefficient::ONE,
                Coefficient::default(),
                Coefficient::default(),
                Coefficient::default(),
            ]
        } else {
            self.level(self.next_row)?
        };
        for ((v, o), _) in x.iter_mut().zip(observed).zip(mask).filter(|(_, m)| **m) {
            *v = noised(alpha, sigma, *o, rng);
        }
        Ok(())
    }

    /// RePaint's resampling step, as the float `Sampler::rewind`.
    pub fn rewind<R: Rng + ?Sized>(
        &mut self,
        x: &mut [i32],
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        let k = self
            .next_row
            .checked_sub(1)
            .ok_or(SamplerError::PlanRow { row: 0 })?;
        let [.., back_a, back_c] = self.level(k)?;
        x.iter_mut()
            .for_each(|v| *v = noised(back_a, back_c, *v, rng));
        self.next_row = k;
        Ok(())
    }

    /// The clean-data estimate x̂₀ (Q16.16) of `x`, a state at the level of
    /// row `k`, as the float `Sampler::estimate_x0`.
    pub fn estimate_x0(&mut self, x: &[i32], k: u32, out: &mut [i32]) -> Result<(), SamplerError> {
        self.check_dim(x)?;
        self.check_dim(out)?;
        let row = self
            .plan
            .row(k as usize)
            .ok_or(SamplerError::PlanRow { row: k })?;
        self.evaluate(x, &row, Output::Caller(out))?;
        estimate(&row, self.plan.clip(), self.range, x, out);
        Ok(())
    }
}

/// Where [`FixedSampler::evaluate`] writes.
enum Output<'o> {
    /// The sampler's own output register.
    Register,
    /// A caller's buffer.
    Caller(&'o mut [i32]),
}

/// Each element's x̂₀ clip bounds (Q16.16) from the plan's `clip` and the
/// data `range`, in index order and then forever ([`x0_bounds`]).
fn bounds<'m>(
    clip: Option<i32>,
    range: Option<DataRange<'m>>,
) -> impl Iterator<Item = Option<(i32, i32)>> + use<'m> {
    let range = range.into_iter().flat_map(|r| r.bounds_q()).map(Some);
    range
        .chain(core::iter::repeat(None))
        .map(move |range| x0_bounds(clip, range))
}

/// The row's clean-data estimate of `x` from the network output `out`, in
/// place: `p·x + q·out` saturated, then limited (the dynamic threshold of
/// `range` if it has one, then each element's clip).
fn estimate(
    row: &FixedRow<'_>,
    clip: Option<i32>,
    range: Option<DataRange<'_>>,
    x: &[i32],
    out: &mut [i32],
) {
    let [p, q, ..] = row.coefficients;
    for (o, xi) in out.iter_mut().zip(x) {
        *o = saturate_i32(p.apply(*xi).saturating_add(q.apply(*o)));
    }
    let dynamic = range.and_then(|r| r.dynamic());
    threshold::limit(out, || bounds(clip, range), dynamic.as_ref());
}

impl FixedSampler<'_, '_> {
    /// The network's (guided) output for `x` at `row`.
    fn evaluate(
        &mut self,
        x: &[i32],
        row: &FixedRow<'_>,
        output: Output<'_>,
    ) -> Result<(), SamplerError> {
        let out = match output {
            Output::Register => &mut *self.out,
            Output::Caller(out) => out,
        };
        self.network.forward(x, row.time, self.activations, out)?;
        let Some(guided) = &mut self.guided else {
            return Ok(());
        };
        if guided.weight == 0 {
            return Ok(());
        }
        guided
            .unconditional
            .forward(x, row.time, self.activations, guided.out)?;
        let w = i64::from(guided.weight);
        for (o, u) in out.iter_mut().zip(guided.out.iter()) {
            let gap = (i64::from(*o) - i64::from(*u)).saturating_mul(w);
            let step = rounding_divide_by_pot(gap, STATE_FRAC_BITS);
            *o = saturate_i32(i64::from(*o) + step);
        }
        Ok(())
    }
}

/// One row's update of `x` and `h` from the x̂₀ register `x0`
/// ([`estimate`]), element by element in index order.
fn apply_row<R: Rng + ?Sized>(
    row: &FixedRow<'_>,
    x: &mut [i32],
    x0: &[i32],
    h: &mut [i32],
    rng: &mut R,
) {
    let [_, _, a, b, c, d, e, f, g, ..] = row.coefficients;
    let noisy = !c.is_zero();
    for ((xi, x0), hi) in x.iter_mut().zip(x0).zip(h.iter_mut()) {
        let (x0, z) = (*x0, if noisy { standard_normal_q28(rng) } else { 0 });
        let x_new = a
            .apply(*xi)
            .saturating_add(b.apply(x0))
            .saturating_add(c.apply(z))
            .saturating_add(d.apply(*hi));
        let h_new = e
            .apply(*xi)
            .saturating_add(f.apply(x0))
            .saturating_add(g.apply(*hi));
        (*xi, *hi) = (saturate_i32(x_new), saturate_i32(h_new));
    }
}

/// `a·v + c·z` (Q16.16 from Q16.16 and Q4.28), drawing `z` only when
/// `c ≠ 0`.
fn noised<R: Rng + ?Sized>(a: Coefficient, c: Coefficient, v: i32, rng: &mut R) -> i32 {
    let z = if c.is_zero() {
        0
    } else {
        standard_normal_q28(rng)
    };
    saturate_i32(a.apply(v).saturating_add(c.apply(z)))
}

crate::stepper::forward_stepper!([] FixedSampler<'_, '_>, i32, FixedSampler);
