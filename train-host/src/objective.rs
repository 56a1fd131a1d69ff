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
//!   loss by `min(SNR, γ)/SNR`, `TruncatedSnr` is the x̂₀ loss weighted by
//!   `max(SNR, 1)` (Salimans & Ho 2022), the ε loss by `max(SNR, 1)/SNR`.
//! - **ISM** minimises `½‖S‖² + tr ∇ₓS` (integration by parts of the
//!   Fisher divergence), with Hutchinson's estimator `vᵀ(∇ₓS)v` and the
//!   directional derivative computed exactly by forward-mode tangent
//!   propagation ([`Mlp::jvp`]) and differentiated by forward-over-reverse
//!   ([`Mlp::backward_with_tangent`]); weighted by σ² so that scales match DSM.
//! - **FD-ISM** replaces `vᵀ(∇S)v` by `vᵀ(S(x+hv) − S(x−hv))/2h`.
//!
//! Each example has a loss `ℓᵢ` (DSM: the weighted squared error averaged
//! over dimensions; ISM and FD-ISM: summed over dimensions) and a weight
//! `wᵢ` ([`Level::weight`]: 1, or the importance weight of a time drawn
//! non-uniformly); the batch loss is `Σ wᵢ ℓᵢ / n`. The per-example losses
//! are kept in the [`Workspace`] for importance sampling of times.
//!
//! The batch is split into [`CHUNKS`] chunks that run
//! on threads ([`crate::chunks`]); their gradients are summed in chunk
//! order, so the result does not depend on the number of cores.

use crate::chunks::{self, CHUNKS};
use crate::mlp::{Adjoints, Cache, Mlp, Tangents};
use crate::real::Real;
use std::ops::Range;
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
    /// The x̂₀ error weighted by `max(SNR, 1)` (Salimans & Ho 2022, the
    /// weighting of progressive distillation): bounded at every noise level
    /// for v- and x̂₀-prediction.
    TruncatedSnr,
}

/// One training example's noise level and what the objective needs of it.
#[derive(Clone, Copy, Debug)]
pub struct Level {
    /// The marginal at the example's time.
    pub m: Marginal,
    /// `g(t)²` (0 where undefined).
    pub g2: f64,
    /// The example's weight in the batch loss: 1, or `1/(N·p(t))` for a
    /// time drawn with probability `p(t)` instead of uniformly from `N`
    /// times, which keeps the loss an unbiased estimate of the uniform one.
    pub weight: f64,
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

impl<T> Batch<'_, T> {
    /// The examples `rows` of the batch.
    fn part(&self, rows: Range<usize>) -> Batch<'_, T> {
        let n = self.levels.len().max(1);
        let (w, d) = (self.input.len() / n, self.x0.len() / n);
        let scaled = |r: &Range<usize>, k: usize| r.start * k..r.end * k;
        Batch {
            input: &self.input[scaled(&rows, w)],
            x0: &self.x0[scaled(&rows, d)],
            eps: &self.eps[scaled(&rows, d)],
            probes: &self.probes[scaled(&rows, d)],
            levels: &self.levels[rows],
        }
    }
}

/// Buffers that [`loss_and_grad`] reuses from call to call, and the
/// per-example losses of the last call.
#[derive(Clone, Debug)]
pub struct Workspace<T> {
    chunks: Vec<Chunk<T>>,
    losses: Vec<f64>,
}

impl<T: Default> Default for Workspace<T> {
    fn default() -> Self {
        Workspace {
            chunks: (0..CHUNKS).map(|_| Chunk::default()).collect(),
            losses: Vec::new(),
        }
    }
}

impl<T> Workspace<T> {
    /// The unweighted loss `ℓᵢ` of every example of the last batch, in order.
    pub fn example_losses(&self) -> &[f64] {
        &self.losses
    }
}

