//! Options shared by several commands, their one set of defaults, and the
//! checks of every numeric option.
//!
//! An option that means the same thing in two commands is defined once
//! here, so it has the same name, default and valid range everywhere
//! (`plan`, `export` and `sample` spell a plan the same way; `export` and
//! `score` a detector). Every number is checked when the command line is
//! read: a NaN, an infinity or a value out of range is a usage error that
//! names the option and its valid range, before any work starts.

use clap::Args;
use clap::builder::PossibleValuesParser;

/// Samples drawn by `sample` and `parity` unless `-n` says otherwise.
pub const SAMPLES: usize = 1000;
/// Sampler of a plan unless `--sampler` says otherwise.
pub const SAMPLER: &str = "ddpm";
/// Steps of a plan unless `--steps` says otherwise.
pub const STEPS: u32 = 1000;
/// Spacing of a plan unless `--spacing` says otherwise.
pub const SPACING: &str = "trailing";
/// An anomaly detector's noise levels unless `--levels` says otherwise.
pub const LEVELS: &str = "0.02,0.05,0.1,0.2";
/// An anomaly detector's noise draws per level.
pub const REPEATS: u32 = 4;
/// An anomaly detector's threshold percentile.
pub const PERCENTILE: f64 = 99.0;

/// Every sampler name (`tinyscore::plan::SamplerKind`, spelled as
/// [`crate::spec::sampler`] reads them).
pub const SAMPLERS: [&str; 9] = [
    "ddpm",
    "ddpm-large",
    "ddim",
    "euler-maruyama",
    "pf-ode-euler",
    "pf-ode-heun",
    "dpmpp-2m",
    "langevin",
    "pc",
];
/// Every timestep spacing.
pub const SPACINGS: [&str; 3] = ["leading", "trailing", "linspace"];
/// Every backend of an exported model.
pub const BACKENDS: [&str; 3] = ["f32", "f16", "fixed"];

/// A finite number in a range, or the message naming the range.
fn number(s: &str, low: (f64, bool), high: (f64, bool)) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number"))?;
    let above = if low.1 { v >= low.0 } else { v > low.0 };
    let below = if high.1 { v <= high.0 } else { v < high.0 };
    if v.is_finite() && above && below {
        return Ok(v);
    }
    Err(format!(
        "must be a finite number in {}{}, {}{}",
        if low.1 { "[" } else { "(" },
        low.0,
        high.0,
        if high.1 { "]" } else { ")" }
    ))
}

/// (0, 1]: a share of the schedule's time range.
pub fn fraction(s: &str) -> Result<f64, String> {
    number(s, (0.0, false), (1.0, true))
}

/// (0, 100]: a percentile.
pub fn percentile(s: &str) -> Result<f64, String> {
    number(s, (0.0, false), (100.0, true))
}

/// [0, 1]: DDIM's η.
pub fn eta(s: &str) -> Result<f64, String> {
    number(s, (0.0, true), (1.0, true))
}

/// [0, 1000]: Karras et al.'s `S_churn` of a stochastic Heun plan.
pub fn churn(s: &str) -> Result<f64, String> {
    number(s, (0.0, true), (1000.0, true))
}

/// [0, 100]: a classifier-free guidance weight.
pub fn guidance(s: &str) -> Result<f32, String> {
    number(s, (0.0, true), (100.0, true)).map(|v| v as f32)
}

/// [0, 1): label dropout.
pub fn dropout(s: &str) -> Result<f32, String> {
    number(s, (0.0, true), (1.0, false)).map(|v| v as f32)
}

/// [0, 0.5]: the share of the data held out for validation.
pub fn validation_share(s: &str) -> Result<f64, String> {
    number(s, (0.0, true), (crate::train::MAX_VAL, true))
}

/// [0, 1): an EMA decay.
pub fn decay(s: &str) -> Result<f32, String> {
    number(s, (0.0, true), (1.0, false)).map(|v| v as f32)
}

/// (0, 1]: a learning rate.
pub fn learning_rate(s: &str) -> Result<f32, String> {
    number(s, (0.0, false), (1.0, true)).map(|v| v as f32)
}

/// (0, 1e6]: an x̂₀ clip bound in model units.
pub fn clip(s: &str) -> Result<f32, String> {
    number(s, (0.0, false), (1e6, true)).map(|v| v as f32)
}

/// [1, 100]: calibration headroom.
pub fn headroom(s: &str) -> Result<f64, String> {
    number(s, (1.0, true), (100.0, true))
}

/// A noise level: a share of the schedule's time range, or the standard
/// deviation of the noise in data units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NoiseLevel {
    /// `0.1`: a tenth of the way from clean data to pure noise in time.
    Fraction(f64),
    /// `sigma=0.3`: noise of standard deviation 0.3 in data units (the
    /// mean over the columns of the data's scale).
    Sigma(f64),
}

/// Reads a [`NoiseLevel`]: `F` in (0, 1], or `sigma=S` with S in (0, 1e6].
pub fn noise_level(s: &str) -> Result<NoiseLevel, String> {
    match s.trim().strip_prefix("sigma=") {
        Some(v) => number(v, (0.0, false), (1e6, true))
            .map(NoiseLevel::Sigma)
            .map_err(|e| format!("sigma={v}: {e}")),
        None => fraction(s)
            .map(NoiseLevel::Fraction)
            .map_err(|e| format!("{e} (a share of the schedule's time), or sigma=S in data units")),
    }
}

impl std::fmt::Display for NoiseLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoiseLevel::Fraction(v) => write!(f, "{v}"),
            NoiseLevel::Sigma(v) => write!(f, "sigma={v}"),
        }
    }
}

