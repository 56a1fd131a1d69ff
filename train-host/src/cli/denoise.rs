//! `tinyscore denoise`: clean the rows of a CSV/NPY file with the model, by
//! SDEdit (noise to a level, then run the reverse plan) or by one Tweedie
//! step at that level.

use super::{CliError, DenoiseArgs};
use crate::note;
use crate::output::write_samples;
use crate::restore::{Task, row_alpha, row_at, run};
use tinyscore::format::Model;

/// Runs the command.
pub fn run_denoise(args: &DenoiseArgs) -> Result<(), CliError> {
    let bytes = super::read(&args.model)?;
    let model = Model::parse(&bytes).map_err(|e| {
        CliError::Input(format!("{}: invalid model file: {e}", args.model.display()))
    })?;
    let mut data = super::eval::load_samples(&args.input)?;
    let model_error = |e: crate::host_sampling::SampleError| {
        CliError::Input(format!("{}: {e}", args.model.display()))
    };
    let row = row_at(&model, args.level).map_err(model_error)?;
    let task = match args.method.as_str() {
        "sdedit" => Task::Denoise { row },
        "tweedie" => Task::Tweedie {
            row,
            alpha: row_alpha(&model, row).map_err(model_error)?,
        },
        other => {
            return Err(CliError::Input(format!(
                "--method {other}: expected sdedit or tweedie"
            )));
        }
    };
    run(&bytes, &mut data.rows, data.dim, args.seed, &task).map_err(model_error)?;
    write_samples(&args.out, &data.rows, data.dim)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    note!(
        "denoised {} rows from plan row {row}, wrote {}",
        data.len(),
        args.out.display()
    )?;
    Ok(())
}
