//! Data through the runtime: imputation, denoising and anomaly scores for
//! every row of a data set, on all cores, in whichever backend the model
//! file holds.
//!
//! Each row `i` gets its own generator `stream(seed, i)`, so results do not
//! depend on the number of threads. Rows go to model units with the model's
//! normalisation and, for a fixed-point model, to Q16.16; the procedures
//! themselves are the runtime's ([`tinyscore::stepper::Stepper`]), so the
//! host computes what the device would.

use crate::host_sampling::{SampleError, join_all};
use crate::random::{HostRng, stream};
use tinyscore::fixed::{FixedSampler, FixedScratch, STATE_FRAC_BITS, state_to_f32};
use tinyscore::format::{AnomalyDetector, Model};
use tinyscore::plan::Plan;
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::stepper::{StateValue, Stepper};

/// One row's work: the row in model units and its generator; its score.
type RowFn<'a> = dyn FnMut(&mut [f32], &mut HostRng) -> Result<f64, SamplerError> + 'a;

/// A state value on the host side of the runtime.
trait HostValue: StateValue + Send {
    fn from_model(v: f32) -> Self;
    fn to_model(self) -> f32;
    fn score_to_f64(score: Self::Score) -> f64;
}

impl HostValue for f32 {
    fn from_model(v: f32) -> Self {
        v
    }
    fn to_model(self) -> f32 {
        self
    }
    fn score_to_f64(score: f32) -> f64 {
        f64::from(score)
    }
}

/// Q16.16, rounded and saturated.
impl HostValue for i32 {
    fn from_model(v: f32) -> Self {
        let q = (f64::from(v) * f64::from(1u32 << STATE_FRAC_BITS)).round();
        q.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
    }
    fn to_model(self) -> f32 {
        state_to_f32(self)
    }
    /// Q32.32 to a real number.
    fn score_to_f64(score: i64) -> f64 {
        score as f64 / (1u64 << 32) as f64
    }
}

/// What is done to each row.
#[derive(Clone, Debug, PartialEq)]
pub enum Task {
    /// Fill in the NaN coordinates (RePaint with `resample` passes per row;
    /// 1 is plain replacement).
    Impute {
        /// Passes per plan row.
        resample: u32,
    },
    /// SDEdit from plan row `row`: noise to its level, then run the plan.
    Denoise {
        /// The plan row to start at.
        row: u32,
    },
    /// One Tweedie step: the row taken as `x₀ + (σ_k/α_k)·n` (noise of
    /// plan row `row`'s level), scaled by `α_k` and denoised by x̂₀.
    Tweedie {
        /// The plan row whose level the noise matches.
        row: u32,
        /// Its `α_k`.
        alpha: f32,
    },
    /// The runtime's anomaly score ([`Stepper::anomaly_score`]) over the
    /// given plan rows, `repeats` noise draws each.
    Score {
        /// Plan rows whose levels are used.
        rows: Vec<u32>,
        /// Noise draws per row.
        repeats: u32,
    },
    /// The score of the model's stored detector ([`Stepper::detect`]).
    Detect,
}

impl Task {
    /// Runs on one row `x` (model units, NaN = missing); returns the score
    /// (0 for the other tasks), and rewrites `x` for imputation and denoising.
    fn run<S: Stepper>(
        &self,
        s: &mut S,
        x: &mut [f32],
        rng: &mut HostRng,
        detector: Option<&AnomalyDetector<'_>>,
    ) -> Result<f64, SamplerError>
    where
        S::Value: HostValue,
    {
        let mut state: Vec<S::Value> = x.iter().map(|&v| S::Value::from_model(v)).collect();
        match self {
            Task::Impute { resample } => {
                let mask: Vec<bool> = x.iter().map(|v| !v.is_nan()).collect();
                let observed: Vec<S::Value> = x
                    .iter()
                    .map(|&v| S::Value::from_model(if v.is_nan() { 0.0 } else { v }))
                    .collect();
                s.impute(&mut state, &observed, &mask, *resample, rng)?;
            }
            Task::Denoise { row } => s.sdedit(&mut state, *row, rng)?,
            Task::Tweedie { row, alpha } => {
                let noisy: Vec<S::Value> = x
                    .iter()
                    .map(|&v| S::Value::from_model(*alpha * v))
                    .collect();
                s.estimate_x0(&noisy, *row, &mut state)?;
            }
            Task::Score { rows, repeats } => {
                let mut work = vec![S::Value::default(); 2 * x.len()];
                let score =
                    s.anomaly_score(&state, rows.iter().copied(), *repeats, &mut work, rng)?;
                return Ok(S::Value::score_to_f64(score));
            }
            Task::Detect => {
                // `run` refuses a model without a detector before this.
                let Some(d) = detector else {
                    return Ok(f64::NAN);
                };
                let mut work = vec![S::Value::default(); 2 * x.len()];
                let verdict = s.detect(&state, d, &mut work, rng)?;
                return Ok(S::Value::score_to_f64(verdict.score));
            }
        }
        x.iter_mut()
            .zip(&state)
            .for_each(|(v, s)| *v = s.to_model());
        Ok(0.0)
    }
}

