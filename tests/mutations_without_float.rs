//! No panic after load, in the build that goes on the chip: the runtime
//! without its `float` feature parses thousands of mutants of the
//! fixed-point fixtures (firmware/models/fixed.tsm, class-conditional with
//! an anomaly detector, and fixed-8d.tsm), each re-sealed with a valid
//! CRC so that the parser's later checks see it; every mutant it accepts
//! is then sampled, guided, started from data and scored for x̂₀ through
//! every plan. Nothing may panic. That build reads less of a file than the
//! float build (docs/FORMAT.md, "Runtimes without float"), so it accepts
//! some mutants the float build refuses: what it does not read must not
//! be what it computes with.
//!
//! ```text
//! cargo test -p tinyscore --no-default-features --test mutations_without_float
//! ```
#![cfg(not(feature = "float"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use tinyscore::fixed::{FixedSampler, FixedScratch};
use tinyscore::format::{Crc32, Model};
use tinyscore::net::Guidance;

/// Mutants per fixture.
const MUTANTS: usize = 3000;
/// Offset of the file CRC in the header (docs/FORMAT.md).
const CRC_OFFSET: usize = 24;

/// Rewrites the header's CRC-32 for the bytes as they are.
fn seal(bytes: &mut [u8]) {
    let mut crc = Crc32::new();
    crc.update(&bytes[..CRC_OFFSET]);
    crc.update(&bytes[CRC_OFFSET + 4..]);
    bytes[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.finish().to_le_bytes());
}

/// One to three bytes of `base` set to random values.
fn mutant(base: &[u8], rng: &mut Xoshiro256PlusPlus) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for _ in 0..=rng.next_u32() % 3 {
        let at = rng.next_u32() as usize % bytes.len();
        bytes[at] = rng.next_u32() as u8;
    }
    seal(&mut bytes);
    bytes
}

/// Runs every task of the fixed-point sampler the model supports.
fn exercise(model: &Model<'_>, rng: &mut Xoshiro256PlusPlus) {
    let Some(network) = model.fixed_network() else {
        return;
    };
    let need = FixedScratch::of(&network);
    let mut activations = vec![0i16; need.activations];
    let mut registers = vec![0i32; need.registers];
    let dim = network.x_dim();
    let (mut x, mut out) = (vec![0i32; dim], vec![0i32; dim]);
    let plans = (0..)
        .take_while(|&i| model.plan_outline(i).is_some())
        .count();
    for index in 0..plans {
        let Ok(mut s) = FixedSampler::embedded(model, index, &mut activations, &mut registers)
        else {
            continue;
        };
        let _ = s.sample(&mut x, rng);
        let _ = s.init_at(&mut x, 1, rng);
        let _ = s.estimate_x0(&x, 0, &mut out);
    }
    if model.classes() > 0 {
        let guidance = Guidance {
            class: model.classes() - 1,
            weight: 3 << 15,
        };
        let mut registers = vec![0i32; need.registers + dim];
        if let Ok(mut s) =
            FixedSampler::embedded_guided(model, 0, guidance, &mut activations, &mut registers)
        {
            let _ = s.sample(&mut x, rng);
        }
    }
    if let Some(detector) = model.anomaly() {
        assert!(detector.rows().count() > 0);
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/firmware/models/{name}.tsm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn mutants_of_the_fixed_point_fixtures_never_panic() {
    for (name, seed) in [("fixed", 1), ("fixed-8d", 2)] {
        let base = fixture(name);
        let model = Model::parse(&base).expect("the fixture is valid");
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        exercise(&model, &mut rng);
        let mut accepted = 0;
        for _ in 0..MUTANTS {
            let bytes = mutant(&base, &mut rng);
            if let Ok(model) = Model::parse(&bytes) {
                accepted += 1;
                exercise(&model, &mut rng);
            }
        }
        // Most bytes are weights, which take most values: many mutants are
        // models; many others break a rule.
        assert!(
            accepted > MUTANTS / 10 && accepted < MUTANTS * 9 / 10,
            "{name}: {accepted} of {MUTANTS} mutants accepted"
        );
    }
}
