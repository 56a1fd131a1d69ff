//! The classic 2-D toy distributions of the score-model and normalising-flow
//! literature, as defined in FFJORD's `toy_data.py` (Grathwohl et al., 2019),
//! which most later code copies.
//!
//! They are the quickest end-to-end check of a trainer: each is 2-D so a
//! scatter plot shows at once whether samples are right, and each stresses
//! something different (thin manifolds, separated modes, sharp edges, holes).
//!
//! Differences from FFJORD, all on purpose:
//! - every point is drawn independently (component or ring chosen at random,
//!   positions uniform) where FFJORD uses `linspace` grids and equal counts
//!   per class followed by a shuffle: the same distribution, but any prefix of
//!   a dataset is then an i.i.d. sample;
//! - `8gaussians` uses exactly 2√2 and √2/4 where FFJORD divides by 1.414;
//! - `swissroll` is scaled by 1/(4.5π) (the noiseless roll fills the unit
//!   disc) instead of 1/5, the brief asking for about unit range;
//! - `rings` gives every ring its own angles (FFJORD reuses the outer ring's
//!   angles for the second ring's x).
//!
//! Trigonometry is `libm` and normal variates come from the runtime's
//! integer-exact sampler, so a seed gives the same bits on every machine.

use std::f64::consts::{PI, SQRT_2};

use rand_xoshiro::rand_core::Rng;

use super::Dataset;
use super::gmm::Gmm;
use crate::random::{below, coin, normal, uniform};

fn push2(data: &mut Dataset, x: f64, y: f64) {
    data.push(&[x as f32, y as f32]);
}

/// The noise of the `moons` set (scikit-learn's `make_moons(noise=0.1)`, as
/// FFJORD).
pub const MOONS_NOISE: f64 = 0.1;

/// Two interleaved half circles ("moons"), as scikit-learn's `make_moons`
/// with noise `noise` ([`MOONS_NOISE`] for `moons`), then scaled by 2 and
/// shifted by (−1, −0.2) as FFJORD.
///
/// Each point picks a moon by a fair coin and an angle θ uniform in [0, π):
/// the upper moon is (cos θ, sin θ), the lower (1 − cos θ, 0.5 − sin θ);
/// N(0, noise²) noise is added to each coordinate before scaling. With noise
/// 0.1 the result has mean ≈ (0, 0.3) and lies in about [−3, 3] × [−1.2,
/// 1.8]; the noise standard deviation is 2·noise after scaling. Thinner
/// moons (`moons:0.05`) are the harder test of a sampler: a sample between
/// the moons stands out.
pub fn moons<R: Rng + ?Sized>(n: usize, noise: f64, rng: &mut R) -> Dataset {
    let mut data = Dataset::with_capacity(2, n);
    for _ in 0..n {
        let upper = coin(rng);
        let theta = PI * uniform(rng);
        let (s, c) = libm::sincos(theta);
        let (x, y) = if upper { (c, s) } else { (1.0 - c, 0.5 - s) };
        let x = x + noise * normal(rng);
        let y = y + noise * normal(rng);
        push2(&mut data, 2.0 * x - 1.0, 2.0 * y - 0.2);
    }
    data
}

/// The 2-D swiss roll: scikit-learn's `make_swiss_roll` with noise 1.0,
/// keeping coordinates (x, z) as FFJORD, scaled by 1/(4.5π).
///
/// `t = 1.5π(1 + 2u)` with u uniform in [0, 1), the point is
/// `(t cos t, t sin t) + N(0, I)`, then divided by 4.5π ≈ 14.14 so the
/// noiseless spiral reaches radius 1; the noise standard deviation is then
/// ≈ 0.071.
pub fn swiss_roll<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Dataset {
    let scale = 1.0 / (4.5 * PI);
    let mut data = Dataset::with_capacity(2, n);
    for _ in 0..n {
        let t = 1.5 * PI * (1.0 + 2.0 * uniform(rng));
        let (s, c) = libm::sincos(t);
        let x = t * c + normal(rng);
        let y = t * s + normal(rng);
        push2(&mut data, x * scale, y * scale);
    }
    data
}

/// Radius of the circle of [`eight_gaussians`]' centres: 2√2 ≈ 2.83
/// (FFJORD: 4/1.414).
pub const EIGHT_GAUSSIANS_RADIUS: f64 = 2.0 * SQRT_2;

