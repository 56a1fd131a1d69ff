//! Exponential moving average (EMA) of the weights.
//!
//! Why: diffusion models are sampled from averaged weights. The raw weights
//! at the end of training carry the noise of the last few hundred
//! stochastic steps; their EMA is a cheap approximation of the average
//! along the trajectory and gives visibly better samples (Song et al. 2021,
//! Ho et al. 2020 both export the EMA). The trainer keeps one [`Ema`] next
//! to the optimiser and exports `Ema::params()`, not the raw weights.

use super::error::{OptimError, check, check_vector};

/// An exponential moving average of a flat parameter vector.
///
/// # Update rule
///
/// Each [`update`](Self::update) first increments the update count `n`
/// (so the first update has `n = 1`), then, with the configured `decay`:
///
/// ```text
/// d = min(decay, (1 + n) / (10 + n))   with warm-up
/// d = decay                            without
/// ema[i] ← d · ema[i] + (1 − d) · params[i]
/// ```
///
/// The warm-up is that of `ExponentialMovingAverage` in Song et al.'s
/// `score_sde` code (`d = 2/11 ≈ 0.18` on the first update, `1/2` on the
/// 8th, `9/10` on the 80th, `0.99` on the 890th): without it, the average of
/// a short run would be dominated by the random initial weights it starts
/// from. The average starts *equal* to the parameters given to
/// [`new`](Self::new). With `decay = 0` the average is exactly (bit for bit)
/// the last parameters; with `decay = 1` and no warm-up it never moves.
#[derive(Debug, Clone, PartialEq)]
pub struct Ema {
    decay: f32,
    warmup: bool,
    average: Vec<f32>,
    num_updates: u64,
}

impl Ema {
    /// An average starting at `params`, with decay rate `decay` and the
    /// warm-up of the update rule if `warmup` is true.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidHyperparameter`] if `decay` is not in `[0, 1]`.
    pub fn new(params: &[f32], decay: f32, warmup: bool) -> Result<Self, OptimError> {
        check(
            "ema_decay",
            decay,
            (0.0..=1.0).contains(&decay),
            "in [0, 1]",
        )?;
        Ok(Self {
            decay,
            warmup,
            average: params.to_vec(),
            num_updates: 0,
        })
    }

    /// Rebuilds an average saved earlier (from [`params`](Self::params) and
    /// [`num_updates`](Self::num_updates)), to resume a run; subsequent
    /// updates are bit-identical to those of the original.
    ///
    /// # Errors
    ///
    /// [`OptimError::InvalidHyperparameter`] for a `decay` outside `[0, 1]`,
    /// [`OptimError::LengthMismatch`] if `average` does not have
    /// `num_params` entries, [`OptimError::NonFinite`] if it holds NaN or
    /// infinity.
    pub fn restore(
        average: Vec<f32>,
        num_params: usize,
        decay: f32,
        warmup: bool,
        num_updates: u64,
    ) -> Result<Self, OptimError> {
        check_vector("EMA weight vector", &average, num_params)?;
        let mut ema = Self::new(&[], decay, warmup)?;
        ema.average = average;
        ema.num_updates = num_updates;
        Ok(ema)
    }

    /// Folds `params` into the average (see the update rule).
    ///
    /// # Panics
    ///
    /// If `params` does not have the same length as the average.
    pub fn update(&mut self, params: &[f32]) {
        assert_eq!(
            params.len(),
            self.average.len(),
            "Ema::update: params length"
        );
        self.num_updates += 1;
        let d = self.decay_for(self.num_updates);
        let keep = 1.0 - d;
        for (a, &p) in self.average.iter_mut().zip(params) {
            *a = d * *a + keep * p;
        }
    }

    /// The decay `d` that the update numbered `n` (1-based) uses.
    fn decay_for(&self, n: u64) -> f32 {
        if self.warmup {
            // u64 -> f64 is exact below 2^53.
            let ramp = (1.0 + n as f64) / (10.0 + n as f64);
            self.decay.min(ramp as f32)
        } else {
            self.decay
        }
    }

    /// The averaged parameters, in the same order as those passed in.
    pub fn params(&self) -> &[f32] {
        &self.average
    }

    /// Consumes the average and returns the averaged parameters.
    pub fn into_params(self) -> Vec<f32> {
        self.average
    }

    /// The configured decay rate.
    pub fn decay(&self) -> f32 {
        self.decay
    }

    /// Whether the decay warm-up is on.
    pub fn warmup(&self) -> bool {
        self.warmup
    }

