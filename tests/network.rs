//! The f32 network and the sampler on real model files.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::format::{
    self, Activation, Layer, Model, ModelSpec, PlanData, TimeConditioning, WeightsData,
};
use tinyscore::net::float::sinusoidal_embedding;
use tinyscore::net::{Denoiser, NetError, TimeInput};
use tinyscore::plan::{Compiler, DdpmVariance, Plan, PlanSpec, Prediction, SamplerKind};
use tinyscore::sampler::{Sampler, SamplerError};

const X_DIM: u32 = 3;
const EMB: u32 = 4;
const HID: u32 = 8;

mod common;
use common::schedule;

fn layers(first_input: u32) -> Vec<Layer> {
    vec![
        Layer::Dense {
            input: first_input,
            output: HID,
        },
        Layer::Activation(Activation::Silu),
        Layer::SaveResidual,
        Layer::Dense {
            input: HID,
            output: HID,
        },
        Layer::Activation(Activation::Tanh),
        Layer::AddResidual,
        Layer::Dense {
            input: HID,
            output: X_DIM,
        },
    ]
}

/// `w[k] = 0.3·sin(0.37k + 0.1)`, the formula tests/reference/network.py uses.
fn weights() -> Vec<f32> {
    let n = [(X_DIM + EMB, HID), (HID, HID), (HID, X_DIM)]
        .iter()
        .map(|(i, o)| o * i + o)
        .sum::<u32>();
    (0..n)
        .map(|k| (0.3 * (0.37 * f64::from(k) + 0.1).sin()) as f32)
        .collect()
}

const TIME: TimeConditioning = TimeConditioning::Sinusoidal {
    dim: EMB,
    max_period: 10000.0,
    scale: 0.5,
};

fn spec(mean: Vec<f32>, scale: Vec<f32>) -> ModelSpec<'static> {
    ModelSpec {
        x_dim: X_DIM,
        time: TIME,
        prediction: Prediction::Epsilon,
        layers: layers(X_DIM + EMB),
        weights: WeightsData::F32(weights()),
        mean,
        scale,
        schedule: schedule(),
        plans: Vec::new(),
        class_bias: None,
        time_embedding: None,
        extra_sections: Vec::new(),
    }
}

fn sinusoidal_model() -> Vec<u8> {
    format::write(&spec(vec![0.0; 3], vec![1.0; 3])).unwrap()
}

#[test]
fn forward_pass_matches_the_float64_reference() {
    // Expected outputs from `python3 tests/reference/network.py` (numpy,
    // float64, same weight formula rounded to f32).
    let cases: [([f32; 3], f32, [f64; 3]); 3] = [
        (
            [0.5, -1.0, 2.0],
            0.0,
            [
                -0.07015863691788449,
                0.21018863618948358,
                -0.32001816188370086,
            ],
        ),
        (
            [0.1, 0.2, -0.3],
            37.0,
            [
                -0.22766119831058484,
                0.36075433713899796,
                -0.45869557238111813,
            ],
        ),
        (
            [-2.0, 0.0, 1.5],
            999.0,
            [
                -0.2670731091317948,
                0.39032215577340745,
                -0.4774469297914359,
            ],
        ),
    ];
    let bytes = sinusoidal_model();
    let model = Model::parse(&bytes).unwrap();
    let net = model.network().unwrap();
    let mut scratch = vec![0.0; net.scratch_len()];
    for (x, t, want) in cases {
        let mut out = [0.0f32; 3];
        net.forward(&x, TimeInput::Time(t), &mut scratch, &mut out)
            .unwrap();
        for i in 0..3 {
            // f32 accumulation over ≤ 8 terms of magnitude < 1: error ≲ 1e-6;
            // the embedding at t·scale ≈ 500 loses ~3e-5 to f32 argument rounding.
            assert!(
                (f64::from(out[i]) - want[i]).abs() < 1e-4,
                "t={t}: {out:?} vs {want:?}"
            );
        }
    }
}

