//! DDPM-style discrete schedules: a β per training timestep.
//!
//! The formulas follow diffusers' `DDPMScheduler` (`linear`, `scaled_linear`,
//! `squaredcos_cap_v2`, `sigmoid`, explicit `trained_betas`) and
//! `rescale_zero_terminal_snr` (Lin et al. 2023), evaluated in `f64`.
//! Nothing is tabulated: `ᾱ_t` is recomputed as a product when asked, so a
//! schedule costs no RAM on the device.

#[cfg(feature = "float")]
use super::Marginal;
use super::{MAX_TRAIN_STEPS, ScheduleError};

/// How the β of each training timestep is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BetaSchedule<'a> {
    /// `β_i` evenly spaced from `start` to `end` (DDPM: 1e-4 to 0.02).
    Linear {
        /// β of timestep 0.
        start: f64,
        /// β of timestep T − 1.
        end: f64,
    },
    /// `√β_i` evenly spaced from `√start` to `√end` (latent diffusion).
    ScaledLinear {
        /// β of timestep 0.
        start: f64,
        /// β of timestep T − 1.
        end: f64,
    },
    /// Improved-DDPM cosine schedule (`squaredcos_cap_v2`): β from
    /// `ᾱ(u) = cos²((u + 0.008)/1.008 · π/2)`, capped at 0.999.
    SquaredCosCapV2,
    /// `β_i = start + (end − start)·sigmoid(x_i)`, `x_i` evenly spaced in [−6, 6].
    Sigmoid {
        /// Lower asymptote.
        start: f64,
        /// Upper asymptote.
        end: f64,
    },
    /// One β per timestep, given explicitly.
    Explicit(ExplicitBetas<'a>),
}

/// A zero-copy table of little-endian `f64` betas (as stored in a model file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ExplicitBetas<'a> {
    bytes: &'a [u8],
}

impl<'a> ExplicitBetas<'a> {
    /// Wraps little-endian `f64` bytes; `None` if the length is not a multiple of 8.
    pub fn from_le_bytes(bytes: &'a [u8]) -> Option<Self> {
        bytes
            .len()
            .is_multiple_of(8)
            .then_some(ExplicitBetas { bytes })
    }

    /// Number of betas.
    pub fn len(&self) -> usize {
        self.bytes.len() / 8
    }

    /// True when there are no betas.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The β of timestep `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<f64> {
        self.bytes
            .as_chunks::<8>()
            .0
            .get(i)
            .map(|c| f64::from_le_bytes(*c))
    }

    /// The betas in order.
    pub fn iter(&self) -> impl Iterator<Item = f64> + 'a {
        self.bytes
            .as_chunks::<8>()
            .0
            .iter()
            .map(|c| f64::from_le_bytes(*c))
    }
}

/// A discrete schedule of `train_steps` timesteps.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DiscreteSchedule<'a> {
    /// The β of each timestep.
    pub betas: BetaSchedule<'a>,
    /// Number of training timesteps `T` (1000 in DDPM).
    pub train_steps: u32,
    /// Rescale so that `ᾱ_{T−1} = 0` exactly (zero terminal SNR), keeping `ᾱ_0`.
    pub zero_terminal_snr: bool,
}

impl DiscreteSchedule<'_> {
    pub(super) fn validate(&self) -> Result<(), ScheduleError> {
        if self.train_steps == 0 || self.train_steps > MAX_TRAIN_STEPS {
            return Err(ScheduleError::TrainSteps);
        }
        let in_unit = |b: f64| b > 0.0 && b < 1.0;
        match self.betas {
            BetaSchedule::Linear { start, end }
            | BetaSchedule::ScaledLinear { start, end }
            | BetaSchedule::Sigmoid { start, end } => {
                if !(in_unit(start) && in_unit(end) && start <= end) {
                    return Err(ScheduleError::Beta);
                }
            }
            BetaSchedule::SquaredCosCapV2 => {}
            BetaSchedule::Explicit(table) => {
                if table.len() != self.train_steps as usize || !table.iter().all(in_unit) {
                    return Err(ScheduleError::ExplicitBetas);
                }
            }
        }
        #[cfg(feature = "float")]
        self.validate_alpha_bar()?;
        Ok(())
    }
}

