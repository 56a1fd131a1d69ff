//! A batch split into a fixed number of chunks that run on threads.
//!
//! Why: the forward and backward passes of a training step are independent
//! per example, so a batch splits over the cores. The split is always into
//! [`CHUNKS`] parts, whatever the machine; each chunk writes only its own
//! state, and the caller combines the states in chunk order. So the result
//! (e.g. the sum of the chunks' gradients) is the same bits on one core or
//! sixteen and from run to run, which a resumed run relies on; only the
//! time taken depends on the number of cores.

use std::num::NonZeroUsize;
use std::ops::Range;

/// How many chunks a batch is split into. Four keeps both cores of a
/// two-core machine busy with chunks of 128 rows at batch 512, large enough
/// for the GEMM kernels to run at full speed.
pub const CHUNKS: usize = 4;

/// The rows of chunk `c` of a batch of `n`: contiguous, in order, sizes
/// differing by at most one (empty when `n < CHUNKS` for some chunks).
pub fn rows(n: usize, c: usize) -> Range<usize> {
    n * c / CHUNKS..n * (c + 1) / CHUNKS
}

/// Runs `work(rows(n, c), &mut states[c])` for every chunk `c`, on up to
/// [`CHUNKS`] threads (the calling thread is one of them). Thread `j` of `T`
/// runs a contiguous group of chunks; which thread runs a chunk has no
/// effect on what the chunk computes.
///
/// # Panics
/// If `states` does not hold [`CHUNKS`] states, or if `work` panics.
pub fn for_each<S: Send>(n: usize, states: &mut [S], work: impl Fn(Range<usize>, &mut S) + Sync) {
    assert_eq!(states.len(), CHUNKS, "one state per chunk");
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .clamp(1, CHUNKS);
    let per = CHUNKS.div_ceil(threads);
    let run = |first: usize, group: &mut [S]| {
        for (c, state) in group.iter_mut().enumerate() {
            work(rows(n, first + c), state);
        }
    };
    std::thread::scope(|scope| {
        let mut groups = states.chunks_mut(per).enumerate();
        let own = groups.next();
        for (g, group) in groups {
            let run = &run;
            scope.spawn(move || run(g * per, group));
        }
        if let Some((_, group)) = own {
            run(0, group);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cover_the_batch_in_order() {
        for n in [0, 1, 3, 4, 5, 512, 1001] {
            let mut next = 0;
            for c in 0..CHUNKS {
                let r = rows(n, c);
                assert_eq!(r.start, next);
                assert!(r.len() <= n.div_ceil(CHUNKS));
                next = r.end;
            }
            assert_eq!(next, n);
        }
    }

    #[test]
    fn every_chunk_runs_once_with_its_own_rows() {
        let mut seen = vec![Vec::new(); CHUNKS];
        for_each(10, &mut seen, |r, s| s.extend(r));
        let all: Vec<usize> = seen.concat();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }
}
