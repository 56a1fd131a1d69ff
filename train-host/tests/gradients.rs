//! Every backward pass against central finite differences, in f64.

use tinyscore::format::Activation;
use tinyscore::plan::Prediction;
use tinyscore::schedule::Marginal;
use tinyscore_train::mlp::{Adjoints, Cache, Mlp, Tangents};
use tinyscore_train::objective::{Batch, Level, Objective, Weighting, Workspace, loss_and_grad};

/// A small deterministic pseudo-random stream in [−1, 1).
fn stream(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

fn nets() -> Vec<Mlp> {
    vec![
        Mlp::residual(2, 4, 6, 2, Activation::Silu),
        Mlp::residual(3, 2, 5, 3, Activation::Tanh),
    ]
}

/// ‖a − b‖ / ‖b‖.
fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    let den: f64 = b.iter().map(|y| y * y).sum();
    (num / den).sqrt()
}

fn fd_grad(params: &[f64], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let h = 1e-6;
    (0..params.len())
        .map(|k| {
            let mut p = params.to_vec();
            p[k] += h;
            let up = f(&p);
            p[k] -= 2.0 * h;
            (up - f(&p)) / (2.0 * h)
        })
        .collect()
}

#[test]
fn backward_matches_finite_differences() {
    for mlp in nets() {
        let mut r = stream(1);
        let params: Vec<f64> = mlp
            .init(|| (r() + 1.0) / 2.0)
            .iter()
            .map(|&v| f64::from(v) * 3.0)
            .collect();
        let batch = 4;
        let input: Vec<f64> = (0..batch * mlp.input_width()).map(|_| r()).collect();
        let c: Vec<f64> = (0..batch * mlp.x_dim).map(|_| r()).collect();
        let loss = |p: &[f64]| {
            let mut cache = Cache::default();
            mlp.forward(p, &input, batch, &mut cache);
            cache
                .values
                .last()
                .unwrap()
                .iter()
                .zip(&c)
                .map(|(o, c)| o * c)
                .sum::<f64>()
        };
        let mut cache = Cache::default();
        mlp.forward(&params, &input, batch, &mut cache);
        let mut grads = vec![0.0; params.len()];
        mlp.backward(&params, &cache, &c, &mut grads, &mut Adjoints::default());
        let err = rel_err(&grads, &fd_grad(&params, loss));
        assert!(err < 1e-6, "relative error {err}");
    }
}

#[test]
fn jvp_matches_finite_differences_of_the_input() {
    for mlp in nets() {
        let mut r = stream(2);
        let params: Vec<f64> = mlp
            .init(|| (r() + 1.0) / 2.0)
            .iter()
            .map(|&v| f64::from(v) * 3.0)
            .collect();
        let batch = 3;
        let input: Vec<f64> = (0..batch * mlp.input_width()).map(|_| r()).collect();
        let v: Vec<f64> = (0..batch * mlp.input_width()).map(|_| r()).collect();
        let out = |x: &[f64]| {
            let mut cache = Cache::default();
            mlp.forward(&params, x, batch, &mut cache);
            cache.values.last().unwrap().clone()
        };
        let h = 1e-6;
        let plus: Vec<f64> = input.iter().zip(&v).map(|(x, v)| x + h * v).collect();
        let minus: Vec<f64> = input.iter().zip(&v).map(|(x, v)| x - h * v).collect();
        let fd: Vec<f64> = out(&plus)
            .iter()
            .zip(out(&minus))
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect();
        let mut cache = Cache::default();
        mlp.forward(&params, &input, batch, &mut cache);
        let mut t = Tangents::default();
        mlp.jvp(&params, &cache, &v, &mut t);
        let err = rel_err(t.values.last().unwrap(), &fd);
        assert!(err < 1e-7, "relative error {err}");
    }
}

struct Example {
    input: Vec<f64>,
    x0: Vec<f64>,
    eps: Vec<f64>,
    probes: Vec<f64>,
    levels: Vec<Level>,
}

