//! Writing model files (feature `std`): the exact inverse of the parser.

use std::vec;
use std::vec::Vec;

use super::container::{CRC_OFFSET, align_up, file_crc};
use super::data_range::{FLAG_CLIP, FLAG_DYNAMIC};
use super::fixed_plan::{self, LEVEL_LAYOUT, PACKED_LAYOUT, TIME_INPUT, packed, rule_code};
use super::int8_matrix::{WeightLayout, tile};
use super::plan_section::{self, PLAN_HEADER_LEN, ROWS_NOT_STORED, spec_fields};
use super::schedule_section::fields;
use super::topology::{TOPOLOGY_HEADER_LEN, prediction_code};
use super::{
    FLAG_REQUIRED, FixedLayer, FormatError, HEADER_LEN, Layer, MAGIC, Model, SECTION_ENTRY_LEN,
    SectionKind, TimeConditioning, VERSION_MAJOR, VERSION_MINOR, VERSION_MINOR_DYNAMIC,
    VERSION_MINOR_FIXED, VERSION_MINOR_HELD, VERSION_MINOR_STATIC,
};
use crate::fixed::level_rule::{Level, LevelRule};
use crate::fixed::{Coefficient, Multiplier};
use crate::plan::{Compiler, PlanHeader, PlanRow, Prediction};
use crate::schedule::{BetaSchedule, Schedule};

/// The integer form of a plan, for fixed-point models.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPlanData {
    /// Initial noise scale (Q4.28 noise to Q16.16 state).
    pub init: Coefficient,
    /// x̂₀ clip bound in Q16.16, 0 for none.
    pub clip: i32,
    /// Per row: coefficients `p, q, a, b, c, d, e, f, g, α, σ, back_a,
    /// back_c` ([`super::FixedRow`]), and the row's time.
    pub rows: Vec<([Coefficient; super::COEFFICIENTS], RowTimeData)>,
    /// The level-row form (format 1.9): when set, the section stores these
    /// levels and the rows' times, and `rows` holds the coefficients the
    /// runtime derives from them.
    pub levels: Option<LevelRows>,
}

/// The rows of a fixed-point plan as levels ([`crate::fixed::level_rule`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LevelRows {
    /// How coefficients follow from levels.
    pub rule: LevelRule,
    /// From the network's int16 output to Q16.16.
    pub q_scale: Coefficient,
    /// Each row's level.
    pub levels: Vec<Level>,
}

/// A fixed-point plan row's time ([`super::RowTime`]).
#[derive(Clone, Debug, PartialEq)]
pub enum RowTimeData {
    /// The first dense layer's time-bias row, in its accumulator units.
    Bias(Vec<i32>),
    /// The time `τ = t·scale`, Q16.16, for a model with a time embedding.
    Input(i32),
}

/// The integer time embedding of a fixed-point model (section kind 17,
/// [`super::TimeEmbedding`]).
#[derive(Clone, Debug, PartialEq)]
pub struct TimeEmbeddingData {
    /// From a Q15 sine to the first dense layer's input units.
    pub scale: Multiplier,
    /// `ω_k/2π` in turns per unit of `τ`, Q0.32; the embedding is twice as
    /// wide.
    pub frequencies: Vec<u32>,
}

/// An embedded plan to write.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanData {
    /// Its header (spec, row count, initial noise scale).
    pub header: PlanHeader,
    /// Its rows.
    pub rows: Vec<PlanRow>,
    /// For float bias-table models: one first-layer bias row per plan row,
    /// concatenated.
    pub time_bias: Option<Vec<f32>>,
    /// For fixed-point models: the plan in integers.
    pub fixed: Option<FixedPlanData>,
}

/// One layer's fixed-point parameters, in topology order.
#[derive(Clone, Debug, PartialEq)]
pub enum FixedLayerData {
    /// A dense layer.
    Dense {
        /// Bias in accumulator units.
        bias: Vec<i32>,
        /// Per output channel requantisation.
        multipliers: Vec<Multiplier>,
        /// Weights, output × input, row-major.
        weights: Vec<i8>,
    },
    /// A ReLU, a residual save: nothing stored.
    Empty,
    /// Another activation's table ([`crate::fixed::lut::LUT_LEN`] entries).
    Table(Vec<i16>),
    /// A residual add.
    Add {
        /// Current-vector rescale.
        current: Multiplier,
        /// Saved-vector rescale.
        saved: Multiplier,
    },
}

