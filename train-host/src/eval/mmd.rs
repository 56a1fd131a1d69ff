//! Maximum mean discrepancy (MMD²) with a Gaussian (RBF) kernel.
//!
//! Why this metric: MMD is the standard kernel two-sample statistic. It
//! compares all moments at once through the kernel, it is sensitive to
//! local structure (missing or spurious modes at the kernel's length
//! scale) that moment errors miss, and its unbiased estimator has
//! expectation exactly 0 when both sets come from the same distribution,
//! so small values are directly comparable with the noise level.
//!
//! # Definition
//!
//! Kernel `k(x, y) = exp(−|x − y|² / (2σ²))`. For `X` (n points) and `Y`
//! (m points), the **unbiased** estimator (U-statistic; Gretton et al.
//! 2012, JMLR 13, eq. 3) is
//!
//! ```text
//! MMD²_u = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j)
//!        + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j)
//!        − 2/(nm)     Σ_{i,j} k(x_i, y_j)
//! ```
//!
//! It needs at least two points per set and can be slightly negative. For
//! two identical sets it is **not** 0 but `−2(1 − S/n²)/(n − 1)`, with `S`
//! the sum of all `n²` kernel values (between `−2/(n−1)` and 0).
//!
//! Bandwidth by the **median heuristic**: `σ` is the median Euclidean
//! distance between distinct points of the pooled set, computed on at most
//! [`MEDIAN_POINTS`] points of each set (mean of the two middle values for
//! an even count). If that median is 0 (most points coincide), the mean
//! pairwise distance is used, and if that is 0 too, `σ = 1`.
//!
//! The estimator costs `O((n + m)²·d)`, so [`mmd2`] first cuts each set down
//! to at most `max_points` points chosen uniformly without replacement
//! from `seed` (the choice depends only on the seed and the set's size, so
//! swapping the sets swaps the subsets); the bandwidth is chosen on the
//! same subsets.

use super::EvalError;
use super::pairwise::{centre_pair, for_each_distance_row};
use super::points::Points;
use super::subsample::subsample;

/// Points per set kept by [`evaluate`](super::evaluate) for the quadratic
/// estimators (MMD and the energy distance).
pub const MAX_PAIRWISE_POINTS: usize = 2000;

/// Points per set used for the median-heuristic bandwidth.
pub const MEDIAN_POINTS: usize = 500;

/// Generator stream of the subsample for the quadratic estimators (shared
/// with the energy distance, so both see the same points).
pub(crate) const SUBSAMPLE_STREAM: u64 = 1;

/// Generator stream of the subsample for the median heuristic.
const MEDIAN_STREAM: u64 = 2;

/// The result of [`mmd2`]: the estimate and the bandwidth it used.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Mmd {
    /// Unbiased MMD² estimate.
    pub mmd2: f64,
    /// Kernel bandwidth `σ` from the median heuristic.
    pub bandwidth: f64,
}

/// Unbiased MMD² between row-major sets `a` and `b` of dimension `dim` with
/// the RBF kernel of bandwidth `σ` from the median heuristic, on at most
/// `max_points` points of each set chosen from `seed` (see the [module
/// documentation](self)).
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged, holds a non-finite value
/// or has fewer than 2 points, or `max_points < 2`.
pub fn mmd2(
    a: &[f32],
    b: &[f32],
    dim: usize,
    max_points: usize,
    seed: u64,
) -> Result<Mmd, EvalError> {
    if max_points < 2 {
        return Err(EvalError::Parameter("max_points must be at least 2"));
    }
    let (a, b) = Points::pair(a, b, dim, 2)?;
    let mut x = a.gather_f64(&subsample(a.len(), max_points, seed, SUBSAMPLE_STREAM));
    let mut y = b.gather_f64(&subsample(b.len(), max_points, seed, SUBSAMPLE_STREAM));
    centre_pair(&mut x, &mut y, dim);
    let bandwidth = median_heuristic(&x, &y, dim, seed);
    Ok(Mmd {
        mmd2: unbiased(&x, &y, dim, bandwidth),
        bandwidth,
    })
}

/// Unbiased MMD² between all points of `a` and `b` with a given RBF
/// bandwidth `σ` (no subsampling).
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged, holds a non-finite value
/// or has fewer than 2 points, or `bandwidth` is not positive and finite.
pub fn mmd2_rbf(a: &[f32], b: &[f32], dim: usize, bandwidth: f64) -> Result<f64, EvalError> {
    if !(bandwidth > 0.0 && bandwidth.is_finite()) {
        return Err(EvalError::Parameter(
            "bandwidth must be positive and finite",
        ));
    }
    let (a, b) = Points::pair(a, b, dim, 2)?;
    let (x, y) = all_centred(&a, &b);
    Ok(unbiased(&x, &y, dim, bandwidth))
}

