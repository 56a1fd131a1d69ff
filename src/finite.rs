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
//!   parse-time bound does not do here: the worst case of a float
//!   trajectory grows with every row (each multiplies by the network's
//!   gain), and for the default plan of `tinyscore export` (DDPM, 1000
//!   rows) it passes f32's largest value after 32 to 197 rows on the
//!   trained models measured, so a parser proving it would refuse them;
//!   nor does it cover the data callers put into a sampler (imputation,
//!   SDEdit, scores). The check costs about 1% of the instructions of a
//!   step on a Cortex-M4F (docs/BENCHMARKS.md, "The finite-output check").
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