/// The class-bias rows of a class-conditional model (section kind 11,
/// [`super::ClassBias`]): `classes + 1` rows of the first dense layer's
/// width, the unconditional row last.
#[derive(Clone, Debug, PartialEq)]
pub enum ClassBiasData {
    /// For f32 and f16 models.
    F32 {
        /// Number of classes.
        classes: u32,
        /// The rows, concatenated.
        rows: Vec<f32>,
    },
    /// For fixed-point models, in the first dense layer's accumulator units.
    I32 {
        /// Number of classes.
        classes: u32,
        /// The rows, concatenated.
        rows: Vec<i32>,
    },
}

/// The weights of a model, in one backend.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsData {
    /// For each dense layer in order: weights (row-major), then bias.
    F32(Vec<f32>),
    /// The same values as [`WeightsData::F32`]; `W` is rounded to binary16
    /// (to nearest, ties to even) when written, biases stay f32.
    F16(Vec<f32>),
    /// Fixed-point parameters.
    Fixed {
        /// State (Q16.16) to first-layer input requantisation.
        input: Multiplier,
        /// One entry per layer.
        layers: Vec<FixedLayerData>,
    },
}

/// Everything a model file holds, in owned form.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec<'a> {
    /// Data dimension.
    pub x_dim: u32,
    /// Time conditioning.
    pub time: TimeConditioning,
    /// What the network predicts.
    pub prediction: Prediction,
    /// The layers, in order.
    pub layers: Vec<Layer>,
    /// The weights.
    pub weights: WeightsData,
    /// Per-dimension data mean.
    pub mean: Vec<f32>,
    /// Per-dimension data scale.
    pub scale: Vec<f32>,
    /// Training schedule.
    pub schedule: Schedule<'a>,
    /// Embedded plans.
    pub plans: Vec<PlanData>,
    /// Class-bias rows, for a class-conditional model.
    pub class_bias: Option<ClassBiasData>,
    /// The integer time embedding of a fixed-point model whose plan rows
    /// carry their time.
    pub time_embedding: Option<TimeEmbeddingData>,
    /// Further sections as `(kind code, flags, bytes)`, written after the
    /// others: sections of other backends or of newer minor versions.
    pub extra_sections: Vec<(u16, u16, Vec<u8>)>,
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put_f32s(out: &mut Vec<u8>, v: &[f32]) {
    v.iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
}
fn put_i32s(out: &mut Vec<u8>, v: impl IntoIterator<Item = i32>) {
    v.into_iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
}
fn pad4(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(4), 0);
}
fn put_multiplier(out: &mut Vec<u8>, m: Multiplier) {
    put_i32s(out, [m.m, i32::from(m.shift)]);
}
fn put_coefficient(out: &mut Vec<u8>, c: Coefficient) {
    put_i32s(out, [c.m]);
    put_u32(out, c.shift);
}
fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn topology_section(spec: &ModelSpec<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(TOPOLOGY_HEADER_LEN + 16 * spec.layers.len());
    put_u32(&mut out, spec.x_dim);
    put_u32(&mut out, len_u32(spec.layers.len()));
    let (code, dim, period, scale) = match spec.time {
        TimeConditioning::Sinusoidal {
            dim,
            max_period,
            scale,
        } => (1, dim, max_period, scale),
        TimeConditioning::BiasTable => (2, 0, 0.0, 0.0),
    };
    put_u32(&mut out, code);
    put_u32(&mut out, dim);
    put_f32s(&mut out, &[period, scale]);
    put_u32(&mut out, prediction_code(spec.prediction));
    put_u32(&mut out, 0);
    let mut width = spec.x_dim + spec.time.input_width();
    for layer in &spec.layers {
        let act = match layer {
            Layer::Activation(a) => a.code(),
            _ => 0,
        };
        let (input, output) = match *layer {
            Layer::Dense { input, output } => (input, output),
            _ => (width, width),
        };
        width = output;
        out.extend_from_slice(&[layer.op(), act, 0, 0]);
        put_u32(&mut out, input);
        put_u32(&mut out, output);
        put_u32(&mut out, 0);
    }
    out
}