/// The median-heuristic bandwidth for `a` and `b` (see the [module
/// documentation](self)), on at most [`MEDIAN_POINTS`] points of each set
/// chosen from `seed`.
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged or holds a non-finite
/// value, or both sets together have fewer than 2 points.
pub fn median_bandwidth(a: &[f32], b: &[f32], dim: usize, seed: u64) -> Result<f64, EvalError> {
    let (pa, pb) = Points::pair(a, b, dim, 0)?;
    if pa.len() + pb.len() < 2 {
        return Err(EvalError::TooFew {
            set: "both sets together",
            need: 2,
            got: pa.len() + pb.len(),
        });
    }
    let (x, y) = all_centred(&pa, &pb);
    Ok(median_heuristic(&x, &y, dim, seed))
}

/// Both sets whole, as f64, centred on their pooled mean.
fn all_centred(a: &Points<'_>, b: &Points<'_>) -> (Vec<f64>, Vec<f64>) {
    let mut x = a.gather_f64(&(0..a.len()).collect::<Vec<_>>());
    let mut y = b.gather_f64(&(0..b.len()).collect::<Vec<_>>());
    centre_pair(&mut x, &mut y, a.dim());
    (x, y)
}

/// Median distance between distinct points of the pooled subsets (f64
/// row-major `x`, `y`), with the documented fallbacks.
fn median_heuristic(x: &[f64], y: &[f64], dim: usize, seed: u64) -> f64 {
    let mut pooled = Vec::new();
    for rows in [x, y] {
        let n = rows.len() / dim;
        for i in subsample(n, MEDIAN_POINTS, seed, MEDIAN_STREAM) {
            pooled.extend_from_slice(&rows[i * dim..(i + 1) * dim]);
        }
    }
    let k = pooled.len() / dim;
    let mut dists = Vec::with_capacity(k * k.saturating_sub(1) / 2);
    for_each_distance_row(&pooled, &pooled, dim, |i, d2| {
        dists.extend(d2.iter().skip(i + 1).map(|d| d.sqrt()));
    });
    if dists.is_empty() {
        return 1.0;
    }
    dists.sort_unstable_by(f64::total_cmp);
    let k = dists.len();
    let median = if k % 2 == 1 {
        dists[k / 2]
    } else {
        0.5 * (dists[k / 2 - 1] + dists[k / 2])
    };
    if median > 0.0 {
        return median;
    }
    let mean = dists.iter().sum::<f64>() / k as f64;
    if mean > 0.0 { mean } else { 1.0 }
}

/// The unbiased estimator on f64 row-major sets of at least 2 points each.
fn unbiased(x: &[f64], y: &[f64], dim: usize, bandwidth: f64) -> f64 {
    let gamma = 1.0 / (2.0 * bandwidth * bandwidth);
    let within = |rows: &[f64]| -> f64 {
        let n = (rows.len() / dim) as f64;
        let mut total = 0.0;
        for_each_distance_row(rows, rows, dim, |i, d2| {
            total += d2
                .iter()
                .skip(i + 1)
                .map(|d| (-gamma * d).exp())
                .sum::<f64>();
        });
        2.0 * total / (n * (n - 1.0))
    };
    let (n, m) = ((x.len() / dim) as f64, (y.len() / dim) as f64);
    let mut cross = 0.0;
    for_each_distance_row(x, y, dim, |_, d2| {
        cross += d2.iter().map(|d| (-gamma * d).exp()).sum::<f64>();
    });
    within(x) + within(y) - 2.0 * cross / (n * m)
}

#[cfg(test)]
mod tests {
    use super::super::pairwise::squared_distance;
    use super::super::test_support::{gaussian, normal_grid, shifted};
    use super::*;

    /// MMD² of `N(0, s²I)` and `N(δ, s²I)` in `d` dimensions with bandwidth
    /// `σ`: `2(σ²/(σ²+2s²))^{d/2}·(1 − exp(−|δ|²/(2(σ²+2s²))))`.
    fn gaussian_mmd2(d: f64, s: f64, delta2: f64, sigma: f64) -> f64 {
        let v = sigma * sigma + 2.0 * s * s;
        2.0 * (sigma * sigma / v).powf(d / 2.0) * (1.0 - (-delta2 / (2.0 * v)).exp())
    }

    #[test]
    fn two_point_sets_by_hand() {
        // k = 1 within each set, e^{−1/2} across: MMD² = 2 − 2e^{−1/2}.
        let v = mmd2_rbf(&[0.0, 0.0], &[1.0, 1.0], 1, 1.0).unwrap();
        assert!((v - (2.0 - 2.0 * (-0.5f64).exp())).abs() < 1e-15, "{v}");
    }

    #[test]
    fn identical_sets_give_the_documented_small_negative_value() {
        let a = gaussian(400, &[0.0, 0.0], 1.0, 1);
        let r = mmd2(&a, &a, 2, 1000, 2).unwrap();
        let n = 400.0;
        assert!(r.mmd2 <= 0.0 && r.mmd2 >= -2.0 / (n - 1.0), "{r:?}");
        // The closed form for identical sets, with S recomputed here.
        let x: Vec<f64> = a.iter().map(|&v| f64::from(v)).collect();
        let gamma = 1.0 / (2.0 * r.bandwidth * r.bandwidth);
        let s: f64 = x
            .chunks_exact(2)
            .flat_map(|p| {
                x.chunks_exact(2)
                    .map(move |q| (-gamma * squared_distance(p, q)).exp())
            })
            .sum();
        let want = -2.0 * (1.0 - s / (n * n)) / (n - 1.0);
        assert!((r.mmd2 - want).abs() < 1e-12, "{} vs {want}", r.mmd2);
    }

