//! `tinyscore export`: a run's EMA weights and one plan to a model file.

use super::{CliError, ExportArgs, input, levels};
use crate::calibrate::Calibration;
use crate::export::{Backend, DetectorOptions, ExportOptions, FixedTime, add_detector, export};
use crate::note;
use crate::progress::Progress;
use crate::spec;
use crate::train::RunState;
use tinyscore::format::Model;

/// Runs the command.
pub fn run(args: &ExportArgs) -> Result<(), CliError> {
    let backend = match args.backend.as_str() {
        "f16" => Backend::F16,
        "fixed" => Backend::Fixed {
            calibration: Calibration {
                samples: args.calibration_samples as usize,
                percentile: args.calibration_percentile,
                headroom: args.calibration_headroom,
                ..Calibration::default()
            },
            // Runtimes before 1.3 read only folded time.
            time: match args.time.as_str() {
                _ if args.row_major => FixedTime::Folded,
                "folded" => FixedTime::Folded,
                "embedded" => FixedTime::Embedded,
                _ => FixedTime::Auto,
            },
        },
        _ => Backend::F32,
    };
    if args.anomaly_normal.is_none() && args.detector.any() {
        return Err(CliError::Input(
            "--levels, --repeats and --percentile set the detector: give --anomaly-normal DATA"
                .into(),
        ));
    }
    let mut state = crate::train::load(&args.run)?;
    let plan = args.plan.resolve(state.config.plan.as_ref());
    let opts = ExportOptions {
        backend,
        sampler: spec::sampler(&plan.sampler, args.plan.eta, args.plan.churn)?,
        steps: plan.steps,
        spacing: spec::spacing(&plan.spacing)?,
        clip: args.clip,
    };
    if args.qat > 0 && state.config.distill.is_some() {
        return Err(CliError::Input(
            "--qat fine-tunes with the run's training loss; a distilled student has none \
             (distill a teacher fine-tuned for fixed point instead)"
                .into(),
        ));
    }
    if args.qat > 0 {
        fine_tune(&mut state, args.qat, &opts)?;
    } else if args.weights == "best"
        && let Some((step, loss)) = state.use_best()
    {
        note!(
            "exporting the EMA weights of step {step} (lowest validation loss, {loss:.4}; \
             --weights last for the last)"
        )?;
    }
    let fixed = matches!(opts.backend, Backend::Fixed { .. });
    let progress = fixed.then(|| {
        Progress::start(
            "calibrating fixed point on sampled trajectories",
            "samples",
            args.calibration_samples.into(),
            0,
        )
    });
    let mut bytes = export(&state, &opts)?;
    if let Some(progress) = progress {
        progress.finish();
    }
    if let Some(normal) = &args.anomaly_normal {
        bytes = detector(args, normal, &bytes)?;
    }
    if args.row_major {
        bytes = tinyscore::format::with_row_major_weights(&bytes)
            .map_err(|e| CliError::Input(format!("row-major weights: {e}")))?;
    }
    super::write(&args.out, &bytes)?;
    note!(
        "wrote {} ({} bytes, {} backend, {} {} steps{})",
        args.out.display(),
        bytes.len(),
        args.backend,
        plan.sampler,
        plan.steps,
        if args.anomaly_normal.is_some() {
            ", anomaly detector"
        } else {
            ""
        }
    )?;
    if let Some(line) = super::distill::sampling_note(&state.config) {
        note!("{line}")?;
    }
    Ok(())
}

/// `bytes` with a detector calibrated on the `normal` data.
fn detector(args: &ExportArgs, normal: &str, bytes: &[u8]) -> Result<Vec<u8>, CliError> {
    let model = Model::parse(bytes).map_err(|e| CliError::Input(e.to_string()))?;
    let columns = input::column_names(&model);
    let source = input::source(normal)?;
    let table = input::read(
        &source,
        &columns,
        args.labels.as_deref(),
        false,
        (2000, 0xa11),
    )?;
    let rows = args
        .detector
        .levels()
        .into_iter()
        .map(|l| levels::choose(&model, l).map(|c| c.row))
        .collect::<Result<Vec<_>, _>>()?;
    // Each normal row is scored once per level (the levels' weights), then
    // once more with the weighted detector (the threshold).
    let scores = table.data.len() as u64 * (rows.len() as u64 + 1);
    let options = DetectorOptions {
        normal: table.data.rows,
        dim: columns.len(),
        percentile: args.detector.percentile(),
        rows,
        repeats: args.detector.repeats(),
        seed: 0xa11,
    };
    let progress = Progress::start("scoring the normal rows", "scores", scores, 0);
    let (bytes, threshold) = add_detector(bytes, &options)?;
    progress.finish();
    note!(
        "anomaly threshold {threshold:.6} ({}th percentile of the normal rows' scores)",
        options.percentile
    )?;
    Ok(bytes)
}

/// Quantisation-aware fine-tuning: `steps` more training steps of the run
/// (continuing its optimiser, EMA and learning-rate schedule) with the
/// network evaluated on int8-rounded weights, in memory: the run directory
/// is not changed.
fn fine_tune(state: &mut RunState, steps: u64, opts: &ExportOptions) -> Result<(), CliError> {
    if !matches!(opts.backend, Backend::Fixed { .. }) {
        return Err(CliError::Input("--qat applies to --backend fixed".into()));
    }
    state.config.steps = state.step + steps;
    state.config.fake_quant = true;
    let (data, _) = super::train::load(&state.config)?;
    let scratch =
        tempfile::tempdir().map_err(|e| CliError::Input(format!("temporary directory: {e}")))?;
    note!("quantisation-aware fine-tuning for {steps} steps")?;
    super::train::fit(state, &data, scratch.path())
}