fn schedule_section(schedule: &Schedule<'_>) -> Vec<u8> {
    let f = fields(schedule);
    let mut out = Vec::new();
    for v in [f.kind, f.beta_kind, f.train_steps, f.flags] {
        put_u32(&mut out, v);
    }
    f.params.iter().for_each(|&p| put_f64(&mut out, p));
    if let Schedule::Discrete(d) = schedule
        && let BetaSchedule::Explicit(table) = d.betas
    {
        out.extend_from_slice(table.as_bytes());
    }
    out
}

/// Whether the file may leave out `plan`'s `f32` rows (format 1.9): it is
/// a fixed-point plan whose rows carry their time (the runtime runs the
/// integer plan; a folded plan keeps its rows for its 1.2 form), and its
/// rows are exactly what its spec compiles to on `schedule`, as a reader
/// compiles them.
fn leaves_out_rows(plan: &PlanData, schedule: Schedule<'_>) -> bool {
    let embedded = plan
        .fixed
        .as_ref()
        .is_some_and(|f| matches!(f.rows.first(), Some((_, RowTimeData::Input(_)))));
    embedded
        && Compiler::new(schedule, plan.header.spec).is_ok_and(|c| {
            c.header() == plan.header
                && plan.rows.iter().enumerate().all(|(i, row)| {
                    c.compute_row(i).is_ok_and(|r| {
                        r.to_array().map(f32::to_bits) == row.to_array().map(f32::to_bits)
                    })
                })
        })
}

fn plan_section(plan: &PlanData, rows_stored: bool) -> Vec<u8> {
    let spec = &plan.header.spec;
    let f = spec_fields(spec);
    let mut out = Vec::with_capacity(PLAN_HEADER_LEN + 48 * plan.rows.len());
    put_u16(&mut out, f.sampler);
    put_u16(&mut out, f.spacing);
    put_u32(&mut out, spec.steps);
    put_u32(&mut out, spec.steps_offset);
    put_u32(&mut out, len_u32(plan.rows.len()));
    put_u32(&mut out, prediction_code(spec.prediction));
    put_u32(&mut out, f.int_param);
    put_u32(
        &mut out,
        f.flags | if rows_stored { 0 } else { ROWS_NOT_STORED },
    );
    put_f32s(&mut out, &[spec.clip.unwrap_or(0.0)]);
    put_f64(&mut out, f.real_param);
    put_f64(&mut out, spec.t_min);
    put_f32s(&mut out, &[plan.header.init_std]);
    for _ in 0..3 {
        put_u32(&mut out, 0);
    }
    if rows_stored {
        for row in &plan.rows {
            put_f32s(&mut out, &row.to_array());
        }
    }
    out
}

fn time_bias_section(index: usize, rows: usize, values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 4 * values.len());
    put_u32(&mut out, len_u32(index));
    put_u32(&mut out, len_u32(rows));
    put_u32(
        &mut out,
        len_u32(values.len().checked_div(rows).unwrap_or(0)),
    );
    put_u32(&mut out, 0);
    put_f32s(&mut out, values);
    out
}

fn class_bias_section(table: &ClassBiasData) -> Vec<u8> {
    let (classes, element, len) = match table {
        ClassBiasData::F32 { classes, rows } => (*classes, 1, rows.len()),
        ClassBiasData::I32 { classes, rows } => (*classes, 2, rows.len()),
    };
    let mut out = Vec::with_capacity(16 + 4 * len);
    put_u32(&mut out, classes);
    put_u32(&mut out, len_u32(len / (classes as usize + 1)));
    put_u32(&mut out, element);
    put_u32(&mut out, 0);
    match table {
        ClassBiasData::F32 { rows, .. } => put_f32s(&mut out, rows),
        ClassBiasData::I32 { rows, .. } => put_i32s(&mut out, rows.iter().copied()),
    }
    out
}