fn example(mlp: &Mlp, n: usize, seed: u64) -> Example {
    let mut r = stream(seed);
    let (d, w) = (mlp.x_dim, mlp.input_width());
    let mut ex = Example {
        input: vec![0.0; n * w],
        x0: (0..n * d).map(|_| r()).collect(),
        eps: (0..n * d).map(|_| r()).collect(),
        probes: (0..n * d)
            .map(|_| if r() > 0.0 { 1.0 } else { -1.0 })
            .collect(),
        levels: Vec::new(),
    };
    for i in 0..n {
        let alpha = 0.3 + 0.6 * (r() + 1.0) / 2.0;
        let m = Marginal {
            alpha,
            sigma: (1.0 - alpha * alpha).sqrt(),
        };
        // Importance weights other than 1, so their gradient is checked too.
        ex.levels.push(Level {
            m,
            g2: 2.0,
            weight: 1.5 + r(),
        });
        for j in 0..d {
            ex.input[i * w + j] = m.alpha * ex.x0[i * d + j] + m.sigma * ex.eps[i * d + j];
        }
        for j in d..w {
            ex.input[i * w + j] = r();
        }
    }
    ex
}

#[test]
fn every_objective_gradient_matches_finite_differences() {
    let objectives = [
        Objective::Dsm(Weighting::Simple),
        Objective::Dsm(Weighting::ScoreMatching),
        Objective::Dsm(Weighting::Likelihood),
        Objective::Dsm(Weighting::MinSnr(5.0)),
        Objective::Dsm(Weighting::TruncatedSnr),
        Objective::Ism,
        Objective::FdIsm { h: 1e-3 },
    ];
    for mlp in nets() {
        let ex = example(&mlp, 5, 3);
        let batch = Batch {
            input: &ex.input,
            x0: &ex.x0,
            eps: &ex.eps,
            probes: &ex.probes,
            levels: &ex.levels,
        };
        let mut r = stream(4);
        let params: Vec<f64> = mlp
            .init(|| (r() + 1.0) / 2.0)
            .iter()
            .map(|&v| f64::from(v) * 3.0)
            .collect();
        for objective in objectives {
            for prediction in [
                Prediction::Epsilon,
                Prediction::Sample,
                Prediction::Velocity,
            ] {
                let loss = |p: &[f64]| {
                    let mut g = vec![0.0; p.len()];
                    loss_and_grad(
                        &mlp,
                        prediction,
                        objective,
                        p,
                        &batch,
                        &mut g,
                        &mut Workspace::default(),
                    )
                };
                let mut grads = vec![0.0; params.len()];
                let mut workspace = Workspace::default();
                let total = loss_and_grad(
                    &mlp,
                    prediction,
                    objective,
                    &params,
                    &batch,
                    &mut grads,
                    &mut workspace,
                );
                // The batch loss is the weighted mean of the example losses.
                let weighted: f64 = workspace
                    .example_losses()
                    .iter()
                    .zip(&ex.levels)
                    .map(|(l, lvl)| l * lvl.weight)
                    .sum();
                assert!(
                    (weighted / ex.levels.len() as f64 - total).abs()
                        < 1e-12 * total.abs().max(1.0)
                );
                let err = rel_err(&grads, &fd_grad(&params, loss));
                assert!(
                    err < 1e-4,
                    "{objective:?} {prediction:?}: relative error {err}"
                );
            }
        }
    }
}

#[test]
fn finite_difference_ism_approaches_exact_ism() {
    let mlp = Mlp::residual(2, 4, 6, 2, Activation::Silu);
    let ex = example(&mlp, 8, 5);
    let batch = Batch {
        input: &ex.input,
        x0: &ex.x0,
        eps: &ex.eps,
        probes: &ex.probes,
        levels: &ex.levels,
    };
    let mut r = stream(6);
    let params: Vec<f64> = mlp
        .init(|| (r() + 1.0) / 2.0)
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    let mut g = vec![0.0; params.len()];
    let mut workspace = Workspace::default();
    let exact = loss_and_grad(
        &mlp,
        Prediction::Epsilon,
        Objective::Ism,
        &params,
        &batch,
        &mut g,
        &mut workspace,
    );
    let mut last = f64::INFINITY;
    for h in [1e-1, 1e-2, 1e-3] {
        let fd = loss_and_grad(
            &mlp,
            Prediction::Epsilon,
            Objective::FdIsm { h },
            &params,
            &batch,
            &mut g,
            &mut workspace,
        );
        let err = (fd - exact).abs();
        // Central differences: the error falls like h².
        assert!(err < last, "h = {h}: error {err} after {last}");
        last = err;
    }
    assert!(last < 1e-6 * exact.abs().max(1.0), "{last}");
}