/// One chunk's buffers and results.
#[derive(Clone, Debug, Default)]
struct Chunk<T> {
    cache: Cache<T>,
    tangents: Tangents<T>,
    adjoints: Adjoints<T>,
    /// Probes padded to the input width (ISM), or the shifted input (FD-ISM).
    v: Vec<T>,
    d_out: Vec<T>,
    d_tan: Vec<T>,
    grads: Vec<T>,
    losses: Vec<f64>,
    loss: f64,
}

/// Score coefficients `(a, b)` with `S = a·x + b·o`.
fn score_coefficients(prediction: Prediction, m: Marginal) -> (f64, f64) {
    let (p, q) = prediction.to_x0(m);
    let var = m.sigma * m.sigma;
    (-(1.0 - m.alpha * p) / var, m.alpha * q / var)
}

/// Computes the batch loss and adds its gradient to `grads`; the
/// per-example losses are then in `workspace`.
pub fn loss_and_grad<T: Real>(
    mlp: &Mlp,
    prediction: Prediction,
    objective: Objective,
    params: &[T],
    batch: &Batch<'_, T>,
    grads: &mut [T],
    workspace: &mut Workspace<T>,
) -> f64 {
    let n = batch.levels.len();
    chunks::for_each(n, &mut workspace.chunks, |rows, chunk| {
        chunk.grads.clear();
        chunk.grads.resize(params.len(), T::default());
        chunk.losses.clear();
        chunk.loss = 0.0;
        if !rows.is_empty() {
            let part = batch.part(rows);
            let loss = chunk_loss_and_grad(mlp, prediction, objective, params, &part, chunk);
            chunk.loss = loss / n as f64;
        }
    });
    workspace.losses.clear();
    let mut loss = 0.0;
    let mean = T::from_f64(1.0 / n as f64);
    for chunk in &workspace.chunks {
        for (g, &c) in grads.iter_mut().zip(&chunk.grads) {
            *g += c * mean;
        }
        loss += chunk.loss;
        workspace.losses.extend_from_slice(&chunk.losses);
    }
    loss
}