/// The weights section's kind and bytes.
fn weights_section(weights: &WeightsData, layers: &[Layer]) -> (SectionKind, Vec<u8>) {
    let mut out = Vec::new();
    match weights {
        WeightsData::F32(values) => {
            put_f32s(&mut out, values);
            (SectionKind::WeightsF32, out)
        }
        WeightsData::F16(values) => {
            let mut rest = values.as_slice();
            for layer in layers {
                let Layer::Dense { input, output } = *layer else {
                    continue;
                };
                let (i, o) = (input as usize, output as usize);
                let (w, tail) = rest.split_at((o * i).min(rest.len()));
                let (b, tail) = tail.split_at(o.min(tail.len()));
                w.iter()
                    .for_each(|v| out.extend_from_slice(&half::f16::from_f32(*v).to_le_bytes()));
                pad4(&mut out);
                put_f32s(&mut out, b);
                rest = tail;
            }
            (SectionKind::WeightsF16, out)
        }
        WeightsData::Fixed {
            input,
            layers: data,
        } => {
            put_multiplier(&mut out, *input);
            put_u32(&mut out, WeightLayout::Tiled.code());
            put_u32(&mut out, 0);
            for (layer, data) in layers.iter().zip(data) {
                match data {
                    FixedLayerData::Dense {
                        bias,
                        multipliers,
                        weights,
                    } => {
                        put_i32s(&mut out, bias.iter().copied());
                        put_i32s(&mut out, multipliers.iter().map(|m| m.m));
                        out.extend(multipliers.iter().map(|m| m.shift as u8));
                        pad4(&mut out);
                        let columns = match layer {
                            Layer::Dense { input, .. } => *input as usize,
                            _ => 0,
                        };
                        out.extend(tile(weights, columns));
                        pad4(&mut out);
                    }
                    FixedLayerData::Empty => {}
                    FixedLayerData::Table(table) => {
                        table
                            .iter()
                            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
                        pad4(&mut out);
                    }
                    FixedLayerData::Add { current, saved } => {
                        put_multiplier(&mut out, *current);
                        put_multiplier(&mut out, *saved);
                    }
                }
            }
            (SectionKind::WeightsFixed, out)
        }
    }
}

/// The 1.7 layout: the coefficients that are non-zero in some row, packed
/// in a word each (an error if one does not fit: the quantiser rounds them
/// to fit, [`Coefficient::packable`]).
fn fixed_plan_section(index: usize, plan: &FixedPlanData) -> Result<Vec<u8>, FormatError> {
    if let Some(levels) = &plan.levels {
        return level_plan_section(index, plan, levels);
    }
    let (width, time) = match plan.rows.first().map(|(_, t)| t) {
        Some(RowTimeData::Bias(bias)) => (bias.len(), 0),
        _ => (0, TIME_INPUT),
    };
    let mask = plan.rows.iter().fold(0u32, |mask, (coefficients, _)| {
        coefficients
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_zero())
            .fold(mask, |m, (k, _)| m | 1 << k)
    });
    let mut out = Vec::new();
    put_u32(&mut out, len_u32(index));
    put_u32(&mut out, len_u32(plan.rows.len()));
    put_u32(&mut out, len_u32(width));
    put_u32(&mut out, PACKED_LAYOUT | mask);
    put_coefficient(&mut out, plan.init);
    put_i32s(&mut out, [plan.clip]);
    put_u32(&mut out, time);
    for (coefficients, row_time) in &plan.rows {
        for (k, c) in coefficients.iter().enumerate() {
            if mask & 1 << k != 0 {
                let word = packed(*c).ok_or(FormatError::Limit {
                    section: SectionKind::FixedPlan,
                    offset: len_u32(out.len()),
                })?;
                put_u32(&mut out, word);
            }
        }
        match row_time {
            RowTimeData::Bias(bias) => put_i32s(&mut out, bias.iter().copied()),
            RowTimeData::Input(tau) => put_i32s(&mut out, [*tau]),
        }
    }
    Ok(out)
}

/// The level-row layout (1.9): the rule header, then each row's level and
/// time.
fn level_plan_section(
    index: usize,
    plan: &FixedPlanData,
    levels: &LevelRows,
) -> Result<Vec<u8>, FormatError> {
    // Appends `c` packed, or says where it does not fit.
    let put = |out: &mut Vec<u8>, c: Coefficient| {
        let word = packed(c).ok_or(FormatError::Limit {
            section: SectionKind::FixedPlan,
            offset: len_u32(out.len()),
        })?;
        put_u32(out, word);
        Ok::<(), FormatError>(())
    };
    let mut out = Vec::new();
    put_u32(&mut out, len_u32(index));
    put_u32(&mut out, len_u32(plan.rows.len()));
    put_u32(&mut out, 0);
    put_u32(&mut out, LEVEL_LAYOUT);
    put_coefficient(&mut out, plan.init);
    put_i32s(&mut out, [plan.clip]);
    put_u32(&mut out, TIME_INPUT);
    put_u32(&mut out, rule_code(levels.rule));
    let eta = match levels.rule {
        LevelRule::Ddim { eta } => eta,
        LevelRule::Ddpm { .. } => Coefficient::default(),
    };
    put(&mut out, eta)?;
    put(&mut out, levels.q_scale)?;
    put_u32(&mut out, 0);
    for (level, (_, time)) in levels.levels.iter().zip(&plan.rows) {
        let RowTimeData::Input(tau) = time else {
            return Err(FormatError::Mismatch {
                section: SectionKind::FixedPlan,
            });
        };
        put(&mut out, level.alpha)?;
        put(&mut out, level.sigma)?;
        put_i32s(&mut out, [*tau]);
    }
    Ok(out)
}