/// The first row of plan 0 whose network time is at most `t` (the last row
/// if none is).
pub fn row_at(model: &Model<'_>, t: f64) -> Result<u32, SampleError> {
    let plan = model.plan(0).ok_or(SampleError::NoPlan)?;
    let rows = plan.header().rows;
    Ok((0..rows)
        .find(|&k| plan.row(k as usize).is_some_and(|r| f64::from(r.t) <= t))
        .unwrap_or(rows.saturating_sub(1)))
}

/// `α` of plan row `row` of plan 0.
pub fn row_alpha(model: &Model<'_>, row: u32) -> Result<f32, SampleError> {
    let plan = model.plan(0).ok_or(SampleError::NoPlan)?;
    plan.row(row as usize)
        .map(|r| r.alpha)
        .ok_or(SampleError::NoPlan)
}

/// Runs `task` on every row of `data` (n × dim, data units) with plan 0 of
/// the model in `bytes`, rewriting `data` (imputation, denoising) and
/// returning one score per row (anomaly scores; zeros otherwise).
pub fn run(
    bytes: &[u8],
    data: &mut [f32],
    dim: usize,
    seed: u64,
    task: &Task,
) -> Result<Vec<f64>, SampleError> {
    let model = Model::parse(bytes)?;
    let expected = model.topology().x_dim() as usize;
    if dim != expected {
        return Err(SampleError::Dimension {
            expected,
            found: dim,
        });
    }
    let detector = match task {
        Task::Detect => Some(model.anomaly().ok_or(SampleError::NoDetector)?),
        _ => None,
    };
    let n = data.len() / dim.max(1);
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(n.max(1));
    let per = n.div_ceil(threads).max(1);
    let mut scores = vec![0f64; n];
    let norm = model.normalization();
    let results: Vec<Result<(), SampleError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = data
            .chunks_mut(per * dim)
            .zip(scores.chunks_mut(per))
            .enumerate()
            .map(|(k, (rows, scores))| {
                let model = &model;
                scope.spawn(move || -> Result<(), SampleError> {
                    let first = k * per;
                    let mut each = |s: &mut RowFn<'_>| {
                        for (i, (x, score)) in rows
                            .chunks_exact_mut(dim)
                            .zip(scores.iter_mut())
                            .enumerate()
                        {
                            norm.to_model(x);
                            *score = s(x, &mut stream(seed, (first + i) as u64))?;
                            norm.to_data(x);
                            tinyscore::finite::check(x)?;
                            crate::progress::tick();
                        }
                        Ok::<(), SampleError>(())
                    };
                    match model.fixed_network() {
                        Some(net) => {
                            let need = FixedScratch::of(&net);
                            let (mut a, mut r) =
                                (vec![0i16; need.activations], vec![0i32; need.registers]);
                            let mut sampler = FixedSampler::embedded(model, 0, &mut a, &mut r)?;
                            each(&mut |x, rng| task.run(&mut sampler, x, rng, detector.as_ref()))
                        }
                        None => {
                            let mut scratch = vec![0f32; model.scratch_len()];
                            let mut sampler = Sampler::embedded(model, 0, &mut scratch)?;
                            each(&mut |x, rng| task.run(&mut sampler, x, rng, detector.as_ref()))
                        }
                    }
                })
            })
            .collect();
        join_all(handles)
    });
    for r in results {
        r?;
    }
    Ok(scores)
}

/// The `p`-th percentile (0–100] of `scores` (the smallest value with at
/// least p% of the scores at or below it).
pub fn percentile(scores: &[f64], p: f64) -> f64 {
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let k = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted
        .get(k.clamp(1, sorted.len().max(1)) - 1)
        .copied()
        .unwrap_or(0.0)
}
