//! One training step (forward, backward, AdamW) of the demo-sized network
//! (2-D data, width 128, depth 3, 32-wide embedding: 37 762 parameters) at
//! batch 512, for each objective. Run: `cargo bench -p tinyscore-train`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tinyscore::format::Activation;
use tinyscore::plan::Prediction;
use tinyscore::schedule::Marginal;
use tinyscore_train::mlp::Mlp;
use tinyscore_train::objective::{Batch, Level, Objective, Weighting, Workspace, loss_and_grad};
use tinyscore_train::optim::{AdamW, AdamWConfig};
use tinyscore_train::random::{normal, stream, uniform};

fn bench(c: &mut Criterion) {
    let mlp = Mlp::residual(2, 32, 128, 3, Activation::Silu);
    let n = 512;
    let mut rng = stream(0, 0);
    let mut params = mlp.init(|| uniform(&mut rng));
    let w = mlp.input_width();
    let input: Vec<f32> = (0..n * w).map(|_| normal(&mut rng) as f32).collect();
    let x0: Vec<f32> = (0..n * 2).map(|_| normal(&mut rng) as f32).collect();
    let eps: Vec<f32> = (0..n * 2).map(|_| normal(&mut rng) as f32).collect();
    let levels: Vec<Level> = (0..n)
        .map(|i| {
            let alpha = 0.05 + 0.9 * i as f64 / n as f64;
            Level {
                m: Marginal {
                    alpha,
                    sigma: (1.0 - alpha * alpha).sqrt(),
                },
                g2: 1.0,
                weight: 1.0,
            }
        })
        .collect();
    let batch = Batch {
        input: &input,
        x0: &x0,
        eps: &eps,
        probes: &eps,
        levels: &levels,
    };
    let mut adam = AdamW::new(AdamWConfig::default(), params.len()).expect("valid config");
    let mut grads = vec![0.0f32; params.len()];
    let mut workspace = Workspace::default();
    for (name, objective) in [
        ("dsm", Objective::Dsm(Weighting::Simple)),
        ("ism", Objective::Ism),
        ("fdsm", Objective::FdIsm { h: 1e-2 }),
    ] {
        c.bench_function(&format!("train_step_{name}_37k_b512"), |b| {
            b.iter(|| {
                grads.iter_mut().for_each(|g| *g = 0.0);
                let loss = loss_and_grad(
                    &mlp,
                    Prediction::Epsilon,
                    objective,
                    &params,
                    &batch,
                    &mut grads,
                    &mut workspace,
                );
                adam.step(&mut params, &grads, 1e-4);
                black_box(loss)
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