fn time_embedding_section(embedding: &TimeEmbeddingData) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + 4 * embedding.frequencies.len());
    put_u32(&mut out, len_u32(2 * embedding.frequencies.len()));
    put_u32(&mut out, 0);
    put_multiplier(&mut out, embedding.scale);
    embedding
        .frequencies
        .iter()
        .for_each(|&f| put_u32(&mut out, f));
    out
}

/// Serialises `spec` and checks the result with [`Model::parse`], so that
/// everything written can be read back.
pub fn write(spec: &ModelSpec<'_>) -> Result<Vec<u8>, FormatError> {
    let mut sections: Vec<(u16, u16, Vec<u8>)> = vec![
        (
            SectionKind::Topology.code(),
            FLAG_REQUIRED,
            topology_section(spec),
        ),
        (
            SectionKind::Schedule.code(),
            FLAG_REQUIRED,
            schedule_section(&spec.schedule),
        ),
        (SectionKind::Normalization.code(), FLAG_REQUIRED, {
            let mut v = Vec::new();
            put_f32s(&mut v, &spec.mean);
            put_f32s(&mut v, &spec.scale);
            v
        }),
    ];
    let (kind, body) = weights_section(&spec.weights, &spec.layers);
    sections.push((kind.code(), FLAG_REQUIRED, body));
    for plan in &spec.plans {
        let stored = !leaves_out_rows(plan, spec.schedule);
        let body = plan_section(plan, stored);
        sections.push((SectionKind::Plan.code(), FLAG_REQUIRED, body));
    }
    for (i, plan) in spec.plans.iter().enumerate() {
        if let Some(values) = &plan.time_bias {
            let body = time_bias_section(i, plan.rows.len(), values);
            sections.push((SectionKind::TimeBias.code(), FLAG_REQUIRED, body));
        }
    }
    for (i, plan) in spec.plans.iter().enumerate() {
        if let Some(fixed) = &plan.fixed {
            let body = fixed_plan_section(i, fixed)?;
            sections.push((SectionKind::FixedPlan.code(), FLAG_REQUIRED, body));
        }
    }
    if let Some(embedding) = &spec.time_embedding {
        let body = time_embedding_section(embedding);
        sections.push((SectionKind::TimeEmbedding.code(), FLAG_REQUIRED, body));
    }
    if let Some(table) = &spec.class_bias {
        let body = class_bias_section(table);
        sections.push((SectionKind::ClassBias.code(), FLAG_REQUIRED, body));
    }
    sections.extend(spec.extra_sections.iter().cloned());
    assemble(&sections)
}

/// An anomaly detector to store (section kind 10,
/// [`super::AnomalyDetector`]).
#[derive(Clone, Debug, PartialEq)]
pub struct AnomalyData {
    /// The embedded plan whose rows give the levels.
    pub plan: u32,
    /// Noise draws per level.
    pub repeats: u32,
    /// Plan rows whose levels the score uses.
    pub rows: Vec<u32>,
    /// Threshold of the float backends.
    pub threshold: f32,
    /// Threshold of the fixed-point backend, Q32.32.
    pub threshold_q: i64,
    /// One weight per level (section kind 16), or none (kind 10). Stored in
    /// f32 and in Q16.16 (rounded), so no backend converts.
    pub weights: Option<Vec<f32>>,
}

impl AnomalyData {
    /// The kind of section the detector is written as.
    pub fn kind(&self) -> SectionKind {
        if self.weights.is_some() {
            SectionKind::WeightedAnomaly
        } else {
            SectionKind::Anomaly
        }
    }

