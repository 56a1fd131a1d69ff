//! `tinyscore score`: anomaly scores of the rows of a CSV/NPY file (the
//! model's mean squared denoising error over a few noise levels), with a
//! decision against the threshold stored in the model (`export
//! --anomaly-normal`) or one calibrated here on held-out normal data.

use super::{CliError, ScoreArgs};
use crate::restore::{Task, percentile, row_at, run};
use crate::{note, outln};
use tinyscore::format::{Backend, Model};

/// Runs the command: one line per row, `score` or `score,anomaly`.
pub fn run_score(args: &ScoreArgs) -> Result<(), CliError> {
    let bytes = super::read(&args.model)?;
    let model = Model::parse(&bytes).map_err(|e| {
        CliError::Input(format!("{}: invalid model file: {e}", args.model.display()))
    })?;
    let model_error = |e: crate::host_sampling::SampleError| {
        CliError::Input(format!("{}: {e}", args.model.display()))
    };
    let t_max = model.schedule().t_max();
    // The model's stored detector, unless normal data is given here.
    let stored = model.anomaly().filter(|_| args.normal.is_none());
    let (rows, repeats) = match stored {
        Some(d) => (d.rows().collect(), d.repeats()),
        None => (
            args.levels
                .iter()
                .map(|&f| row_at(&model, f * t_max))
                .collect::<Result<Vec<_>, _>>()
                .map_err(model_error)?,
            args.repeats,
        ),
    };
    let task = Task::Score { rows, repeats };
    let scores_of = |path| -> Result<Vec<f64>, CliError> {
        let mut data = super::eval::load_samples(path)?;
        run(&bytes, &mut data.rows, data.dim, args.seed, &task).map_err(model_error)
    };
    let threshold = match (&args.normal, stored) {
        (Some(path), _) => {
            let normal = scores_of(path)?;
            let t = percentile(&normal, args.percentile);
            note!(
                "threshold {t} ({}th percentile of {} normal rows)",
                args.percentile,
                normal.len()
            )?;
            Some(t)
        }
        // The scores are exact conversions of the backend's own (Q32.32
        // for fixed point), so comparing here decides as the device would.
        (None, Some(d)) if model.backend() == Backend::Fixed => {
            Some(d.threshold_q() as f64 / (1u64 << 32) as f64)
        }
        (None, Some(d)) => Some(f64::from(d.threshold())),
        (None, None) => None,
    };
    let scores = scores_of(&args.input)?;
    let mut out = String::from(if threshold.is_some() {
        "score,anomaly\n"
    } else {
        "score\n"
    });
    for s in scores {
        match threshold {
            Some(t) => out += &format!("{s},{}\n", u8::from(s > t)),
            None => out += &format!("{s}\n"),
        }
    }
    outln!("{}", out.trim_end())?;
    Ok(())
}
