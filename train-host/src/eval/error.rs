//! [`EvalError`]: why a metric is undefined for the sets it was given.
//!
//! Why an error rather than a NaN from every metric: a wrong dimension or a
//! ragged buffer is a caller bug that should be named, and a set that is too
//! small for an estimator (the unbiased MMD needs two points) should say so
//! instead of dividing by zero. [`evaluate`](super::evaluate) turns these
//! errors into NaN fields (JSON `null`) so a report is always produced;
//! [`try_evaluate`](super::try_evaluate) passes them on.

/// A metric cannot be computed for the given sets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The dimension is 0.
    #[error("the dimension must be at least 1")]
    ZeroDim,
    /// A buffer's length is not a multiple of the dimension.
    #[error("{set}: {len} values do not make whole rows of dimension {dim}")]
    Ragged {
        /// `"first set"` or `"second set"`.
        set: &'static str,
        /// The buffer's length.
        len: usize,
        /// The dimension.
        dim: usize,
    },
    /// A set has fewer points than the estimator needs.
    #[error("{set}: the estimator needs at least {need} points, got {got}")]
    TooFew {
        /// `"first set"` or `"second set"`.
        set: &'static str,
        /// Points needed.
        need: usize,
        /// Points given.
        got: usize,
    },
    /// A value is NaN or infinite.
    #[error("{set}: value {index} is not finite")]
    NonFinite {
        /// `"first set"` or `"second set"`.
        set: &'static str,
        /// Index of the first non-finite value in the flat buffer.
        index: usize,
    },
    /// A parameter of the metric is out of range (named in the message).
    #[error("invalid parameter: {0}")]
    Parameter(&'static str),
}
