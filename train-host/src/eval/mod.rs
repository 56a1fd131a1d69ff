//! Sample-quality metrics: how close a model's samples are to reference
//! data.
//!
//! Why several metrics: no single number catches every way a sampler goes
//! wrong. The set here is small, standard and complementary:
//!
//! * [`sliced_wasserstein()`] — transport distance along random directions,
//!   in data units, no tuning (catches shifts, spread and shape errors);
//! * [`mmd2()`] — kernel two-sample statistic with the median-heuristic
//!   bandwidth, unbiased (catches local structure: lost or spurious modes);
//! * [`energy_distance()`] — distance-based two-sample statistic, no
//!   bandwidth, exactly 0 for identical sets;
//! * [`mean_error()`] and [`covariance_error()`] — the first two moments,
//!   exact and interpretable;
//! * [`share_outside()`] — the fraction of sample values outside the
//!   reference's range widened by 5 % (outliers a distance averages away);
//! * [`closest_record()`] — with the training rows: how much closer the
//!   samples are to them than held-out data is (copies look perfect to
//!   every distance above).
//!
//! Each metric's submodule states its precise definition and estimator.
//! [`evaluate()`] computes all of them into a serialisable [`Report`]; the
//! functions are re-exported here.
//!
//! Conventions: sets are plain row-major `&[f32]` buffers of `n × dim`
//! values (so any container works, `data::Dataset::rows` included); all
//! arithmetic is in `f64`; every random choice (projection directions,
//! subsamples for the `O(n²)` estimators) comes from a seed through
//! [`crate::random::stream`], so a report is reproducible bit for bit; the
//! functions are pure and return [`EvalError`] for inputs they cannot
//! handle (wrong shapes, non-finite values, too few points).

pub mod closest_record;
pub mod energy;
mod error;
pub mod mmd;
pub mod moments;
pub mod out_of_range;
mod pairwise;
mod points;
pub mod report;
pub mod sliced_wasserstein;
mod subsample;
#[cfg(test)]
mod test_support;

pub use closest_record::{ClosestRecord, NEAR_PERCENTILE, closest_record, nearest_distances};
pub use energy::energy_distance;
pub use error::EvalError;
pub use mmd::{MAX_PAIRWISE_POINTS, MEDIAN_POINTS, Mmd, median_bandwidth, mmd2, mmd2_rbf};
pub use moments::{covariance_error, mean_error};
pub use out_of_range::{
    REPORT_MARGIN, range_of, share_outside, training_range, training_range_line,
};
pub use report::{Report, evaluate, try_evaluate};
pub use sliced_wasserstein::{DEFAULT_PROJECTIONS, sliced_wasserstein};
