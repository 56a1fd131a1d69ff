//! `tinyscore impute`: fill in the empty cells of a CSV through the runtime.

use super::{CliError, ImputeArgs};
use crate::data::read_csv_with_gaps;
use crate::note;
use crate::output::write_samples;
use crate::restore::{Task, run};

/// Runs the command.
pub fn run_impute(args: &ImputeArgs) -> Result<(), CliError> {
    let bytes = super::read(&args.model)?;
    let mut data = read_csv_with_gaps(&args.input, None)?;
    let missing = data.rows.iter().filter(|v| v.is_nan()).count();
    let task = Task::Impute {
        resample: args.resample,
    };
    run(&bytes, &mut data.rows, data.dim, args.seed, &task)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.model.display())))?;
    write_samples(&args.out, &data.rows, data.dim)
        .map_err(|e| CliError::Input(format!("{}: {e}", args.out.display())))?;
    note!(
        "filled {missing} missing values in {} rows, wrote {}",
        data.len(),
        args.out.display()
    )?;
    Ok(())
}
