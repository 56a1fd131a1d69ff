//! Text forms of schedules and samplers, as the command line and the run
//! configuration spell them. Parsing and printing round-trip.
//!
//! Schedules: `linear`, `scaled-linear`, `cosine`, `sigmoid` (discrete,
//! `T = 1000` unless `:T` follows, `+ztsnr` for zero terminal SNR, e.g.
//! `cosine:500+ztsnr`); `vp[:β_min,β_max]`, `subvp[:β_min,β_max]`,
//! `ve[:σ_min,σ_max]`, `ou[:β,σ,T]`, `edm[:σ_min,σ_max,ρ]` (Karras et al.'s
//! noise levels as a VP process, `tinyscore::schedule::Sde::Edm`).
//! Samplers: `ddpm`, `ddpm-large`, `ddim`, `euler-maruyama`, `pf-ode-euler`,
//! `pf-ode-heun`, `dpmpp-2m`, `langevin`, `pc`.

use std::fmt;
use std::str::FromStr;
use tinyscore::plan::{DdpmVariance, LangevinStep, SamplerKind, SnrStep};
use tinyscore::schedule::{BetaSchedule, DiscreteSchedule, Schedule, Sde, Spacing};

/// A schedule and its text form (the command line never gives explicit
/// betas, so parsed schedules are `'static`; a model file's may borrow).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduleSpec<'a>(pub Schedule<'a>);

/// Why a spec string was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct SpecError(String);

fn numbers(s: &str, n: usize, what: &str) -> Result<Vec<f64>, SpecError> {
    let v: Result<Vec<f64>, _> = s.split(',').map(|p| p.trim().parse::<f64>()).collect();
    match v {
        Ok(v) if v.len() == n && v.iter().all(|x| x.is_finite()) => Ok(v),
        _ => Err(SpecError(format!(
            "{what} takes {n} comma-separated numbers, got `{s}`"
        ))),
    }
}

impl FromStr for ScheduleSpec<'static> {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let lower = s.trim().to_ascii_lowercase();
        let (body, ztsnr) = match lower.strip_suffix("+ztsnr") {
            Some(b) => (b, true),
            None => (lower.as_str(), false),
        };
        let (name, args) = match body.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (body, None),
        };
        let discrete = |betas| -> Result<ScheduleSpec<'static>, SpecError> {
            let train_steps = match args {
                Some(a) => a
                    .parse::<u32>()
                    .map_err(|_| SpecError(format!("`{name}:T` needs an integer T, got `{a}`")))?,
                None => 1000,
            };
            Ok(ScheduleSpec(Schedule::Discrete(DiscreteSchedule {
                betas,
                train_steps,
                zero_terminal_snr: ztsnr,
            })))
        };
        let two = |default: [f64; 2], what| -> Result<[f64; 2], SpecError> {
            match args {
                Some(a) => numbers(a, 2, what).map(|v| [v[0], v[1]]),
                None => Ok(default),
            }
        };
        if ztsnr && matches!(name, "vp" | "subvp" | "ve" | "ou" | "edm") {
            return Err(SpecError(
                "+ztsnr applies to discrete schedules only".into(),
            ));
        }
        let spec = match name {
            "linear" => discrete(BetaSchedule::Linear {
                start: 1e-4,
                end: 0.02,
            })?,
            "scaled-linear" => discrete(BetaSchedule::ScaledLinear {
                start: 0.00085,
                end: 0.012,
            })?,
            "cosine" => discrete(BetaSchedule::SquaredCosCapV2)?,
            "sigmoid" => discrete(BetaSchedule::Sigmoid {
                start: 1e-4,
                end: 0.02,
            })?,
            "vp" => {
                let [beta_min, beta_max] = two([0.1, 20.0], "vp")?;
                ScheduleSpec(Schedule::Sde(Sde::Vp { beta_min, beta_max }))
            }
            "subvp" => {
                let [beta_min, beta_max] = two([0.1, 20.0], "subvp")?;
                ScheduleSpec(Schedule::Sde(Sde::SubVp { beta_min, beta_max }))
            }
            "ve" => {
                let [sigma_min, sigma_max] = two([0.01, 50.0], "ve")?;
                ScheduleSpec(Schedule::Sde(Sde::Ve {
                    sigma_min,
                    sigma_max,
                }))
            }
            "ou" => {
                let [beta, sigma, t_end] = match args {
                    Some(a) => {
                        let v = numbers(a, 3, "ou")?;
                        [v[0], v[1], v[2]]
                    }
                    None => [1.0, std::f64::consts::SQRT_2, 5.0],
                };
                ScheduleSpec(Schedule::Sde(Sde::OrnsteinUhlenbeck { beta, sigma, t_end }))
            }
            "edm" => {
                let [sigma_min, sigma_max, rho] = match args {
                    Some(a) => {
                        let v = numbers(a, 3, "edm")?;
                        [v[0], v[1], v[2]]
                    }
                    None => [0.002, 80.0, 7.0],
                };
                ScheduleSpec(Schedule::Sde(Sde::Edm {
                    sigma_min,
                    sigma_max,
                    rho,
                }))
            }
            _ => {
                return Err(SpecError(format!(
                    "unknown schedule `{s}`: expected linear, scaled-linear, cosine, sigmoid \
                     (with optional :T and +ztsnr), vp, subvp, ve, ou or edm"
                )));
            }
        };
        spec.0
            .validate()
            .map_err(|e| SpecError(format!("schedule `{s}`: {e}")))?;
        Ok(spec)
    }
}

