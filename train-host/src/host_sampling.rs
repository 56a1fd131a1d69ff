//! Sampling on the host through the runtime crate: the same parser, plan
//! and sampler code the device runs, so host samples are what the chip
//! would produce for the same file, plan and seed. Float models (f32, f16)
//! run [`Sampler`]; fixed-point models run [`FixedSampler`] on their
//! embedded plan, and their Q16.16 states are converted to data units only
//! for output.

use crate::random::stream;
use tinyscore::fixed::{FixedSampler, FixedScratch, state_to_f32};
use tinyscore::format::{Backend, FormatError, Model, Normalization};
use tinyscore::net::{Denoiser, Guidance};
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
    /// A stored detector's score of a model that stores none.
    #[error("the model has no anomaly detector: export it with --anomaly-normal DATA")]
    NoDetector,
    /// Data rows do not have the model's dimension.
    #[error("rows have {found} values, the model {expected}")]
    Dimension {
        /// The model's data dimension.
        expected: usize,
        /// The data's.
        found: usize,
    },
    /// A guidance weight the fixed-point backend cannot represent.
    #[error("guidance weight {0} is outside what Q16.16 holds (|w| < 32768)")]
    Guidance(f32),
    /// Step sizes were to be measured for a plan without Langevin steps.
    #[error("the plan has no Langevin steps sized by the signal-to-noise rule")]
    NoSnrRule,
    /// Fixed-point models carry their plans in integers.
    #[error(
        "a fixed-point model runs its embedded plan only: export another model for another plan"
    )]
    FixedPlan,
}

/// The classifier-free guidance weight of a class's samples unless told
/// otherwise (`sample --guidance`, and the teacher of `distill`): the
/// weight with which every sample of every class of the 8 Gaussians falls
/// nearest its own component (docs/BENCHMARKS.md).
pub const GUIDANCE: f32 = 1.0;

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

/// The plan every worker runs.
#[derive(Clone, Copy)]
enum Which<'a> {
    Compiled(RowsPlan<'a>),
    Embedded,
}

/// Draws `n` samples, sample `i` from its own generator
/// [`stream`]`(seed, i)`, so the result does not depend on how many threads
/// share the work; with the file's first embedded plan or `plan`, and for
/// a class-conditional model of the class and weight of `guidance` (none:
/// unconditional).
pub fn sample(
    bytes: &[u8],
    n: usize,
    seed: u64,
    plan: Option<PlanOverride>,
    guidance: Option<Guidance<f32>>,
    trajectory: bool,
) -> Result<Samples, SampleError> {
    let model = Model::parse(bytes)?;
    let dim = model.topology().x_dim() as usize;
    let fixed = model.backend() == Backend::Fixed;
    if fixed && plan.is_some() {
        return Err(SampleError::FixedPlan);
    }
    let mut rows_buf = Vec::new();
    let which = match plan {
        Some(o) => {
            let base = model.plan(0).map(|p| p.header().spec);
            let spec = PlanSpec {
                spacing: o.spacing,
                t_min: base.map_or(1e-3, |s| s.t_min),
                prediction: model.topology().prediction(),
                ..PlanSpec::new(o.sampler, o.steps)
            };
            let compiler = Compiler::new(model.schedule(), spec)?;
            rows_buf.resize(
                compiler.header().rows as usize,
                PlanRow::from_array([0.0; 12]),
            );
            compiler.compile_into(&mut rows_buf)?;
            let (header, rows) = crate::snr_steps::measure(bytes, compiler.header(), rows_buf)?;
            rows_buf = rows;
            Which::Compiled(RowsPlan::new(header, &rows_buf))
        }
        None if model.plan(0).is_none() => return Err(SampleError::NoPlan),
        None => Which::Embedded,
    };
    let plan_rows = match which {
        Which::Compiled(p) => p.header().rows,
        Which::Embedded => model.plan(0).map_or(0, |p| p.header().rows),
    } as usize;
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(n.max(1));
    let per = n.div_ceil(threads).max(1);
    let mut out = Samples {
        dim,
        rows: vec![0.0; n * dim],
        trajectory: Vec::new(),
    };
    // Per sample: its states after every row, sample-major.
    let mut traj = vec![0.0f32; if trajectory { n * plan_rows * dim } else { 0 }];
    let results: Vec<Result<(), SampleError>> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let traj_chunks: Vec<&mut [f32]> = if trajectory {
            traj.chunks_mut(per * plan_rows * dim).collect()
        } else {
            (0..threads).map(|_| &mut [][..]).collect()
        };
        for (k, (rows, traj_chunk)) in out.rows.chunks_mut(per * dim).zip(traj_chunks).enumerate() {
            let model = &model;
            handles.push(scope.spawn(move || -> Result<(), SampleError> {
                let mut scratch = vec![0.0f32; model.scratch_len()];
                let first = k * per;
                if fixed {
                    return draw_fixed(model, guidance, rows, traj_chunk, first, seed);
                }
                let norm = model.normalization();
                match (which, guidance) {
                    (Which::Compiled(p), None) => {
                        let sampler = Sampler::new(model, p, &mut scratch)?;
                        draw(sampler, norm, rows, traj_chunk, first, seed)
                    }
                    (Which::Compiled(p), Some(g)) => {
                        let sampler = Sampler::guided(model, p, g, &mut scratch)?;
                        draw(sampler, norm, rows, traj_chunk, first, seed)
                    }
                    (Which::Embedded, None) => {
                        let sampler = Sampler::embedded(model, 0, &mut scratch)?;
                        draw(sampler, norm, rows, traj_chunk, first, seed)
                    }
                    (Which::Embedded, Some(g)) => {
                        let sampler = Sampler::embedded_guided(model, 0, g, &mut scratch)?;
                        draw(sampler, norm, rows, traj_chunk, first, seed)
                    }
                }
            }));
        }
        join_all(handles)
    });
    for r in results {
        r?;
    }
    if trajectory {
        out.trajectory = (0..plan_rows)
            .map(|r| {
                (0..n)
                    .flat_map(|i| {
                        traj[(i * plan_rows + r) * dim..(i * plan_rows + r + 1) * dim]
                            .iter()
                            .copied()
                    })
                    .collect()
            })
            .collect();
    }
    Ok(out)
}

