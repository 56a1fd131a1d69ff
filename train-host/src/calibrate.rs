//! Post-training quantisation for `export --backend fixed`: the time
//! embedding folded into per-row bias tables, activation ranges measured on
//! the f32 model's own reverse trajectories, and the runtime's quantiser
//! applied with the resulting scales.
//!
//! Ranges come from sampling, not from training data: the network sees
//! noisy states at every plan step, whose spread (large at the start of
//! sampling, small at the end) training data does not show. For each
//! activation tensor (the network's input, and the vector after every
//! layer) and each network evaluation, the largest magnitude is recorded;
//! the tensor's clip is the `percentile` of those maxima (100 = the largest
//! seen) times `headroom`, and its int16 scale is the clip over 32767.
//! A class-conditional model is calibrated on guided trajectories of every
//! class in turn ([`CALIBRATION_GUIDANCE`]; 0 for a distilled student
//! that holds its teacher's guidance), each row measured with the class and
//! without, as guided sampling evaluates it.
//!
//! The default headroom is 2: one of int16's 15 bits buys room for states
//! beyond those seen. Measured on the demo models (docs/BENCHMARKS.md), a
//! headroom of 1 lets a few of 2000 DDIM-50 samples saturate and diverge
//! (sliced Wasserstein 9× the f32 model's), while 2 and 4 both stay within
//! 10% of f32.

use crate::host_sampling;
use crate::mlp::{Cache, Mlp};
use crate::random::stream;
use tinyscore::fixed::quantize::TensorScales;
use tinyscore::format::{Layer, Model, ModelSpec, TimeConditioning, WeightsData};
use tinyscore::net::Guidance;
use tinyscore::net::float::sinusoidal_embedding;
use tinyscore::plan::Plan;
use tinyscore::sampler::Sampler;

/// Guidance weight of the trajectories that calibrate a class-conditional
/// model: w = 1, a typical weight; the headroom covers the wider states of
/// stronger guidance.
pub const CALIBRATION_GUIDANCE: f32 = 1.0;

/// How activation ranges are measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// Trajectories sampled with the model's plan.
    pub samples: usize,
    /// Percentile of the per-evaluation maxima used as the clip (0–100].
    pub percentile: f64,
    /// Factor applied to the clip, for states calibration did not see.
    pub headroom: f64,
    /// Seed of the calibration trajectories.
    pub seed: u64,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration {
            samples: 256,
            percentile: 100.0,
            headroom: 2.0,
            seed: 0x0ca1_1b8a,
        }
    }
}

/// Why calibration failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// Sampling the f32 model failed.
    #[error(transparent)]
    Sample(#[from] host_sampling::SampleError),
    /// The settings are unusable.
    #[error("calibration: {0}")]
    Settings(&'static str),
}

/// The parameters of an f32 spec.
fn f32_params<'s>(spec: &'s ModelSpec<'_>) -> &'s [f32] {
    match &spec.weights {
        WeightsData::F32(w) => w,
        _ => &[],
    }
}

/// `spec` (f32, sinusoidal embedding) with the embedding folded into one
/// first-layer bias row per plan row: `W_emb · emb(t_row)`, summed in f64.
pub fn fold_time<'a>(spec: &ModelSpec<'a>) -> ModelSpec<'a> {
    let TimeConditioning::Sinusoidal {
        dim: e,
        max_period,
        scale,
    } = spec.time
    else {
        return spec.clone();
    };
    let (x, e) = (spec.x_dim as usize, e as usize);
    let Some(&Layer::Dense { output, .. }) = spec.layers.first() else {
        return spec.clone();
    };
    let (o, i) = (output as usize, x + e);
    let params = f32_params(spec);
    let (first, rest) = params.split_at((o * i).min(params.len()));
    let mut folded: Vec<f32> = first.chunks(i).flat_map(|row| row[..x].to_vec()).collect();
    folded.extend_from_slice(rest);
    let mut emb = vec![0f32; e];
    let plans = spec
        .plans
        .iter()
        .map(|plan| {
            let mut table = Vec::with_capacity(plan.rows.len() * o);
            for row in &plan.rows {
                sinusoidal_embedding(row.t * scale, max_period, &mut emb);
                for w in first.chunks(i) {
                    let dot: f64 = w[x..]
                        .iter()
                        .zip(&emb)
                        .map(|(w, v)| f64::from(*w) * f64::from(*v))
                        .sum();
                    table.push(dot as f32);
                }
            }
            tinyscore::format::PlanData {
                time_bias: Some(table),
                ..plan.clone()
            }
        })
        .collect();
    let mut layers = spec.layers.clone();
    layers[0] = Layer::Dense {
        input: spec.x_dim,
        output,
    };
    ModelSpec {
        time: TimeConditioning::BiasTable,
        layers,
        weights: WeightsData::F32(folded),
        plans,
        ..spec.clone()
    }
}