#[test]
fn forward_rejects_wrong_inputs() {
    let bytes = sinusoidal_model();
    let model = Model::parse(&bytes).unwrap();
    let net = model.network().unwrap();
    let mut scratch = vec![0.0; net.scratch_len()];
    let mut out = [0.0f32; 3];
    let r = net.forward(&[0.0; 2], TimeInput::Time(0.0), &mut scratch, &mut out);
    assert_eq!(r, Err(NetError::Dimension { expected: 3 }));
    let r = net.forward(
        &[0.0; 3],
        TimeInput::Time(0.0),
        &mut scratch[..10],
        &mut out,
    );
    assert_eq!(r, Err(NetError::Scratch { needed: 24 }));
    let bias = format::F32s::new(&[0u8; 32]);
    let r = net.forward(&[0.0; 3], TimeInput::Bias(bias), &mut scratch, &mut out);
    assert_eq!(r, Err(NetError::TimeInput));
}

fn ddpm_plan() -> Compiler<'static> {
    let spec = PlanSpec::new(
        SamplerKind::Ddpm {
            variance: DdpmVariance::FixedSmall,
        },
        50,
    );
    Compiler::new(schedule(), spec).unwrap()
}

#[test]
fn sampling_is_deterministic_and_stepwise_equals_whole() {
    let bytes = format::write(&spec(vec![1.0, -2.0, 0.5], vec![2.0, 0.5, 1.0])).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let plan = ddpm_plan();
    let mut scratch = vec![0.0; model.scratch_len()];
    let draw = |scratch: &mut [f32]| {
        let mut s = Sampler::new(&model, &plan, scratch).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut x = [0.0f32; 3];
        s.sample(&mut x, &mut rng).unwrap();
        x
    };
    let a = draw(&mut scratch);
    let b = draw(&mut scratch);
    assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));

    // Step by step, then normalisation by hand: the same bits.
    let mut s = Sampler::new(&model, &plan, &mut scratch).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut x = [0.0f32; 3];
    s.init(&mut x, &mut rng).unwrap();
    let mut steps = 0;
    while s.step(&mut x, &mut rng).unwrap() {
        steps += 1;
    }
    assert_eq!(steps, 50);
    assert_eq!(s.remaining(), 0);
    assert!(!s.step(&mut x, &mut rng).unwrap());
    model.normalization().to_data(&mut x);
    assert_eq!(x.map(f32::to_bits), a.map(f32::to_bits));
}

#[test]
fn score_is_minus_epsilon_over_sigma() {
    let bytes = sinusoidal_model();
    let model = Model::parse(&bytes).unwrap();
    let plan = ddpm_plan();
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut net_scratch = vec![0.0; model.network().unwrap().scratch_len()];
    let mut s = Sampler::new(&model, &plan, &mut scratch).unwrap();
    let x = [0.3f32, -0.7, 1.1];
    let t = 400.0;
    let (mut score, mut eps) = ([0.0f32; 3], [0.0f32; 3]);
    s.score(&x, t, &mut score).unwrap();
    model
        .network()
        .unwrap()
        .forward(&x, TimeInput::Time(t as f32), &mut net_scratch, &mut eps)
        .unwrap();
    let sigma = schedule().marginal(t).sigma as f32;
    for i in 0..3 {
        let want = -eps[i] / sigma;
        assert!(
            (score[i] - want).abs() < 1e-4 * want.abs().max(1.0),
            "{score:?} vs {eps:?}"
        );
    }
}