    #[test]
    fn gaussians_match_the_closed_form() {
        // Quantile grids (30×30 points) stand in for exact Gaussians.
        let a = normal_grid(30, &[0.0, 0.0], 1.0);
        let b = normal_grid(30, &[1.0, 0.0], 1.0);
        let v = mmd2_rbf(&a, &b, 2, 1.0).unwrap();
        let want = gaussian_mmd2(2.0, 1.0, 1.0, 1.0);
        assert!((v - want).abs() < 0.002, "{v} vs {want}");
        // A scale mismatch, N(0, I) against N(0, 4I): with δ = 0 the closed
        // form is (σ²/(σ²+2s²))^{d/2} + (σ²/(σ²+2t²))^{d/2} − 2(σ²/(σ²+s²+t²))^{d/2}
        // = 1/3 + 1/9 − 2/6.
        let c = normal_grid(30, &[0.0, 0.0], 2.0);
        let v = mmd2_rbf(&a, &c, 2, 1.0).unwrap();
        let want = 1.0 / 3.0 + 1.0 / 9.0 - 2.0 / 6.0;
        assert!((v - want).abs() < 0.002, "{v} vs {want}");
        // Independent random samples: within sampling error.
        let a = gaussian(800, &[0.0, 0.0], 1.0, 3);
        let b = gaussian(800, &[1.0, 0.0], 1.0, 4);
        let v = mmd2_rbf(&a, &b, 2, 1.0).unwrap();
        let want = gaussian_mmd2(2.0, 1.0, 1.0, 1.0);
        assert!((v - want).abs() < 0.02, "{v} vs {want}");
    }

    #[test]
    fn same_distribution_is_small_and_shrinks_with_n_while_a_shift_is_not() {
        let m = |n: usize, shift: f64| {
            let a = gaussian(n, &[0.0, 0.0], 1.0, 6);
            let b = gaussian(n, &[shift, 0.0], 1.0, 7);
            mmd2(&a, &b, 2, MAX_PAIRWISE_POINTS, 8).unwrap().mmd2
        };
        let (small, large) = (m(50, 0.0), m(1200, 0.0));
        assert!(large.abs() < small.abs(), "{large} vs {small}");
        assert!(large.abs() < 0.005, "{large}");
        assert!(m(1200, 1.0) > 20.0 * large.abs());
    }

    #[test]
    fn symmetric_and_subsampled_deterministically() {
        let a = gaussian(300, &[0.0, 0.0], 1.0, 9);
        let b = shifted(&gaussian(250, &[0.0, 0.0], 1.0, 10), &[0.5, 0.0]);
        let ab = mmd2(&a, &b, 2, 120, 11).unwrap();
        let ba = mmd2(&b, &a, 2, 120, 11).unwrap();
        assert_eq!(ab.bandwidth, ba.bandwidth);
        assert!((ab.mmd2 - ba.mmd2).abs() < 1e-12, "{ab:?} {ba:?}");
        assert_eq!(ab, mmd2(&a, &b, 2, 120, 11).unwrap());
        assert_ne!(ab, mmd2(&a, &b, 2, 120, 12).unwrap());
    }

    #[test]
    fn median_bandwidth_by_hand_and_fallbacks() {
        // Points 0, 1, 3: distances 1, 2, 3, median 2.
        assert_eq!(median_bandwidth(&[0.0, 1.0], &[3.0], 1, 0).unwrap(), 2.0);
        // Four points 0, 0, 0, 4: distances 0,0,0,4,4,4: median 2.
        assert_eq!(
            median_bandwidth(&[0.0, 0.0], &[0.0, 4.0], 1, 0).unwrap(),
            2.0
        );
        // Five points 0,0,0,0,5: median 0, mean of the ten distances 2.
        assert_eq!(
            median_bandwidth(&[0.0, 0.0, 0.0], &[0.0, 5.0], 1, 0).unwrap(),
            2.0
        );
        assert_eq!(median_bandwidth(&[1.0, 1.0], &[1.0], 1, 0).unwrap(), 1.0);
        assert!(median_bandwidth(&[1.0], &[], 1, 0).is_err());
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            mmd2(&[0.0], &[0.0, 1.0], 1, 10, 0),
            Err(EvalError::TooFew {
                need: 2,
                got: 1,
                ..
            })
        ));
        assert!(matches!(
            mmd2(&[0.0, 1.0], &[0.0, 1.0], 1, 1, 0),
            Err(EvalError::Parameter(_))
        ));
        assert!(matches!(
            mmd2_rbf(&[0.0, 1.0], &[0.0, 1.0], 1, 0.0),
            Err(EvalError::Parameter(_))
        ));
    }
}
