//! `tinyscore score`: anomaly scores of the rows of a CSV/NPY file (the
//! model's mean squared denoising error over a few noise levels), with a
//! decision against the threshold stored in the model (`export
//! --anomaly-normal`) or one calibrated here on held-out normal data.

use super::{CliError, ScoreArgs, input, levels};
use crate::export::{DetectorOptions, add_detector};
use crate::note;
use crate::output::csv_cell;
use crate::progress::Progress;
use crate::restore::{Task, run};
use tinyscore::format::{Backend, Model};

/// Runs the command: one line per row, `score` or `score,anomaly` (and the
/// label, with `--labels`).
pub fn run_score(args: &ScoreArgs) -> Result<(), CliError> {
    let bytes = super::read(&args.model)?;
    let model = super::parse_model(&args.model, &bytes)?;
    let model_error = |e: crate::host_sampling::SampleError| {
        CliError::Input(format!("{}: {e}", args.model.display()))
    };
    // The model's stored detector, unless normal data is given here.
    let stored = model.anomaly().filter(|_| args.normal.is_none());
    if stored.is_some() && args.detector.any() {
        return Err(CliError::Input(format!(
            "{} stores an anomaly detector ({}); --levels, --repeats and --percentile \
             would not change it: give --normal DATA to calibrate a new threshold with them",
            args.model.display(),
            describe_stored(&model)
        )));
    }
    let scores_of = |model: &[u8], task: &Task, table: &mut crate::data::Table, what: &str| {
        let progress = Progress::start(what, "rows", table.data.len() as u64, 0);
        let scores = run(model, &mut table.data.rows, table.data.dim, args.seed, task)
            .map_err(model_error)?;
        progress.finish();
        Ok::<_, CliError>(scores)
    };
    let chosen_rows = || -> Result<Vec<u32>, CliError> {
        let mut rows = Vec::new();
        for level in args.detector.levels() {
            let chosen = levels::choose(&model, level)?;
            note!("{}", chosen.description)?;
            rows.push(chosen.row);
        }
        Ok(rows)
    };
    // The model whose detector scores, and its threshold; without either,
    // the unweighted score over the chosen levels and no decision.
    let (scorer, task, threshold) = match (&args.normal, stored) {
        (Some(path), _) => {
            let rows = chosen_rows()?;
            let normal = input::read_for_model(path, &model, args.labels.as_deref(), false)?;
            let rows_read = normal.data.len();
            let options = DetectorOptions {
                dim: normal.data.dim,
                normal: normal.data.rows,
                percentile: args.detector.percentile(),
                repeats: args.detector.repeats(),
                rows,
                seed: args.seed,
            };
            let scores = rows_read as u64 * (options.rows.len() as u64 + 1);
            let progress = Progress::start("scoring the normal rows", "scores", scores, 0);
            let (with, t) = add_detector(&bytes, &options)?;
            progress.finish();
            note!(
                "threshold {t:.6} ({}th percentile of {} normal rows)",
                options.percentile,
                rows_read
            )?;
            (with, Task::Detect, Some(t))
        }
        (None, Some(_)) => {
            note!("using the stored detector: {}", describe_stored(&model))?;
            (bytes.clone(), Task::Detect, stored_threshold(&model))
        }
        (None, None) => {
            let task = Task::Score {
                rows: chosen_rows()?,
                repeats: args.detector.repeats(),
            };
            (bytes.clone(), task, None)
        }
    };
    let mut table = input::read_for_model(&args.input, &model, args.labels.as_deref(), false)?;
    let scores = scores_of(&scorer, &task, &mut table, "scoring")?;
    let labels = table.labels.as_ref();
    let mut out = String::from("score");
    if threshold.is_some() {
        out += ",anomaly";
    }
    if let Some((name, _)) = labels {
        out += &format!(",{}", csv_cell(name));
    }
    out.push('\n');
    let mut anomalies = 0;
    for (i, s) in scores.iter().enumerate() {
        out += &format!("{s}");
        if let Some(t) = threshold {
            // A score that cannot be computed is never "normal".
            let anomaly = s.is_nan() || *s > t;
            anomalies += usize::from(anomaly);
            out += &format!(",{}", u8::from(anomaly));
        }
        if let Some((_, l)) = labels {
            out += &format!(",{}", csv_cell(l.get(i).map_or("", String::as_str)));
        }
        out.push('\n');
    }
    if threshold.is_some() {
        note!("{anomalies} of {} rows above the threshold", scores.len())?;
    }
    super::emit(args.out.as_deref(), &out)
}

/// The stored detector's threshold, as the backend decides: the scores are
/// exact conversions of the backend's own (Q32.32 for fixed point).
fn stored_threshold(model: &Model<'_>) -> Option<f64> {
    let d = model.anomaly()?;
    Some(if model.backend() == Backend::Fixed {
        d.threshold_q() as f64 / (1u64 << 32) as f64
    } else {
        f64::from(d.threshold())
    })
}

/// `threshold 1.23, plan rows 980, 950, 900, 800, 4 draws per level, levels weighted …`.
fn describe_stored(model: &Model<'_>) -> String {
    let Some(d) = model.anomaly() else {
        return String::new();
    };
    let rows: Vec<String> = d.rows().map(|r| r.to_string()).collect();
    let weighting = if d.weighted() {
        "levels weighted by their normal scores"
    } else {
        "levels unweighted"
    };
    format!(
        "threshold {:.6}, plan rows {}, {} draws per level, {weighting}",
        stored_threshold(model).unwrap_or(0.0),
        rows.join(", "),
        d.repeats()
    )
}
