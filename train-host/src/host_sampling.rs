//! Sampling on the host through the runtime crate: the same parser, plan
//! and sampler code the device runs, so host samples are what the chip
//! would produce for the same file, plan and seed.

use crate::random::HostRng;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::format::{FormatError, Model, Normalization};
use tinyscore::net::Network;
use tinyscore::plan::{Compiler, Plan, PlanError, PlanRow, PlanSpec, RowsPlan, SamplerKind};
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::schedule::Spacing;

/// A plan other than the file's first embedded one.
#[derive(Clone, Copy, Debug)]
pub struct PlanOverride {
    /// Sampler.
    pub sampler: SamplerKind,
    /// Steps.
    pub steps: u32,
    /// Spacing (discrete schedules).
    pub spacing: Spacing,
}

/// Why sampling failed.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// The model file is invalid.
    #[error("invalid model file: {0}")]
    Format(#[from] FormatError),
    /// The requested plan cannot be compiled.
    #[error("cannot compile the plan: {0}")]
    Plan(#[from] PlanError),
    /// The sampler refused.
    #[error("sampler: {0}")]
    Sampler(#[from] SamplerError),
    /// Nothing to sample with.
    #[error("the model has no embedded plan: give --sampler and --steps")]
    NoPlan,
}

/// Samples in data units, and optionally the state after every row.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Data dimension.
    pub dim: usize,
    /// n×dim samples.
    pub rows: Vec<f32>,
    /// For each plan row, the n×dim states (data units) after it.
    pub trajectory: Vec<Vec<f32>>,
}

/// Draws `n` samples from one generator seeded with `seed`, one sample
/// after the other, with the file's first embedded plan or `plan`.
pub fn sample(
    bytes: &[u8],
    n: usize,
    seed: u64,
    plan: Option<PlanOverride>,
    trajectory: bool,
) -> Result<Samples, SampleError> {
    let model = Model::parse(bytes)?;
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let norm = model.normalization();
    match plan {
        Some(o) => {
            let base = model.plan(0).map(|p| p.header().spec);
            let spec = PlanSpec {
                spacing: o.spacing,
                t_min: base.map_or(1e-3, |s| s.t_min),
                prediction: model.topology().prediction(),
                ..PlanSpec::new(o.sampler, o.steps)
            };
            let compiler = Compiler::new(model.schedule(), spec)?;
            let mut rows = vec![PlanRow::from_array([0.0; 10]); compiler.header().rows as usize];
            let compiled = RowsPlan::compile(&compiler, &mut rows)?;
            let sampler = Sampler::new(&model, compiled, &mut scratch)?;
            draw(sampler, norm, n, seed, trajectory)
        }
        None => {
            if model.plans().is_empty() {
                return Err(SampleError::NoPlan);
            }
            let sampler = Sampler::embedded(&model, 0, &mut scratch)?;
            draw(sampler, norm, n, seed, trajectory)
        }
    }
}

fn draw<P: Plan>(
    mut sampler: Sampler<'_, '_, Network<'_>, P>,
    norm: Normalization<'_>,
    n: usize,
    seed: u64,
    trajectory: bool,
) -> Result<Samples, SampleError> {
    let dim = sampler.x_dim();
    let mut out = Samples {
        dim,
        rows: vec![0.0; n * dim],
        trajectory: Vec::new(),
    };
    if trajectory {
        let rows = sampler.plan().header().rows as usize;
        out.trajectory = vec![vec![0.0; n * dim]; rows];
    }
    let mut rng = HostRng::seed_from_u64(seed);
    for (i, x) in out.rows.chunks_exact_mut(dim).enumerate() {
        if trajectory {
            sampler.init(x, &mut rng)?;
            let mut k = 0;
            while sampler.step(x, &mut rng)? {
                let slot = &mut out.trajectory[k][i * dim..(i + 1) * dim];
                slot.copy_from_slice(x);
                norm.to_data(slot);
                k += 1;
            }
            norm.to_data(x);
        } else {
            sampler.sample(x, &mut rng)?;
        }
    }
    Ok(out)
}
