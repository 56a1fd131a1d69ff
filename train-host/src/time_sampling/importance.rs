//! Importance sampling of training times by the loss's second moment, as
//! the `LossSecondMomentResampler` of Nichol & Dhariwal, "Improved
//! Denoising Diffusion Probabilistic Models" (2021, §3.3; openai/
//! improved-diffusion).
//!
//! Why: the per-example loss differs by orders of magnitude across times,
//! so a uniform draw of times spends most of the batch where the gradient
//! says little. Drawing a time with probability `p(t) ∝ √E[L(t)²]` and
//! weighting its loss by `s(t)/p(t)` (`s` the uniform probability) lowers
//! the variance of the loss estimate while keeping it unbiased:
//! `E_p[(s/p)·L] = Σ_b p_b·(s_b/p_b)·L_b = Σ_b s_b·L_b`, the uniform mean.
//!
//! Times are grouped into buckets with uniform probabilities `s_b` (one
//! bucket per timestep of a discrete schedule, see
//! [`TimeSampler`](super::TimeSampler)). Each bucket keeps its last
//! [`HISTORY`] per-example losses, oldest first. Until every bucket holds
//! [`HISTORY`] losses, `p = s`; then `p_b ∝ √(mean of the squares)`, mixed
//! with the uniform distribution: `p = (1 − UNIFORM_FLOOR)·p +
//! UNIFORM_FLOOR·s`, so no bucket's probability falls to zero and no weight
//! grows without bound. Losses are kept as `f32`, which a checkpoint
//! stores exactly.

/// Losses kept per bucket (improved-diffusion's `history_per_term`).
pub const HISTORY: usize = 10;

/// Weight of the uniform distribution in the mixture (improved-diffusion's
/// `uniform_prob`).
pub const UNIFORM_FLOOR: f64 = 0.001;

/// The loss history and the distribution of times it gives.
#[derive(Clone, Debug, PartialEq)]
pub struct LossSecondMoment {
    /// Uniform probability of each bucket.
    shares: Vec<f64>,
    /// `buckets × HISTORY` losses, each bucket oldest first.
    history: Vec<f32>,
    /// Losses held per bucket (at most `HISTORY`).
    counts: Vec<usize>,
    /// The current probability of each bucket.
    probabilities: Vec<f64>,
    /// Their running sums, for inverse-CDF draws.
    cumulative: Vec<f64>,
}

impl LossSecondMoment {
    /// An empty history over buckets with uniform probabilities `shares`
    /// (positive, summing to 1): times are drawn uniformly until it fills.
    pub fn new(shares: Vec<f64>) -> Self {
        let n = shares.len();
        let mut sampler = LossSecondMoment {
            shares,
            history: vec![0.0; n * HISTORY],
            counts: vec![0; n],
            probabilities: Vec::new(),
            cumulative: Vec::new(),
        };
        sampler.update_distribution();
        sampler
    }

    /// A history saved by [`history`](Self::history) and
    /// [`counts`](Self::counts).
    ///
    /// # Errors
    /// If the lengths do not match the buckets or a count is not an
    /// integer in `0..=HISTORY`.
    pub fn restore(shares: Vec<f64>, history: Vec<f32>, counts: &[f32]) -> Result<Self, String> {
        let n = shares.len();
        if history.len() != n * HISTORY || counts.len() != n {
            return Err(format!(
                "the time-sampling history must hold {n}×{HISTORY} losses and {n} counts"
            ));
        }
        let valid = |c: f32| c.fract() == 0.0 && (0.0..=HISTORY as f32).contains(&c);
        if !counts.iter().all(|&c| valid(c)) {
            return Err(format!(
                "time-sampling counts must be integers from 0 to {HISTORY}"
            ));
        }
        let mut sampler = LossSecondMoment {
            shares,
            history,
            counts: counts.iter().map(|&c| c as usize).collect(),
            probabilities: Vec::new(),
            cumulative: Vec::new(),
        };
        sampler.update_distribution();
        Ok(sampler)
    }

    /// Number of buckets.
    pub fn buckets(&self) -> usize {
        self.shares.len()
    }

    /// The losses, `buckets × HISTORY`, each bucket oldest first (unfilled
    /// slots are 0).
    pub fn history(&self) -> &[f32] {
        &self.history
    }

