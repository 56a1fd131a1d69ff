//! Score matching on a Gaussian mixture, whose noised score is known exactly.

use tinyscore::format::Activation;
use tinyscore::schedule::Marginal;
use tinyscore_train::data::{DataSource, Gmm};
use tinyscore_train::export::{Backend, ExportOptions, X0Clip, export};
use tinyscore_train::fisher::fisher_divergence;
use tinyscore_train::mlp::{Cache, Mlp, Tangents};
use tinyscore_train::random::{normal, stream, uniform};
use tinyscore_train::train::{self, RunState, TrainConfig};

const MIXTURE: &str = "gmm:0.3@-1.5,0.5/0.4;0.7@1,-0.5/0.3";

/// ISM's objective `E[½‖S‖² + tr ∇S]` equals the explicit score-matching
/// objective `½E‖S − ∇log p‖²` minus `½E‖∇log p‖²` (integration by parts),
/// for any network. Checked on an untrained network with the exact trace
/// (two JVPs) and the mixture's exact noised score, within 4 standard errors
/// of the paired per-sample differences.
#[test]
fn ism_equals_esm_minus_a_data_constant() {
    let gmm: Gmm = MIXTURE.trim_start_matches("gmm:").parse().unwrap();
    let mlp = Mlp::residual(2, 4, 16, 2, Activation::Tanh);
    let mut rng = stream(9, 0);
    let params: Vec<f64> = mlp
        .init(|| uniform(&mut rng))
        .iter()
        .map(|&v| f64::from(v) * 2.0)
        .collect();
    let m = Marginal {
        alpha: 0.8,
        sigma: 0.6,
    };
    let n = 20_000;
    let x0 = gmm.sample(n, &mut rng);
    let w = mlp.input_width();
    let mut input = vec![0.0f64; n * w];
    for i in 0..n {
        for j in 0..2 {
            input[i * w + j] = m.alpha * f64::from(x0.row(i)[j]) + m.sigma * normal(&mut rng);
        }
        input[i * w + 2..(i + 1) * w].copy_from_slice(&[0.3, -0.2, 0.9, 0.1]);
    }
    let mut cache = Cache::default();
    mlp.forward(&params, &input, n, &mut cache);
    let out = cache.values.last().unwrap().clone();
    // ∂o_j/∂x_j for j = 0, 1 by forward mode along the basis vectors.
    let mut diag = [vec![0.0; n], vec![0.0; n]];
    for (j, d) in diag.iter_mut().enumerate() {
        let mut v = vec![0.0; n * w];
        for i in 0..n {
            v[i * w + j] = 1.0;
        }
        let mut t = Tangents::default();
        mlp.jvp(&params, &cache, &v, &mut t);
        let jv = t.values.last().unwrap();
        for i in 0..n {
            d[i] = jv[i * 2 + j];
        }
    }
    // ε-prediction: S = −o/σ.
    let mut diffs = Vec::with_capacity(n);
    for i in 0..n {
        let x = [input[i * w], input[i * w + 1]];
        let s = [-out[i * 2] / m.sigma, -out[i * 2 + 1] / m.sigma];
        let mut exact = [0.0; 2];
        gmm.noised_score(&x, m.alpha, m.sigma, &mut exact);
        let trace = -(diag[0][i] + diag[1][i]) / m.sigma;
        let ism = 0.5 * (s[0] * s[0] + s[1] * s[1]) + trace;
        let esm = 0.5 * ((s[0] - exact[0]).powi(2) + (s[1] - exact[1]).powi(2));
        let constant = 0.5 * (exact[0] * exact[0] + exact[1] * exact[1]);
        diffs.push(ism - (esm - constant));
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let se = (var / n as f64).sqrt();
    assert!(mean.abs() < 4.0 * se, "ISM − (ESM − C) = {mean} ± {se}");
    // The check has power: the raw objectives differ by far more than that.
    assert!(se < 0.05, "standard error {se}");
}

/// Average Fisher divergence over a few noise levels of a run's current EMA
/// weights.
fn fisher(state: &RunState, gmm: &Gmm) -> f64 {
    let opts = ExportOptions {
        backend: Backend::F32,
        sampler: tinyscore::plan::SamplerKind::Ddim { eta: 0.0 },
        steps: 10,
        spacing: tinyscore::schedule::Spacing::Trailing,
        clip: X0Clip::None,
    };
    let bytes = export(state, &opts).unwrap();
    [100.0, 250.0, 500.0]
        .iter()
        .map(|&t| fisher_divergence(&bytes, gmm, t, 2000, 5).unwrap())
        .sum::<f64>()
        / 3.0
}

fn train_and_compare(objective: &str) -> (f64, f64) {
    let config = TrainConfig {
        data: MIXTURE.into(),
        objective: objective.into(),
        width: 64,
        depth: 2,
        steps: 3000,
        batch: 256,
        lr: 3e-3,
        warmup: 100,
        ema_decay: 0.99,
        n_data: 20_000,
        checkpoint_every: 1_000_000,
        prediction: "eps".into(),
        schedule: "linear".into(),
        eps_warmup: 0,
        ..TrainConfig::default()
    };
    let DataSource::Gmm(gmm) = config.data.parse().unwrap() else {
        unreachable!("a gmm: source")
    };
    let (data, normalization) = train::load_data(&config).unwrap();
    let mut state = RunState::new(config, normalization, &data.train).unwrap();
    let before = fisher(&state, &gmm);
    let dir = tempfile::tempdir().unwrap();
    train::train(&mut state, &data, dir.path(), |_, _, _| {}).unwrap();
    (before, fisher(&state, &gmm))
}

#[test]
fn dsm_reduces_the_fisher_divergence_tenfold() {
    let (before, after) = train_and_compare("dsm");
    assert!(after * 10.0 < before, "DSM: {before} → {after}");
}

#[test]
fn ism_reduces_the_fisher_divergence_tenfold() {
    let (before, after) = train_and_compare("ism");
    assert!(after * 10.0 < before, "ISM: {before} → {after}");
}
