//! Shared fixtures for the integration tests: small valid models.
//!
//! Use with `mod common;` from a file in `tests/`. Everything here needs the
//! crate feature `std` (the writer), so test files using it are run with
//! `cargo test --features std`.
//!
//! The fixture network is an MLP on 2-D data with one residual block:
//! `Dense(2 + e → h), SiLU, SaveResidual, Dense(h → h), SiLU, AddResidual,
//! Dense(h → 2)`, ε-prediction, deterministic weights, a linear discrete
//! schedule (β 1e-4..0.02, T = 1000) and one embedded DDIM (η = 0) plan.
//! [`small_spec`] is that model with `h = 16` and a sinusoidal time
//! embedding of width `e = 8`; [`bias_table_spec`] is the same network with
//! the embedding folded into a time-bias table for its plan. [`f16_spec`]
//! and [`fixed_spec`] are the other backends' versions of them.
#![allow(
    dead_code, // each test crate uses a different subset
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod panic_scan;
pub mod programs;
pub mod tasks;

use tinyscore::fixed::quantize::{TensorScales, quantize};
use tinyscore::format::{
    self, Activation, ClassBiasData, Layer, ModelSpec, PlanData, TimeConditioning, WeightsData,
};
use tinyscore::net::Guidance;
use tinyscore::net::float::sinusoidal_embedding;
use tinyscore::plan::{Compiler, PlanSpec, SamplerKind};
use tinyscore::schedule::{BetaSchedule, DiscreteSchedule, Schedule};

/// Data dimension of every fixture model.
pub const X_DIM: u32 = 2;
/// Longest period of the fixtures' sinusoidal embedding.
pub const MAX_PERIOD: f32 = 10_000.0;

/// The fixtures' training schedule: linear β from 1e-4 to 0.02, T = 1000.
pub fn schedule() -> Schedule<'static> {
    Schedule::Discrete(DiscreteSchedule {
        betas: BetaSchedule::Linear {
            start: 1e-4,
            end: 0.02,
        },
        train_steps: 1000,
        zero_terminal_snr: false,
    })
}

/// Compiles `spec` on `schedule` with [`Compiler`] into a plan to embed
/// (without a time-bias table). Panics if the plan is invalid.
pub fn compile_plan(schedule: Schedule<'_>, spec: PlanSpec) -> PlanData {
    let compiler = Compiler::new(schedule, spec).expect("fixture plan compiles");
    let header = compiler.header();
    let rows = (0..header.rows as usize)
        .map(|i| compiler.compute_row(i).expect("fixture plan row"))
        .collect();
    PlanData {
        header,
        rows,
        time_bias: None,
        fixed: None,
    }
}

/// A fixed pseudo-random value in `[-1, 1)` for index `k` (Knuth's
/// multiplicative hash), so that fixtures need no RNG.
fn pattern(k: usize, salt: u32) -> f32 {
    let h = (k as u32 ^ salt.wrapping_mul(0x9E37_79B9)).wrapping_mul(2_654_435_761);
    (h >> 8) as f32 / (1u32 << 23) as f32 - 1.0
}

/// Weights then bias of every dense layer, scaled by `1/√fan_in`.
fn dense_weights(layers: &[Layer]) -> Vec<f32> {
    let mut out = Vec::new();
    for (l, layer) in layers.iter().enumerate() {
        if let Layer::Dense { input, output } = *layer {
            let gain = 1.0 / (input as f32).sqrt();
            let base = out.len();
            for k in 0..(input * output) as usize {
                out.push(gain * pattern(base + k, l as u32));
            }
            for k in 0..output as usize {
                out.push(0.1 * pattern(base + k, 100 + l as u32));
            }
        }
    }
    out
}