    /// The section's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + 12 * self.rows.len());
        for v in [self.plan, self.repeats, len_u32(self.rows.len()), 0] {
            put_u32(&mut out, v);
        }
        put_f32s(&mut out, &[self.threshold]);
        put_u32(&mut out, 0);
        out.extend_from_slice(&self.threshold_q.to_le_bytes());
        self.rows.iter().for_each(|&r| put_u32(&mut out, r));
        for &w in self.weights.iter().flatten() {
            put_f32s(&mut out, &[w]);
            put_u32(
                &mut out,
                (f64::from(w) * 65536.0)
                    .round()
                    .clamp(0.0, f64::from(u32::MAX)) as u32,
            );
        }
        out
    }
}

/// The training data's range and the x̂₀ clip bounds (section kind 12,
/// [`super::DataRange`]), all in model units.
#[derive(Clone, Debug, PartialEq)]
pub struct DataRangeData {
    /// Whether the samplers clip x̂₀ to the bounds.
    pub clips: bool,
    /// A dynamic threshold before the clip (only with `clips`; format 1.6).
    pub dynamic: Option<DynamicThresholdData>,
    /// The bounds' reach past the range, as a fraction of its width.
    pub margin: f32,
    /// Smallest training value per dimension.
    pub low: Vec<f32>,
    /// Largest training value per dimension.
    pub high: Vec<f32>,
}

/// A dynamic x̂₀ threshold to write ([`crate::plan::DynamicThreshold`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DynamicThresholdData {
    /// The percentile `p` of `|u|`, in (0, 1]; stored rounded to 2⁻¹⁶.
    pub percentile: f64,
    /// The largest threshold `s` (≥ 1; at most 32 767 for fixed point).
    pub max: f32,
}

impl DynamicThresholdData {
    /// The section's trailing bytes: the percentile in units of 2⁻¹⁶,
    /// `max` as f32 and in Q16.16 (rounded, saturated), a reserved word.
    /// Values out of range are written as given and refused by the parser.
    fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        let percentile = (self.percentile * 65536.0)
            .round()
            .clamp(0.0, f64::from(u32::MAX));
        put_u32(&mut out, percentile as u32);
        put_f32s(&mut out, &[self.max]);
        let max_q = (f64::from(self.max) * 65536.0).round();
        put_i32s(
            &mut out,
            [max_q.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32],
        );
        put_u32(&mut out, 0);
        out
    }
}

impl DataRangeData {
    /// The clip bounds of a dimension with range `[low, high]`: the range
    /// widened by `margin` times its width on each side, in f32 and in
    /// Q16.16 (rounded outwards, saturated).
    fn bounds(&self, low: f32, high: f32) -> ([f32; 2], [i32; 2]) {
        let (low, high) = (f64::from(low), f64::from(high));
        let reach = f64::from(self.margin) * (high - low);
        let (l, h) = (low - reach, high + reach);
        let q = |v: f64| (v * 65536.0).clamp(f64::from(i32::MIN), f64::from(i32::MAX));
        (
            [l as f32, h as f32],
            [q(l).floor() as i32, q(h).ceil() as i32],
        )
    }

    /// The section's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let dim = self.low.len();
        let mut out = Vec::with_capacity(super::DATA_RANGE_HEADER_LEN + 24 * dim);
        let dynamic = if self.dynamic.is_some() {
            FLAG_DYNAMIC
        } else {
            0
        };
        let clips = if self.clips { FLAG_CLIP } else { 0 };
        put_u32(&mut out, clips | dynamic);
        put_u32(&mut out, len_u32(dim));
        put_f32s(&mut out, &[self.margin]);
        put_u32(&mut out, 0);
        put_f32s(&mut out, &self.low);
        put_f32s(&mut out, &self.high);
        let (float, fixed): (Vec<[f32; 2]>, Vec<[i32; 2]>) = self
            .low
            .iter()
            .zip(&self.high)
            .map(|(&l, &h)| self.bounds(l, h))
            .unzip();
        for side in [0, 1] {
            let values: Vec<f32> = float.iter().filter_map(|b| b.get(side).copied()).collect();
            put_f32s(&mut out, &values);
        }
        for side in [0, 1] {
            put_i32s(&mut out, fixed.iter().filter_map(|b| b.get(side).copied()));
        }
        if let Some(d) = self.dynamic {
            out.extend(d.to_bytes());
        }
        out
    }
}

