//! `tinyscore impute`: fill in the missing cells of data rows (empty in
//! CSV, NaN in NPY) through the runtime.

use super::{CliError, ImputeArgs, input};
use crate::note;
use crate::progress::Progress;
use crate::restore::{Task, run};

/// Runs the command.
pub fn run_impute(args: &ImputeArgs) -> Result<(), CliError> {
    let bytes = super::read(&args.model)?;
    let model = super::parse_model(&args.model, &bytes)?;
    let mut table = input::read_for_model(&args.input, &model, args.labels.as_deref(), true)?;
    let observed = table.data.rows.clone();
    let missing = observed.iter().filter(|v| v.is_nan()).count();
    let task = Task::Impute {
        resample: args.resample,
    };
    let progress = Progress::start("imputing", "rows", table.data.len() as u64, 0);
    run(
        &bytes,
        &mut table.data.rows,
        table.data.dim,
        args.seed,
        &task,
    )
    .map_err(|e| CliError::Input(format!("{}: {e}", args.model.display())))?;
    progress.finish();
    // The observed values go out as they came in: the round trip through
    // model units would change their last bits.
    for (v, &o) in table.data.rows.iter_mut().zip(&observed) {
        if !o.is_nan() {
            *v = o;
        }
    }
    super::write_rows(&args.out, &table)?;
    note!(
        "wrote {} ({} rows, {missing} missing values filled)",
        args.out.display(),
        table.data.len(),
    )?;
    Ok(())
}
