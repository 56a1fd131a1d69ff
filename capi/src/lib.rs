//! tinyscore for C: the runtime as a static library (`libtinyscore_c.a`)
//! with a header generated from this crate (`include/tinyscore.h`, by
//! cbindgen; the tests check that the committed one is current).
//!
//! The library adds no behaviour of its own: every function checks its
//! arguments, makes the runtime's sampler for the call over the caller's
//! memory and runs the runtime's code, so a C program gets the same bits
//! as Rust code and the host tool (docs/C.md shows how to use it).
//!
//! - **No allocation.** The caller owns all memory: the parsed model
//!   ([`model::tinyscore_model`], a fixed-size handle), the random stream
//!   ([`rng::tinyscore_rng`]), one scratch buffer whose size the model
//!   states (`tinyscore_info.scratch_bytes`), and the state vectors.
//! - **No panic.** Every failure is a [`status::tinyscore_status`]; a
//!   parse failure also gets the runtime's message
//!   ([`error::tinyscore_error`]). tests/firmware.rs disassembles the
//!   library in a Cortex-M4F firmware to show that none of its functions
//!   can branch to a panic.
//! - **Model units in the tasks, data units by conversion.** The tasks
//!   (`tinyscore_f32_*` for f32 and f16 models, `tinyscore_q16_*` for
//!   fixed point) work on normalised states as the runtime's samplers do;
//!   [`units`] maps them to and from data units.
//! - **One seeding convention.** `tinyscore_rng_init(rng, seed, i)` is the
//!   stream of item `i` of seed `seed`, as on the host and in the firmware.
//!
//! Feature `float` (default) builds the f32 and f16 backends; without it
//! the library is fixed-point only and much smaller. On bare-metal targets
//! the library brings the `#[panic_handler]` a `no_std` static library
//! needs ([`mod@panic`]).
#![no_std]

// Hosted targets (the host's C tests) link the standard library and its
// panic handler; bare-metal ones have neither.
#[cfg(not(target_os = "none"))]
extern crate std;

pub mod error;
pub mod float;
pub mod model;
pub mod panic;
pub mod q16;
pub mod rng;
mod scratch;
pub mod status;
mod tasks;
pub mod units;