/// Draws the samples of `rows` (sample indices from `first`), recording
/// each one's states in `traj` when it is not empty.
fn draw<N: Denoiser, P: Plan>(
    mut sampler: Sampler<'_, '_, N, P>,
    norm: Normalization<'_>,
    rows: &mut [f32],
    traj: &mut [f32],
    first: usize,
    seed: u64,
) -> Result<(), SampleError> {
    let dim = sampler.x_dim();
    let plan_rows = sampler.plan().header().rows as usize;
    for (i, x) in rows.chunks_exact_mut(dim).enumerate() {
        let mut rng = stream(seed, (first + i) as u64);
        if traj.is_empty() {
            sampler.sample(x, &mut rng)?;
            crate::progress::tick();
            continue;
        }
        sampler.init(x, &mut rng)?;
        let mut k = 0;
        while sampler.step(x, &mut rng)? {
            let at = (i * plan_rows + k) * dim;
            let slot = &mut traj[at..at + dim];
            slot.copy_from_slice(x);
            norm.to_data(slot);
            tinyscore::finite::check(slot)?;
            k += 1;
        }
        norm.to_data(x);
        tinyscore::finite::check(x)?;
        crate::progress::tick();
    }
    Ok(())
}

/// The fixed-point form of a guidance weight: Q16.16, rounded to nearest.
pub fn q16_guidance(g: Guidance<f32>) -> Result<Guidance<i32>, SampleError> {
    let weight = q16_weight(g.weight).ok_or(SampleError::Guidance(g.weight))?;
    Ok(Guidance {
        class: g.class,
        weight,
    })
}

/// A guidance weight in Q16.16, rounded to nearest, if it fits.
pub fn q16_weight(w: f32) -> Option<i32> {
    let q = (f64::from(w) * 65536.0).round();
    (q.is_finite() && q.abs() < f64::from(i32::MAX)).then_some(q as i32)
}

/// [`draw`] for a fixed-point model's embedded plan 0.
fn draw_fixed(
    model: &Model<'_>,
    guidance: Option<Guidance<f32>>,
    rows: &mut [f32],
    traj: &mut [f32],
    first: usize,
    seed: u64,
) -> Result<(), SampleError> {
    let net = model.fixed_network().ok_or(SamplerError::Backend)?;
    let need = FixedScratch::of(&net);
    let (mut acts, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers]);
    let mut sampler = match guidance {
        None => FixedSampler::embedded(model, 0, &mut acts, &mut regs)?,
        Some(g) => FixedSampler::embedded_guided(model, 0, q16_guidance(g)?, &mut acts, &mut regs)?,
    };
    let dim = sampler.x_dim();
    let plan_rows = model.plan(0).map_or(0, |p| p.header().rows) as usize;
    let norm = model.normalization();
    let to_data = |state: &[i32], out: &mut [f32]| {
        out.iter_mut()
            .zip(state)
            .for_each(|(o, s)| *o = state_to_f32(*s));
        norm.to_data(out);
    };
    let mut state = vec![0i32; dim];
    for (i, x) in rows.chunks_exact_mut(dim).enumerate() {
        let mut rng = stream(seed, (first + i) as u64);
        sampler.init(&mut state, &mut rng)?;
        let mut k = 0;
        while sampler.step(&mut state, &mut rng)? {
            if !traj.is_empty() {
                let at = (i * plan_rows + k) * dim;
                to_data(&state, &mut traj[at..at + dim]);
            }
            k += 1;
        }
        to_data(&state, x);
        crate::progress::tick();
    }
    Ok(())
}

/// Joins scoped threads in order, passing a worker's panic on unchanged.
pub(crate) fn join_all<T>(handles: Vec<std::thread::ScopedJoinHandle<'_, T>>) -> Vec<T> {
    handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        .collect()
}
