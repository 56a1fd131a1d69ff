//! The smallest useful tinyscore firmware, and a baseline to measure it by.
//!
//! - `sample` (src/bin/sample.rs) builds the runtime without its `float`
//!   feature: it checks the embedded fixed-point fixture with
//!   `Model::parse`, draws [`SAMPLES`] samples with the fixed-point sampler
//!   (item `i` from stream `i` of `SEED`, as firmware/app) and prints each as
//!   firmware/app prints a plain sample, `sample <i> [<word>, …]` with the
//!   Q16.16 states, so tests/firmware.rs compares them with the host.
//! - `baseline` (src/bin/baseline.rs) is the same program without the
//!   runtime: the same start-up, model bytes in flash, scratch on the
//!   stack, printing of [`SAMPLES`] states ([`print_sample`], of zeros) and
//!   exit.
//! - `check` (src/bin/check.rs) is `baseline` plus `Model::parse`.
//!
//! `sample`'s size minus `baseline`'s is what the runtime adds to a
//! firmware, `check`'s minus `baseline`'s what its loader adds
//! (bench/firmware.sh writes them to firmware/sizes/).
#![no_std]

use defmt_semihosting as _;
// Linked for its single-core `critical-section` implementation and its
// start-up code.
use cortex_m as _;
use cortex_m_rt as _;

pub use semihosting::process::exit;

/// Samples drawn by `sample`.
pub const SAMPLES: u32 = 4;
/// Seed of sample 0 (firmware/app's `SEED`).
pub const SEED: u64 = 2026;
/// Largest data dimension the state buffers hold.
pub const MAX_DIM: usize = 64;

/// The fixed-point fixture (firmware/models/fixed.tsm), 16-byte aligned.
pub static MODEL: &[u8] = tinyscore::include_model!("../../models/fixed.tsm");

/// Scratch for the fixture: the network's activations and the sampler's
/// registers (`FixedScratch::of` says how much of each it uses).
pub struct Scratch {
    /// `i16` activations.
    pub activations: [i16; 256],
    /// `i32` registers.
    pub registers: [i32; 64],
}

impl Scratch {
    /// Zeroed scratch.
    pub const fn new() -> Self {
        Scratch {
            activations: [0; 256],
            registers: [0; 64],
        }
    }
}

/// Prints sample `i`, a state in Q16.16, as firmware/app prints a plain
/// sample: `sample <i> [<word>, …]`.
pub fn print_sample(i: u32, x: &[i32]) {
    let mut words = [0u32; MAX_DIM];
    for (w, v) in words.iter_mut().zip(x) {
        *w = *v as u32;
    }
    let words = words.get(..x.len()).unwrap_or_default();
    defmt::println!("sample {=u32} {:08x}", i, words);
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}
