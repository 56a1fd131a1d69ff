//! Fuzzes `Model::parse` and everything a parsed model hands out.
//!
//! Each input is parsed as is, then with its file-length and CRC fields
//! re-sealed (`format::seal`) so that mutations reach the checks behind the
//! CRC. Whenever a parse succeeds, every view is read and the network and
//! sampler run for a few steps (float or fixed point), then imputation,
//! SDEdit and anomaly scores: after a successful parse nothing may fail on
//! the file's contents but for the finite-output contract's refusal (a
//! float model whose numbers overflow f32), so any panic or other error is
//! a finding. The `finite` target checks what accepted models produce.
//!
//! ```text
//! cd fuzz
//! mkdir -p /tmp/parse-corpus
//! cargo +nightly fuzz run parse /tmp/parse-corpus corpus/parse -- -max_len=65536 -max_total_time=60
//! ```
//!
//! (the first directory receives new inputs, so corpus/parse keeps only
//! the committed seeds: `seed_*.tsm` from the test fixtures, rewritten by
//! `cargo test --features std --test corpus_replay -- --ignored
//! regenerate`, and `exported_*.tsm` from the trainer, rewritten by
//! `bash fuzz/make_seeds.sh`; `-max_len` lets mutants grow past the largest
//! seed.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::fixed::{FixedSampler, FixedScratch};
use tinyscore::format::{self, Model, TimeConditioning};
use tinyscore::net::{Denoiser, Guidance, TimeInput};
use tinyscore::plan::{Compiler, Plan, PlanSpec, SamplerKind};
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::stepper::Stepper;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = Model::parse(data) {
        exercise(&model);
    }
    let mut sealed = data.to_vec();
    format::seal(&mut sealed);
    if let Ok(model) = Model::parse(&sealed) {
        exercise(&model);
    }
});

fn exercise(model: &Model<'_>) {
    let topology = model.topology();
    assert_eq!(topology.layers().count(), topology.len());
    assert!(topology.first_dense_output() > 0);
    let x_dim = topology.x_dim() as usize;

    let norm = model.normalization();
    assert_eq!(norm.mean().len(), x_dim);
    assert!(norm.scale().iter().all(|s| s.is_finite() && s > 0.0));
    let mut x = vec![0.5f32; x_dim];
    norm.to_model(&mut x);
    norm.to_data(&mut x);

    let schedule = model.schedule();
    let _ = schedule.marginal(schedule.t_max());

    for (i, plan) in model.plans().enumerate() {
        let rows = plan.header().rows as usize;
        for r in 0..rows {
            // Rows a fixed-point file leaves out are compiled when read; a
            // crafted schedule may make one non-finite, which reads as
            // absent (docs/FORMAT.md, section 7). Stored rows are checked
            // at parse.
            match plan.row(r) {
                Some(row) => assert!(row.to_array().iter().all(|v| v.is_finite())),
                None => assert!(!plan.stores_rows(), "every stored row is present"),
            }
        }
        assert!(plan.row(rows).is_none());
        if let Some(table) = model.time_bias(i) {
            assert_eq!(table.rows(), rows);
            for r in 0..rows {
                let bias = table.row(r).expect("every bias row is present");
                assert_eq!(bias.len(), table.width() as usize);
            }
        }
    }

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let Some(network) = model.network() else {
        exercise_fixed(model, &mut rng);
        return;
    };
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut out = vec![0.0f32; x_dim];

    // One network forward pass straight through the Denoiser interface.
    let time = match topology.time() {
        TimeConditioning::Sinusoidal { .. } => Some(TimeInput::Time(1.0)),
        TimeConditioning::BiasTable => model
            .time_bias(0)
            .and_then(|t| t.row(0))
            .map(TimeInput::Bias),
    };
    if let Some(time) = time {
        let result = network.forward(&x, time, &mut scratch, &mut out);
        allowed(result.map_err(SamplerError::from));
    }

    // A couple of steps of every embedded plan, then the data procedures.
    for i in 0..model.plans().count() {
        let mut s = Sampler::embedded(model, i, &mut scratch).expect("embedded sampler");
        if allowed(s.init(&mut x, &mut rng)).is_some() {
            for _ in 0..2 {
                allowed(s.step(&mut x, &mut rng));
            }
        }
        let mut work = vec![0.0f32; 2 * x_dim];
        procedures(&mut s, &mut x, &mut work, model, i, &mut rng);
    }
    if model.classes() > 0 && model.plan(0).is_some() {
        let guidance = Guidance {
            class: model.classes() - 1,
            weight: 1.5,
        };
        let mut s =
            Sampler::embedded_guided(model, 0, guidance, &mut scratch).expect("guided sampler");
        if allowed(s.init(&mut x, &mut rng)).is_some() {
            while allowed(s.step(&mut x, &mut rng)) == Some(true) {}
        }
    }

    // A plan compiled on the fly, for models with a time embedding.
    if let TimeConditioning::Sinusoidal { .. } = topology.time() {
        let spec = PlanSpec {
            prediction: topology.prediction(),
            ..PlanSpec::new(SamplerKind::Ddim { eta: 0.0 }, 2)
        };
        if let Ok(compiler) = Compiler::new(schedule, spec) {
            let mut s = Sampler::new(model, compiler, &mut scratch).expect("sampler");
            if allowed(s.init(&mut x, &mut rng)).is_some() {
                while allowed(s.step(&mut x, &mut rng)) == Some(true) {}
            }
            allowed(s.denoise(&x, schedule.t_max() * 0.5, &mut out));
        }
    }
}

