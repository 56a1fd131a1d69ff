//! The reduced-precision backends against the f32 reference, and their
//! determinism.
//!
//! - f16: the network is the f32 network run on the f16-rounded weights,
//!   bit for bit (same operations, same order).
//! - fixed: the integer sampler follows the f32 sampler on the same plan and
//!   noise.
//! - Golden CRCs: CRC-32 of the samples each backend draws from the fixtures
//!   with a fixed seed (and guided samples of the class-conditional
//!   fixtures), in tests/golden/backends.txt. The values were
//!   produced by this code; a change of any sample bit fails the test.
//!   `scripts/test.sh` runs this file in the debug and the release profile,
//!   so the bits are also checked across optimisation levels. After an
//!   intended change of values, regenerate the file with
//!   `TINYSCORE_BLESS=1 cargo test --features std --test backends` and say so
//!   in the changelog.
#![cfg(feature = "std")]
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]

mod common;

use common::{crc_of, fixed_samples, float_samples, guided_fixed_samples, guided_float_samples};
use std::collections::BTreeMap;
use std::path::PathBuf;
use tinyscore::fixed::FixedSampler;
use tinyscore::fixed::quantize::quantize;
use tinyscore::format::{self, Backend, Model, WeightsData};
use tinyscore::net::{Denoiser, Guidance, TimeInput};
use tinyscore::sampler::{Sampler, SamplerError};

#[test]
fn f16_network_is_the_f32_network_on_rounded_weights() {
    let f16 = format::write(&common::f16_spec()).unwrap();
    let mut rounded = common::small_spec();
    let WeightsData::F32(w) = &mut rounded.weights else {
        unreachable!()
    };
    // Round the matrices (not the biases) through binary16, as the writer does.
    let mut offset = 0;
    for layer in &rounded.layers {
        if let format::Layer::Dense { input, output } = *layer {
            let n = (input * output) as usize;
            for v in &mut w[offset..offset + n] {
                *v = half::f16::from_f32(*v).to_f32();
            }
            offset += n + output as usize;
        }
    }
    let rounded = format::write(&rounded).unwrap();
    let (a, b) = (Model::parse(&f16).unwrap(), Model::parse(&rounded).unwrap());
    assert_eq!(a.backend(), Backend::F16);
    let (na, nb) = (a.network().unwrap(), b.network().unwrap());
    let mut scratch = vec![0.0; na.scratch_len()];
    for k in 0..200 {
        let x = [k as f32 * 0.05 - 5.0, 3.0 - k as f32 * 0.03];
        let t = TimeInput::Time(k as f32 * 4.9);
        let (mut oa, mut ob) = ([0.0f32; 2], [0.0f32; 2]);
        na.forward(&x, t, &mut scratch, &mut oa).unwrap();
        nb.forward(&x, t, &mut scratch, &mut ob).unwrap();
        assert_eq!(oa.map(f32::to_bits), ob.map(f32::to_bits), "input {k}");
    }
    // f16 halves the matrices: 2 bytes per weight plus padding, biases f32.
    assert!(a.weight_bytes() < b.weight_bytes() * 55 / 100);
}

#[test]
fn fixed_sampler_follows_the_f32_sampler() {
    let (_, fixed) = fixed_samples(&common::fixed_model_bytes());
    let float = float_samples(&common::bias_table_model_bytes());
    let spread = float.iter().map(|v| v.abs()).fold(0f32, f32::max);
    let worst = fixed
        .iter()
        .zip(&float)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    // Same plan (DDIM, 10 steps), same noise: the samples differ only by the
    // network's quantisation error carried through ten steps (the scales are
    // calibrated on the f32 model's own trajectories). Measured: 0.15% of
    // the samples' range; the bound leaves a factor of about three.
    assert!(worst < 0.005 * spread, "worst {worst}, range {spread}");
}

#[test]
fn backends_refuse_the_other_sampler() {
    let fixed = common::fixed_model_bytes();
    let model = Model::parse(&fixed).unwrap();
    let mut scratch = vec![0.0; model.scratch_len()];
    assert!(matches!(
        Sampler::embedded(&model, 0, &mut scratch),
        Err(SamplerError::Backend)
    ));
    let float = common::bias_table_model_bytes();
    let model = Model::parse(&float).unwrap();
    let (mut a, mut r) = (vec![0i16; 64], vec![0i32; 8]);
    assert!(matches!(
        FixedSampler::embedded(&model, 0, &mut a, &mut r),
        Err(SamplerError::Backend)
    ));
}

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/backends.txt")
}

#[test]
fn sample_crcs_match_golden_values() {
    let f32 = float_samples(&common::small_model_bytes());
    let f16 = float_samples(&format::write(&common::f16_spec()).unwrap());
    let (fixed, _) = fixed_samples(&common::fixed_model_bytes());
    // Repeated runs give the same bytes.
    assert_eq!(
        f16,
        float_samples(&format::write(&common::f16_spec()).unwrap())
    );
    assert_eq!(fixed, fixed_samples(&common::fixed_model_bytes()).0);
    // Guided: class 1 of the conditional fixtures at w = 1.5.
    let conditional = common::conditional_spec(common::bias_table_spec(), 3);
    let guided_f32 = guided_float_samples(
        &format::write(&conditional).unwrap(),
        Some(Guidance {
            class: 1,
            weight: 1.5,
        }),
    );
    let scales = common::trajectory_scales(&conditional, 64, 1.25);
    let fixed_conditional = quantize(&conditional, &scales).unwrap();
    let (guided_fixed, _) = guided_fixed_samples(
        &format::write(&fixed_conditional).unwrap(),
        Some(Guidance {
            class: 1,
            weight: 3 << 15,
        }),
    );
    let got: BTreeMap<&str, u32> = [
        ("f32", crc_of(f32.iter().map(|v| v.to_le_bytes()))),
        ("f16", crc_of(f16.iter().map(|v| v.to_le_bytes()))),
        ("fixed", crc_of(fixed.iter().map(|v| v.to_le_bytes()))),
        (
            "f32-guided",
            crc_of(guided_f32.iter().map(|v| v.to_le_bytes())),
        ),
        (
            "fixed-guided",
            crc_of(guided_fixed.iter().map(|v| v.to_le_bytes())),
        ),
    ]
    .into();
    let mut text = String::from(
        "# CRC-32 of the samples tests/backends.rs draws from the fixture models\n\
         # (64 samples, seeds 2026..2090), produced by that code. Regenerate with\n\
         # TINYSCORE_BLESS=1 cargo test --features std --test backends\n",
    );
    for (k, v) in &got {
        text += &format!("{k} {v:#010x}\n");
    }
    if std::env::var_os("TINYSCORE_BLESS").is_some() {
        std::fs::write(golden_path(), &text).unwrap();
    }
    let want = std::fs::read_to_string(golden_path()).unwrap();
    assert_eq!(text, want, "sample CRCs changed (see the top of this file)");
}
