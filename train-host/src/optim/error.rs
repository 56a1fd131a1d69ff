//! The one error type of the optimiser module.
//!
//! Why: hyperparameters come from the command line or a resumed checkpoint's
//! configuration, and optimiser state comes from a checkpoint file, so both
//! can be wrong at run time. Those mistakes are reported as values that say
//! which setting or which vector is at fault. Mismatched lengths *during* a
//! training step, by contrast, are programming errors and panic (see the
//! `# Panics` sections).

use thiserror::Error;

/// Invalid optimiser hyperparameters or state.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OptimError {
    /// A hyperparameter is outside its valid range.
    #[error("invalid {name} = {value}: must be {requirement}")]
    InvalidHyperparameter {
        /// The hyperparameter's name, as spelled in the configuration.
        name: &'static str,
        /// The rejected value.
        value: f32,
        /// The valid range, in words (e.g. "in [0, 1)").
        requirement: &'static str,
    },
    /// A per-parameter vector (state, mask, EMA weights) has the wrong length.
    #[error("{what} has {found} entries but the model has {expected} parameters")]
    LengthMismatch {
        /// Which vector is wrong (e.g. "AdamW first moment `m`").
        what: &'static str,
        /// The number of parameters.
        expected: usize,
        /// The vector's length.
        found: usize,
    },
    /// A per-parameter vector holds a NaN or infinite value.
    #[error("{what} holds the non-finite value {value} at index {index}")]
    NonFinite {
        /// Which vector is wrong.
        what: &'static str,
        /// Index of the first non-finite entry.
        index: usize,
        /// The offending value.
        value: f32,
    },
}

/// Checks `value` against `ok`, naming it in the error.
pub(crate) fn check(
    name: &'static str,
    value: f32,
    ok: bool,
    requirement: &'static str,
) -> Result<(), OptimError> {
    if ok {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name,
            value,
            requirement,
        })
    }
}

/// Checks that `values` has `expected` entries, all finite.
pub(crate) fn check_vector(
    what: &'static str,
    values: &[f32],
    expected: usize,
) -> Result<(), OptimError> {
    if values.len() != expected {
        return Err(OptimError::LengthMismatch {
            what,
            expected,
            found: values.len(),
        });
    }
    match values.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(OptimError::NonFinite {
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}
