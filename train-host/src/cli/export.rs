//! `tinyscore export`: a run's EMA weights and one plan to a model file.

use super::{CliError, ExportArgs};
use crate::atomic::write_atomic;
use crate::calibrate::Calibration;
use crate::export::{Backend, ExportOptions, export};
use crate::spec;

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
    let state = crate::train::load(&args.run)?;
    let bytes = export(&state, &opts)?;
    write_atomic(&args.out, &bytes)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    eprintln!("wrote {} ({} bytes)", args.out.display(), bytes.len());
    Ok(())
}
