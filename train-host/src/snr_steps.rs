//! Langevin step sizes by score_sde's signal-to-noise rule, measured on a
//! model's own trajectories.
//!
//! score_sde's `LangevinCorrector` sizes each step as
//! `δ = 2α·(snr·‖z‖/‖∇log p‖)²`, with `‖z‖` and `‖∇log p‖` the norms of
//! the step's noise and of the model's score averaged over the batch being
//! sampled (α = 1 here, docs/ARCHITECTURE.md). The step depends on the
//! states, not only on the schedule, so a plan compiled from the schedule
//! alone takes the norms of Gaussian data, `δ = 2(snr·σ)²`
//! ([`tinyscore::plan::SnrStep`]). The states' own norms can be had in two
//! ways: on the device, per sample (two dot products per step, with a batch
//! of one), or measured here on a batch of the model's trajectories and
//! stored in the plan's rows, which keeps the plan a table. docs/BENCHMARKS.md
//! ("Langevin step sizes") compares the two: the exporter measures
//! ([`Pooling::Batch`]); [`Pooling::PerSample`] is the per-sample rule,
//! simulated on the host for that comparison.

use std::cell::RefCell;

use crate::host_sampling::SampleError;
use crate::random::{HostRng, stream};
use tinyscore::format::Model;
use tinyscore::noise::standard_normal;
use tinyscore::plan::{Plan, PlanHeader, PlanRow, with_langevin_step};
use tinyscore::sampler::Sampler;

/// Trajectories the exporter measures the steps on.
pub const TRAJECTORIES: usize = 256;

/// Seed of the exporter's trajectories.
pub const SEED: u64 = 0;

/// Over what the norms of score_sde's rule are averaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pooling {
    /// The whole batch, as score_sde: one step per row, the same for every
    /// trajectory (what the exporter stores).
    Batch,
    /// Each trajectory alone: a step per row and sample, what a device
    /// sampling one sample at a time would compute.
    PerSample,
}

/// The outcome of [`run`].
#[derive(Clone, Debug)]
pub struct Measured {
    /// The plan's rows with measured Langevin steps (with
    /// [`Pooling::PerSample`], the last trajectory's).
    pub rows: Vec<PlanRow>,
    /// The trajectories' end states, n × dim in data units.
    pub samples: Vec<f32>,
}

/// Rows shared between the samplers and the measurement, which rewrites a
/// Langevin row before the samplers run it.
struct SharedRows {
    header: PlanHeader,
    rows: RefCell<Vec<PlanRow>>,
}

impl Plan for SharedRows {
    fn header(&self) -> PlanHeader {
        self.header
    }
    fn row(&self, i: usize) -> Option<PlanRow> {
        self.rows.borrow().get(i).copied()
    }
}

