//! Sliced Wasserstein-2 distance between two sample sets.
//!
//! Why this metric: the Wasserstein distance is the natural "how far must
//! the mass move" distance between distributions, but in more than one
//! dimension it needs an optimal-transport solve. Along a line it is exact
//! and cheap (sort both projections and compare quantiles), so averaging it
//! over random directions gives a distance that sees shifts, scalings and
//! shape errors in any direction, costs `O(L·(n + m)·(d + log n))` (the projections
//! as matrix products), needs no
//! bandwidth, and is in the units of the data (a pure shift by `μ` in one
//! dimension gives exactly `|μ|`).
//!
//! # Definition
//!
//! For sets `A` (n points) and `B` (m points) in `ℝ^d`, and `L` directions
//! `θ_1 … θ_L`:
//!
//! ```text
//! SW₂(A, B) = sqrt( (1/L) · Σ_l W₂²(θ_l·A, θ_l·B) )
//! W₂²(P, Q) = ∫₀¹ (F_P⁻¹(u) − F_Q⁻¹(u))² du
//! ```
//!
//! where `θ·A` is the empirical distribution of the projections `θ·x`,
//! `x ∈ A`, and `F⁻¹` is its quantile function: the `i`-th smallest value
//! (from 0) on `u ∈ ((i)/n, (i+1)/n]`. The integral is computed exactly on
//! the common grid of both step functions' breakpoints `{i/n} ∪ {j/m}`, so
//! equal sizes reduce to the mean squared difference of the sorted
//! projections, and unequal sizes need no resampling. Everything is in
//! `f64`.
//!
//! The directions are independent standard normal vectors (from
//! [`tinyscore::noise::standard_normal`] via generator
//! [`stream`]`(seed, 0)`, a seeded `Xoshiro256PlusPlus`) divided by their
//! norms, i.e. uniform on the unit sphere. For `L → ∞` this is the sliced
//! distance with the uniform measure on the sphere, so for two Gaussians
//! `N(0, I)` and `N(μ, I)` in `d` dimensions, `SW₂ = |μ|/√d` (and `|μ|` in
//! one dimension, where every direction is ±1).

use super::EvalError;
use super::points::Points;
use crate::random::{normal, stream};
use crate::real::{Op, Real};

/// Number of directions [`evaluate`](super::evaluate) uses.
pub const DEFAULT_PROJECTIONS: usize = 256;

/// Generator stream of the directions.
const DIRECTION_STREAM: u64 = 0;

/// Directions projected on per matrix product.
const DIRECTION_BLOCK: usize = 32;

/// Points converted to f64 and projected per matrix product.
const PROJECT_ROWS: usize = 1024;

/// The sliced Wasserstein-2 distance between row-major sets `a` and `b` of
/// dimension `dim`, over `num_projections` random directions drawn from
/// `seed` (see the [module documentation](self) for the definition).
///
/// Symmetric, zero for identical sets (and for sets with the same empirical
/// distribution, such as a set and itself repeated), and deterministic in
/// `seed`.
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged, empty or holds a
/// non-finite value, or `num_projections` is 0.
pub fn sliced_wasserstein(
    a: &[f32],
    b: &[f32],
    dim: usize,
    num_projections: usize,
    seed: u64,
) -> Result<f64, EvalError> {
    if num_projections == 0 {
        return Err(EvalError::Parameter("num_projections must be at least 1"));
    }
    let (a, b) = Points::pair(a, b, dim, 1)?;
    let mut rng = stream(seed, DIRECTION_STREAM);
    let mut theta = vec![0.0; DIRECTION_BLOCK * dim];
    let (mut proj_a, mut proj_b) = (Vec::new(), Vec::new());
    let (mut col_a, mut col_b) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    let mut total = 0.0;
    let mut left = num_projections;
    while left > 0 {
        let k = left.min(DIRECTION_BLOCK);
        left -= k;
        let theta = &mut theta[..k * dim];
        for direction in theta.chunks_exact_mut(dim) {
            random_direction(&mut rng, direction);
        }
        project(&a, theta, k, &mut proj_a);
        project(&b, theta, k, &mut proj_b);
        for j in 0..k {
            sorted_column(&proj_a, k, j, &mut col_a);
            sorted_column(&proj_b, k, j, &mut col_b);
            total += w2_squared_sorted(&col_a, &col_b);
        }
    }
    Ok((total / num_projections as f64).sqrt())
}

