//! [`tinyscore_rng`]: the random stream of one item, in storage the caller
//! owns. Every task takes one and advances it, so a C program can chain
//! tasks on one stream exactly as Rust code passes one generator along.
//!
//! `tinyscore_rng_init(rng, seed, i)` starts the stream of item `i` of
//! seed `seed`, the runtime's one seeding convention
//! (`tinyscore::noise::stream`): sample `i` of `tinyscore sample --seed
//! seed` on the host, and item `i` of the firmware, come from the same
//! stream.

use core::mem::{align_of, size_of};
use tinyscore::noise::{Generator, stream};

/// A random generator (xoshiro256++). Its field is private to the library.
#[allow(non_camel_case_types)] // C naming
#[repr(C)]
pub struct tinyscore_rng {
    /// Private: the generator's state.
    state: [u64; 4],
}

// The runtime's generator fits the handle on every target.
const _: () = assert!(
    size_of::<Generator>() <= size_of::<tinyscore_rng>()
        && align_of::<Generator>() <= align_of::<tinyscore_rng>()
);

impl tinyscore_rng {
    /// The generator in the handle.
    pub(crate) fn generator(&mut self) -> &mut Generator {
        // SAFETY: the storage is large and aligned enough (the assertion
        // above), and every bit pattern of its words is a generator state.
        unsafe { &mut *self.state.as_mut_ptr().cast::<Generator>() }
    }
}

/// Starts `rng` on the stream of item `index` of seed `seed`. Does nothing
/// when `rng` is NULL.
///
/// # Safety
///
/// `rng` must be NULL or point to a writable `tinyscore_rng`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tinyscore_rng_init(rng: *mut tinyscore_rng, seed: u64, index: u64) {
    // SAFETY: the caller passes a writable generator or NULL.
    if let Some(rng) = unsafe { rng.as_mut() } {
        *rng.generator() = stream(seed, index);
    }
}
