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
//! the embedding folded into a time-bias table for its plan.
#![allow(
    dead_code, // each test crate uses a different subset
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use tinyscore::format::{self, Activation, Layer, ModelSpec, PlanData, TimeConditioning};
use tinyscore::net::f32::sinusoidal_embedding;
use tinyscore::plan::{Compiler, PlanSpec, Prediction, SamplerKind};
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
    let input = X_DIM + emb_dim;
    let dense = |input, output| Layer::Dense { input, output };
    let mut layers = vec![
        dense(input, hidden),
        Layer::Activation(Activation::Silu),
        Layer::SaveResidual,
        dense(hidden, hidden),
        Layer::Activation(Activation::Silu),
        Layer::AddResidual,
        dense(hidden, X_DIM),
    ];
    let mut weights = dense_weights(&layers);
    let schedule = schedule();
    let mut plan = compile_plan(
        schedule,
        PlanSpec::new(SamplerKind::Ddim { eta: 0.0 }, plan_steps),
    );
    let mut time = TimeConditioning::Sinusoidal {
        dim: emb_dim,
        max_period: MAX_PERIOD,
        scale: 1.0,
    };

    if bias_table {
        let (h, inp, x) = (hidden as usize, input as usize, X_DIM as usize);
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
        layers[0] = dense(X_DIM, hidden);
        weights = folded;
        time = TimeConditioning::BiasTable;
    }

    ModelSpec {
        x_dim: X_DIM,
        time,
        prediction: Prediction::Epsilon,
        layers,
        weights_f32: weights,
        mean: vec![0.5, -1.0],
        scale: vec![2.0, 0.25],
        schedule,
        plans: vec![plan],
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

/// [`small_spec`] written with [`format::write`].
pub fn small_model_bytes() -> Vec<u8> {
    format::write(&small_spec()).expect("fixture model writes")
}

/// [`bias_table_spec`] written with [`format::write`].
pub fn bias_table_model_bytes() -> Vec<u8> {
    format::write(&bias_table_spec()).expect("fixture model writes")
}