#[test]
fn sampler_rejects_mismatches() {
    let bytes = sinusoidal_model();
    let model = Model::parse(&bytes).unwrap();
    let plan = ddpm_plan();
    let mut short = vec![0.0; model.scratch_len() - 1];
    let r = Sampler::new(&model, &plan, &mut short);
    assert!(
        matches!(r, Err(SamplerError::Scratch { needed }) if needed as usize == model.scratch_len())
    );

    let mut scratch = vec![0.0; model.scratch_len()];
    let v = PlanSpec {
        prediction: Prediction::Velocity,
        ..PlanSpec::new(SamplerKind::Ddim { eta: 0.0 }, 10)
    };
    let v_plan = Compiler::new(schedule(), v).unwrap();
    let r = Sampler::new(&model, &v_plan, &mut scratch);
    assert!(matches!(r, Err(SamplerError::PredictionMismatch)));

    let mut s = Sampler::new(&model, &plan, &mut scratch).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let r = s.sample(&mut [0.0; 4], &mut rng);
    assert_eq!(r, Err(SamplerError::Dimension { expected: 3 }));
    assert!(matches!(
        Sampler::embedded(&model, 0, &mut scratch),
        Err(SamplerError::NoSuchPlan)
    ));
}

/// Folds the sinusoidal embedding into per-row first-layer biases, as an
/// exporter does: the first layer keeps its x columns, and row i of the
/// table is `W_emb · emb(t_i)`.
fn folded_model(plan: &Compiler<'_>) -> Vec<u8> {
    let w = weights();
    let (x_in, full_in) = (X_DIM as usize, (X_DIM + EMB) as usize);
    let hid = HID as usize;
    let mut first = Vec::new();
    for o in 0..hid {
        first.extend_from_slice(&w[o * full_in..o * full_in + x_in]);
    }
    let first_len = hid * full_in;
    let mut folded = first;
    folded.extend_from_slice(&w[first_len..]);
    let rows: Vec<_> = (0..plan.header().rows as usize)
        .map(|i| plan.row(i).unwrap())
        .collect();
    let mut table = Vec::new();
    for row in &rows {
        let mut emb = [0.0f32; EMB as usize];
        sinusoidal_embedding(row.t * 0.5, 10000.0, &mut emb);
        for o in 0..hid {
            let wo = &w[o * full_in + x_in..(o + 1) * full_in];
            table.push(wo.iter().zip(&emb).map(|(a, b)| a * b).sum::<f32>());
        }
    }
    let spec = ModelSpec {
        time: TimeConditioning::BiasTable,
        layers: layers(X_DIM),
        weights: WeightsData::F32(folded),
        plans: vec![PlanData {
            header: plan.header(),
            rows,
            time_bias: Some(table),
            fixed: None,
        }],
        ..spec(vec![0.0; 3], vec![1.0; 3])
    };
    format::write(&spec).unwrap()
}

#[test]
fn folded_time_bias_reproduces_the_embedding_model() {
    let plan = ddpm_plan();
    let embedded = sinusoidal_model();
    let folded = folded_model(&plan);
    let (m1, m2) = (
        Model::parse(&embedded).unwrap(),
        Model::parse(&folded).unwrap(),
    );
    let mut s1 = vec![0.0; m1.scratch_len()];
    let mut s2 = vec![0.0; m2.scratch_len()];
    assert!(matches!(
        Sampler::new(&m2, &plan, &mut s2),
        Err(SamplerError::NeedsEmbeddedPlan)
    ));
    let mut a = Sampler::new(&m1, &plan, &mut s1).unwrap();
    let mut b = Sampler::embedded(&m2, 0, &mut s2).unwrap();
    for seed in 0..20 {
        let (mut xa, mut xb) = ([0.0f32; 3], [0.0f32; 3]);
        a.sample(&mut xa, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
            .unwrap();
        b.sample(&mut xb, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
            .unwrap();
        // Same noise, same plan; only the order of the first layer's sum
        // differs (bias + W_emb·e folded first): a few f32 ulps per step,
        // relative to values that this untrained network blows up to ~1e3.
        for i in 0..3 {
            let tol = 1e-5 * xa[i].abs().max(1.0);
            assert!((xa[i] - xb[i]).abs() < tol, "seed {seed}: {xa:?} vs {xb:?}");
        }
    }
    assert!(matches!(
        b.denoise(&[0.0; 3], 10.0, &mut [0.0; 3]),
        Err(SamplerError::NeedsEmbeddedPlan)
    ));
}