/// A sampling plan: `export` embeds it, `plan` prints it. An option not
/// given takes the run's recorded plan (`export` of a distilled run), else
/// the defaults ([`SAMPLER`], [`STEPS`], [`SPACING`]).
#[derive(Debug, Args)]
pub struct PlanChoice {
    /// Sampler [default: ddpm; `export` of a run that records its plan, a
    /// distilled student: its sampler].
    #[arg(long, value_parser = PossibleValuesParser::new(SAMPLERS))]
    pub sampler: Option<String>,
    /// Steps (network evaluations for most samplers) [default: 1000;
    /// `export` of a run that records its plan: its steps].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub steps: Option<u32>,
    /// DDIM η (0: deterministic, 1: as noisy as DDPM), for --sampler ddim.
    #[arg(long, default_value_t = 0.0, value_parser = eta)]
    pub eta: f64,
    /// Churn for --sampler pf-ode-heun (Karras et al.'s S_churn): before
    /// each step but the first, fresh noise raises the noise level by the
    /// factor 1 + min(churn/steps, 0.414) (0: deterministic).
    #[arg(long, default_value_t = 0.0, value_parser = churn)]
    pub churn: f64,
    /// Timestep spacing of discrete schedules [default: trailing; `export`
    /// of a run that records its plan: its spacing].
    #[arg(long, value_parser = PossibleValuesParser::new(SPACINGS))]
    pub spacing: Option<String>,
}

impl PlanChoice {
    /// The plan: each option given, else `recorded`'s, else the default.
    pub fn resolve(&self, recorded: Option<&crate::train::RunPlan>) -> crate::train::RunPlan {
        crate::train::RunPlan {
            sampler: self
                .sampler
                .clone()
                .or_else(|| recorded.map(|p| p.sampler.clone()))
                .unwrap_or_else(|| SAMPLER.into()),
            steps: self
                .steps
                .or_else(|| recorded.map(|p| p.steps))
                .unwrap_or(STEPS),
            spacing: self
                .spacing
                .clone()
                .or_else(|| recorded.map(|p| p.spacing.clone()))
                .unwrap_or_else(|| SPACING.into()),
        }
    }
}

/// Another plan than the model's embedded one (`sample`); unset options
/// take [`PlanChoice`]'s defaults.
#[derive(Debug, Args)]
pub struct PlanOverrideArgs {
    /// Sample with this sampler instead of the model's embedded plan.
    #[arg(long, value_parser = PossibleValuesParser::new(SAMPLERS))]
    pub sampler: Option<String>,
    /// Steps for --sampler [default: 1000].
    #[arg(long, requires = "sampler", value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub steps: Option<u32>,
    /// DDIM η for --sampler ddim, in [0, 1] [default: 0].
    #[arg(long, requires = "sampler", value_parser = eta)]
    pub eta: Option<f64>,
    /// Churn for --sampler pf-ode-heun, in [0, 1000] [default: 0].
    #[arg(long, requires = "sampler", value_parser = churn)]
    pub churn: Option<f64>,
    /// Spacing for --sampler [default: trailing].
    #[arg(long, requires = "sampler", value_parser = PossibleValuesParser::new(SPACINGS))]
    pub spacing: Option<String>,
}

/// An anomaly detector's settings: `export` stores one, `score` computes
/// scores with one.
#[derive(Debug, Args)]
pub struct DetectorArgs {
    /// Noise levels of the score: shares of the schedule's time in (0, 1],
    /// or sigma=S for noise of standard deviation S in data units
    /// [default: 0.02,0.05,0.1,0.2].
    #[arg(long, alias = "anomaly-levels", value_delimiter = ',', value_parser = noise_level, num_args = 1..=16)]
    pub levels: Option<Vec<NoiseLevel>>,
    /// Noise draws per level [default: 4].
    #[arg(long, alias = "anomaly-repeats", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub repeats: Option<u32>,
    /// Percentile of the normal rows' scores used as the threshold, in
    /// (0, 100] [default: 99].
    #[arg(long, alias = "anomaly-percentile", value_parser = percentile)]
    pub percentile: Option<f64>,
}

impl DetectorArgs {
    /// Whether any setting was given.
    pub fn any(&self) -> bool {
        self.levels.is_some() || self.repeats.is_some() || self.percentile.is_some()
    }

    /// The levels, given or default.
    pub fn levels(&self) -> Vec<NoiseLevel> {
        self.levels.clone().unwrap_or_else(|| {
            LEVELS
                .split(',')
                .filter_map(|l| noise_level(l).ok())
                .collect()
        })
    }

    /// The draws per level, given or default.
    pub fn repeats(&self) -> u32 {
        self.repeats.unwrap_or(REPEATS)
    }

    /// The percentile, given or default.
    pub fn percentile(&self) -> f64 {
        self.percentile.unwrap_or(PERCENTILE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_out_of_range_name_the_range() {
        for (bad, parse, range) in [
            (
                "nan",
                percentile as fn(&str) -> Result<f64, String>,
                "(0, 100]",
            ),
            ("200", percentile, "(0, 100]"),
            ("0", fraction, "(0, 1]"),
            ("inf", eta, "[0, 1]"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(range), "{bad}: {e}");
        }
        assert!(guidance("3e38").unwrap_err().contains("[0, 100]"));
        assert_eq!(percentile("99.5"), Ok(99.5));
        assert_eq!(noise_level("sigma=0.3"), Ok(NoiseLevel::Sigma(0.3)));
        assert_eq!(noise_level("0.1"), Ok(NoiseLevel::Fraction(0.1)));
        assert!(noise_level("5000").unwrap_err().contains("sigma=S"));
        assert!(
            noise_level("sigma=nan")
                .unwrap_err()
                .contains("(0, 1000000]")
        );
    }
}