/// The value of a float sampler call, or `None` for the one error a parsed
/// model may give, the finite-output contract's refusal; any other error
/// is a finding.
fn allowed<T>(result: Result<T, SamplerError>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) if e.is_non_finite() => None,
        Err(e) => panic!("a parsed model failed: {e}"),
    }
}

/// A fixed-point model: a few steps of every embedded plan, then the data
/// procedures.
fn exercise_fixed(model: &Model<'_>, rng: &mut Xoshiro256PlusPlus) {
    let net = model
        .fixed_network()
        .expect("a model without a float network is fixed point");
    let need = FixedScratch::of(&net);
    let (mut acts, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers]);
    let x_dim = model.topology().x_dim() as usize;
    let mut x = vec![1 << 15; x_dim];
    for i in 0..model.plans().count() {
        let mut s = FixedSampler::embedded(model, i, &mut acts, &mut regs).expect("sampler");
        s.init(&mut x, rng).expect("init");
        for _ in 0..2 {
            s.step(&mut x, rng).expect("step");
        }
        let mut work = vec![0i32; 2 * x_dim];
        procedures(&mut s, &mut x, &mut work, model, i, rng);
    }
    if model.classes() > 0 && model.plan(0).is_some() {
        let guidance = Guidance {
            class: model.classes() - 1,
            weight: 3 << 15,
        };
        let mut s = FixedSampler::embedded_guided(model, 0, guidance, &mut acts, &mut regs)
            .expect("guided sampler");
        s.init(&mut x, rng).expect("init");
        while s.step(&mut x, rng).expect("step") {}
    }
}

/// Imputation, SDEdit and anomaly scores on plan `plan`. A plan without
/// state levels (or whose rows store none) refuses them with a typed error;
/// what matters here is that nothing panics.
fn procedures<S: Stepper>(
    s: &mut S,
    x: &mut [S::Value],
    work: &mut [S::Value],
    model: &Model<'_>,
    plan: usize,
    rng: &mut Xoshiro256PlusPlus,
) {
    let observed = x.to_vec();
    let mask: Vec<bool> = (0..x.len()).map(|j| j % 2 == 0).collect();
    let _ = s.impute(x, &observed, &mask, 2, rng);
    let _ = s.sdedit(x, 0, rng);
    if let Some(detector) = model.anomaly().filter(|d| d.plan() as usize == plan) {
        let _ = s.detect(&observed, &detector, work, rng);
    }
}
