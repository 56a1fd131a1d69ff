//! Continuous-time forward SDEs `dx = f(t)·x dt + g(t) dW` (score_sde's VP,
//! sub-VP and VE, and the Ornstein–Uhlenbeck process with constant β and σ).

#[cfg(feature = "float")]
use super::Marginal;
use super::ScheduleError;

/// A linear forward SDE with a Gaussian marginal.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Sde {
    /// Variance preserving: `β(t) = β_min + t(β_max − β_min)` on `[0, 1]`,
    /// `f = −β/2`, `g² = β`.
    Vp {
        /// β at t = 0 (score_sde: 0.1).
        beta_min: f64,
        /// β at t = 1 (score_sde: 20).
        beta_max: f64,
    },
    /// Sub-variance preserving: like VP but `g² = β(t)(1 − e^{−2∫β})`, so the
    /// marginal standard deviation is `1 − e^{−∫β}`.
    SubVp {
        /// β at t = 0.
        beta_min: f64,
        /// β at t = 1.
        beta_max: f64,
    },
    /// Variance exploding: `σ(t) = σ_min (σ_max/σ_min)^t` on `[0, 1]`, `f = 0`,
    /// `g² = dσ²/dt`. Its levels at evenly spaced t are NCSN's geometric σs.
    Ve {
        /// Smallest noise level.
        sigma_min: f64,
        /// Largest noise level.
        sigma_max: f64,
    },
    /// Karras et al.'s (2022, "EDM") noise levels as a variance-preserving
    /// process on `[0, 1]`: level `s(t) = (s_min^{1/ρ} + t(s_max^{1/ρ} −
    /// s_min^{1/ρ}))^ρ`, `α = 1/√(1 + s²)`, `σ = s/√(1 + s²)`, `f = d ln α/dt`,
    /// `g² = −2f`. EDM's state `x/α` carries noise of standard deviation
    /// `s`; with σ_data = 1 (the trainer's normalised data) its
    /// preconditioning `c_in = α`, `c_skip/c_in = α`, `c_out = σ`, `c_noise`
    /// a function of `s` is v-prediction on this process (EDM's `F` is
    /// `−v`). Evenly spaced `t` are EDM's ρ-grid, and the PF-ODE Heun plan,
    /// which steps in `x/α` over `σ/α = s`, is EDM's deterministic sampler.
    Edm {
        /// Smallest level `s` (EDM: 0.002).
        sigma_min: f64,
        /// Largest level (EDM: 80).
        sigma_max: f64,
        /// Grid exponent ρ ≥ 1 (EDM: 7).
        rho: f64,
    },
    /// Ornstein–Uhlenbeck `dX = −βX dt + σ dW` on `[0, t_end]`:
    /// `γ_t = e^{−βt}`, `σ_t² = σ²/(2β)(1 − e^{−2βt})`.
    OrnsteinUhlenbeck {
        /// Mean-reversion rate β.
        beta: f64,
        /// Noise amplitude σ.
        sigma: f64,
        /// Final time T.
        t_end: f64,
    },
}

impl Sde {
    pub(super) fn validate(&self) -> Result<(), ScheduleError> {
        let pos = |v: f64| v.is_finite() && v > 0.0;
        let ok = match *self {
            Sde::Vp { beta_min, beta_max } | Sde::SubVp { beta_min, beta_max } => {
                pos(beta_min) && pos(beta_max) && beta_min <= beta_max
            }
            Sde::Ve {
                sigma_min,
                sigma_max,
            } => pos(sigma_min) && pos(sigma_max) && sigma_min < sigma_max,
            Sde::OrnsteinUhlenbeck { beta, sigma, t_end } => pos(beta) && pos(sigma) && pos(t_end),
            Sde::Edm {
                sigma_min,
                sigma_max,
                rho,
            } => {
                pos(sigma_min)
                    && sigma_min < sigma_max
                    && sigma_max.is_finite()
                    && rho >= 1.0
                    && rho.is_finite()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(ScheduleError::SdeParameter)
        }
    }
}

/// The numerics: what the plan compiler and the float sampler evaluate.
#[cfg(feature = "float")]
impl Sde {
    /// The final time T (1 except for Ornstein–Uhlenbeck).
    pub fn t_end(&self) -> f64 {
        match *self {
            Sde::OrnsteinUhlenbeck { t_end, .. } => t_end,
            _ => 1.0,
        }
    }

