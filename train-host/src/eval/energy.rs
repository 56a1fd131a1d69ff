//! Energy distance between two sample sets.
//!
//! Why this metric: it compares whole distributions like MMD but needs no
//! kernel bandwidth (it uses plain Euclidean distances), is in the units of
//! the data, and its V-statistic is exactly the energy distance between
//! the two empirical distributions, hence never negative and exactly 0 for
//! identical sets.
//!
//! # Definition
//!
//! Székely & Rizzo's energy distance (the squared form, not its root):
//!
//! ```text
//! D²(X, Y) = 2·E|X − Y| − E|X − X'| − E|Y − Y'|
//! ```
//!
//! estimated by the **V-statistic** over all ordered pairs, the zero
//! diagonal included:
//!
//! ```text
//! D²_V = 2/(nm) Σ_{i,j} |x_i − y_j| − 1/n² Σ_{i,j} |x_i − x_j| − 1/m² Σ_{i,j} |y_i − y_j|
//! ```
//!
//! Its expectation exceeds `D²` by `E|X − X'|/n + E|Y − Y'|/m`. In one
//! dimension `D² = 2∫(F(t) − G(t))² dt`. For `N(0, 1)` against `N(μ, 1)`,
//! `D² = 2·E|N(μ, 2)| − 2·E|N(0, 2)|` with
//! `E|N(μ, s²)| = s·√(2/π)·e^{−μ²/(2s²)} + μ·(1 − 2Φ(−μ/s))`.
//!
//! Like MMD it is quadratic in the number of points, so [`energy_distance`]
//! first cuts each set down to at most `max_points` points chosen from
//! `seed` — the same points [`mmd2`](super::mmd2) uses for equal arguments.

use super::EvalError;
use super::mmd::SUBSAMPLE_STREAM;
use super::pairwise::{centre_pair, for_each_distance_row};
use super::points::Points;
use super::subsample::subsample;

/// The energy distance `D²_V` between row-major sets `a` and `b` of
/// dimension `dim`, on at most `max_points` points of each set chosen from
/// `seed` (see the [module documentation](self)).
///
/// Non-negative and exactly 0 for identical sets; symmetric up to rounding.
///
/// # Errors
///
/// [`EvalError`] if `dim` is 0, a buffer is ragged, empty or holds a
/// non-finite value, or `max_points` is 0.
pub fn energy_distance(
    a: &[f32],
    b: &[f32],
    dim: usize,
    max_points: usize,
    seed: u64,
) -> Result<f64, EvalError> {
    if max_points == 0 {
        return Err(EvalError::Parameter("max_points must be at least 1"));
    }
    let (a, b) = Points::pair(a, b, dim, 1)?;
    let mut x = a.gather_f64(&subsample(a.len(), max_points, seed, SUBSAMPLE_STREAM));
    let mut y = b.gather_f64(&subsample(b.len(), max_points, seed, SUBSAMPLE_STREAM));
    centre_pair(&mut x, &mut y, dim);
    // All three terms go through the same function in the same order, so
    // identical sets give bit-identical terms and exactly 0; mathematically
    // the result is ≥ 0, and clamping removes rounding below it.
    let d =
        2.0 * mean_distance(&x, &y, dim) - mean_distance(&x, &x, dim) - mean_distance(&y, &y, dim);
    Ok(d.max(0.0))
}