/// The fixture MLP with hidden width `hidden`, a sinusoidal embedding of
/// width `emb_dim` (even), and one embedded DDIM plan of `plan_steps` steps.
/// With `bias_table`, the embedding is folded at "export": the first dense
/// layer keeps the data columns of its weights, and the plan gets one bias
/// row per plan row, `W[:, 2..] · emb(t_row)`, so both variants compute the
/// same function at the plan's times (up to rounding).
pub fn mlp_spec(
    hidden: u32,
    emb_dim: u32,
    plan_steps: u32,
    bias_table: bool,
) -> ModelSpec<'static> {
    mlp_spec_of_dim(X_DIM, hidden, emb_dim, plan_steps, bias_table)
}

/// [`mlp_spec`] for data of `x_dim` dimensions.
pub fn mlp_spec_of_dim(
    x_dim: u32,
    hidden: u32,
    emb_dim: u32,
    plan_steps: u32,
    bias_table: bool,
) -> ModelSpec<'static> {
    let plan = PlanSpec::new(SamplerKind::Ddim { eta: 0.0 }, plan_steps);
    mlp_spec_on(schedule(), plan, x_dim, hidden, emb_dim, bias_table)
}

/// The fixture MLP of [`mlp_spec_of_dim`] on another schedule and plan
/// (the network predicts what `plan.prediction` says).
pub fn mlp_spec_on(
    schedule: Schedule<'static>,
    plan: PlanSpec,
    x_dim: u32,
    hidden: u32,
    emb_dim: u32,
    bias_table: bool,
) -> ModelSpec<'static> {
    let prediction = plan.prediction;
    let input = x_dim + emb_dim;
    let dense = |input, output| Layer::Dense { input, output };
    let mut layers = vec![
        dense(input, hidden),
        Layer::Activation(Activation::Silu),
        Layer::SaveResidual,
        dense(hidden, hidden),
        Layer::Activation(Activation::Silu),
        Layer::AddResidual,
        dense(hidden, x_dim),
    ];
    let mut weights = dense_weights(&layers);
    let mut plan = compile_plan(schedule, plan);
    let mut time = TimeConditioning::Sinusoidal {
        dim: emb_dim,
        max_period: MAX_PERIOD,
        scale: 1.0,
    };

    if bias_table {
        let (h, inp, x) = (hidden as usize, input as usize, x_dim as usize);
        let (first, rest) = weights.split_at(h * inp);
        let mut folded = Vec::with_capacity(weights.len());
        for o in 0..h {
            folded.extend_from_slice(&first[o * inp..o * inp + x]);
        }
        folded.extend_from_slice(rest);
        let mut table = Vec::with_capacity(plan.rows.len() * h);
        let mut emb = vec![0.0; emb_dim as usize];
        for row in &plan.rows {
            sinusoidal_embedding(row.t, MAX_PERIOD, &mut emb);
            for o in 0..h {
                let w = &first[o * inp + x..(o + 1) * inp];
                table.push(w.iter().zip(&emb).map(|(w, e)| w * e).sum::<f32>());
            }
        }
        plan.time_bias = Some(table);
        layers[0] = dense(x_dim, hidden);
        weights = folded;
        time = TimeConditioning::BiasTable;
    }

    ModelSpec {
        x_dim,
        time,
        prediction,
        layers,
        weights: WeightsData::F32(weights),
        mean: (0..x_dim).map(|i| [0.5, -1.0][i as usize % 2]).collect(),
        scale: (0..x_dim).map(|i| [2.0, 0.25][i as usize % 2]).collect(),
        schedule,
        plans: vec![plan],
        class_bias: None,
        time_embedding: None,
        extra_sections: Vec::new(),
    }
}

/// The small fixture: hidden width 16, sinusoidal embedding of width 8,
/// DDIM with 10 steps. About 2.8 KB written.
pub fn small_spec() -> ModelSpec<'static> {
    mlp_spec(16, 8, 10, false)
}

/// [`small_spec`] with its time embedding folded into a time-bias table.
pub fn bias_table_spec() -> ModelSpec<'static> {
    mlp_spec(16, 8, 10, true)
}

