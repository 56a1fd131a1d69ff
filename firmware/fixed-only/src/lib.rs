//! The smallest useful tinyscore firmware, and a baseline to measure it by.
//!
//! - `sample` (src/bin/sample.rs) builds the runtime without its `float`
//!   feature: it checks the embedded fixed-point fixture with
//!   `Model::parse`, draws [`SAMPLES`] samples with the fixed-point sampler
//!   (item `i` seeded `SEED + i`, as firmware/app) and prints each as
//!   firmware/app prints a plain sample, `sample <i> [<word>, …]` with the
//!   Q16.16 states, so tests/firmware.rs compares them with the host.
//! - `baseline` (src/bin/baseline.rs) is the same program without the
//!   runtime: the same start-up, model bytes in flash, scratch on the
//!   stack, `defmt` output and exit.
//!
//! The difference between the two binaries' sizes is what the runtime adds
//! to a firmware (bench/firmware.sh writes it to firmware/sizes/).
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

/// Bytes kept 16-byte aligned, as the `.tsm` views need.
#[repr(C, align(16))]
pub struct Aligned<B: ?Sized>(pub B);

/// The fixed-point fixture (firmware/models/fixed.tsm).
pub static MODEL: &Aligned<[u8]> = &Aligned(*include_bytes!("../../models/fixed.tsm"));

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

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}
