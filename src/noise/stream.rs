//! The one seeding convention: item `i` of seed `s` (sample `i` of a run,
//! training step `i`, row `i` of an input file) draws from the generator
//! [`stream`]`(s, i)`, on the host, in the command-line tool, in the
//! firmware and through the C API, so any of them reproduces what another
//! printed for the same `(s, i)`.
//!
//! The generator is xoshiro256++ (`rand_xoshiro`), seeded through
//! `SeedableRng::seed_from_u64` with `(s, i)` mixed by SplitMix64's
//! finaliser: nearby seeds and indices give unrelated streams. Changing
//! this function changes every sample: it is fixed for a major version.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

/// The generator of every stream.
pub type Generator = Xoshiro256PlusPlus;

/// The generator of item `index` of seed `seed`.
pub fn stream(seed: u64, index: u64) -> Generator {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Generator::seed_from_u64(z ^ (z >> 31))
}