    pub(super) fn clamp_time(&self, t: f64) -> f64 {
        if t >= self.t_end() {
            self.t_end()
        } else if t > 0.0 {
            t
        } else {
            0.0
        }
    }

    /// `β(t)` and `∫₀ᵗ β` of the VP-family SDEs.
    fn beta_and_integral(beta_min: f64, beta_max: f64, t: f64) -> (f64, f64) {
        let slope = beta_max - beta_min;
        (beta_min + slope * t, beta_min * t + 0.5 * slope * t * t)
    }

    /// The level `s(t)` of [`Sde::Edm`] and its derivative `ds/dt`.
    fn edm_level(sigma_min: f64, sigma_max: f64, rho: f64, t: f64) -> (f64, f64) {
        let (lo, hi) = (
            libm::pow(sigma_min, 1.0 / rho),
            libm::pow(sigma_max, 1.0 / rho),
        );
        let root = lo + t * (hi - lo);
        (
            libm::pow(root, rho),
            rho * libm::pow(root, rho - 1.0) * (hi - lo),
        )
    }

    /// The marginal `(α_t, σ_t)` at time `t`.
    pub fn marginal(&self, t: f64) -> Marginal {
        match *self {
            Sde::Edm {
                sigma_min,
                sigma_max,
                rho,
            } => {
                let (s, _) = Self::edm_level(sigma_min, sigma_max, rho, t);
                let norm = libm::sqrt(1.0 + s * s);
                Marginal {
                    alpha: 1.0 / norm,
                    sigma: s / norm,
                }
            }
            Sde::Vp { beta_min, beta_max } => {
                let (_, b) = Self::beta_and_integral(beta_min, beta_max, t);
                Marginal {
                    alpha: libm::exp(-0.5 * b),
                    sigma: libm::sqrt(-libm::expm1(-b)),
                }
            }
            Sde::SubVp { beta_min, beta_max } => {
                let (_, b) = Self::beta_and_integral(beta_min, beta_max, t);
                Marginal {
                    alpha: libm::exp(-0.5 * b),
                    sigma: -libm::expm1(-b),
                }
            }
            Sde::Ve {
                sigma_min,
                sigma_max,
            } => Marginal {
                alpha: 1.0,
                sigma: sigma_min * libm::pow(sigma_max / sigma_min, t),
            },
            Sde::OrnsteinUhlenbeck { beta, sigma, .. } => Marginal {
                alpha: libm::exp(-beta * t),
                sigma: libm::sqrt(sigma * sigma / (2.0 * beta) * -libm::expm1(-2.0 * beta * t)),
            },
        }
    }

    /// The drift coefficient `f(t)` (the drift is `f(t)·x`).
    pub fn drift(&self, t: f64) -> f64 {
        match *self {
            Sde::Vp { beta_min, beta_max } | Sde::SubVp { beta_min, beta_max } => {
                -0.5 * Self::beta_and_integral(beta_min, beta_max, t).0
            }
            Sde::Ve { .. } => 0.0,
            Sde::OrnsteinUhlenbeck { beta, .. } => -beta,
            Sde::Edm {
                sigma_min,
                sigma_max,
                rho,
            } => {
                let (s, ds) = Self::edm_level(sigma_min, sigma_max, rho, t);
                -s * ds / (1.0 + s * s)
            }
        }
    }

    /// The squared diffusion coefficient `g(t)²`.
    pub fn diffusion_squared(&self, t: f64) -> f64 {
        match *self {
            Sde::Vp { beta_min, beta_max } => Self::beta_and_integral(beta_min, beta_max, t).0,
            Sde::SubVp { beta_min, beta_max } => {
                let (beta, b) = Self::beta_and_integral(beta_min, beta_max, t);
                beta * -libm::expm1(-2.0 * b)
            }
            Sde::Ve {
                sigma_min,
                sigma_max,
            } => {
                let s = self.marginal(t).sigma;
                s * s * 2.0 * libm::log(sigma_max / sigma_min)
            }
            Sde::OrnsteinUhlenbeck { sigma, .. } => sigma * sigma,
            Sde::Edm { .. } => -2.0 * self.drift(t),
        }
    }
}