    /// Losses held per bucket, as `f32` for a checkpoint.
    pub fn counts(&self) -> Vec<f32> {
        self.counts.iter().map(|&c| c as f32).collect()
    }

    /// Whether every bucket holds [`HISTORY`] losses, i.e. times are drawn
    /// by importance rather than uniformly.
    pub fn is_warm(&self) -> bool {
        self.counts.iter().all(|&c| c == HISTORY)
    }

    /// The probability of each bucket.
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    /// Adds the loss of each example, in order, to its bucket's history
    /// (dropping the oldest of a full history), then updates the
    /// distribution.
    ///
    /// # Panics
    /// If the slices differ in length or a bucket is out of range.
    pub fn record(&mut self, buckets: &[usize], losses: &[f64]) {
        assert_eq!(buckets.len(), losses.len(), "one loss per example");
        for (&b, &loss) in buckets.iter().zip(losses) {
            let slots = &mut self.history[b * HISTORY..(b + 1) * HISTORY];
            if self.counts[b] < HISTORY {
                slots[self.counts[b]] = loss as f32;
                self.counts[b] += 1;
            } else {
                slots.rotate_left(1);
                slots[HISTORY - 1] = loss as f32;
            }
        }
        self.update_distribution();
    }

    /// The bucket at quantile `u ∈ [0, 1)` of the distribution, the
    /// position `v ∈ [0, 1)` of `u` inside it, and the example weight
    /// `s_b/p_b`. With `u` uniform, the bucket is drawn with probability
    /// `p_b` and `v` is uniform and independent of it.
    pub fn draw(&self, u: f64) -> (usize, f64, f64) {
        let last = self.buckets() - 1;
        let b = self.cumulative.partition_point(|&c| c <= u).min(last);
        let below = if b == 0 { 0.0 } else { self.cumulative[b - 1] };
        let p = self.probabilities[b];
        let v = ((u - below) / p).clamp(0.0, 1.0 - f64::EPSILON / 2.0);
        (b, v, self.shares[b] / p)
    }