/// Runs `n` trajectories of the float model `bytes` over the plan
/// (`header`, `rows`: a Langevin or predictor–corrector plan compiled for
/// it), trajectory `i` from [`stream`]`(seed, i)`, sizing every Langevin
/// row by the signal-to-noise rule with the norms of the states it is
/// applied to, pooled as `pooling` says. The noise norm is that of the
/// noise the row then draws.
pub fn run(
    bytes: &[u8],
    header: PlanHeader,
    rows: &[PlanRow],
    n: usize,
    seed: u64,
    pooling: Pooling,
) -> Result<Measured, SampleError> {
    let model = Model::parse(bytes)?;
    let dim = model.topology().x_dim() as usize;
    let spec = header.spec;
    let rule = spec.sampler.snr_step().ok_or(SampleError::NoSnrRule)?;
    let plan = SharedRows {
        header,
        rows: RefCell::new(rows.to_vec()),
    };
    let mut scratch = vec![vec![0.0f32; model.scratch_len()]; n];
    let mut samplers = scratch
        .iter_mut()
        .map(|s| Sampler::new(&model, &plan, s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rngs: Vec<HostRng> = (0..n).map(|i| stream(seed, i as u64)).collect();
    let mut x = vec![0.0f32; n * dim];
    let mut x0 = vec![0.0f32; dim];
    for ((s, xi), rng) in samplers.iter_mut().zip(x.chunks_mut(dim)).zip(&mut rngs) {
        s.init(xi, rng)?;
    }
    let mut norms = vec![(0.0f64, 0.0f64); n];
    for i in 0..header.rows {
        if spec.sampler.is_langevin_row(i, spec.steps) {
            let row = plan.rows.borrow()[i as usize];
            let samples = samplers.iter_mut().zip(x.chunks(dim)).zip(&rngs);
            for (((s, xi), rng), norm) in samples.zip(&mut norms) {
                s.estimate_x0(xi, i, &mut x0)?;
                *norm = (noise_norm(rng, dim), score_norm(&row, xi, &x0));
            }
            let step = |(z, s): (f64, f64)| with_langevin_step(&row, rule.from_norms(z, s));
            match pooling {
                Pooling::Batch => {
                    let mean =
                        |f: fn(&(f64, f64)) -> f64| norms.iter().map(f).sum::<f64>() / n as f64;
                    let measured = step((mean(|v| v.0), mean(|v| v.1)))?;
                    plan.rows.borrow_mut()[i as usize] = measured;
                    step_all(&mut samplers, &mut x, &mut rngs, dim)?;
                }
                Pooling::PerSample => {
                    let samples = samplers.iter_mut().zip(x.chunks_mut(dim)).zip(&mut rngs);
                    for (((s, xi), rng), norm) in samples.zip(&norms) {
                        plan.rows.borrow_mut()[i as usize] = step(*norm)?;
                        s.step(xi, rng)?;
                    }
                }
            }
        } else {
            step_all(&mut samplers, &mut x, &mut rngs, dim)?;
        }
    }
    drop(samplers);
    let normalization = model.normalization();
    x.chunks_mut(dim).for_each(|xi| normalization.to_data(xi));
    Ok(Measured {
        rows: plan.rows.into_inner(),
        samples: x,
    })
}

/// The plan of `header` and `rows` for the float model `bytes`, its
/// Langevin rows measured on [`TRAJECTORIES`] trajectories
/// ([`Pooling::Batch`]) and its spec marked measured. Plans without the
/// signal-to-noise rule come back as they are.
pub fn measure(
    bytes: &[u8],
    header: PlanHeader,
    rows: Vec<PlanRow>,
) -> Result<(PlanHeader, Vec<PlanRow>), SampleError> {
    if header.spec.sampler.snr_step().is_none() {
        return Ok((header, rows));
    }
    let measured = run(bytes, header, &rows, TRAJECTORIES, SEED, Pooling::Batch)?;
    let mut header = header;
    header.spec.sampler = header.spec.sampler.measured();
    Ok((header, measured.rows))
}

/// Runs the next row on every trajectory.
fn step_all<P: Plan>(
    samplers: &mut [Sampler<'_, '_, tinyscore::net::Network<'_>, P>],
    x: &mut [f32],
    rngs: &mut [HostRng],
    dim: usize,
) -> Result<(), SampleError> {
    for ((s, xi), rng) in samplers.iter_mut().zip(x.chunks_mut(dim)).zip(rngs) {
        s.step(xi, rng)?;
    }
    Ok(())
}

/// `‖z‖` of the noise the generator will draw next for a state of `dim`
/// elements (a copy of the generator draws it).
fn noise_norm(rng: &HostRng, dim: usize) -> f64 {
    let mut ahead = rng.clone();
    let sum: f64 = (0..dim)
        .map(|_| f64::from(standard_normal(&mut ahead)).powi(2))
        .sum();
    sum.sqrt()
}

/// `‖∇log p‖ = ‖x − α·x̂₀‖/σ²` at the level of `row`.
fn score_norm(row: &PlanRow, x: &[f32], x0: &[f32]) -> f64 {
    let (alpha, sigma) = (f64::from(row.alpha), f64::from(row.sigma));
    let sum: f64 = x
        .iter()
        .zip(x0)
        .map(|(&v, &d)| (f64::from(v) - alpha * f64::from(d)).powi(2))
        .sum();
    sum.sqrt() / (sigma * sigma)
}
