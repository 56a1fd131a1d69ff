//! Gradient clipping by global L2 norm.
//!
//! Why: denoising score matching at small noise levels produces occasional
//! very large gradients (the target `−ε/σ` blows up as `σ → 0`). Rescaling
//! the whole gradient vector when its norm exceeds a threshold keeps one bad
//! batch from throwing the weights far away, while preserving the gradient's
//! direction (unlike per-element clipping). The returned pre-clip norm is
//! also the cheapest divergence detector: log it, and skip the step when it
//! is not finite.

/// Rescales `grads` in place so that their global L2 norm is at most
/// `max_norm`, and returns the norm *before* clipping.
///
/// * If the norm is `≤ max_norm`, `grads` is left untouched (bit for bit).
/// * If it is larger, every entry is multiplied by `max_norm / norm`, so the
///   new norm equals `max_norm` up to `f32` rounding (relative error of a
///   few ulps). Unlike PyTorch's `clip_grad_norm_`, no `1e-6` is added to
///   the denominator, so the result is not slightly below `max_norm`.
/// * If the norm is not finite (a NaN or infinite gradient), `grads` is left
///   untouched and the NaN/infinite norm is returned: scaling cannot repair
///   such a gradient, and the caller should skip the optimiser step.
///
/// The sum of squares is accumulated in `f64`, so it neither overflows for
/// finite `f32` gradients nor loses precision over long vectors.
/// `max_norm = f32::INFINITY` disables clipping but still measures the norm.
/// (A norm above `f32::MAX`, which needs entries near `1e38`, is returned
/// as infinity even though the entries were finite and have been scaled.)
///
/// # Panics
///
/// If `max_norm` is negative or NaN (a programming or configuration error
/// that should be caught when the configuration is read).
pub fn clip_grad_norm(grads: &mut [f32], max_norm: f32) -> f32 {
    assert!(
        max_norm >= 0.0,
        "clip_grad_norm: max_norm {max_norm} must be >= 0"
    );
    let norm = global_norm(grads);
    if norm.is_finite() && norm > f64::from(max_norm) {
        let scale = f64::from(max_norm) / norm;
        for g in grads.iter_mut() {
            *g = (f64::from(*g) * scale) as f32;
        }
    }
    norm as f32
}

/// The L2 norm of `values`, accumulated in `f64`.
fn global_norm(values: &[f32]) -> f64 {
    values
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_small_gradients_alone() {
        let original = vec![0.3_f32, -0.4, 0.0, 1e-20];
        let mut g = original.clone();
        let norm = clip_grad_norm(&mut g, 1.0);
        assert!((norm - 0.5).abs() < 1e-7);
        assert_eq!(g, original);
        // Exactly at the threshold is not clipped either.
        let mut g = vec![3.0_f32, 4.0];
        assert_eq!(clip_grad_norm(&mut g, 5.0), 5.0);
        assert_eq!(g, [3.0, 4.0]);
    }

    #[test]
    fn scales_large_gradients_to_max_norm() {
        let mut g = vec![3.0_f32, -4.0];
        assert_eq!(clip_grad_norm(&mut g, 1.0), 5.0);
        assert_eq!(g, [0.6, -0.8]);

        let original: Vec<f32> = (0..1000)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) * 3.7)
            .collect();
        let mut g = original.clone();
        let before = clip_grad_norm(&mut g, 2.5);
        assert!(before > 2.5);
        let after = global_norm(&g);
        assert!(
            (after - 2.5).abs() <= 2.5 * 1e-6,
            "norm after clipping {after}"
        );
        // Direction preserved: every entry scaled by the same factor.
        let scale = 2.5 / f64::from(before);
        for (o, c) in original.iter().zip(&g) {
            assert!(
                (f64::from(*o) * scale - f64::from(*c)).abs() <= 1e-6 * f64::from(o.abs()).max(1.0)
            );
        }
    }

    #[test]
    fn huge_finite_gradients_do_not_overflow() {
        // Σ g² = 2e76 would be infinite in f32.
        let mut g = vec![1e38_f32, 1e38];
        let norm = clip_grad_norm(&mut g, 1.0);
        assert!((f64::from(norm) / 1.414_213_562e38 - 1.0).abs() < 1e-6);
        assert!((global_norm(&g) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn non_finite_gradients_are_reported_not_scaled() {
        let mut g = vec![1.0_f32, f32::NAN, 2.0];
        assert!(clip_grad_norm(&mut g, 1.0).is_nan());
        assert_eq!(g[0], 1.0);
        let mut g = vec![1.0_f32, f32::NEG_INFINITY];
        assert_eq!(clip_grad_norm(&mut g, 1.0), f32::INFINITY);
        assert_eq!(g, [1.0, f32::NEG_INFINITY]);
    }

    #[test]
    fn infinite_max_norm_only_measures_and_empty_is_zero() {
        let mut g = vec![1e30_f32; 4];
        assert_eq!(clip_grad_norm(&mut g, f32::INFINITY), 2e30);
        assert_eq!(g, [1e30; 4]);
        assert_eq!(clip_grad_norm(&mut [], 1.0), 0.0);
    }

    #[test]
    fn zero_max_norm_zeroes_gradients() {
        let mut g = vec![1.0_f32, -2.0];
        clip_grad_norm(&mut g, 0.0);
        assert_eq!(g, [0.0, -0.0]);
    }

    #[test]
    #[should_panic(expected = "max_norm")]
    fn negative_max_norm_panics() {
        clip_grad_norm(&mut [1.0], -1.0);
    }
}
