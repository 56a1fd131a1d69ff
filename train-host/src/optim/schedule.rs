//! Learning-rate schedule: linear warm-up, then cosine decay to a floor.
//!
//! Why: Adam's second-moment estimate is unreliable for the first few
//! hundred steps, so starting at the full rate can push a freshly
//! initialised network into a bad region; a linear warm-up avoids that.
//! Annealing the rate afterwards lets the weights settle into a minimum
//! instead of rattling around it at the noise scale of the loss, and the
//! cosine shape (Loshchilov & Hutter, SGDR) spends most of the run near the
//! high rate and decays smoothly at the end. A floor `min_lr > 0` keeps
//! late steps (and steps past the planned end, e.g. when a run is extended)
//! useful.

use serde::{Deserialize, Serialize};

use super::error::{OptimError, check};

/// Linear warm-up for `warmup_steps` steps, then cosine decay from `base` to
/// `min_lr`, reached at step `total_steps`.
///
/// Steps are counted from 0 (the first optimiser step uses `lr(0)`). With
/// `w = warmup_steps` and `T = total_steps`:
///
/// ```text
/// step <  min(w, T):  lr = base · (step + 1) / w
/// w ≤ step < T:       lr = min_lr + (base − min_lr) · ½ · (1 + cos(π · (step − w) / (T − w)))
/// step ≥ T:           lr = min_lr
/// ```
///
/// So the warm-up reaches `base` at its last step `w − 1` (the first step is
/// `base / w`, not a wasted zero-rate step), decay starts at `base` at step
/// `w`, and the rate is exactly `min_lr` from step `T` on. With `w = 0`
/// there is no warm-up; with `T ≤ w` the warm-up is cut short at `T` and the
/// floor follows. The schedule is non-decreasing during warm-up and
/// non-increasing afterwards (given `min_lr ≤ base`). Computed in `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrSchedule {
    /// Peak learning rate, reached at the end of warm-up; finite, `≥ 0`.
    pub base: f32,
    /// Number of warm-up steps (0 for none).
    pub warmup_steps: u64,
    /// Step at which the cosine decay reaches `min_lr`; normally the total
    /// number of training steps.
    pub total_steps: u64,
    /// Floor of the decay, in `[0, base]`.
    pub min_lr: f32,
}

impl LrSchedule {
    /// A schedule with the given parameters, validated.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidHyperparameter`] if `base` is negative or not
    /// finite, or `min_lr` is outside `[0, base]`.
    pub fn new(
        base: f32,
        warmup_steps: u64,
        total_steps: u64,
        min_lr: f32,
    ) -> Result<Self, OptimError> {
        let schedule = Self {
            base,
            warmup_steps,
            total_steps,
            min_lr,
        };
        schedule.validate()?;
        Ok(schedule)
    }

    /// Checks the ranges documented on the fields (use after deserialising).
    ///
    /// # Errors
    ///
    /// As for [`new`](Self::new).
    pub fn validate(&self) -> Result<(), OptimError> {
        check(
            "lr",
            self.base,
            self.base.is_finite() && self.base >= 0.0,
            "finite and >= 0",
        )?;
        check(
            "min_lr",
            self.min_lr,
            (0.0..=self.base).contains(&self.min_lr),
            "in [0, lr]",
        )
    }

    /// The learning rate for optimiser step `step` (0-based).
    pub fn lr(&self, step: u64) -> f32 {
        let base = f64::from(self.base);
        let min = f64::from(self.min_lr);
        let (w, t) = (self.warmup_steps, self.total_steps);
        if step >= t {
            return self.min_lr;
        }
        if step < w {
            // u64 -> f64 is exact below 2^53.
            return (base * (step + 1) as f64 / w as f64) as f32;
        }
        let progress = (step - w) as f64 / (t - w) as f64;
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        (min + (base - min) * cosine) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f64) -> bool {
        (f64::from(a) - b).abs() <= 1e-6 * b.abs()
    }

    #[test]
    fn endpoints() {
        let s = LrSchedule::new(1e-3, 100, 1100, 1e-5).unwrap();
        assert!(close(s.lr(0), 1e-5)); // base · 1/100
        assert!(close(s.lr(49), 5e-4));
        assert_eq!(s.lr(99), 1e-3); // warm-up ends exactly at base
        assert_eq!(s.lr(100), 1e-3); // decay starts exactly at base
        // Half-way through the decay the cosine term is ½.
        assert!(close(s.lr(600), 1e-5 + (1e-3 - 1e-5) * 0.5));
        assert_eq!(s.lr(1100), 1e-5); // floor reached exactly at total_steps
        assert_eq!(s.lr(u64::MAX), 1e-5);
        assert!(s.lr(1099) > 1e-5 && s.lr(1099) < 1.001e-5);
    }

    #[test]
    fn monotone_up_then_down() {
        for (w, t) in [(100, 1100), (0, 500), (1, 2), (10, 11), (7, 1000)] {
            let s = LrSchedule::new(2e-3, w, t, 1e-4).unwrap();
            let lrs: Vec<f32> = (0..t + 10).map(|step| s.lr(step)).collect();
            let peak = lrs.iter().cloned().fold(f32::MIN, f32::max);
            assert_eq!(peak, 2e-3, "w={w} t={t}");
            for step in 1..lrs.len() {
                let (prev, cur) = (lrs[step - 1], lrs[step]);
                if (step as u64) < w {
                    assert!(cur > prev, "warm-up must increase at {step}");
                } else {
                    assert!(
                        cur <= prev,
                        "decay must not increase at {step} (w={w} t={t})"
                    );
                }
            }
            assert!(lrs.iter().all(|&lr| lr > 0.0 && lr <= 2e-3));
            assert!(lrs[w as usize..].iter().all(|&lr| lr >= 1e-4));
        }
    }

    #[test]
    fn no_warmup_starts_at_base() {
        let s = LrSchedule::new(0.1, 0, 10, 0.0).unwrap();
        assert_eq!(s.lr(0), 0.1);
        assert_eq!(s.lr(10), 0.0);
    }

    #[test]
    fn total_within_warmup_cuts_warmup_short() {
        let s = LrSchedule::new(1.0, 10, 5, 0.25).unwrap();
        assert_eq!(s.lr(4), 0.5);
        assert_eq!(s.lr(5), 0.25);
    }

    #[test]
    fn constant_when_min_equals_base() {
        let s = LrSchedule::new(0.01, 0, 100, 0.01).unwrap();
        assert!((0..200).all(|step| s.lr(step) == 0.01));
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(LrSchedule::new(-1.0, 0, 10, 0.0).is_err());
        assert!(LrSchedule::new(f32::NAN, 0, 10, 0.0).is_err());
        assert!(LrSchedule::new(1.0, 0, 10, 2.0).is_err());
        let err = LrSchedule::new(1.0, 0, 10, -0.5).unwrap_err();
        assert_eq!(err.to_string(), "invalid min_lr = -0.5: must be in [0, lr]");
    }

    #[test]
    fn serde_round_trip() {
        let s = LrSchedule::new(3e-4, 500, 20_000, 3e-6).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<LrSchedule>(&json).unwrap(), s);
    }
}
