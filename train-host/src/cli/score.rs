//! `tinyscore score`: anomaly scores of the rows of a CSV/NPY file (the
//! model's mean squared denoising error over a few noise levels), with a
//! decision against the threshold stored in the model (`export
//! --anomaly-normal`) or one calibrated here on held-out normal data.

use super::{CliError, ScoreArgs, input, levels};
use crate::note;
use crate::output::csv_cell;
use crate::progress::Progress;
use crate::restore::{Task, percentile, run};
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
    let (rows, repeats) = match stored {
        Some(d) => {
            note!("using the stored detector: {}", describe_stored(&model))?;
            (d.rows().collect(), d.repeats())
        }
        None => {
            let mut rows = Vec::new();
            for level in args.detector.levels() {
                let chosen = levels::choose(&model, level)?;
                note!("{}", chosen.description)?;
                rows.push(chosen.row);
            }
            (rows, args.detector.repeats())
        }
    };
    let task = Task::Score { rows, repeats };
    let scores_of = |table: &mut crate::data::Table, what: &str| -> Result<Vec<f64>, CliError> {
        let progress = Progress::start(what, "rows", table.data.len() as u64, 0);
        let scores = run(
            &bytes,
            &mut table.data.rows,
            table.data.dim,
            args.seed,
            &task,
        )
        .map_err(model_error)?;
        progress.finish();
        Ok(scores)
    };
    let threshold = match (&args.normal, stored) {
        (Some(path), _) => {
            let mut normal = input::read_for_model(path, &model, args.labels.as_deref(), false)?;
            let scores = scores_of(&mut normal, "scoring the normal rows")?;
            let p = args.detector.percentile();
            let t = percentile(&scores, p);
            note!(
                "threshold {t:.6} ({p}th percentile of {} normal rows)",
                scores.len()
            )?;
            Some(t)
        }
        (None, Some(_)) => stored_threshold(&model),
        (None, None) => None,
    };
    let mut table = input::read_for_model(&args.input, &model, args.labels.as_deref(), false)?;
    let scores = scores_of(&mut table, "scoring")?;
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

/// `threshold 0.0123, plan rows 980, 950, 900, 800, 4 draws per level`.
fn describe_stored(model: &Model<'_>) -> String {
    let Some(d) = model.anomaly() else {
        return String::new();
    };
    let rows: Vec<String> = d.rows().map(|r| r.to_string()).collect();
    format!(
        "threshold {:.6}, plan rows {}, {} draws per level",
        stored_threshold(model).unwrap_or(0.0),
        rows.join(", "),
        d.repeats()
    )
}
