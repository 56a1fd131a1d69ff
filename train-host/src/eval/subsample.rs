//! Deterministic subsampling for the `O(n²)` estimators.
//!
//! Why: MMD and the energy distance sum over all pairs of points, which is
//! quadratic in time; past a few thousand points the extra pairs change the
//! estimate far less than they cost. Each set is cut down to at most `k`
//! points chosen uniformly without replacement.
//!
//! The choice depends only on `(seed, stream, n, k)` — not on the values and
//! not on which of the two sets is being cut — so the metrics stay symmetric
//! (swapping the sets swaps the subsamples) and a seed reproduces a report
//! exactly.

use crate::random::{below, stream};

/// Indices of at most `k` of `n` points: all of `0..n` in order when
/// `n ≤ k`, otherwise `k` distinct indices drawn by a partial Fisher–Yates
/// shuffle from generator [`stream`]`(seed, stream_id)`, returned sorted.
pub(crate) fn subsample(n: usize, k: usize, seed: u64, stream_id: u64) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    if n <= k {
        return all;
    }
    let mut rng = stream(seed, stream_id);
    for i in 0..k {
        let j = i + below(&mut rng, n - i);
        all.swap(i, j);
    }
    all.truncate(k);
    all.sort_unstable();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sets_are_kept_whole() {
        assert_eq!(subsample(4, 4, 1, 0), vec![0, 1, 2, 3]);
        assert_eq!(subsample(3, 10, 1, 0), vec![0, 1, 2]);
        assert!(subsample(0, 10, 1, 0).is_empty());
    }

    #[test]
    fn large_sets_give_distinct_sorted_reproducible_indices() {
        let a = subsample(1000, 100, 7, 1);
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|&i| i < 1000));
        assert_eq!(a, subsample(1000, 100, 7, 1));
        assert_ne!(a, subsample(1000, 100, 8, 1));
        assert_ne!(a, subsample(1000, 100, 7, 2));
    }
}