/// `spec` made class-conditional with `classes` classes: `classes + 1`
/// deterministic f32 class-bias rows for its first dense layer (row `k`,
/// output `o`: `0.3·sin(1.7k + 0.9o + 0.4)`; the last row, "no class",
/// included).
pub fn conditional_spec(spec: ModelSpec<'static>, classes: u32) -> ModelSpec<'static> {
    let width = spec
        .layers
        .iter()
        .find_map(|l| match *l {
            Layer::Dense { output, .. } => Some(output),
            _ => None,
        })
        .expect("a dense layer");
    let rows = (0..=classes)
        .flat_map(|k| (0..width).map(move |o| 0.3 * (1.7 * k as f32 + 0.9 * o as f32 + 0.4).sin()))
        .collect();
    ModelSpec {
        class_bias: Some(ClassBiasData::F32 { classes, rows }),
        ..spec
    }
}

/// [`small_spec`] written with [`format::write`].
pub fn small_model_bytes() -> Vec<u8> {
    format::write(&small_spec()).expect("fixture model writes")
}

/// [`bias_table_spec`] written with [`format::write`].
pub fn bias_table_model_bytes() -> Vec<u8> {
    format::write(&bias_table_spec()).expect("fixture model writes")
}

/// The parameters of a spec with f32 weights.
pub fn f32_params<'s>(spec: &'s ModelSpec<'_>) -> &'s [f32] {
    match &spec.weights {
        WeightsData::F32(w) => w,
        other => unreachable!("expected f32 weights, not {other:?}"),
    }
}

/// A reference forward pass in f64, straight from the spec: the input
/// vector (with the embedding, if any), then the vector after each layer.
/// A class-conditional spec is run unconditionally.
pub fn reference_activations(
    spec: &ModelSpec<'_>,
    x: &[f32],
    t: f32,
    bias_row: Option<&[f32]>,
) -> Vec<Vec<f64>> {
    class_reference_activations(spec, x, t, bias_row, None)
}

/// [`reference_activations`] of a class-conditional spec for `class`
/// (`None`: unconditional): the class's f32 row added to the first dense
/// layer.
pub fn class_reference_activations(
    spec: &ModelSpec<'_>,
    x: &[f32],
    t: f32,
    bias_row: Option<&[f32]>,
    class: Option<u32>,
) -> Vec<Vec<f64>> {
    let class_row: Option<Vec<f64>> = match &spec.class_bias {
        Some(ClassBiasData::F32 { classes, rows }) => {
            let width = rows.len() / (*classes as usize + 1);
            let k = class.unwrap_or(*classes) as usize;
            Some(
                rows[k * width..(k + 1) * width]
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect(),
            )
        }
        _ => None,
    };
    let mut v: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    if let TimeConditioning::Sinusoidal {
        dim,
        max_period,
        scale,
    } = spec.time
    {
        let mut emb = vec![0.0; dim as usize];
        sinusoidal_embedding(t * scale, max_period, &mut emb);
        v.extend(emb.iter().map(|&e| f64::from(e)));
    }
    let params = f32_params(spec);
    let mut all = vec![v.clone()];
    let mut offset = 0;
    let mut saved = Vec::new();
    let mut first = true;
    for layer in &spec.layers {
        match *layer {
            Layer::Dense { input, output } => {
                let (i, o) = (input as usize, output as usize);
                let w = &params[offset..offset + i * o];
                let b = &params[offset + i * o..offset + i * o + o];
                offset += i * o + o;
                v = (0..o)
                    .map(|r| {
                        let extra = match (first, bias_row) {
                            (true, Some(row)) => f64::from(row[r]),
                            _ => 0.0,
                        } + match (first, &class_row) {
                            (true, Some(row)) => row[r],
                            _ => 0.0,
                        };
                        f64::from(b[r])
                            + extra
                            + (0..i).map(|c| f64::from(w[r * i + c]) * v[c]).sum::<f64>()
                    })
                    .collect();
                first = false;
            }
            Layer::Activation(a) => v.iter_mut().for_each(|x| {
                *x = match a {
                    Activation::Relu => x.max(0.0),
                    Activation::Silu => *x / (1.0 + (-*x).exp()),
                    Activation::Tanh => x.tanh(),
                }
            }),
            Layer::SaveResidual => saved = v.clone(),
            Layer::AddResidual => v.iter_mut().zip(&saved).for_each(|(a, b)| *a += b),
        }
        all.push(v.clone());
    }
    assert_eq!(offset, params.len());
    all
}

/// The network's output from [`reference_activations`].
pub fn reference_forward(
    spec: &ModelSpec<'_>,
    x: &[f32],
    t: f32,
    bias_row: Option<&[f32]>,
) -> Vec<f64> {
    reference_activations(spec, x, t, bias_row).pop().unwrap()
}

/// [`small_spec`] with f16 weights.
pub fn f16_spec() -> ModelSpec<'static> {
    let mut spec = small_spec();
    spec.weights = WeightsData::F16(f32_params(&spec).to_vec());
    spec
}