/// Standard deviation of each of [`eight_gaussians`]' components:
/// √2/4 ≈ 0.354 (FFJORD: 0.5/1.414).
pub const EIGHT_GAUSSIANS_STD: f64 = SQRT_2 / 4.0;

/// Eight equally weighted isotropic Gaussians with centres at angles
/// `kπ/4`, k = 0..7, on a circle of radius [`EIGHT_GAUSSIANS_RADIUS`] and
/// standard deviation [`EIGHT_GAUSSIANS_STD`]: FFJORD's `8gaussians`.
///
/// It is exactly the mixture `gmm:8,R,STD` with those numbers (and draws the
/// same points for the same generator), so the exact score of its noised
/// marginals is available from [`Gmm::noised_score`]. Sharper modes, as in
/// some other codebases, are `gmm:8,2.8284271247461903,0.02`.
pub fn eight_gaussians<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Dataset {
    eight_gaussians_mixture().sample(n, rng)
}

/// The mixture behind [`eight_gaussians`].
pub fn eight_gaussians_mixture() -> Gmm {
    Gmm::circle(8, EIGHT_GAUSSIANS_RADIUS, EIGHT_GAUSSIANS_STD)
        .unwrap_or_else(|e| unreachable!("the 8gaussians constants are valid: {e}"))
}

/// A 4 × 4 checkerboard on [−4, 4]², as FFJORD: uniform on the eight squares
/// of side 2 whose corner indices `⌊x/2⌋ + ⌊y/2⌋` are even.
///
/// `x₁ = 4u − 2`, `x₂ = u′ − 2b + (⌊x₁⌋ mod 2)` with u, u′ uniform in
/// [0, 1) and b a fair coin; the point is `2·(x₁, x₂)`. Mean ≈ (0, 0).
pub fn checkerboard<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Dataset {
    let mut data = Dataset::with_capacity(2, n);
    for _ in 0..n {
        let x1 = 4.0 * uniform(rng) - 2.0;
        let b = if coin(rng) { 2.0 } else { 0.0 };
        let x2 = uniform(rng) - b + libm::floor(x1).rem_euclid(2.0);
        push2(&mut data, 2.0 * x1, 2.0 * x2);
    }
    data
}

/// Radii of [`rings`]' four concentric circles: 3·(1, 0.75, 0.5, 0.25).
pub const RING_RADII: [f64; 4] = [3.0, 2.25, 1.5, 0.75];

/// Four concentric rings, as FFJORD's `rings`: a ring of [`RING_RADII`]
/// chosen uniformly, an angle uniform in [0, 2π), plus N(0, 0.08²) noise in
/// each coordinate. Mean ≈ (0, 0); radius at most about 3.3.
pub fn rings<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Dataset {
    let mut data = Dataset::with_capacity(2, n);
    for _ in 0..n {
        let r = RING_RADII[below(rng, RING_RADII.len())];
        let theta = 2.0 * PI * uniform(rng);
        let (s, c) = libm::sincos(theta);
        let x = r * c + 0.08 * normal(rng);
        let y = r * s + 0.08 * normal(rng);
        push2(&mut data, x, y);
    }
    data
}