    /// The number of updates so far (save it to resume).
    pub fn num_updates(&self) -> u64 {
        self.num_updates
    }

    /// The decay the next [`update`](Self::update) will use.
    pub fn next_decay(&self) -> f32 {
        self.decay_for(self.num_updates + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_decay_tracks_params_exactly() {
        let mut ema = Ema::new(&[5.0, -5.0, 1e30], 0.0, false).unwrap();
        let p = [0.1_f32, -1e-30, 3.0];
        ema.update(&p);
        assert_eq!(ema.params(), p);
        let p = [7.5_f32, 2.0, -0.0];
        ema.update(&p);
        assert_eq!(ema.params(), p);
    }

    #[test]
    fn converges_to_constant_params() {
        let target = [1.5_f32, -0.25, 1e-3, 100.0];
        for warmup in [false, true] {
            let mut ema = Ema::new(&[0.0; 4], 0.99, warmup).unwrap();
            for _ in 0..3000 {
                ema.update(&target);
            }
            for (a, t) in ema.params().iter().zip(target) {
                assert!((a - t).abs() <= 1e-5 * t.abs(), "{a} vs {t}");
            }
        }
    }

    #[test]
    fn starts_equal_to_initial_params_and_decays_as_documented() {
        let init = [1.0_f32, -1.0];
        let ema = Ema::new(&init, 0.9, false).unwrap();
        assert_eq!(ema.params(), init);
        let mut ema = ema;
        ema.update(&[0.0, 1.0]);
        // 0.9·1 + 0.1·0 and 0.9·(−1) + 0.1·1.
        assert!((ema.params()[0] - 0.9).abs() < 1e-7);
        assert!((ema.params()[1] + 0.8).abs() < 1e-7);
    }

    #[test]
    fn warmup_follows_score_sde() {
        let mut ema = Ema::new(&[1.0], 0.999, true).unwrap();
        assert!((ema.next_decay() - 2.0 / 11.0).abs() < 1e-7);
        ema.update(&[0.0]);
        // d = 2/11: 2/11·1 + 9/11·0.
        assert!((ema.params()[0] - 2.0 / 11.0).abs() < 1e-7);
        assert_eq!(ema.num_updates(), 1);
        for _ in 1..7 {
            ema.update(&[0.0]);
        }
        assert_eq!(ema.next_decay(), 0.5); // the 8th update: 9/18
        // The ramp is capped by the configured decay.
        let mut late = Ema::restore(vec![0.0], 1, 0.9, true, 1_000_000).unwrap();
        assert_eq!(late.next_decay(), 0.9);
        late.update(&[1.0]);
        assert!((late.params()[0] - 0.1).abs() < 1e-7);
        // Without warm-up the first update already uses the full decay.
        assert_eq!(Ema::new(&[0.0], 0.999, false).unwrap().next_decay(), 0.999);
    }

    #[test]
    fn restored_average_continues_bit_identically() {
        let mut straight = Ema::new(&[0.0; 3], 0.95, true).unwrap();
        for i in 0..7 {
            straight.update(&[i as f32, -(i as f32), 0.5]);
        }
        let mut resumed = Ema::restore(
            straight.params().to_vec(),
            3,
            straight.decay(),
            straight.warmup(),
            straight.num_updates(),
        )
        .unwrap();
        for i in 7..20 {
            let p = [i as f32, -(i as f32), 0.5];
            straight.update(&p);
            resumed.update(&p);
        }
        assert_eq!(resumed, straight);
    }

    #[test]
    fn rejects_bad_decay_and_state() {
        assert!(Ema::new(&[0.0], 1.5, false).is_err());
        assert!(Ema::new(&[0.0], -0.1, false).is_err());
        assert!(Ema::new(&[0.0], f32::NAN, true).is_err());
        assert!(Ema::new(&[0.0], 1.0, false).is_ok());
        assert_eq!(
            Ema::restore(vec![0.0; 2], 3, 0.9, true, 5).unwrap_err(),
            OptimError::LengthMismatch {
                what: "EMA weight vector",
                expected: 3,
                found: 2
            }
        );
        assert!(matches!(
            Ema::restore(vec![0.0, f32::NAN], 2, 0.9, true, 5),
            Err(OptimError::NonFinite { index: 1, .. })
        ));
    }

    #[test]
    #[should_panic(expected = "params length")]
    fn update_panics_on_length_mismatch() {
        Ema::new(&[0.0; 2], 0.9, false).unwrap().update(&[1.0]);
    }
}
