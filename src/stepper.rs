//! [`Stepper`]: what the float and the fixed-point sampler have in common,
//! and the procedures built on it that put data into a sampler: imputation
//! (replacement with RePaint's resampling) and SDEdit denoising.
//!
//! Both procedures only call the samplers' own steps, so they run in any
//! backend with that backend's arithmetic — integer-only for fixed point.

use crate::format::AnomalyDetector;
use crate::sampler::SamplerError;
use rand_core::Rng;

/// A state element, and how its squared errors add up for anomaly scores:
/// in `f32` for the float backends, in `i64` Q32.32 for fixed point (so the
/// fixed-point score, too, is integer-only).
pub trait StateValue: Copy + Default {
    /// A sum or mean of squared differences.
    type Score: Copy + PartialOrd;
    /// Zero.
    const ZERO: Self::Score;
    /// `sum + (a − b)²`.
    fn add_squared(sum: Self::Score, a: Self, b: Self) -> Self::Score;
    /// `sum / count`.
    fn mean(sum: Self::Score, count: u32) -> Self::Score;
    /// The detector's threshold in these units.
    fn threshold(detector: &AnomalyDetector<'_>) -> Self::Score;
    /// Whether a score is a number (integer scores always are).
    fn is_finite(score: Self::Score) -> bool;
    /// `sum + score·w`, `w` the detector's weight of level `level`.
    fn add_weighted(
        sum: Self::Score,
        score: Self::Score,
        detector: &AnomalyDetector<'_>,
        level: usize,
    ) -> Self::Score;
}

impl StateValue for f32 {
    type Score = f32;
    const ZERO: f32 = 0.0;
    fn add_squared(sum: f32, a: f32, b: f32) -> f32 {
        let d = a - b;
        sum + d * d
    }
    fn mean(sum: f32, count: u32) -> f32 {
        sum / count.max(1) as f32
    }
    fn threshold(detector: &AnomalyDetector<'_>) -> f32 {
        detector.threshold()
    }
    fn is_finite(score: f32) -> bool {
        score.is_finite()
    }
    fn add_weighted(sum: f32, score: f32, detector: &AnomalyDetector<'_>, level: usize) -> f32 {
        sum + score * detector.weight(level)
    }
}

/// Q16.16 states; scores in Q32.32, saturating.
impl StateValue for i32 {
    type Score = i64;
    const ZERO: i64 = 0;
    fn add_squared(sum: i64, a: i32, b: i32) -> i64 {
        // |d| ≤ 2³¹ keeps d² ≤ 2⁶²; larger differences saturate the score anyway.
        let d = (i64::from(a) - i64::from(b)).clamp(-(1 << 31), 1 << 31);
        sum.saturating_add(d * d)
    }
    fn mean(sum: i64, count: u32) -> i64 {
        sum / i64::from(count.max(1))
    }
    fn threshold(detector: &AnomalyDetector<'_>) -> i64 {
        detector.threshold_q()
    }
    fn is_finite(_: i64) -> bool {
        true
    }
    /// Q32.32 times the Q16.16 weight, rounded down and saturated.
    fn add_weighted(sum: i64, score: i64, detector: &AnomalyDetector<'_>, level: usize) -> i64 {
        let product = (i128::from(score) * i128::from(detector.weight_q(level))) >> 16;
        sum.saturating_add(i64::try_from(product).unwrap_or(i64::MAX))
    }
}

/// An anomaly score and the decision against a threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict<S> {
    /// Mean squared denoising error (model units; Q32.32 for fixed point).
    pub score: S,
    /// `score > threshold`.
    pub anomaly: bool,
}

/// A sampler over states of `Value`s (`f32` in model units, or Q16.16 `i32`).
pub trait Stepper {
    /// One element of the state.
    type Value: StateValue;

    /// Starts a new sample from noise.
    fn init<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Starts from data `x`, noised to the level of row `k`.
    fn init_at<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        k: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Runs the next row; `false` once the plan is done.
    fn step<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<bool, SamplerError>;
    /// Sets the masked coordinates to the observed values at the current level.
    fn impose<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        observed: &[Self::Value],
        mask: &[bool],
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Takes the state back to the level of the last row run.
    fn rewind<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<(), SamplerError>;
    /// Rows not yet run.
    fn remaining(&self) -> u32;
    /// The clean-data estimate x̂₀ of `x`, a state at the level of row `k`.
    fn estimate_x0(
        &mut self,
        x: &[Self::Value],
        k: u32,
        out: &mut [Self::Value],
    ) -> Result<(), SamplerError>;

