//! [`Report`]: every metric for one pair of sets, ready for JSON.
//!
//! Why one struct: the trainer's `eval` command, the demo and tests all
//! want the same numbers computed the same way (same projections, same
//! subsample, same seed), and a serialisable struct gives a stable,
//! self-describing JSON record that can be compared across runs.

use super::EvalError;
use super::energy::energy_distance;
use super::mmd::{MAX_PAIRWISE_POINTS, mmd2};
use super::moments::{covariance_error, mean_error};
use super::out_of_range::{REPORT_MARGIN, range_of, share_outside};
use super::points::Points;
use super::sliced_wasserstein::{DEFAULT_PROJECTIONS, sliced_wasserstein};

/// Sample-quality metrics of a set against a reference set.
///
/// Every metric is symmetric in the two sets (the energy distance and MMD
/// up to rounding). A metric that is undefined for the inputs (see
/// [`evaluate`]) is NaN, which `serde_json` writes as `null`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Report {
    /// Dimension of the points.
    pub dim: usize,
    /// Points in the evaluated set (the first argument).
    pub n_samples: usize,
    /// Points in the reference set (the second argument).
    pub n_reference: usize,
    /// Seed of the projections and subsamples.
    pub seed: u64,
    /// Sliced Wasserstein-2 distance
    /// ([`sliced_wasserstein`](fn@super::sliced_wasserstein)), in data units.
    pub sliced_wasserstein: f64,
    /// Random directions behind `sliced_wasserstein`.
    pub projections: usize,
    /// Unbiased MMD² with an RBF kernel ([`mmd2`]).
    pub mmd2: f64,
    /// The kernel bandwidth σ (median heuristic) behind `mmd2`.
    pub mmd_bandwidth: f64,
    /// Energy distance, V-statistic ([`energy_distance`]).
    pub energy_distance: f64,
    /// At most this many points of each set entered `mmd2` and
    /// `energy_distance`.
    pub pairwise_points: usize,
    /// `|mean(samples) − mean(reference)|₂` ([`mean_error`]).
    pub mean_error: f64,
    /// `‖Cov(samples) − Cov(reference)‖_F`
    /// ([`covariance_error`]).
    pub cov_error: f64,
    /// Fraction of the sample values outside the reference's range widened
    /// by [`REPORT_MARGIN`] of its width, per dimension ([`share_outside`]).
    pub outside_range: f64,
}

/// All metrics of `samples` against `reference` (row-major, dimension
/// `dim`), with [`DEFAULT_PROJECTIONS`] directions and at most
/// [`MAX_PAIRWISE_POINTS`] points per set for MMD and the energy distance,
/// all drawn from `seed`.
///
/// Never fails: a metric that cannot be computed is NaN (JSON `null`) —
/// for any input error every metric is, and with a single point in a set
/// so are `mmd2`, `mmd_bandwidth` and `cov_error`. Use [`try_evaluate`] to
/// get the reason instead. The point counts are those of whole rows
/// (`len / dim`, 0 when `dim` is 0).
pub fn evaluate(samples: &[f32], reference: &[f32], dim: usize, seed: u64) -> Report {
    let nan = |r: Result<f64, EvalError>| r.unwrap_or(f64::NAN);
    let mmd = mmd2(samples, reference, dim, MAX_PAIRWISE_POINTS, seed).ok();
    Report {
        dim,
        n_samples: samples.len().checked_div(dim).unwrap_or(0),
        n_reference: reference.len().checked_div(dim).unwrap_or(0),
        seed,
        sliced_wasserstein: nan(sliced_wasserstein(
            samples,
            reference,
            dim,
            DEFAULT_PROJECTIONS,
            seed,
        )),
        projections: DEFAULT_PROJECTIONS,
        mmd2: mmd.map_or(f64::NAN, |m| m.mmd2),
        mmd_bandwidth: mmd.map_or(f64::NAN, |m| m.bandwidth),
        energy_distance: nan(energy_distance(
            samples,
            reference,
            dim,
            MAX_PAIRWISE_POINTS,
            seed,
        )),
        pairwise_points: MAX_PAIRWISE_POINTS,
        mean_error: nan(mean_error(samples, reference, dim)),
        cov_error: nan(covariance_error(samples, reference, dim)),
        outside_range: if reference.len() < dim.max(1) {
            f64::NAN
        } else {
            let (low, high) = range_of(reference, dim);
            share_outside(samples, &low, &high, REPORT_MARGIN)
        },
    }
}

/// Like [`evaluate`], but checks the inputs first, so every field of the
/// report is a number.
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged or holds a non-finite
/// value, or a set has fewer than 2 points.
pub fn try_evaluate(
    samples: &[f32],
    reference: &[f32],
    dim: usize,
    seed: u64,
) -> Result<Report, EvalError> {
    Points::pair(samples, reference, dim, 2)?;
    Ok(evaluate(samples, reference, dim, seed))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{gaussian, shifted};
    use super::*;

    #[test]
    fn identical_sets_report_zero_where_the_estimator_allows() {
        let a = gaussian(500, &[0.0, 1.0], 1.0, 1);
        let r = try_evaluate(&a, &a, 2, 3).unwrap();
        assert_eq!(r.sliced_wasserstein, 0.0);
        assert_eq!(r.energy_distance, 0.0);
        assert_eq!(r.mean_error, 0.0);
        assert_eq!(r.cov_error, 0.0);
        assert!(r.mmd2 <= 0.0 && r.mmd2 > -2.0 / 499.0);
        assert_eq!(
            (r.dim, r.n_samples, r.n_reference, r.seed),
            (2, 500, 500, 3)
        );
        assert_eq!(r, evaluate(&a, &a, 2, 3));
    }

    #[test]
    fn a_shift_raises_every_metric_and_the_report_serialises() {
        let a = gaussian(400, &[0.0, 0.0], 1.0, 4);
        let near = evaluate(&a, &gaussian(400, &[0.0, 0.0], 1.0, 5), 2, 6);
        let b = shifted(&a, &[2.0, 0.0]);
        let far = evaluate(&a, &b, 2, 6);
        assert!(far.sliced_wasserstein > 5.0 * near.sliced_wasserstein);
        assert!(far.mmd2 > 5.0 * near.mmd2.abs());
        assert!(far.energy_distance > 5.0 * near.energy_distance);
        assert!((far.mean_error - 2.0).abs() < 1e-5);
        let json = serde_json::to_value(&far).unwrap();
        for key in [
            "sliced_wasserstein",
            "mmd2",
            "mmd_bandwidth",
            "energy_distance",
            "mean_error",
            "cov_error",
        ] {
            assert!(json[key].is_f64(), "{key}: {json}");
        }
        assert_eq!(json["projections"], DEFAULT_PROJECTIONS);
    }

    #[test]
    fn undefined_metrics_are_null_and_try_evaluate_says_why() {
        let r = evaluate(&[1.0, 2.0], &[0.0, 1.0, 2.0, 3.0], 2, 0);
        assert_eq!(r.n_samples, 1);
        assert!(r.sliced_wasserstein.is_finite() && r.mean_error.is_finite());
        assert!(r.mmd2.is_nan() && r.cov_error.is_nan());
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["mmd2"].is_null() && json["cov_error"].is_null());
        assert!(matches!(
            try_evaluate(&[1.0, 2.0], &[0.0, 1.0, 2.0, 3.0], 2, 0),
            Err(EvalError::TooFew {
                set: "first set",
                ..
            })
        ));
        let r = evaluate(&[1.0], &[1.0], 0, 0);
        assert_eq!(r.n_samples, 0);
        assert!(r.sliced_wasserstein.is_nan());
    }
}
