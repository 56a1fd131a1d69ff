//! Fisher divergence of a model's score to the exact score of a Gaussian
//! mixture: `E_{x~p_t} ‖s_θ(x, t) − ∇log p_t(x)‖²`, in the model's
//! (normalised) units.
//!
//! Training normalises data per dimension, so in model units the mixture's
//! components become axis-aligned Gaussians `N((μ_k − m)/s, diag(σ_k²/s²))`;
//! noised to time t they are `N(α(μ_k − m)/s, diag(α²σ_k²/s² + σ_t²))`,
//! whose score is computed here in closed form. The model's score comes
//! from the runtime's `Sampler::score`.

use crate::data::{Gmm, Normalization};
use crate::random::{normal, stream, uniform};
use tinyscore::format::{FormatError, Model};
use tinyscore::plan::{Compiler, PlanSpec, SamplerKind};
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::schedule::Schedule;

/// A mixture expressed in model units.
struct ModelUnitMixture {
    log_weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    /// Per component, per dimension standard deviation.
    stds: Vec<Vec<f64>>,
}

impl ModelUnitMixture {
    fn new(gmm: &Gmm, norm: &Normalization) -> Self {
        let comps = gmm.components();
        let total: f64 = comps.iter().map(|c| c.weight).sum();
        let m = |j: usize| f64::from(norm.mean[j]);
        let s = |j: usize| f64::from(norm.scale[j]);
        ModelUnitMixture {
            log_weights: comps.iter().map(|c| (c.weight / total).ln()).collect(),
            means: comps
                .iter()
                .map(|c| {
                    c.mean
                        .iter()
                        .enumerate()
                        .map(|(j, &mu)| (mu - m(j)) / s(j))
                        .collect()
                })
                .collect(),
            stds: comps
                .iter()
                .map(|c| (0..c.mean.len()).map(|j| c.std / s(j)).collect())
                .collect(),
        }
    }

    /// Draws `x_t` (model units).
    fn sample_noised(&self, alpha: f64, sigma: f64, rng: &mut crate::random::HostRng) -> Vec<f64> {
        let u = uniform(rng);
        let mut acc = 0.0;
        let mut k = self.means.len() - 1;
        for (i, lw) in self.log_weights.iter().enumerate() {
            acc += lw.exp();
            if u < acc {
                k = i;
                break;
            }
        }
        (0..self.means[k].len())
            .map(|j| {
                let x0 = self.means[k][j] + self.stds[k][j] * normal(rng);
                alpha * x0 + sigma * normal(rng)
            })
            .collect()
    }

    /// `∇ log p_t(x)` of the noised mixture.
    fn noised_score(&self, x: &[f64], alpha: f64, sigma: f64) -> Vec<f64> {
        let mut logs = Vec::with_capacity(self.means.len());
        let mut grads = Vec::with_capacity(self.means.len());
        for k in 0..self.means.len() {
            let mut log = self.log_weights[k];
            let mut g = Vec::with_capacity(x.len());
            for ((&xj, &mean), &std) in x.iter().zip(&self.means[k]).zip(&self.stds[k]) {
                let var = alpha * alpha * std * std + sigma * sigma;
                let r = xj - alpha * mean;
                log += -0.5 * r * r / var - 0.5 * (2.0 * std::f64::consts::PI * var).ln();
                g.push(-r / var);
            }
            logs.push(log);
            grads.push(g);
        }
        let top = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = logs.iter().map(|l| (l - top).exp()).sum();
        (0..x.len())
            .map(|j| {
                logs.iter()
                    .zip(&grads)
                    .map(|(l, g)| (l - top).exp() / z * g[j])
                    .sum()
            })
            .collect()
    }
}

/// Why the divergence could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum FisherError {
    /// The model file is invalid.
    #[error("invalid model file: {0}")]
    Format(#[from] FormatError),
    /// The sampler refused (e.g. a bias-table model has no score at arbitrary t).
    #[error("{0}")]
    Sampler(#[from] SamplerError),
    /// No plan can be compiled for the model (e.g. ε-prediction at zero
    /// terminal SNR).
    #[error("{0}")]
    Plan(#[from] tinyscore::plan::PlanError),
    /// The mixture and the model have different dimensions.
    #[error("the mixture has dimension {mixture}, the model {model}")]
    Dimension {
        /// Mixture dimension.
        mixture: usize,
        /// Model dimension.
        model: usize,
    },
}

/// The Fisher divergence at schedule time `t`, by Monte Carlo over `n`
/// draws of `x_t`.
pub fn fisher_divergence(
    bytes: &[u8],
    gmm: &Gmm,
    t: f64,
    n: usize,
    seed: u64,
) -> Result<f64, FisherError> {
    let model = Model::parse(bytes)?;
    let dim = model.topology().x_dim() as usize;
    if gmm.dim() != dim {
        return Err(FisherError::Dimension {
            mixture: gmm.dim(),
            model: dim,
        });
    }
    let norm = Normalization {
        mean: model.normalization().mean().iter().collect(),
        scale: model.normalization().scale().iter().collect(),
        range: None,
    };
    let mixture = ModelUnitMixture::new(gmm, &norm);
    // Score evaluation needs a sampler; any plan of the model's prediction
    // type serves (it is not run).
    let spec = PlanSpec {
        prediction: model.topology().prediction(),
        ..PlanSpec::new(SamplerKind::Ddim { eta: 0.0 }, 1)
    };
    let schedule: Schedule<'_> = model.schedule();
    let plan = Compiler::new(schedule, spec)?;
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut sampler = Sampler::new(&model, &plan, &mut scratch)?;
    let m = schedule.marginal(t);
    let mut rng = stream(seed, 0);
    let mut total = 0.0;
    let mut score = vec![0.0f32; dim];
    for _ in 0..n {
        let x = mixture.sample_noised(m.alpha, m.sigma, &mut rng);
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        sampler.score(&xf, t, &mut score)?;
        let exact = mixture.noised_score(&x, m.alpha, m.sigma);
        total += score
            .iter()
            .zip(&exact)
            .map(|(&s, e)| (f64::from(s) - e).powi(2))
            .sum::<f64>();
    }
    Ok(total / n as f64)
}
