//! Export: a training run's EMA weights, normalisation, schedule and one
//! compiled sampling plan, written as a `.tsm` model file by the runtime's
//! own writer, in any of the runtime's backends. f16 rounds the weight
//! matrices; fixed-point folds the time embedding into the plan, calibrates
//! activation ranges on the model's own trajectories ([`crate::calibrate`])
//! and quantises with the runtime's quantiser.

use crate::calibrate::{CALIBRATION_GUIDANCE, Calibration, CalibrationError, calibrate, fold_time};
use crate::data::Normalization;
use crate::mlp::Mlp;
use crate::restore::{Task, percentile, run};
use crate::spec::ScheduleSpec;
use crate::train::{
    MAX_PERIOD, RunState, TrainConfig, TrainError, class_inputs, network, prediction,
};
use tinyscore::fixed::quantize::quantize;
use tinyscore::format::{
    self, AnomalyData, ClassBiasData, DataRangeData, DynamicThresholdData, Layer, ModelSpec,
    PlanData, SectionKind, TimeConditioning, WeightsData,
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
    /// int8 weights, integer sampling.
    Fixed {
        /// How activation ranges are calibrated.
        calibration: Calibration,
        /// How the file carries the time.
        time: FixedTime,
    },
}

/// How a fixed-point file carries the time the network is conditioned on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FixedTime {
    /// Whichever of the two gives the smaller file (folded for a plan of a
    /// few rows, embedded beyond).
    #[default]
    Auto,
    /// The embedding folded into one first-layer bias row per plan row: no
    /// embedding to compute on the device, four bytes per hidden unit and
    /// row in the file (what runtimes before format 1.7 read).
    Folded,
    /// Each row's time, embedded on the device in integers (format 1.7):
    /// a file that does not grow with the plan, and an embedding-wide
    /// matrix-vector product more per step.
    Embedded,
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
    /// How x̂₀ is clipped at every row.
    pub clip: X0Clip,
}

/// How the exported samplers clip the clean-sample estimate x̂₀. The
/// training data's range is stored in every file (for reports); this says
/// whether and how the samplers use it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum X0Clip {
    /// To the training data's range widened by `margin` times its width on
    /// each side, per dimension (the default).
    Range {
        /// Fraction of the range's width.
        margin: f32,
    },
    /// To the range of [`X0Clip::Range`] with the default margin, after a
    /// dynamic threshold (Imagen's, in the coordinates where those bounds
    /// are ±1; docs/FORMAT.md, section 12) of the `percentile` of the
    /// sample's coordinates, at most `max`.
    Dynamic {
        /// The percentile `p`, in (0, 1].
        percentile: f64,
        /// The largest threshold, in [1, 32 767].
        max: f32,
    },
    /// To `±bound` in every dimension (model units).
    Bound(f32),
    /// Not at all.
    None,
}

impl X0Clip {
    /// The default margin of [`X0Clip::Range`].
    pub const DEFAULT_MARGIN: f32 = 0.05;
    /// The default percentile of [`X0Clip::Dynamic`] (diffusers' and
    /// Imagen's 0.995).
    pub const DEFAULT_PERCENTILE: f64 = 0.995;
    /// The default bound of [`X0Clip::Dynamic`]'s threshold: none to
    /// speak of (Imagen's rule; the largest a Q16.16 state holds).
    pub const DEFAULT_MAX: f32 = 32_767.0;

    /// `dynamic`, `dynamic:P` or `dynamic:P:MAX`, from what follows
    /// `dynamic:` (if anything).
    fn dynamic(rest: Option<&str>, whole: &str) -> Result<Self, String> {
        let mut parts = rest.into_iter().flat_map(|r| r.split(':'));
        let (p, max) = (parts.next(), parts.next());
        if parts.next().is_some() {
            return Err(format!(
                "--clip {whole}: expected dynamic:P or dynamic:P:MAX"
            ));
        }
        let percentile = match p {
            None => Self::DEFAULT_PERCENTILE,
            Some(p) => p
                .parse::<f64>()
                .ok()
                .filter(|p| *p * 65536.0 >= 0.5 && *p <= 1.0)
                .ok_or_else(|| {
                    format!("--clip {whole}: the percentile must be in (0, 1], at least 2^-17")
                })?,
        };
        let max = match max {
            None => Self::DEFAULT_MAX,
            Some(m) => m
                .parse::<f32>()
                .ok()
                .filter(|m| (1.0..=Self::DEFAULT_MAX).contains(m))
                .ok_or_else(|| format!("--clip {whole}: MAX must be in [1, 32767]"))?,
        };
        Ok(X0Clip::Dynamic { percentile, max })
    }
}

impl Default for X0Clip {
    fn default() -> Self {
        X0Clip::Range {
            margin: Self::DEFAULT_MARGIN,
        }
    }
}

