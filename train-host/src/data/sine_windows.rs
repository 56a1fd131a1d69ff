//! `sine-windows`: fixed-length windows of a noisy periodic signal, a
//! stand-in for the sensor traces users train on.
//!
//! The 2-D toys say little about the regime the tool is for: tens of
//! correlated dimensions with low-dimensional structure. Each window here is
//! one sinusoid with random amplitude, frequency and phase, sampled at
//! `len` points, plus white noise: the clean signal lives on a
//! 3-parameter manifold inside `len` dimensions, and the noise sets a floor
//! any model quality metric can be compared against. The parameters are
//! part of the source string (`sine-windows:len=32,noise=0.05`) so a run can
//! be reproduced from its command line.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use rand_xoshiro::rand_core::Rng;

use super::{DataError, Dataset};
use crate::random::{normal, uniform_in};

/// Parameters of the `sine-windows` generator.
///
/// Window `i` is `x[t] = a·sin(2π f t + φ) + noise·z[t]` for `t = 0..len`
/// (t in samples), with `a` uniform in `amplitude`, `f` (cycles per sample)
/// uniform in `frequency`, `φ` uniform in [0, 2π) and `z[t]` independent
/// N(0, 1).
///
/// As a string (after `sine-windows:`): comma-separated `key=value` pairs,
/// any subset, in any order: `len=N`, `amp=LO..HI`, `freq=LO..HI`,
/// `noise=S`; a range may also be a single value (`amp=1`). For example
/// `sine-windows:len=32,freq=0.02..0.1`.
#[derive(Clone, Debug, PartialEq)]
pub struct SineWindows {
    /// Window length: the data dimension (≥ 1). Default 16.
    pub len: usize,
    /// Amplitude range `(lo, hi)`, `0 ≤ lo ≤ hi`. Default (0.5, 1.5).
    pub amplitude: (f64, f64),
    /// Frequency range in cycles per sample, `0 ≤ lo ≤ hi ≤ 0.5` (Nyquist).
    /// Default (0.05, 0.2): 0.8 to 3.2 periods per 16-sample window.
    pub frequency: (f64, f64),
    /// Standard deviation of the additive white noise (≥ 0). Default 0.1.
    pub noise: f64,
}

impl Default for SineWindows {
    fn default() -> Self {
        Self {
            len: 16,
            amplitude: (0.5, 1.5),
            frequency: (0.05, 0.2),
            noise: 0.1,
        }
    }
}

impl SineWindows {
    /// Checks the documented ranges; the error says which parameter is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let (alo, ahi) = self.amplitude;
        let (flo, fhi) = self.frequency;
        if self.len == 0 {
            return Err("len must be at least 1".into());
        }
        if !(alo.is_finite() && ahi.is_finite() && 0.0 <= alo && alo <= ahi) {
            return Err(format!(
                "amp {alo}..{ahi} must be finite with 0 <= lo <= hi"
            ));
        }
        if !(flo.is_finite() && fhi.is_finite() && 0.0 <= flo && flo <= fhi && fhi <= 0.5) {
            return Err(format!(
                "freq {flo}..{fhi} must satisfy 0 <= lo <= hi <= 0.5 (cycles per sample)"
            ));
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(format!("noise {} must be finite and >= 0", self.noise));
        }
        Ok(())
    }

    /// `n` windows, drawn as the type documentation says. Per window the
    /// generator is used in this order: amplitude, frequency, phase (one
    /// `next_u64` each), then `len` normal variates.
    ///
    /// # Panics
    ///
    /// If `self.len` is 0. Other out-of-range parameters are not checked
    /// here (use [`SineWindows::validate`]; parsing always does).
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Dataset {
        let mut data = Dataset::with_capacity(self.len, n);
        let mut window = vec![0f32; self.len];
        for _ in 0..n {
            let a = uniform_in(rng, self.amplitude.0, self.amplitude.1);
            let f = uniform_in(rng, self.frequency.0, self.frequency.1);
            let phase = uniform_in(rng, 0.0, 2.0 * PI);
            for (t, v) in window.iter_mut().enumerate() {
                let clean = a * libm::sin(2.0 * PI * f * t as f64 + phase);
                *v = (clean + self.noise * normal(rng)) as f32;
            }
            data.push(&window);
        }
        data
    }
}

/// `n` windows with the default parameters (length 16); see [`SineWindows`].
pub fn sine_windows<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Dataset {
    SineWindows::default().sample(n, rng)
}

impl FromStr for SineWindows {
    type Err = DataError;

