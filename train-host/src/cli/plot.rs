//! `tinyscore plot`: samples (scatter, image grid or histograms, by
//! dimension), a trajectory file, or a run directory's loss curve.

use super::{CliError, PlotArgs};
use crate::data::DataSource;

/// Runs the command.
pub fn run(args: &PlotArgs) -> Result<(), CliError> {
    if args.input.is_dir() {
        let state = crate::train::load(&args.input)?;
        let steps: Vec<u64> = state.losses.iter().map(|l| l.0).collect();
        let losses: Vec<f32> = state.losses.iter().map(|l| l.1).collect();
        crate::plot::loss_curve(&steps, &losses, &args.out)?;
        return Ok(());
    }
    let name = args.input.to_string_lossy();
    if name.ends_with(".trajectory.csv") {
        return trajectory(&args.input, &args.out);
    }
    let samples = super::eval::load_samples(&args.input)?;
    let reference = match &args.against {
        Some(name) => {
            let source: DataSource = name.parse()?;
            Some(source.load_with_dim(samples.len().max(1), 0, Some(samples.dim))?)
        }
        None => None,
    };
    crate::plot::plot_samples(
        &samples.rows,
        samples.dim,
        reference.as_ref().map(|r| r.rows.as_slice()),
        &args.out,
    )?;
    Ok(())
}

/// Plots a `sample --trajectory` file: a `step` column, then the state.
fn trajectory(input: &std::path::Path, out: &std::path::Path) -> Result<(), CliError> {
    let table = crate::data::read_csv(input, None)?;
    if table.dim < 2 {
        return Err(CliError::Input(format!(
            "{}: no state columns",
            input.display()
        )));
    }
    let mut states: Vec<Vec<f32>> = Vec::new();
    for row in table.iter() {
        let step = row[0] as usize;
        if states.len() <= step {
            states.resize(step + 1, Vec::new());
        }
        states[step].extend_from_slice(&row[1..]);
    }
    crate::plot::trajectories(&states, out)?;
    Ok(())
}
