//! The finite-output contract: an accepted model never yields a NaN or an
//! infinity silently.
//!
//! `Model::parse` accepts only finite numbers, but finite numbers can still
//! overflow: a weight of 4·10²⁹, an `init_std` of 3.4·10³⁸ or a guidance
//! weight of 3·10³⁸ turns f32 samples into ±∞ or NaN. Two ways keep the
//! outputs finite, one per kind of arithmetic:
//!
//! - **Fixed point: bounds proven at parse.** The loader proves that no
//!   accumulator overflows; states, coefficients and guidance saturate; and
//!   the normalisation is bounded so that every Q16.16 state maps to a
//!   finite data value (docs/FORMAT.md, section 5). Nothing is checked while
//!   sampling.
//! - **f32 and f16: a check where values are produced.** The network checks
//!   the output of every dense layer and its final output
//!   ([`crate::net::NetError::NonFinite`]), guidance checks its combination,
//!   and the float sampler checks every state it hands back
//!   ([`crate::sampler::SamplerError::NonFinite`]), as do anomaly scores. A
//!   parse-time bound is no option here: the worst case of a float
//!   trajectory grows with every row (each one multiplies by the network's
//!   gain), so a bound that holds for every state of a real model's plan is
//!   far beyond f32 (docs/BENCHMARKS.md, "The finite-output check"), and
//!   bounding it would refuse every real model. The check is one compare
//!   per value produced, against the multiply-adds that produced it.
//!
//! A detector whose score is not finite returns the error rather than a
//! verdict, so it never answers "normal" when it could not compute.

use crate::sampler::SamplerError;

/// Whether every value is finite (neither NaN nor ±∞).
pub fn all_finite(values: &[f32]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// `Ok` if every value is finite, else [`SamplerError::NonFinite`]: for a
/// host that maps sampler states to data units itself.
pub fn check(values: &[f32]) -> Result<(), SamplerError> {
    if all_finite(values) {
        Ok(())
    } else {
        Err(SamplerError::NonFinite)
    }
}
