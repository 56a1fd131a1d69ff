//! Post-training quantisation of a float model to the fixed-point backend
//! (feature `std`), given the real scale of every activation tensor.
//!
//! Choosing the scales is calibration and belongs to the exporter (which
//! measures activation ranges on the model's own sampling trajectories);
//! turning scales into integers is format knowledge and lives here, next to
//! the kernels that read the result. Weights get one symmetric scale per
//! output channel, `max|W[o,:]|/127` (coarser only for a channel whose bias
//! and time-bias rows would otherwise not fit half of `i32`); biases and time-bias rows go to the
//! accumulator's scale `s_w[o]·s_in`; every rescale becomes a
//! [`Multiplier`]; SiLU and tanh become tables; plan rows become
//! [`Coefficient`]s with the tensor scales at both ends folded in. A model
//! whose time is embedded on the device gets its frequencies and the
//! multiplier from a Q15 sine to the input scale, and its rows their time.

use std::vec::Vec;

use super::encode::activation_table;
use super::level_rule::{self, Level, LevelRule};
use super::{Coefficient, Multiplier, STATE_FRAC_BITS};
use crate::format::{
    Activation, COEFFICIENTS, ClassBiasData, FixedLayerData, FixedPlanData, Layer, LevelRows,
    ModelSpec, PlanData, RowTimeData, TimeConditioning, TimeEmbeddingData, WeightsData,
};
use crate::noise::FRAC_BITS as NOISE_FRAC_BITS;
use crate::plan::level::row_level;
use crate::plan::{RowsPlan, SamplerKind};
use core::fmt;

/// Real scales (value = integer × scale) of the network's activation
/// tensors.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorScales {
    /// The first layer's input (the state, requantised).
    pub input: f64,
    /// The vector after each layer, one per layer. Entries for ReLU and
    /// residual saves are ignored: those keep their input's scale.
    pub after: Vec<f64>,
}

/// Why a model could not be quantised.
#[derive(Clone, Debug, PartialEq)]
pub enum QuantizeError {
    /// The model does not fit what quantisation needs (f32 weights, f32
    /// class-bias rows, a time-bias table per plan when time is folded, a
    /// time within ±32767 when it is embedded); the text says which.
    Input(&'static str),
    /// A scale is missing, not finite or not positive.
    Scale {
        /// Layer index (`None`: the input).
        layer: Option<usize>,
    },
    /// A rescale factor cannot be represented as a [`Multiplier`].
    Multiplier {
        /// Layer index (`None`: the input).
        layer: Option<usize>,
    },
    /// A plan coefficient cannot be represented as a [`Coefficient`].
    Coefficient {
        /// Plan index.
        plan: usize,
        /// Row index.
        row: usize,
    },
}

impl fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |layer: &Option<usize>| match layer {
            Some(k) => std::format!("layer {k}"),
            None => "the input".into(),
        };
        match self {
            QuantizeError::Input(why) => write!(f, "cannot quantise this model: {why}"),
            QuantizeError::Scale { layer } => write!(f, "scale of {} is not positive", at(layer)),
            QuantizeError::Multiplier { layer } => {
                write!(f, "rescale factor of {} is out of range", at(layer))
            }
            QuantizeError::Coefficient { plan, row } => {
                write!(f, "plan {plan} row {row}: coefficient out of range")
            }
        }
    }
}

impl std::error::Error for QuantizeError {}

fn positive(v: Option<&f64>, layer: Option<usize>) -> Result<f64, QuantizeError> {
    match v {
        Some(&s) if s.is_finite() && s > 0.0 => Ok(s),
        _ => Err(QuantizeError::Scale { layer }),
    }
}

fn multiplier(v: f64, layer: Option<usize>) -> Result<Multiplier, QuantizeError> {
    Multiplier::from_real(v).ok_or(QuantizeError::Multiplier { layer })
}

/// The int8 scale of one output channel's weights: `max|w|/127`, or 1 for
/// an all-zero row.
pub fn channel_scale(row: &[f32]) -> f64 {
    let max = row.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
    if max > 0.0 { max / 127.0 } else { 1.0 }
}

/// `w` on the int8 grid of `scale`: rounded to nearest (halves away from
/// zero), saturated to `[−127, 127]`.
pub fn quantize_weight(w: f32, scale: f64) -> i8 {
    (f64::from(w) / scale).round().clamp(-127.0, 127.0) as i8
}

