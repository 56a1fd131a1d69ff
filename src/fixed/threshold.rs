//! The fixed-point backend's x̂₀ limit, in integers: the dynamic
//! threshold's shrink (when the model has one, [`crate::plan::threshold`])
//! and then each element's clip, as the float backends do it.
//!
//! With an element's Q16.16 interval `[low, high]`, twice its centre is
//! `low + high` and its width `high − low`, both exact in `i64`, so
//! `|u| ≤ m·2⁻¹⁶` is the exact integer test
//! `|2·x̂₀ − low − high|·2¹⁶ ≤ m·(high − low)` and no division enters the
//! percentile. The keys it orders are therefore `⌈|u|·2¹⁶⌉`, saturated to
//! `u32`; `s` is Q16.16 and the shrink `x̂₀ ← mid + (x̂₀ − mid)/s` is one
//! rounded `i64` division per element.
#![deny(clippy::float_arithmetic)]

use super::saturate_i32;
use crate::plan::threshold::{PERCENTILE_FRAC_BITS, order_statistics};
use crate::plan::{DynamicThreshold, THRESHOLD_ONE_Q};

/// Twice the centre of `[low, high]`, its width, and `x0`'s offset from
/// the centre, doubled.
fn span(x0: i32, low: i32, high: i32) -> (i64, i64, i64) {
    let mid2 = i64::from(low) + i64::from(high);
    (
        mid2,
        i64::from(high) - i64::from(low),
        2 * i64::from(x0) - mid2,
    )
}

/// Whether `|u| ≤ m·2⁻¹⁶` for one element; always for an element without
/// an interval or with a point.
fn at_most(x0: i32, bounds: Option<(i32, i32)>, m: u32) -> bool {
    match bounds {
        Some((low, high)) if high > low => {
            let (_, width, offset) = span(x0, low, high);
            // Below 2⁴⁹ and 2⁶⁴ − 2³³: neither side overflows.
            offset.unsigned_abs() << 16 <= u64::from(m) * width.unsigned_abs()
        }
        _ => true,
    }
}

/// The threshold `s` (Q16.16) of the estimate `x0` whose elements' clip
/// intervals `bounds()` yields: the percentile of `|u|`, linearly
/// interpolated and rounded half up, bounded to `[1, max_q]`.
pub fn threshold<I>(t: &DynamicThreshold, x0: &[i32], bounds: impl Fn() -> I) -> i32
where
    I: Iterator<Item = Option<(i32, i32)>>,
{
    let at_most = |v: &i32, b, m| at_most(*v, b, m);
    let one = THRESHOLD_ONE_Q.unsigned_abs();
    let Some((lower, upper, frac)) = order_statistics(t, x0, bounds, at_most, one) else {
        return THRESHOLD_ONE_Q;
    };
    let (lower, upper) = (i64::from(lower), i64::from(upper));
    let step = ((upper - lower) * i64::from(frac) + (1 << (PERCENTILE_FRAC_BITS - 1)))
        >> PERCENTILE_FRAC_BITS;
    saturate_i32(lower + step).clamp(THRESHOLD_ONE_Q, t.max_q().max(THRESHOLD_ONE_Q))
}

/// `n / d` rounded half away from zero, for `d > 0`.
fn rounded_quotient(n: i64, d: i64) -> i64 {
    let q = (n.unsigned_abs() + d.unsigned_abs() / 2) / d.unsigned_abs().max(1);
    let q = i64::try_from(q).unwrap_or(i64::MAX);
    if n < 0 { -q } else { q }
}

/// Limits the estimate `x0` (Q16.16) in place: with a threshold `s > 1`
/// each element first moves to `mid + (x̂₀ − mid)/s` (as
/// `(2·mid + round(2·(x̂₀ − mid)·2¹⁶/s)) >> 1`), then every element is
/// clipped to its interval.
pub fn limit<I>(x0: &mut [i32], bounds: impl Fn() -> I, dynamic: Option<&DynamicThreshold>)
where
    I: Iterator<Item = Option<(i32, i32)>>,
{
    let s = dynamic.map_or(THRESHOLD_ONE_Q, |t| threshold(t, x0, &bounds));
    for (v, b) in x0.iter_mut().zip(bounds()) {
        let Some((low, high)) = b else { continue };
        if s > THRESHOLD_ONE_Q && high > low {
            let (mid2, _, offset) = span(*v, low, high);
            *v = saturate_i32((mid2 + rounded_quotient(offset << 16, i64::from(s))) >> 1);
        }
        // Not `clamp`, which panics on an empty range: the bounds are
        // ordered (the parser checks them), but nothing here tells the
        // compiler so.
        *v = (*v).max(low).min(high);
    }
}
