//! `tinyscore eval`: sample-quality metrics against reference data, as JSON.

use super::{CliError, EvalArgs};
use crate::data::DataSource;
use crate::outln;

/// Times (as fractions of the schedule's range) at which the Fisher
/// divergence of a model against a `gmm:` reference is reported.
const FISHER_TIMES: [f64; 4] = [0.05, 0.2, 0.5, 0.8];

/// Runs the command.
pub fn run(args: &EvalArgs) -> Result<(), CliError> {
    let samples = load_samples(&args.samples)?;
    let reference: DataSource = args.against.parse()?;
    let reference_data = reference.load_with_dim(samples.len(), args.seed, Some(samples.dim))?;
    let report = crate::eval::evaluate(&samples.rows, &reference_data.rows, samples.dim, args.seed);
    let mut doc = serde_json::to_value(&report).map_err(|e| CliError::Input(e.to_string()))?;
    if let Some(model) = &args.model {
        let DataSource::Gmm(gmm) = &reference else {
            return Err(CliError::Input(
                "--model needs a gmm: reference (its exact score is known)".into(),
            ));
        };
        let bytes = super::read(model)?;
        let parsed = tinyscore::format::Model::parse(&bytes)
            .map_err(|e| CliError::Input(format!("{}: {e}", model.display())))?;
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
        doc["fisher_divergence"] = fisher.into();
    }
    outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default())?;
    Ok(())
}

/// Reads a sample file (.csv or .npy) with the data loaders' checks.
pub(super) fn load_samples(path: &std::path::Path) -> Result<crate::data::Dataset, CliError> {
    let source: DataSource = path
        .to_str()
        .ok_or_else(|| CliError::Input(format!("{}: path is not UTF-8", path.display())))?
        .parse()?;
    if !source.is_file() {
        return Err(CliError::Input(format!(
            "{}: samples must be a .csv or .npy file",
            path.display()
        )));
    }
    Ok(source.load(0, 0)?)
}
