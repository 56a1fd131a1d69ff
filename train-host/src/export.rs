//! Export: a training run's EMA weights, normalisation, schedule and one
//! compiled sampling plan, written as a `.tsm` model file by the runtime's
//! own writer, in any of the runtime's backends. f16 rounds the weight
//! matrices; fixed-point folds the time embedding into the plan, calibrates
//! activation ranges on the model's own trajectories ([`crate::calibrate`])
//! and quantises with the runtime's quantiser.

use crate::calibrate::{Calibration, CalibrationError, calibrate, fold_time};
use crate::mlp::Mlp;
use crate::restore::{Task, percentile, run};
use crate::spec::ScheduleSpec;
use crate::train::{
    MAX_PERIOD, RunState, TrainConfig, TrainError, class_inputs, network, prediction,
};
use tinyscore::format::{
    self, AnomalyData, ClassBiasData, Layer, ModelSpec, PlanData, SectionKind, TimeConditioning,
    WeightsData,
};
use tinyscore::plan::{Compiler, PlanRow, PlanSpec, SamplerKind};
use tinyscore::schedule::Spacing;

/// Numeric backend of the exported weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    /// f32 weights.
    F32,
    /// f16 weight matrices, f32 biases.
    F16,
    /// int8 weights, integer sampling, calibrated as given.
    Fixed(Calibration),
}

/// What to embed besides the network.
#[derive(Clone, Copy, Debug)]
pub struct ExportOptions {
    /// Weight format.
    pub backend: Backend,
    /// Sampler of the embedded plan.
    pub sampler: SamplerKind,
    /// Its number of steps.
    pub steps: u32,
    /// Its timestep spacing (discrete schedules).
    pub spacing: Spacing,
    /// Clip x̂₀ to ±clip (normalised units).
    pub clip: Option<f32>,
}

