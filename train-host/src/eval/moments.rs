//! Errors of the first two moments: mean and covariance.
//!
//! Why: the distribution-level distances (sliced Wasserstein, MMD, energy)
//! say *that* two sets differ; the moment errors say *how* in the most
//! common failure modes of a diffusion sampler — a drifted mean, or too much
//! or too little spread (over- or under-dispersed samples from a wrong
//! variance schedule or too few steps). They are exact (no randomness, no
//! subsampling) and cheap: `O(n·d²)` through the crate's matrix product.
//!
//! # Definitions
//!
//! * mean error: `|mean(A) − mean(B)|₂`, the Euclidean norm of the
//!   difference of the sample means;
//! * covariance error: `‖Cov(A) − Cov(B)‖_F`, the Frobenius norm of the
//!   difference of the unbiased sample covariances
//!   `Cov(X) = Σ_i (x_i − x̄)(x_i − x̄)ᵀ / (n − 1)` (two-pass: the mean first,
//!   then the centred products, all in `f64`).

use super::EvalError;
use super::points::Points;
use crate::real::{Op, Real};

/// Rows centred and multiplied per matrix product.
const BLOCK_ROWS: usize = 1024;

/// `|mean(a) − mean(b)|₂` for row-major sets of dimension `dim`.
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged, empty or holds a
/// non-finite value.
pub fn mean_error(a: &[f32], b: &[f32], dim: usize) -> Result<f64, EvalError> {
    let (a, b) = Points::pair(a, b, dim, 1)?;
    let (ma, mb) = (mean(&a), mean(&b));
    Ok(ma
        .iter()
        .zip(&mb)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt())
}

/// `‖Cov(a) − Cov(b)‖_F` for row-major sets of dimension `dim`, with the
/// unbiased (`n − 1`) sample covariances.
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged, holds a non-finite value
/// or has fewer than 2 points.
pub fn covariance_error(a: &[f32], b: &[f32], dim: usize) -> Result<f64, EvalError> {
    let (a, b) = Points::pair(a, b, dim, 2)?;
    let (ca, cb) = (covariance(&a), covariance(&b));
    Ok(ca
        .iter()
        .zip(&cb)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt())
}

/// The sample mean of a non-empty set.
fn mean(points: &Points<'_>) -> Vec<f64> {
    let mut sum = vec![0.0; points.dim()];
    for row in points.iter() {
        for (s, &v) in sum.iter_mut().zip(row) {
            *s += f64::from(v);
        }
    }
    let n = points.len() as f64;
    sum.iter_mut().for_each(|s| *s /= n);
    sum
}

/// The unbiased sample covariance (`d×d`, row-major) of a set of at least
/// two points: centred rows in blocks, `C += Xcᵀ·Xc` per block.
fn covariance(points: &Points<'_>) -> Vec<f64> {
    let d = points.dim();
    let mu = mean(points);
    let mut cov = vec![0.0; d * d];
    let mut block = Vec::with_capacity(BLOCK_ROWS * d);
    let mut rows = points.iter().peekable();
    while rows.peek().is_some() {
        block.clear();
        for row in rows.by_ref().take(BLOCK_ROWS) {
            block.extend(row.iter().zip(&mu).map(|(&v, m)| f64::from(v) - m));
        }
        let r = block.len() / d;
        f64::gemm(
            d,
            r,
            d,
            1.0,
            &block,
            Op::Transposed,
            &block,
            Op::Plain,
            1.0,
            &mut cov,
        );
    }
    let denom = (points.len() - 1) as f64;
    cov.iter_mut().for_each(|c| *c /= denom);
    cov
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{gaussian, shifted};
    use super::*;

    #[test]
    fn small_sets_by_hand() {
        // Means (1, 0) and (0, 1); covariances diag(2, 0) and diag(0, 2).
        let a = [0.0, 0.0, 2.0, 0.0];
        let b = [0.0, 0.0, 0.0, 2.0];
        assert_eq!(mean_error(&a, &b, 2).unwrap(), 2f64.sqrt());
        assert_eq!(covariance_error(&a, &b, 2).unwrap(), 8f64.sqrt());
    }

    #[test]
    fn identical_sets_give_exactly_zero() {
        let a = gaussian(3000, &[1.0, 2.0, 3.0], 0.7, 1);
        assert_eq!(mean_error(&a, &a, 3).unwrap(), 0.0);
        assert_eq!(covariance_error(&a, &a, 3).unwrap(), 0.0);
    }

    #[test]
    fn covariance_matches_a_direct_sum_across_blocks() {
        // More rows than one block, with a large offset (two-pass centring).
        let a = gaussian(2500, &[1000.0, -5.0], 2.0, 2);
        let p = Points::new(&a, 2, 2, "first set").unwrap();
        let cov = covariance(&p);
        let mu = mean(&p);
        let mut direct = [0.0; 4];
        for row in a.chunks_exact(2) {
            let c = [f64::from(row[0]) - mu[0], f64::from(row[1]) - mu[1]];
            for i in 0..2 {
                for j in 0..2 {
                    direct[i * 2 + j] += c[i] * c[j] / 2499.0;
                }
            }
        }
        for (x, y) in cov.iter().zip(direct) {
            assert!((x - y).abs() < 1e-9 * (1.0 + y.abs()), "{cov:?} {direct:?}");
        }
        assert!((cov[0] - 4.0).abs() < 0.3 && (cov[3] - 4.0).abs() < 0.3);
    }

    #[test]
    fn shift_and_scale_are_measured() {
        let a = gaussian(1000, &[0.0, 0.0], 1.0, 3);
        let mu = [3.0, -4.0];
        let b = shifted(&a, &mu);
        assert!((mean_error(&a, &b, 2).unwrap() - 5.0).abs() < 1e-5);
        assert!(covariance_error(&a, &b, 2).unwrap() < 1e-4);
        // Scaling by 2 multiplies the covariance by 4: error 3·‖Cov(a)‖_F.
        let c: Vec<f32> = a.iter().map(|v| 2.0 * v).collect();
        let p = Points::new(&a, 2, 2, "first set").unwrap();
        let norm = covariance(&p).iter().map(|c| c * c).sum::<f64>().sqrt();
        let err = covariance_error(&a, &c, 2).unwrap();
        assert!(
            (err - 3.0 * norm).abs() < 1e-9 * err,
            "{err} vs {}",
            3.0 * norm
        );
    }

    #[test]
    fn same_distribution_shrinks_with_n_and_is_symmetric() {
        let errs = |n: usize| {
            let a = gaussian(n, &[0.0; 3], 1.0, 4);
            let b = gaussian(n, &[0.0; 3], 1.0, 5);
            let m = mean_error(&a, &b, 3).unwrap();
            let c = covariance_error(&a, &b, 3).unwrap();
            assert_eq!(m, mean_error(&b, &a, 3).unwrap());
            assert_eq!(c, covariance_error(&b, &a, 3).unwrap());
            (m, c)
        };
        let (m_small, c_small) = errs(50);
        let (m_large, c_large) = errs(5000);
        assert!(m_large < m_small && c_large < c_small);
        assert!(m_large < 0.1 && c_large < 0.15, "{m_large} {c_large}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            covariance_error(&[0.0], &[0.0, 1.0], 1),
            Err(EvalError::TooFew {
                need: 2,
                got: 1,
                ..
            })
        ));
        assert!(mean_error(&[], &[0.0], 1).is_err());
        assert!(mean_error(&[0.0], &[0.0], 0).is_err());
    }
}