impl std::str::FromStr for X0Clip {
    type Err = String;
    /// `range`, `range:MARGIN`, `dynamic`, `dynamic:P`, `dynamic:P:MAX`,
    /// `none` or a positive bound.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            None if s == "dynamic" => return Self::dynamic(None, s),
            Some(("dynamic", rest)) => return Self::dynamic(Some(rest), s),
            _ => {}
        }
        let positive = |v: &str, what: &str, zero_ok: bool| {
            v.parse::<f32>()
                .ok()
                .filter(|x| x.is_finite() && (*x > 0.0 || (zero_ok && *x == 0.0)))
                .ok_or_else(|| format!("--clip {s}: {what}"))
        };
        match s {
            "none" => Ok(X0Clip::None),
            "range" => Ok(X0Clip::default()),
            _ => match s.strip_prefix("range:") {
                Some(m) => Ok(X0Clip::Range {
                    margin: positive(m, "the margin must be a finite number >= 0", true)?,
                }),
                None => Ok(X0Clip::Bound(positive(
                    s,
                    "expected range, range:MARGIN, dynamic, dynamic:P, dynamic:P:MAX, none \
                     or a bound > 0",
                    false,
                )?)),
            },
        }
    }
}

/// The largest factor from the network output to x̂₀ (`|q|` of a plan row)
/// an unclipped plan may have: beyond it one unit of network error is more
/// than a thousand data standard deviations. ε-prediction at the last
/// timestep of the linear schedule has 157 (α = 0.0064), of the cosine
/// schedule 20 291 (α = 4.9e-5), where unclipped samples reach ±37 000.
pub const MAX_UNCLIPPED_GAIN: f32 = 1000.0;

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
    /// An unclipped plan would multiply the network's error beyond
    /// [`MAX_UNCLIPPED_GAIN`].
    #[error(
        "--clip none with this plan: a row of schedule {schedule} turns the network's output \
         into x̂₀ with a factor of {gain:.0} (α near 0 with ε-prediction), so samples explode; \
         keep the default --clip range, or train with --prediction v or x0"
    )]
    Unclipped {
        /// The largest |q| of the plan.
        gain: f32,
        /// The run's schedule.
        schedule: String,
    },
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
        clip: match opts.clip {
            X0Clip::Bound(b) => Some(b),
            X0Clip::Range { .. } | X0Clip::Dynamic { .. } | X0Clip::None => None,
        },
    };
    let plan_error = |source| ExportError::Plan {
        sampler: crate::spec::sampler_name(opts.sampler),
        source,
    };
    let compiler = Compiler::new(schedule.0, spec).map_err(plan_error)?;
    let mut rows = vec![PlanRow::from_array([0.0; 12]); compiler.header().rows as usize];
    compiler.compile_into(&mut rows).map_err(plan_error)?;
    let gain = rows.iter().map(|r| r.q.abs()).fold(0.0, f32::max);
    if opts.clip == X0Clip::None && gain > MAX_UNCLIPPED_GAIN {
        return Err(ExportError::Unclipped {
            gain,
            schedule: schedule.to_string(),
        });
    }
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
    let mut spec = ModelSpec {
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
        time_embedding: None,
        extra_sections: optional_sections(c),
    };
    let range = data_range(state, opts.clip)?.to_bytes();
    let with_range = |bytes: Vec<u8>| {
        format::append_section(&bytes, SectionKind::DataRange.code(), 0, range.clone())
    };
    // Langevin steps by the signal-to-noise rule: measured on the f32
    // model's own trajectories, clipped as the exported samplers clip.
    if opts.sampler.snr_step().is_some() {
        let f32_model = with_range(format::write(&spec)?)?;
        for p in &mut spec.plans {
            let rows = std::mem::take(&mut p.rows);
            (p.header, p.rows) = crate::snr_steps::measure(&f32_model, p.header, rows)?;
        }
    }
    match opts.backend {
        Backend::F32 => Ok(with_range(format::write(&spec)?)?),
        Backend::F16 => Ok(with_range(format::write(&ModelSpec {
            weights: WeightsData::F16(params),
            ..spec
        })?)?),
        Backend::Fixed { calibration, time } => {
            // Calibrated on the trajectories the exported samplers will
            // take: clipped like them.
            let f32_model = with_range(format::write(&spec)?)?;
            let guidance = held_guidance(&state.config).map_or(CALIBRATION_GUIDANCE, |_| 0.0);
            let scales = calibrate(&f32_model, (&mlp, &state.ema), &calibration, guidance)?;
            let folded = || -> Result<Vec<u8>, ExportError> {
                Ok(format::write(&quantize(&fold_time(&spec), &scales)?)?)
            };
            let embedded = || -> Result<Vec<u8>, ExportError> {
                Ok(format::write(&quantize(&spec, &scales)?)?)
            };
            let bytes = match time {
                FixedTime::Folded => folded()?,
                FixedTime::Embedded => embedded()?,
                // The embedding cannot carry a time beyond ±32767 (Q16.16):
                // then folding is the only way.
                FixedTime::Auto => {
                    let folded = folded()?;
                    match embedded() {
                        Ok(embedded) if embedded.len() < folded.len() => embedded,
                        _ => folded,
                    }
                }
            };
            Ok(with_range(bytes)?)
        }
    }
}