/// Why export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The run's configuration is unusable.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The sampler cannot be compiled for this schedule.
    #[error("cannot compile the {sampler} plan: {source}")]
    Plan {
        /// The sampler's name.
        sampler: &'static str,
        /// Why.
        source: tinyscore::plan::PlanError,
    },
    /// The model file would be invalid (a bug, reported rather than written).
    #[error("model file rejected by the parser: {0}")]
    Format(#[from] tinyscore::format::FormatError),
    /// Activation ranges could not be measured.
    #[error(transparent)]
    Calibration(#[from] CalibrationError),
    /// Scoring the normal data failed.
    #[error("anomaly calibration: {0}")]
    Detector(#[from] crate::host_sampling::SampleError),
    /// The model cannot be represented in fixed point.
    #[error("quantisation: {0}")]
    Quantize(#[from] tinyscore::fixed::quantize::QuantizeError),
}

/// Compiles the plan of `opts` for a run.
pub fn plan_for(
    state: &RunState,
    opts: &ExportOptions,
) -> Result<(PlanData, ScheduleSpec<'static>), ExportError> {
    let c = &state.config;
    let schedule: ScheduleSpec = c
        .schedule
        .parse()
        .map_err(|e| TrainError::Config(format!("{e}")))?;
    let spec = PlanSpec {
        sampler: opts.sampler,
        steps: opts.steps,
        spacing: opts.spacing,
        steps_offset: 0,
        t_min: c.t_min,
        prediction: prediction(&c.prediction)?,
        clip: opts.clip,
    };
    let plan_error = |source| ExportError::Plan {
        sampler: crate::spec::sampler_name(opts.sampler),
        source,
    };
    let compiler = Compiler::new(schedule.0, spec).map_err(plan_error)?;
    let mut rows = vec![PlanRow::from_array([0.0; 12]); compiler.header().rows as usize];
    compiler.compile_into(&mut rows).map_err(plan_error)?;
    Ok((
        PlanData {
            header: compiler.header(),
            rows,
            time_bias: None,
            fixed: None,
        },
        schedule,
    ))
}

/// The bytes of the model file.
pub fn export(state: &RunState, opts: &ExportOptions) -> Result<Vec<u8>, ExportError> {
    let c = &state.config;
    let dim = state.normalization.mean.len();
    let mlp = network(c, dim);
    let (plan, schedule) = plan_for(state, opts)?;
    let (layers, params, class_bias) = fold_classes(c, &mlp, &state.ema);
    let spec = ModelSpec {
        x_dim: dim as u32,
        time: TimeConditioning::Sinusoidal {
            dim: c.emb_dim as u32,
            max_period: MAX_PERIOD,
            scale: schedule.time_scale(),
        },
        prediction: prediction(&c.prediction)?,
        layers,
        weights: WeightsData::F32(params.clone()),
        mean: state.normalization.mean.clone(),
        scale: state.normalization.scale.clone(),
        schedule: schedule.0,
        plans: vec![plan],
        class_bias,
        extra_sections: names_sections(c),
    };
    match opts.backend {
        Backend::F32 => Ok(format::write(&spec)?),
        Backend::F16 => Ok(format::write(&ModelSpec {
            weights: WeightsData::F16(params),
            ..spec
        })?),
        Backend::Fixed(cal) => {
            let f32_model = format::write(&spec)?;
            let scales = calibrate(&f32_model, &mlp, &state.ema, &cal)?;
            let fixed = tinyscore::fixed::quantize::quantize(&fold_time(&spec), &scales)?;
            Ok(format::write(&fixed)?)
        }
    }
}

/// The column-names and class-names sections of a run whose data named
/// them (optional sections: older readers skip them).
fn names_sections(c: &TrainConfig) -> Vec<(u16, u16, Vec<u8>)> {
    [
        (SectionKind::ColumnNames, &c.columns),
        (SectionKind::ClassNames, &c.class_names),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(kind, names)| (kind.code(), 0, format::names_section(names)))
    .collect()
}

/// The exported network of a class-conditional run: the one-hot class
/// columns of the first dense layer's `W` taken out and stored as one bias
/// row per class (`W_c·onehot(k)` is column `k`), the unconditional slot
/// last. Layers and parameters of an unconditional run are returned as
/// they are.
fn fold_classes(
    c: &TrainConfig,
    mlp: &Mlp,
    params: &[f32],
) -> (Vec<Layer>, Vec<f32>, Option<ClassBiasData>) {
    let k = class_inputs(c);
    let (Some(&Layer::Dense { input, output }), true) = (mlp.layers.first(), k > 0) else {
        return (mlp.layers.clone(), params.to_vec(), None);
    };
    let (i, o) = (input as usize, output as usize);
    let kept = i - k;
    let (first, rest) = params.split_at(o * i);
    let mut folded: Vec<f32> = first
        .chunks(i)
        .flat_map(|row| &row[..kept])
        .copied()
        .collect();
    folded.extend_from_slice(rest);
    let rows = (0..k)
        .flat_map(|slot| first.chunks(i).map(move |row| row[kept + slot]))
        .collect();
    let mut layers = mlp.layers.clone();
    layers[0] = Layer::Dense {
        input: kept as u32,
        output,
    };
    let table = ClassBiasData::F32 {
        classes: c.classes,
        rows,
    };
    (layers, folded, Some(table))
}

/// How the anomaly detector stored with a model is calibrated.
#[derive(Clone, Debug)]
pub struct DetectorOptions {
    /// Held-out normal rows (n × dim, data units).
    pub normal: Vec<f32>,
    /// Their dimension.
    pub dim: usize,
    /// Percentile of their scores used as the threshold.
    pub percentile: f64,
    /// The rows of the model's first plan whose noise levels the score uses.
    pub rows: Vec<u32>,
    /// Noise draws per level.
    pub repeats: u32,
    /// Seed of the draws.
    pub seed: u64,
}

/// `bytes` with an anomaly detector for its first plan, the threshold taken
/// from the scores the model itself (in its own backend) gives the normal
/// rows; and that threshold.
pub fn add_detector(bytes: &[u8], opts: &DetectorOptions) -> Result<(Vec<u8>, f64), ExportError> {
    let rows = opts.rows.clone();
    let task = Task::Score {
        rows: rows.clone(),
        repeats: opts.repeats,
    };
    let mut normal = opts.normal.clone();
    let scores = run(bytes, &mut normal, opts.dim, opts.seed, &task)?;
    let threshold = percentile(&scores, opts.percentile);
    let detector = AnomalyData {
        plan: 0,
        repeats: opts.repeats,
        rows,
        threshold: threshold as f32,
        threshold_q: (threshold * (1u64 << 32) as f64).round() as i64,
    };
    let bytes = format::append_section(bytes, SectionKind::Anomaly.code(), 0, detector.to_bytes())?;
    Ok((bytes, threshold))
}
