//! Dynamic thresholding of x̂₀ (Saharia et al. 2022, Imagen; diffusers'
//! `_threshold_sample`): the parameters a model file stores and the
//! integer arithmetic both backends share.
//!
//! Imagen's rule, for data in `[−1, 1]`: per sample and per row, `s` is the
//! `p`-th percentile of `|x̂₀|` over the sample's coordinates, bounded to
//! `[1, s_max]`, and x̂₀ becomes `clamp(x̂₀, −s, s)/s`. When few coordinates
//! leave `[−1, 1]`, `s = 1` and this is the plain clip; when many do, the
//! whole estimate is shrunk towards the centre instead of being flattened
//! onto the bounds.
//!
//! This project's data are standardised per dimension, so `[−1, 1]` means
//! nothing in model units; what plays its part is the x̂₀ clip interval of
//! each element (the data range widened by its margin, intersected with a
//! plan's own `±clip`; [`super::x0_bounds`]). With `mid` and `half` its
//! centre and half-width, each coordinate is measured as
//! `u = (x̂₀ − mid)/half` (so the interval is `[−1, 1]`), `s` is the
//! percentile of `|u|` bounded to `[1, s_max]`, and x̂₀ becomes
//! `mid + (x̂₀ − mid)/s` clipped to the interval: Imagen's rule in the
//! coordinates where the bounds are `±1`. At `s = 1` it is exactly the
//! static clip. Elements whose interval is a point (`half = 0`) count as
//! `u = 0`.
//!
//! The percentile is torch's `quantile` (linear interpolation between the
//! order statistics at `p·(n − 1)`), with `p` stored in units of 2⁻¹⁶ so
//! that both backends use the same ranks. The order statistics come from
//! [`kth_smallest`], a bisection over the keys' 32 bits that reads the
//! values in place: no scratch, at most 32 passes over the coordinates
//! per statistic, the same answer on every target. One counting pass
//! first tells whether the percentile is above 1 at all; when it is not
//! (most rows but the noisiest), `s = 1` and no statistic is searched.

/// Fraction bits of the stored percentile.
pub const PERCENTILE_FRAC_BITS: u32 = 16;
/// The stored percentile of `p = 1` (the largest `|u|`).
pub const PERCENTILE_ONE: u32 = 1 << PERCENTILE_FRAC_BITS;
/// `s = 1` in Q16.16, the smallest threshold.
pub const THRESHOLD_ONE_Q: i32 = 1 << 16;

/// A model's dynamic threshold, as its data range section stores it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DynamicThreshold {
    percentile: u32,
    max: f32,
    max_q: i32,
}

impl DynamicThreshold {
    /// A threshold at percentile `percentile`·2⁻¹⁶ (1 to
    /// [`PERCENTILE_ONE`]) whose `s` is at most `max` (float backends) and
    /// `max_q` (Q16.16, fixed point); `None` outside those ranges or for
    /// `max_q` below 1.0. The float bound is checked by the parser of a
    /// float build.
    pub fn new(percentile: u32, max: f32, max_q: i32) -> Option<Self> {
        let valid = (1..=PERCENTILE_ONE).contains(&percentile) && max_q >= THRESHOLD_ONE_Q;
        valid.then_some(DynamicThreshold {
            percentile,
            max,
            max_q,
        })
    }

    /// The percentile `p`, in units of 2⁻¹⁶.
    pub fn percentile(&self) -> u32 {
        self.percentile
    }

    /// The float backends' upper bound of `s`.
    pub fn max(&self) -> f32 {
        self.max
    }

    /// The fixed-point backend's upper bound of `s`, Q16.16.
    pub fn max_q(&self) -> i32 {
        self.max_q
    }

    /// Where the percentile falls among `n` sorted values: the rank `k` of
    /// the lower order statistic and the weight of the next one in units
    /// of 2⁻¹⁶ (`p·(n − 1) = k + frac·2⁻¹⁶`, exact in integers).
    pub fn rank(&self, n: usize) -> (usize, u32) {
        let last = n.saturating_sub(1) as u64;
        let position = u64::from(self.percentile) * last;
        let k = usize::try_from(position >> PERCENTILE_FRAC_BITS).unwrap_or(usize::MAX);
        (k, (position & u64::from(PERCENTILE_ONE - 1)) as u32)
    }
}

/// The `k`-th smallest (from 0) of a set of `u32` keys known only through
/// `count_at_most(m)`, the number of keys `≤ m`: the smallest `m` with
/// more than `k` keys at or below it, found by bisection in 32 steps. It
/// is one of the keys when there are more than `k`; `u32::MAX` otherwise.
pub fn kth_smallest(k: usize, count_at_most: impl Fn(u32) -> usize) -> u32 {
    let (mut low, mut high) = (0u32, u32::MAX);
    while low < high {
        let mid = low + (high - low) / 2;
        if count_at_most(mid) > k {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low
}

/// The lower and upper order statistics of the percentile of the keys of
/// the elements of `x0` whose clip intervals `bounds()` yields, and the
/// upper one's weight in units of 2⁻¹⁶; `at_most(v, bounds, m)` says
/// whether an element's key is `≤ m`. `None` when both are at most `one`
/// (the key of 1.0): the interpolated percentile is then at most 1, so
/// `s = 1`, found in one counting pass. The upper is not searched when
/// its weight is 0.
pub fn order_statistics<T, B, I>(
    threshold: &DynamicThreshold,
    x0: &[T],
    bounds: impl Fn() -> I,
    at_most: impl Fn(&T, Option<B>, u32) -> bool,
    one: u32,
) -> Option<(u32, u32, u32)>
where
    B: Copy,
    I: Iterator<Item = Option<B>>,
{
    let count = |m: u32| {
        x0.iter()
            .zip(bounds())
            .filter(|(v, b)| at_most(v, *b, m))
            .count()
    };
    let (k, frac) = threshold.rank(x0.len());
    let last = if frac == 0 { k } else { k + 1 };
    if count(one) > last {
        return None;
    }
    let lower = kth_smallest(k, count);
    let upper = if frac == 0 {
        lower
    } else {
        kth_smallest(k + 1, count)
    };
    Some((lower, upper, frac))
}