fn round_i32(v: f64) -> i32 {
    v.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

/// The quantised network and what the plans need from it.
struct Quantised {
    input: Multiplier,
    layers: Vec<FixedLayerData>,
    /// Accumulator scale of each output of the first dense layer.
    first_accumulator: Vec<f64>,
    /// Scale of the network's output.
    output: f64,
}

/// Largest magnitude a bias (with its largest time-bias row) may take in
/// accumulator units: half of `i32`, leaving the other half for `Σ w·x`.
const BIAS_LIMIT: f64 = (1u64 << 30) as f64;

/// `first_extra[o]` bounds what is added to the bias of output `o` of the
/// first dense layer: its largest `|time bias|` over every plan row plus its
/// largest `|class bias|`.
fn quantise_layers(
    spec: &ModelSpec<'_>,
    params: &[f32],
    scales: &TensorScales,
    first_extra: &[f64],
) -> Result<Quantised, QuantizeError> {
    let mut s = positive(Some(&scales.input), None)?;
    let input = multiplier(1.0 / (f64::from(1u32 << STATE_FRAC_BITS) * s), None)?;
    let mut saved = s;
    let mut offset = 0usize;
    let mut layers = Vec::with_capacity(spec.layers.len());
    let mut first_accumulator = Vec::new();
    for (k, layer) in spec.layers.iter().enumerate() {
        let after = || positive(scales.after.get(k), Some(k));
        let data = match *layer {
            Layer::Dense { input, output } => {
                let (i, o) = (input as usize, output as usize);
                let w = params
                    .get(offset..offset + o * i)
                    .ok_or(QuantizeError::Input("too few weights"))?;
                let b = params
                    .get(offset + o * i..offset + o * i + o)
                    .ok_or(QuantizeError::Input("too few weights"))?;
                offset += o * i + o;
                let s_out = after()?;
                let mut weights = Vec::with_capacity(o * i);
                let mut bias = Vec::with_capacity(o);
                let mut multipliers = Vec::with_capacity(o);
                let mut accumulator = Vec::with_capacity(o);
                let first = first_accumulator.is_empty();
                for (o, (row, &b)) in w.chunks(i.max(1)).zip(b).enumerate() {
                    // A channel whose bias dwarfs its weights gets a coarser
                    // weight grid rather than a bias that leaves i32.
                    let extra = if first {
                        first_extra.get(o).copied().unwrap_or(0.0)
                    } else {
                        0.0
                    };
                    let s_w =
                        channel_scale(row).max((f64::from(b).abs() + extra) / (BIAS_LIMIT * s));
                    weights.extend(row.iter().map(|&v| quantize_weight(v, s_w)));
                    let acc = s_w * s;
                    bias.push(round_i32(f64::from(b) / acc));
                    multipliers.push(multiplier(acc / s_out, Some(k))?);
                    accumulator.push(acc);
                }
                if first_accumulator.is_empty() {
                    first_accumulator = accumulator;
                }
                s = s_out;
                FixedLayerData::Dense {
                    bias,
                    multipliers,
                    weights,
                }
            }
            Layer::Activation(Activation::Relu) => FixedLayerData::Empty,
            Layer::Activation(a) => {
                let s_out = after()?;
                let f = match a {
                    Activation::Tanh => f64::tanh,
                    _ => |x: f64| x / (1.0 + (-x).exp()),
                };
                let table = activation_table(f, s, s_out).to_vec();
                s = s_out;
                FixedLayerData::Table(table)
            }
            Layer::SaveResidual => {
                saved = s;
                FixedLayerData::Empty
            }
            Layer::AddResidual => {
                let s_out = after()?;
                let data = FixedLayerData::Add {
                    current: multiplier(s / s_out, Some(k))?,
                    saved: multiplier(saved / s_out, Some(k))?,
                };
                s = s_out;
                data
            }
        };
        layers.push(data);
    }
    Ok(Quantised {
        input,
        layers,
        first_accumulator,
        output: s,
    })
}

/// A first-layer bias row (time or class) in accumulator units.
fn to_accumulator<'r>(row: &'r [f32], accumulator: &'r [f64]) -> impl Iterator<Item = i32> + 'r {
    row.iter()
        .zip(accumulator)
        .map(|(&v, &acc)| round_i32(f64::from(v) / acc))
}

/// How the network sees the time in integers.
enum TimeForm {
    /// Folded into first-layer bias rows, one table per plan.
    Folded,
    /// Embedded on the device: each row carries `τ = t·scale`.
    Embedded {
        /// The factor from the schedule's time to `τ`.
        scale: f32,
    },
}

/// Largest `|τ|` a row may carry: Q16.16 in an `i32`.
const TAU_LIMIT: f64 = 32767.0;

/// The integer form of one plan.
fn quantise_plan(
    index: usize,
    plan: &PlanData,
    net: &Quantised,
    time: &TimeForm,
) -> Result<FixedPlanData, QuantizeError> {
    let bad = |row| QuantizeError::Coefficient { plan: index, row };
    let width = net.first_accumulator.len();
    let state = f64::from(1u32 << STATE_FRAC_BITS);
    // Noise is Q4.28, the state Q16.16.
    let noise = state / f64::from(1u32 << NOISE_FRAC_BITS);
    let rows_plan = RowsPlan::new(plan.header, &plan.rows);
    let mut rows = Vec::with_capacity(plan.rows.len());
    for (r, row) in plan.rows.iter().enumerate() {
        let [_, p, q, a, b, c, d, e, f, g, ..] = row.to_array().map(f64::from);
        let level = row_level(&rows_plan, r).map_or([0.0; 4], |l| {
            [l.alpha, l.sigma * noise, l.back_a, l.back_c * noise]
        });
        let [alpha, sigma, back_a, back_c] = level;
        let reals = [
            p,
            q * net.output * state,
            a,
            b,
            c * noise,
            d,
            e,
            f,
            g,
            alpha,
            sigma,
            back_a,
            back_c,
        ];
        let mut coefficients = [Coefficient::default(); COEFFICIENTS];
        for (slot, v) in coefficients.iter_mut().zip(reals) {
            *slot = Coefficient::packable(v).ok_or(bad(r))?;
        }
        let row_time = match time {
            TimeForm::Folded => {
                let table = plan
                    .time_bias
                    .as_ref()
                    .ok_or(QuantizeError::Input("a plan has no time-bias table"))?;
                let bias_row = table
                    .get(r * width..(r + 1) * width)
                    .ok_or(QuantizeError::Input("time-bias table too short"))?;
                RowTimeData::Bias(to_accumulator(bias_row, &net.first_accumulator).collect())
            }
            TimeForm::Embedded { scale } => {
                let tau = f64::from(row.t) * f64::from(*scale);
                if tau.abs() > TAU_LIMIT {
                    return Err(QuantizeError::Input(
                        "a row's time times the embedding scale exceeds 32767",
                    ));
                }
                RowTimeData::Input(round_i32(tau * state))
            }
        };
        rows.push((coefficients, row_time));
    }
    let levels = match time {
        TimeForm::Embedded { .. } => level_rows(plan, &rows_plan, &mut rows, net.output * state),
        TimeForm::Folded => None,
    };
    Ok(FixedPlanData {
        init: Coefficient::from_real(f64::from(plan.header.init_std) * noise).ok_or(bad(0))?,
        clip: plan
            .header
            .spec
            .clip
            .map_or(0, |c| round_i32(f64::from(c) * state).max(1)),
        rows,
        levels,
    })
}

/// The level-row form of `plan` (format 1.9) if its sampler has a level
/// rule and every row its level: each row's `α, σ` packed, and `rows`'
/// coefficients replaced by what the runtime derives from them, so that
/// the file's data says what the device computes.
fn level_rows(
    plan: &PlanData,
    rows_plan: &RowsPlan<'_>,
    rows: &mut [([Coefficient; COEFFICIENTS], RowTimeData)],
    q_scale: f64,
) -> Option<LevelRows> {
    let sampler = plan.header.spec.sampler;
    let eta = match sampler {
        SamplerKind::Ddim { eta } => eta,
        _ => 0.0,
    };
    let rule = LevelRule::of(sampler, Coefficient::packable(eta)?)?;
    let levels = (0..plan.rows.len())
        .map(|r| {
            let level = row_level(rows_plan, r)?;
            Some(Level {
                alpha: Coefficient::packable(level.alpha)?,
                sigma: Coefficient::packable(level.sigma)?,
            })
        })
        .collect::<Option<Vec<Level>>>()?;
    let q_scale = Coefficient::packable(q_scale)?;
    let prediction = plan.header.spec.prediction;
    for (r, (coefficients, _)) in rows.iter_mut().enumerate() {
        let here = *levels.get(r)?;
        let next = levels.get(r + 1).copied();
        *coefficients = level_rule::derive_coefficients(rule, prediction, q_scale, here, next);
    }
    Some(LevelRows {
        rule,
        q_scale,
        levels,
    })
}

/// The integer time embedding of a sinusoidal embedding of width `dim`
/// (cosines then sines of `τ·ω_k`, `ω_k = max_period^(−k/half)`, as
/// [`crate::net::float::sinusoidal_embedding`]) feeding an input tensor of
/// scale `s`.
fn time_embedding(dim: u32, max_period: f32, s: f64) -> Result<TimeEmbeddingData, QuantizeError> {
    let half = dim / 2;
    let turn = 2f64.powi(32);
    let frequencies = (0..half)
        .map(|k| {
            let omega = (-f64::from(max_period).ln() * f64::from(k) / f64::from(half)).exp();
            let f = (omega / core::f64::consts::TAU * turn).round();
            // ω ≤ 1, so f < 2³² (a turn per unit of τ at most).
            f as u32
        })
        .collect();
    Ok(TimeEmbeddingData {
        scale: multiplier(1.0 / (32768.0 * s), None)?,
        frequencies,
    })
}

/// The fixed-point version of `spec`, a model with f32 weights whose time
/// conditioning is either folded into a bias table for each plan
/// ([`TimeConditioning::BiasTable`]: the rows carry bias rows) or the
/// sinusoidal embedding (the rows carry their time, and the file the
/// integer embedding; the input scale is widened to hold ±1 if need be).
pub fn quantize<'a>(
    spec: &ModelSpec<'a>,
    scales: &TensorScales,
) -> Result<ModelSpec<'a>, QuantizeError> {
    let WeightsData::F32(params) = &spec.weights else {
        return Err(QuantizeError::Input("weights must be f32"));
    };
    let width = spec
        .layers
        .iter()
        .find_map(|l| match *l {
            Layer::Dense { output, .. } => Some(output as usize),
            _ => None,
        })
        .unwrap_or(0);
    let largest = |tables: &mut dyn Iterator<Item = &Vec<f32>>| {
        let mut largest = std::vec![0f64; width];
        for row in tables.flat_map(|t| t.chunks(width.max(1))) {
            for (m, &t) in largest.iter_mut().zip(row) {
                *m = m.max(f64::from(t).abs());
            }
        }
        largest
    };
    let class_rows = match &spec.class_bias {
        None => None,
        Some(ClassBiasData::F32 { classes, rows }) => Some((*classes, rows)),
        Some(ClassBiasData::I32 { .. }) => {
            return Err(QuantizeError::Input("class-bias rows must be f32"));
        }
    };
    let class = largest(&mut class_rows.map(|(_, rows)| rows).into_iter());
    let (net, embedding) = match spec.time {
        TimeConditioning::BiasTable => {
            let time = largest(&mut spec.plans.iter().filter_map(|p| p.time_bias.as_ref()));
            let first_extra: Vec<f64> = time.iter().zip(&class).map(|(t, c)| t + c).collect();
            (quantise_layers(spec, params, scales, &first_extra)?, None)
        }
        TimeConditioning::Sinusoidal {
            dim,
            max_period,
            scale,
        } => {
            // The embedding's ±1 must fit the int16 input.
            let widened = TensorScales {
                input: scales.input.max(1.0 / f64::from(super::ACTIVATION_MAX)),
                ..scales.clone()
            };
            let net = quantise_layers(spec, params, &widened, &class)?;
            let embedding = time_embedding(dim, max_period, widened.input)?;
            (net, Some((embedding, scale)))
        }
    };
    let class_bias = class_rows.map(|(classes, rows)| ClassBiasData::I32 {
        classes,
        rows: rows
            .chunks(width.max(1))
            .flat_map(|row| to_accumulator(row, &net.first_accumulator))
            .collect(),
    });
    let time = match &embedding {
        None => TimeForm::Folded,
        Some((_, scale)) => TimeForm::Embedded { scale: *scale },
    };
    let mut plans = Vec::with_capacity(spec.plans.len());
    for (i, plan) in spec.plans.iter().enumerate() {
        plans.push(PlanData {
            header: plan.header,
            rows: plan.rows.clone(),
            time_bias: None,
            fixed: Some(quantise_plan(i, plan, &net, &time)?),
        });
    }
    Ok(ModelSpec {
        weights: WeightsData::Fixed {
            input: net.input,
            layers: net.layers,
        },
        plans,
        class_bias,
        time_embedding: embedding.map(|(e, _)| e),
        ..spec.clone()
    })
}