/// The data range section of a run's model: the training data's range in
/// model units (recorded at training; reloaded from the training data for
/// runs saved before it was) and whether the samplers clip to it.
fn data_range(state: &RunState, clip: X0Clip) -> Result<DataRangeData, ExportError> {
    let range = match state.normalization.model_range() {
        Some(range) => range,
        None => {
            let (_, fitted) = crate::train::load_data(&state.config)?;
            let refit = Normalization {
                range: fitted.range,
                ..state.normalization.clone()
            };
            refit.model_range().ok_or_else(|| {
                TrainError::Config("the training data is empty: no data range".into())
            })?
        }
    };
    let (clips, margin, dynamic) = match clip {
        X0Clip::Range { margin } => (true, margin, None),
        X0Clip::Dynamic { percentile, max } => (
            true,
            X0Clip::DEFAULT_MARGIN,
            Some(DynamicThresholdData { percentile, max }),
        ),
        X0Clip::Bound(_) | X0Clip::None => (false, X0Clip::DEFAULT_MARGIN, None),
    };
    Ok(DataRangeData {
        clips,
        dynamic,
        margin,
        low: range.low,
        high: range.high,
    })
}

/// The optional sections of a run (older readers skip them): the
/// column-names and class-names sections of a run whose data named them,
/// and the held guidance of a student distilled from guided sampling.
fn optional_sections(c: &TrainConfig) -> Vec<(u16, u16, Vec<u8>)> {
    let names = [
        (SectionKind::ColumnNames, &c.columns),
        (SectionKind::ClassNames, &c.class_names),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(kind, names)| (kind.code(), 0, format::names_section(names)));
    let held = held_guidance(c)
        .and_then(crate::host_sampling::q16_weight)
        .map(|q| {
            let body = format::held_guidance_section(q.unsigned_abs());
            (SectionKind::HeldGuidance.code(), 0, body)
        });
    names.chain(held).collect()
}

/// The guidance weight a distilled student holds (its teacher's guided
/// sampling), if any.
fn held_guidance(c: &TrainConfig) -> Option<f32> {
    c.distill.as_ref().map(|d| d.guidance).filter(|&w| w > 0.0)
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

/// `bytes` with an anomaly detector for its first plan, and its threshold.
///
/// Each level is weighted by the inverse of its mean score on the normal
/// rows, so that every level counts alike: unweighted, the noisiest level's
/// error dwarfs the others, and the levels that tell anomalies apart best
/// (measured in docs/BENCHMARKS.md, "Anomaly scores against the nearest
/// training window") count for little. The threshold is the percentile of
/// the scores the model itself, in its own backend, gives the normal rows
/// with those weights.
pub fn add_detector(bytes: &[u8], opts: &DetectorOptions) -> Result<(Vec<u8>, f64), ExportError> {
    let scores = |model: &[u8], task: &Task| {
        let mut normal = opts.normal.clone();
        run(model, &mut normal, opts.dim, opts.seed, task)
    };
    let mut weights = Vec::with_capacity(opts.rows.len());
    for &row in &opts.rows {
        let level = scores(
            bytes,
            &Task::Score {
                rows: vec![row],
                repeats: opts.repeats,
            },
        )?;
        weights.push(level_weight(&level));
    }
    let mut detector = AnomalyData {
        plan: 0,
        repeats: opts.repeats,
        rows: opts.rows.clone(),
        threshold: 0.0,
        threshold_q: 0,
        weights: Some(weights),
    };
    let append = |d: &AnomalyData| format::append_section(bytes, d.kind().code(), 0, d.to_bytes());
    let threshold = percentile(
        &scores(&append(&detector)?, &Task::Detect)?,
        opts.percentile,
    );
    detector.threshold = threshold as f32;
    detector.threshold_q = (threshold * (1u64 << 32) as f64).round() as i64;
    Ok((append(&detector)?, threshold))
}

/// The weight of a level whose scores on the normal rows are `scores`: the
/// inverse of their mean, within what the file stores.
fn level_weight(scores: &[f64]) -> f32 {
    let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
    let smallest = 1.0 / 65536.0;
    (1.0 / mean).clamp(smallest, f64::from(format::MAX_ANOMALY_WEIGHT)) as f32
}
