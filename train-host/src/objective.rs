//! Score-matching objectives on one batch: loss and parameter gradient.
//!
//! Every objective sees the noised input `x_t = α_t·x₀ + σ_t·ε` and the
//! network output `o` (ε, x̂₀ or v, by prediction type). The model's score is
//! linear in `(x_t, o)`: with `x̂₀ = p·x + q·o` (the runtime's
//! [`Prediction::to_x0`]), `S = −(x − α·x̂₀)/σ² = a·x + b·o`,
//! `a = −(1 − α p)/σ²`, `b = α q/σ²`.
//!
//! - **DSM** regresses `o` on its target (ε, x₀ or v). Its weighting λ(t) is
//!   stated in ε-space, where the network's error is `ε̂ − ε = −(αq/σ)(o − o*)`:
//!   `Simple` is the plain MSE on the prediction target (λ = σ² in score
//!   space for ε-prediction), `ScoreMatching` is λ = 1 (`‖S − ∇log q‖²`),
//!   `Likelihood` is λ = g(t)² (SDE schedules), `MinSnr(γ)` multiplies the ε
//!   loss by `min(SNR, γ)/SNR`.
//! - **ISM** minimises `½‖S‖² + tr ∇ₓS` (integration by parts of the
//!   Fisher divergence), with Hutchinson's estimator `vᵀ(∇ₓS)v` and the
//!   directional derivative computed exactly by forward-mode tangent
//!   propagation ([`Mlp::jvp`]) and differentiated by forward-over-reverse
//!   ([`Mlp::backward_with_tangent`]); weighted by σ² so that scales match DSM.
//! - **FD-ISM** replaces `vᵀ(∇S)v` by `vᵀ(S(x+hv) − S(x−hv))/2h`.
//!
//! Losses are means over the batch (ISM: per sample, summed over dimensions;
//! DSM: per element).

use crate::mlp::{Cache, Mlp, Tangents};
use crate::real::Real;
use tinyscore::plan::Prediction;
use tinyscore::schedule::Marginal;

/// Which objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Objective {
    /// Denoising score matching.
    Dsm(Weighting),
    /// Implicit score matching with an exact JVP.
    Ism,
    /// Implicit score matching with a central finite difference of step `h`.
    FdIsm {
        /// Finite-difference step.
        h: f64,
    },
}

/// DSM weighting λ(t).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Weighting {
    /// Plain MSE on the prediction target.
    Simple,
    /// λ = 1: the score-space Fisher divergence.
    ScoreMatching,
    /// λ = g(t)² (likelihood weighting, Song et al. 2021).
    Likelihood,
    /// Min-SNR-γ (Hang et al. 2023).
    MinSnr(f64),
}

/// One training example's noise level and what the objective needs of it.
#[derive(Clone, Copy, Debug)]
pub struct Level {
    /// The marginal at the example's time.
    pub m: Marginal,
    /// `g(t)²` (0 where undefined).
    pub g2: f64,
}

/// A batch: network input (`x_t` and time embedding), clean data and noise.
pub struct Batch<'a, T> {
    /// `batch × input_width`: `x_t` then the embedding.
    pub input: &'a [T],
    /// `batch × x_dim` clean samples.
    pub x0: &'a [T],
    /// `batch × x_dim` noise ε.
    pub eps: &'a [T],
    /// `batch × x_dim` Hutchinson probes v (ISM only).
    pub probes: &'a [T],
    /// One level per example.
    pub levels: &'a [Level],
}

/// Score coefficients `(a, b)` with `S = a·x + b·o`.
fn score_coefficients(prediction: Prediction, m: Marginal) -> (f64, f64) {
    let (p, q) = prediction.to_x0(m);
    let var = m.sigma * m.sigma;
    (-(1.0 - m.alpha * p) / var, m.alpha * q / var)
}

