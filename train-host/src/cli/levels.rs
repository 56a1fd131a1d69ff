//! Noise levels as users give them (a share of the schedule's time, or a
//! standard deviation in data units) turned into the plan row whose level
//! `denoise` and `score` use, with a description of what was chosen.

use super::CliError;
use super::options::NoiseLevel;
use crate::restore::row_at;
use tinyscore::format::Model;
use tinyscore::plan::Plan;

/// A plan row chosen for a noise level, and what it means.
#[derive(Clone, Debug, PartialEq)]
pub struct ChosenLevel {
    /// The row of plan 0.
    pub row: u32,
    /// E.g. `0.1 → t = 99 (noise σ/α 0.35, about 0.41 in data units)`.
    pub description: String,
}

/// The row of plan 0 for `level`: the first row whose time is at most the
/// share of the schedule's time, or whose noise-to-signal ratio σ/α is at
/// most the data-unit σ over the data's mean scale.
pub fn choose(model: &Model<'_>, level: NoiseLevel) -> Result<ChosenLevel, CliError> {
    let plan = model
        .plan(0)
        .ok_or_else(|| CliError::Input("the model has no embedded plan".into()))?;
    let rows = plan.header().rows;
    let scales: Vec<f32> = model.normalization().scale().iter().collect();
    let mean_scale = scales.iter().map(|&s| f64::from(s)).sum::<f64>() / scales.len().max(1) as f64;
    let ratio = |k: u32| {
        plan.row(k as usize)
            .filter(|r| r.alpha > 0.0)
            .map(|r| f64::from(r.sigma) / f64::from(r.alpha))
    };
    let row = match level {
        NoiseLevel::Fraction(f) => row_at(model, f * model.schedule().t_max())
            .map_err(|e| CliError::Input(e.to_string()))?,
        NoiseLevel::Sigma(s) => {
            if ratio(0).is_none() {
                return Err(CliError::Input(
                    "sigma=S needs plan rows with stored levels (format 1.1 or later)".into(),
                ));
            }
            let wanted = s / mean_scale;
            (0..rows)
                .find(|&k| ratio(k).is_some_and(|r| r <= wanted))
                .unwrap_or(rows.saturating_sub(1))
        }
    };
    let t = plan.row(row as usize).map_or(0.0, |r| r.t);
    let noise = ratio(row).map_or_else(String::new, |r| {
        format!(
            " (noise σ/α {r:.3} in model units, about {:.3} in data units)",
            r * mean_scale
        )
    });
    Ok(ChosenLevel {
        row,
        description: format!("level {level}: plan row {row} of {rows}, t = {t}{noise}"),
    })
}
