//! tinyscore: a `no_std`, allocation-free runtime for tiny score-based diffusion
//! models.
//!
//! A trained ε-network (or x̂₀- / v-network) is exported on the host to a `.tsm`
//! file. On the device, [`format::Model::parse`] checks the whole file once and
//! hands out zero-copy views of it; a [`plan`] (a table of per-step coefficients
//! compiled from a noise [`schedule`] and a sampler) drives the reverse process,
//! and the float `sampler::Sampler` runs it with the network in [`net`] (f32
//! or f16 weights) over a scratch buffer the caller provides; fixed-point
//! models run with [`fixed::FixedSampler`], in integers only. Gaussian noise
//! comes from [`noise`], which is integer-exact so that every target draws
//! the same values.
//!
//! # Features
//!
//! - `float` (default): the f32 and f16 backends, their sampler, plan
//!   compilation on the device and the schedules' numerics (f64 through
//!   `libm`). Without it the runtime reads fixed-point files only
//!   ([`format::FormatError::FloatNotBuilt`] for the others) and runs them
//!   with integer arithmetic: no `libm`, no f64 arithmetic, a much
//!   smaller flash footprint (docs/BENCHMARKS.md). A discrete schedule's
//!   `ᾱ` is then not evaluated at parse, since nothing in such a build
//!   evaluates a schedule.
//! - `std`: the model-file writer and `std::error::Error` impls (implies
//!   `float`).
//! - `defmt`: `defmt::Format` on every public error and configuration type.
//!
//! # Contracts
//!
//! - **No allocation, no panic after load.** Every defect of a model file is a
//!   [`format::FormatError`] from `Model::parse`. After a successful parse no
//!   runtime path indexes out of bounds, overflows or loops without bound; the
//!   crate denies `clippy::indexing_slicing`, `unwrap_used`, `expect_used` and
//!   `panic` to keep it so. Scratch memory is a caller-provided buffer of
//!   `format::Model::scratch_len` elements (float) or
//!   [`fixed::FixedScratch`] (fixed point).
//! - **Zero-copy.** Weights and plans are read in place from the file bytes.
//! - **Determinism.** The same file, plan, seed and backend give bit-identical
//!   samples on every target: math goes through `libm` in a fixed operation
//!   order, and noise is generated with integer arithmetic only.
//! - **Finite outputs.** An accepted model never yields a NaN or an
//!   infinity silently: every state, estimate and score a sampler hands
//!   out is finite, or the call returns the typed refusal
//!   ([`sampler::SamplerError::is_non_finite`]); an anomaly detector whose
//!   score is not finite returns that error instead of a verdict. Fixed
//!   point keeps it by bounds proven at parse, the float backends by a
//!   check where values are produced; guidance weights must be finite and
//!   below [`net::MAX_GUIDANCE`] in magnitude in every backend. The
//!   [`finite`] module says why each way.
//! - **One source of truth.** Schedules, plan compilation and the file format
//!   live here; the host trainer uses them.
#![no_std]

#[cfg(feature = "std")]
extern crate std;

mod aligned;
mod error;
pub mod finite;
pub mod fixed;
pub mod format;
pub mod net;
pub mod noise;
pub mod plan;
pub mod sampler;
pub mod schedule;
pub mod stepper;

pub use aligned::Aligned;
pub use error::Error;

// The users' documents are compiled as doc-tests: every Rust block in them
// builds (and runs) with `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
#[cfg(doctest)]
#[doc = include_str!("../docs/GUIDE.md")]
mod guide {}