/// Computes the loss and adds its gradient to `grads`.
// Several parallel arrays are indexed by `i·d + j`; index loops say that best.
#[allow(clippy::needless_range_loop)]
pub fn loss_and_grad<T: Real>(
    mlp: &Mlp,
    prediction: Prediction,
    objective: Objective,
    params: &[T],
    batch: &Batch<'_, T>,
    grads: &mut [T],
) -> f64 {
    let n = batch.levels.len();
    let d = mlp.x_dim;
    let w = mlp.input_width();
    let mut cache = Cache::default();
    mlp.forward(params, batch.input, n, &mut cache);
    let out = cache.values.last().expect("forward output").clone();
    let x_of = |i: usize| &batch.input[i * w..i * w + d];
    match objective {
        Objective::Dsm(weighting) => {
            let mut loss = 0.0;
            let mut d_out = vec![T::default(); n * d];
            let scale = 1.0 / (n * d) as f64;
            for (i, lvl) in batch.levels.iter().enumerate() {
                let m = lvl.m;
                let (_, q) = prediction.to_x0(m);
                // ε-space error per unit target error, squared.
                let to_eps = (m.alpha * q / m.sigma).powi(2);
                let snr = (m.alpha / m.sigma).powi(2);
                let weight = match weighting {
                    Weighting::Simple => 1.0,
                    Weighting::ScoreMatching => to_eps / (m.sigma * m.sigma),
                    Weighting::Likelihood => to_eps * lvl.g2 / (m.sigma * m.sigma),
                    Weighting::MinSnr(gamma) => to_eps * snr.min(gamma) / snr,
                };
                for j in 0..d {
                    let k = i * d + j;
                    let (e, x0) = (batch.eps[k].to_f64(), batch.x0[k].to_f64());
                    let target = match prediction {
                        Prediction::Epsilon => e,
                        Prediction::Sample => x0,
                        Prediction::Velocity => m.alpha * e - m.sigma * x0,
                    };
                    let r = out[k].to_f64() - target;
                    loss += weight * r * r * scale;
                    d_out[k] = T::from_f64(2.0 * weight * r * scale);
                }
            }
            mlp.backward(params, &cache, &d_out, grads);
            loss
        }
        Objective::Ism => {
            let mut v = vec![T::default(); n * w];
            for i in 0..n {
                v[i * w..i * w + d].copy_from_slice(&batch.probes[i * d..(i + 1) * d]);
            }
            let mut tangents = Tangents::default();
            mlp.jvp(params, &cache, &v, &mut tangents);
            let jv = tangents.values.last().expect("jvp output");
            let mut loss = 0.0;
            let mut d_out = vec![T::default(); n * d];
            let mut d_tan = vec![T::default(); n * d];
            let scale = 1.0 / n as f64;
            for (i, lvl) in batch.levels.iter().enumerate() {
                let (a, b) = score_coefficients(prediction, lvl.m);
                let lambda = lvl.m.sigma * lvl.m.sigma;
                let x = x_of(i);
                for j in 0..d {
                    let k = i * d + j;
                    let s = a * x[j].to_f64() + b * out[k].to_f64();
                    let vj = batch.probes[k].to_f64();
                    // ½S² + v·(a v + b·Jv)
                    loss += lambda * scale * (0.5 * s * s + a * vj * vj + b * vj * jv[k].to_f64());
                    d_out[k] = T::from_f64(lambda * scale * b * s);
                    d_tan[k] = T::from_f64(lambda * scale * b * vj);
                }
            }
            mlp.backward_with_tangent(params, &cache, &tangents, &d_out, &d_tan, grads);
            loss
        }
        Objective::FdIsm { h } => {
            let scale = 1.0 / n as f64;
            let mut loss = 0.0;
            // ½‖S(x)‖² term.
            let mut d_out = vec![T::default(); n * d];
            for (i, lvl) in batch.levels.iter().enumerate() {
                let (a, b) = score_coefficients(prediction, lvl.m);
                let lambda = lvl.m.sigma * lvl.m.sigma;
                let x = x_of(i);
                for j in 0..d {
                    let k = i * d + j;
                    let s = a * x[j].to_f64() + b * out[k].to_f64();
                    loss += lambda * scale * 0.5 * s * s;
                    d_out[k] = T::from_f64(lambda * scale * b * s);
                }
            }
            mlp.backward(params, &cache, &d_out, grads);
            // ±h·v terms: vᵀS(x ± hv) = a·vᵀ(x ± hv) + b·vᵀo(x ± hv).
            for sign in [1.0, -1.0] {
                let mut shifted = batch.input.to_vec();
                for i in 0..n {
                    for j in 0..d {
                        let v = batch.probes[i * d + j].to_f64();
                        let slot = &mut shifted[i * w + j];
                        *slot = T::from_f64(slot.to_f64() + sign * h * v);
                    }
                }
                let mut c = Cache::default();
                mlp.forward(params, &shifted, n, &mut c);
                let o = c.values.last().expect("forward output");
                let mut d_o = vec![T::default(); n * d];
                for (i, lvl) in batch.levels.iter().enumerate() {
                    let (a, b) = score_coefficients(prediction, lvl.m);
                    let lambda = lvl.m.sigma * lvl.m.sigma;
                    for j in 0..d {
                        let k = i * d + j;
                        let v = batch.probes[k].to_f64();
                        let s = a * shifted[i * w + j].to_f64() + b * o[k].to_f64();
                        let coef = lambda * scale * sign / (2.0 * h);
                        loss += coef * v * s;
                        d_o[k] = T::from_f64(coef * v * b);
                    }
                }
                mlp.backward(params, &c, &d_o, grads);
            }
            loss
        }
    }
}