/// Fills `theta` with a uniformly random unit vector: standard normal
/// coordinates divided by their norm (redrawn in the never-seen case of a
/// zero vector).
fn random_direction<R: rand_xoshiro::rand_core::Rng>(rng: &mut R, theta: &mut [f64]) {
    loop {
        for t in theta.iter_mut() {
            *t = normal(rng);
        }
        let norm = theta.iter().map(|t| t * t).sum::<f64>().sqrt();
        if norm > 0.0 {
            theta.iter_mut().for_each(|t| *t /= norm);
            return;
        }
    }
}

/// `out` (n×k, row-major) `= points · thetaᵀ` for `k` directions stored
/// row-major in `theta`: the projections of every point on every direction,
/// by matrix products over blocks of rows converted to f64.
fn project(points: &Points<'_>, theta: &[f64], k: usize, out: &mut Vec<f64>) {
    let d = points.dim();
    out.clear();
    out.resize(points.len() * k, 0.0);
    let mut block = Vec::with_capacity(PROJECT_ROWS * d);
    for (rows, dest) in points
        .values()
        .chunks(PROJECT_ROWS * d)
        .zip(out.chunks_mut(PROJECT_ROWS * k))
    {
        block.clear();
        block.extend(rows.iter().map(|&v| f64::from(v)));
        let r = rows.len() / d;
        f64::gemm(
            r,
            d,
            k,
            1.0,
            &block,
            Op::Plain,
            theta,
            Op::Transposed,
            0.0,
            dest,
        );
    }
}

/// Column `j` of the n×k row-major `proj`, sorted ascending, into `out`.
fn sorted_column(proj: &[f64], k: usize, j: usize, out: &mut Vec<f64>) {
    out.clear();
    out.extend(proj.iter().skip(j).step_by(k));
    out.sort_unstable_by(f64::total_cmp);
}

