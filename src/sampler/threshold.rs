//! The float backends' x̂₀ limit: the dynamic threshold's shrink (when the
//! model has one, [`crate::plan::threshold`]) and then each element's clip.

use crate::plan::threshold::order_statistics;
use crate::plan::{DynamicThreshold, clip_x0};

/// An element's clip interval as its centre and half-width, computed the
/// same way for the percentile and for the shrink.
fn centre(low: f32, high: f32) -> (f32, f32) {
    let half = 0.5 * (high - low);
    (low + half, half)
}

/// `|u| = |x̂₀ − mid|/half` of one element as an ordering key (the bits of
/// a non-negative f32 order as the values do); 0 without an interval or
/// for a point.
fn key(x0: f32, bounds: Option<(f32, f32)>) -> u32 {
    match bounds {
        Some((low, high)) if high > low => {
            let (mid, half) = centre(low, high);
            ((x0 - mid).abs() / half).to_bits()
        }
        _ => 0,
    }
}

/// The threshold `s` of the estimate `x0` whose elements' clip intervals
/// `bounds()` yields: the percentile of `|u|`, linearly interpolated,
/// bounded to `[1, max]`.
pub fn threshold<I>(t: &DynamicThreshold, x0: &[f32], bounds: impl Fn() -> I) -> f32
where
    I: Iterator<Item = Option<(f32, f32)>>,
{
    let at_most = |v: &f32, b, m| key(*v, b) <= m;
    let Some((lower, upper, frac)) = order_statistics(t, x0, bounds, at_most, 1f32.to_bits())
    else {
        return 1.0;
    };
    let (lower, upper) = (f32::from_bits(lower), f32::from_bits(upper));
    let weight = frac as f32 / crate::plan::threshold::PERCENTILE_ONE as f32;
    let s = lower + weight * (upper - lower);
    // `max` and `min` return the number when `s` is NaN.
    s.max(1.0).min(t.max())
}

/// Limits the estimate `x0` in place: with a threshold `s > 1` each element
/// first moves to `mid + (x̂₀ − mid)/s`, then every element is clipped to
/// its interval.
pub fn limit<I>(x0: &mut [f32], bounds: impl Fn() -> I, dynamic: Option<&DynamicThreshold>)
where
    I: Iterator<Item = Option<(f32, f32)>>,
{
    let s = dynamic.map_or(1.0, |t| threshold(t, x0, &bounds));
    for (v, b) in x0.iter_mut().zip(bounds()) {
        if let Some((low, high)) = b
            && s > 1.0
        {
            let (mid, half) = centre(low, high);
            if half > 0.0 {
                *v = mid + (*v - mid) / s;
            }
        }
        *v = clip_x0(*v, b);
    }
}