impl fmt::Display for ScheduleSpec<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Schedule::Discrete(d) => {
                let name = match d.betas {
                    BetaSchedule::Linear { .. } => "linear",
                    BetaSchedule::ScaledLinear { .. } => "scaled-linear",
                    BetaSchedule::SquaredCosCapV2 => "cosine",
                    BetaSchedule::Sigmoid { .. } => "sigmoid",
                    BetaSchedule::Explicit(_) => "explicit",
                };
                let z = if d.zero_terminal_snr { "+ztsnr" } else { "" };
                write!(f, "{name}:{}{z}", d.train_steps)
            }
            Schedule::Sde(Sde::Vp { beta_min, beta_max }) => write!(f, "vp:{beta_min},{beta_max}"),
            Schedule::Sde(Sde::SubVp { beta_min, beta_max }) => {
                write!(f, "subvp:{beta_min},{beta_max}")
            }
            Schedule::Sde(Sde::Ve {
                sigma_min,
                sigma_max,
            }) => write!(f, "ve:{sigma_min},{sigma_max}"),
            Schedule::Sde(Sde::OrnsteinUhlenbeck { beta, sigma, t_end }) => {
                write!(f, "ou:{beta},{sigma},{t_end}")
            }
            Schedule::Sde(Sde::Edm {
                sigma_min,
                sigma_max,
                rho,
            }) => write!(f, "edm:{sigma_min},{sigma_max},{rho}"),
        }
    }
}

impl ScheduleSpec<'_> {
    /// Factor from schedule time to the embedding's input: 1 for discrete
    /// timesteps (already 0..T), `1000/T` for SDE time, so every network
    /// sees times on the same 0..1000 scale.
    pub fn time_scale(&self) -> f32 {
        match self.0 {
            Schedule::Discrete(_) => 1.0,
            Schedule::Sde(s) => (1000.0 / s.t_end()) as f32,
        }
    }

    /// Default smallest time of continuous grids and of training:
    /// 1e-5 for VE (score_sde), 1e-3 otherwise.
    pub fn default_t_min(&self) -> f64 {
        match self.0 {
            Schedule::Sde(Sde::Ve { .. }) => 1e-5,
            _ => 1e-3,
        }
    }
}

/// Parses a sampler name; `eta` applies to DDIM, `churn` to Heun
/// ([`SamplerKind::PfOdeHeun`]), and Langevin / PC take
/// their usual defaults (K = 10 with final denoise; one corrector step),
/// their steps sized by score_sde's signal-to-noise rule at snr 0.16
/// (the exporter measures them on the model, [`crate::snr_steps`]).
pub fn sampler(name: &str, eta: f64, churn: f64) -> Result<SamplerKind, SpecError> {
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "ddpm" => SamplerKind::Ddpm {
            variance: DdpmVariance::FixedSmall,
        },
        "ddpm-large" => SamplerKind::Ddpm {
            variance: DdpmVariance::FixedLarge,
        },
        "ddim" => SamplerKind::Ddim { eta },
        "euler-maruyama" => SamplerKind::EulerMaruyama,
        "pf-ode-euler" => SamplerKind::PfOdeEuler,
        "pf-ode-heun" => SamplerKind::PfOdeHeun { churn },
        "dpmpp-2m" => SamplerKind::DpmSolverPp2m,
        "langevin" => SamplerKind::AnnealedLangevin {
            steps_per_level: 10,
            step: LangevinStep::Snr(SnrStep::new(SnrStep::DEFAULT_SNR)),
            denoise_final: true,
        },
        "pc" => SamplerKind::PredictorCorrector {
            corrector_steps: 1,
            step: SnrStep::new(SnrStep::DEFAULT_SNR),
        },
        other => {
            return Err(SpecError(format!(
                "unknown sampler `{other}`: expected ddpm, ddpm-large, ddim, euler-maruyama, \
                 pf-ode-euler, pf-ode-heun, dpmpp-2m, langevin or pc"
            )));
        }
    })
}