#[cfg(feature = "float")]
impl DiscreteSchedule<'_> {
    /// `ᾱ` must stay positive up to T − 2 (and at T − 1 unless rescaled to
    /// 0), and the rescaling needs `ᾱ_0 > ᾱ_{T−1}`.
    fn validate_alpha_bar(&self) -> Result<(), ScheduleError> {
        let first = self.raw_alpha_bar(0);
        let last = self.raw_alpha_bar(self.train_steps - 1);
        let positive = last > 0.0 && (!self.zero_terminal_snr || first > last);
        let degenerate = !positive;
        if degenerate {
            return Err(ScheduleError::DegenerateAlphaBar);
        }
        Ok(())
    }

    /// β of timestep `i`, before any zero-terminal-SNR rescaling.
    pub fn raw_beta(&self, i: u32) -> f64 {
        let n = self.train_steps;
        let frac = if n > 1 {
            f64::from(i) / f64::from(n - 1)
        } else {
            0.0
        };
        match self.betas {
            BetaSchedule::Linear { start, end } => start + (end - start) * frac,
            BetaSchedule::ScaledLinear { start, end } => {
                let (a, b) = (libm::sqrt(start), libm::sqrt(end));
                let s = a + (b - a) * frac;
                s * s
            }
            BetaSchedule::Sigmoid { start, end } => {
                let x = -6.0 + 12.0 * frac;
                start + (end - start) / (1.0 + libm::exp(-x))
            }
            BetaSchedule::SquaredCosCapV2 => {
                let t1 = f64::from(i) / f64::from(n);
                let t2 = f64::from(i + 1) / f64::from(n);
                let b = 1.0 - cosine_alpha_bar(t2) / cosine_alpha_bar(t1);
                if b < 0.999 { b } else { 0.999 }
            }
            BetaSchedule::Explicit(table) => table.get(i as usize).unwrap_or(1.0),
        }
    }

    /// `Π_{j≤i} (1 − β_j)` before rescaling.
    fn raw_alpha_bar(&self, i: u32) -> f64 {
        (0..=i).fold(1.0, |acc, j| acc * (1.0 - self.raw_beta(j)))
    }

    /// `ᾱ_i`, after zero-terminal-SNR rescaling when enabled.
    pub fn alpha_bar(&self, i: u32) -> f64 {
        let raw = self.raw_alpha_bar(i);
        if !self.zero_terminal_snr {
            return raw;
        }
        // rescale_zero_terminal_snr: shift √ᾱ so the last is 0, scale so the
        // first is unchanged.
        let first = libm::sqrt(self.raw_alpha_bar(0));
        let last = libm::sqrt(self.raw_alpha_bar(self.train_steps - 1));
        let s = (libm::sqrt(raw) - last) * first / (first - last);
        s * s
    }

    /// The marginal at timestep `i`: `α = √ᾱ_i`, `σ = √(1 − ᾱ_i)`.
    pub fn marginal(&self, i: u32) -> Marginal {
        let ab = self.alpha_bar(i);
        Marginal {
            alpha: libm::sqrt(ab),
            sigma: libm::sqrt(1.0 - ab),
        }
    }

    /// One step of the forward Markov chain at timestep `i`:
    /// `x_i = drift·x_{i−1} + diffusion·ε`, i.e. `(√(1 − β_i), √β_i)` with the
    /// (possibly rescaled) `β_i = 1 − ᾱ_i/ᾱ_{i−1}`.
    pub fn transition(&self, i: u32) -> (f64, f64) {
        let prev = if i == 0 { 1.0 } else { self.alpha_bar(i - 1) };
        let alpha = self.alpha_bar(i) / prev;
        (libm::sqrt(alpha), libm::sqrt(1.0 - alpha))
    }

    pub(super) fn clamp_index(&self, t: f64) -> u32 {
        let last = f64::from(self.train_steps.saturating_sub(1));
        let r = libm::rint(t);
        // NaN compares false everywhere and lands on 0.
        if r >= last {
            self.train_steps.saturating_sub(1)
        } else if r > 0.0 {
            r as u32
        } else {
            0
        }
    }
}

#[cfg(feature = "float")]
fn cosine_alpha_bar(u: f64) -> f64 {
    let c = libm::cos((u + 0.008) / 1.008 * core::f64::consts::PI / 2.0);
    c * c
}