/// The body of a column-names or class-names section (kinds 13 and 14,
/// [`super::Names`]), to pass in [`ModelSpec::extra_sections`] without the
/// required flag. The names must be what the parser accepts: 1 to
/// [`super::MAX_NAME_LEN`] bytes, no control characters.
pub fn names_section<S: AsRef<str>>(names: &[S]) -> Vec<u8> {
    let mut out = Vec::new();
    put_u32(&mut out, len_u32(names.len()));
    put_u32(&mut out, 0);
    out.extend(names.iter().map(|n| n.as_ref().len().min(255) as u8));
    names
        .iter()
        .for_each(|n| out.extend_from_slice(n.as_ref().as_bytes()));
    out
}

/// The body of a held-guidance section (kind 18) for weight `w` in
/// Q16.16.
pub fn held_guidance_section(weight_q: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(8);
    put_u32(&mut out, weight_q);
    put_u32(&mut out, 0);
    out
}

/// `bytes` (a valid model file) with one more section at the end, checked
/// with [`Model::parse`]: how a tool adds, say, an anomaly detector to a
/// model it has already written.
pub fn append_section(
    bytes: &[u8],
    code: u16,
    flags: u16,
    body: Vec<u8>,
) -> Result<Vec<u8>, FormatError> {
    let model = Model::parse(bytes)?;
    let mut sections: Vec<(u16, u16, Vec<u8>)> = model
        .sections()
        .map(|e| {
            let (start, len) = (e.offset as usize, e.length as usize);
            let body = bytes.get(start..start + len).unwrap_or(&[]).to_vec();
            (e.code, if e.required { FLAG_REQUIRED } else { 0 }, body)
        })
        .collect();
    sections.push((code, flags, body));
    assemble(&sections)
}

/// The oldest minor version whose readers sample `sections` as meant:
/// [`VERSION_MINOR`] when a plan leaves out its rows or a fixed-point plan
/// stores levels (a 1.8 reader refuses both: the flag bit and the layout
/// word were reserved), [`VERSION_MINOR_HELD`] when a plan churns (a 1.7
/// reader refuses a Heun plan with a nonzero real parameter) or the
/// network holds its guidance (a 1.7 reader would skip the section and
/// guide it again),
/// [`VERSION_MINOR_FIXED`] for a
/// fixed-point file (its plans' row layout and time embedding are 1.7's),
/// [`VERSION_MINOR_DYNAMIC`] when a data range section holds a dynamic
/// threshold (a 1.5 reader refuses it: its flag bit was reserved), else
/// [`VERSION_MINOR_STATIC`].
fn minor_version(sections: &[(u16, u16, Vec<u8>)]) -> u16 {
    let has = |kind: SectionKind| sections.iter().any(|(code, _, _)| *code == kind.code());
    let churns = sections
        .iter()
        .any(|(code, _, body)| *code == SectionKind::Plan.code() && plan_section::churns(body));
    let dynamic = sections.iter().any(|(code, _, body)| {
        *code == SectionKind::DataRange.code()
            && body
                .first_chunk::<4>()
                .is_some_and(|f| u32::from_le_bytes(*f) & FLAG_DYNAMIC != 0)
    });
    let compact = sections.iter().any(|(code, _, body)| {
        (*code == SectionKind::Plan.code() && plan_section::leaves_out_rows(body))
            || (*code == SectionKind::FixedPlan.code() && fixed_plan::stores_levels(body))
    });
    if compact {
        VERSION_MINOR
    } else if churns || has(SectionKind::HeldGuidance) {
        VERSION_MINOR_HELD
    } else if has(SectionKind::FixedPlan) {
        VERSION_MINOR_FIXED
    } else if dynamic {
        VERSION_MINOR_DYNAMIC
    } else {
        VERSION_MINOR_STATIC
    }
}

/// Lays out `sections` (kind code, flags, bytes) after the header and
/// table, 16-byte aligned with zero padding, seals the file and checks it
/// with [`Model::parse`].
fn assemble(sections: &[(u16, u16, Vec<u8>)]) -> Result<Vec<u8>, FormatError> {
    let header_len = HEADER_LEN + SECTION_ENTRY_LEN * sections.len();
    let mut offsets = Vec::with_capacity(sections.len());
    let mut end = header_len;
    for (_, _, body) in sections {
        let start = align_up(end).unwrap_or(end);
        offsets.push(start);
        end = start + body.len();
    }

    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(&MAGIC);
    put_u16(&mut out, VERSION_MAJOR);
    put_u16(&mut out, minor_version(sections));
    put_u32(&mut out, len_u32(header_len));
    put_u32(&mut out, len_u32(end));
    put_u32(&mut out, len_u32(sections.len()));
    put_u32(&mut out, 0); // CRC, filled in by `seal`
    put_u32(&mut out, 0);
    for ((code, flags, body), offset) in sections.iter().zip(&offsets) {
        put_u16(&mut out, *code);
        put_u16(&mut out, *flags);
        put_u32(&mut out, len_u32(*offset));
        put_u32(&mut out, len_u32(body.len()));
        put_u32(&mut out, 0);
    }
    for ((_, _, body), offset) in sections.iter().zip(&offsets) {
        out.resize(*offset, 0);
        out.extend_from_slice(body);
    }
    seal(&mut out);
    Model::parse(&out)?;
    Ok(out)
}