/// Scales of every activation tensor of `mlp` (parameters `params`) over
/// trajectories of the f32 model file `f32_model` with its first plan,
/// guided with `guidance` for a class-conditional model
/// ([`CALIBRATION_GUIDANCE`], or 0 for a student that holds its teacher's
/// guidance and samples a class unguided).
pub fn calibrate(
    f32_model: &[u8],
    (mlp, params): (&Mlp, &[f32]),
    cal: &Calibration,
    guidance: f32,
) -> Result<TensorScales, CalibrationError> {
    if cal.samples == 0 || !(cal.percentile > 0.0 && cal.percentile <= 100.0) || cal.headroom < 1.0
    {
        return Err(CalibrationError::Settings(
            "needs samples > 0, percentile in (0, 100] and headroom ≥ 1",
        ));
    }
    let model = Model::parse(f32_model).map_err(host_sampling::SampleError::from)?;
    let plan = model.plan(0).ok_or(host_sampling::SampleError::NoPlan)?;
    let TimeConditioning::Sinusoidal {
        dim: e,
        max_period,
        scale,
    } = model.topology().time()
    else {
        return Err(CalibrationError::Settings(
            "needs a model with a time embedding",
        ));
    };
    let (dim, e, classes) = (mlp.x_dim, e as usize, model.classes());
    let width = mlp.input_width();
    let norm = model.normalization();
    // Unconditional trajectories, or guided ones of every class in turn;
    // a guided row evaluates the network with the class and without.
    let conditions: Vec<Option<Guidance<f32>>> = if classes == 0 {
        vec![None]
    } else {
        (0..classes)
            .map(|class| {
                Some(Guidance {
                    class,
                    weight: guidance,
                })
            })
            .collect()
    };
    let n = cal.samples.div_ceil(conditions.len());
    let mut scratch = vec![0f32; model.scratch_len()];
    let mut sampler =
        Sampler::embedded(&model, 0, &mut scratch).map_err(host_sampling::SampleError::from)?;
    let tensors = mlp.layers.len() + 1;
    let mut maxima: Vec<Vec<f32>> = vec![Vec::new(); tensors];
    let mut states = vec![0f32; n * dim];
    let mut input = vec![0f32; n * width];
    let mut cache = Cache::default();
    for (k, condition) in conditions.iter().enumerate() {
        let seed = cal.seed.wrapping_add(k as u64);
        let traj = host_sampling::sample(f32_model, n, seed, None, *condition, true)?;
        for r in 0..plan.header().rows as usize {
            if r == 0 {
                // The state before row 0: the sampler's own initial noise.
                for (i, x) in states.chunks_exact_mut(dim).enumerate() {
                    sampler
                        .init(x, &mut stream(seed, i as u64))
                        .map_err(host_sampling::SampleError::from)?;
                }
            } else {
                states.copy_from_slice(&traj.trajectory[r - 1]);
                states.chunks_exact_mut(dim).for_each(|x| norm.to_model(x));
            }
            let t = plan.row(r).map_or(0.0, |row| row.t);
            let branches = match condition {
                Some(g) => vec![Some(g.class), None],
                None => vec![None],
            };
            for class in branches {
                for (x, slot) in states.chunks_exact(dim).zip(input.chunks_exact_mut(width)) {
                    slot[..dim].copy_from_slice(x);
                    sinusoidal_embedding(t * scale, max_period, &mut slot[dim..dim + e]);
                    let onehot = &mut slot[dim + e..];
                    onehot.iter_mut().for_each(|v| *v = 0.0);
                    if let Some(v) = onehot.get_mut(class.unwrap_or(classes) as usize) {
                        *v = 1.0;
                    }
                }
                mlp.forward(params, &input, n, &mut cache);
                for (k, values) in cache.values.iter().enumerate() {
                    let w = values.len() / n;
                    // The folded network's input is the state alone.
                    let used = if k == 0 { dim } else { w };
                    for v in values.chunks_exact(w) {
                        maxima[k].push(v[..used].iter().fold(0f32, |m, x| m.max(x.abs())));
                    }
                }
            }
        }
    }
    let clip = |m: &mut Vec<f32>| {
        m.sort_by(f32::total_cmp);
        let k = ((cal.percentile / 100.0) * m.len() as f64).ceil() as usize;
        f64::from(m[k.clamp(1, m.len()) - 1]).max(1e-6) * cal.headroom / 32767.0
    };
    let mut scales: Vec<f64> = maxima.iter_mut().map(clip).collect();
    let input_scale = scales.remove(0);
    Ok(TensorScales {
        input: input_scale,
        after: scales,
    })
}