    /// Fills in the coordinates of `x` where `mask` is false given
    /// `observed` where it is true (model units): each row is run
    /// `resample` times (RePaint; 1 is the plain replacement method), the
    /// observed coordinates re-imposed at the new level after every step and
    /// every step back. At the end `x` holds `observed` exactly where masked.
    fn impute<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        observed: &[Self::Value],
        mask: &[bool],
        resample: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.init(x, rng)?;
        self.impose(x, observed, mask, rng)?;
        while self.remaining() > 0 {
            for r in 0..resample.max(1) {
                if r > 0 {
                    self.rewind(x, rng)?;
                    self.impose(x, observed, mask, rng)?;
                }
                self.step(x, rng)?;
                self.impose(x, observed, mask, rng)?;
            }
        }
        Ok(())
    }

    /// The anomaly score of `x` (model units): the mean squared error of the
    /// clean-data estimate over `repeats` noisings of `x` to the level of
    /// each row in `rows` (`init_at`, then `estimate_x0`), summed in that
    /// order. `work` holds two states (`2·x.len()` elements). A score that
    /// is not finite is [`SamplerError::NonFinite`], never a verdict.
    fn anomaly_score<R: Rng + ?Sized>(
        &mut self,
        x: &[Self::Value],
        rows: impl Iterator<Item = u32>,
        repeats: u32,
        work: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<<Self::Value as StateValue>::Score, SamplerError> {
        let short = SamplerError::Scratch {
            needed: u32::try_from(2 * x.len()).unwrap_or(u32::MAX),
        };
        let (noisy, rest) = work.split_at_mut_checked(x.len()).ok_or(short)?;
        let estimate = rest.get_mut(..x.len()).ok_or(short)?;
        let (mut sum, mut count) = (<Self::Value as StateValue>::ZERO, 0u32);
        for k in rows {
            for _ in 0..repeats {
                noisy.copy_from_slice(x);
                self.init_at(noisy, k, rng)?;
                self.estimate_x0(noisy, k, estimate)?;
                for (e, v) in estimate.iter().zip(x) {
                    sum = Self::Value::add_squared(sum, *e, *v);
                }
                count = count.saturating_add(u32::try_from(x.len()).unwrap_or(u32::MAX));
            }
        }
        let score = Self::Value::mean(sum, count);
        if Self::Value::is_finite(score) {
            Ok(score)
        } else {
            Err(SamplerError::NonFinite)
        }
    }

    /// The score of a model's stored detector, and its decision. The sampler
    /// must run the detector's plan. Unweighted (section kind 10): the
    /// [`Stepper::anomaly_score`] over the detector's rows. Weighted (kind
    /// 16): each level's [`Stepper::anomaly_score`] times its weight, averaged
    /// over the levels, with the same noise draws in the same order.
    fn detect<R: Rng + ?Sized>(
        &mut self,
        x: &[Self::Value],
        detector: &AnomalyDetector<'_>,
        work: &mut [Self::Value],
        rng: &mut R,
    ) -> Result<Verdict<<Self::Value as StateValue>::Score>, SamplerError> {
        let repeats = detector.repeats();
        let score = if detector.weighted() {
            let (mut sum, mut levels) = (<Self::Value as StateValue>::ZERO, 0u32);
            for (i, k) in detector.rows().enumerate() {
                let level = self.anomaly_score(x, core::iter::once(k), repeats, work, rng)?;
                sum = Self::Value::add_weighted(sum, level, detector, i);
                levels = levels.saturating_add(1);
            }
            Self::Value::mean(sum, levels)
        } else {
            self.anomaly_score(x, detector.rows(), repeats, work, rng)?
        };
        if !Self::Value::is_finite(score) {
            return Err(SamplerError::NonFinite);
        }
        Ok(Verdict {
            score,
            anomaly: score > Self::Value::threshold(detector),
        })
    }

    /// SDEdit: `x` (data, model units) is noised to the level of row `k` and
    /// the plan run from there to the end.
    fn sdedit<R: Rng + ?Sized>(
        &mut self,
        x: &mut [Self::Value],
        k: u32,
        rng: &mut R,
    ) -> Result<(), SamplerError> {
        self.init_at(x, k, rng)?;
        while self.step(x, rng)? {}
        Ok(())
    }
}

/// Implements [`Stepper`] for a sampler type by forwarding to its inherent
/// methods of the same names: `forward_stepper!([generics] Type, Value, Path)`.
macro_rules! forward_stepper {
    ([$($generics:tt)*] $ty:ty, $value:ty, $path:ident) => {
        impl<$($generics)*> $crate::stepper::Stepper for $ty {
            type Value = $value;

            fn init<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::init(self, x, rng)
            }
            fn init_at<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                k: u32,
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::init_at(self, x, k, rng)
            }
            fn step<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                rng: &mut R,
            ) -> Result<bool, $crate::sampler::SamplerError> {
                $path::step(self, x, rng)
            }
            fn impose<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                observed: &[$value],
                mask: &[bool],
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::impose(self, x, observed, mask, rng)
            }
            fn rewind<R: rand_core::Rng + ?Sized>(
                &mut self,
                x: &mut [$value],
                rng: &mut R,
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::rewind(self, x, rng)
            }
            fn remaining(&self) -> u32 {
                $path::remaining(self)
            }
            fn estimate_x0(
                &mut self,
                x: &[$value],
                k: u32,
                out: &mut [$value],
            ) -> Result<(), $crate::sampler::SamplerError> {
                $path::estimate_x0(self, x, k, out)
            }
        }
    };
}
pub(crate) use forward_stepper;