/// One chunk: the per-example losses into `c.losses`, the gradient of
/// `Σ wᵢ ℓᵢ` into `c.grads`; returns `Σ wᵢ ℓᵢ`.
// Several parallel arrays are indexed by `i·d + j`; index loops say that best.
#[allow(clippy::needless_range_loop)]
fn chunk_loss_and_grad<T: Real>(
    mlp: &Mlp,
    prediction: Prediction,
    objective: Objective,
    params: &[T],
    batch: &Batch<'_, T>,
    c: &mut Chunk<T>,
) -> f64 {
    let n = batch.levels.len();
    let d = mlp.x_dim;
    let w = mlp.input_width();
    mlp.forward(params, batch.input, n, &mut c.cache);
    c.losses.resize(n, 0.0);
    c.d_out.resize(n * d, T::default());
    match objective {
        Objective::Dsm(weighting) => {
            let out = c.cache.values.last().expect("forward output");
            for (i, lvl) in batch.levels.iter().enumerate() {
                let m = lvl.m;
                let (_, q) = prediction.to_x0(m);
                // ε-space error per unit target error, squared.
                let to_eps = (m.alpha * q / m.sigma).powi(2);
                let snr = (m.alpha / m.sigma).powi(2);
                let lambda = match weighting {
                    Weighting::Simple => 1.0,
                    Weighting::ScoreMatching => to_eps / (m.sigma * m.sigma),
                    Weighting::Likelihood => to_eps * lvl.g2 / (m.sigma * m.sigma),
                    Weighting::MinSnr(gamma) => to_eps * snr.min(gamma) / snr,
                    Weighting::TruncatedSnr => to_eps * snr.max(1.0) / snr,
                } / d as f64;
                let mut loss = 0.0;
                for j in 0..d {
                    let k = i * d + j;
                    let (e, x0) = (batch.eps[k].to_f64(), batch.x0[k].to_f64());
                    let target = match prediction {
                        Prediction::Epsilon => e,
                        Prediction::Sample => x0,
                        Prediction::Velocity => m.alpha * e - m.sigma * x0,
                    };
                    let r = out[k].to_f64() - target;
                    loss += lambda * r * r;
                    c.d_out[k] = T::from_f64(2.0 * lvl.weight * lambda * r);
                }
                c.losses[i] = loss;
            }
            mlp.backward(params, &c.cache, &c.d_out, &mut c.grads, &mut c.adjoints);
        }
        Objective::Ism => {
            c.v.clear();
            c.v.resize(n * w, T::default());
            for i in 0..n {
                c.v[i * w..i * w + d].copy_from_slice(&batch.probes[i * d..(i + 1) * d]);
            }
            mlp.jvp(params, &c.cache, &c.v, &mut c.tangents);
            let out = c.cache.values.last().expect("forward output");
            let jv = c.tangents.values.last().expect("jvp output");
            c.d_tan.resize(n * d, T::default());
            for (i, lvl) in batch.levels.iter().enumerate() {
                let (a, b) = score_coefficients(prediction, lvl.m);
                let lambda = lvl.m.sigma * lvl.m.sigma;
                let scale = lambda * lvl.weight;
                let mut loss = 0.0;
                for j in 0..d {
                    let k = i * d + j;
                    let s = a * batch.input[i * w + j].to_f64() + b * out[k].to_f64();
                    let vj = batch.probes[k].to_f64();
                    // ½S² + v·(a v + b·Jv)
                    loss += lambda * (0.5 * s * s + a * vj * vj + b * vj * jv[k].to_f64());
                    c.d_out[k] = T::from_f64(scale * b * s);
                    c.d_tan[k] = T::from_f64(scale * b * vj);
                }
                c.losses[i] = loss;
            }
            mlp.backward_with_tangent(
                params,
                &c.cache,
                &c.tangents,
                &c.d_out,
                &c.d_tan,
                &mut c.grads,
                &mut c.adjoints,
            );
        }
        Objective::FdIsm { h } => {
            // ½‖S(x)‖² at x, then ±vᵀS(x ± hv)/2h, where
            // vᵀS(x ± hv) = a·vᵀ(x ± hv) + b·vᵀo(x ± hv); each pass reuses
            // the cache after the previous one's backward.
            c.v.clear();
            c.v.extend_from_slice(batch.input);
            for sign in [0.0, 1.0, -1.0] {
                if sign != 0.0 {
                    for i in 0..n {
                        for j in 0..d {
                            let v = batch.probes[i * d + j].to_f64();
                            let x = batch.input[i * w + j].to_f64();
                            c.v[i * w + j] = T::from_f64(x + sign * h * v);
                        }
                    }
                    mlp.forward(params, &c.v, n, &mut c.cache);
                }
                let out = c.cache.values.last().expect("forward output");
                for (i, lvl) in batch.levels.iter().enumerate() {
                    let (a, b) = score_coefficients(prediction, lvl.m);
                    let lambda = lvl.m.sigma * lvl.m.sigma;
                    for j in 0..d {
                        let k = i * d + j;
                        let s = a * c.v[i * w + j].to_f64() + b * out[k].to_f64();
                        // ∂(term)/∂S and the term.
                        let (slope, term) = if sign == 0.0 {
                            (s, 0.5 * s * s)
                        } else {
                            let v = batch.probes[k].to_f64() * sign / (2.0 * h);
                            (v, v * s)
                        };
                        c.losses[i] += lambda * term;
                        c.d_out[k] = T::from_f64(lambda * lvl.weight * b * slope);
                    }
                }
                mlp.backward(params, &c.cache, &c.d_out, &mut c.grads, &mut c.adjoints);
            }
        }
    }
    c.losses
        .iter()
        .zip(batch.levels)
        .map(|(l, lvl)| l * lvl.weight)
        .sum()
}