/// Scales for a bias-table spec, calibrated as the exporter does it: the
/// largest magnitude of each tensor over the f32 model's own sampling
/// trajectories (`samples` of them, every row of plan 0), times `headroom`,
/// over the int16 range.
pub fn trajectory_scales(spec: &ModelSpec<'_>, samples: u64, headroom: f64) -> TensorScales {
    use rand_xoshiro::Xoshiro256PlusPlus;
    use rand_xoshiro::rand_core::SeedableRng;
    use tinyscore::sampler::Sampler;

    let bytes = format::write(spec).expect("fixture writes");
    let model = tinyscore::format::Model::parse(&bytes).unwrap();
    let table = spec.plans[0].time_bias.as_ref().unwrap();
    let width = table.len() / spec.plans[0].rows.len();
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut sampler = Sampler::embedded(&model, 0, &mut scratch).unwrap();
    let mut max = vec![0f64; spec.layers.len() + 1];
    for seed in 0..samples {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut x = vec![0.0f32; spec.x_dim as usize];
        sampler.init(&mut x, &mut rng).unwrap();
        let mut row = 0;
        loop {
            if let Some(bias) = table.get(row * width..(row + 1) * width) {
                let all = reference_activations(spec, &x, 0.0, Some(bias));
                for (m, v) in max.iter_mut().zip(&all) {
                    *m = v.iter().fold(*m, |m, x| m.max(x.abs()));
                }
            }
            if !sampler.step(&mut x, &mut rng).unwrap() {
                break;
            }
            row += 1;
        }
    }
    let scale = |m: f64| headroom * m.max(1e-6) / 32767.0;
    TensorScales {
        input: scale(max[0]),
        after: max[1..].iter().map(|&m| scale(m)).collect(),
    }
}

/// [`bias_table_spec`] quantised to the fixed-point backend, with scales
/// calibrated on 64 of its own trajectories and 25% headroom.
pub fn fixed_spec() -> ModelSpec<'static> {
    let spec = bias_table_spec();
    quantize(&spec, &trajectory_scales(&spec, 64, 1.25)).expect("fixture quantises")
}

/// [`fixed_spec`] written with [`format::write`].
pub fn fixed_model_bytes() -> Vec<u8> {
    format::write(&fixed_spec()).expect("fixture model writes")
}

/// Samples drawn by [`float_samples`] and [`fixed_samples`].
pub const SAMPLES: usize = 64;
/// Seed of sample 0; sample `i` uses `SEED + i`.
pub const SEED: u64 = 2026;

/// `SAMPLES` samples (data units, concatenated) drawn with embedded plan 0
/// of a float model, each from its own generator seeded `SEED + i`.
pub fn float_samples(bytes: &[u8]) -> Vec<f32> {
    guided_float_samples(bytes, None)
}

