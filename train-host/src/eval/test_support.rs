//! Sample sets with known distributions for the metric tests.

use crate::random::{normal, stream};

/// `n` points of `N(mean, scale²·I)` in `mean.len()` dimensions, from
/// generator `stream(seed, 0)`, row-major.
pub(super) fn gaussian(n: usize, mean: &[f64], scale: f64, seed: u64) -> Vec<f32> {
    let mut rng = stream(seed, 0);
    let mut out = Vec::with_capacity(n * mean.len());
    for _ in 0..n {
        for &m in mean {
            out.push((m + scale * normal(&mut rng)) as f32);
        }
    }
    out
}

/// `rows` with `shift[k % dim]` added to every coordinate `k`.
pub(super) fn shifted(rows: &[f32], shift: &[f64]) -> Vec<f32> {
    rows.chunks_exact(shift.len())
        .flat_map(|row| {
            row.iter()
                .zip(shift)
                .map(|(&v, &s)| (f64::from(v) + s) as f32)
        })
        .collect()
}

/// Standard normal CDF, `Φ(x) = erfc(−x/√2)/2`.
pub(super) fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard normal quantile `Φ⁻¹(p)` for `p ∈ (0, 1)`, by bisection.
pub(super) fn phi_inv(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0, 40.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if phi(mid) < p { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// A deterministic stand-in for `n^d` draws from `N(mean, scale²·I)`: the
/// product of `d` copies of the quantile grid `Φ⁻¹((i + ½)/n)`, whose
/// empirical distribution is much closer to the Gaussian than a random
/// sample of the same size. Row-major, `d = mean.len()`.
pub(super) fn normal_grid(n: usize, mean: &[f64], scale: f64) -> Vec<f32> {
    let q: Vec<f64> = (0..n)
        .map(|i| phi_inv((i as f64 + 0.5) / n as f64))
        .collect();
    let d = mean.len();
    let total = n.pow(d as u32);
    let mut out = Vec::with_capacity(total * d);
    for k in 0..total {
        let mut rest = k;
        for &m in mean {
            out.push((m + scale * q[rest % n]) as f32);
            rest /= n;
        }
    }
    out
}
