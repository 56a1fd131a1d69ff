//! Samplers: `Sampler` runs a plan with a network over caller-provided scratch
//! memory.
//!
//! The state `x` belongs to the caller and stays in model units (normalised)
//! while stepping; `Sampler::sample` maps the result to data units at the
//! end when the sampler was made from a `Model`. Each `Sampler::step` is
//! one network evaluation, so firmware can interleave other work between
//! steps. Noise is drawn element by element, in order, only on rows whose
//! noise weight is non-zero: the sequence of generator calls, and with it
//! every sample, is fixed by (file, plan, seed).
//!
//! [`SamplerError`] is shared with the fixed-point sampler
//! ([`crate::fixed::FixedSampler`]), which is built without the `float`
//! feature too.

mod error;
#[cfg(feature = "float")]
mod float;
#[cfg(feature = "float")]
mod threshold;

pub use error::SamplerError;
#[cfg(feature = "float")]
pub use float::{Sampler, register_len};