/// Five curved arms, as FFJORD's `pinwheel` (after Johnson et al., 2016):
/// radial std 0.3, tangential std 0.1, rate 0.25.
///
/// Arm `k` uniform in 0..5; `f = (1 + 0.3 z₁, 0.1 z₂)`; angle
/// `a = 2πk/5 + 0.25·exp(f₀)`; the point is
/// `2·(f₀ cos a + f₁ sin a, −f₀ sin a + f₁ cos a)`. Mean ≈ (0, 0); most
/// points lie within radius 4.
pub fn pinwheel<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Dataset {
    const ARMS: usize = 5;
    let mut data = Dataset::with_capacity(2, n);
    for _ in 0..n {
        let arm = below(rng, ARMS);
        let f0 = 1.0 + 0.3 * normal(rng);
        let f1 = 0.1 * normal(rng);
        let a = 2.0 * PI * arm as f64 / ARMS as f64 + 0.25 * libm::exp(f0);
        let (s, c) = libm::sincos(a);
        push2(&mut data, 2.0 * (f0 * c + f1 * s), 2.0 * (-f0 * s + f1 * c));
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use rand_xoshiro::rand_core::SeedableRng;

    type Generator = fn(usize, &mut Xoshiro256PlusPlus) -> Dataset;

    const ALL: [(&str, Generator); 6] = [
        ("moons", |n, rng| moons(n, MOONS_NOISE, rng)),
        ("swissroll", swiss_roll),
        ("8gaussians", eight_gaussians),
        ("checkerboard", checkerboard),
        ("rings", rings),
        ("pinwheel", pinwheel),
    ];

    const N: usize = 20_000;

    fn draw(f: Generator, seed: u64) -> Dataset {
        f(N, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    fn bounds(d: &Dataset) -> ([f32; 2], [f32; 2]) {
        let mut lo = [f32::INFINITY; 2];
        let mut hi = [f32::NEG_INFINITY; 2];
        for p in d.iter() {
            for j in 0..2 {
                lo[j] = lo[j].min(p[j]);
                hi[j] = hi[j].max(p[j]);
            }
        }
        (lo, hi)
    }

    fn assert_mean(d: &Dataset, expected: [f64; 2], tol: f64) {
        let m = d.mean();
        for j in 0..2 {
            assert!(
                (m[j] - expected[j]).abs() < tol,
                "mean {m:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn every_generator_has_the_requested_shape_and_finite_values() {
        for (name, f) in ALL {
            for n in [0, 1, 7, 1000] {
                let d = f(n, &mut Xoshiro256PlusPlus::seed_from_u64(5));
                assert_eq!(d.dim, 2, "{name}");
                assert_eq!(d.len(), n, "{name}");
                assert_eq!(d.rows.len(), 2 * n, "{name}");
                assert!(d.rows.iter().all(|v| v.is_finite()), "{name}");
            }
        }
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        for (name, f) in ALL {
            assert_eq!(draw(f, 11), draw(f, 11), "{name}");
            assert_ne!(draw(f, 11), draw(f, 12), "{name}");
        }
    }

    #[test]
    fn moons_mean_and_extent() {
        let d = draw(ALL[0].1, 1);
        assert_mean(&d, [0.0, 0.3], 0.05);
        let (lo, hi) = bounds(&d);
        assert!(lo[0] > -4.2 && lo[0] < -2.6, "{lo:?}");
        assert!(hi[0] < 4.2 && hi[0] > 2.6, "{hi:?}");
        assert!(lo[1] > -2.4 && lo[1] < -0.9, "{lo:?}");
        assert!(hi[1] < 3.0 && hi[1] > 1.5, "{hi:?}");
        // Upper-moon points are near the circle of radius 2 around (−1, −0.2).
        let near = d
            .iter()
            .filter(|p| {
                let r = (f64::from(p[0]) + 1.0).hypot(f64::from(p[1]) + 0.2);
                (r - 2.0).abs() < 0.6
            })
            .count();
        assert!(near as f64 > 0.45 * N as f64, "{near}");
    }

    /// Root mean square distance of the points to the nearer noiseless
    /// moon: the upper one a circle of radius 2 around (−1, −0.2), the lower
    /// one around (1, 0.8) (`(1 − cos θ, 0.5 − sin θ)` scaled by 2 and
    /// shifted).
    fn moons_spread(noise: f64) -> f64 {
        let d = moons(N, noise, &mut Xoshiro256PlusPlus::seed_from_u64(3));
        let off = |p: &[f32], cx: f64, cy: f64| {
            ((f64::from(p[0]) - cx).hypot(f64::from(p[1]) - cy) - 2.0).abs()
        };
        let sum: f64 = d
            .iter()
            .map(|p| off(p, -1.0, -0.2).min(off(p, 1.0, 0.8)).powi(2))
            .sum();
        (sum / N as f64).sqrt()
    }

    #[test]
    fn moons_noise_sets_the_spread_around_the_moons() {
        // Noise n per coordinate becomes 2n after scaling: the distance to
        // the circle is about |N(0, (2n)²)|, RMS 2n (a little less where
        // the nearer moon is the other one).
        let (thin, usual) = (moons_spread(0.05), moons_spread(MOONS_NOISE));
        assert!((0.08..=0.1).contains(&thin), "{thin}");
        assert!((0.17..=0.2).contains(&usual), "{usual}");
        assert!((thin / usual - 0.5).abs() < 0.05, "{thin} / {usual}");
    }

    #[test]
    fn swiss_roll_is_about_unit_range_and_spirals() {
        let d = draw(swiss_roll, 2);
        let radii: Vec<f64> = d
            .iter()
            .map(|p| f64::from(p[0]).hypot(f64::from(p[1])))
            .collect();
        let max = radii.iter().cloned().fold(0.0, f64::max);
        assert!(max > 0.9 && max < 1.5, "max radius {max}");
        let min = radii.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(min < 0.5, "min radius {min}");
        // Noiseless radius t/(4.5π) is uniform in [1/3, 1]: mean 2/3.
        let mean_r = radii.iter().sum::<f64>() / N as f64;
        assert!((mean_r - 2.0 / 3.0).abs() < 0.03, "{mean_r}");
    }

    #[test]
    fn eight_gaussians_are_at_radius_two_root_two() {
        let d = draw(eight_gaussians, 3);
        assert_mean(&d, [0.0, 0.0], 0.1);
        let mut per_mode = [0usize; 8];
        for p in d.iter() {
            let (x, y) = (f64::from(p[0]), f64::from(p[1]));
            let k = (libm::atan2(y, x) / (PI / 4.0)).round().rem_euclid(8.0) as usize;
            per_mode[k] += 1;
        }
        for c in per_mode {
            assert!((c as f64 - N as f64 / 8.0).abs() < 0.1 * N as f64 / 8.0);
        }
        let mean_r = d
            .iter()
            .map(|p| f64::from(p[0]).hypot(f64::from(p[1])))
            .sum::<f64>()
            / N as f64;
        assert!((mean_r - EIGHT_GAUSSIANS_RADIUS).abs() < 0.1, "{mean_r}");
        // Sampling the mixture directly gives the same points.
        let g = eight_gaussians_mixture().sample(N, &mut Xoshiro256PlusPlus::seed_from_u64(3));
        assert_eq!(g, d);
    }

    #[test]
    fn checkerboard_fills_only_the_even_squares() {
        let d = draw(checkerboard, 4);
        assert_mean(&d, [0.0, 0.0], 0.1);
        let (lo, hi) = bounds(&d);
        for j in 0..2 {
            assert!(lo[j] >= -4.0 && lo[j] < -3.9, "{lo:?}");
            assert!(hi[j] <= 4.0 && hi[j] > 3.9, "{hi:?}");
        }
        let mut cells = std::collections::BTreeMap::new();
        for p in d.iter() {
            let (i, j) = ((p[0] / 2.0).floor() as i32, (p[1] / 2.0).floor() as i32);
            assert_eq!((i + j).rem_euclid(2), 0, "point {p:?} on an odd square");
            *cells.entry((i, j)).or_insert(0usize) += 1;
        }
        assert_eq!(cells.len(), 8);
    }

    #[test]
    fn rings_lie_on_four_circles() {
        let d = draw(rings, 5);
        assert_mean(&d, [0.0, 0.0], 0.06);
        let mut per_ring = [0usize; 4];
        for p in d.iter() {
            let r = f64::from(p[0]).hypot(f64::from(p[1]));
            let (k, dist) = RING_RADII
                .iter()
                .enumerate()
                .map(|(k, &rk)| (k, (r - rk).abs()))
                .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
            assert!(dist < 0.5, "radius {r}");
            per_ring[k] += 1;
        }
        for c in per_ring {
            assert!((c as f64 - N as f64 / 4.0).abs() < 0.1 * N as f64 / 4.0);
        }
    }

    #[test]
    fn pinwheel_mean_and_extent() {
        let d = draw(pinwheel, 6);
        assert_mean(&d, [0.0, 0.0], 0.06);
        let radii: Vec<f64> = d
            .iter()
            .map(|p| f64::from(p[0]).hypot(f64::from(p[1])))
            .collect();
        let mean_r = radii.iter().sum::<f64>() / N as f64;
        assert!((mean_r - 2.0).abs() < 0.1, "{mean_r}");
        assert!(radii.iter().all(|&r| r < 6.0));
    }
}