/// `W₂²` between the empirical distributions of two sorted, non-empty
/// samples: the exact integral of the squared difference of their quantile
/// step functions.
///
/// On the grid of step `1/(n·m)`, `a`'s `i`-th step ends at `(i+1)·m` and
/// `b`'s `j`-th at `(j+1)·n`; walking both lists of breakpoints in order
/// visits every interval on which both quantile functions are constant.
fn w2_squared_sorted(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as u128;
    let m = b.len() as u128;
    let total = n * m;
    let (mut i, mut j, mut pos) = (0usize, 0usize, 0u128);
    let mut sum = 0.0;
    while pos < total {
        let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) else {
            break;
        };
        let end_a = (i as u128 + 1) * m;
        let end_b = (j as u128 + 1) * n;
        let end = end_a.min(end_b);
        let diff = x - y;
        sum += diff * diff * (end - pos) as f64;
        pos = end;
        if end_a == end {
            i += 1;
        }
        if end_b == end {
            j += 1;
        }
    }
    sum / total as f64
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{gaussian, shifted};
    use super::*;

    #[test]
    fn identical_sets_give_exactly_zero() {
        let a = gaussian(300, &[0.0, 1.0, -2.0], 1.5, 1);
        assert_eq!(sliced_wasserstein(&a, &a, 3, 64, 9).unwrap(), 0.0);
    }

    #[test]
    fn same_empirical_distribution_with_other_sizes_gives_zero() {
        // Every point twice: the same distribution on a grid of 2n steps.
        let a = gaussian(101, &[0.0, 0.0], 1.0, 2);
        let twice: Vec<f32> = a.iter().chain(&a).copied().collect();
        assert_eq!(sliced_wasserstein(&a, &twice, 2, 32, 3).unwrap(), 0.0);
    }

    #[test]
    fn unequal_sizes_integrate_the_quantile_functions_exactly() {
        // F_a⁻¹ = 0 on (0,½], 1 on (½,1]; F_b⁻¹ = 0, ½, 1 on thirds. They
        // differ by ½ on (⅓,⅔]: W₂² = ¼·⅓ = 1/12.
        let sw = sliced_wasserstein(&[1.0, 0.0], &[0.5, 1.0, 0.0], 1, 5, 0).unwrap();
        assert!((sw * sw - 1.0 / 12.0).abs() < 1e-15, "{sw}");
        assert_eq!(w2_squared_sorted(&[0.0, 1.0], &[0.0, 0.5, 1.0]), 1.0 / 12.0);
    }

    #[test]
    fn one_dimensional_shift_gives_its_size() {
        // N(0,1) against N(m,1) in 1-D: W₂ = |m|, exactly for a shifted copy
        // and up to sampling error for an independent sample.
        let a = gaussian(2000, &[0.0], 1.0, 3);
        for m in [0.5, -2.0] {
            let b = shifted(&a, &[m]);
            let sw = sliced_wasserstein(&a, &b, 1, 8, 4).unwrap();
            assert!((sw - m.abs()).abs() < 1e-5, "{sw} vs {m}");
            let c = gaussian(3000, &[m], 1.0, 5);
            let sw = sliced_wasserstein(&a, &c, 1, 8, 4).unwrap();
            assert!((sw - m.abs()).abs() < 0.06, "{sw} vs {m}");
        }
    }

    #[test]
    fn shift_in_d_dimensions_gives_norm_over_root_d() {
        // E_θ (θ·μ)² = |μ|²/d for θ uniform on the sphere.
        let a = gaussian(200, &[0.0; 4], 1.0, 6);
        let mu = [1.0, -2.0, 0.5, 2.0];
        let b = shifted(&a, &mu);
        let norm = mu.iter().map(|m: &f64| m * m).sum::<f64>().sqrt();
        let sw = sliced_wasserstein(&a, &b, 4, 4000, 7).unwrap();
        let want = norm / 2.0;
        assert!((sw - want).abs() < 0.03 * want, "{sw} vs {want}");
    }

    #[test]
    fn symmetric_and_deterministic() {
        let a = gaussian(300, &[0.0, 0.0], 1.0, 8);
        let b = gaussian(170, &[0.3, 0.0], 1.2, 9);
        let ab = sliced_wasserstein(&a, &b, 2, 50, 10).unwrap();
        assert_eq!(ab, sliced_wasserstein(&b, &a, 2, 50, 10).unwrap());
        assert_eq!(ab, sliced_wasserstein(&a, &b, 2, 50, 10).unwrap());
        assert_ne!(ab, sliced_wasserstein(&a, &b, 2, 50, 11).unwrap());
    }

    #[test]
    fn same_distribution_is_small_and_shrinks_with_n_while_a_shift_is_not() {
        let sw = |n: usize, shift: f64| {
            let a = gaussian(n, &[0.0, 0.0], 1.0, 20);
            let b = gaussian(n, &[shift, 0.0], 1.0, 21);
            sliced_wasserstein(&a, &b, 2, 64, 22).unwrap()
        };
        let (small, large) = (sw(100, 0.0), sw(4000, 0.0));
        assert!(large < small, "{large} ≥ {small}");
        assert!(large < 0.05, "{large}");
        assert!(sw(4000, 1.0) > 10.0 * large);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            sliced_wasserstein(&[0.0], &[0.0], 1, 0, 0),
            Err(EvalError::Parameter(_))
        ));
        assert!(matches!(
            sliced_wasserstein(&[], &[0.0], 1, 1, 0),
            Err(EvalError::TooFew { .. })
        ));
        assert!(matches!(
            sliced_wasserstein(&[0.0], &[0.0, 1.0, 2.0], 2, 1, 0),
            Err(EvalError::Ragged { .. })
        ));
    }
}