    /// Parses `key=value,...` (the part after `sine-windows:`); missing keys
    /// keep their defaults; an empty string is all defaults.
    fn from_str(params: &str) -> Result<Self, DataError> {
        let err = |reason: String| DataError::SineWindowsSpec {
            params: params.to_string(),
            reason,
        };
        let mut out = SineWindows::default();
        for item in params.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(err(format!("\"{item}\" is not key=value")));
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            let number = |s: &str| {
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| err(format!("{key}: \"{s}\" is not a number")))
            };
            let range = |s: &str| match s.split_once("..") {
                Some((lo, hi)) => Ok((number(lo)?, number(hi)?)),
                None => number(s).map(|v| (v, v)),
            };
            match key.as_str() {
                "len" => {
                    out.len = value
                        .parse()
                        .map_err(|_| err(format!("len: \"{value}\" is not a whole number")))?
                }
                "amp" => out.amplitude = range(value)?,
                "freq" => out.frequency = range(value)?,
                "noise" => out.noise = number(value)?,
                _ => {
                    return Err(err(format!(
                        "unknown key \"{key}\" (known: len, amp, freq, noise)"
                    )));
                }
            }
        }
        out.validate().map_err(err)?;
        Ok(out)
    }
}

impl fmt::Display for SineWindows {
    /// The parameter string [`SineWindows::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "len={},amp={}..{},freq={}..{},noise={}",
            self.len,
            self.amplitude.0,
            self.amplitude.1,
            self.frequency.0,
            self.frequency.1,
            self.noise
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use rand_xoshiro::rand_core::SeedableRng;

    fn rng(seed: u64) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::seed_from_u64(seed)
    }

    #[test]
    fn default_windows_have_length_16_and_the_right_statistics() {
        let n = 20_000;
        let d = sine_windows(n, &mut rng(1));
        assert_eq!((d.dim, d.len()), (16, n));
        assert!(d.rows.iter().all(|v| v.is_finite()));
        // Random phase: every position has mean 0 and variance
        // E[a²]/2 + noise² = (0.5² + 0.5·1.5 + 1.5²)/3/2 + 0.01 = 0.5517.
        let (mean, std) = (d.mean(), d.std());
        for t in 0..16 {
            assert!(mean[t].abs() < 0.03, "{mean:?}");
            assert!((std[t] * std[t] - 0.5517).abs() < 0.03, "{std:?}");
        }
        // Neighbouring samples are strongly correlated (low frequencies).
        let corr: f64 = d
            .iter()
            .map(|w| f64::from(w[0]) * f64::from(w[1]))
            .sum::<f64>()
            / n as f64
            / (std[0] * std[1]);
        assert!(corr > 0.6, "lag-1 correlation {corr}");
    }

    #[test]
    fn noiseless_windows_are_exact_sinusoids() {
        let p = SineWindows {
            len: 24,
            amplitude: (2.0, 2.0),
            frequency: (0.125, 0.125),
            noise: 0.0,
        };
        let d = p.sample(50, &mut rng(2));
        for w in d.iter() {
            // Period 8: x[t + 4] = −x[t], and x[t]² + x[t + 2]² = a².
            for t in 0..20 {
                assert!((w[t] + w[t + 4]).abs() < 1e-5);
            }
            for t in 0..22 {
                assert!((w[t] * w[t] + w[t + 2] * w[t + 2] - 4.0).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn deterministic_by_seed() {
        assert_eq!(
            sine_windows(100, &mut rng(3)),
            sine_windows(100, &mut rng(3))
        );
        assert_ne!(
            sine_windows(100, &mut rng(3)),
            sine_windows(100, &mut rng(4))
        );
    }

    #[test]
    fn parameters_parse_and_print_back() {
        let p: SineWindows = "len=32, amp=1..2,freq=0.1,noise=0".parse().unwrap();
        assert_eq!(
            p,
            SineWindows {
                len: 32,
                amplitude: (1.0, 2.0),
                frequency: (0.1, 0.1),
                noise: 0.0
            }
        );
        assert_eq!(p.to_string().parse::<SineWindows>().unwrap(), p);
        assert_eq!("".parse::<SineWindows>().unwrap(), SineWindows::default());
        assert_eq!(
            SineWindows::default()
                .to_string()
                .parse::<SineWindows>()
                .unwrap(),
            SineWindows::default()
        );
    }

    #[test]
    fn bad_parameters_are_rejected_with_the_reason() {
        for (params, needle) in [
            ("len=0", "len must be at least 1"),
            ("len=x", "not a whole number"),
            ("amp=2..1", "amp"),
            ("freq=0.1..0.7", "0.5"),
            ("noise=-1", "noise"),
            ("noise=nan", "noise"),
            ("speed=3", "unknown key \"speed\""),
            ("len", "not key=value"),
            ("amp=a..b", "\"a\" is not a number"),
        ] {
            let e = params.parse::<SineWindows>().unwrap_err().to_string();
            assert!(e.contains(needle), "{params}: {e}");
            assert!(e.contains(params), "{params}: {e}");
        }
    }
}
