//! `tinyscore export`: a run's EMA weights and one plan to a model file.

use super::{CliError, ExportArgs};
use crate::atomic::write_atomic;
use crate::calibrate::Calibration;
use crate::export::{Backend, DetectorOptions, ExportOptions, add_detector, export};
use crate::note;
use crate::spec;
use crate::train::RunState;

/// Runs the command.
pub fn run(args: &ExportArgs) -> Result<(), CliError> {
    let backend = match args.backend.as_str() {
        "f32" => Backend::F32,
        "f16" => Backend::F16,
        "fixed" => Backend::Fixed(Calibration {
            samples: args.calibration_samples,
            percentile: args.calibration_percentile,
            headroom: args.calibration_headroom,
            ..Calibration::default()
        }),
        other => {
            return Err(CliError::Input(format!(
                "--backend {other}: expected f32, f16 or fixed"
            )));
        }
    };
    let opts = ExportOptions {
        backend,
        sampler: spec::sampler(&args.sampler, args.eta)?,
        steps: args.steps,
        spacing: spec::spacing(&args.spacing)?,
        clip: args.clip,
    };
    let mut state = crate::train::load(&args.run)?;
    if args.qat > 0 {
        fine_tune(&mut state, args.qat, &opts)?;
    }
    let mut bytes = export(&state, &opts)?;
    if let Some(normal) = &args.anomaly_normal {
        let source: crate::data::DataSource = normal.parse()?;
        let dim = state.normalization.mean.len();
        let data = source.load_with_dim(2000, 0xa11, Some(dim))?;
        let detector = DetectorOptions {
            normal: data.rows,
            dim,
            percentile: args.anomaly_percentile,
            levels: args.anomaly_levels.clone(),
            repeats: args.anomaly_repeats,
            seed: 0xa11,
        };
        bytes = add_detector(&bytes, &detector)?;
    }
    if args.row_major {
        bytes = tinyscore::format::with_row_major_weights(&bytes)
            .map_err(|e| CliError::Input(format!("row-major weights: {e}")))?;
    }
    write_atomic(&args.out, &bytes)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    note!("wrote {} ({} bytes)", args.out.display(), bytes.len())?;
    Ok(())
}

/// Quantisation-aware fine-tuning: `steps` more training steps of the run
/// (continuing its optimiser, EMA and learning-rate schedule) with the
/// network evaluated on int8-rounded weights, in memory: the run directory
/// is not changed.
fn fine_tune(state: &mut RunState, steps: u64, opts: &ExportOptions) -> Result<(), CliError> {
    if !matches!(opts.backend, Backend::Fixed(_)) {
        return Err(CliError::Input("--qat applies to --backend fixed".into()));
    }
    state.config.steps = state.step + steps;
    state.config.fake_quant = true;
    let (data, _) = crate::train::load_data(&state.config)?;
    let scratch =
        tempfile::tempdir().map_err(|e| CliError::Input(format!("temporary directory: {e}")))?;
    note!("quantisation-aware fine-tuning for {steps} steps …")?;
    super::train::fit(state, &data, scratch.path())
}