/// The command-line name of a sampler (inverse of [`sampler`]).
pub fn sampler_name(kind: SamplerKind) -> &'static str {
    match kind {
        SamplerKind::Ddpm {
            variance: DdpmVariance::FixedSmall,
        } => "ddpm",
        SamplerKind::Ddpm {
            variance: DdpmVariance::FixedLarge,
        } => "ddpm-large",
        SamplerKind::Ddim { .. } => "ddim",
        SamplerKind::EulerMaruyama => "euler-maruyama",
        SamplerKind::PfOdeEuler => "pf-ode-euler",
        SamplerKind::PfOdeHeun { .. } => "pf-ode-heun",
        SamplerKind::DpmSolverPp2m => "dpmpp-2m",
        SamplerKind::AnnealedLangevin { .. } => "langevin",
        SamplerKind::PredictorCorrector { .. } => "pc",
    }
}

/// A sampler's own parameters, for reports: how a Langevin or
/// predictor–corrector plan sizes its steps (` (snr 0.16, steps
/// measured)`, ` (ε 2e-5)`), DDIM's η and Heun's churn when not 0; empty
/// otherwise.
pub fn sampler_parameters(kind: SamplerKind) -> String {
    match (kind, kind.snr_step()) {
        (_, Some(s)) if s.measured => format!(" (snr {}, steps measured)", s.snr),
        (_, Some(s)) => format!(" (snr {}, steps for Gaussian data)", s.snr),
        (
            SamplerKind::AnnealedLangevin {
                step: LangevinStep::Annealed { epsilon },
                ..
            },
            None,
        ) => format!(" (ε {epsilon})"),
        (SamplerKind::Ddim { eta }, None) if eta != 0.0 => format!(" (η {eta})"),
        (SamplerKind::PfOdeHeun { churn }, None) if churn != 0.0 => format!(" (churn {churn})"),
        _ => String::new(),
    }
}

/// Parses a spacing name.
pub fn spacing(name: &str) -> Result<Spacing, SpecError> {
    match name.trim().to_ascii_lowercase().as_str() {
        "leading" => Ok(Spacing::Leading),
        "trailing" => Ok(Spacing::Trailing),
        "linspace" => Ok(Spacing::Linspace),
        other => Err(SpecError(format!(
            "unknown spacing `{other}`: expected leading, trailing or linspace"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampler_parameters_say_how_langevin_steps_were_sized_and_the_noise() {
        let langevin = sampler("langevin", 0.0, 0.0).unwrap();
        assert_eq!(
            sampler_parameters(langevin),
            " (snr 0.16, steps for Gaussian data)"
        );
        assert_eq!(
            sampler_parameters(langevin.measured()),
            " (snr 0.16, steps measured)"
        );
        assert_eq!(
            sampler_parameters(sampler("pc", 0.0, 0.0).unwrap().measured()),
            " (snr 0.16, steps measured)"
        );
        let old = SamplerKind::AnnealedLangevin {
            steps_per_level: 10,
            step: LangevinStep::Annealed { epsilon: 2e-5 },
            denoise_final: true,
        };
        assert_eq!(sampler_parameters(old), " (ε 0.00002)");
        // Measuring leaves NCSN's rule and the other samplers alone.
        assert_eq!(old.measured(), old);
        assert_eq!(sampler_parameters(sampler("ddim", 0.0, 0.0).unwrap()), "");
        assert_eq!(
            sampler_parameters(sampler("ddim", 0.5, 0.0).unwrap()),
            " (η 0.5)"
        );
        let heun = sampler("pf-ode-heun", 0.0, 2.5).unwrap();
        assert_eq!(sampler_parameters(heun), " (churn 2.5)");
    }

    #[test]
    fn schedules_round_trip() {
        for s in [
            "linear:1000",
            "scaled-linear:500",
            "cosine:1000+ztsnr",
            "sigmoid:200",
            "vp:0.1,20",
            "subvp:0.5,10",
            "ve:0.01,50",
            "ou:1.5,0.8,2",
        ] {
            let spec: ScheduleSpec = s.parse().unwrap();
            assert_eq!(spec.to_string(), s);
        }
        assert_eq!(
            "linear".parse::<ScheduleSpec>().unwrap().to_string(),
            "linear:1000"
        );
    }

    #[test]
    fn bad_schedules_say_why() {
        for (s, needle) in [
            ("warp", "unknown schedule"),
            ("vp:1", "2 comma-separated"),
            ("ve:50,0.01", "schedule `ve:50,0.01`"),
            ("linear:x", "integer T"),
            ("vp+ztsnr", "discrete schedules only"),
        ] {
            let e = s.parse::<ScheduleSpec>().unwrap_err().to_string();
            assert!(e.contains(needle), "{s}: {e}");
        }
    }

    #[test]
    fn samplers_round_trip() {
        for name in [
            "ddpm",
            "ddpm-large",
            "ddim",
            "euler-maruyama",
            "pf-ode-euler",
            "pf-ode-heun",
            "dpmpp-2m",
            "langevin",
            "pc",
        ] {
            assert_eq!(sampler_name(sampler(name, 0.0, 0.0).unwrap()), name);
        }
        assert!(sampler("euler", 0.0, 0.0).is_err());
        assert!(spacing("middle").is_err());
    }
}
