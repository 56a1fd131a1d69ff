//! Class-conditional models and classifier-free guidance in the runtime:
//!
//! 1. a class's bias row reaches the first dense layer (f32, against the
//!    f64 reference), and the unconditional row is the default;
//! 2. [`Guided`] is exactly `o_c + w·(o_c − o_∅)` of two evaluations, and
//!    at `w = 0` the conditional network alone;
//! 3. the fixed-point guided sampler follows the f32 one within the
//!    quantisation error, for every class and weight, and guidance changes
//!    the samples of both;
//! 4. what cannot be guided is refused with a typed error.
//!
//! `cargo test --features std --test guidance`.
#![cfg(feature = "std")]
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::{class_reference_activations, conditional_spec};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::fixed::quantize::quantize;
use tinyscore::fixed::{FixedSampler, FixedScratch, state_to_f32};
use tinyscore::format::{self, Model};
use tinyscore::net::{Denoiser, Guidance, Guided, TimeInput};
use tinyscore::sampler::{Sampler, SamplerError};

const CLASSES: u32 = 3;

fn float_model() -> Vec<u8> {
    format::write(&conditional_spec(common::bias_table_spec(), CLASSES)).unwrap()
}

#[test]
fn each_class_adds_its_row_to_the_first_layer() {
    let spec = conditional_spec(common::small_spec(), CLASSES);
    let bytes = format::write(&spec).unwrap();
    let model = Model::parse(&bytes).unwrap();
    let plain = model.network().unwrap();
    let mut scratch = vec![0.0; plain.scratch_len()];
    let x = [0.3f32, -0.8];
    let classes = (0..CLASSES).map(Some).chain([None]);
    let mut outputs = Vec::new();
    for class in classes {
        let net = match class {
            Some(c) => plain.with_class(c).unwrap(),
            None => plain,
        };
        let mut out = [0.0f32; 2];
        net.forward(&x, TimeInput::Time(250.0), &mut scratch, &mut out)
            .unwrap();
        let want = class_reference_activations(&spec, &x, 250.0, None, class)
            .pop()
            .unwrap();
        for (g, w) in out.iter().zip(&want) {
            assert!(
                (f64::from(*g) - w).abs() < 1e-5,
                "{class:?}: {out:?} vs {want:?}"
            );
        }
        outputs.push(out);
    }
    // The rows differ, so the outputs do: the class reaches the output.
    for (i, a) in outputs.iter().enumerate() {
        for b in &outputs[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert!(plain.with_class(CLASSES).is_none());
    let unconditional = common::small_model_bytes();
    let unconditional = Model::parse(&unconditional).unwrap();
    assert!(unconditional.network().unwrap().with_class(0).is_none());
}

#[test]
fn guided_output_is_the_cfg_combination_of_two_evaluations() {
    let bytes = float_model();
    let model = Model::parse(&bytes).unwrap();
    let plain = model.network().unwrap();
    let cond = plain.with_class(1).unwrap();
    let row = model.time_bias(0).unwrap().row(4).unwrap();
    let x = [-0.6f32, 1.1];
    let mut scratch = vec![0.0; plain.scratch_len() + 2];
    let (mut oc, mut ou) = ([0.0f32; 2], [0.0f32; 2]);
    cond.forward(&x, TimeInput::Bias(row), &mut scratch, &mut oc)
        .unwrap();
    plain
        .forward(&x, TimeInput::Bias(row), &mut scratch, &mut ou)
        .unwrap();
    for w in [0.0f32, 1.0, 3.5] {
        let guided = Guided::new(cond, plain, w);
        assert_eq!(guided.scratch_len(), plain.scratch_len() + 2);
        let mut out = [0.0f32; 2];
        guided
            .forward(&x, TimeInput::Bias(row), &mut scratch, &mut out)
            .unwrap();
        let want = [0, 1].map(|i| oc[i] + w * (oc[i] - ou[i]));
        assert_eq!(out.map(f32::to_bits), want.map(f32::to_bits), "w = {w}");
    }
    let guided = Guided::new(cond, plain, 1.0);
    let mut short = vec![0.0; plain.scratch_len() + 1];
    assert!(
        guided
            .forward(&x, TimeInput::Bias(row), &mut short, &mut [0.0; 2])
            .is_err()
    );
}

/// Guided samples of `class` from a float and from a fixed-point model, in
/// data units.
fn guided_samples(float: &Model<'_>, fixed: &Model<'_>, class: u32, w: f32) -> [Vec<f32>; 2] {
    let mut scratch = vec![0.0; float.scratch_len()];
    let guidance = Guidance { class, weight: w };
    let mut sampler = Sampler::embedded_guided(float, 0, guidance, &mut scratch).unwrap();
    let need = FixedScratch::of(&fixed.fixed_network().unwrap());
    let (mut acts, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers]);
    let q16 = Guidance {
        class,
        weight: (w * 65536.0) as i32,
    };
    let mut fixed_sampler =
        FixedSampler::embedded_guided(fixed, 0, q16, &mut acts, &mut regs).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for seed in 0..32 {
        let mut x = [0.0f32; 2];
        sampler
            .sample(&mut x, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
            .unwrap();
        a.extend(x);
        let mut q = [0i32; 2];
        fixed_sampler
            .sample(&mut q, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
            .unwrap();
        let mut y = q.map(state_to_f32);
        fixed.normalization().to_data(&mut y);
        b.extend(y);
    }
    [a, b]
}

#[test]
fn fixed_point_guidance_follows_f32() {
    let spec = conditional_spec(common::bias_table_spec(), CLASSES);
    let float_bytes = format::write(&spec).unwrap();
    let scales = common::trajectory_scales(&spec, 64, 2.0);
    let fixed_bytes = format::write(&quantize(&spec, &scales).unwrap()).unwrap();
    let (float, fixed) = (
        Model::parse(&float_bytes).unwrap(),
        Model::parse(&fixed_bytes).unwrap(),
    );
    assert_eq!(fixed.classes(), CLASSES);
    for class in 0..CLASSES {
        for w in [0.0, 1.0, 2.0] {
            let [a, b] = guided_samples(&float, &fixed, class, w);
            let worst = a
                .iter()
                .zip(&b)
                .map(|(p, q)| (p - q).abs())
                .fold(0f32, f32::max);
            let rms = (a.iter().map(|v| v * v).sum::<f32>() / a.len() as f32).sqrt();
            // The fixture's random weights spread samples over ±200; int8
            // weights and int16 activations keep every unguided one within
            // about 1% of that spread. Guidance adds (1 + w)·e_c + w·e_∅ of
            // the two evaluations' errors: at most (1 + 2w) times as much.
            let bound = 0.015 * (1.0 + 2.0 * w) * rms;
            assert!(worst < bound, "class {class}, w = {w}: {worst} (rms {rms})");
        }
        // Guidance moves the samples: w = 2 differs from w = 0.
        let [a0, _] = guided_samples(&float, &fixed, class, 0.0);
        let [a2, b2] = guided_samples(&float, &fixed, class, 2.0);
        let [_, b0] = guided_samples(&float, &fixed, class, 0.0);
        assert_ne!(a0, a2);
        assert_ne!(b0, b2);
    }
}

#[test]
fn what_cannot_be_guided_is_refused() {
    let bytes = float_model();
    let model = Model::parse(&bytes).unwrap();
    let mut scratch = vec![0.0; model.scratch_len()];
    let past = Guidance {
        class: CLASSES,
        weight: 1.0,
    };
    assert_eq!(
        Sampler::embedded_guided(&model, 0, past, &mut scratch).err(),
        Some(SamplerError::Class)
    );
    let plain = common::bias_table_model_bytes();
    let plain = Model::parse(&plain).unwrap();
    let first = Guidance {
        class: 0,
        weight: 1.0,
    };
    assert_eq!(
        Sampler::embedded_guided(&plain, 0, first, &mut scratch).err(),
        Some(SamplerError::Class)
    );
    // A guided sampler needs the second output's room: the model's
    // scratch_len, not less.
    let mut short = vec![0.0; model.scratch_len() - 1];
    assert!(matches!(
        Sampler::embedded_guided(&model, 0, first, &mut short).err(),
        Some(SamplerError::Scratch { .. })
    ));
    let fixed = common::fixed_model_bytes();
    let fixed = Model::parse(&fixed).unwrap();
    let need = FixedScratch::of(&fixed.fixed_network().unwrap());
    let (mut acts, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers + 2]);
    let q16 = Guidance {
        class: 0,
        weight: 1 << 16,
    };
    assert_eq!(
        FixedSampler::embedded_guided(&fixed, 0, q16, &mut acts, &mut regs).err(),
        Some(SamplerError::Class)
    );
    assert_eq!(
        FixedSampler::embedded_guided(&model, 0, q16, &mut acts, &mut regs).err(),
        Some(SamplerError::Backend)
    );
}