/// Mean Euclidean distance over all ordered pairs `(x_i, y_j)`.
fn mean_distance(x: &[f64], y: &[f64], dim: usize) -> f64 {
    let n = (x.len() / dim) as f64;
    let m = (y.len() / dim) as f64;
    let mut total = 0.0;
    for_each_distance_row(x, y, dim, |_, d2| {
        total += d2.iter().map(|d| d.sqrt()).sum::<f64>();
    });
    total / (n * m)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{gaussian, normal_grid, phi, shifted};
    use super::*;

    /// `E|Z|` for `Z ~ N(mu, s²)`.
    fn folded_normal_mean(mu: f64, s: f64) -> f64 {
        s * (2.0 / std::f64::consts::PI).sqrt() * (-mu * mu / (2.0 * s * s)).exp()
            + mu * (1.0 - 2.0 * phi(-mu / s))
    }

    #[test]
    fn small_sets_by_hand() {
        // {0} vs {1}: 2·1 − 0 − 0.
        assert_eq!(energy_distance(&[0.0], &[1.0], 1, 10, 0).unwrap(), 2.0);
        // {0, 1} vs {0}: 2·½ − ½ − 0 = ½ = 2∫(F − G)² (F − G = −½ on [0, 1)).
        assert_eq!(energy_distance(&[0.0, 1.0], &[0.0], 1, 10, 0).unwrap(), 0.5);
        // 2-D, the 3-4-5 triangle: {(0,0)} vs {(3,4)} gives 2·5.
        assert_eq!(
            energy_distance(&[0.0, 0.0], &[3.0, 4.0], 2, 10, 0).unwrap(),
            10.0
        );
    }

    #[test]
    fn identical_sets_give_exactly_zero_even_when_subsampled() {
        let a = gaussian(700, &[1.0, -1.0, 0.0], 2.0, 1);
        assert_eq!(energy_distance(&a, &a, 3, 10_000, 2).unwrap(), 0.0);
        assert_eq!(energy_distance(&a, &a, 3, 300, 2).unwrap(), 0.0);
    }

    #[test]
    fn gaussian_shift_matches_the_closed_form() {
        let s = std::f64::consts::SQRT_2;
        let closed = |mu: f64| 2.0 * folded_normal_mean(mu, s) - 2.0 * folded_normal_mean(0.0, s);
        // μ = 1 by hand: 2·1.39928 − 2·1.12838 = 0.54180.
        assert!((closed(1.0) - 0.54180).abs() < 1e-4, "{}", closed(1.0));
        // Quantile grids stand in for exact Gaussians (the V-statistic's bias
        // on them is far below that of a random sample).
        let a = normal_grid(1000, &[0.0], 1.0);
        for mu in [0.5, 1.0, 2.0] {
            let b = normal_grid(1000, &[mu], 1.0);
            let v = energy_distance(&a, &b, 1, 2000, 5).unwrap();
            assert!(
                (v - closed(mu)).abs() < 0.004,
                "μ={mu}: {v} vs {}",
                closed(mu)
            );
        }
        // Independent random samples: within sampling error.
        let a = gaussian(800, &[0.0], 1.0, 3);
        let b = gaussian(800, &[1.0], 1.0, 4);
        let v = energy_distance(&a, &b, 1, 2000, 5).unwrap();
        assert!((v - closed(1.0)).abs() < 0.08, "{v} vs {}", closed(1.0));
    }

    #[test]
    fn same_distribution_is_small_and_shrinks_with_n_while_a_shift_is_not() {
        let e = |n: usize, shift: f64| {
            let a = gaussian(n, &[0.0, 0.0], 1.0, 6);
            let b = gaussian(n, &[shift, 0.0], 1.0, 7);
            energy_distance(&a, &b, 2, 2000, 8).unwrap()
        };
        let (small, large) = (e(50, 0.0), e(1500, 0.0));
        assert!(large < small, "{large} ≥ {small}");
        assert!(large < 0.01, "{large}");
        assert!(e(1500, 1.0) > 20.0 * large);
    }

    #[test]
    fn symmetric_up_to_rounding() {
        let a = gaussian(300, &[0.0, 0.0], 1.0, 9);
        let b = shifted(&gaussian(200, &[0.0, 0.0], 1.5, 10), &[0.3, 0.1]);
        let ab = energy_distance(&a, &b, 2, 250, 11).unwrap();
        let ba = energy_distance(&b, &a, 2, 250, 11).unwrap();
        assert!(ab > 0.0);
        assert!((ab - ba).abs() < 1e-12 * ab, "{ab} vs {ba}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(energy_distance(&[], &[0.0], 1, 10, 0).is_err());
        assert!(energy_distance(&[0.0], &[0.0], 1, 0, 0).is_err());
        assert!(energy_distance(&[0.0], &[f32::INFINITY], 1, 10, 0).is_err());
    }
}
