//! `tinyscore denoise`: clean the rows of a CSV/NPY file with the model, by
//! SDEdit (noise to a level, then run the reverse plan) or by one Tweedie
//! step at that level.

use super::{CliError, DenoiseArgs, input, levels};
use crate::note;
use crate::progress::Progress;
use crate::restore::{Task, row_alpha, run};

/// Runs the command.
pub fn run_denoise(args: &DenoiseArgs) -> Result<(), CliError> {
    let bytes = super::read(&args.model)?;
    let model = super::parse_model(&args.model, &bytes)?;
    let mut table = input::read_for_model(&args.input, &model, args.labels.as_deref(), false)?;
    let model_error = |e: crate::host_sampling::SampleError| {
        CliError::Input(format!("{}: {e}", args.model.display()))
    };
    let level = levels::choose(&model, args.level)?;
    note!("{}", level.description)?;
    let row = level.row;
    let task = match args.method.as_str() {
        "tweedie" => Task::Tweedie {
            row,
            alpha: row_alpha(&model, row).map_err(model_error)?,
        },
        _ => Task::Denoise { row },
    };
    let progress = Progress::start(
        &format!("denoising ({})", args.method),
        "rows",
        table.data.len() as u64,
        0,
    );
    run(
        &bytes,
        &mut table.data.rows,
        table.data.dim,
        args.seed,
        &task,
    )
    .map_err(model_error)?;
    progress.finish();
    super::write_rows(&args.out, &table)?;
    note!(
        "wrote {} ({} denoised rows)",
        args.out.display(),
        table.data.len()
    )?;
    Ok(())
}