/// `bytes` (a valid model) as format 1.2 wrote it, for runtimes older than
/// 1.3: minor version 2, fixed-point dense weights row-major (weight layout
/// 0) instead of tiled, and fixed-point plans in the 1.1 row layout (all
/// thirteen coefficients, two words each). A 1.7 reader reads both the
/// same, the tiled weights faster on the Cortex-M4. A model whose time is
/// embedded on the device has no 1.2 form: [`FormatError::Mismatch`] of
/// its time embedding.
pub fn with_row_major_weights(bytes: &[u8]) -> Result<Vec<u8>, FormatError> {
    let model = Model::parse(bytes)?;
    if model.time_embedding().is_some() {
        return Err(FormatError::Mismatch {
            section: SectionKind::TimeEmbedding,
        });
    }
    let mut out = bytes.to_vec();
    let section = model
        .sections()
        .find(|e| e.kind == Some(SectionKind::WeightsFixed));
    if let (Some(section), Some(network)) = (section, model.fixed_network()) {
        let layout_at = section.offset as usize + 8;
        out.splice(
            layout_at..layout_at + 4,
            WeightLayout::RowMajor.code().to_le_bytes(),
        );
        for layer in network.weights().layers() {
            let FixedLayer::Dense {
                output, weights, ..
            } = layer
            else {
                continue;
            };
            // The weights are a view into `bytes`: their offset in it.
            let at = weights.bytes().as_ptr() as usize - bytes.as_ptr() as usize;
            let rows = (0..output as usize)
                .flat_map(|o| weights.row(o))
                .map(|w| w as u8);
            out.splice(at..at + weights.bytes().len(), rows);
        }
    }
    let mut plans = (0..).map_while(|i| model.fixed_plan(i));
    let sections: Vec<(u16, u16, Vec<u8>)> = model
        .sections()
        .map(|e| {
            let (start, len) = (e.offset as usize, e.length as usize);
            let body = match e.kind {
                Some(SectionKind::FixedPlan) => plans.next().map(|p| fixed_plan_1_1(&p)),
                _ => None,
            };
            let body = body.unwrap_or_else(|| out.get(start..start + len).unwrap_or(&[]).to_vec());
            (e.code, if e.required { FLAG_REQUIRED } else { 0 }, body)
        })
        .collect();
    let mut out = assemble(&sections)?;
    out.splice(10..12, 2u16.to_le_bytes());
    seal(&mut out);
    Ok(out)
}

/// `plan` (time-bias rows) in the 1.1 row layout.
fn fixed_plan_1_1(plan: &super::FixedPlan<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    put_u32(&mut out, plan.plan());
    put_u32(&mut out, plan.rows());
    put_u32(&mut out, plan.width());
    put_u32(&mut out, 0);
    put_coefficient(&mut out, plan.init());
    put_i32s(&mut out, [plan.clip().unwrap_or(0), 0]);
    for row in (0..plan.rows() as usize).filter_map(|i| plan.row(i)) {
        row.coefficients
            .iter()
            .for_each(|c| put_coefficient(&mut out, *c));
        if let super::RowTime::Bias(bias) = row.time {
            put_i32s(&mut out, bias.iter());
        }
    }
    out
}

/// Rewrites the file-length and CRC fields of `bytes` to match its contents
/// (for tools and tests that edit a file in place).
pub fn seal(bytes: &mut [u8]) {
    let len = len_u32(bytes.len()).to_le_bytes();
    if let Some(field) = bytes.get_mut(16..20) {
        field.copy_from_slice(&len);
    }
    let crc = file_crc(bytes).to_le_bytes();
    if let Some(field) = bytes.get_mut(CRC_OFFSET..CRC_OFFSET + 4) {
        field.copy_from_slice(&crc);
    }
}
