//! Distance to the closest training record: does a model copy its
//! training rows?
//!
//! Why: on a small data set a network can learn its training rows by heart.
//! Its samples then sit on those rows, and every distance to held-out data
//! ([`sliced_wasserstein`](fn@super::sliced_wasserstein) included) reads
//! about as well as the training set's own, which is the baseline: a model
//! that copies looks perfect. The check is the one synthetic-data tools use
//! (the distance to the closest record): the Euclidean distance from each
//! sample to its nearest training row, against the same distance from
//! held-out rows, which the model never saw. Samples that generalise are
//! as far from the training rows as new data is (a ratio of medians near 1,
//! and about [`NEAR_PERCENTILE`] % of them closer than that share of
//! held-out rows); copies are much closer (a ratio well below 1, most of
//! them "near").

use super::EvalError;
use super::pairwise::{centre_pair, for_each_distance_row};
use super::points::Points;
use crate::restore::percentile;

/// The held-out percentile that makes a sample "near" a training row: a
/// sample closer to its nearest training row than this share of held-out
/// rows are to theirs.
pub const NEAR_PERCENTILE: f64 = 5.0;

/// Samples and held-out rows measured against the training rows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClosestRecord {
    /// Training rows measured against.
    pub n_training: usize,
    /// Median distance from a sample to its nearest training row, data
    /// units.
    pub samples_median: f64,
    /// Median distance from a held-out row to its nearest training row.
    pub heldout_median: f64,
    /// `samples_median / heldout_median` (NaN when the held-out median is
    /// 0, e.g. held-out rows that are training rows): near 1 for samples
    /// that generalise, well below 1 for copies.
    pub ratio: f64,
    /// Share of samples closer to a training row than the
    /// [`NEAR_PERCENTILE`] percentile of the held-out rows' distances:
    /// about that share for samples that generalise, near 1 for copies.
    pub share_near: f64,
}

/// The distance from each point of `points` to its nearest point of
/// `training` (both row-major, dimension `dim`, at least one point each),
/// through the pairwise distances MMD and the energy distance use.
pub fn nearest_distances(
    points: &[f32],
    training: &[f32],
    dim: usize,
) -> Result<Vec<f64>, EvalError> {
    let (points, training) = Points::pair(points, training, dim, 1)?;
    let widen = |p: Points<'_>| -> Vec<f64> { p.values().iter().map(|&v| f64::from(v)).collect() };
    let (mut x, mut y) = (widen(points), widen(training));
    centre_pair(&mut x, &mut y, dim);
    let mut nearest = Vec::with_capacity(points.len());
    for_each_distance_row(&x, &y, dim, |_, d2| {
        nearest.push(d2.iter().copied().fold(f64::INFINITY, f64::min).sqrt());
    });
    Ok(nearest)
}

/// [`ClosestRecord`] of `samples` and `heldout` against `training` (all
/// row-major, dimension `dim`, at least one point each).
pub fn closest_record(
    samples: &[f32],
    heldout: &[f32],
    training: &[f32],
    dim: usize,
) -> Result<ClosestRecord, EvalError> {
    let from_samples = nearest_distances(samples, training, dim)?;
    let from_heldout = nearest_distances(heldout, training, dim)?;
    let samples_median = percentile(&from_samples, 50.0);
    let heldout_median = percentile(&from_heldout, 50.0);
    let near = percentile(&from_heldout, NEAR_PERCENTILE);
    let below = from_samples.iter().filter(|&&d| d < near).count();
    Ok(ClosestRecord {
        n_training: training.len() / dim,
        samples_median,
        heldout_median,
        ratio: if heldout_median > 0.0 {
            samples_median / heldout_median
        } else {
            f64::NAN
        },
        share_near: below as f64 / from_samples.len() as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_distances_are_euclidean_to_the_closest_row() {
        // (0, 0) and (3, 4) against rows (1, 0) and (3, 0): 1 and 4 by hand.
        let d = nearest_distances(&[0.0, 0.0, 3.0, 4.0], &[1.0, 0.0, 3.0, 0.0], 2).unwrap();
        assert!(
            (d[0] - 1.0).abs() < 1e-12 && (d[1] - 4.0).abs() < 1e-12,
            "{d:?}"
        );
    }

    #[test]
    fn copies_are_near_and_fresh_points_are_not() {
        // Training rows on a grid of spacing 1; held-out rows halfway
        // between them (distance √0.5 ≈ 0.707 each); copies sit on the
        // rows, fresh samples halfway like the held-out rows.
        let grid: Vec<f32> = (0..10)
            .flat_map(|i| (0..10).flat_map(move |j| [i as f32, j as f32]))
            .collect();
        let halfway: Vec<f32> = grid.iter().map(|v| v + 0.5).collect();
        let copies = closest_record(&grid, &halfway, &grid, 2).unwrap();
        assert!(copies.samples_median < 1e-6, "{copies:?}");
        assert!(copies.ratio < 1e-6, "{copies:?}");
        assert_eq!(copies.share_near, 1.0);
        let fresh = closest_record(&halfway, &halfway, &grid, 2).unwrap();
        assert!((fresh.ratio - 1.0).abs() < 1e-9, "{fresh:?}");
        assert_eq!(fresh.share_near, 0.0);
        assert_eq!(fresh.n_training, 100);
    }

    #[test]
    fn held_out_rows_that_are_training_rows_give_no_ratio() {
        let rows = [0.0, 1.0, 2.0];
        let r = closest_record(&[0.5], &rows, &rows, 1).unwrap();
        assert!(r.ratio.is_nan(), "{r:?}");
        assert_eq!(r.heldout_median, 0.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(nearest_distances(&[0.0, 1.0, 2.0], &[0.0, 0.0], 2).is_err());
        assert!(nearest_distances(&[0.0, 1.0], &[], 2).is_err());
        assert!(nearest_distances(&[f32::NAN, 1.0], &[0.0, 0.0], 2).is_err());
    }
}
