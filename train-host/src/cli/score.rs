//! `tinyscore score`: anomaly scores of the rows of a CSV/NPY file (the
//! model's mean squared denoising error over a few noise levels), with a
//! threshold calibrated on held-out normal data when one is given.

use super::{CliError, ScoreArgs};
use crate::restore::{Task, row_at, run};
use tinyscore::format::Model;

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
    let rows = args
        .levels
        .iter()
        .map(|&f| row_at(&model, f * t_max))
        .collect::<Result<Vec<_>, _>>()
        .map_err(model_error)?;
    let task = Task::Score {
        rows,
        repeats: args.repeats,
    };
    let scores_of = |path| -> Result<Vec<f64>, CliError> {
        let mut data = super::eval::load_samples(path)?;
        run(&bytes, &mut data.rows, data.dim, args.seed, &task).map_err(model_error)
    };
    let threshold = match &args.normal {
        Some(path) => {
            let mut normal = scores_of(path)?;
            normal.sort_by(f64::total_cmp);
            let k = ((args.percentile / 100.0) * normal.len() as f64).ceil() as usize;
            let t = normal[k.clamp(1, normal.len()) - 1];
            eprintln!(
                "threshold {t} ({}th percentile of {} normal rows)",
                args.percentile,
                normal.len()
            );
            Some(t)
        }
        None => None,
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
    print!("{out}");
    Ok(())
}