/// [`float_samples`] of a class-conditional model with guidance (`None`:
/// unconditional).
pub fn guided_float_samples(bytes: &[u8], guidance: Option<Guidance<f32>>) -> Vec<f32> {
    use tinyscore::sampler::Sampler;

    let model = tinyscore::format::Model::parse(bytes).unwrap();
    let dim = model.topology().x_dim() as usize;
    let mut scratch = vec![0.0; model.scratch_len()];
    match guidance {
        None => {
            let mut sampler = Sampler::embedded(&model, 0, &mut scratch).unwrap();
            draw_samples(dim, |x, rng| sampler.sample(x, rng).unwrap())
        }
        Some(g) => {
            let mut sampler = Sampler::embedded_guided(&model, 0, g, &mut scratch).unwrap();
            draw_samples(dim, |x, rng| sampler.sample(x, rng).unwrap())
        }
    }
}

/// The same for a fixed-point model: the Q16.16 states, and the samples in
/// data units.
pub fn fixed_samples(bytes: &[u8]) -> (Vec<i32>, Vec<f32>) {
    guided_fixed_samples(bytes, None)
}

/// [`fixed_samples`] of a class-conditional model with guidance (weight in
/// Q16.16; `None`: unconditional).
pub fn guided_fixed_samples(bytes: &[u8], guidance: Option<Guidance<i32>>) -> (Vec<i32>, Vec<f32>) {
    use tinyscore::fixed::{FixedSampler, FixedScratch, state_to_f32};

    let model = tinyscore::format::Model::parse(bytes).unwrap();
    let need = FixedScratch::of(&model.fixed_network().unwrap());
    let mut acts = vec![0i16; need.activations];
    let mut regs = vec![0i32; need.registers];
    let mut sampler = match guidance {
        None => FixedSampler::embedded(&model, 0, &mut acts, &mut regs),
        Some(g) => FixedSampler::embedded_guided(&model, 0, g, &mut acts, &mut regs),
    }
    .unwrap();
    let states = draw_samples(sampler.x_dim(), |x, rng| sampler.sample(x, rng).unwrap());
    let mut data: Vec<f32> = states.iter().map(|&s| state_to_f32(s)).collect();
    for v in data.chunks_exact_mut(sampler.x_dim()) {
        model.normalization().to_data(v);
    }
    (states, data)
}

/// `SAMPLES` samples of dimension `dim`, sample `i` drawn by `sample` with
/// a generator seeded `SEED + i`, concatenated.
fn draw_samples<T: Clone + Default>(
    dim: usize,
    mut sample: impl FnMut(&mut [T], &mut rand_xoshiro::Xoshiro256PlusPlus),
) -> Vec<T> {
    use rand_xoshiro::rand_core::SeedableRng;

    let mut out = Vec::with_capacity(SAMPLES * dim);
    for i in 0..SAMPLES {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(SEED + i as u64);
        let mut x = vec![T::default(); dim];
        sample(&mut x, &mut rng);
        out.extend(x);
    }
    out
}

/// CRC-32 of 4-byte words, in order.
pub fn crc_of(words: impl IntoIterator<Item = [u8; 4]>) -> u32 {
    let mut crc = format::Crc32::new();
    for w in words {
        crc.update(&w);
    }
    crc.finish()
}

/// `bytes` with a data range (section 12) of `[-half, half]` in every
/// dimension (model units) and no margin; its samplers clip x̂₀ to it if
/// `clips`.
pub fn with_data_range(bytes: &[u8], half: f32, clips: bool) -> Vec<u8> {
    let dim = format::Model::parse(bytes).unwrap().topology().x_dim() as usize;
    let range = format::DataRangeData {
        clips,
        dynamic: None,
        margin: 0.0,
        low: vec![-half; dim],
        high: vec![half; dim],
    };
    let code = format::SectionKind::DataRange.code();
    format::append_section(bytes, code, 0, range.to_bytes()).unwrap()
}
