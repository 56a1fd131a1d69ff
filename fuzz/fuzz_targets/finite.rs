//! The finite-output contract as a property: every model `Model::parse`
//! accepts, sampled to the end of every embedded plan through its backend
//! (f32 and f16 with `Sampler`, in data units; fixed point with
//! `FixedSampler`, its Q16.16 states mapped to data units as a host does),
//! unconditionally and guided for its first and last class, and its
//! anomaly detector run on a sample, gives finite values or the contract's
//! typed refusal (`SamplerError::is_non_finite`). Fixed point must never
//! refuse: its bounds are proven at parse. Any other outcome is a finding.
//!
//! Each input is tried as is and with its length and CRC re-sealed, as the
//! `parse` target does. Run with `bash fuzz/run.sh` (a long run) or:
//!
//! ```text
//! cd fuzz
//! mkdir -p /tmp/finite-corpus
//! cargo +nightly fuzz run finite /tmp/finite-corpus corpus/parse -- -max_len=65536 -max_total_time=60
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::fixed::{FixedSampler, FixedScratch, state_to_f32};
use tinyscore::format::{self, Model};
use tinyscore::net::Guidance;
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::stepper::Stepper;

fuzz_target!(|data: &[u8]| {
    let mut sealed = data.to_vec();
    format::seal(&mut sealed);
    for bytes in [data, &sealed[..]] {
        if let Ok(model) = Model::parse(bytes) {
            if model.fixed_network().is_some() {
                fixed(&model);
            } else {
                float(&model);
            }
        }
    }
});

/// The guidance of each class the target samples: the first and the last.
fn guidances(model: &Model<'_>) -> impl Iterator<Item = u32> {
    let classes = model.classes();
    [0, classes.saturating_sub(1)]
        .into_iter()
        .take(if classes > 1 { 2 } else { classes as usize })
}

fn float(model: &Model<'_>) {
    let dim = model.topology().x_dim() as usize;
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut x = vec![0.0f32; dim];
    for plan in 0..model.plans().count() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(plan as u64);
        let result = Sampler::embedded(model, plan, &mut scratch)
            .and_then(|mut s| s.sample(&mut x, &mut rng));
        finite_or_refused(result, &x);
        for class in guidances(model) {
            let g = Guidance { class, weight: 1.5 };
            let result = Sampler::embedded_guided(model, plan, g, &mut scratch)
                .and_then(|mut s| s.sample(&mut x, &mut rng));
            finite_or_refused(result, &x);
        }
    }
    let Some(detector) = model.anomaly() else {
        return;
    };
    // A sample of the model, or the data mean if it could not draw one.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut s = Sampler::embedded(model, detector.plan() as usize, &mut scratch)
        .expect("the detector's plan is an embedded plan");
    if finite_or_refused(s.sample(&mut x, &mut rng), &x).is_none() {
        x.iter_mut().for_each(|v| *v = 0.0);
    } else {
        model.normalization().to_model(&mut x);
    }
    let mut work = vec![0.0f32; 2 * dim];
    if let Some(v) = finite_or_refused(s.detect(&x, &detector, &mut work, &mut rng), &[]) {
        assert!(v.score.is_finite(), "score {}", v.score);
    }
}

fn fixed(model: &Model<'_>) {
    let net = model.fixed_network().expect("a fixed-point model");
    let need = FixedScratch::of(&net);
    let (mut acts, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers]);
    let dim = model.topology().x_dim() as usize;
    let mut x = vec![0i32; dim];
    let mut data = vec![0.0f32; dim];
    let mut to_data = |x: &[i32]| {
        data.iter_mut()
            .zip(x)
            .for_each(|(d, s)| *d = state_to_f32(*s));
        model.normalization().to_data(&mut data);
        assert!(data.iter().all(|v| v.is_finite()), "{data:?}");
    };
    for plan in 0..model.plans().count() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(plan as u64);
        let mut s = FixedSampler::embedded(model, plan, &mut acts, &mut regs).expect("sampler");
        s.sample(&mut x, &mut rng).expect("fixed point samples");
        to_data(&x);
        for class in guidances(model) {
            let g = Guidance {
                class,
                weight: 3 << 15,
            };
            let mut s = FixedSampler::embedded_guided(model, plan, g, &mut acts, &mut regs)
                .expect("guided sampler");
            s.sample(&mut x, &mut rng).expect("fixed point samples");
            to_data(&x);
        }
    }
    if let Some(detector) = model.anomaly() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut s = FixedSampler::embedded(model, detector.plan() as usize, &mut acts, &mut regs)
            .expect("the detector's plan is an embedded plan");
        let mut work = vec![0i32; 2 * dim];
        s.detect(&x, &detector, &mut work, &mut rng)
            .expect("fixed point scores");
    }
}

/// `Ok` with every value of `values` finite, or the contract's refusal;
/// anything else is a finding.
fn finite_or_refused<T>(result: Result<T, SamplerError>, values: &[f32]) -> Option<T> {
    match result {
        Ok(v) => {
            assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
            Some(v)
        }
        Err(e) if e.is_non_finite() => None,
        Err(e) => panic!("an accepted model failed: {e}"),
    }
}
