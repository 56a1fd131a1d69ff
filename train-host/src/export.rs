//! Export: a training run's EMA weights, normalisation, schedule and one
//! compiled sampling plan, written as a `.tsm` model file by the runtime's
//! own writer, in any of the runtime's backends. f16 rounds the weight
//! matrices; fixed-point folds the time embedding into the plan, calibrates
//! activation ranges on the model's own trajectories ([`crate::calibrate`])
//! and quantises with the runtime's quantiser.

use crate::calibrate::{Calibration, CalibrationError, calibrate, fold_time};
use crate::spec::ScheduleSpec;
use crate::train::{MAX_PERIOD, RunState, TrainError, network, prediction};
use tinyscore::format::{self, ModelSpec, PlanData, TimeConditioning, WeightsData};
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
    let spec = ModelSpec {
        x_dim: dim as u32,
        time: TimeConditioning::Sinusoidal {
            dim: c.emb_dim as u32,
            max_period: MAX_PERIOD,
            scale: schedule.time_scale(),
        },
        prediction: prediction(&c.prediction)?,
        layers: mlp.layers.clone(),
        weights: WeightsData::F32(state.ema.clone()),
        mean: state.normalization.mean.clone(),
        scale: state.normalization.scale.clone(),
        schedule: schedule.0,
        plans: vec![plan],
        extra_sections: Vec::new(),
    };
    match opts.backend {
        Backend::F32 => Ok(format::write(&spec)?),
        Backend::F16 => Ok(format::write(&ModelSpec {
            weights: WeightsData::F16(state.ema.clone()),
            ..spec
        })?),
        Backend::Fixed(cal) => {
            let f32_model = format::write(&spec)?;
            let mlp = network(c, dim);
            let scales = calibrate(&f32_model, &mlp, &state.ema, &cal)?;
            let fixed = tinyscore::fixed::quantize::quantize(&fold_time(&spec), &scales)?;
            Ok(format::write(&fixed)?)
        }
    }
}
