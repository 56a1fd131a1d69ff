//! `tinyscore eval`: sample-quality metrics against reference data, as
//! JSON, next to the same metrics between two sets of real data (the
//! baseline: what "as good as the data" reads), with a one-line reading of
//! each metric.

use super::{CliError, EvalArgs, input};
use crate::data::{DataSource, Dataset, Table};
use crate::eval::Report;
use crate::note;
use crate::random::stream;

/// Times (as fractions of the schedule's range) at which the Fisher
/// divergence of a model against a `gmm:` reference is reported.
const FISHER_TIMES: [f64; 4] = [0.05, 0.2, 0.5, 0.8];

/// What each metric says, for `--help` and the report.
pub const READINGS: [(&str, &str); 5] = [
    (
        "sliced_wasserstein",
        "sliced Wasserstein-2 distance, in data units: how far the samples' \
         mass must move to match the reference, averaged over random 1-D projections",
    ),
    (
        "mmd2",
        "squared maximum mean discrepancy (RBF kernel, median bandwidth): \
         0 when the sets come from one distribution, can be slightly negative by chance",
    ),
    (
        "energy_distance",
        "energy distance: 2E|X−Y| − E|X−X'| − E|Y−Y'|, 0 only for equal distributions",
    ),
    (
        "mean_error",
        "distance between the two sets' means, in data units",
    ),
    (
        "cov_error",
        "Frobenius norm of the difference of the two covariance matrices",
    ),
];

/// `eval --help`'s long description.
pub const LONG_ABOUT: &str = "Compare samples with reference data (JSON report).

The report holds each metric of the samples against the reference and, under \
`baseline`, the same metric between two sets of real data of the same size (two \
fresh draws of a built-in set, or two random halves of a file): samples as good as \
the data score about the baseline, and `ratio_to_baseline` says how far off they are.

Metrics:
  sliced_wasserstein  sliced Wasserstein-2 distance in data units (mass moved along
                      random 1-D projections)
  mmd2                squared maximum mean discrepancy, RBF kernel with the median
                      bandwidth (0 for one distribution; may be slightly negative)
  energy_distance     2E|X−Y| − E|X−X'| − E|Y−Y'| (0 only for equal distributions)
  mean_error          distance between the means, data units
  cov_error           Frobenius norm of the difference of the covariances
  fisher_divergence   with --model and a gmm: reference: E|s_θ − ∇log p_t|² at a few
                      noise levels, against the mixture's exact score
  closest_record      with --training: the median distance from the samples and from
                      the reference to their closest training row, its ratio (near 1:
                      new data; well below 1: copies of training rows) and the share
                      of samples nearer than 5 % of the reference rows are";

/// Runs the command.
pub fn run(args: &EvalArgs) -> Result<(), CliError> {
    let samples = input::read_samples(&args.samples)?;
    let reference = input::source(&args.against)?;
    let mut table = input::read(
        &reference,
        &samples.columns,
        args.labels.as_deref(),
        false,
        (2 * samples.data.len(), args.seed),
    )?;
    if let Some(class) = &args.class {
        table = table.of_class(class).ok_or_else(|| {
            CliError::Input(format!(
                "--class {class}: {} has no class labels (name them with --labels)",
                args.against
            ))
        })?;
        if table.data.is_empty() {
            return Err(CliError::Input(format!(
                "{}: no rows of class {class}",
                args.against
            )));
        }
        note!(
            "compared with the {} rows of class {class}",
            table.data.len()
        )?;
    }
    let n = samples.data.len();
    let (against, baseline) = split(&reference, &table.data, n, args.seed);
    let dim = samples.data.dim;
    let report = crate::eval::evaluate(&samples.data.rows, &against.rows, dim, args.seed);
    let base = crate::eval::evaluate(&baseline.0.rows, &baseline.1.rows, dim, args.seed);
    let mut doc = serde_json::to_value(&report).map_err(|e| CliError::Input(e.to_string()))?;
    doc["columns"] = samples.columns.clone().into();
    doc["class"] = args.class.clone().into();
    doc["baseline"] = serde_json::to_value(&base).map_err(|e| CliError::Input(e.to_string()))?;
    doc["baseline"]["what"] = baseline.2.into();
    let mut ratios = serde_json::Map::new();
    let mut readings = serde_json::Map::new();
    for (key, reading) in READINGS {
        let (v, b) = (metric(&report, key), metric(&base, key));
        // A ratio to a baseline at or below zero (MMD² is unbiased, so two
        // real sets can give a slightly negative one) says nothing.
        let ratio = if b > 0.0 { v / b } else { f64::NAN };
        ratios.insert(key.into(), ratio.into());
        readings.insert(key.into(), reading.into());
        let times = if ratio.is_nan() {
            String::new()
        } else {
            format!(", ×{ratio:.2}")
        };
        note!("{key:<18} {v:>12.6}  (data vs data {b:.6}{times})")?;
    }
    doc["ratio_to_baseline"] = ratios.into();
    doc["readings"] = readings.into();
    if let Some(training) = &args.training {
        doc["closest_record"] = closest_record(training, &samples, &table.data, args.seed)?;
    }
    if let Some(model) = &args.model {
        doc["fisher_divergence"] = fisher(args, model, &reference)?;
    }
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    super::emit(args.out.as_deref(), &text)
}