    fn update_distribution(&mut self) {
        self.probabilities.clear();
        if self.is_warm() {
            self.probabilities
                .extend(self.history.chunks_exact(HISTORY).map(|h| {
                    let squares: f64 = h.iter().map(|&l| f64::from(l) * f64::from(l)).sum();
                    (squares / HISTORY as f64).sqrt()
                }));
        }
        let total: f64 = self.probabilities.iter().sum();
        if total > 0.0 && total.is_finite() {
            for (p, s) in self.probabilities.iter_mut().zip(&self.shares) {
                *p = (1.0 - UNIFORM_FLOOR) * (*p / total) + UNIFORM_FLOOR * s;
            }
        } else {
            self.probabilities.clone_from(&self.shares);
        }
        self.cumulative.clear();
        let mut sum = 0.0;
        for p in &self.probabilities {
            sum += p;
            self.cumulative.push(sum);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{stream, uniform};

    /// Four equal buckets whose histories hold the constant loss `b + 1`.
    fn warm() -> LossSecondMoment {
        let mut s = LossSecondMoment::new(vec![0.25; 4]);
        for _ in 0..HISTORY {
            s.record(&[0, 1, 2, 3], &[1.0, 2.0, 3.0, 4.0]);
        }
        s
    }

    #[test]
    fn uniform_until_every_bucket_is_full() {
        let mut s = LossSecondMoment::new(vec![0.25; 4]);
        for _ in 0..HISTORY {
            assert_eq!(s.probabilities(), &[0.25; 4]);
            s.record(&[0, 1, 2], &[1.0, 5.0, 9.0]);
        }
        // Bucket 3 is still empty.
        assert!(!s.is_warm());
        assert_eq!(s.probabilities(), &[0.25; 4]);
        s.record(&[3; HISTORY], &[1.0; HISTORY]);
        assert!(s.is_warm());
        assert_ne!(s.probabilities(), &[0.25; 4]);
    }

    #[test]
    fn probabilities_follow_the_root_mean_square_loss() {
        // √E[L²] = b + 1, normalised by 1 + 2 + 3 + 4 = 10, mixed with the
        // uniform floor.
        let s = warm();
        for (b, &p) in s.probabilities().iter().enumerate() {
            let want = (1.0 - UNIFORM_FLOOR) * (b + 1) as f64 / 10.0 + UNIFORM_FLOOR / 4.0;
            assert!((p - want).abs() < 1e-15, "bucket {b}: {p} vs {want}");
        }
        // A history mixing two values: √((9·3² + 5²)/10) = √10.6.
        let mut s = warm();
        s.record(&[0; 9], &[3.0; 9]);
        s.record(&[0], &[5.0]);
        let rms = [10.6f64.sqrt(), 2.0, 3.0, 4.0];
        let total: f64 = rms.iter().sum();
        let want = (1.0 - UNIFORM_FLOOR) * rms[0] / total + UNIFORM_FLOOR / 4.0;
        assert!((s.probabilities()[0] - want).abs() < 1e-15);
    }

    #[test]
    fn draws_follow_the_probabilities() {
        // 200 000 uniform quantiles: each bucket's frequency within 4
        // standard errors of its probability, and `v` uniform in the bucket.
        let s = warm();
        let mut rng = stream(11, 0);
        let n = 200_000;
        let mut counts = [0usize; 4];
        let mut v_sum = [0.0f64; 4];
        for _ in 0..n {
            let (b, v, _) = s.draw(uniform(&mut rng));
            assert!((0.0..1.0).contains(&v));
            counts[b] += 1;
            v_sum[b] += v;
        }
        for (b, &p) in s.probabilities().iter().enumerate() {
            let freq = counts[b] as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((freq - p).abs() < 4.0 * se, "bucket {b}: {freq} vs {p}");
            let mean_v = v_sum[b] / counts[b] as f64;
            assert!((mean_v - 0.5).abs() < 4.0 * (1.0 / 12.0 / counts[b] as f64).sqrt());
        }
    }

    #[test]
    fn weights_make_the_estimate_unbiased() {
        // Unequal buckets (shares 0.1, 0.2, 0.3, 0.4) and a known loss per
        // bucket that is not the history's: the weighted expectation under
        // p equals the uniform mean Σ s_b·L_b exactly (up to rounding), and a
        // Monte-Carlo estimate from draws agrees within 4 standard errors.
        let shares = vec![0.1, 0.2, 0.3, 0.4];
        let mut s = LossSecondMoment::new(shares.clone());
        for _ in 0..HISTORY {
            s.record(&[0, 1, 2, 3], &[8.0, 1.0, 0.5, 2.0]);
        }
        let loss = [3.0, -1.0, 7.0, 0.25];
        let uniform_mean: f64 = shares.iter().zip(&loss).map(|(s, l)| s * l).sum();
        let p = s.probabilities().to_vec();
        assert!(p.iter().zip(&shares).any(|(p, s)| (p - s).abs() > 0.05));
        let expectation: f64 = (0..4).map(|b| p[b] * (shares[b] / p[b]) * loss[b]).sum();
        assert!((expectation - uniform_mean).abs() < 1e-12);

        let mut rng = stream(12, 0);
        let n = 200_000;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let (b, _, weight) = s.draw(uniform(&mut rng));
            let x = weight * loss[b];
            sum += x;
            sum2 += x * x;
        }
        let mean = sum / n as f64;
        let se = ((sum2 / n as f64 - mean * mean) / n as f64).sqrt();
        assert!(
            (mean - uniform_mean).abs() < 4.0 * se,
            "{mean} ± {se} vs {uniform_mean}"
        );
    }

    #[test]
    fn restore_round_trips_and_rejects_bad_state() {
        let s = warm();
        let back = LossSecondMoment::restore(vec![0.25; 4], s.history().to_vec(), &s.counts());
        assert_eq!(back, Ok(s.clone()));
        assert!(LossSecondMoment::restore(vec![0.25; 4], vec![0.0; 3], &s.counts()).is_err());
        let mut counts = s.counts();
        counts[1] = 11.0;
        assert!(LossSecondMoment::restore(vec![0.25; 4], s.history().to_vec(), &counts).is_err());
        counts[1] = 2.5;
        assert!(LossSecondMoment::restore(vec![0.25; 4], s.history().to_vec(), &counts).is_err());
    }
}
