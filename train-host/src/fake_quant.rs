//! Fake quantisation for quantisation-aware fine-tuning (`export --qat`).
//!
//! The network is evaluated with its weight matrices rounded to the
//! fixed-point backend's int8 grid — per output channel, with the runtime's
//! own [`channel_scale`] and [`quantize_weight`], so training sees exactly
//! the weights export will write — and the gradient at those weights is
//! applied to the f32 weights unchanged (the straight-through estimator).
//! Biases stay f32: they become int32 at export, a far finer grid. The int16
//! activations are not simulated: their rounding is two orders of magnitude
//! below the weights'.

use crate::mlp::Mlp;
use tinyscore::fixed::quantize::{channel_scale, quantize_weight};
use tinyscore::format::Layer;

/// `params` with every dense layer's matrix on its int8 grid, into `out`.
pub fn fake_quantize(mlp: &Mlp, params: &[f32], out: &mut Vec<f32>) {
    out.clear();
    out.extend_from_slice(params);
    let mut offset = 0;
    for layer in &mlp.layers {
        let Layer::Dense { input, output } = *layer else {
            continue;
        };
        let (i, o) = (input as usize, output as usize);
        for row in out[offset..offset + o * i].chunks_mut(i) {
            let scale = channel_scale(row);
            for w in row.iter_mut() {
                *w = (f64::from(quantize_weight(*w, scale)) * scale) as f32;
            }
        }
        offset += o * i + o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinyscore::format::Activation;

    #[test]
    fn matrices_land_on_the_grid_and_biases_stay() {
        let mlp = Mlp::residual(2, 2, 3, 1, Activation::Silu);
        let params: Vec<f32> = (0..mlp.param_count())
            .map(|k| ((k * 37 % 23) as f32 - 11.0) / 7.0)
            .collect();
        let mut q = Vec::new();
        fake_quantize(&mlp, &params, &mut q);
        // Layer 0: 3 rows of 4 weights, then 3 biases.
        for r in 0..3 {
            let row = &params[4 * r..4 * r + 4];
            let scale = row.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
            for (a, b) in row.iter().zip(&q[4 * r..4 * r + 4]) {
                // On the grid, and within half a step of the original.
                let k = b / scale;
                assert!((k - k.round()).abs() < 1e-3, "{b} not on the grid");
                assert!((a - b).abs() <= scale / 2.0 + 1e-6);
            }
        }
        assert_eq!(&q[12..15], &params[12..15]);
        // Fake quantisation is idempotent: the grid maps to itself.
        let mut twice = Vec::new();
        fake_quantize(&mlp, &q, &mut twice);
        assert_eq!(q, twice);
    }
}