/// A metric of a report by its JSON name.
fn metric(report: &Report, key: &str) -> f64 {
    match key {
        "sliced_wasserstein" => report.sliced_wasserstein,
        "mmd2" => report.mmd2,
        "energy_distance" => report.energy_distance,
        "mean_error" => report.mean_error,
        _ => report.cov_error,
    }
}

/// The reference the samples are compared with, and the two real sets of
/// the baseline with what they are. A generator's `2n` points give two
/// draws of `n` (the first the reference); a file is compared whole, and
/// its baseline is two random halves of it.
fn split(
    source: &DataSource,
    data: &Dataset,
    n: usize,
    seed: u64,
) -> (Dataset, (Dataset, Dataset, String)) {
    if !source.is_file() && data.len() >= 2 * n {
        let first = Dataset::new(data.dim, data.rows[..n * data.dim].to_vec());
        let second = Dataset::new(data.dim, data.rows[n * data.dim..2 * n * data.dim].to_vec());
        let what = format!("two fresh draws of {n} points of {source}");
        return (first.clone(), (first, second, what));
    }
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = stream(seed, 0xba5e);
    for i in (1..order.len()).rev() {
        order.swap(i, crate::random::below(&mut rng, i + 1));
    }
    let half = data.len() / 2;
    let pick = |rows: &[usize]| {
        let mut d = Dataset::with_capacity(data.dim, rows.len());
        rows.iter().for_each(|&r| d.push(data.row(r)));
        d
    };
    let what = format!("two random halves ({half} rows each) of {source}");
    (
        data.clone(),
        (pick(&order[..half]), pick(&order[half..2 * half]), what),
    )
}

/// The samples' and the reference's distances to the closest row of the
/// training data file `path` ([`crate::eval::closest_record()`]), noted and
/// as JSON.
fn closest_record(
    path: &str,
    samples: &Table,
    reference: &Dataset,
    seed: u64,
) -> Result<serde_json::Value, CliError> {
    let source = input::source(path)?;
    if !source.is_file() {
        return Err(CliError::Input(format!(
            "--training {path}: name the training data file (a built-in set draws new points)"
        )));
    }
    let training = input::read(&source, &samples.columns, None, false, (0, seed))?;
    let dim = samples.data.dim;
    let record = crate::eval::closest_record(
        &samples.data.rows,
        &reference.rows,
        &training.data.rows,
        dim,
    )
    .map_err(|e| CliError::Input(format!("--training {path}: {e}")))?;
    note!(
        "closest training row: samples {:.6}, reference {:.6} (median distance, ×{:.2}); \
         {:.1} % of samples nearer to it than the nearest {:.0} % of the reference rows",
        record.samples_median,
        record.heldout_median,
        record.ratio,
        100.0 * record.share_near,
        crate::eval::NEAR_PERCENTILE
    )?;
    serde_json::to_value(&record).map_err(|e| CliError::Input(e.to_string()))
}

/// The Fisher divergence of `model` to a `gmm:` reference's exact score.
fn fisher(
    args: &EvalArgs,
    model: &std::path::Path,
    reference: &DataSource,
) -> Result<serde_json::Value, CliError> {
    let DataSource::Gmm(gmm) = reference else {
        return Err(CliError::Input(
            "--model needs a gmm: reference (its exact score is known)".into(),
        ));
    };
    let bytes = super::read(model)?;
    let parsed = super::parse_model(model, &bytes)?;
    let t_max = parsed.schedule().t_max();
    let mut fisher = serde_json::Map::new();
    for frac in FISHER_TIMES {
        let t = match parsed.schedule() {
            tinyscore::schedule::Schedule::Discrete(_) => (frac * t_max).round(),
            tinyscore::schedule::Schedule::Sde(_) => frac * t_max,
        };
        let value = crate::fisher::fisher_divergence(&bytes, gmm, t, 2000, args.seed)
            .map_err(|e| CliError::Input(e.to_string()))?;
        fisher.insert(format!("{t}"), value.into());
    }
    Ok(fisher.into())
}
